"""My bookings, cancel (with a read-back) and reschedule."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import (
    BookingNotChangeable,
    BookingNotFound,
    NotYourBooking,
    cancel,
    get_booking,
    upcoming_bookings,
)
from actions.models import Booking, Resident
from bot.callbacks import Answer, BookingAction
from bot.deps import Deps
from bot.filters import MenuButton
from bot.format import format_when, provider_name
from bot.handlers.booking.flow import offer_slots
from bot.i18n import Translate
from bot.keyboards import inline, main_menu, yes_no
from bot.states import Booking as BookingStates
from bot.states import ManagingBookings

log = logging.getLogger(__name__)
CHANGEABLE = ("confirmed", "accepted")


def booking_line(booking: Booking, resident: Resident, deps: Deps, t: Translate) -> str:
    lang = resident.language
    return t(
        "booking-line",
        when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
        service=deps.catalog.get(booking.service_code).name(lang),
        provider=provider_name(booking.provider, lang),
        modality=t(f"modality-{booking.modality}"),
    )


async def show_bookings(
    message: Message, session: AsyncSession, resident: Resident, deps: Deps, t: Translate
) -> None:
    bookings = await upcoming_bookings(session, resident_id=resident.id, clock=deps.clock)
    if not bookings:
        await message.answer(t("bookings-none"), reply_markup=main_menu(t))
        return
    await message.answer(t("bookings-header"))
    for booking in bookings[:10]:
        await message.answer(
            booking_line(booking, resident, deps, t),
            reply_markup=inline(
                [
                    [
                        (
                            t("btn-resched-booking"),
                            BookingAction(action="resched", booking_id=booking.id).pack(),
                        ),
                        (
                            t("btn-cancel-booking"),
                            BookingAction(action="cancel", booking_id=booking.id).pack(),
                        ),
                    ]
                ]
            ),
        )


async def _own_booking(
    query: CallbackQuery,
    booking_id: int,
    session: AsyncSession,
    resident: Resident | None,
    t: Translate,
) -> Booking | None:
    """The booking if it belongs to this resident and can still change; otherwise a
    kind refusal. Taps on someone else's booking are logged (ids only)."""
    booking = await get_booking(session, booking_id)
    if booking is None or resident is None:
        await query.message.answer(t("stale-button"))  # type: ignore[union-attr]
        return None
    if booking.resident_id != resident.id:
        log.warning("refused booking action: user=%s booking=%s", query.from_user.id, booking_id)
        await query.message.answer(t("not-yours"))  # type: ignore[union-attr]
        return None
    if booking.status not in CHANGEABLE:
        await query.message.answer(t("booking-not-changeable"))  # type: ignore[union-attr]
        return None
    return booking


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("bookings"))
    @router.message(MenuButton("menu-bookings"))
    async def my_bookings(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        if resident is None or not resident.onboarded:
            await message.answer(t("need-start"))
            return
        await state.clear()
        await show_bookings(message, session, resident, deps, t)

    @router.callback_query(BookingAction.filter(F.action == "cancel"))
    async def cancel_tapped(
        query: CallbackQuery,
        callback_data: BookingAction,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        booking = await _own_booking(query, callback_data.booking_id, session, resident, t)
        if booking is None or resident is None:
            return
        lang = resident.language
        await state.set_state(ManagingBookings.confirming_cancel)
        await state.set_data({"booking_id": booking.id})
        await query.message.answer(  # type: ignore[union-attr]
            t(
                "cancel-readback",
                service=deps.catalog.get(booking.service_code).name(lang),
                when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
                provider=provider_name(booking.provider, lang),
            ),
            reply_markup=yes_no(t, "cancel", yes_key="btn-confirm-cancel", no_key="btn-keep"),
        )

    @router.callback_query(ManagingBookings.confirming_cancel, Answer.filter(F.topic == "cancel"))
    async def cancel_answer(
        query: CallbackQuery,
        callback_data: Answer,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        booking_id = (await state.get_data()).get("booking_id")
        await state.clear()
        if not callback_data.yes or resident is None or booking_id is None:
            await query.message.answer(t("booking-kept"), reply_markup=main_menu(t))  # type: ignore[union-attr]
            return
        try:
            booking = await cancel(
                session, resident_id=resident.id, booking_id=booking_id, clock=deps.clock,
                notifier=deps.notifier,
            )  # fmt: skip
        except NotYourBooking:
            log.warning("refused cancel: user=%s booking=%s", query.from_user.id, booking_id)
            await query.message.answer(t("not-yours"))  # type: ignore[union-attr]
            return
        except (BookingNotFound, BookingNotChangeable):
            await query.message.answer(t("booking-not-changeable"))  # type: ignore[union-attr]
            return
        lang = resident.language
        await query.message.answer(  # type: ignore[union-attr]
            t(
                "booking-cancelled",
                service=deps.catalog.get(booking.service_code).name(lang),
                when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
            ),
            reply_markup=main_menu(t),
        )

    @router.callback_query(BookingAction.filter(F.action == "resched"))
    async def resched_tapped(
        query: CallbackQuery,
        callback_data: BookingAction,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        booking = await _own_booking(query, callback_data.booking_id, session, resident, t)
        if booking is None or resident is None:
            return
        lang = resident.language
        await state.clear()
        await state.set_state(BookingStates.choosing_slot)
        await state.set_data(
            {
                "mode": "resched",
                "booking_id": booking.id,
                "old_slot_id": booking.slot_id,
                "service": booking.service_code,
                "modality": booking.modality,
                "day_set": True,
                "pod_set": True,
                "urgency": "routine",
            }
        )
        await query.message.answer(  # type: ignore[union-attr]
            t(
                "resched-intro",
                service=deps.catalog.get(booking.service_code).name(lang),
                when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
            )
        )
        await offer_slots(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    return router
