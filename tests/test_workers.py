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

import aiohttp
import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from sqlalchemy import select

from actions.callbacks import request_callback
from actions.db import create_engine
from actions.emergency import record_emergency
from actions.models import Outbox, Provider, Resident
from bot.sandbox.botapi import LocalBotAPI
from bot.storage import LOCK_KWARGS, ResilientEventIsolation, build_isolation
from scheduler.leader import FallbackLease, Leadership, PostgresLease, RedisLease, choose_lease
from scheduler.outbox import enqueue, message
from tests.conftest import (
    REDIS_URL,
    create_postgres_database,
    drop_postgres_database,
    make_resident,
    unavailable,
)
from tests.harness import SHARED_NLU_CACHE, running_jiayi
from tests.test_care_loop import DOCTOR, link, quick_booking
from tests.test_webhook import _env, _free_port, _private, _run_jiayi, _wait_for_port

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


async def test_while_redis_is_away_the_database_lock_decides_who_leads() -> None:
    from redis.asyncio import Redis

    url = await create_postgres_database()
    one, two = create_engine(url), create_engine(url)
    gone = Redis.from_url(f"redis://127.0.0.1:{_free_port()}/0", socket_connect_timeout=0.5)
    try:
        first, second = choose_lease(redis=gone, engine=one), choose_lease(redis=gone, engine=two)
        assert isinstance(first, FallbackLease)
        assert await first.acquire()
        assert not await second.acquire()
        assert first.on_fallback and second.on_fallback
        await first.release()
        assert await second.acquire()
        await second.release()
    finally:
        await gone.aclose()
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


async def test_an_update_replayed_by_its_own_handler_does_not_wait_for_itself(redis) -> None:
    """After "not an emergency" the handler hands the resident's message back to the
    routers, for the same chat, while it holds the chat's lock."""
    key = StorageKey(bot_id=1, chat_id=9, user_id=9)
    for isolation in (build_isolation(redis), build_isolation(None)):
        steps: list[str] = []

        async def handler(depth: int, isolation: Any = isolation, steps: list[str] = steps) -> None:
            async with isolation.lock(key):
                steps.append(f"in {depth}")
                if depth == 0:
                    await handler(1)
                steps.append(f"out {depth}")

        await asyncio.wait_for(handler(0), 10)
        assert steps == ["in 0", "in 1", "out 1", "out 0"]
        # And another update of that chat still waits its turn afterwards.
        await asyncio.wait_for(asyncio.gather(handler(1), handler(1)), 10)


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
                for n in range(3):
                    await enqueue(session, kind="followup_call", chat_id=DOCTOR, recipient_kind="provider",
                                  payload=message(f"call {n}", [[("done", "x")]]), due_at=deps.clock(), now=deps.clock())  # fmt: skip
                await session.commit()
            mark = j.api.mark()
            assert await j.dispatch() == 3
            (digest_en,) = j.api.since(mark, DOCTOR)
            text = digest_en.text or ""
            assert text.startswith("📋 3 new notices for you") and "/agenda" in text
            assert all(f"── {n + 1}/3 ──\ncall {n}" in text for n in range(3))

            # Two notices go out singly, each with its buttons.
            async with deps.sessionmaker() as session:
                for n in range(2):
                    await enqueue(session, kind="followup_call", chat_id=DOCTOR, recipient_kind="provider",
                                  payload=message(f"pair {n}", [[("done", "x")]]), due_at=deps.clock(), now=deps.clock())  # fmt: skip
                await session.commit()
            mark = j.api.mark()
            assert await j.dispatch() == 2
            pair = j.api.since(mark, DOCTOR)
            assert sorted(s.text or "" for s in pair) == ["pair 0", "pair 1"] and all(
                s.buttons() == ["done"] for s in pair
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


# ------------------------------------------------------------------- real worker processes

SECRET = "workers-test-secret-0123456789"
TOKEN = "123456:workers-test-token"
CHATS = [8101, 8102, 8103, 8104, 8105, 8106]
COMMANDS = ["/help", "/bookings", "/doctor", "/settings"]


def _worker_env(tmp_path: Any, n: int, port: int, api: LocalBotAPI, url: str) -> dict[str, str]:
    return _env(
        BOT_TOKEN=TOKEN, WEBHOOK_URL="https://example.invalid/base", WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port), TELEGRAM_API_BASE=api.base_url,
        STATE_DIR=str(tmp_path / f"worker{n}"), NLU_CACHE_DIR=str(SHARED_NLU_CACHE), LOG_LEVEL="WARNING",
        WEB_ENABLED="false", DATABASE_URL=url, REDIS_URL=WORKERS_REDIS_URL,
        # No speech models in these workers: voice notes are not what is tested here.
        VOICE_ENGINE_ZH="azure", VOICE_ENGINE_EN="azure",
        USER_MESSAGES_PER_MINUTE="1000", USER_TAPS_PER_MINUTE="1000",
    )  # fmt: skip


