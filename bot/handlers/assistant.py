"""Free text: whatever the resident types (or says, once transcribed) goes through the
interpreter. Inside a booking it fills what is missing; otherwise the intent picks the
feature. Triage has already run in the safety router."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.family import subject_for
from actions.models import Resident
from bot.callbacks import OfferNav
from bot.deps import Deps
from bot.emergency import ask_if_emergency
from bot.handlers.booking.flow import MAX_TEXT, advance, merge_parse, offer_slots, start_booking
from bot.handlers.common import language_keyboard
from bot.handlers.contract import offer_doctors
from bot.handlers.manage import manage_by_words
from bot.handlers.readings import report_reading
from bot.handlers.safety import ask_for_callback, raise_emergency
from bot.i18n import Translate
from bot.keyboards import inline, main_menu
from bot.middlewares.safety import understand
from bot.states import Booking
from nlu.interface import Parse

log = logging.getLogger(__name__)


async def handle_text(
    message: Message,
    text: str,
    *,
    channel: str,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident | None,
    deps: Deps,
    t: Translate,
    parse: Parse | None = None,
    triage_cleared: bool = False,
) -> None:
    """The one entry for understood text, typed or transcribed. Typed text arrives
    understood and triaged by the safety middleware; transcripts are triaged here."""
    if parse is None:
        parse = await understand(text, deps)
    deps.count(f"intent:{parse.intent}")
    if parse.urgency == "emergency":
        await raise_emergency(
            message, category=parse.red_flag or "unspecified", channel=channel, state=state, session=session,
            resident=resident, deps=deps, t=t, text=text, affected=parse.beneficiary,
        )  # fmt: skip
        return
    if parse.urgency == "possible_emergency" and not triage_cleared:
        await ask_if_emergency(
            message, t=t, deps=deps, state=state, category=parse.red_flag, text=text, channel=channel, update=None
        )
        return
    current = await state.get_state()
    if current is not None and current.startswith("Booking:") and resident is not None:
        if parse.reading is None:
            await continue_booking(message, parse, state, session, resident, deps, t)
            return
        # A new home reading is a new topic: the booking being built is left.
        await state.clear()
    await dispatch_intent(
        message,
        text,
        parse,
        channel=channel,
        state=state,
        session=session,
        resident=resident,
        deps=deps,
        t=t,
    )


async def continue_booking(
    message: Message,
    parse: Parse,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    data = await state.get_data()
    updates = merge_parse(data, parse, deps)
    if parse.service and parse.service in deps.catalog and parse.service != data.get("service"):
        updates["service"] = parse.service
    if not updates:
        if parse.intent in ("cancel_booking", "deny", "goodbye"):
            await state.clear()
            await message.answer(t("cancelled"), reply_markup=main_menu(t))
            return
        await message.answer(t("not-understood"))
        if await state.get_state() == Booking.choosing_slot.state:
            await offer_slots(message, state, session, resident, deps, t)
        else:
            await advance(message, state, session, resident, deps, t)
        return
    await state.update_data(**updates)
    await advance(message, state, session, resident, deps, t)


async def dispatch_intent(
    message: Message,
    text: str,
    parse: Parse,
    *,
    channel: str,
    state: FSMContext,
    session: AsyncSession,
    resident: Resident | None,
    deps: Deps,
    t: Translate,
) -> None:
    intent = parse.intent
    if intent == "change_language":
        await message.answer(t("language-choose"), reply_markup=language_keyboard(t))
        return
    if intent in ("ask_help",):
        await message.answer(t("help", phone=deps.settings.centre_phone))
        return
    if intent == "greet":
        await message.answer(t("greet-reply"))
    if intent == "thanks":
        await message.answer(t("thanks-reply"))
        return
    if intent == "goodbye":
        await message.answer(t("goodbye-reply"))
        return
    if resident is None or not resident.onboarded:
        await message.answer(t("need-start"))
        return
    if parse.reading is not None or intent == "report_reading":
        # A home reading (or a wish to see them): stored, compared with the targets,
        # and a very high or low one turned into a same-day slot or a call-back.
        await report_reading(
            message, text, parse, channel=channel, state=state, session=session, resident=resident, deps=deps, t=t
        )
        return
    if (
        intent == "book_service"
        or (intent == "inform" and parse.service)
        or parse.urgency == "urgent"
    ):
        # "给我妈约个…": a linked elderly family member is booked for (亲情账户).
        for_resident = await subject_for(session, member=resident, beneficiary=parse.beneficiary)
        await start_booking(
            message,
            state,
            session,
            resident,
            deps,
            t,
            parse=parse,
            channel=channel,
            request_text=text,
            for_resident=for_resident,
        )
        return
    if intent in ("list_bookings", "cancel_booking", "reschedule_booking"):
        # "帮我妈取消明天的预约": a linked family member's booking is picked when the words
        # pick one; otherwise the list, with theirs labelled.
        await manage_by_words(message, parse, state, session, resident, deps, t)
        return
    if intent == "sign_family_doctor":
        await offer_doctors(message, state, session, resident, deps, t)
        return
    if intent == "contact_doctor":
        # A spoken request carries the voice note to the doctor, who hears it first.
        voice_file_id = (await state.get_data()).get("voice_file_id") if channel == "voice" else None
        await ask_for_callback(
            message,
            reason="contact",
            session=session,
            resident=resident,
            deps=deps,
            t=t,
            voice_file_id=voice_file_id,
            words=text,
            affected=parse.beneficiary,
        )
        return
    if intent == "greet":
        await message.answer(t("main-menu"), reply_markup=main_menu(t))
        return
    await message.answer(
        t("not-understood"),
        reply_markup=inline([[(t("btn-call-me"), OfferNav(action="call_me").pack())]]),
    )
    await message.answer(t("main-menu"), reply_markup=main_menu(t))


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(F.text, ~F.text.startswith("/"))
    async def free_text(
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
        parse: Parse | None = None,
        triage_cleared: bool = False,
    ) -> None:
        text = (message.text or "").strip()
        if not text:
            await message.answer(t("bad-input-empty"))
            return
        if len(text) > MAX_TEXT:
            await message.answer(t("bad-input-too-long"))
            return
        current = await state.get_state()
        if current is not None and not current.startswith("Booking:"):
            # Another flow is waiting for a button; keep it, and say how to leave it.
            await message.answer(t("not-understood"))
            await message.answer(t("help-resume"))
            return
        await handle_text(
            message, text, channel="text", state=state, session=session, resident=resident, deps=deps, t=t,
            parse=parse, triage_cleared=triage_cleared,
        )  # fmt: skip

    return router
