"""Engine, sessions and migrations."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from actions.sqlite_driver import one_trip_dbapi

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def ensure_private_dir(path: Path) -> None:
    """A directory only its owner can read: the state directory holds the database
    and the model caches."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except PermissionError:  # not ours to change (a shared mount): leave it
        pass


def ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            ensure_private_dir(Path(path).parent)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    # Parameters (names, phone numbers, the residents' own words) never appear in
    # SQL error messages or logs.
    if url.startswith("sqlite"):
        ensure_sqlite_dir(url)
        engine = create_async_engine(
            url, echo=echo, hide_parameters=True, connect_args={"timeout": 30}, module=one_trip_dbapi()
        )
        _tune_sqlite(engine)
    else:
        engine = create_async_engine(
            url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=20
        )
    _track_writes(engine)
    return engine


# Statements that neither change nor lock anything.
_READS = ("select", "begin", "pragma")
_LOCKING_READ = re.compile(r"\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b", re.I)
WROTE = "jiayi_wrote"


def _track_writes(engine: AsyncEngine) -> None:
    """Each connection knows whether its current transaction has written or locked
    anything (see `end_if_read_only`)."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _on_execute(connection, _cursor, statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
        head = statement.lstrip()[:6].lower()
        if not head.startswith(_READS) or (head == "select" and _LOCKING_READ.search(statement)):
            connection.info[WROTE] = True

    @event.listens_for(engine.sync_engine, "begin")
    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _on_end(connection):  # type: ignore[no-untyped-def]
        connection.info.pop(WROTE, None)


async def end_if_read_only(session: AsyncSession) -> bool:
    """Ends the session's transaction when it has only read: nothing written, nothing
    locked, nothing pending. Its objects stay loaded (`expire_on_commit=False`). On
    SQLite every transaction holds the one write lock (BEGIN IMMEDIATE) until it ends,
    so an update that reads and then waits on the Bot API would keep every other
    update waiting; on PostgreSQL the connection goes back to the pool sooner.
    True when it ended one."""
    if not session.in_transaction() or session.in_nested_transaction():
        return False
    if session.new or session.dirty or session.deleted:
        return False
    connection = await session.connection()
    if connection.info.get(WROTE):
        return False
    await session.commit()
    return True


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # WAL lets readers proceed while one writer books; foreign keys enforce the
        # cascades that deleting a resident's data relies on.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # SQLAlchemy, not the driver, starts transactions (see below).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY when another writer got in between; IMMEDIATE takes the write lock
        # up front and waits its turn (busy_timeout), so concurrent bookings queue.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(url: str, revision: str) -> None:
    command.upgrade(alembic_config(url), revision)


def _downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


# Names the lock that workers starting at the same time take turns on.
STARTUP_LOCK_KEY = 0x4A49_5354  # "JIST"


class StartupTurn:
    """This process's turn at migrating and filling the database; `release` ends it."""

    def __init__(self, engine: AsyncEngine | None = None, conn: AsyncConnection | None = None) -> None:
        self.engine = engine
        self.conn = conn

    async def release(self) -> None:
        if self.conn is not None:
            try:
                await self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": STARTUP_LOCK_KEY})
            finally:
                await self.conn.close()
                self.conn = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None


async def startup_turn(url: str) -> StartupTurn:
    """On PostgreSQL, waits until no other process is migrating or filling the
    database (several workers started at once would otherwise race to create the same
    tables and slots); elsewhere, one process owns the database and nothing waits."""
    if not url.startswith("postgresql"):
        return StartupTurn()
    engine = create_async_engine(url, poolclass=NullPool)
    conn = await engine.connect()
    await conn.execution_options(isolation_level="AUTOCOMMIT")
    await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": STARTUP_LOCK_KEY})
    return StartupTurn(engine, conn)


async def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`. Alembic drives its own event loop for async
    engines, so it runs in a worker thread."""
    ensure_sqlite_dir(url)
    await asyncio.to_thread(_upgrade, url, revision)
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[-1])
        if path.name != ":memory:" and path.exists():
            path.chmod(0o600)


async def downgrade(url: str, revision: str = "base") -> None:
    await asyncio.to_thread(_downgrade, url, revision)
