"""Booking, cancelling and rescheduling, with integrity under concurrency.

A seat is taken by one conditional UPDATE (`booked < capacity`): whichever transaction
commits it first wins, on SQLite and PostgreSQL alike, so two residents never hold the
same single-capacity slot and a session never overbooks. A partial unique index makes
a double tap on confirm book once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.family import hold_link, record_proxy_booking
from actions.models import Booking, Provider, Resident, ServiceRequest, Slot
from actions.notify import Notifier
from actions.waitlist import seat_freed

ACTIVE = ("confirmed", "accepted")


class SlotUnavailable(Exception):
    """The slot is full, gone, or does not offer this service."""


class BookingNotFound(Exception):
    """No such booking."""


class NotYourBooking(Exception):
    """The booking belongs to another resident."""


class BookingNotChangeable(Exception):
    """Past, cancelled, declined or already done."""


class TooManyBookings(Exception):
    """The resident already holds as many open bookings as allowed."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


# The frequent queries are built once, with their values bound at each run: building a
# statement and its cache key cost about as much as running it on SQLite.
_OPEN_BOOKING_COUNT = (
    select(func.count())
    .select_from(Booking)
    .where(
        Booking.resident_id == bindparam("resident_id"),
        Booking.status.in_(ACTIVE),
        Booking.ends_at > bindparam("now"),
    )
)


async def open_booking_count(session: AsyncSession, resident_id: int, now: datetime) -> int:
    return int(await session.scalar(_OPEN_BOOKING_COUNT, {"resident_id": resident_id, "now": now}) or 0)


async def _lock_resident(session: AsyncSession, resident_id: int) -> None:
    """Serialises one resident's bookings (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already does), so that a cap cannot be passed by two taps at once."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(select(Resident.id).where(Resident.id == resident_id).with_for_update())


async def same_service_booking(
    session: AsyncSession, *, resident_id: int, service_code: str, starts_at: datetime, tz: ZoneInfo
) -> tuple[Booking, str] | None:
    """The resident's open booking of the same service on the same day ("day") or in
    the same week ("week") as `starts_at`, if any."""
    local = starts_at.astimezone(tz)
    week_start = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time(), tz)
    candidates = (
        await session.scalars(
            select(Booking)
            .where(
                Booking.resident_id == resident_id,
                Booking.service_code == service_code,
                Booking.status.in_(ACTIVE),
                Booking.starts_at >= week_start,
                Booking.starts_at < week_start + timedelta(days=7),
            )
            .options(selectinload(Booking.provider))
            .order_by(Booking.starts_at)
        )
    ).all()
    for booking in candidates:
        if booking.starts_at.astimezone(tz).date() == local.date():
            return booking, "day"
    return (candidates[0], "week") if candidates else None


@dataclass(frozen=True)
class BookingSummary:
    booking_id: int
    resident_name: str
    age: int | None
    priority_groups: list[str]
    phone: str | None
    service_code: str
    starts_at: datetime
    ends_at: datetime
    modality: str
    address: str | None
    request_text: str | None
    urgency: str
    provider_id: int
    provider_chat_id: int | None
    provider_language: str


_ACTIVE_BOOKING = select(Booking).where(
    Booking.resident_id == bindparam("resident_id"),
    Booking.slot_id == bindparam("slot_id"),
    Booking.status.in_(ACTIVE),
)


async def _active_booking(session: AsyncSession, resident_id: int, slot_id: int) -> Booking | None:
    return await session.scalar(_ACTIVE_BOOKING, {"resident_id": resident_id, "slot_id": slot_id})


async def _take_seat(session: AsyncSession, slot_id: int) -> bool:
    result = await session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def _free_seat(session: AsyncSession, slot_id: int) -> None:
    await session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )


async def _insert_booking(
    session: AsyncSession,
    *,
    resident_id: int,
    slot_id: int,
    service_code: str,
    urgency: str,
    channel: str,
    request_text: str | None,
    clock: Clock,
) -> Booking:
    """Within the caller's transaction: checks, takes the seat, inserts the booking."""
    slot = await session.get(Slot, slot_id, populate_existing=True)
    if slot is None or slot.starts_at <= clock():
        raise SlotUnavailable(slot_id)
    if slot.services is not None and service_code not in slot.services:
        raise SlotUnavailable(slot_id)
    provider = await session.get(Provider, slot.provider_id)
    if provider is None or not provider.active or service_code not in (provider.services or []):
        raise SlotUnavailable(slot_id)
    if not await _take_seat(session, slot_id):
        raise SlotUnavailable(slot_id)
    booking = Booking(
        resident_id=resident_id,
        slot_id=slot_id,
        provider_id=slot.provider_id,
        service_code=service_code,
        modality=slot.modality,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status="confirmed",
        urgency=urgency,
        channel=channel,
        request_text=request_text,
        created_at=clock(),
    )
    session.add(booking)
    await session.flush()
    return booking


