"""Waitlists for fully booked slots and group sessions, with a short hold.

When a seat is freed (a cancellation, a declined booking, a hold that ran out), the
first in line is offered it in the same transaction that freed it: the seat is taken
for them at once (one conditional UPDATE on `booked < capacity`), so nobody else can
slip in between, and they have `waitlist_hold_minutes` to take it. Taking the offer,
letting it run out and declining it are conditional UPDATEs from `offered`, so exactly
one of them wins however they race; when the hold ends untaken the seat goes to the
next in line. Safe on SQLite (BEGIN IMMEDIATE serialises writers) and PostgreSQL (the
seat's row is locked by the UPDATE that frees it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from actions.care_config import load_care_config
from actions.clock import Clock
from actions.models import Booking, GroupSession, Provider, SessionSignup, Slot, WaitlistEntry

KINDS: dict[str, Any] = {"slot": Slot, "session": GroupSession}
OPEN = ("waiting", "offered")


class OfferGone(Exception):
    """The offer was taken, declined, or its hold ran out."""


class AlreadyWaiting(Exception):
    """The resident is in this line already."""


@dataclass(frozen=True)
class Place:
    entry: WaitlistEntry
    position: int


def hold_time() -> timedelta:
    return timedelta(minutes=load_care_config().waitlist_hold_minutes)


async def take_seat(session: AsyncSession, kind: str, target_id: int) -> bool:
    table = KINDS[kind]
    result = await session.execute(
        update(table)
        .where(table.id == target_id, table.booked < table.capacity)
        .values(booked=table.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def free_seat(session: AsyncSession, kind: str, target_id: int) -> None:
    table = KINDS[kind]
    await session.execute(
        update(table)
        .where(table.id == target_id, table.booked > 0)
        .values(booked=table.booked - 1)
        .execution_options(synchronize_session=False)
    )


async def join(
    session: AsyncSession, *, resident_id: int, kind: str, target_id: int, clock: Clock, service_code: str | None = None
) -> Place:
    """Joins the line (once per resident and target) and commits."""
    if kind not in KINDS:
        raise ValueError(kind)
    existing = await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.resident_id == resident_id, WaitlistEntry.target_kind == kind,
            WaitlistEntry.target_id == target_id, WaitlistEntry.status.in_(OPEN),
        )
    )  # fmt: skip
    if existing is not None:
        raise AlreadyWaiting(existing.id)
    entry = WaitlistEntry(
        resident_id=resident_id, target_kind=kind, target_id=target_id, service_code=service_code,
        status="waiting", created_at=clock(),
    )  # fmt: skip
    session.add(entry)
    await session.flush()
    position = await session.scalar(
        select(func.count()).select_from(WaitlistEntry).where(
            WaitlistEntry.target_kind == kind, WaitlistEntry.target_id == target_id,
            WaitlistEntry.status == "waiting", WaitlistEntry.id <= entry.id,
        )
    )  # fmt: skip
    await session.commit()
    return Place(entry, int(position or 1))


async def leave(session: AsyncSession, *, entry_id: int, resident_id: int, clock: Clock, notifier: Any = None) -> bool:
    """Leaves the line; an offer held for the resident goes to the next in line."""
    entry = await session.get(WaitlistEntry, entry_id, populate_existing=True)
    if entry is None or entry.resident_id != resident_id:
        return False
    result = await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id, WaitlistEntry.status.in_(OPEN))
        .values(status="cancelled", decided_at=clock())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return False
    if entry.status == "offered":
        await free_seat(session, entry.target_kind, entry.target_id)
        await seat_freed(session, kind=entry.target_kind, target_id=entry.target_id, clock=clock, notifier=notifier)
    await session.commit()
    if notifier is not None:
        notifier.wake()
    return True


async def seat_freed(
    session: AsyncSession, *, kind: str, target_id: int, clock: Clock, notifier: Any = None
) -> WaitlistEntry | None:
    """Within the caller's transaction, right after a seat of `kind` `target_id` was
    freed: the first in line gets it on hold and is told. Returns their entry."""
    now = clock()
    if kind == "slot":
        slot = await session.get(Slot, target_id)
        if slot is None or slot.starts_at <= now:
            return None
    else:
        group = await session.get(GroupSession, target_id)
        if group is None or group.starts_at <= now:
            return None
    while True:
        entry = await session.scalar(
            select(WaitlistEntry)
            .where(WaitlistEntry.target_kind == kind, WaitlistEntry.target_id == target_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.id)
            .limit(1)
        )
        if entry is None:
            return None
        if not await take_seat(session, kind, target_id):
            return None  # someone else's booking took it in this same transaction
        result = await session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "waiting")
            .values(status="offered", offered_at=now, hold_until=now + hold_time())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            offered = await get_entry(session, entry.id)
            assert offered is not None
            if notifier is not None:
                await notifier.waitlist_offered(session, offered)
            return offered
        await free_seat(session, kind, target_id)  # they left the line meanwhile


async def get_entry(session: AsyncSession, entry_id: int) -> WaitlistEntry | None:
    return await session.scalar(
        select(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id)
        .options(selectinload(WaitlistEntry.resident))
        .execution_options(populate_existing=True)
    )


async def take_offer(
    session: AsyncSession, *, entry_id: int, resident_id: int, clock: Clock, notifier: Any = None
) -> Booking | SessionSignup:
    """The resident takes the seat held for them: a booking (slot) or a sign-up
    (session) on the seat already taken, nothing else. Raises OfferGone."""
    now = clock()
    result = await session.execute(
        update(WaitlistEntry)
        .where(
            WaitlistEntry.id == entry_id, WaitlistEntry.resident_id == resident_id,
            WaitlistEntry.status == "offered", WaitlistEntry.hold_until > now,
        )
        .values(status="taken", decided_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise OfferGone(entry_id)
    entry = await get_entry(session, entry_id)
    assert entry is not None
    try:
        made: Booking | SessionSignup
        if entry.target_kind == "slot":
            made = await _booking_on_held_seat(session, entry, clock)
            if notifier is not None:
                await notifier.booking_created(session, made.id)
        else:
            made = SessionSignup(session_id=entry.target_id, resident_id=resident_id, status="signed", created_at=now)
            session.add(made)
            await session.flush()
            if notifier is not None:
                await notifier.session_signed(session, made)
        await session.commit()
    except IntegrityError:
        # Already booked on it (another way in): the held seat goes back to the line.
        await session.rollback()
        await _give_back(session, entry_id, clock, notifier)
        raise OfferGone(entry_id) from None
    except BaseException:
        await session.rollback()
        raise
    if notifier is not None:
        notifier.wake()
    return made


async def _give_back(session: AsyncSession, entry_id: int, clock: Clock, notifier: Any) -> None:
    entry = await session.get(WaitlistEntry, entry_id, populate_existing=True)
    if entry is None:
        return
    result = await session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "offered")
        .values(status="cancelled", decided_at=clock())
    )  # fmt: skip
    if result.rowcount == 1:  # type: ignore[attr-defined]
        await free_seat(session, entry.target_kind, entry.target_id)
        await seat_freed(session, kind=entry.target_kind, target_id=entry.target_id, clock=clock, notifier=notifier)
    await session.commit()


async def _booking_on_held_seat(session: AsyncSession, entry: WaitlistEntry, clock: Clock) -> Booking:
    slot = await session.get(Slot, entry.target_id)
    provider = await session.get(Provider, slot.provider_id) if slot is not None else None
    if slot is None or provider is None or entry.service_code is None:
        raise OfferGone(entry.id)
    booking = Booking(
        resident_id=entry.resident_id, slot_id=slot.id, provider_id=slot.provider_id, service_code=entry.service_code,
        modality=slot.modality, starts_at=slot.starts_at, ends_at=slot.ends_at, status="confirmed",
        urgency="routine", channel="waitlist", created_at=clock(),
    )  # fmt: skip
    session.add(booking)
    await session.flush()
    return booking


async def decline_offer(
    session: AsyncSession, *, entry_id: int, resident_id: int, clock: Clock, notifier: Any = None
) -> bool:
    entry = await session.get(WaitlistEntry, entry_id, populate_existing=True)
    if entry is None or entry.resident_id != resident_id:
        return False
    result = await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "offered")
        .values(status="declined", decided_at=clock())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return False
    await free_seat(session, entry.target_kind, entry.target_id)
    await seat_freed(session, kind=entry.target_kind, target_id=entry.target_id, clock=clock, notifier=notifier)
    await session.commit()
    if notifier is not None:
        notifier.wake()
    return True


async def expire_holds(session: AsyncSession, *, clock: Clock, notifier: Any = None) -> int:
    """Offers whose hold ran out: the seat goes to the next in line. Each is its own
    transaction; returns how many expired."""
    now = clock()
    due = (
        await session.scalars(
            select(WaitlistEntry.id).where(WaitlistEntry.status == "offered", WaitlistEntry.hold_until <= now).limit(200)
        )
    ).all()
    expired = 0
    for entry_id in due:
        entry = await session.get(WaitlistEntry, entry_id, populate_existing=True)
        if entry is None:
            continue
        result = await session.execute(
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "offered", WaitlistEntry.hold_until <= now)
            .values(status="expired", decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            continue
        try:
            await free_seat(session, entry.target_kind, entry.target_id)
            await seat_freed(session, kind=entry.target_kind, target_id=entry.target_id, clock=clock, notifier=notifier)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        expired += 1
    if expired and notifier is not None:
        notifier.wake()
    return expired


async def waiting_count(session: AsyncSession, *, kind: str, target_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(WaitlistEntry).where(
                WaitlistEntry.target_kind == kind, WaitlistEntry.target_id == target_id, WaitlistEntry.status == "waiting"
            )
        )
        or 0
    )


def hold_left(entry: WaitlistEntry, now: datetime) -> timedelta:
    return max(timedelta(0), (entry.hold_until or now) - now)
