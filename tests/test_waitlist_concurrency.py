"""Waitlist hand-over under concurrency, on SQLite and PostgreSQL: a freed seat goes
to the first in line and to nobody else, a hold is taken or runs out exactly once,
and a session never overbooks. Every task has its own session, as in the bot."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import func, select, update

from actions import waitlist
from actions.booking import SlotUnavailable, book, cancel
from actions.care_config import load_care_config
from actions.models import Booking, GroupSession, Provider, SessionSignup, Slot, WaitlistEntry
from actions.sessions import SessionFull, cancel_signup, ensure_sessions, sign_up
from tests.conftest import TZ, make_resident, seed


async def _residents(sm, clock, n: int, start: int) -> list[int]:  # type: ignore[no-untyped-def]
    async with sm() as session:
        return [(await make_resident(session, start + i, clock)).id for i in range(n)]


async def _single_slot(sm, clock) -> Slot:  # type: ignore[no-untyped-def]
    async with sm() as session:
        return (
            await session.scalars(
                select(Slot).join(Provider, Provider.id == Slot.provider_id)
                .where(Provider.code == "dr_wang", Slot.capacity == 1, Slot.starts_at > clock() + timedelta(hours=2))
                .order_by(Slot.starts_at)
            )
        ).first()  # fmt: skip


async def _entries(sm, kind: str, target: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    async with sm() as session:
        rows = await session.execute(
            select(WaitlistEntry.resident_id, WaitlistEntry.status)
            .where(WaitlistEntry.target_kind == kind, WaitlistEntry.target_id == target)
            .order_by(WaitlistEntry.id)
        )
        return [(r, s) for r, s in rows.all()]


async def _slot_state(sm, slot_id: int) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    async with sm() as session:
        booked = await session.scalar(select(Slot.booked).where(Slot.id == slot_id))
        holders = (
            await session.scalars(
                select(Booking.resident_id).where(Booking.slot_id == slot_id, Booking.status.in_(("confirmed", "accepted")))
            )
        ).all()
        return int(booked or 0), sorted(holders)


async def test_a_freed_slot_goes_to_the_first_in_line_and_a_hold_ends_once(any_sessionmaker, clock) -> None:
    sm = any_sessionmaker
    await seed(sm, clock)
    slot = await _single_slot(sm, clock)
    owner, *waiters = await _residents(sm, clock, 4, 2000)
    others = await _residents(sm, clock, 10, 3000)
    async with sm() as session:
        taken = await book(session, resident_id=owner, slot_id=slot.id, service_code="bp_check", clock=clock)
    for resident in waiters:
        async with sm() as session:
            await waitlist.join(session, resident_id=resident, kind="slot", target_id=slot.id, clock=clock, service_code="bp_check")

    async def try_book(resident: int) -> bool:
        async with sm() as session:
            try:
                await book(session, resident_id=resident, slot_id=slot.id, service_code="bp_check", clock=clock)
                return True
            except SlotUnavailable:
                return False

    async def cancel_owner() -> None:
        async with sm() as session:
            await cancel(session, resident_id=owner, booking_id=taken.id, clock=clock)

    # The owner cancels while ten others try to book the very same slot.
    results = await asyncio.gather(cancel_owner(), *(try_book(r) for r in others))
    assert results[1:] == [False] * 10
    assert await _slot_state(sm, slot.id) == (1, [])  # the seat is held, not booked
    assert await _entries(sm, "slot", slot.id) == [(waiters[0], "offered"), (waiters[1], "waiting"), (waiters[2], "waiting")]

    # The hold runs out while the first in line taps "take" and two sweeps run.
    clock.advance(minutes=load_care_config().waitlist_hold_minutes + 1)

    async def take(resident: int, entry_id: int) -> bool:
        async with sm() as session:
            try:
                await waitlist.take_offer(session, entry_id=entry_id, resident_id=resident, clock=clock)
                return True
            except waitlist.OfferGone:
                return False

    async def sweep() -> int:
        async with sm() as session:
            return await waitlist.expire_holds(session, clock=clock)

    async with sm() as session:
        first_entry = await session.scalar(select(WaitlistEntry.id).where(WaitlistEntry.resident_id == waiters[0]))
        second_entry = await session.scalar(select(WaitlistEntry.id).where(WaitlistEntry.resident_id == waiters[1]))
    outcomes = await asyncio.gather(*(take(waiters[0], first_entry) for _ in range(3)), sweep(), sweep())
    assert outcomes[:3] == [False, False, False] and sorted(outcomes[3:]) == [0, 1]
    assert await _entries(sm, "slot", slot.id) == [(waiters[0], "expired"), (waiters[1], "offered"), (waiters[2], "waiting")]
    assert await _slot_state(sm, slot.id) == (1, [])

    # The second in line taps "take" five times at once: one booking, on the held seat.
    outcomes = await asyncio.gather(*(take(waiters[1], second_entry) for _ in range(5)))
    assert outcomes.count(True) == 1
    assert await _slot_state(sm, slot.id) == (1, [waiters[1]])
    assert await _entries(sm, "slot", slot.id) == [(waiters[0], "expired"), (waiters[1], "taken"), (waiters[2], "waiting")]


async def test_a_full_session_hands_freed_seats_to_the_line_and_never_overbooks(any_sessionmaker, clock) -> None:
    sm = any_sessionmaker
    await seed(sm, clock)
    async with sm() as session:
        await ensure_sessions(session, config=load_care_config(), start_day=clock().astimezone(TZ).date(), tz=TZ)
        group = await session.scalar(select(GroupSession).where(GroupSession.code == "diabetes_class").order_by(GroupSession.starts_at))
        await session.execute(update(GroupSession).where(GroupSession.id == group.id).values(capacity=2))
        await session.commit()
    seated = await _residents(sm, clock, 2, 4000)
    waiters = await _residents(sm, clock, 3, 4100)
    latecomers = await _residents(sm, clock, 10, 4200)
    signups = []
    for resident in seated:
        async with sm() as session:
            signups.append((await sign_up(session, session_id=group.id, resident_id=resident, clock=clock)).id)
    for resident in waiters:
        async with sm() as session:
            await waitlist.join(session, resident_id=resident, kind="session", target_id=group.id, clock=clock)

    async def leave(resident: int, signup_id: int) -> None:
        async with sm() as session:
            await cancel_signup(session, signup_id=signup_id, resident_id=resident, clock=clock)

    async def try_sign(resident: int) -> bool:
        async with sm() as session:
            with contextlib.suppress(SessionFull):
                await sign_up(session, session_id=group.id, resident_id=resident, clock=clock)
                return True
            return False

    results = await asyncio.gather(*(leave(r, s) for r, s in zip(seated, signups, strict=True)), *(try_sign(r) for r in latecomers))
    assert results[2:] == [False] * 10
    assert await _entries(sm, "session", group.id) == [(waiters[0], "offered"), (waiters[1], "offered"), (waiters[2], "waiting")]
    async with sm() as session:
        assert (await session.get(GroupSession, group.id)).booked == 2
        entry_ids = (await session.scalars(select(WaitlistEntry.id).order_by(WaitlistEntry.id))).all()
        # The second in line declines: the third is offered the seat at once.
        assert await waitlist.decline_offer(session, entry_id=entry_ids[1], resident_id=waiters[1], clock=clock)
    async with sm() as session:
        await waitlist.take_offer(session, entry_id=entry_ids[0], resident_id=waiters[0], clock=clock)
    assert await _entries(sm, "session", group.id) == [(waiters[0], "taken"), (waiters[1], "declined"), (waiters[2], "offered")]
    async with sm() as session:
        signed = await session.scalar(
            select(func.count()).select_from(SessionSignup).where(SessionSignup.session_id == group.id, SessionSignup.status == "signed")
        )
        assert signed == 1 and (await session.get(GroupSession, group.id)).booked == 2
