"""After a booking: the provider's answers (accept, propose another time, decline,
done, no-show), ratings and the centre's follow-ups.

Every state change is one conditional UPDATE on the state it starts from, so two taps,
two people or two processes racing can never move a booking twice: a cancelled
booking is never accepted again, a seat is never freed twice. The notifications are
written in the same transaction. Buttons are requests: what a tap may do is read from
the database (a proposal, a rating request), never taken from the button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.booking import move_booking
from actions.catalog import Catalog
from actions.clock import Clock
from actions.followups import after_service_done
from actions.matching import MatchRequest, match
from actions.models import Booking, BookingEvent, FollowUp, Proposal, Rating, RatingRequest, Slot
from actions.notify import Notifier
from actions.waitlist import seat_freed

ACTIVE = ("confirmed", "accepted")
LOW_SCORE = 2
DECLINE_REASONS = ("time_conflict", "not_my_service", "too_far", "other")


class NotProvidersBooking(Exception):
    """The booking belongs to another provider (or resident)."""


class BookingClosed(Exception):
    """Cancelled, declined or already marked."""


class VisitNotStarted(Exception):
    """Done or no-show can be marked only once the visit has started."""


class BadScore(Exception):
    """A score other than 1 to 5."""


class NotRatable(Exception):
    """Not the resident's request, or the visit is not finished (or was missed)."""


@dataclass(frozen=True)
class RatingOutcome:
    rating: Rating
    created: bool
    follow_up: FollowUp | None


async def _load(session: AsyncSession, booking_id: int) -> Booking | None:
    return await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(selectinload(Booking.resident), selectinload(Booking.provider))
        .execution_options(populate_existing=True)
    )


async def _providers_booking(session: AsyncSession, booking_id: int, provider_id: int) -> Booking:
    booking = await _load(session, booking_id)
    if booking is None or booking.provider_id != provider_id:
        await session.rollback()
        raise NotProvidersBooking(booking_id)
    return booking


def _event(booking_id: int, kind: str, actor: str, clock: Clock, detail: str | None = None) -> BookingEvent:
    return BookingEvent(booking_id=booking_id, kind=kind, actor=actor, created_at=clock(), detail=detail)


async def _finish(session: AsyncSession, notifier: Notifier | None) -> None:
    try:
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()


