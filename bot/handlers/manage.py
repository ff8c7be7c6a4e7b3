"""My bookings, cancel (with a read-back) and reschedule: the resident's own bookings
and, for a family member (亲情账户), those of each resident linked to them, labelled
with whom each is for. Whether the person may change a booking is asked of the domain
at every step (actions/family_bookings.py), never taken from the button."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import BookingNotChangeable, BookingNotFound, NotYourBooking
from actions.family import NotLinked, subject_for
from actions.family_bookings import (
    ManagedBooking,
    booking_access,
    cancel_as,
    narrow,
    visible_bookings,
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
from nlu.interface import Parse

log = logging.getLogger(__name__)
CHANGEABLE = ("confirmed", "accepted")
SHOWN = 10


def booking_line(booking: Booking, resident: Resident, deps: Deps, t: Translate) -> str:
    lang = resident.language
    return t(
        "booking-line",
        when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
        service=deps.catalog.get(booking.service_code).name(lang),
        provider=provider_name(booking.provider, lang),
        modality=t(f"modality-{booking.modality}"),
    )


def for_whom(managed: ManagedBooking, t: Translate) -> str:
    """The label over a booking in a list that holds a family member's bookings."""
    link = managed.link
    if link is None:
        return t("bookings-for-self")
    name = link.elder.name if link.elder is not None else ""
    return t("bookings-for-family", name=name or "", relation=t(f"relation-{link.relation}"))


def readback_for(managed: ManagedBooking, t: Translate) -> str | None:
    """"为：张桂兰（父母）" over a read-back or a reply about someone else's booking:
    whom it is for and what they are to the family member."""
    link = managed.link
    if link is None or link.elder is None:
        return None
    return t("family-readback-for", name=link.elder.name or "", relation=t(f"relation-{link.relation}"))


def _about(managed: ManagedBooking, t: Translate, text: str) -> str:
    head = readback_for(managed, t)
    return f"{head}\n{text}" if head else text


def booking_buttons(booking_id: int, t: Translate):  # type: ignore[no-untyped-def]
    return inline(
        [[
            (t("btn-resched-booking"), BookingAction(action="resched", booking_id=booking_id).pack()),
            (t("btn-cancel-booking"), BookingAction(action="cancel", booking_id=booking_id).pack()),
        ]]
    )  # fmt: skip


async def show_bookings(
    message: Message,
    session: AsyncSession,
    resident: Resident,
    deps: Deps,
    t: Translate,
    *,
    first_elder_id: int | None = None,
    only: list[ManagedBooking] | None = None,
    header: str | None = None,
) -> None:
    """One message per booking, with its buttons. With linked family members' bookings
    among them, every booking says whom it is for."""
    bookings = only
    if bookings is None:
        bookings = await visible_bookings(
            session, person_id=resident.id, clock=deps.clock, first_elder_id=first_elder_id
        )
    if not bookings:
        await message.answer(t("bookings-none"), reply_markup=main_menu(t))
        return
    labelled = any(m.link is not None for m in bookings)
    await message.answer(header or t("bookings-header-family" if labelled else "bookings-header"))
    for managed in bookings[:SHOWN]:
        text = booking_line(managed.booking, resident, deps, t)
        if labelled:
            text = f"{for_whom(managed, t)}\n{text}"
        await message.answer(text, reply_markup=booking_buttons(managed.booking.id, t))


async def _access(
    message: Message, actor: Resident | None, booking_id: int, session: AsyncSession, t: Translate, user_id: int
) -> ManagedBooking | None:
    """The booking if this person may change it now; otherwise a kind refusal. Refused
    taps are logged with ids only."""
    if actor is None:
        await message.answer(t("stale-button"))
        return None
    try:
        managed = await booking_access(session, actor_id=actor.id, booking_id=booking_id)
    except BookingNotFound:
        await message.answer(t("stale-button"))
        return None
    except NotLinked:
        log.info("refused booking action, link ended: user=%s booking=%s", user_id, booking_id)
        await message.answer(t("family-link-ended-booking"), reply_markup=main_menu(t))
        return None
    except NotYourBooking:
        log.warning("refused booking action: user=%s booking=%s", user_id, booking_id)
        await message.answer(t("not-yours"))
        return None
    if managed.booking.status not in CHANGEABLE:
        await message.answer(t("booking-not-changeable"))
        return None
    return managed


async def ask_cancel(
    message: Message, state: FSMContext, managed: ManagedBooking, resident: Resident, deps: Deps, t: Translate
) -> None:
    """The read-back before cancelling, naming whom the booking is for."""
    booking, lang = managed.booking, resident.language
    await state.set_state(ManagingBookings.confirming_cancel)
    await state.set_data({"booking_id": booking.id})
    text = t(
        "cancel-readback",
        service=deps.catalog.get(booking.service_code).name(lang),
        when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
        provider=provider_name(booking.provider, lang),
    )
    await message.answer(
        _about(managed, t, text),
        reply_markup=yes_no(t, "cancel", yes_key="btn-confirm-cancel", no_key="btn-keep"),
    )


