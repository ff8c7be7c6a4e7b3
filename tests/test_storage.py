"""Storage that behaviour depends on: migrations up and down on both databases, the
conversation state in real Redis (it survives a restart of the bot), slot holds in
Redis and in memory."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from actions.db import downgrade, migrate
from actions.holds import MemorySlotHolds, RedisSlotHolds
from tests.conftest import REDIS_URL, create_postgres_database, drop_postgres_database
from tests.harness import running_jiayi
from tests.test_e2e_booking import RESIDENT, onboard

TABLES = {"residents", "providers", "slots", "bookings", "contracts", "outbox", "ratings", "follow_ups", "web_logins"}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def test_migrations_go_up_and_down_on_sqlite_and_postgresql(tmp_path) -> None:
    sqlite = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    postgres = await create_postgres_database()
    try:
        for url in (sqlite, postgres):
            await migrate(url)
            assert await _tables(url) >= TABLES
            await downgrade(url, "0006")
            assert "web_logins" not in await _tables(url) and "proposals" in await _tables(url)
            await downgrade(url, "0001")
            assert "outbox" not in await _tables(url) and "bookings" in await _tables(url)
            await downgrade(url, "base")
            assert await _tables(url) == set()
            await migrate(url)
            assert await _tables(url) >= TABLES
    finally:
        await drop_postgres_database(postgres)


async def test_conversation_state_lives_in_redis_and_survives_a_restart(tmp_path, clock, redis_client) -> None:
    async with running_jiayi(tmp_path, clock, redis_url=REDIS_URL) as j:
        await onboard(j, RESIDENT, "zh")
        await j.tap(RESIDENT, "📅 预约服务")
        await j.tap(RESIDENT, "血压测量")
        keys = [k.decode() for k in await redis_client.keys("jiayi:fsm:*")]
        assert any(k.endswith(":state") for k in keys), keys
    # A new bot process on the same database and Redis: the resident's day choice works.
    async with running_jiayi(tmp_path, clock, redis_url=REDIS_URL) as j:
        j.api.user(RESIDENT, first_name="张阿姨")
        await j.do(j.api.tap_stale(RESIDENT, 1, "day:tomorrow"))
        assert "上午还是下午" in j.last_text(RESIDENT)


async def test_slot_holds_in_redis_and_in_memory(redis_client) -> None:
    for holds in (RedisSlotHolds(redis_client), MemorySlotHolds()):
        results = await asyncio.gather(*(holds.hold(42, resident, 60) for resident in range(10)))
        assert results.count(True) == 1
        winner = results.index(True)
        assert await holds.holder(42) == winner
        assert await holds.hold(42, winner, 60)  # a second tap keeps it
        await holds.release(42, (winner + 1) % 10)  # someone else cannot release it
        assert await holds.holder(42) == winner
        await holds.release(42, winner)
        assert await holds.holder(42) is None
    await redis_client.set(RedisSlotHolds.key(7), "5", ex=1)
    await asyncio.sleep(1.1)
    assert await RedisSlotHolds(redis_client).hold(7, 6, 60)  # an expired hold is free