async def _metrics(http: aiohttp.ClientSession, port: int) -> dict[str, float]:
    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
        text = await response.text()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(
            ("jiayi_leader", "jiayi_periodic_runs_total", "jiayi_outbox_sends_total")
        ):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


async def _empty_postgres_database() -> str:
    import asyncpg

    url = await create_postgres_database()  # reachable, or skipped; then emptied
    parts = urlsplit(url.replace("+asyncpg", ""))
    conn = await asyncpg.connect(urlunsplit(parts))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    return url


async def _stop(process: asyncio.subprocess.Process) -> bytes:
    if process.returncode is None:
        process.terminate()
    try:
        _, err = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        _, err = await process.communicate()
    return err or b""


async def test_two_webhook_workers_share_postgres_and_redis_without_duplicates(
    tmp_path, redis
) -> None:
    from actions.clock import system_clock
    from actions.db import create_sessionmaker

    # A new, empty database: the two workers start together and take turns creating it.
    url = await _empty_postgres_database()
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    api = LocalBotAPI(bot_id=123456)
    await api.start()
    ports = [_free_port(), _free_port()]
    workers = await asyncio.gather(
        *(_run_jiayi(_worker_env(tmp_path, n, p, api, url)) for n, p in enumerate(ports))
    )
    try:
        await asyncio.gather(*(_wait_for_port(p, w) for p, w in zip(ports, workers, strict=True)))
        async with sessionmaker() as session:
            for chat in [*CHATS, 8199]:
                await make_resident(session, chat, system_clock, name=f"居民{chat}")  # type: ignore[arg-type]
        async with aiohttp.ClientSession() as http:
            update_ids = iter(range(1, 10_000))

            async def post(port: int, chat: int, text: str) -> None:
                update = _private(next(update_ids), chat=chat, sender=chat, text=text)
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(
                    f"http://127.0.0.1:{port}/webhook", json=update, headers=headers
                ) as response:
                    assert response.status == 200

            # What each command answers (the first line), asked once of one worker.
            expected: list[str] = []
            for command in COMMANDS:
                mark = api.mark()
                await post(ports[0], 8199, command)
                reply = await api.wait_for(
                    8199, lambda s, m=mark: api.sent_log.index(s) >= m, timeout=30
                )
                expected.append((reply.text or "").split("\n")[0])
            assert len(set(expected)) == len(COMMANDS), expected

            # A burst: every chat at once, each chat's updates alternating between the workers.
            mark = api.mark()

            async def conversation(index: int, chat: int) -> None:
                for k, command in enumerate(COMMANDS):
                    await post(ports[(index + k) % 2], chat, command)
                    await _until(
                        lambda c=chat, n=k + 1: _true(len(api.since(mark, c)) >= n),
                        timeout=60,
                        every=0.05,
                    )

            await asyncio.gather(*(conversation(i, chat) for i, chat in enumerate(CHATS)))
            await asyncio.sleep(1)  # anything sent twice would arrive now
            for chat in CHATS:
                replies = [(s.text or "").split("\n")[0] for s in api.since(mark, chat)]
                assert replies == expected, (chat, replies)

            # The outbox: rows written at once are each sent once, whichever worker claims them.
            async with sessionmaker() as session:
                for n in range(40):
                    await enqueue(session, kind="booking_update", chat_id=CHATS[n % len(CHATS)], recipient_kind="resident",
                                  payload=message(f"outbox row {n}"), due_at=system_clock(), now=system_clock())  # fmt: skip
                await session.commit()

            def outbox_texts() -> list[str]:
                return [
                    s.text or "" for s in api.sent_log if (s.text or "").startswith("outbox row ")
                ]

            await _until(lambda: _true(len(outbox_texts()) >= 40), timeout=90)
            await asyncio.sleep(3)  # two more dispatch ticks on each worker
            assert sorted(outbox_texts()) == sorted(f"outbox row {n}" for n in range(40))
            async with sessionmaker() as session:
                statuses = (
                    await session.scalars(
                        select(Outbox.status).where(Outbox.kind == "booking_update")
                    )
                ).all()
            assert set(statuses) == {"sent"}

            # The periodic jobs: one leader runs them; the other worker runs none.
            async def leader_ran() -> bool:
                seen = [await _metrics(http, p) for p in ports]
                return any(m.get('jiayi_periodic_runs_total{job="escalate"}', 0) >= 1 for m in seen)

            await _until(leader_ran, timeout=60)
            seen = [await _metrics(http, p) for p in ports]
            leaders = [n for n, m in enumerate(seen) if m.get("jiayi_leader") == 1.0]
            assert len(leaders) == 1, seen
            leader, follower = leaders[0], 1 - leaders[0]
            assert not any(
                k.startswith("jiayi_periodic_runs_total") and v > 0
                for k, v in seen[follower].items()
            ), seen
            # Between them, each outbox row was sent once (none twice, none skipped).
            assert sum(m.get('jiayi_outbox_sends_total{result="sent"}', 0) for m in seen) == 40, (
                seen
            )

            # The leader stops: the other takes over and runs the jobs.
            err = await _stop(workers[leader])
            assert b"Traceback" not in err, err.decode()[-2000:]

            async def took_over() -> bool:
                m = await _metrics(http, ports[follower])
                return (
                    m.get("jiayi_leader") == 1.0
                    and m.get('jiayi_periodic_runs_total{job="escalate"}', 0) >= 1
                )

            await _until(took_over, timeout=60)
    finally:
        errors = [await _stop(w) for w in workers]
        await api.stop()
        await engine.dispose()
        await drop_postgres_database(url)
    for err in errors:
        assert b"Traceback" not in err, err.decode()[-3000:]


