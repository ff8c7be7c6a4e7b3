"""亲情账户: a family member asks for a code, the elderly resident sends it and agrees
after a read-back naming the member; then the member can book for them, report their
readings and receive their reminders and alerts. Either side can end it here, after
a read-back naming the other person (ending it cannot be undone: linking again needs a
new code); the other side is then told."""

from __future__ import annotations

import contextlib
import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.family import (
    RELATIONS,
    CodeInvalid,
    NotLinked,
    acting_for,
    confirm_link,
    elders_of,
    issue_code,
    link_for,
    member_as,
    members_of,
    normalise_code,
    pending_link,
    revoke_link,
    set_alerts,
)
from actions.models import FamilyLink, Resident
from bot.callbacks import FamilyAction, HealthAction
from bot.deps import Deps
from bot.filters import MenuButton
from bot.handlers.booking.flow import start_booking
from bot.i18n import Translate
from bot.keyboards import inline, main_menu
from bot.states import Family

log = logging.getLogger(__name__)
Rows = list[list[tuple[str, str]]]


async def show_family(message: Message, session: AsyncSession, resident: Resident, t: Translate) -> None:
    elders = await elders_of(session, resident.id)
    members = await members_of(session, resident.id)
    lines = [t("family-menu")]
    rows: Rows = []
    if elders:
        lines.append(t("family-menu-elders"))
        for link in elders:
            name = link.elder.name if link.elder else ""
            lines.append(t("family-line-elder", name=name, relation=t(f"relation-{link.relation}"),
                           alerts=t("family-alerts-on" if link.receives_alerts else "family-alerts-off")))  # fmt: skip
            rows.append([(t("btn-family-book", name=name), FamilyAction(action="book", link_id=link.id).pack()),
                         (t("btn-family-health", name=name), HealthAction(action="show", elder_id=link.elder_id or 0).pack())])  # fmt: skip
            toggle = "alerts_off" if link.receives_alerts else "alerts_on"
            label = t("btn-family-alerts-off", name=name) if link.receives_alerts else t("btn-family-alerts-on", name=name)
            rows.append([(label, FamilyAction(action=toggle, link_id=link.id).pack()),
                         (t("btn-family-revoke", name=name), FamilyAction(action="revoke", link_id=link.id).pack())])  # fmt: skip
    if members:
        lines.append(t("family-menu-members"))
        for link in members:
            name = link.member.name if link.member else ""
            lines.append(t("family-line-member", name=name, relation=t(f"relation-{member_as(link)}")))
            rows.append([(t("btn-family-revoke", name=name), FamilyAction(action="revoke", link_id=link.id).pack())])
    rows.append([(t("btn-family-link"), FamilyAction(action="link").pack())])
    rows.append([(t("btn-family-code"), FamilyAction(action="code").pack())])
    await message.answer("\n".join(lines), reply_markup=inline(rows))


async def ask_consent(message: Message, state: FSMContext, session: AsyncSession, resident: Resident, code: str,
                      deps: Deps, t: Translate) -> None:  # fmt: skip
    """The read-back before the elderly resident consents."""
    try:
        link = await pending_link(session, code=code, elder_id=resident.id, clock=deps.clock)
    except CodeInvalid:
        await state.clear()
        await message.answer(t("family-code-bad"), reply_markup=main_menu(t))
        return
    await state.set_state(Family.confirming_link)
    await state.set_data({"link_id": link.id})
    await message.answer(
        t("family-confirm", member=link.member.name or "", relation=t(f"relation-{member_as(link)}")),
        reply_markup=inline([[(t("btn-family-allow"), FamilyAction(action="allow", link_id=link.id).pack()),
                              (t("btn-family-deny"), FamilyAction(action="deny", link_id=link.id).pack())]]),
    )  # fmt: skip


def other_side(link: FamilyLink, person_id: int, t: Translate) -> tuple[str, str]:
    """The other person of a link and what they are to this person ("王小明", "子女")."""
    if link.elder_id == person_id:
        return (link.member.name if link.member else "") or "", t(f"relation-{member_as(link)}")
    return (link.elder.name if link.elder else "") or "", t(f"relation-{link.relation}")


async def ask_unlink(msg: Message, session: AsyncSession, resident: Resident, link_id: int, t: Translate,
                     user_id: int) -> None:  # fmt: skip
    """The read-back before a link ends, naming the other person and what they are to
    this resident; nothing changes until it is confirmed."""
    link = await link_for(session, link_id=link_id, person_id=resident.id)
    if link is None or link.status != "active":
        if link is None:
            log.warning("refused family unlink: user=%s link=%s", user_id, link_id)
        await msg.answer(t("family-not-linked"))
        return
    name, relation = other_side(link, resident.id, t)
    key = "family-unlink-ask-elder" if link.elder_id == resident.id else "family-unlink-ask-member"
    await msg.answer(
        t(key, name=name, relation=relation),
        reply_markup=inline([[(t("btn-family-unlink-yes"), FamilyAction(action="unlink", link_id=link.id).pack()),
                              (t("btn-family-unlink-no"), FamilyAction(action="keep", link_id=link.id).pack())]]),
    )  # fmt: skip


