"""Periodic work: the providers' daily agenda, rating requests, and keeping the slot
horizon ahead. Each job decides what is due and hands it to the notifier (the
actions.notify.Notifier protocol), which writes the outbox rows; the dispatcher sends
them."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from actions.care import bookings_due_for_rating
from actions.models import Provider
from actions.slots import ensure_slots

log = logging.getLogger(__name__)


async def send_agendas(deps: Any, loop: Any) -> int:
    today = deps.clock().astimezone(deps.tz).date()
    count = 0
    async with deps.sessionmaker() as session:
        providers = (await session.scalars(select(Provider).where(Provider.chat_id.is_not(None)))).all()
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
