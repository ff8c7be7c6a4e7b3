"""Booking integrity under concurrency, on SQLite and on PostgreSQL. Every task has its
own session, as concurrent updates do in the bot."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from actions.booking import SlotUnavailable, book, cancel, reschedule
from actions.models import Booking, Provider, Slot
from tests.conftest import make_resident, seed


async def _slot(sm, clock, *, capacity: int, service: str | None = None) -> Slot:  # type: ignore[no-untyped-def]
    async with sm() as session:
        query = select(Slot).where(Slot.capacity == capacity, Slot.starts_at > clock()).order_by(Slot.starts_at)
        if service is not None:
            query = query.join(Provider, Provider.id == Slot.provider_id).where(Provider.code == "dr_wang")
        return (await session.scalars(query)).first()


async def _residents(sm, clock, n: int, start: int = 1000) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    async with sm() as session:
        for i in range(n):
            ids.append((await make_resident(session, start + i, clock)).id)
    return ids


async def _try_book(sm, resident_id: int, slot_id: int, service: str, clock) -> int | None:  # type: ignore[no-untyped-def]
    async with sm() as session:
        try:
            return (await book(session, resident_id=resident_id, slot_id=slot_id, service_code=service, clock=clock)).id
        except SlotUnavailable:
            return None


async def _count(sm, slot_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with sm() as session:
        active = await session.scalar(
            select(func.count()).select_from(Booking).where(Booking.slot_id == slot_id, Booking.status == "confirmed")
        )
        booked = await session.scalar(select(Slot.booked).where(Slot.id == slot_id))
        return int(active or 0), int(booked or 0)


async def test_many_confirms_for_one_single_slot_exactly_one_wins(any_sessionmaker, clock) -> None:
    await seed(any_sessionmaker, clock)
    slot = await _slot(any_sessionmaker, clock, capacity=1, service="dr_wang")
    residents = await _residents(any_sessionmaker, clock, 20)
    results = await asyncio.gather(
        *(_try_book(any_sessionmaker, r, slot.id, "bp_check", clock) for r in residents)
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert await _count(any_sessionmaker, slot.id) == (1, 1)


async def test_a_vaccination_session_never_overbooks(any_sessionmaker, clock) -> None:
    await seed(any_sessionmaker, clock)
    slot = await _slot(any_sessionmaker, clock, capacity=6)
    assert slot.services == ["vaccination"]
    residents = await _residents(any_sessionmaker, clock, 30)
    results = await asyncio.gather(
        *(_try_book(any_sessionmaker, r, slot.id, "vaccination", clock) for r in residents)
    )
    assert len([r for r in results if r is not None]) == 6
    assert await _count(any_sessionmaker, slot.id) == (6, 6)


async def test_a_double_tap_on_confirm_books_once(any_sessionmaker, clock) -> None:
    await seed(any_sessionmaker, clock)
    slot = await _slot(any_sessionmaker, clock, capacity=6)
    (resident,) = await _residents(any_sessionmaker, clock, 1)
    results = await asyncio.gather(
        *(_try_book(any_sessionmaker, resident, slot.id, "vaccination", clock) for _ in range(5))
    )
    assert len(set(results)) == 1 and results[0] is not None
    assert await _count(any_sessionmaker, slot.id) == (1, 1)


async def test_cancel_frees_the_seat_once_and_reschedule_moves_atomically(any_sessionmaker, clock) -> None:
    await seed(any_sessionmaker, clock)
    async with any_sessionmaker() as session:
        slots = (
            await session.scalars(
                select(Slot)
                .join(Provider, Provider.id == Slot.provider_id)
                .where(Provider.code == "dr_wang", Slot.modality == "clinic", Slot.starts_at > clock())
                .order_by(Slot.starts_at)
                .limit(3)
            )
        ).all()
    first, second, third = (s.id for s in slots)
    a, b = await _residents(any_sessionmaker, clock, 2)
    booking_id = await _try_book(any_sessionmaker, a, first, "bp_check", clock)
    assert await _try_book(any_sessionmaker, b, third, "bp_check", clock) is not None

    async with any_sessionmaker() as session:
        moved = await reschedule(session, resident_id=a, booking_id=booking_id, new_slot_id=second, clock=clock)
    assert await _count(any_sessionmaker, first) == (0, 0)
    assert await _count(any_sessionmaker, second) == (1, 1)

    # Moving onto a full slot changes nothing at all.
    async with any_sessionmaker() as session:
        with pytest.raises(SlotUnavailable):
            await reschedule(session, resident_id=a, booking_id=moved.id, new_slot_id=third, clock=clock)
    assert await _count(any_sessionmaker, second) == (1, 1)
    assert await _count(any_sessionmaker, third) == (1, 1)

    async def cancel_once() -> bool:
        async with any_sessionmaker() as session:
            try:
                await cancel(session, resident_id=a, booking_id=moved.id, clock=clock)
                return True
            except Exception:  # noqa: BLE001 - the loser of the race is refused
                return False

    outcomes = await asyncio.gather(*(cancel_once() for _ in range(4)))
    assert outcomes.count(True) == 1
    assert await _count(any_sessionmaker, second) == (0, 0)
