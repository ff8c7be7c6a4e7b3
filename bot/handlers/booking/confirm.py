"""Choosing a slot, the read-back, and the confirmation that books (or reschedules),
with the slot held while the resident reads it back."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import (
    BookingNotChangeable,
    BookingNotFound,
    NotYourBooking,
    SlotUnavailable,
    TooManyBookings,
    book,
    mark_request_booked,
    same_service_booking,
)
from actions.care_plans import attach_booking
from actions.family import NotLinked, record_proxy_booking
from actions.family_bookings import reschedule_as
from actions.models import Resident
from actions.slots import seats_left
from bot.callbacks import (
    Answer,
    OfferNav,
    SlotPick,
    WaitlistJoin,
)
from bot.chronic_texts import progress_line
from bot.deps import Deps
from bot.format import format_when
from bot.handlers.booking.flow import (
    booking_subject,
    for_line,
    is_onboarded,
    iso,
    offer_slots,
    read_back,
)
from bot.i18n import Translate
from bot.keyboards import inline, main_menu, yes_no
from bot.states import Booking

log = logging.getLogger(__name__)

def build_router() -> Router:
    router = Router(name=__name__)

    @router.callback_query(Booking.choosing_slot, OfferNav.filter(F.action == "other_times"))
    async def other_times(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        if not is_onboarded(resident) or query.message is None:
            return
        offers = (await state.get_data()).get("offers") or []
        if offers:
            last = max(datetime.fromisoformat(o["starts_at"]) for o in offers)
            await state.update_data(after=iso(last + timedelta(minutes=1)))
        await offer_slots(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]

    @router.callback_query(Booking.choosing_slot, SlotPick.filter())
    async def slot_picked(
        query: CallbackQuery,
        callback_data: SlotPick,
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
        data = await state.get_data()
        offer = next(
            (o for o in data.get("offers") or [] if o["slot_id"] == callback_data.slot_id), None
        )
        if offer is None:
            await query.message.answer(t("stale-button"))
            return
        seats = await seats_left(session, offer["slot_id"])
        if not seats or not await deps.holds.hold(
            offer["slot_id"], resident.id, deps.settings.slot_hold_seconds, seats=seats
        ):
            # A fully booked time can be waited for: a freed seat goes to the first in line.
            wait = [[(t("btn-waitlist-slot"), WaitlistJoin(slot_id=offer["slot_id"]).pack())]] if not seats else None
            await query.message.answer(t("slot-taken"), reply_markup=inline(wait) if wait else None)
            await offer_slots(query.message, state, session, resident, deps, t)  # type: ignore[arg-type]
            return
        await state.update_data(chosen=offer)
        try:
            subject = await booking_subject(session, resident, data)
        except NotLinked:
            await deps.holds.release(offer["slot_id"], resident.id)
            await state.clear()
            await query.message.answer(t("family-not-linked"), reply_markup=main_menu(t))
            return
        if data.get("mode") != "resched":
            same = await same_service_booking(
                session, resident_id=subject.id, service_code=data["service"],
                starts_at=datetime.fromisoformat(offer["starts_at"]), tz=deps.tz,
            )  # fmt: skip
            if same is not None:
                existing, span = same
                await state.set_state(Booking.confirming_duplicate)
                await query.message.answer(
                    t(
                        "booking-duplicate-day" if span == "day" else "booking-duplicate-week",
                        service=deps.catalog.get(existing.service_code).name(resident.language),
                        when=format_when(deps.i18n, resident.language, existing.starts_at, deps.tz),
                    ),
                    reply_markup=yes_no(t, "duplicate", yes_key="btn-book-anyway", no_key="btn-keep-existing"),
                )
                return
        await read_back(query.message, state, session, resident, deps, t, offer, subject)  # type: ignore[arg-type]

    @router.callback_query(Booking.confirming_duplicate, Answer.filter(F.topic == "duplicate"))
    async def duplicate_answer(
        query: CallbackQuery,
        callback_data: Answer,
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
        offer = (await state.get_data()).get("chosen")
        if offer is None:
            await query.message.answer(t("stale-button"))
            return
        if not callback_data.yes:
            await deps.holds.release(offer["slot_id"], resident.id)
            await state.clear()
            await query.message.answer(t("booking-duplicate-kept"), reply_markup=main_menu(t))
            return
        subject = await booking_subject(session, resident, await state.get_data())
        await read_back(query.message, state, session, resident, deps, t, offer, subject)  # type: ignore[arg-type]

    @router.callback_query(Booking.confirming, Answer.filter(F.topic == "booking"))
    async def booking_answer(
        query: CallbackQuery,
        callback_data: Answer,
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
        data = await state.get_data()
        offer = data.get("chosen")
        if offer is None:
            await message.answer(t("stale-button"))
            return
        if not callback_data.yes:
            await deps.holds.release(offer["slot_id"], resident.id)
            await offer_slots(message, state, session, resident, deps, t)  # type: ignore[arg-type]
            return
        # The state is left first so that a second tap on the same button finds nothing
        # to confirm; the domain is idempotent for a same-slot double booking anyway.
        await state.set_state(None)
        resident_id = resident.id
        try:
            subject = await booking_subject(session, resident, data)
            if data.get("mode") == "resched":
                # The resident's own booking, or a linked family member's: checked again here.
                booking = (
                    await reschedule_as(
                        session, actor_id=resident.id, booking_id=data["booking_id"], new_slot_id=offer["slot_id"],
                        clock=deps.clock, notifier=deps.notifier,
                    )
                ).booking  # fmt: skip
            else:
                booking = await book(
                    session,
                    resident_id=subject.id,
                    slot_id=offer["slot_id"],
                    service_code=data["service"],
                    urgency=data.get("urgency", "routine"),
                    channel=data.get("channel", "buttons"),
                    request_text=data.get("request_text"),
                    clock=deps.clock,
                    notifier=deps.notifier,
                    max_open=deps.settings.max_open_bookings,
                )
        except TooManyBookings as exc:
            await state.clear()
            await message.answer(
                t("booking-too-many", count=str(exc.count), max=str(deps.settings.max_open_bookings)),
                reply_markup=main_menu(t),
            )
            return
        except NotLinked:
            await state.clear()
            ended = "family-link-ended-booking" if data.get("mode") == "resched" else "family-not-linked"
            await message.answer(t(ended), reply_markup=main_menu(t))
            return
        except NotYourBooking:
            await state.clear()
            log.warning("refused reschedule: user=%s booking=%s", query.from_user.id, data.get("booking_id"))
            await message.answer(t("not-yours"), reply_markup=main_menu(t))
            return
        except (BookingNotFound, BookingNotChangeable):
            await state.clear()
            await message.answer(t("booking-not-changeable"), reply_markup=main_menu(t))
            return
        except SlotUnavailable:
            # The failed transaction was rolled back, which expires every loaded row:
            # the resident is read again before anything of theirs is used (an expired
            # attribute would otherwise be loaded lazily, which async sessions cannot).
            await session.refresh(resident)
            await state.set_state(Booking.choosing_slot)
            full = not await seats_left(session, offer["slot_id"])
            wait = [[(t("btn-waitlist-slot"), WaitlistJoin(slot_id=offer["slot_id"]).pack())]] if full else None
            await message.answer(t("booking-failed"), reply_markup=inline(wait) if wait else None)
            await offer_slots(message, state, session, resident, deps, t)  # type: ignore[arg-type]
            return
        finally:
            await deps.holds.release(offer["slot_id"], resident_id)
        lang = resident.language
        service = deps.catalog.get(booking.service_code)
        when = format_when(deps.i18n, lang, booking.starts_at, deps.tz)
        provider = offer["provider_zh"] if lang == "zh" else offer["provider_en"]
        await state.clear()
        if data.get("mode") == "resched":
            text = t("rescheduled", service=service.name(lang), when=when, provider=provider)
            head = await for_line(session, resident, subject, t)
            if head is not None:
                text = head + "\n" + text
            await message.answer(text, reply_markup=main_menu(t))
            return
        if data.get("request_id"):
            await mark_request_booked(
                session, request_id=data["request_id"], booking_id=booking.id, clock=deps.clock
            )
        if subject.id != resident.id:
            # Booked by a family member: stored, and the resident is told who booked.
            await record_proxy_booking(session, booking_id=booking.id, member_id=resident.id, clock=deps.clock)
            await deps.notifier.proxy_booked(session, booking.id, resident)  # type: ignore[attr-defined]
            await session.commit()
            deps.notifier.wake()
        if data.get("plan_item_id"):
            await attach_booking(session, item_id=data["plan_item_id"], resident_id=subject.id, booking_id=booking.id)
        deps.count("bookings")
        lines = [
            t(
                "booked",
                service=service.name(lang),
                when=when,
                provider=provider,
                modality=t(f"modality-{booking.modality}"),
                preparation=service.preparation(lang),
            ),
            progress_line(deps.i18n, lang, "submitted"),
        ]
        head = await for_line(session, resident, subject, t)
        if head is not None:
            lines.insert(0, head)
        await message.answer("\n".join(lines), reply_markup=main_menu(t))

    return router
