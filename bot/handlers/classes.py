"""Health lectures and classes (健康讲座、小课堂): the list with seats left, sign-up after
a read-back, cancelling, the waitlist for a full session or a fully booked slot, the
offer of a freed seat, and the host marking who came."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions import waitlist
from actions.booking import get_booking
from actions.care_config import load_care_config
from actions.family import NotLinked
from actions.models import GroupSession, Provider, Resident, SessionSignup
from actions.sessions import (
    NotYourSignup,
    SessionFull,
    SessionGone,
    cancel_signup,
    get_session,
    mark_attended,
    resident_signups,
    sign_up,
    upcoming,
)
from bot.callbacks import AttendMark, ClassAction, WaitlistAnswer, WaitlistJoin
from bot.deps import Deps
from bot.format import format_when, provider_name
from bot.handlers.booking.flow import booking_subject
from bot.i18n import Translate
from bot.keyboards import inline, main_menu
from bot.states import Booking, Classes

log = logging.getLogger(__name__)
Rows = list[list[tuple[str, str]]]


def _names(deps: Deps, group: GroupSession, lang: str) -> dict[str, str]:
    return {
        "title": group.title_zh if lang == "zh" else group.title_en,
        "when": format_when(deps.i18n, lang, group.starts_at, deps.tz),
        "place": group.place_zh if lang == "zh" else group.place_en,
    }


async def show_classes(message: Message, session: AsyncSession, resident: Resident, deps: Deps, t: Translate) -> None:
    lang = resident.language
    now = deps.clock()
    groups = await upcoming(session, now=now, days=14)
    mine = await resident_signups(session, resident_id=resident.id, now=now)
    signed = {s.session_id: s for s in mine}
    if not groups:
        await message.answer(t("classes-none"), reply_markup=main_menu(t))
        return
    lines = [t("classes-header")]
    rows: Rows = []
    for group in groups[:8]:
        names = _names(deps, group, lang)
        left = group.capacity - group.booked
        short = format_when(deps.i18n, lang, group.starts_at, deps.tz)
        if left > 0:
            lines.append(t("classes-line", left=str(left), **names))
        else:
            lines.append(t("classes-line-full", **names))
        if group.id in signed:
            rows.append([(t("btn-class-cancel", when=short), ClassAction(action="cancel", target_id=signed[group.id].id).pack())])
        elif left > 0:
            rows.append([(t("btn-class-sign", when=short), ClassAction(action="sign", target_id=group.id).pack())])
        else:
            rows.append([(t("btn-class-wait", when=short), ClassAction(action="wait", target_id=group.id).pack())])
    await message.answer("\n".join(lines), reply_markup=inline(rows))


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("classes"))
    async def classes(message: Message, state: FSMContext, session: AsyncSession, resident: Resident | None,
                      deps: Deps, t: Translate) -> None:  # fmt: skip
        if resident is None or not resident.onboarded:
            await message.answer(t("need-start"))
            return
        await state.clear()
        await show_classes(message, session, resident, deps, t)

    @router.callback_query(ClassAction.filter())
    async def class_action(query: CallbackQuery, callback_data: ClassAction, state: FSMContext,
                           session: AsyncSession, resident: Resident | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        if resident is None or not resident.onboarded:
            await msg.answer(t("need-start"))
            return
        lang = resident.language
        action, target = callback_data.action, callback_data.target_id
        if action == "list":
            await show_classes(msg, session, resident, deps, t)
            return
        if action == "cancel":
            try:
                signup = await cancel_signup(session, signup_id=target, resident_id=resident.id, clock=deps.clock,
                                             notifier=deps.notifier)  # fmt: skip
            except NotYourSignup:
                log.warning("class cancel refused: user=%s signup=%s", query.from_user.id, target)
                await msg.answer(t("stale-button"))
                return
            except SessionGone:
                await msg.answer(t("class-gone"))
                return
            group = await get_session(session, signup.session_id)
            assert group is not None
            names = _names(deps, group, lang)
            await msg.answer(t("class-cancelled", title=names["title"], when=names["when"]), reply_markup=main_menu(t))
            return
        group = await get_session(session, target)
        if group is None or group.starts_at <= deps.clock():
            await msg.answer(t("class-gone"))
            return
        names = _names(deps, group, lang)
        if action == "sign":
            await state.set_state(Classes.confirming_signup)
            await state.set_data({"session_id": group.id})
            await msg.answer(t("class-readback", **names), reply_markup=inline([[
                (t("btn-class-confirm"), ClassAction(action="confirm", target_id=group.id).pack()),
                (t("btn-no"), ClassAction(action="list", target_id=0).pack()),
            ]]))  # fmt: skip
        elif action == "confirm":
            pending = (await state.get_data()).get("session_id")
            await state.clear()
            if pending != group.id:
                await msg.answer(t("stale-button"))
                return
            try:
                await sign_up(session, session_id=group.id, resident_id=resident.id, clock=deps.clock, notifier=deps.notifier)
            except SessionFull:
                await msg.answer(t("class-full"), reply_markup=inline(
                    [[(t("btn-class-wait", when=names["when"]), ClassAction(action="wait", target_id=group.id).pack())]]
                ))  # fmt: skip
                return
            except SessionGone:
                await msg.answer(t("class-gone"))
                return
            await msg.answer(t("class-signed", **names), reply_markup=main_menu(t))
        elif action == "wait":
            await join_line(msg, session, resident, deps, t, kind="session", target_id=group.id)

    @router.callback_query(WaitlistJoin.filter())
    async def wait_for_slot(query: CallbackQuery, callback_data: WaitlistJoin, state: FSMContext,
                            session: AsyncSession, resident: Resident | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message) or resident is None or not resident.onboarded:
            return
        data = await state.get_data()
        service = data.get("service")
        if service is None or (await state.get_state() or "").split(":")[0] != Booking.__name__:
            await msg.answer(t("stale-button"))
            return
        try:
            subject = await booking_subject(session, resident, data)
        except NotLinked:
            await msg.answer(t("family-not-linked"))
            return
        await join_line(msg, session, subject, deps, t, kind="slot", target_id=callback_data.slot_id, service=service)

    @router.callback_query(WaitlistAnswer.filter())
    async def waitlist_answer(query: CallbackQuery, callback_data: WaitlistAnswer, session: AsyncSession,
                              resident: Resident | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message) or resident is None:
            return
        with contextlib.suppress(TelegramBadRequest):
            await msg.edit_reply_markup(reply_markup=None)
        lang = resident.language
        if not callback_data.take:
            declined = await waitlist.decline_offer(session, entry_id=callback_data.entry_id, resident_id=resident.id,
                                                    clock=deps.clock, notifier=deps.notifier)  # fmt: skip
            await msg.answer(t("waitlist-declined" if declined else "waitlist-gone"), reply_markup=main_menu(t))
            return
        try:
            made = await waitlist.take_offer(session, entry_id=callback_data.entry_id, resident_id=resident.id,
                                             clock=deps.clock, notifier=deps.notifier)  # fmt: skip
        except waitlist.OfferGone:
            await msg.answer(t("waitlist-gone"), reply_markup=main_menu(t))
            return
        if isinstance(made, SessionSignup):
            group = await get_session(session, made.session_id)
            assert group is not None
            names = _names(deps, group, lang)
            await msg.answer(t("waitlist-taken-session", title=names["title"], when=names["when"]), reply_markup=main_menu(t))
            return
        booking = await get_booking(session, made.id)
        assert booking is not None
        await msg.answer(
            t("waitlist-taken-slot", service=deps.catalog.get(booking.service_code).name(lang),
              when=format_when(deps.i18n, lang, booking.starts_at, deps.tz), provider=provider_name(booking.provider, lang)),
            reply_markup=main_menu(t),
        )  # fmt: skip

    @router.callback_query(AttendMark.filter())
    async def attended(query: CallbackQuery, callback_data: AttendMark, session: AsyncSession,
                       provider: Provider | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        ok = provider is not None and await mark_attended(
            session, signup_id=callback_data.signup_id, host_code=provider.code, clock=deps.clock
        )
        if not ok:
            await msg.answer(t("attended-not-yours"))
            return
        if msg.reply_markup is not None:
            mine = AttendMark(signup_id=callback_data.signup_id).pack()
            rows = [[(b.text, b.callback_data or "") for b in row] for row in msg.reply_markup.inline_keyboard
                    if all(b.callback_data != mine for b in row)]  # fmt: skip
            with contextlib.suppress(TelegramBadRequest):
                await msg.edit_reply_markup(reply_markup=inline(rows) if rows else None)
        await msg.answer(t("attended-marked"))

    return router


async def join_line(message: Message, session: AsyncSession, resident: Resident, deps: Deps, t: Translate, *,
                    kind: str, target_id: int, service: str | None = None) -> None:  # fmt: skip
    try:
        place = await waitlist.join(session, resident_id=resident.id, kind=kind, target_id=target_id, clock=deps.clock,
                                    service_code=service)  # fmt: skip
    except waitlist.AlreadyWaiting:
        await message.answer(t("waitlist-already"))
        return
    minutes = load_care_config().waitlist_hold_minutes
    await message.answer(t("waitlist-joined", position=str(place.position), minutes=str(minutes)), reply_markup=main_menu(t))


