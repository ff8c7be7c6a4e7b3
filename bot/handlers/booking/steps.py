"""The button flow: /book or 📅, then the service, day, part of day, modality and the
address for a home visit, each tap moving the flow on."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Resident
from actions.residents import update_profile
from bot.callbacks import (
    DayPick,
    ModalityPick,
    PartOfDayPick,
    ServicePick,
)
from bot.deps import Deps
from bot.filters import MenuButton
from bot.format import format_date
from bot.handlers.booking.flow import (
    PART_OF_DAY,
    advance,
    booking_subject,
    day_start,
    from_iso,
    is_onboarded,
    iso,
    service_keyboard,
    start_booking,
)
from bot.i18n import Translate
from bot.keyboards import two_per_row
from bot.states import Booking

log = logging.getLogger(__name__)

def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("book"))
    @router.message(MenuButton("menu-book"))
    async def book_entry(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if not is_onboarded(resident):
            await message.answer(t("need-start"))
            return
        await start_booking(message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.callback_query(ServicePick.filter())
    async def service_picked(
        query: CallbackQuery,
        callback_data: ServicePick,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        message = query.message
        if not is_onboarded(resident) or message is None:
            return
        assert resident is not None
        code = callback_data.code
        if code in ("more", "less"):
            await message.edit_reply_markup(  # type: ignore[union-attr]
                reply_markup=service_keyboard(
                    deps, resident.language, page=1 if code == "more" else 0
                )
            )
            return
        if code == "menu":
            await start_booking(message, state, session, resident, deps, t)  # type: ignore[arg-type]
            return
        if code not in deps.catalog:
            await message.answer(t("stale-button"))
            return
        if await state.get_state() != Booking.choosing_service.state:
            await start_booking(message, state, session, resident, deps, t)  # type: ignore[arg-type]
        await state.update_data(service=code)
        await advance(message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.callback_query(Booking.choosing_day, DayPick.filter())
    async def day_picked(
        query: CallbackQuery,
        callback_data: DayPick,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if not is_onboarded(resident) or query.message is None:
            return
        assert resident is not None
        now = deps.clock()
        today = day_start(deps, now)
        value = callback_data.value
        if value == "pick":
            days = [(today + timedelta(days=i)).date() for i in range(1, 8)]
            await query.message.answer(
                t("ask-date"),
                reply_markup=two_per_row(
                    [
                        (
                            format_date(deps.i18n, resident.language, d),
                            DayPick(value=d.isoformat()).pack(),
                        )
                        for d in days
                    ]
                ),
            )
            return
        if value == "today":
            start, end, pod = now, today + timedelta(days=1), False
        elif value == "tomorrow":
            start, end, pod = today + timedelta(days=1), today + timedelta(days=2), False
        elif value == "week":
            end = today + timedelta(days=7 - today.weekday())
            if end - now < timedelta(days=2):
                end = today + timedelta(days=7)
            start, pod = now, True
        else:
            try:
                day = datetime.fromisoformat(value).date()
            except ValueError:
                await query.message.answer(t("stale-button"))
                return
            start = datetime.combine(day, time(0), tzinfo=deps.tz)
            end, pod = start + timedelta(days=1), False
        await state.update_data(
            win_start=iso(start), win_end=iso(end), day_set=True, pod_set=pod, after=None
        )
        await advance(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.callback_query(Booking.choosing_part_of_day, PartOfDayPick.filter())
    async def part_of_day_picked(
        query: CallbackQuery,
        callback_data: PartOfDayPick,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if not is_onboarded(resident) or query.message is None:
            return
        data = await state.get_data()
        start, end = from_iso(data.get("win_start")), from_iso(data.get("win_end"))
        bounds = PART_OF_DAY.get(callback_data.value)
        if bounds and start is not None:
            day = start.astimezone(deps.tz).date()
            pod_start = datetime.combine(day, bounds[0], tzinfo=deps.tz)
            pod_end = datetime.combine(day, bounds[1], tzinfo=deps.tz)
            start, end = max(start, pod_start), pod_end
        await state.update_data(win_start=iso(start), win_end=iso(end), pod_set=True)
        await advance(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.callback_query(Booking.choosing_modality, ModalityPick.filter())
    async def modality_picked(
        query: CallbackQuery,
        callback_data: ModalityPick,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if not is_onboarded(resident) or query.message is None:
            return
        await state.update_data(modality=callback_data.value)
        await advance(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.message(Booking.giving_address, F.text)
    async def address_for_visit(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if not is_onboarded(resident):
            return
        assert resident is not None
        address = " ".join((message.text or "").split())
        if not 2 <= len(address) <= 200:
            await message.answer(t("bad-address"))
            return
        # The address of whom the visit is for (a linked family member, or oneself).
        subject = await booking_subject(session, resident, await state.get_data())
        await update_profile(session, subject, address=address)
        await advance(message, state, session, resident, deps, t)

    return router
