"""Matching a request to concrete slots (精准匹配, then 模糊匹配).

The resident's contracted family doctor comes first, then that doctor's team, then any
other provider who delivers the service. When nothing fits the request exactly, the
constraints are relaxed one at a time and the reasons are returned, so the resident
always gets the nearest alternatives instead of a dead end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.catalog import Catalog
from actions.clock import Clock
from actions.models import Booking, Contract, Provider, Resident, Slot

ACTIVE = ("confirmed", "accepted")
ROUTINE_LEAD = timedelta(hours=1)
URGENT_LEAD = timedelta(minutes=15)
SEARCH_DAYS = 30
PER_HALF_DAY = 2
TIER_ORDER = {"family_doctor": 0, "team": 1, "other": 2}
# The order in which constraints are given up when nothing fits.
RELAXABLE = ("window", "modality", "gender")
REASON = {
    "window": "window_full",
    "modality": "modality_unavailable",
    "gender": "gender_unavailable",
}
# Why a request was not met exactly. The time asked for is "fully booked" only when it
# has sessions and they are full; when it has none ("周日上午", a day the clinic is
# closed) it is "no sessions then"; past the last day the calendar has opened (除夕, a
# month ahead) it is "not open for booking yet".
REASONS = (
    "window_full", "window_no_sessions", "window_not_open", "modality_unavailable", "gender_unavailable",
    "family_doctor_unavailable", "other",
)  # fmt: skip


@dataclass
class MatchRequest:
    service_code: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    modality: str | None = None
    provider_gender: str | None = None
    urgency: str = "routine"


@dataclass
class SlotOffer:
    slot_id: int
    provider_id: int
    provider_name_zh: str
    provider_name_en: str
    provider_role: str
    provider_gender: str
    starts_at: datetime
    ends_at: datetime
    modality: str
    tier: str
    seats_left: int


@dataclass
class MatchResult:
    offers: list[SlotOffer]
    exact: bool
    reasons: list[str] = field(default_factory=list)


# Built once: every request asks them, and building a statement (and its cache key)
# cost about as much as running it on SQLite.
_CONTRACTED_DOCTOR = (
    select(Contract.provider_id)
    .join(Resident, Resident.household_id == Contract.household_id)
    .where(Resident.id == bindparam("resident_id"), Contract.status == "active")
)
_PROVIDERS = select(Provider).where(Provider.active.is_(True), Provider.role.in_(bindparam("roles", expanding=True)))
_HELD_OR_DECLINED = select(Booking.slot_id).where(
    Booking.resident_id == bindparam("resident_id"),
    Booking.status.in_((*ACTIVE, "declined")),
)


async def contracted_doctor_id(session: AsyncSession, resident_id: int) -> int | None:
    """The family doctor of the resident's household's active contract, in one query."""
    return await session.scalar(_CONTRACTED_DOCTOR, {"resident_id": resident_id})


# The slot columns matching reads. Slots are read as plain rows, not as ORM objects: a
# month of them is a thousand rows, and building an object for each was most of the
# time a booking request took.
_SLOT_COLUMNS = (
    Slot.id, Slot.provider_id, Slot.starts_at, Slot.ends_at, Slot.modality, Slot.capacity, Slot.booked, Slot.services,
)  # fmt: skip


async def _providers(session: AsyncSession, request: MatchRequest, catalog: Catalog) -> dict[int, Provider]:
    """The providers who could serve the request: active, in a role that delivers it,
    and delivering it."""
    service = catalog.get(request.service_code)
    code = request.service_code
    return {
        p.id: p
        for p in (await session.scalars(_PROVIDERS, {"roles": list(service.roles)})).all()
        if code in (p.services or [])
    }


async def _held_or_declined(session: AsyncSession, resident_id: int) -> set[int]:
    """Slots the resident holds already, and slots a provider declined for them: a
    declined time is not offered to that resident again."""
    return set((await session.scalars(_HELD_OR_DECLINED, {"resident_id": resident_id})).all())


async def _candidates(
    session: AsyncSession,
    request: MatchRequest,
    catalog: Catalog,
    earliest: datetime,
    providers: dict[int, Provider],
    excluded: set[int],
    *,
    free_only: bool = True,
    window: tuple[datetime | None, datetime | None] = (None, None),
) -> list[tuple[Any, Provider]]:
    """Slots that could serve the request, as rows with the slot's columns, each with
    its provider (one of `providers`); with `free_only=False` the full ones too (to
    tell "fully booked" from "no sessions"), else without the `excluded` slots.
    `window` narrows the search to the time asked for."""
    service = catalog.get(request.service_code)
    code = request.service_code
    if not providers:
        return []
    start = max(earliest, window[0]) if window[0] is not None else earliest
    conditions = [
        Slot.provider_id.in_(sorted(providers)),
        Slot.starts_at >= start,
        Slot.starts_at < earliest + timedelta(days=SEARCH_DAYS),
        Slot.modality.in_(service.modalities),
    ]
    if window[1] is not None:
        conditions.append(Slot.starts_at < window[1])
    if free_only:
        conditions.append(Slot.booked < Slot.capacity)
    statement = select(*_SLOT_COLUMNS).where(*conditions).order_by(Slot.starts_at, Slot.id)
    # Plain rows through the connection: the ORM's result machinery would only copy
    # each of a month of rows once more. What the ORM would flush first, it flushes.
    if session.new or session.dirty or session.deleted:
        await session.flush()
    slots = (await (await session.connection()).execute(statement)).all()
    if not free_only:
        return [(s, providers[s.provider_id]) for s in slots if s.services is None or code in s.services]
    return [
        (slot, providers[slot.provider_id])
        for slot in slots
        if (slot.services is None or code in slot.services) and slot.id not in excluded
    ]


def _tier(provider: Provider, doctor: Provider | None) -> str:
    if doctor is not None and provider.id == doctor.id:
        return "family_doctor"
    if doctor is not None and doctor.team_id is not None and provider.team_id == doctor.team_id:
        return "team"
    return "other"


def _fits(slot: Any, provider: Provider, request: MatchRequest, relaxed: set[str]) -> bool:
    if "window" not in relaxed:
        if request.window_start is not None and slot.starts_at < request.window_start:
            return False
        if request.window_end is not None and slot.starts_at >= request.window_end:
            return False
    if "modality" not in relaxed and request.modality and slot.modality != request.modality:
        return False
    return (
        "gender" in relaxed
        or not request.provider_gender
        or provider.gender == request.provider_gender
    )


def _diverse(
    fitting: list[tuple[Any, Provider]], tiers: dict[int, str], tz: ZoneInfo, limit: int
) -> list[tuple[Any, Provider]]:
    """At most a couple of offers per half-day, so a resident sees a real choice."""
    chosen: list[tuple[Any, Provider]] = []
    taken: set[int] = set()
    per_bucket: Counter[tuple[object, bool]] = Counter()
    for index, (slot, provider) in enumerate(fitting):
        local = slot.starts_at.astimezone(tz)
        bucket = (local.date(), local.hour < 12)
        if per_bucket[bucket] >= PER_HALF_DAY:
            continue
        per_bucket[bucket] += 1
        chosen.append((slot, provider))
        taken.add(index)
        if len(chosen) == limit:
            return chosen
    # Few half-days available: fill up with what is left, still in order.
    for index, pair in enumerate(fitting):
        if len(chosen) == limit:
            break
        if index not in taken:
            chosen.append(pair)
    return sorted(chosen, key=lambda sp: (TIER_ORDER[tiers[sp[1].id]], sp[0].starts_at))


def _offer(slot: Any, provider: Provider, tier: str) -> SlotOffer:
    return SlotOffer(
        slot_id=slot.id,
        provider_id=provider.id,
        provider_name_zh=provider.name_zh,
        provider_name_en=provider.name_en,
        provider_role=provider.role,
        provider_gender=provider.gender,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        modality=slot.modality,
        tier=tier,
        seats_left=slot.capacity - slot.booked,
    )


async def _calendar_end(session: AsyncSession) -> datetime | None:
    """The start of the last session the calendar holds, of any service."""
    latest: datetime | None = await session.scalar(select(func.max(Slot.starts_at)))
    return latest


async def match(
    session: AsyncSession,
    *,
    resident_id: int,
    request: MatchRequest,
    catalog: Catalog,
    clock: Clock,
    tz: ZoneInfo,
    limit: int = 5,
) -> MatchResult:
    now = clock()
    urgent = request.urgency == "urgent"
    earliest = now + (URGENT_LEAD if urgent else ROUTINE_LEAD)
    doctor_id = await contracted_doctor_id(session, resident_id)
    # Read once for every search below (each used to read them again).
    providers = await _providers(session, request, catalog)
    doctor = await session.get(Provider, doctor_id) if doctor_id else None
    excluded = await _held_or_declined(session, resident_id) if providers else set()
    # The time asked for first: when something there fits exactly, the rest of the
    # month is not needed (and the answer is the same as from the whole month).
    candidates: list[tuple[Any, Provider]] = []
    window = (request.window_start, request.window_end)
    if request.window_start is not None or request.window_end is not None:
        candidates = await _candidates(session, request, catalog, earliest, providers, excluded, window=window)
        if not any(_fits(s, p, request, set()) for s, p in candidates):
            candidates = []
    if not candidates:
        candidates = await _candidates(session, request, catalog, earliest, providers, excluded)

    active = [c for c in RELAXABLE if _is_set(request, c)]
    attempts: list[set[str]] = [set()]
    for size in range(1, len(active) + 1):
        attempts.extend(set(combo) for combo in combinations(active, size))
    # What each provider contributes to an offer, worked out once per provider rather
    # than once per slot (a month of candidates is a thousand rows).
    tiers = {pid: _tier(p, doctor) for pid, p in providers.items()}
    for relaxed in attempts:
        fitting = [(s, p) for s, p in candidates if _fits(s, p, request, relaxed)]
        if not fitting:
            continue
        anchor = request.window_start or now
        # Sorted as rows; an offer is built only for the rows chosen.
        if urgent:
            fitting.sort(key=lambda sp: (sp[0].starts_at, TIER_ORDER[tiers[sp[1].id]]))
        elif "window" in relaxed:
            # Nearest to what was asked for, the family doctor breaking ties.
            fitting.sort(key=lambda sp: (abs(sp[0].starts_at - anchor), TIER_ORDER[tiers[sp[1].id]]))
        else:
            fitting.sort(key=lambda sp: (TIER_ORDER[tiers[sp[1].id]], sp[0].starts_at))
        picked = fitting[:limit] if urgent else _diverse(fitting, tiers, tz, limit)
        chosen = [_offer(s, p, tiers[p.id]) for s, p in picked]
        reasons = [REASON[c] for c in RELAXABLE if c in relaxed]
        if "window" in relaxed:
            # Only slots inside the window can fit with the window held, so only
            # those are read (a month of them, full ones included, before).
            everything = await _candidates(
                session, request, catalog, earliest, providers, excluded, free_only=False, window=window
            )
            held = relaxed - {"window"}
            if not any(_fits(s, p, request, held) for s, p in everything):
                opened = await _calendar_end(session)
                beyond = request.window_start is not None and (opened is None or request.window_start > opened)
                reasons[reasons.index("window_full")] = "window_not_open" if beyond else "window_no_sessions"
        doctor_delivers = doctor is not None and request.service_code in (doctor.services or [])
        if doctor_delivers and not relaxed and not any(o.tier == "family_doctor" for o in chosen):
            reasons.append("family_doctor_unavailable")
        return MatchResult(offers=chosen, exact=not relaxed, reasons=reasons)
    return MatchResult(offers=[], exact=False, reasons=["nothing_available"])


def _is_set(request: MatchRequest, constraint: str) -> bool:
    if constraint == "window":
        return request.window_start is not None or request.window_end is not None
    if constraint == "modality":
        return request.modality is not None
    return request.provider_gender is not None
