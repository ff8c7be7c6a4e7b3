"""Several webhook workers sharing PostgreSQL and Redis: the leader lease for the
periodic jobs (takeover when the leader is gone), one chat's updates one at a time
across workers (and still handled while Redis is away), notices for a busy provider
merged into one digest, and real `jiayi run` processes behind two ports fed a burst
of updates by a stand-in Bot API."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from sqlalchemy import select

from actions.callbacks import request_callback
from actions.db import create_engine
from actions.emergency import record_emergency
from actions.models import Outbox, Provider, Resident
from bot.storage import LOCK_KWARGS, ResilientEventIsolation, build_isolation
from scheduler.leader import Leadership, PostgresLease, RedisLease
from scheduler.outbox import enqueue, message
from tests.conftest import (
    REDIS_URL,
    create_postgres_database,
    drop_postgres_database,
    unavailable,
)
from tests.harness import running_jiayi
from tests.test_care_loop import DOCTOR, link, quick_booking
from tests.test_webhook import _free_port

pytestmark = pytest.mark.postgres

# The workers' own Redis database, apart from the other tests' (conftest uses 15).
WORKERS_REDIS_URL = os.environ.get(
    "JIAYI_TEST_WORKERS_REDIS_URL", urlunsplit(urlsplit(REDIS_URL)._replace(path="/9"))
)


@pytest.fixture
async def redis() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(WORKERS_REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not here"
        await client.aclose()
        unavailable("Redis", exc)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def _until(condition: Any, timeout: float = 30.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(every)


# ----------------------------------------------------------------------------- the lease


async def test_one_leader_through_redis_and_a_takeover_when_it_dies(redis) -> None:
    first = RedisLease(redis, ttl=1.0)
    second = RedisLease(redis, ttl=1.0)
    assert await first.acquire()
    assert not await second.acquire()
    assert await first.acquire()  # renewed by its holder
    assert not await second.acquire()
    # The leader dies: it stops renewing; once its lease ran out the other takes over.
    await _until(second.acquire, timeout=10)
    assert not await first.acquire()  # and the old one knows it is out
    # A leader that stops cleanly hands over at once.
    await second.release()
    assert await first.acquire()
    await first.release()


async def test_leadership_runs_on_gained_once_per_term_and_steps_down(redis) -> None:
    gained: list[bool] = []

    async def on_gained(first: bool) -> None:
        gained.append(first)

    a = Leadership(RedisLease(redis, ttl=1.0), every=0.2, on_gained=on_gained)
    b = Leadership(RedisLease(redis, ttl=1.0), every=0.2, on_gained=on_gained)
    await a.start()
    await b.start()
    try:
        assert a.is_leader and not b.is_leader and gained == [True]
        for _ in range(3):
            await a.check()
            await b.check()
        assert a.is_leader and not b.is_leader and gained == [True]  # renewals are not new terms
        await a.stop()  # a worker shut down
        await _until(lambda: _true(b.is_leader), timeout=10)
        assert gained == [True, False]  # b took over (not its first attempt)
    finally:
        await a.stop()
        await b.stop()


async def _true(value: bool) -> bool:
    return value


async def test_without_redis_the_lead_is_a_postgres_advisory_lock_that_dies_with_its_worker() -> (
    None
):
    url = await create_postgres_database()
    one, two = create_engine(url), create_engine(url)
    try:
        first, second = PostgresLease(one), PostgresLease(two)
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.acquire()
        # The leader's process dies: its connection goes, and the lock with it.
        await one.dispose()
        assert first._conn is not None
        await first._conn.invalidate()
        await _until(second.acquire, timeout=10)
        await second.release()
    finally:
        await one.dispose()
        await two.dispose()
        await drop_postgres_database(url)


# ----------------------------------------------------------------------- event isolation


async def test_one_chats_updates_are_handled_one_at_a_time_across_workers(redis) -> None:
    from redis.asyncio import Redis

    other = Redis.from_url(WORKERS_REDIS_URL)  # a second worker's own connection
    workers = [build_isolation(redis), build_isolation(other)]
    key = StorageKey(bot_id=1, chat_id=42, user_id=42)
    inside: list[int] = []
    overlaps = 0
    log: list[tuple[str, int]] = []

    async def handle(n: int) -> None:
        nonlocal overlaps
        async with workers[n % 2].lock(key):
            inside.append(n)
            overlaps += len(inside) > 1
            log.append(("in", n))
            await asyncio.sleep(0.01)
            log.append(("out", n))
            inside.remove(n)

    try:
        await asyncio.gather(*(handle(n) for n in range(12)))
    finally:
        await other.aclose()
    assert overlaps == 0
    assert all(
        log[i][0] == "in" and log[i + 1] == ("out", log[i][1]) for i in range(0, len(log), 2)
    )
    assert not await redis.keys("jiayi:fsm:*lock*")  # every lock released


async def test_isolation_goes_on_in_the_worker_while_redis_is_away() -> None:
    from redis.asyncio import Redis

    gone = Redis.from_url(f"redis://127.0.0.1:{_free_port()}/0", socket_connect_timeout=0.5)
    isolation = build_isolation(gone)
    assert isinstance(isolation, ResilientEventIsolation)
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    order: list[int] = []

    async def handle(n: int) -> None:
        async with isolation.lock(key):
            order.append(n)
            await asyncio.sleep(0.01)
            order.append(n)

    await asyncio.wait_for(asyncio.gather(*(handle(n) for n in range(5))), 30)
    # Still one at a time, in arrival order, within the worker.
    assert order == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert isolation.failures == 5
    await isolation.close()
    await gone.aclose()


async def test_a_lock_lost_meanwhile_does_not_fail_the_update(redis) -> None:
    isolation = ResilientEventIsolation(
        RedisEventIsolation(redis, lock_kwargs={**LOCK_KWARGS, "timeout": 0.2})
    )
    key = StorageKey(bot_id=1, chat_id=8, user_id=8)
    async with isolation.lock(key):
        await asyncio.sleep(0.4)  # the lock ran out while the update was handled
    async with isolation.lock(key):
        pass


# ---------------------------------------------------------------------------- the digest


async def _doctor_rows(j: Any) -> list[Outbox]:
    async with j.app.deps.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(Outbox).where(Outbox.chat_id == DOCTOR).order_by(Outbox.id)
                )
            ).all()
        )


async def test_notices_for_a_busy_doctor_come_as_one_digest_and_emergencies_alone(
    tmp_path, clock, redis
) -> None:
    url = await create_postgres_database()
    try:
        async with running_jiayi(
            tmp_path, clock, database_url=url, redis_url=WORKERS_REDIS_URL
        ) as j:
            await link(j, DOCTOR, "dr_wang")
            await j.dispatch()
            # One notice on its own keeps its buttons.
            first = await quick_booking(j, telegram_id=701)
            mark = j.api.mark()
            assert await j.dispatch() == 1
            single = j.api.since(mark, DOCTOR)
            assert len(single) == 1 and f"#{first}" in single[0].text and single[0].buttons()

            # A busy morning: three bookings, a call-back and an emergency wait for Dr Wang.
            bookings = [await quick_booking(j, telegram_id=t) for t in (702, 703, 704)]
            deps = j.app.deps
            async with deps.sessionmaker() as session:
                resident = (
                    await session.scalars(select(Resident).where(Resident.telegram_id == 702))
                ).one()
                await request_callback(session, resident_id=resident.id, reason="contact", clock=deps.clock,
                                       notifier=deps.notifier)  # fmt: skip
                alert = await record_emergency(session, resident_id=resident.id, urgency="emergency",
                                               category="chest_pain", channel="text", clock=deps.clock)  # fmt: skip
                await deps.notifier.emergency_raised(session, alert.event_id, words="胸口疼")
            assert len([r for r in await _doctor_rows(j) if r.status == "pending"]) == 5
            mark = j.api.mark()
            assert await j.dispatch() == 5
            sent = j.api.since(mark, DOCTOR)
            # The emergency first and alone; then one digest with the four others whole.
            assert len(sent) == 2
            assert (
                "急症" in sent[0].text and "胸口疼" in sent[0].text and "合并" not in sent[0].text
            )
            digest = sent[1].text or ""
            assert digest.startswith("📋 您有 4 条新通知")
            assert (
                "回电" in digest.split("── 第 1/4 条 ──")[1].split("── 第 2/4 条 ──")[0]
            )  # call-back first
            for booking_id in bookings:
                assert f"新预约 #{booking_id}" in digest
            assert "想量个血压" in digest and "/agenda" in digest and "/web" in digest
            assert sent[1].buttons() == []
            assert all(r.status == "sent" for r in await _doctor_rows(j))
            assert j.app.care_loop.dispatcher.stats.merged == 4

            # In the doctor's language.
            async with deps.sessionmaker() as session:
                wang = (
                    await session.scalars(select(Provider).where(Provider.code == "dr_wang"))
                ).one()
                wang.language = "en"
                await session.commit()
                for n in range(2):
                    await enqueue(session, kind="followup_call", chat_id=DOCTOR, recipient_kind="provider",
                                  payload=message(f"call {n}", [[("done", "x")]]), due_at=deps.clock(), now=deps.clock())  # fmt: skip
                await session.commit()
            mark = j.api.mark()
            assert await j.dispatch() == 2
            (digest_en,) = j.api.since(mark, DOCTOR)
            assert (digest_en.text or "").startswith("📋 2 new notices for you")
            assert "── 1/2 ──\ncall 0" in (digest_en.text or "") and "── 2/2 ──\ncall 1" in (
                digest_en.text or ""
            )
    finally:
        await drop_postgres_database(url)


async def test_a_very_long_digest_is_split_below_telegrams_limit(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link(j, DOCTOR, "dr_wang")
        await j.dispatch()
        deps = j.app.deps
        async with deps.sessionmaker() as session:
            for n in range(12):
                await enqueue(session, kind="provider_cancelled", chat_id=DOCTOR, recipient_kind="provider",
                              payload=message(f"notice {n} " + "字" * 600), due_at=deps.clock(), now=deps.clock())  # fmt: skip
            await session.commit()
        mark = j.api.mark()
        assert await j.dispatch() == 12
        sent = j.api.since(mark, DOCTOR)
        assert 1 < len(sent) < 12
        assert all(len(s.text or "") < 4096 for s in sent)
        joined = "\n".join(s.text or "" for s in sent)
        assert all(f"notice {n} " in joined for n in range(12))
        assert [int(m) for m in re.findall(r"第 (\d+)/12 条", joined)] == list(range(1, 13))
