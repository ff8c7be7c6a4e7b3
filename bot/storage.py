"""Conversation state in Redis that survives Redis going away: while Redis cannot be
reached the state is kept in memory, so that a resident in danger still gets the whole
emergency reply and a conversation is not cut off by an error."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
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
