"""What the centre and each provider follow up on the web: low-rating follow-ups and
call-backs with their state, a provider's pending requests and week, a resident's
booking history, and the booking rows the staff export.

Who may see what is decided here, not in the pages: a provider id limits every query
to that provider's own bookings, residents and call-backs; None is the whole centre
(staff)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.clock import Clock
from actions.models import (
    Booking,
    BookingEvent,
    CallbackRequest,
    Contract,
    FollowUp,
    Provider,
    Rating,
    Resident,
    Team,
)
from actions.stats import ANSWERS, Filters

ACTIVE = ("confirmed", "accepted")


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: FollowUp
    rating: Rating
    booking: Booking


async def follow_ups(
    session: AsyncSession, *, provider_id: int | None = None, include_closed: bool = True, limit: int = 100
) -> list[FollowUpRow]:
    """Open follow-ups first, then the latest closed ones."""
    query = (
        select(FollowUp, Rating, Booking)
        .join(Rating, Rating.id == FollowUp.rating_id)
        .join(Booking, Booking.id == Rating.booking_id)
        .options(selectinload(Booking.provider), selectinload(Booking.resident))
        .order_by((FollowUp.status == "open").desc(), FollowUp.created_at.desc())
        .limit(limit)
    )
    if provider_id is not None:
        query = query.where(Booking.provider_id == provider_id)
    if not include_closed:
        query = query.where(FollowUp.status == "open")
    return [FollowUpRow(f, r, b) for f, r, b in (await session.execute(query)).all()]


async def close_follow_up(session: AsyncSession, *, follow_up_id: int, clock: Clock, notes: str | None = None) -> bool:
    """Staff close a follow-up once the resident was called back; once only."""
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up_id, FollowUp.status == "open")
        .values(status="closed", closed_at=clock(), notes=(notes or None) and notes[:2000])
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


async def callbacks(
    session: AsyncSession, *, provider_id: int | None = None, since: datetime | None = None, limit: int = 100
) -> list[CallbackRequest]:
    """Call-backs, open first. A provider sees their own and those passed to their team
    (as in the bot's agenda)."""
    query = (
        select(CallbackRequest)
        .options(selectinload(CallbackRequest.resident), selectinload(CallbackRequest.provider))
        .order_by((CallbackRequest.status == "open").desc(), CallbackRequest.created_at.desc())
        .limit(limit)
    )
    if provider_id is not None:
        provider = await session.get(Provider, provider_id)
        own = CallbackRequest.provider_id == provider_id
        if provider is not None and provider.team_id is not None:
            team = select(Provider.id).where(Provider.team_id == provider.team_id)
            query = query.where(or_(own, CallbackRequest.provider_id.in_(team) & (CallbackRequest.routed_to == "team")))
        else:
            query = query.where(own)
    if since is not None:
        query = query.where(or_(CallbackRequest.status == "open", CallbackRequest.created_at >= since))
    return list((await session.scalars(query)).all())


async def pending_requests(session: AsyncSession, *, provider_id: int, now: datetime) -> list[Booking]:
    """Bookings waiting for the provider's answer (accept, propose or decline)."""
    return list(
        (
            await session.scalars(
                select(Booking)
                .where(Booking.provider_id == provider_id, Booking.status == "confirmed", Booking.ends_at > now)
                .options(selectinload(Booking.resident))
                .order_by(Booking.starts_at)
            )
        ).all()
    )


async def is_providers_resident(session: AsyncSession, *, provider_id: int, resident_id: int) -> bool:
    """A resident with a booking with this provider, or contracted to them."""
    booked = await session.scalar(
        select(Booking.id).where(Booking.provider_id == provider_id, Booking.resident_id == resident_id).limit(1)
    )
    if booked is not None:
        return True
    contracted = await session.scalar(
        select(Contract.id)
        .join(Resident, Resident.household_id == Contract.household_id)
        .where(Resident.id == resident_id, Contract.provider_id == provider_id, Contract.status == "active")
        .limit(1)
    )
    return contracted is not None


async def get_resident_by_id(session: AsyncSession, resident_id: int) -> Resident | None:
    return await session.get(Resident, resident_id)


async def resident_history(session: AsyncSession, *, resident_id: int, provider_id: int | None = None) -> list[Booking]:
    """A resident's bookings, latest first; for a provider only those with them."""
    query = (
        select(Booking)
        .where(Booking.resident_id == resident_id)
        .options(selectinload(Booking.provider))
        .order_by(Booking.starts_at.desc())
        .limit(200)
    )
    if provider_id is not None:
        query = query.where(Booking.provider_id == provider_id)
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class ExportRow:
    booking_id: int
    created_at: datetime
    starts_at: datetime
    service: str
    provider: str
    team: str
    modality: str
    status: str
    urgency: str
    channel: str
    response_minutes: float | None
    rating: int | None
    follow_up: str | None


EXPORT_FIELDS = (
    "booking_id", "created_at", "starts_at", "service", "provider", "team", "modality", "status",
    "urgency", "channel", "response_minutes", "rating", "follow_up",
)  # fmt: skip


async def export_rows(
    session: AsyncSession, *, since: datetime, until: datetime, filters: Filters | None = None
) -> list[ExportRow]:
    """The bookings of the period, one row each, with nothing that names or reaches a
    resident (no name, phone, address or words)."""
    filters = filters or Filters()
    query = (
        select(Booking, Provider.code, Team.code, Rating.score, FollowUp.status)
        .join(Provider, Provider.id == Booking.provider_id)
        .outerjoin(Team, Team.id == Provider.team_id)
        .outerjoin(Rating, Rating.booking_id == Booking.id)
        .outerjoin(FollowUp, FollowUp.rating_id == Rating.id)
        .where(Booking.created_at >= since, Booking.created_at <= until)
        .order_by(Booking.created_at, Booking.id)
    )
    if filters.service:
        query = query.where(Booking.service_code == filters.service)
    if filters.provider:
        query = query.where(Provider.code == filters.provider)
    if filters.team:
        query = query.where(Team.code == filters.team)
    rows = (await session.execute(query)).all()
    answered = await _first_answers(session, [b.id for b, *_ in rows])
    return [
        ExportRow(
            booking_id=b.id, created_at=b.created_at, starts_at=b.starts_at, service=b.service_code,
            provider=provider, team=team or "", modality=b.modality, status=b.status, urgency=b.urgency,
            channel=b.channel,
            response_minutes=round((answered[b.id] - b.created_at).total_seconds() / 60, 1) if b.id in answered else None,
            rating=score, follow_up=follow,
        )  # fmt: skip
        for b, provider, team, score, follow in rows
    ]


async def _first_answers(session: AsyncSession, ids: Sequence[int]) -> dict[int, datetime]:
    from sqlalchemy import func

    out: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        result = await session.execute(
            select(BookingEvent.booking_id, func.min(BookingEvent.created_at))
            .where(BookingEvent.booking_id.in_(chunk), BookingEvent.kind.in_(ANSWERS))
            .group_by(BookingEvent.booking_id)
        )
        out.update({b: when for b, when in result.all() if when is not None})
    return out


async def teams(session: AsyncSession) -> list[Team]:
    return list((await session.scalars(select(Team).order_by(Team.code))).all())
