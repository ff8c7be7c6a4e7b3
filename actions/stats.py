"""Service quality for the centre: the seed's four measures against their targets
(needs identified, requests matched, provider response, satisfaction), bookings,
no-shows, low ratings, and their trend over time, for a period and optionally one
service, provider or family-doctor team.

Rows are read once for the period and summed here, so the report, the trend and the
dashboard's numbers always agree. Requests are made before a provider is chosen: with
a provider filter the request-based measures (identification, matching) have no
basis and are left out; a team filter counts the requests of the team's community."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.clock import system_clock
from actions.models import (
    Booking,
    BookingEvent,
    CallbackRequest,
    EmergencyEvent,
    FollowUp,
    Provider,
    Rating,
    Resident,
    ServiceRequest,
    Team,
)

ANSWERS = ("accepted", "declined", "proposed")
SATISFIED_SCORE = 4
LOW_SCORE = 2
RESPONSE_TARGET_HOURS = 24.0


@dataclass(frozen=True)
class Target:
    key: str
    field: str
    threshold: float
    higher_is_better: bool

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.threshold if self.higher_is_better else value <= self.threshold


# Seed 002's pilot targets.
TARGETS = (
    Target("identification", "identification_rate", 0.90, True),
    Target("matching", "match_rate", 0.95, True),
    Target("response", "mean_response_hours", RESPONSE_TARGET_HOURS, False),
    Target("satisfaction", "satisfaction", 0.90, True),
)


@dataclass(frozen=True)
class Filters:
    service: str | None = None
    provider: str | None = None  # a provider's code
    team: str | None = None  # a team's code

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class _Rows:
    requests: list[tuple[datetime, int, int | None, bool | None]] = field(default_factory=list)
    bookings: list[tuple[int, datetime, str, str, str]] = field(default_factory=list)  # id, created, status, service, provider
    answered: dict[int, datetime] = field(default_factory=dict)
    ratings: list[tuple[datetime, int, str, str]] = field(default_factory=list)  # created, score, service, provider
    emergencies: list[datetime] = field(default_factory=list)


@dataclass
class QualityReport:
    since: str
    until: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    requests_in_words: int = 0
    requests_understood: int = 0
    identification_rate: float | None = None
    requests_offered: int = 0
    match_rate: float | None = None
    requests_booked: int = 0
    booking_rate: float | None = None
    bookings: int = 0
    done: int = 0
    no_shows: int = 0
    no_show_rate: float | None = None
    cancelled: int = 0
    declined: int = 0
    emergencies: int = 0
    answered: int = 0
    unanswered_past_24h: int = 0
    answered_within_24h: float | None = None
    mean_response_hours: float | None = None
    median_response_minutes: float | None = None
    ratings: int = 0
    mean_rating: float | None = None
    satisfaction: float | None = None
    low_ratings: int = 0
    open_follow_ups: int = 0
    open_callbacks: int = 0
    indicators: list[dict[str, Any]] = field(default_factory=list)
    by_service: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_provider: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrendPoint:
    start: date
    requests: int
    bookings: int
    no_shows: int
    ratings: int
    low_ratings: int
    identification_rate: float | None
    match_rate: float | None
    mean_response_hours: float | None
    satisfaction: float | None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float], digits: int = 2) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


async def _provider_ids(session: AsyncSession, filters: Filters) -> set[int] | None:
    if not filters.provider and not filters.team:
        return None
    query = select(Provider.id)
    if filters.provider:
        query = query.where(Provider.code == filters.provider)
    if filters.team:
        query = query.join(Team, Team.id == Provider.team_id).where(Team.code == filters.team)
    return set((await session.scalars(query)).all())


async def _load(session: AsyncSession, since: datetime, until: datetime, filters: Filters) -> tuple[_Rows, dict[int, str]]:
    rows = _Rows()
    providers = await _provider_ids(session, filters)
    codes = dict((await session.execute(select(Provider.id, Provider.code))).all())
    community = None
    if filters.team:
        community = await session.scalar(select(Team.community).where(Team.code == filters.team))

    if not filters.provider:
        q = select(ServiceRequest.created_at, ServiceRequest.offered_slots, ServiceRequest.booking_id, ServiceRequest.understood).where(
            ServiceRequest.created_at >= since, ServiceRequest.created_at <= until
        )
        if filters.service:
            q = q.where(ServiceRequest.service_code == filters.service)
        if filters.team:
            q = q.join(Resident, Resident.id == ServiceRequest.resident_id).where(Resident.community == (community or ""))
        rows.requests = [tuple(r) for r in (await session.execute(q)).all()]  # type: ignore[misc]

    q2 = select(Booking.id, Booking.created_at, Booking.status, Booking.service_code, Booking.provider_id).where(
        Booking.created_at >= since, Booking.created_at <= until
    )
    q3 = select(Rating.created_at, Rating.score, Rating.service_code, Rating.provider_id).where(
        Rating.created_at >= since, Rating.created_at <= until
    )
    if filters.service:
        q2 = q2.where(Booking.service_code == filters.service)
        q3 = q3.where(Rating.service_code == filters.service)
    if providers is not None:
        q2 = q2.where(Booking.provider_id.in_(providers))
        q3 = q3.where(Rating.provider_id.in_(providers))
    rows.bookings = [(i, c, s, svc, codes.get(p, "")) for i, c, s, svc, p in (await session.execute(q2)).all()]
    rows.ratings = [(c, s, svc, codes.get(p, "")) for c, s, svc, p in (await session.execute(q3)).all()]
    ids = [b[0] for b in rows.bookings]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        answered = await session.execute(
            select(BookingEvent.booking_id, func.min(BookingEvent.created_at))
            .where(BookingEvent.booking_id.in_(chunk), BookingEvent.kind.in_(ANSWERS))
            .group_by(BookingEvent.booking_id)
        )
        rows.answered.update({b: when for b, when in answered.all() if when is not None})

    if not filters.provider and not filters.service:
        q4 = select(EmergencyEvent.created_at).where(EmergencyEvent.created_at >= since, EmergencyEvent.created_at <= until)
        if filters.team:
            q4 = q4.join(Resident, Resident.id == EmergencyEvent.resident_id).where(Resident.community == (community or ""))
        rows.emergencies = list((await session.scalars(q4)).all())
    return rows, codes


def _fill(report: QualityReport | dict[str, Any], rows: _Rows, until: datetime) -> None:
    """The measures of `rows` into `report` (a report, or a dict for one trend point)."""
    put = report.__setitem__ if isinstance(report, dict) else lambda k, v: setattr(report, k, v)
    requests = rows.requests
    in_words = [r for r in requests if r[3] is not None]
    put("requests", len(requests))
    put("requests_in_words", len(in_words))
    put("requests_understood", sum(1 for r in in_words if r[3]))
    put("identification_rate", _ratio(sum(1 for r in in_words if r[3]), len(in_words)))
    offered = sum(1 for r in requests if r[1] > 0)
    booked = sum(1 for r in requests if r[2] is not None)
    put("requests_offered", offered)
    put("match_rate", _ratio(offered, len(requests)))
    put("requests_booked", booked)
    put("booking_rate", _ratio(booked, len(requests)))

    statuses: dict[str, int] = defaultdict(int)
    for _, _, status, _, _ in rows.bookings:
        statuses[status] += 1
    put("bookings", len(rows.bookings))
    put("done", statuses["done"])
    put("no_shows", statuses["no_show"])
    put("no_show_rate", _ratio(statuses["no_show"], statuses["done"] + statuses["no_show"]))
    put("cancelled", statuses["cancelled"])
    put("declined", statuses["declined"])
    put("emergencies", len(rows.emergencies))

    hours = [(rows.answered[i] - created).total_seconds() / 3600 for i, created, *_ in rows.bookings if i in rows.answered]
    # Still waiting for the provider's answer a day after it was booked.
    late = sum(
        1 for i, created, status, *_ in rows.bookings
        if i not in rows.answered and status == "confirmed" and until - created > timedelta(hours=RESPONSE_TARGET_HOURS)
    )  # fmt: skip
    put("answered", len(hours))
    put("unanswered_past_24h", late)
    put("answered_within_24h", _ratio(sum(1 for h in hours if h <= RESPONSE_TARGET_HOURS), len(hours) + late))
    put("mean_response_hours", _mean(hours))
    median = _median([h * 60 for h in hours])
    put("median_response_minutes", round(median, 1) if median is not None else None)

    scores = [score for _, score, _, _ in rows.ratings]
    put("ratings", len(scores))
    put("mean_rating", _mean([float(s) for s in scores]))
    put("satisfaction", _ratio(sum(1 for s in scores if s >= SATISFIED_SCORE), len(scores)))
    put("low_ratings", sum(1 for s in scores if s <= LOW_SCORE))


def _groups(
    rows: _Rows, until: datetime, key: Callable[[Any], str], rating_key: Callable[[Any], str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    bookings: dict[str, list[Any]] = defaultdict(list)
    ratings: dict[str, list[Any]] = defaultdict(list)
    for b in rows.bookings:
        bookings[key(b)].append(b)
    for r in rows.ratings:
        ratings[rating_key(r)].append(r)
    for code in sorted(set(bookings) | set(ratings)):
        part = _Rows(bookings=bookings.get(code, []), answered=rows.answered, ratings=ratings.get(code, []))
        summary: dict[str, Any] = {}
        _fill(summary, part, until)
        out[code] = {
            k: summary[k]
            for k in ("bookings", "done", "no_shows", "ratings", "mean_rating", "satisfaction", "low_ratings",
                      "mean_response_hours", "median_response_minutes")
        }  # fmt: skip
    return out


async def quality_report(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime | None = None,
    filters: Filters | None = None,
) -> QualityReport:
    filters = filters or Filters()
    until = until or system_clock()
    rows, _ = await _load(session, since, until, filters)
    report = QualityReport(since=since.isoformat(), until=until.isoformat(), filters=filters.as_dict())
    _fill(report, rows, until)
    # By service and provider: what was booked and rated (response times are about
    # answering a booking, so they are by provider).
    report.by_service = _groups(rows, until, key=lambda b: b[3], rating_key=lambda r: r[2])
    for row in report.by_service.values():
        row.pop("mean_response_hours")
        row.pop("median_response_minutes")
    report.by_provider = _groups(rows, until, key=lambda b: b[4], rating_key=lambda r: r[3])
    report.open_follow_ups = await session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.status == "open")) or 0
    report.open_callbacks = (
        await session.scalar(select(func.count()).select_from(CallbackRequest).where(CallbackRequest.status == "open")) or 0
    )
    report.indicators = [indicator(report, target) for target in TARGETS]
    return report


def indicator(report: QualityReport, target: Target) -> dict[str, Any]:
    value = getattr(report, target.field)
    return {
        "key": target.key,
        "value": value,
        "target": target.threshold,
        "higher_is_better": target.higher_is_better,
        "met": target.met(value),
    }


def _bucket_start(moment: datetime, tz: ZoneInfo, weekly: bool) -> date:
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday()) if weekly else day


async def quality_trend(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    tz: ZoneInfo,
    filters: Filters | None = None,
    weekly: bool | None = None,
) -> list[TrendPoint]:
    """One point a day (a week for periods past a month), from the first to the last
    bucket of the period, empty buckets included."""
    filters = filters or Filters()
    if weekly is None:
        weekly = until - since > timedelta(days=31)
    rows, _ = await _load(session, since, until, filters)
    parts: dict[date, _Rows] = defaultdict(lambda: _Rows(answered=rows.answered))

    def bucket(moment: datetime) -> _Rows:
        return parts[_bucket_start(moment, tz, weekly)]

    for r in rows.requests:
        bucket(r[0]).requests.append(r)
    for b in rows.bookings:
        bucket(b[1]).bookings.append(b)
    for rating in rows.ratings:
        bucket(rating[0]).ratings.append(rating)
    step = timedelta(days=7 if weekly else 1)
    first, last = _bucket_start(since, tz, weekly), _bucket_start(until, tz, weekly)
    points = []
    day = first
    while day <= last:
        summary: dict[str, Any] = {}
        _fill(summary, parts[day], until)
        points.append(
            TrendPoint(
                start=day, requests=summary["requests"], bookings=summary["bookings"], no_shows=summary["no_shows"],
                ratings=summary["ratings"], low_ratings=summary["low_ratings"],
                identification_rate=summary["identification_rate"], match_rate=summary["match_rate"],
                mean_response_hours=summary["mean_response_hours"], satisfaction=summary["satisfaction"],
            )
        )  # fmt: skip
        day += step
    return points


# ---------------------------------------------------------------------------- text

ENGLISH_LABELS = {
    "identification": "needs identified from the words",
    "matching": "requests offered a fitting slot",
    "response": "provider response, mean hours",
    "satisfaction": "satisfied (4-5 stars)",
    "measure": "measure",
    "value": "value",
    "target": "target",
    "status": "",
    "met": "met",
    "missed": "MISSED",
    "no-data": "no data",
    "requests": "requests",
    "booked": "booked",
    "bookings": "bookings",
    "done": "done",
    "no-shows": "no-shows",
    "cancelled": "cancelled",
    "declined": "declined",
    "emergencies": "emergencies",
    "ratings": "ratings",
    "mean-rating": "mean rating",
    "low-ratings": "low ratings (1-2 stars)",
    "open-follow-ups": "open follow-ups",
    "open-callbacks": "open call-backs",
    "median-response": "median response (minutes)",
    "unanswered": "unanswered after 24 h",
    "by-service": "by service",
    "by-provider": "by provider",
    "period": "period",
}


def format_value(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key == "response":
        return f"{value:.1f} h"
    return f"{value * 100:.1f} %"


def format_target(target: Target) -> str:
    if target.key == "response":
        return f"≤ {target.threshold:.0f} h"
    return f"≥ {target.threshold * 100:.0f} %"


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    rows = [header, *rows]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def format_report(data: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """A plain-text table of a report (`QualityReport.as_dict()`), for `jiayi stats`."""
    label = {**ENGLISH_LABELS, **(labels or {})}
    targets = {t.key: t for t in TARGETS}
    lines = [f"{label['period']}: {data['since'][:16]} … {data['until'][:16]}"]
    if data.get("filters"):
        lines[0] += "  (" + ", ".join(f"{k}={v}" for k, v in data["filters"].items()) + ")"
    lines.append("")
    rows = []
    for ind in data["indicators"]:
        target = targets[ind["key"]]
        status = label["no-data"] if ind["met"] is None else label["met"] if ind["met"] else label["missed"]
        rows.append([label[ind["key"]], format_value(ind["key"], ind["value"]), format_target(target), status])
    lines += _table([label["measure"], label["value"], label["target"], label["status"]], rows)
    lines.append("")
    counts = [
        ("requests", data["requests"]), ("booked", data["requests_booked"]), ("bookings", data["bookings"]),
        ("done", data["done"]), ("no-shows", data["no_shows"]), ("cancelled", data["cancelled"]),
        ("declined", data["declined"]), ("emergencies", data["emergencies"]), ("ratings", data["ratings"]),
        ("mean-rating", data["mean_rating"] if data["mean_rating"] is not None else "—"),
        ("low-ratings", data["low_ratings"]), ("median-response", data["median_response_minutes"] if data["median_response_minutes"] is not None else "—"),
        ("unanswered", data["unanswered_past_24h"]), ("open-follow-ups", data["open_follow_ups"]),
        ("open-callbacks", data["open_callbacks"]),
    ]  # fmt: skip
    lines += _table([label["measure"], label["value"]], [[label[k], str(v)] for k, v in counts])
    for group, key in (("by_service", "by-service"), ("by_provider", "by-provider")):
        if not data[group]:
            continue
        lines += ["", label[key]]
        header = ["", label["bookings"], label["done"], label["no-shows"], label["ratings"], label["mean-rating"], label["satisfaction"]]
        table = []
        for code, row in sorted(data[group].items()):
            table.append([
                code, str(row["bookings"]), str(row["done"]), str(row["no_shows"]), str(row["ratings"]),
                "—" if row["mean_rating"] is None else f"{row['mean_rating']:.2f}",
                format_value("satisfaction", row["satisfaction"]),
            ])  # fmt: skip
        lines += _table(header, table)
    return "\n".join(lines)