async def unlink(msg: Message, session: AsyncSession, resident: Resident, link_id: int, deps: Deps, t: Translate,
                 user_id: int) -> None:  # fmt: skip
    """The confirmed read-back: the link ends now, or, when it already has (a second
    tap, the other side was quicker) or was never this person's, a kind refusal."""
    person_id = resident.id  # a refused revocation rolls back, which expires the resident
    try:
        link = await revoke_link(session, link_id=link_id, by_resident_id=person_id, clock=deps.clock,
                                 notifier=deps.notifier)  # fmt: skip
    except NotLinked:
        ended = await link_for(session, link_id=link_id, person_id=person_id)
        if ended is None:
            log.warning("refused family unlink: user=%s link=%s", user_id, link_id)
            await msg.answer(t("family-not-linked"), reply_markup=main_menu(t))
        else:
            await msg.answer(t("family-unlink-already", name=other_side(ended, person_id, t)[0]), reply_markup=main_menu(t))
        return
    log.info("family link %s ended", link.id)
    await msg.answer(t("family-revoked", name=other_side(link, person_id, t)[0]), reply_markup=main_menu(t))


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("family"))
    @router.message(MenuButton("menu-family"))
    async def family(message: Message, state: FSMContext, session: AsyncSession, resident: Resident | None,
                     t: Translate) -> None:  # fmt: skip
        if resident is None or not resident.onboarded:
            await message.answer(t("family-need-profile"))
            return
        await state.clear()
        await show_family(message, session, resident, t)

    # The elderly resident may simply send the code they were given.
    @router.message(StateFilter(None), F.text.regexp(r"^\s*\d{3}\s?\d{3}\s*$"))
    async def bare_code(message: Message, state: FSMContext, session: AsyncSession, resident: Resident | None,
                        deps: Deps, t: Translate) -> None:  # fmt: skip
        if resident is None or not resident.onboarded:
            await message.answer(t("family-need-profile"))
            return
        code = normalise_code(message.text or "")
        assert code is not None
        await ask_consent(message, state, session, resident, code, deps, t)

    @router.message(Family.entering_code, F.text)
    async def code_typed(message: Message, state: FSMContext, session: AsyncSession, resident: Resident | None,
                         deps: Deps, t: Translate) -> None:  # fmt: skip
        if resident is None:
            return
        code = normalise_code(message.text or "")
        if code is None:
            await state.clear()
            await message.answer(t("family-code-bad"), reply_markup=main_menu(t))
            return
        await ask_consent(message, state, session, resident, code, deps, t)

    @router.callback_query(FamilyAction.filter())
    async def family_action(query: CallbackQuery, callback_data: FamilyAction, state: FSMContext,
                            session: AsyncSession, resident: Resident | None, deps: Deps, t: Translate) -> None:  # fmt: skip
        await query.answer()
        msg = query.message
        if not isinstance(msg, Message):
            return
        if resident is None or not resident.onboarded:
            await msg.answer(t("family-need-profile"))
            return
        action = callback_data.action
        if action == "link":
            await msg.answer(t("family-relation-ask"), reply_markup=inline(
                [[(t(f"btn-relation-{r}"), FamilyAction(action="relation", value=r).pack())] for r in RELATIONS]
            ))  # fmt: skip
        elif action == "relation":
            code = await issue_code(session, member_id=resident.id, relation=callback_data.value, clock=deps.clock)
            await msg.answer(t("family-code-issued", code=code, relation=callback_data.value))
        elif action == "code":
            await state.set_state(Family.entering_code)
            await msg.answer(t("family-code-ask"))
        elif action in ("allow", "deny"):
            pending = (await state.get_data()).get("link_id")
            await state.clear()
            if pending != callback_data.link_id:
                await msg.answer(t("stale-button"))
                return
            if action == "deny":
                await msg.answer(t("family-denied"), reply_markup=main_menu(t))
                return
            try:
                link = await confirm_link(session, link_id=callback_data.link_id, elder_id=resident.id, clock=deps.clock,
                                          notifier=deps.notifier)  # fmt: skip
            except CodeInvalid:
                await msg.answer(t("family-code-bad"), reply_markup=main_menu(t))
                return
            log.info("family link %s confirmed", link.id)
            await msg.answer(t("family-linked-elder", member=link.member.name or ""), reply_markup=main_menu(t))
        elif action == "revoke":
            await ask_unlink(msg, session, resident, callback_data.link_id, t, query.from_user.id)
        elif action in ("unlink", "keep"):
            # The read-back is answered once: its buttons go.
            with contextlib.suppress(TelegramBadRequest):
                await msg.edit_reply_markup(reply_markup=None)
            if action == "unlink":
                await unlink(msg, session, resident, callback_data.link_id, deps, t, query.from_user.id)
                return
            kept = await link_for(session, link_id=callback_data.link_id, person_id=resident.id)
            if kept is None or kept.status != "active":
                await msg.answer(t("family-not-linked"), reply_markup=main_menu(t))
                return
            await msg.answer(t("family-unlink-kept", name=other_side(kept, resident.id, t)[0]), reply_markup=main_menu(t))
        elif action in ("alerts_on", "alerts_off"):
            await set_alerts(session, link_id=callback_data.link_id, member_id=resident.id, on=action == "alerts_on",
                             notifier=deps.notifier)  # fmt: skip
            await show_family(msg, session, resident, t)
        elif action == "book":
            elder_id = next((link.elder_id for link in await elders_of(session, resident.id) if link.id == callback_data.link_id), None)
            try:
                elder = await acting_for(session, member=resident, elder_id=elder_id or 0)
            except NotLinked:
                await msg.answer(t("family-not-linked"))
                return
            await start_booking(msg, state, session, resident, deps, t, for_resident=elder)

    return router
