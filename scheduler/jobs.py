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


# ---------------------------------------------------------------------------- chronic care


async def plan_care(deps: Any, loop: Any) -> dict[str, int]:
    """Daily: every resident in a priority group has the next item of each care plan;
    items within their offer window are offered with slots of the family doctor
    (matching as for a request, the contracted doctor first); items past due go to the
    family doctor's agenda."""
    from actions.care_config import load_care_config
    from actions.care_plans import (
        escalate_overdue,
        items_to_offer,
        mark_offered,
        plan_everyone,
        window_for,
    )
    from actions.matching import MatchRequest, match

    config = load_care_config()
    now = deps.clock()
    today = now.astimezone(deps.tz).date()
    report = {"planned": 0, "offered": 0, "overdue": 0}
    async with deps.sessionmaker() as session:
        report["planned"] = await plan_everyone(session, config=config, today=today, clock=deps.clock)
        await session.commit()
        for item in await items_to_offer(session, config=config, today=today):
            if item.resident.unreachable:
                continue
            start, end = window_for(item, config.plan(item.plan_code), now, deps.tz)
            result = await match(
                session, resident_id=item.resident_id, request=MatchRequest(item.service_code, start, end),
                catalog=deps.catalog, clock=deps.clock, tz=deps.tz, limit=3,
            )  # fmt: skip
            if await deps.notifier.care_plan_due(session, item, result.offers):
                await mark_offered(session, item_id=item.id, clock=deps.clock)
                report["offered"] += 1
            await session.commit()
        report["overdue"] = await escalate_overdue(session, config=config, today=today, clock=deps.clock)
        await session.commit()
    log.info("care plans: %s", ", ".join(f"{k} {v}" for k, v in sorted(report.items())))
    if report["offered"]:
        loop.wake()
    return report


async def send_weekly_charts(deps: Any, loop: Any) -> int:
    """Weekly: the trend chart for each resident who reported readings in the past week."""
    from datetime import timedelta

    from actions.models import Resident
    from actions.readings import residents_with_readings

    now = deps.clock()
    year, week, _ = now.astimezone(deps.tz).isocalendar()
    count = 0
    async with deps.sessionmaker() as session:
        for resident_id in await residents_with_readings(session, since=now - timedelta(days=7)):
            resident = await session.get(Resident, resident_id)
            if resident is None or resident.unreachable:
                continue
            count += await deps.notifier.weekly_chart(session, resident, f"{year}-W{week:02d}")
            await session.commit()
    if count:
        loop.wake()
    return count


async def expire_waitlist_holds(deps: Any, loop: Any) -> int:
    """Offers of a freed seat whose hold ran out go to the next in line."""
    from actions.waitlist import expire_holds

    async with deps.sessionmaker() as session:
        expired = await expire_holds(session, clock=deps.clock, notifier=deps.notifier)
    if expired:
        log.info("waitlist: %s holds ran out, passed on", expired)
        loop.wake()
    return expired


async def group_sessions(deps: Any, loop: Any) -> int:
    """Keeps the lectures of the weeks ahead, and sends each host the roster of a
    session starting now, to mark who came."""
    from datetime import timedelta

    from actions.care_config import load_care_config
    from actions.sessions import ensure_sessions, sessions_starting

    now = deps.clock()
    sent = 0
    async with deps.sessionmaker() as session:
        await ensure_sessions(session, config=load_care_config(), start_day=now.astimezone(deps.tz).date(), tz=deps.tz)
        await session.commit()
        for group in await sessions_starting(session, now=now, within=timedelta(minutes=15)):
            sent += await deps.notifier.session_roster(session, group)
        await session.commit()
    if sent:
        loop.wake()
    return sent
