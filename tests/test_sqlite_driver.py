"""The SQLite driver's trips: a transaction's BEGIN IMMEDIATE travels with its first
statement and still takes the write lock there; a transaction that ends before any
statement makes no trip at all."""

from __future__ import annotations

import sqlite3

import aiosqlite
import pytest
from sqlalchemy import select, text

from actions.db import create_engine, create_sessionmaker, migrate
from actions.models import Resident


@pytest.fixture
async def engine_and_path(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "jiayi.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    engine = create_engine(url)
    yield engine, path
    await engine.dispose()


def _count_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    trips: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips


async def test_a_transaction_holds_the_write_lock_from_its_first_statement(engine_and_path) -> None:  # type: ignore[no-untyped-def]
    engine, path = engine_and_path
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        async with create_sessionmaker(engine)() as session:
            assert (await session.execute(select(Resident.id))).all() == []
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            await session.commit()
        other.execute("BEGIN IMMEDIATE")  # free again once it ended
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_begin_goes_with_the_first_statement_and_an_empty_transaction_costs_nothing(
    engine_and_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    engine, _ = engine_and_path
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the pool's connection is made
        await conn.commit()
        trips = _count_trips(monkeypatch)
        await conn.begin()
        await conn.commit()
        await conn.begin()
        await conn.rollback()
        assert trips == []
        assert (await conn.execute(text("SELECT 2"))).scalar() == 2
        await conn.commit()
        assert trips == ["_run", "commit"]
        # The statement ran inside the transaction it began: a failed write rolls back.
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        await conn.commit()
        await conn.execute(text("INSERT INTO t VALUES (1)"))
        await conn.rollback()
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        await conn.commit()
