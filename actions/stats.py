"""Service quality for the centre: satisfaction, response times, match rate, no-shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import (
    Booking,
    BookingEvent,
    EmergencyEvent,
    FollowUp,
    Provider,
    Rating,
    ServiceRequest,
)


@dataclass
class QualityReport:
    since: str
    requests: int = 0
    requests_booked: int = 0
    match_rate: float | None = None
    bookings: int = 0
    no_shows: int = 0
    done: int = 0
    emergencies: int = 0
    ratings: int = 0
    mean_rating: float | None = None
    open_follow_ups: int = 0
    median_response_minutes: float | None = None
    by_service: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_provider: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


async def quality_report(session: AsyncSession, *, since: datetime) -> QualityReport:
    report = QualityReport(since=since.isoformat())
    report.requests = await session.scalar(select(func.count()).select_from(ServiceRequest).where(ServiceRequest.created_at >= since)) or 0
    report.requests_booked = await session.scalar(
        select(func.count()).select_from(ServiceRequest).where(ServiceRequest.created_at >= since, ServiceRequest.booking_id.is_not(None))
    ) or 0
    if report.requests:
        report.match_rate = round(report.requests_booked / report.requests, 4)
    statuses = dict(
        (await session.execute(select(Booking.status, func.count()).where(Booking.created_at >= since).group_by(Booking.status))).all()
    )
    report.bookings = sum(statuses.values())
    report.no_shows = statuses.get("no_show", 0)
    report.done = statuses.get("done", 0)
    report.emergencies = await session.scalar(select(func.count()).select_from(EmergencyEvent).where(EmergencyEvent.created_at >= since)) or 0
    report.ratings, mean = (await session.execute(select(func.count(), func.avg(Rating.score)).where(Rating.created_at >= since))).one()
    report.mean_rating = round(float(mean), 2) if mean is not None else None
    report.open_follow_ups = await session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.status == "open")) or 0

    for code, count, avg in (
        await session.execute(
            select(Rating.service_code, func.count(), func.avg(Rating.score)).where(Rating.created_at >= since).group_by(Rating.service_code)
        )
    ).all():
        report.by_service[code] = {"ratings": count, "mean": round(float(avg), 2)}
    for code, count, avg in (
        await session.execute(
            select(Provider.code, func.count(), func.avg(Rating.score))
            .join(Provider, Provider.id == Rating.provider_id)
            .where(Rating.created_at >= since)
            .group_by(Provider.code)
        )
    ).all():
        report.by_provider[code] = {"ratings": count, "mean": round(float(avg), 2)}

    # Response time: from the booking to the provider's first answer.
    rows = (
        await session.execute(
            select(Booking.created_at, func.min(BookingEvent.created_at), Provider.code)
            .join(BookingEvent, BookingEvent.booking_id == Booking.id)
            .join(Provider, Provider.id == Booking.provider_id)
            .where(Booking.created_at >= since, BookingEvent.kind.in_(("accepted", "declined", "proposed")))
            .group_by(Booking.id, Booking.created_at, Provider.code)
        )
    ).all()
    minutes = [(answered - created).total_seconds() / 60 for created, answered, _ in rows if answered and created]
    report.median_response_minutes = _median(minutes)
    per_provider: dict[str, list[float]] = {}
    for created, answered, code in rows:
        per_provider.setdefault(code, []).append((answered - created).total_seconds() / 60)
    for code, values in per_provider.items():
        report.by_provider.setdefault(code, {})["median_response_minutes"] = _median(values)
    return report


def format_report(data: dict) -> str:  # type: ignore[type-arg]
    lines = [
        f"since {data['since']}",
        f"requests {data['requests']}, booked {data['requests_booked']}, match rate {data['match_rate']}",
        f"bookings {data['bookings']}, done {data['done']}, no-shows {data['no_shows']}, emergencies {data['emergencies']}",
        f"ratings {data['ratings']}, mean {data['mean_rating']}, open follow-ups {data['open_follow_ups']}",
        f"median provider response (minutes) {data['median_response_minutes']}",
    ]
    for code, row in sorted(data["by_service"].items()):
        lines.append(f"  service {code}: {row}")
    for code, row in sorted(data["by_provider"].items()):
        lines.append(f"  provider {code}: {row}")
    return "\n".join(lines)