async def start_reschedule(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    managed: ManagedBooking,
    resident: Resident,
    deps: Deps,
    t: Translate,
) -> None:
    """The booking flow's slot step for the booking to move; for a family member's
    booking the offers are matched for that resident (their family doctor first)."""
    booking, lang = managed.booking, resident.language
    await state.clear()
    await state.set_state(BookingStates.choosing_slot)
    data = {
        "mode": "resched",
        "booking_id": booking.id,
        "old_slot_id": booking.slot_id,
        "service": booking.service_code,
        "modality": booking.modality,
        "day_set": True,
        "pod_set": True,
        "urgency": "routine",
    }
    if managed.link is not None:
        data["for_id"] = booking.resident_id
    await state.set_data(data)
    text = t(
        "resched-intro",
        service=deps.catalog.get(booking.service_code).name(lang),
        when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
    )
    await message.answer(_about(managed, t, text))
    await offer_slots(message, state, session, resident, deps, t)


async def manage_by_words(
    message: Message, parse: Parse, state: FSMContext, session: AsyncSession, resident: Resident, deps: Deps, t: Translate
) -> None:
    """"我的预约", "帮我妈取消明天的预约", "move dad's appointment": the list, or, when the
    words name a linked family member and pick one of their bookings, that booking's
    read-back (cancel) or new times (reschedule) at once."""
    elder = await subject_for(session, member=resident, beneficiary=parse.beneficiary)
    if elder is None or parse.intent == "list_bookings":
        await show_bookings(message, session, resident, deps, t, first_elder_id=elder.id if elder else None)
        return
    theirs = [
        m for m in await visible_bookings(session, person_id=resident.id, clock=deps.clock, first_elder_id=elder.id)
        if m.link is not None and m.link.elder_id == elder.id
    ]  # fmt: skip
    when = parse.when
    chosen = narrow(theirs, start=when.start if when else None, end=when.end if when else None, service=parse.service)
    if not chosen and parse.intent == "reschedule_booking" and when is not None:
        # "把我妈明天的预约改到后天" may name the new time, not the booking's.
        chosen = narrow(theirs, service=parse.service)
    if len(chosen) == 1 and chosen[0].booking.status in CHANGEABLE:
        if parse.intent == "cancel_booking":
            await ask_cancel(message, state, chosen[0], resident, deps, t)
        else:
            await start_reschedule(message, state, session, chosen[0], resident, deps, t)
        return
    if not chosen:
        await message.answer(t("bookings-family-none", name=elder.name or ""))
        await show_bookings(message, session, resident, deps, t, first_elder_id=elder.id)
        return
    await show_bookings(
        message, session, resident, deps, t, only=chosen, header=t("bookings-family-pick", name=elder.name or "")
    )


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
        if not isinstance(query.message, Message):
            return
        managed = await _access(query.message, resident, callback_data.booking_id, session, t, query.from_user.id)
        if managed is None or resident is None:
            return
        await ask_cancel(query.message, state, managed, resident, deps, t)

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
        msg = query.message
        if not isinstance(msg, Message):
            return
        booking_id = (await state.get_data()).get("booking_id")
        await state.clear()
        if not callback_data.yes or resident is None or booking_id is None:
            await msg.answer(t("booking-kept"), reply_markup=main_menu(t))
            return
        try:
            managed = await cancel_as(
                session, actor_id=resident.id, booking_id=booking_id, clock=deps.clock, notifier=deps.notifier
            )
        except NotLinked:
            # The resident ended the link after the read-back: nothing is changed.
            log.info("refused cancel, link ended: user=%s booking=%s", query.from_user.id, booking_id)
            await msg.answer(t("family-link-ended-booking"), reply_markup=main_menu(t))
            return
        except NotYourBooking:
            log.warning("refused cancel: user=%s booking=%s", query.from_user.id, booking_id)
            await msg.answer(t("not-yours"))
            return
        except (BookingNotFound, BookingNotChangeable):
            await msg.answer(t("booking-not-changeable"))
            return
        booking, lang = managed.booking, resident.language
        text = t(
            "booking-cancelled",
            service=deps.catalog.get(booking.service_code).name(lang),
            when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
        )
        await msg.answer(_about(managed, t, text), reply_markup=main_menu(t))

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
        if not isinstance(query.message, Message):
            return
        managed = await _access(query.message, resident, callback_data.booking_id, session, t, query.from_user.id)
        if managed is None or resident is None:
            return
        await start_reschedule(query.message, state, session, managed, resident, deps, t)

    return router
