"""After a booking: the provider's answers (accept, decline, done, no-show), ratings
and the centre's follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.models import Booking, BookingEvent, FollowUp, Rating, Slot

ACTIVE = ("confirmed", "accepted")
LOW_SCORE = 2


class NotProvidersBooking(Exception):
    """The booking belongs to another provider (or resident)."""


class BookingClosed(Exception):
    """Cancelled, declined or already marked."""


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    created: bool
    follow_up: FollowUp | None


async def _providers_booking(session: AsyncSession, booking_id: int, provider_id: int) -> Booking:
    booking = await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(selectinload(Booking.resident), selectinload(Booking.provider))
        .execution_options(populate_existing=True)
    )
    if booking is None or booking.provider_id != provider_id:
        raise NotProvidersBooking(booking_id)
    return booking


def _event(booking_id: int, kind: str, actor: str, clock: Clock) -> BookingEvent:
    return BookingEvent(booking_id=booking_id, kind=kind, actor=actor, created_at=clock())


async def accept(session: AsyncSession, *, booking_id: int, provider_id: int, clock: Clock) -> Booking:
    booking = await _providers_booking(session, booking_id, provider_id)
    if booking.status not in ACTIVE:
        raise BookingClosed(booking_id)
    if booking.status == "confirmed":
        booking.status = "accepted"
        session.add(_event(booking_id, "accepted", "provider", clock))
    await session.commit()
    return booking


async def decline(session: AsyncSession, *, booking_id: int, provider_id: int, clock: Clock) -> Booking:
    booking = await _providers_booking(session, booking_id, provider_id)
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_(ACTIVE))
        .values(status="declined", cancelled_at=clock())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BookingClosed(booking_id)
    await session.execute(update(Slot).where(Slot.id == booking.slot_id, Slot.booked > 0).values(booked=Slot.booked - 1))
    session.add(_event(booking_id, "declined", "provider", clock))
    await session.commit()
    await session.refresh(booking)
    return booking


async def mark_outcome(session: AsyncSession, *, booking_id: int, provider_id: int, outcome: str, clock: Clock) -> Booking:
    """done | no_show, once the visit has started."""
    if outcome not in ("done", "no_show"):
        raise ValueError(outcome)
    booking = await _providers_booking(session, booking_id, provider_id)
    if booking.status not in ACTIVE:
        raise BookingClosed(booking_id)
    booking.status = outcome
    booking.completed_at = clock()
    session.add(_event(booking_id, outcome, "provider", clock))
    await session.commit()
    return booking


async def record_event(session: AsyncSession, *, booking_id: int, kind: str, actor: str, clock: Clock) -> None:
    session.add(_event(booking_id, kind, actor, clock))
    await session.commit()


async def bookings_due_for_rating(session: AsyncSession, *, now: datetime, delay: timedelta) -> list[Booking]:
    """Done bookings, and bookings nobody marked that ended `delay` ago, not yet asked."""
    asked = exists().where(BookingEvent.booking_id == Booking.id, BookingEvent.kind == "rating_requested")
    rated = exists().where(Rating.booking_id == Booking.id)
    query = (
        select(Booking)
        .where(
            ~asked,
            ~rated,
            ((Booking.status == "done") | (Booking.status.in_(ACTIVE) & (Booking.ends_at <= now - delay))),
            Booking.ends_at >= now - timedelta(days=7),
        )
        .options(selectinload(Booking.resident), selectinload(Booking.provider))
        .order_by(Booking.ends_at)
        .limit(500)
    )
    return list((await session.scalars(query)).all())


async def rate(
    session: AsyncSession, *, booking_id: int, resident_id: int, score: int, channel: str, clock: Clock
) -> RatingOutcome:
    """One rating per booking; 2 or less opens a follow-up for the centre."""
    if not 1 <= score <= 5:
        raise ValueError(score)
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.resident_id != resident_id:
        raise NotProvidersBooking(booking_id)
    existing = await session.scalar(select(Rating).where(Rating.booking_id == booking_id))
    if existing is not None:
        return RatingOutcome(existing, False, None)
    rating = Rating(
        booking_id=booking_id,
        provider_id=booking.provider_id,
        service_code=booking.service_code,
        score=score,
        channel=channel,
        created_at=clock(),
    )
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        existing = await session.scalar(select(Rating).where(Rating.booking_id == booking_id))
        assert existing is not None
        return RatingOutcome(existing, False, None)
    follow_up = None
    if score <= LOW_SCORE:
        follow_up = FollowUp(rating_id=rating.id, status="open", created_at=clock())
        session.add(follow_up)
    await session.commit()
    return RatingOutcome(rating, True, follow_up)


async def add_comment(session: AsyncSession, *, booking_id: int, resident_id: int, comment: str) -> Rating | None:
    rating = await session.scalar(
        select(Rating).join(Booking, Booking.id == Rating.booking_id).where(
            Rating.booking_id == booking_id, Booking.resident_id == resident_id
        )
    )
    if rating is None:
        return None
    rating.comment = comment[:2000]
    await session.commit()
    return rating