async def accept(
    session: AsyncSession, *, booking_id: int, provider_id: int, clock: Clock, notifier: Notifier | None = None
) -> Booking:
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.provider_id == provider_id, Booking.status == "confirmed")
        .values(status="accepted")
        .execution_options(synchronize_session=False)
    )
    booking = await _providers_booking(session, booking_id, provider_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        status = booking.status
        await session.rollback()
        if status == "accepted":
            return await _providers_booking(session, booking_id, provider_id)  # a second tap
        raise BookingClosed(booking_id)
    session.add(_event(booking_id, "accepted", "provider", clock))
    try:
        if notifier is not None:
            await notifier.booking_accepted(session, booking)
    except BaseException:
        await session.rollback()
        raise
    await _finish(session, notifier)
    return booking


async def _withdraw_proposals(session: AsyncSession, booking_id: int, clock: Clock) -> None:
    await session.execute(
        update(Proposal)
        .where(Proposal.booking_id == booking_id, Proposal.status.in_(("candidate", "offered")))
        .values(status="withdrawn", decided_at=clock())
    )


async def decline(
    session: AsyncSession,
    *,
    booking_id: int,
    provider_id: int,
    clock: Clock,
    reason: str = "other",
    notifier: Notifier | None = None,
) -> Booking:
    if reason not in DECLINE_REASONS:
        reason = "other"
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.provider_id == provider_id, Booking.status.in_(ACTIVE))
        .values(status="declined", cancelled_at=clock())
        .execution_options(synchronize_session=False)
    )
    booking = await _providers_booking(session, booking_id, provider_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BookingClosed(booking_id)
    try:
        await session.execute(
            update(Slot).where(Slot.id == booking.slot_id, Slot.booked > 0).values(booked=Slot.booked - 1)
        )
        await _withdraw_proposals(session, booking_id, clock)
        session.add(_event(booking_id, "declined", "provider", clock, detail=reason))
        if notifier is not None:
            await notifier.booking_declined(session, booking, reason)
        await seat_freed(session, kind="slot", target_id=booking.slot_id, clock=clock, notifier=notifier)
    except BaseException:
        await session.rollback()
        raise
    await _finish(session, notifier)
    return booking


async def mark_outcome(
    session: AsyncSession,
    *,
    booking_id: int,
    provider_id: int,
    outcome: str,
    clock: Clock,
    notifier: Notifier | None = None,
) -> Booking:
    """done | no_show, once the visit has started. Reminders still waiting are
    retracted; a done visit is asked for a rating."""
    if outcome not in ("done", "no_show"):
        raise ValueError(outcome)
    now = clock()
    result = await session.execute(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.provider_id == provider_id,
            Booking.status.in_(ACTIVE),
            Booking.starts_at <= now,
        )
        .values(status=outcome, completed_at=now)
        .execution_options(synchronize_session=False)
    )
    booking = await _providers_booking(session, booking_id, provider_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        not_started = booking.status in ACTIVE and booking.starts_at > now
        await session.rollback()
        if not_started:
            raise VisitNotStarted(booking_id)
        raise BookingClosed(booking_id)
    try:
        await _withdraw_proposals(session, booking_id, clock)
        session.add(_event(booking_id, outcome, "provider", clock))
        if outcome == "done":
            await after_service_done(session, booking=booking, clock=clock, notifier=notifier)
        if notifier is not None:
            await notifier.booking_finished(session, booking, outcome)
    except BaseException:
        await session.rollback()
        raise
    await _finish(session, notifier)
    return booking


async def record_event(session: AsyncSession, *, booking_id: int, kind: str, actor: str, clock: Clock) -> None:
    session.add(_event(booking_id, kind, actor, clock))
    await session.commit()


# ---------------------------------------------------------------------------- proposals


async def propose_candidates(
    session: AsyncSession, *, booking_id: int, provider_id: int, slot_ids: list[int], clock: Clock
) -> list[Proposal]:
    """Stores the times a provider may propose for a booking: their own future slots
    with a free seat, of the booking's modality, that offer its service. Earlier
    proposals for the booking are withdrawn."""
    booking = await _providers_booking(session, booking_id, provider_id)
    if booking.status not in ACTIVE:
        raise BookingClosed(booking_id)
    await _withdraw_proposals(session, booking_id, clock)
    slots = (
        await session.scalars(
            select(Slot).where(
                Slot.id.in_(slot_ids),
                Slot.provider_id == provider_id,
                Slot.modality == booking.modality,
                Slot.starts_at > clock(),
                Slot.booked < Slot.capacity,
                Slot.id != booking.slot_id,
            )
        )
    ).all()
    fitting = [s for s in slots if s.services is None or booking.service_code in s.services]
    proposals = [
        Proposal(booking_id=booking_id, slot_id=s.id, provider_id=provider_id, status="candidate", created_at=clock())
        for s in sorted(fitting, key=lambda s: s.starts_at)
    ]
    session.add_all(proposals)
    await session.commit()
    return proposals


async def propose_times(
    session: AsyncSession,
    *,
    booking_id: int,
    provider_id: int,
    catalog: Catalog,
    clock: Clock,
    tz: ZoneInfo,
    limit: int = 5,
) -> list[Proposal]:
    """The provider's own next free times that fit the booking (the matcher's offers,
    this provider's only), stored as candidates to choose from, in the bot or on the
    web alike."""
    booking = await _providers_booking(session, booking_id, provider_id)
    if booking.status not in ACTIVE:
        raise BookingClosed(booking_id)
    result = await match(
        session,
        resident_id=booking.resident_id,
        request=MatchRequest(service_code=booking.service_code, modality=booking.modality),
        catalog=catalog,
        clock=clock,
        tz=tz,
        limit=20,
    )
    own = [o.slot_id for o in result.offers if o.provider_id == provider_id and o.slot_id != booking.slot_id][:limit]
    return await propose_candidates(session, booking_id=booking_id, provider_id=provider_id, slot_ids=own, clock=clock)


async def get_proposal(session: AsyncSession, proposal_id: int) -> Proposal | None:
    return await session.get(Proposal, proposal_id, populate_existing=True)


async def offer_proposal(
    session: AsyncSession, *, proposal_id: int, provider_id: int, clock: Clock, notifier: Notifier | None = None
) -> Proposal:
    """The provider picked one of their candidates: it goes to the resident."""
    proposal = await get_proposal(session, proposal_id)
    if proposal is None or proposal.provider_id != provider_id:
        raise NotProvidersBooking(proposal_id)
    booking_id = proposal.booking_id
    booking = await _providers_booking(session, booking_id, provider_id)
    if booking.status not in ACTIVE:
        raise BookingClosed(booking_id)
    result = await session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == "candidate")
        .values(status="offered", decided_at=clock())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BookingClosed(booking_id)
    try:
        await session.execute(
            update(Proposal)
            .where(Proposal.booking_id == booking.id, Proposal.id != proposal_id, Proposal.status.in_(("candidate", "offered")))
            .values(status="withdrawn", decided_at=clock())
        )
        session.add(_event(booking.id, "proposed", "provider", clock))
        await session.refresh(proposal)
        if notifier is not None:
            await notifier.proposal_offered(session, proposal)
    except BaseException:
        await session.rollback()
        raise
    await _finish(session, notifier)
    return proposal


