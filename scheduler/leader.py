"""One leader among the workers for the periodic jobs (agenda, ratings, escalation,
retention, care plans …). Every worker sends from the outbox, but the jobs that decide
what is due run on one worker at a time.

The leader holds a lease: a Redis key set with NX and an expiry that the holder keeps
renewing, or, without Redis, a PostgreSQL session advisory lock held on a connection of
its own (it goes when the process or its connection dies). A single process on SQLite
needs neither. When the leader dies, its lease runs out and another worker takes over
at its next attempt. The jobs are idempotent in any case (outbox rows carry dedupe
keys), so two leaders for a moment after a network split cost nothing but work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

LEADER_KEY = "jiayi:leader"
LEASE_SECONDS = 30.0
# An arbitrary number that names Jiayi's leader lock among the server's advisory locks.
ADVISORY_KEY = 0x4A49_4159  # "JIAY"

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Lease(Protocol):
    async def acquire(self) -> bool:
        """Takes the lease or renews it; True while this worker holds it."""
        ...

    async def release(self) -> None: ...


class LocalLease:
    """One process on its own (SQLite): always the leader."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class RedisLease:
    """SET NX PX with renewal: the holder's token is the value; only the holder may
    renew or delete it. A holder that cannot reach Redis counts itself out once its
    lease would have run out, since another worker may hold it by then."""

    def __init__(
        self,
        redis: Any,
        *,
        key: str = LEADER_KEY,
        ttl: float = LEASE_SECONDS,
        owner: str | None = None,
    ) -> None:
        self.redis = redis
        self.key = key
        self.ttl = ttl
        self.owner = owner or uuid.uuid4().hex
        self._held_until = 0.0

    async def acquire(self) -> bool:
        started = time.monotonic()
        try:
            held = bool(
                await self.redis.eval(_RENEW, 1, self.key, self.owner, int(self.ttl * 1000))
            )
        except Exception:
            # Redis unreachable: still ours only while the last renewal lasts.
            if time.monotonic() < self._held_until:
                return True
            raise
        self._held_until = started + self.ttl if held else 0.0
        return held

    async def release(self) -> None:
        self._held_until = 0.0
        with contextlib.suppress(Exception):
            await self.redis.eval(_RELEASE, 1, self.key, self.owner)


class PostgresLease:
    """A session-level advisory lock on a connection kept for it: held as long as the
    connection lives, so a dead worker's lock goes with its connection."""

    def __init__(self, engine: AsyncEngine, *, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: AsyncConnection | None = None
        self._held = False

    async def acquire(self) -> bool:
        try:
            if self._conn is None:
                self._conn = await self.engine.connect()
                # Autocommit: the lock belongs to the session, not to a transaction.
                await self._conn.execution_options(isolation_level="AUTOCOMMIT")
            if self._held:
                await self._conn.execute(text("SELECT 1"))
                return True
            self._held = bool(
                await self._conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            )
            return self._held
        except Exception:
            await self._drop()
            raise

    async def _drop(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def release(self) -> None:
        if self._conn is not None and self._held:
            with contextlib.suppress(Exception):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        await self._drop()


class FallbackLease:
    """Redis, and while Redis cannot be reached the database's lock (PostgreSQL's
    advisory lock; on SQLite, one process owns the database): the escalation of an
    undelivered emergency alert must not wait for Redis to come back."""

    def __init__(self, primary: Lease, fallback: Lease) -> None:
        self.primary = primary
        self.fallback = fallback
        self.on_fallback = False

    async def acquire(self) -> bool:
        try:
            held = await self.primary.acquire()
        except Exception:
            if not self.on_fallback:
                log.warning("leader lease: Redis unavailable; the database's lock decides")
            self.on_fallback = True
            return await self.fallback.acquire()
        if self.on_fallback:
            self.on_fallback = False
            await self.fallback.release()
        return held

    async def release(self) -> None:
        await self.primary.release()
        await self.fallback.release()


def choose_lease(*, redis: Any, engine: AsyncEngine | None) -> Lease:
    """Redis when configured, else PostgreSQL's advisory lock, else (SQLite, one
    process) none needed."""
    database: Lease = LocalLease()
    if engine is not None and engine.dialect.name == "postgresql":
        database = PostgresLease(engine)
    if redis is not None:
        return FallbackLease(RedisLease(redis), database)
    return database


class Leadership:
    """Keeps trying for the lease every third of its life; `is_leader` says whether
    this worker runs the periodic jobs now. `on_gained(first)` runs each time the lease
    is won: `first` is True when it was won at the first attempt (this worker started
    with nobody leading), False on a takeover."""

    def __init__(
        self, lease: Lease, *, every: float = LEASE_SECONDS / 3,
        on_gained: Callable[[bool], Awaitable[None]] | None = None,
    ) -> None:  # fmt: skip
        self.lease = lease
        self.every = every
        self.on_gained = on_gained
        self.is_leader = False
        self.attempts = 0
        self.terms = 0  # how often the lease was won
        self._task: asyncio.Task[None] | None = None
        self._warned_at = 0.0

    async def check(self) -> bool:
        self.attempts += 1
        try:
            held = await self.lease.acquire()
        except Exception as exc:
            held = False
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning(
                    "leader lease store unavailable (%s); the periodic jobs wait",
                    type(exc).__name__,
                )
        if held and not self.is_leader:
            self.is_leader = True
            self.terms += 1
            log.info("this worker now runs the periodic jobs")
            if self.on_gained is not None:
                try:
                    await self.on_gained(self.attempts == 1)
                except Exception:
                    log.exception("starting the periodic jobs after taking the lead failed")
        elif not held and self.is_leader:
            self.is_leader = False
            log.warning("this worker lost the lead; another runs the periodic jobs")
        return held

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            await self.check()

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.is_leader:
            self.is_leader = False
        await self.lease.release()
