"""Safety first: a red flag in any message, in any state, is answered at once with 120.
Also the human fallback: "ask my family doctor to call me back"."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.callbacks import request_callback
from actions.emergency import mark_alerted, record_emergency
from actions.models import Resident
from bot.callbacks import EmergencyAck, OfferNav
from bot.deps import Deps
from bot.filters import MenuButton, RedFlag
from bot.format import provider_name
from bot.i18n import Translate
from bot.keyboards import inline, main_menu

log = logging.getLogger(__name__)


async def raise_emergency(
    message: Message,
    *,
    category: str,
    channel: str,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident | None,
    deps: Deps,
    t: Translate,
) -> None:
    """Never book; tell the resident to call 120; alert the doctor and the contact."""
    await state.clear()
    has_contact = False
    event_id = 0
    if resident is not None:
        alert = await record_emergency(
            session,
            resident_id=resident.id,
            urgency="emergency",
            category=category,
            channel=channel,
            clock=deps.clock,
        )
        event_id = alert.event_id
        has_contact = bool(alert.contact_chat_id)
    deps.count("emergencies")
    log.warning("emergency red flag raised: category=%s channel=%s", category, channel)
    await message.answer(
        t(
            "emergency-reply",
            emergency=deps.settings.emergency_number,
            phone=deps.settings.centre_phone,
            alerted=t("emergency-alerted-both" if has_contact else "emergency-alerted-doctor"),
        ),
        reply_markup=inline([[(t("btn-call-120"), EmergencyAck(event_id=event_id).pack())]]),
    )
    if resident is not None:
        await deps.notifier.emergency_raised(session, event_id)
        await mark_alerted(session, event_id, doctor=True, contact=has_contact)


async def ask_for_callback(
    message: Message,
    *,
    reason: str,
    session: AsyncSession,
    resident: Resident | None,
    deps: Deps,
    t: Translate,
    voice_file_id: str | None = None,
) -> None:
    """Queues a call-back (doctor, else the doctor's team, else the duty chat) and
    tells the resident who will call, only when a message was queued for someone."""
    if resident is None or not resident.onboarded:
        await message.answer(t("callback-need-profile"))
        return
    callback = await request_callback(
        session,
        resident_id=resident.id,
        reason=reason,
        clock=deps.clock,
        voice_file_id=voice_file_id,
        notifier=deps.notifier,
    )
    if callback.routed_to == "doctor" and callback.provider is not None:
        text = t("callback-requested", doctor=provider_name(callback.provider, resident.language))
    elif callback.routed_to == "team" and callback.provider is not None:
        text = t("callback-requested-team", doctor=provider_name(callback.provider, resident.language))
    elif callback.routed_to == "duty":
        text = t("callback-no-doctor")
    else:
        log.error("call-back request %s could not be passed to anyone", callback.id)
        text = t("callback-not-queued", phone=deps.settings.centre_phone)
    await message.answer(text, reply_markup=main_menu(t))


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(RedFlag())
    async def red_flag(
        message: Message,
        triage_result,  # type: ignore[no-untyped-def]
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await raise_emergency(
            message,
            category=triage_result.category or "unspecified",
            channel="text",
            state=state,
            session=session,
            resident=resident,
            deps=deps,
            t=t,
        )

    @router.callback_query(EmergencyAck.filter())
    async def emergency_ack(query: CallbackQuery, t: Translate) -> None:
        await query.answer()
        await query.message.answer(t("emergency-ack"))  # type: ignore[union-attr]

    @router.message(Command("callme"))
    @router.message(MenuButton("menu-callback"))
    async def callback_from_menu(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await state.clear()
        await ask_for_callback(
            message, reason="help", session=session, resident=resident, deps=deps, t=t
        )

    @router.callback_query(OfferNav.filter(F.action == "call_me"))
    async def callback_from_offers(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if not isinstance(query.message, Message):
            return
        data = await state.get_data()
        await state.clear()
        reason = "urgent" if data.get("urgency") == "urgent" else "help"
        await ask_for_callback(
            query.message,
            reason=reason,
            session=session,
            resident=resident,
            deps=deps,
            t=t,  # type: ignore[arg-type]
        )

    return router
