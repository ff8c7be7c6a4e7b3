"""Periodic work: the providers' daily agenda, rating requests, keeping the slot
horizon ahead, escalating undelivered emergency alerts, and deleting what is past its
purpose. Each job decides what is due and hands it to the notifier (the
actions.notify.Notifier protocol), which writes the outbox rows; the dispatcher sends
them."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from actions.care import bookings_due_for_rating
from actions.models import Provider
from actions.retention import apply_retention_policy
from actions.slots import ensure_slots
from scheduler.outbox import mark_escalated, purge_finished, undelivered_emergencies

log = logging.getLogger(__name__)


async def send_agendas(deps: Any, loop: Any) -> int:
    today = deps.clock().astimezone(deps.tz).date()
    count = 0
    async with deps.sessionmaker() as session:
        providers = (
            await session.scalars(select(Provider).where(Provider.chat_id.is_not(None), Provider.active.is_(True)))
        ).all()
        for provider in providers:
            count += await deps.notifier.agenda_due(session, provider, today)
        await session.commit()
    loop.wake()
    return count


async def request_ratings(deps: Any, loop: Any) -> int:
    delay = timedelta(hours=deps.settings.rating_delay_hours)
    count = 0
    async with deps.sessionmaker() as session:
        for booking in await bookings_due_for_rating(session, now=deps.clock(), delay=delay):
            if booking.resident.unreachable:
                continue
            count += await deps.notifier.rating_due(session, booking)
        await session.commit()
    if count:
        loop.wake()
    return count


async def extend_slots(deps: Any) -> int:
    today = deps.clock().astimezone(deps.tz).date()
    async with deps.sessionmaker() as session:
        created = await ensure_slots(session, start_day=today, days=deps.settings.booking_horizon_days, tz=deps.tz)
        await session.commit()
    log.info("slot horizon extended: %s new slots", created)
    return created


async def escalate_emergencies(deps: Any, loop: Any) -> int:
    """An emergency alert that has not reached its recipient within the escalation
    time goes to the duty chat as well (the original keeps being retried)."""
    now = deps.clock()
    older_than = now - timedelta(seconds=deps.settings.emergency_escalation_seconds)
    count = 0
    async with deps.sessionmaker() as session:
        for row in await undelivered_emergencies(session, older_than=older_than):
            if await deps.notifier.emergency_undelivered(session, row):
                count += 1
            await mark_escalated(session, row.id, now)
        await session.commit()
    if count:
        log.warning("escalated %s undelivered emergency alerts to the duty chat", count)
        loop.wake()
    return count


async def apply_retention(deps: Any) -> dict[str, int]:
    settings = deps.settings
    now = deps.clock()
    async with deps.sessionmaker() as session:
        report = await apply_retention_policy(session, before=now - timedelta(days=settings.retention_days))
        report["outbox"] = await purge_finished(session, before=now - timedelta(days=settings.outbox_retention_days))
        await session.commit()
    log.info("retention: %s", ", ".join(f"{k} {v}" for k, v in sorted(report.items())))
    return report
