"""A resident who may be in danger: the answer comes first, everything else after.

An emergency is answered with 120 (and the crisis line when the words are about
self-harm) before anything touches the database, so that a red flag gets the full
reply even when storage is down. Then the event is recorded (category only), the
family doctor (else the team, else the duty chat) and a linked emergency contact are
alerted through the outbox, and the resident is told truthfully who was told.

A possible emergency leads with the 120 guidance and asks one yes/no question; the
message is understood as a request only after the resident says it is not one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, Update, User
from sqlalchemy.ext.asyncio import AsyncSession

from actions.emergency import record_emergency
from actions.residents import display_phone, get_resident
from bot.callbacks import EmergencyAck, TriageAnswer
from bot.deps import Deps
from bot.format import provider_name
from bot.i18n import Translate
from bot.keyboards import inline

log = logging.getLogger(__name__)
# How long the emergency path waits for the database before answering without it.
STORAGE_PATIENCE_SECONDS = 2.0
PENDING_KEY = "triage_pending"


def _user_language(user: User | None) -> str:
    return "en" if user is not None and (user.language_code or "").startswith("en") else "zh"


async def _resident_language(deps: Deps, user: User | None, session: AsyncSession | None = None) -> str:
    """The resident's own language if the database answers in time."""
    if user is None:
        return "zh"

    async def lookup() -> str | None:
        async with _session(deps, session) as use:
            resident = await get_resident(use, user.id)
            return resident.language if resident is not None else None

    try:
        language = await asyncio.wait_for(lookup(), STORAGE_PATIENCE_SECONDS)
    except Exception:  # storage down or slow: the reply must not wait for it
        log.warning("emergency: resident lookup failed; answering in the Telegram language")
        return _user_language(user)
    return language or _user_language(user)


@contextlib.asynccontextmanager
async def _session(deps: Deps, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    """The update's own session inside a handler (SQLite allows one writer at a time);
    a fresh one in the middleware, which runs before the session middleware."""
    if session is not None:
        yield session
        return
    async with deps.sessionmaker() as fresh:
        yield fresh


def emergency_text(t: Translate, deps: Deps, category: str | None) -> str:
    lines = [t("emergency-reply", emergency=deps.settings.emergency_number, phone=deps.settings.centre_phone)]
    if category == "suicide":
        lines.append(t("emergency-crisis", emergency=deps.settings.emergency_number, crisis=deps.settings.crisis_line))
    return "\n".join(lines)


async def respond_to_emergency(
    message: Message,
    user: User | None,
    *,
    text: str | None,
    category: str | None,
    channel: str,
    affected: str | None,
    deps: Deps,
    state: FSMContext | None,
    session: AsyncSession | None = None,
) -> None:
    """Answer first; then record, alert and say who was told. `user` is the person in
    danger's Telegram account (a button's message comes from the bot)."""
    lang = await _resident_language(deps, user, session)
    t = deps.i18n.translator(lang)
    category = category or "unspecified"
    deps.count("emergencies")
    log.warning("emergency raised: category=%s channel=%s", category, channel)
    await message.answer(
        emergency_text(t, deps, category),
        reply_markup=inline([[(t("btn-call-120"), EmergencyAck(event_id=0).pack())]]),
    )
    if state is not None:
        with contextlib.suppress(Exception):
            await state.clear()
    try:
        told = await asyncio.wait_for(
            _record_and_alert(
                user, text=text, category=category, channel=channel, affected=affected, deps=deps, session=session
            ),
            STORAGE_PATIENCE_SECONDS * 3,
        )
    except Exception:
        log.exception("emergency: recording or alerting failed")
        await message.answer(t("emergency-storage-down", emergency=deps.settings.emergency_number, phone=deps.settings.centre_phone))
        return
    await message.answer(_told_text(t, deps, told, lang))


async def _record_and_alert(
    user: User | None, *, text: str | None, category: str, channel: str, affected: str | None, deps: Deps,
    session: AsyncSession | None,
) -> Any:
    async with _session(deps, session) as session:
        resident = await get_resident(session, user.id) if user is not None else None
        event = await record_emergency(
            session,
            resident_id=resident.id if resident is not None else None,
            urgency="emergency",
            category=category,
            channel=channel,
            clock=deps.clock,
        )
        reporter = None
        if resident is None and user is not None:
            reporter = f"{user.full_name} (Telegram {user.id}{', @' + user.username if user.username else ''})"
        notice = await deps.notifier.emergency_raised(
            session, event.event_id, words=text, affected=affected, reporter=reporter
        )
        notice.registered = resident is not None
        return notice


def _told_text(t: Translate, deps: Deps, told: Any, lang: str) -> str:
    settings = deps.settings
    if told.doctor is not None:
        lines = [t("emergency-told-doctor", doctor=provider_name(told.doctor, lang))]
    elif told.team:
        lines = [t("emergency-told-team")]
    elif told.duty:
        lines = [t("emergency-told-duty")]
    else:
        lines = [t("emergency-told-nobody", emergency=settings.emergency_number, phone=settings.centre_phone)]
    if told.contact_told:
        lines.append(t("emergency-told-contact", name=told.contact_name or ""))
    elif told.contact_phone:
        lines.append(t("emergency-call-contact", name=told.contact_name or "", phone=display_phone(told.contact_phone)))
    if not getattr(told, "registered", True):
        lines.append(t("emergency-no-profile"))
    return "\n".join(lines)


async def ask_if_emergency(
    message: Message,
    *,
    t: Translate,
    deps: Deps,
    state: FSMContext,
    category: str | None,
    text: str,
    channel: str,
    update: Update | None,
) -> None:
    """The 120 guidance first, then one yes/no question. The message waits in the
    conversation state until the answer."""
    pending: dict[str, Any] = {"text": text[:2000], "channel": channel, "category": category}
    if update is not None:
        pending["update"] = update.model_dump(mode="json", exclude_none=True)
    await state.update_data({PENDING_KEY: pending})
    lines = [t("possible-emergency", emergency=deps.settings.emergency_number)]
    if category == "suicide":
        lines.append(t("emergency-crisis", emergency=deps.settings.emergency_number, crisis=deps.settings.crisis_line))
    lines.append(t("possible-emergency-question"))
    await message.answer(
        "\n".join(lines),
        reply_markup=inline(
            [
                [(t("btn-is-emergency"), TriageAnswer(emergency=True).pack())],
                [(t("btn-not-emergency"), TriageAnswer(emergency=False).pack())],
            ]
        ),
    )


async def take_pending(state: FSMContext) -> dict[str, Any] | None:
    data = await state.get_data()
    pending = data.get(PENDING_KEY)
    if pending is not None:
        await state.update_data({PENDING_KEY: None})
    return pending if isinstance(pending, dict) else None


async def replay(bot: Bot, dispatcher: Any, pending: dict[str, Any]) -> bool:
    """Hands a typed message the resident said was not an emergency back to the
    routers, as if it had just arrived, with triage already answered."""
    raw = pending.get("update")
    if not raw:
        return False
    await dispatcher.feed_update(bot, Update.model_validate(raw, context={"bot": bot}), triage_cleared=True)
    return True
