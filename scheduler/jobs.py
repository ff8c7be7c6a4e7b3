"""Periodic work: the providers' daily agenda, rating requests, and keeping the slot
horizon ahead. Each job writes outbox rows; the dispatcher sends them."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.booking import provider_bookings
from actions.care import bookings_due_for_rating, record_event
from actions.models import Provider
from actions.slots import ensure_slots
from bot.callbacks import ProviderAction, RatingPick
from bot.format import format_date, format_when, provider_name
from scheduler.outbox import enqueue, message

log = logging.getLogger(__name__)


async def agenda_text(session: AsyncSession, deps: Any, provider: Provider, day: date) -> tuple[str, list]:  # type: ignore[type-arg]
    """The day's bookings of one provider in time order, with addresses for home
    visits, and done / no-show buttons for each."""
    i18n, lang, tz = deps.i18n, provider.language, deps.tz
    start = datetime.combine(day, time(0), tz)
    bookings = await provider_bookings(session, provider_id=provider.id, start=start, end=start + timedelta(days=1))
    label = format_date(i18n, lang, day)
    if not bookings:
        return i18n.t(lang, "agenda-empty", date=label), []
    lines = [i18n.t(lang, "agenda-header", date=label, count=str(len(bookings)))]
    buttons = []
    for b in bookings:
        resident = b.resident
        age = day.year - resident.birth_year if resident.birth_year else None
        lines.append(
            i18n.t(
                lang,
                "agenda-line",
                time=b.starts_at.astimezone(tz).strftime("%H:%M"),
                service=deps.catalog.get(b.service_code).name(lang),
                name=resident.name or "",
                age=i18n.t(lang, "summary-age", age=str(age)) if age is not None else "",
                modality=i18n.t(lang, f"modality-{b.modality}"),
            )
        )
        if b.modality == "home_visit" and resident.address:
            lines.append(i18n.t(lang, "agenda-address", address=resident.address))
        stamp = b.starts_at.astimezone(tz).strftime("%H:%M")
        buttons.append(
            [
                (f"{stamp} {i18n.t(lang, 'btn-done')}", ProviderAction(action="done", booking_id=b.id).pack()),
                (f"{stamp} {i18n.t(lang, 'btn-no-show')}", ProviderAction(action="noshow", booking_id=b.id).pack()),
            ]
        )
    return "\n".join(lines), buttons


async def send_agendas(deps: Any, loop: Any) -> int:
    today = deps.clock().astimezone(deps.tz).date()
    count = 0
    async with deps.sessionmaker() as session:
        providers = (await session.scalars(select(Provider).where(Provider.chat_id.is_not(None)))).all()
        for provider in providers:
            text, buttons = await agenda_text(session, deps, provider, today)
            now = deps.clock()
            row = await enqueue(
                session, kind="agenda", chat_id=provider.chat_id, recipient_kind="provider",  # type: ignore[arg-type]
                payload=message(text, buttons), due_at=now, now=now,
                dedupe_key=f"agenda:{provider.id}:{today.isoformat()}",
            )  # fmt: skip
            count += row is not None
        await session.commit()
    loop.wake()
    return count


def rating_buttons(booking_id: int) -> list[list[tuple[str, str]]]:
    stars = [("⭐" * n, RatingPick(booking_id=booking_id, score=n).pack()) for n in range(1, 6)]
    # Five big buttons, best first, one per row: easy to hit, hard to mistake.
    return [[b] for b in reversed(stars)]


async def enqueue_rating_request(session: AsyncSession, deps: Any, booking: Any) -> bool:
    resident, provider = booking.resident, booking.provider
    lang = resident.language
    text = deps.i18n.t(
        lang,
        "rating-request",
        when=format_when(deps.i18n, lang, booking.starts_at, deps.tz),
        service=deps.catalog.get(booking.service_code).name(lang),
        provider=provider_name(provider, lang),
    )
    now = deps.clock()
    row = await enqueue(
        session, kind="rating_request", chat_id=resident.chat_id, recipient_kind="resident",
        payload=message(text, rating_buttons(booking.id)), due_at=now, now=now, booking_id=booking.id,
        dedupe_key=f"rating:{booking.id}",
    )  # fmt: skip
    if row is not None:
        await record_event(session, booking_id=booking.id, kind="rating_requested", actor="system", clock=deps.clock)
    return row is not None


async def request_ratings(deps: Any, loop: Any) -> int:
    delay = timedelta(hours=deps.settings.rating_delay_hours)
    count = 0
    async with deps.sessionmaker() as session:
        for booking in await bookings_due_for_rating(session, now=deps.clock(), delay=delay):
            if booking.resident.unreachable:
                continue
            count += await enqueue_rating_request(session, deps, booking)
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
