"""Slots are generated from weekly working hours minus exceptions (leave, holidays)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import ScheduleException, ScheduleRule, Slot


def _blocked(start: time, end: time, exceptions: Iterable[ScheduleException]) -> bool:
    for exc in exceptions:
        if exc.start_time is None or exc.end_time is None:
            return True  # the whole day
        if start < exc.end_time and exc.start_time < end:
            return True
    return False


def generate_slot_times(
    rule: ScheduleRule, day: date, tz: ZoneInfo, exceptions: Iterable[ScheduleException] = ()
) -> list[tuple[datetime, datetime]]:
    """The (start, end) of each slot of `rule` on `day`, in UTC. `exceptions` are those
    that apply to this provider on this day (their own or centre-wide)."""
    if day.weekday() != rule.weekday:
        return []
    exceptions = list(exceptions)
    step = timedelta(minutes=rule.slot_minutes)
    # Walk in local wall-clock time and convert each slot separately: that is what a
    # "09:00" means to residents even across a DST change.
    cursor = datetime.combine(day, rule.start_time)
    last = datetime.combine(day, rule.end_time)
    times: list[tuple[datetime, datetime]] = []
    while cursor + step <= last:
        start_t, end_t = cursor.time(), (cursor + step).time()
        if not _blocked(start_t, end_t, exceptions):
            start = cursor.replace(tzinfo=tz).astimezone(UTC)
            end = (cursor + step).replace(tzinfo=tz).astimezone(UTC)
            times.append((start, end))
        cursor += step
    return times


async def ensure_slots(session: AsyncSession, *, start_day: date, days: int, tz: ZoneInfo) -> int:
    """Materialise the slots of `days` days from `start_day`; returns how many were new.
    Idempotent: existing slots (and their bookings) are left as they are. The caller
    commits."""
    end_day = start_day + timedelta(days=days)
    rules = (await session.scalars(select(ScheduleRule))).all()
    exceptions = (
        await session.scalars(
            select(ScheduleException).where(
                ScheduleException.day >= start_day, ScheduleException.day < end_day
            )
        )
    ).all()
    window_start = datetime.combine(start_day, time(0), tzinfo=tz).astimezone(UTC)
    window_end = datetime.combine(end_day, time(0), tzinfo=tz).astimezone(UTC)
    existing = {
        (provider_id, starts_at, modality)
        for provider_id, starts_at, modality in (
            await session.execute(
                select(Slot.provider_id, Slot.starts_at, Slot.modality).where(
                    Slot.starts_at >= window_start, Slot.starts_at < window_end
                )
            )
        ).all()
    }
    created = 0
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        for rule in rules:
            if rule.weekday != day.weekday():
                continue
            applicable = [
                e for e in exceptions if e.day == day and e.provider_id in (None, rule.provider_id)
            ]
            for start, end in generate_slot_times(rule, day, tz, applicable):
                key = (rule.provider_id, start, rule.modality)
                if key in existing:
                    continue
                existing.add(key)
                session.add(
                    Slot(
                        provider_id=rule.provider_id,
                        starts_at=start,
                        ends_at=end,
                        modality=rule.modality,
                        capacity=rule.capacity,
                        booked=0,
                        services=rule.services,
                    )
                )
                created += 1
    await session.flush()
    return created


# Built once (a tap on an offered time asks it every time).
_SEATS = select(Slot.capacity, Slot.booked).where(Slot.id == bindparam("slot_id"))


async def seats_left(session: AsyncSession, slot_id: int) -> int:
    """Free seats of a slot now (0 when it is gone)."""
    row = (await session.execute(_SEATS, {"slot_id": slot_id})).first()
    return max(0, row[0] - row[1]) if row is not None else 0