async def take_proposal(
    session: AsyncSession, *, proposal_id: int, resident_id: int, clock: Clock, notifier: Notifier | None = None
) -> Booking:
    """The resident takes the time proposed to them: the booking moves to the stored
    slot, and nowhere else."""
    proposal = await get_proposal(session, proposal_id)
    booking = await _load(session, proposal.booking_id) if proposal is not None else None
    if proposal is None or booking is None or booking.resident_id != resident_id:
        raise NotProvidersBooking(proposal_id)
    booking_id = booking.id
    result = await session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == "offered")
        .values(status="taken", decided_at=clock())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise BookingClosed(booking_id)
    try:
        new = await move_booking(
            session, resident_id=resident_id, booking_id=booking.id, new_slot_id=proposal.slot_id, clock=clock
        )
        session.add(_event(booking.id, "proposal_taken", "resident", clock))
        if notifier is not None:
            await notifier.booking_rescheduled(session, booking.id, new.id)
    except BaseException:
        await session.rollback()
        raise
    await _finish(session, notifier)
    return new


# ---------------------------------------------------------------------------- ratings


async def create_rating_request(session: AsyncSession, *, booking: Booking, clock: Clock) -> RatingRequest | None:
    """In the caller's transaction; None when the booking was asked already."""
    existing = await session.scalar(select(RatingRequest.id).where(RatingRequest.booking_id == booking.id))
    if existing is not None:
        return None
    request = RatingRequest(booking_id=booking.id, resident_id=booking.resident_id, created_at=clock())
    try:
        async with session.begin_nested():
            session.add(request)
    except IntegrityError:
        return None
    session.add(_event(booking.id, "rating_requested", "system", clock))
    return request


async def bookings_due_for_rating(session: AsyncSession, *, now: datetime, delay: timedelta) -> list[Booking]:
    """Done bookings, and bookings nobody marked that ended `delay` ago, not yet asked."""
    asked = exists().where(RatingRequest.booking_id == Booking.id)
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


async def rating_request_booking(session: AsyncSession, *, request_id: int, resident_id: int) -> int:
    """The booking a rating request is about, if it is this resident's."""
    request = await session.get(RatingRequest, request_id)
    if request is None or request.resident_id != resident_id:
        raise NotRatable(request_id)
    return request.booking_id


async def rate(
    session: AsyncSession,
    *,
    request_id: int,
    resident_id: int,
    score: int,
    channel: str,
    clock: Clock,
    notifier: Notifier | None = None,
) -> RatingOutcome:
    """One rating per booking, only for the resident's own finished visit, asked for
    by a stored request; 2 or less opens a follow-up for the centre."""
    if not 1 <= score <= 5:
        raise BadScore(score)
    request = await session.get(RatingRequest, request_id)
    if request is None or request.resident_id != resident_id:
        raise NotRatable(request_id)
    booking = await session.get(Booking, request.booking_id, populate_existing=True)
    finished = booking is not None and (
        booking.status == "done" or (booking.status in ACTIVE and booking.ends_at <= clock())
    )
    if booking is None or booking.resident_id != resident_id or not finished:
        raise NotRatable(request_id)
    request_booking_id = booking.id
    existing = await session.scalar(select(Rating).where(Rating.booking_id == booking.id))
    if existing is not None:
        return RatingOutcome(existing, False, None)
    rating = Rating(
        booking_id=booking.id,
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
        existing = await session.scalar(select(Rating).where(Rating.booking_id == request_booking_id))
        assert existing is not None
        return RatingOutcome(existing, False, None)
    request.answered_at = clock()
    follow_up = None
    if score <= LOW_SCORE:
        follow_up = FollowUp(rating_id=rating.id, status="open", created_at=clock())
        session.add(follow_up)
        await session.flush()
    outcome = RatingOutcome(rating, True, follow_up)
    try:
        if follow_up is not None and notifier is not None:
            await notifier.low_rating(session, outcome)
    except BaseException:
        await session.rollback()
        raise
    await _finish(session, notifier)
    return outcome


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
