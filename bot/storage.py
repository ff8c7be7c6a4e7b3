"""Conversation state in Redis that survives Redis going away: while Redis cannot be
reached the state is kept in memory, so that a resident in danger still gets the whole
emergency reply and a conversation is not cut off by an error.

The same holds for event isolation: with several workers, one chat's updates are
handled one at a time through a lock in Redis (after a lock in the process, which
keeps them in arrival order within a worker); while Redis cannot be reached, only the
process's own lock is taken, so an update is never dropped or stuck waiting."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
UNAVAILABLE = (RedisError, OSError, TimeoutError)
WARN_EVERY_SECONDS = 60.0


class ResilientStorage(BaseStorage):
    def __init__(self, primary: BaseStorage, fallback: BaseStorage | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryStorage()
        self.failures = 0
        self._warned_at = 0.0

    def _failed(self, operation: str) -> None:
        self.failures += 1
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("conversation state store unavailable (%s); keeping state in memory", operation)

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        try:
            await self.primary.set_state(key, state)
        except UNAVAILABLE:
            self._failed("set_state")
            await self.fallback.set_state(key, state)

    async def get_state(self, key: StorageKey) -> str | None:
        try:
            return await self.primary.get_state(key)
        except UNAVAILABLE:
            self._failed("get_state")
            return await self.fallback.get_state(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        try:
            await self.primary.set_data(key, data)
        except UNAVAILABLE:
            self._failed("set_data")
            await self.fallback.set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        try:
            return await self.primary.get_data(key)
        except UNAVAILABLE:
            self._failed("get_data")
            return await self.fallback.get_data(key)

    async def close(self) -> None:
        with contextlib.suppress(*UNAVAILABLE):
            await self.primary.close()
        await self.fallback.close()


# A worker that died holding a chat's lock holds it at most `timeout` seconds; an update
# that waited `blocking_timeout` for it goes ahead anyway rather than being lost.
LOCK_KWARGS: dict[str, Any] = {"timeout": 60, "blocking_timeout": 90, "sleep": 0.02}


# The chats whose lock the running handler holds: an update it hands back to the
# routers for the same chat (a message replayed after "not an emergency") goes ahead
# inside that lock instead of waiting for it forever.
_held: contextvars.ContextVar[frozenset[StorageKey]] = contextvars.ContextVar("jiayi_chat_locks", default=frozenset())


class ResilientEventIsolation(BaseEventIsolation):
    """`shared` (RedisEventIsolation) across workers, inside a lock of this process;
    without `shared`, the process's lock alone. Re-entrant for the handler holding it."""

    def __init__(self, shared: BaseEventIsolation | None = None, local: BaseEventIsolation | None = None) -> None:
        self.shared = shared
        self.local = local or SimpleEventIsolation()
        self.failures = 0
        self._warned_at = 0.0

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        held_here = _held.get()
        if key in held_here:
            yield
            return
        token = _held.set(held_here | {key})
        try:
            async with self.local.lock(key):
                if self.shared is None:
                    yield
                    return
                async with self._shared_lock(key):
                    yield
        finally:
            _held.reset(token)

    @contextlib.asynccontextmanager
    async def _shared_lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        assert self.shared is not None
        held: contextlib.AbstractAsyncContextManager[None] | None = self.shared.lock(key)
        try:
            await held.__aenter__()  # type: ignore[union-attr]
        except UNAVAILABLE as exc:
            held = None
            self.failures += 1
            if time.monotonic() - self._warned_at >= WARN_EVERY_SECONDS:
                self._warned_at = time.monotonic()
                log.warning("chat lock store unavailable (%s); ordering updates in this worker only", type(exc).__name__)
        try:
            yield
        finally:
            if held is not None:
                # A lock that ran out or a store gone meanwhile: nothing to undo.
                with contextlib.suppress(*UNAVAILABLE):
                    await held.__aexit__(None, None, None)

    async def close(self) -> None:
        if self.shared is not None:
            with contextlib.suppress(*UNAVAILABLE):
                await self.shared.close()
        await self.local.close()


def build_isolation(redis: Any) -> BaseEventIsolation:
    """One chat's updates one at a time: across workers through Redis when it is
    configured (keys beside the conversation state's), else within this process."""
    if redis is None:
        return ResilientEventIsolation()
    from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisEventIsolation

    keys = DefaultKeyBuilder(prefix="jiayi:fsm", with_destiny=True)
    return ResilientEventIsolation(RedisEventIsolation(redis, key_builder=keys, lock_kwargs=LOCK_KWARGS))
