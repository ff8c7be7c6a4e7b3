"""Safety first: the answer to "is this an emergency now?" after a possible red flag,
and the human fallback: "ask my family doctor to call me back". Red flags in typed
messages are answered by the safety middleware before any router; transcripts come
here through the assistant."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User
from sqlalchemy.ext.asyncio import AsyncSession

from actions.callbacks import request_callback
from actions.models import Resident
from bot.callbacks import EmergencyAck, OfferNav, TriageAnswer
from bot.deps import Deps
from bot.emergency import replay, respond_to_emergency, take_pending
from bot.filters import MenuButton
from bot.format import provider_name
from bot.i18n import Translate
from bot.keyboards import main_menu

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
    text: str | None = None,
    affected: str | None = None,
    user: User | None = None,
) -> None:
    """Never book; tell the resident to call 120; alert the doctor and the contact
    (bot/emergency.py)."""
    await respond_to_emergency(
        message, user or message.from_user, text=text, category=category, channel=channel,
        affected=affected, deps=deps, state=state, session=session,
    )  # fmt: skip


async def ask_for_callback(
    message: Message,
    *,
    reason: str,
    session: AsyncSession,
    resident: Resident | None,
    deps: Deps,
    t: Translate,
    voice_file_id: str | None = None,
    words: str | None = None,
    affected: str | None = None,
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
        words=words,
        affected=affected,
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

    @router.callback_query(TriageAnswer.filter())
    async def triage_answered(
        query: CallbackQuery,
        callback_data: TriageAnswer,
        bot: Bot,
        dispatcher: Dispatcher,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        message = query.message
        if not isinstance(message, Message):
            return
        with contextlib.suppress(Exception):
            await message.edit_reply_markup(reply_markup=None)
        pending = await take_pending(state)
        if pending is None:
            await message.answer(t("stale-button"))
            return
        if callback_data.emergency:
            await raise_emergency(
                message, category=pending.get("category") or "unspecified", channel=pending.get("channel", "text"),
                state=state, session=session, resident=resident, deps=deps, t=t, text=pending.get("text"),
                user=query.from_user,
            )  # fmt: skip
            return
        await message.answer(t("possible-continue", emergency=deps.settings.emergency_number))
        # The replayed message opens its own session; this one must not hold the
        # database (SQLite has one writer at a time).
        await session.commit()
        if not await replay(bot, dispatcher, pending):
            from bot.handlers.assistant import handle_text

            await handle_text(
                message, pending["text"], channel=pending.get("channel", "voice"), state=state, session=session,
                resident=resident, deps=deps, t=t, triage_cleared=True,
            )  # fmt: skip

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
            words=data.get("request_text"),
            affected=data.get("beneficiary"),
            session=session,
            resident=resident,
            deps=deps,
            t=t,  # type: ignore[arg-type]
        )

    return router