async def book(
    session: AsyncSession,
    *,
    resident_id: int,
    slot_id: int,
    service_code: str,
    urgency: str = "routine",
    channel: str = "buttons",
    request_text: str | None = None,
    clock: Clock,
    notifier: Notifier | None = None,
    max_open: int | None = None,
) -> Booking:
    """Books one seat, or returns the resident's existing booking of this slot. The
    provider's summary and the reminders are written in the same transaction."""
    existing = await _active_booking(session, resident_id, slot_id)
    if existing is not None:
        return existing
    try:
        if max_open is not None:
            await _lock_resident(session, resident_id)
            count = await open_booking_count(session, resident_id, clock())
            if count >= max_open:
                raise TooManyBookings(count)
        booking = await _insert_booking(
            session,
            resident_id=resident_id,
            slot_id=slot_id,
            service_code=service_code,
            urgency=urgency,
            channel=channel,
            request_text=request_text,
            clock=clock,
        )
        if notifier is not None:
            await notifier.booking_created(session, booking.id)
        await session.commit()
    except TooManyBookings:
        await session.rollback()
        raise
    except IntegrityError:
        # The same resident confirmed twice at once: the other tap's booking stands.
        await session.rollback()
        existing = await _active_booking(session, resident_id, slot_id)
        if existing is None:
            raise SlotUnavailable(slot_id) from None
        return existing
    except SlotUnavailable:
        await session.rollback()
        existing = await _active_booking(session, resident_id, slot_id)
        if existing is not None:
            return existing
        raise
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    return booking


async def _owned_changeable(
    session: AsyncSession, resident_id: int, booking_id: int, clock: Clock, *, by_member_id: int | None = None
) -> Booking:
    """`by_member_id`: a family member changes the resident's booking (亲情账户); their
    active link is checked, and held, in this same transaction (NotLinked otherwise)."""
    booking = await session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        raise BookingNotFound(booking_id)
    if booking.resident_id != resident_id:
        raise NotYourBooking(booking_id)
    if by_member_id is not None and by_member_id != resident_id:
        await hold_link(session, elder_id=resident_id, member_id=by_member_id)
    if booking.status not in ACTIVE or booking.starts_at <= clock():
        raise BookingNotChangeable(booking_id)
    return booking


async def cancel(
    session: AsyncSession,
    *,
    resident_id: int,
    booking_id: int,
    clock: Clock,
    notifier: Notifier | None = None,
    resident_deleted: bool = False,
    commit: bool = True,
    by_member_id: int | None = None,
) -> Booking:
    """`by_member_id`: the linked family member who cancels for the resident; the
    resident and the provider are told so."""
    booking = await _owned_changeable(session, resident_id, booking_id, clock, by_member_id=by_member_id)
    # The status moves only if it is still active: two cancels free one seat.
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_(ACTIVE))
        .values(status="cancelled", cancelled_at=clock())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BookingNotChangeable(booking_id)
    await _free_seat(session, booking.slot_id)
    if notifier is not None:
        await notifier.booking_cancelled(
            session, booking_id, resident_deleted=resident_deleted, by_member_id=by_member_id
        )
    # The first in line for this slot gets the seat on hold, in this same transaction.
    await seat_freed(session, kind="slot", target_id=booking.slot_id, clock=clock, notifier=notifier)
    if not commit:
        return booking
    await session.commit()
    await session.refresh(booking)
    if notifier is not None:
        notifier.wake()
    return booking


async def move_booking(
    session: AsyncSession, *, resident_id: int, booking_id: int, new_slot_id: int, clock: Clock
) -> Booking:
    """Within the caller's transaction: a new booking on the new slot, the old one
    cancelled and its seat freed. Raises (and leaves the rollback to the caller)."""
    old = await _owned_changeable(session, resident_id, booking_id, clock)
    if old.slot_id == new_slot_id:
        return old
    try:
        new = await _insert_booking(
            session,
            resident_id=resident_id,
            slot_id=new_slot_id,
            service_code=old.service_code,
            urgency=old.urgency,
            channel=old.channel,
            request_text=old.request_text,
            clock=clock,
        )
    except IntegrityError:
        raise SlotUnavailable(new_slot_id) from None
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_(ACTIVE))
        .values(status="cancelled", cancelled_at=clock())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise BookingNotChangeable(booking_id)
    await _free_seat(session, old.slot_id)
    return new


