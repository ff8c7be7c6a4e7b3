"""Shared fixtures: migrated databases (SQLite file, and a fresh PostgreSQL database per
test), Redis, a fixed clock in the community's zone, and small factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.clock import FixedClock
from actions.community import seed_demo
from actions.db import create_engine, create_sessionmaker, migrate
from actions.models import Resident

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in the community: the week ahead has every kind of hours.
MONDAY_8AM = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
POSTGRES_URL = os.environ.get("JIAYI_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("JIAYI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = bool(os.environ.get("CI"))


def unavailable(what: str, exc: BaseException) -> None:
    """Skip on a developer machine without the service; fail in CI, where it runs."""
    message = f"{what} is not reachable ({exc.__class__.__name__}: {exc})"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def tz() -> ZoneInfo:
    return TZ


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_8AM)


@pytest.fixture
async def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'jiayi.sqlite3'}"
    await migrate(url)
    return url


async def create_postgres_database() -> str:
    """A fresh, migrated database on the PostgreSQL server; drop it with
    drop_postgres_database."""
    import asyncpg

    parts = urlsplit(POSTGRES_URL.replace("+asyncpg", ""))
    name = f"jiayi_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(urlunsplit(parts), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", exc)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(parts._replace(scheme="postgresql+asyncpg", path=f"/{name}"))
    await migrate(url)
    return url


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    parts = urlsplit(POSTGRES_URL.replace("+asyncpg", ""))
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(parts))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    url = await create_postgres_database()
    yield url
    await drop_postgres_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request) -> str:  # type: ignore[no-untyped-def]
    """Both databases: behaviour that depends on the database runs on each."""
    return request.param


@pytest.fixture
async def sessionmaker(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(sqlite_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def any_sessionmaker(database: str, tmp_path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:  # type: ignore[no-untyped-def]
    if database == "postgres":
        url = await create_postgres_database()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'jiayi.sqlite3'}"
        await migrate(url)
    engine = create_engine(url)
    yield create_sessionmaker(engine)
    await engine.dispose()
    if database == "postgres":
        await drop_postgres_database(url)


async def seed(sm: async_sessionmaker[AsyncSession], clock: FixedClock) -> None:
    async with sm() as session:
        await seed_demo(session, clock=clock, tz=TZ, horizon_days=14)


async def make_resident(
    session: AsyncSession, telegram_id: int, clock: FixedClock, **fields: object
) -> Resident:
    values: dict[str, object] = {
        "telegram_id": telegram_id,
        "chat_id": telegram_id,
        "language": "zh",
        "consent_at": clock(),
        "name": f"居民{telegram_id}",
        "phone": "13800138000",
        "birth_year": 1950,
        "address": "和平里一区3号楼2单元501",
        "community": "hpl1",
        "priority_groups": [],
        "created_at": clock(),
    }
    values.update(fields)
    resident = Resident(**values)
    session.add(resident)
    await session.commit()
    return resident


@pytest.fixture
async def redis_client():  # type: ignore[no-untyped-def]
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not here"
        await client.aclose()
        unavailable("Redis", exc)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()