async def test_a_takeover_runs_the_daily_jobs_whose_time_passed_and_a_first_start_does_not(
    tmp_path,
) -> None:
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from actions.clock import system_clock
    from actions.config import load_settings
    from scheduler.runner import INTERVAL_JOBS, CareLoop

    settings = load_settings(_env_file=None, state_dir=tmp_path)  # type: ignore[call-arg]
    ten_minutes_ago = (datetime.now(settings.tz) - timedelta(minutes=10)).time()
    settings = load_settings(
        _env_file=None, state_dir=tmp_path, agenda_local_time=ten_minutes_ago.strftime("%H:%M")
    )  # type: ignore[call-arg]
    deps = SimpleNamespace(
        settings=settings, sessionmaker=None, clock=system_clock, tz=settings.tz, notifier=None
    )
    loop = CareLoop(deps, bot=None)  # type: ignore[arg-type]
    await loop.start()
    try:
        assert loop.leadership.is_leader  # SQLite, one process: the local lease
        # A first start leaves a daily job whose time passed to tomorrow.
        assert loop.scheduler.get_job("agenda:catch-up") is None
        loop.scheduler.pause()
        await loop._took_lead(False)  # a takeover
        catch_up = loop.scheduler.get_job("agenda:catch-up")
        assert catch_up is not None  # the agenda, due ten minutes ago, is sent now
        now = datetime.now(settings.tz)
        for job_id in INTERVAL_JOBS:
            next_run = loop.scheduler.get_job(job_id).next_run_time
            assert next_run <= now + timedelta(seconds=1), job_id
    finally:
        await loop.shutdown()