async def reschedule(
    session: AsyncSession,
    *,
    resident_id: int,
    booking_id: int,
    new_slot_id: int,
    clock: Clock,
    notifier: Notifier | None = None,
    by_member_id: int | None = None,
) -> Booking:
    """Moves a booking to another slot in one transaction: either both happen or neither.
    `by_member_id`: the linked family member who moves it for the resident."""
    old = await _owned_changeable(session, resident_id, booking_id, clock, by_member_id=by_member_id)
    if old.slot_id == new_slot_id:
        return old
    try:
        new = await move_booking(
            session, resident_id=resident_id, booking_id=booking_id, new_slot_id=new_slot_id, clock=clock
        )
        if by_member_id is not None and by_member_id != resident_id:
            await record_proxy_booking(session, booking_id=new.id, member_id=by_member_id, clock=clock)
        if notifier is not None:
            await notifier.booking_rescheduled(session, booking_id, new.id, by_member_id=by_member_id)
        await seat_freed(session, kind="slot", target_id=old.slot_id, clock=clock, notifier=notifier)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    return new


_UPCOMING_BOOKINGS = (
    select(Booking)
    .where(
        Booking.resident_id == bindparam("resident_id"),
        Booking.status.in_(ACTIVE),
        Booking.ends_at > bindparam("now"),
    )
    .options(selectinload(Booking.provider), selectinload(Booking.slot))
    .order_by(Booking.starts_at)
)


async def upcoming_bookings(
    session: AsyncSession, *, resident_id: int, clock: Clock
) -> list[Booking]:
    return list((await session.scalars(_UPCOMING_BOOKINGS, {"resident_id": resident_id, "now": clock()})).all())


_GET_BOOKING = (
    select(Booking)
    .where(Booking.id == bindparam("booking_id"))
    .options(
        selectinload(Booking.provider),
        selectinload(Booking.slot),
        selectinload(Booking.resident),
    )
    .execution_options(populate_existing=True)
)


async def get_booking(session: AsyncSession, booking_id: int) -> Booking | None:
    return await session.scalar(_GET_BOOKING, {"booking_id": booking_id})


async def provider_bookings(
    session: AsyncSession,
    *,
    provider_id: int,
    start: datetime,
    end: datetime,
    statuses: tuple[str, ...] = ACTIVE,
) -> list[Booking]:
    return list(
        (
            await session.scalars(
                select(Booking)
                .where(
                    Booking.provider_id == provider_id,
                    Booking.starts_at >= start,
                    Booking.starts_at < end,
                    Booking.status.in_(statuses),
                )
                .options(selectinload(Booking.resident))
                .order_by(Booking.starts_at)
            )
        ).all()
    )


def age_in(birth_year: int | None, year: int) -> int | None:
    return year - birth_year if birth_year else None


async def booking_summary(
    session: AsyncSession, booking_id: int, *, tz: ZoneInfo, clock: Clock
) -> BookingSummary:
    booking = await get_booking(session, booking_id)
    if booking is None:
        raise BookingNotFound(booking_id)
    return summarise(booking, tz=tz, clock=clock)


def summarise(booking: Booking, *, tz: ZoneInfo, clock: Clock) -> BookingSummary:
    """The summary of a booking loaded by `get_booking` (its resident and provider with it)."""
    resident: Resident = booking.resident
    provider: Provider = booking.provider
    today = clock().astimezone(tz).date()
    age = age_in(resident.birth_year, today.year)
    groups = list(resident.priority_groups or [])
    if age is not None and age >= 65 and "elderly_65" not in groups:
        groups.insert(0, "elderly_65")
    return BookingSummary(
        booking_id=booking.id,
        resident_name=resident.name or "",
        age=age,
        priority_groups=groups,
        phone=resident.phone,
        service_code=booking.service_code,
        starts_at=booking.starts_at.astimezone(tz),
        ends_at=booking.ends_at.astimezone(tz),
        modality=booking.modality,
        address=resident.address if booking.modality == "home_visit" else None,
        request_text=booking.request_text,
        urgency=booking.urgency,
        provider_id=provider.id,
        provider_chat_id=provider.chat_id,
        provider_language=provider.language,
    )


async def record_request(
    session: AsyncSession,
    *,
    resident_id: int | None,
    service_code: str | None,
    channel: str,
    urgency: str,
    offered: int,
    clock: Clock,
    understood: bool | None = None,
) -> ServiceRequest:
    """`understood`: for a request in words, whether the service came from the words."""
    request = ServiceRequest(
        resident_id=resident_id,
        service_code=service_code,
        channel=channel,
        urgency=urgency,
        offered_slots=offered,
        understood=understood,
        created_at=clock(),
    )
    session.add(request)
    await session.commit()
    return request


async def mark_request_booked(
    session: AsyncSession, *, request_id: int, booking_id: int, clock: Clock
) -> None:
    await session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request_id, ServiceRequest.booking_id.is_(None))
        .values(booking_id=booking_id, booked_at=clock())
    )
    await session.commit()
