"""Short slot holds while a resident reads back and confirms.

A hold only keeps a slot off other residents' offers for a few minutes; the booking
itself is safe without it (the database decides)."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis

HOLD_KEY = "jiayi:hold:slot:{slot_id}"

# Delete the key only when it still holds our value: a hold that expired and was taken
# by someone else must not be released by us.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class SlotHolds(Protocol):
    async def hold(self, slot_id: int, resident_id: int, ttl_s: int) -> bool: ...

    async def release(self, slot_id: int, resident_id: int) -> None: ...

    async def holder(self, slot_id: int) -> int | None: ...


class RedisSlotHolds:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._release = redis.register_script(_RELEASE)

    @staticmethod
    def key(slot_id: int) -> str:
        return HOLD_KEY.format(slot_id=slot_id)

    async def hold(self, slot_id: int, resident_id: int, ttl_s: int) -> bool:
        key = self.key(slot_id)
        if await self.redis.set(key, str(resident_id), nx=True, ex=ttl_s):
            return True
        # Holding it already (a second tap) counts as holding it; refresh the expiry.
        current = await self.redis.get(key)
        if current is not None and int(current) == resident_id:
            await self.redis.expire(key, ttl_s)
            return True
        return False

    async def release(self, slot_id: int, resident_id: int) -> None:
        await self._release(keys=[self.key(slot_id)], args=[str(resident_id)])

    async def holder(self, slot_id: int) -> int | None:
        value = await self.redis.get(self.key(slot_id))
        return int(value) if value is not None else None


class MemorySlotHolds:
    """For a single process without Redis."""

    def __init__(self, monotonic=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._holds: dict[int, tuple[int, float]] = {}
        self._lock = asyncio.Lock()
        self._now = monotonic

    async def hold(self, slot_id: int, resident_id: int, ttl_s: int) -> bool:
        async with self._lock:
            current = self._holds.get(slot_id)
            if current and current[1] > self._now() and current[0] != resident_id:
                return False
            self._holds[slot_id] = (resident_id, self._now() + ttl_s)
            return True

    async def release(self, slot_id: int, resident_id: int) -> None:
        async with self._lock:
            current = self._holds.get(slot_id)
            if current and current[0] == resident_id:
                del self._holds[slot_id]

    async def holder(self, slot_id: int) -> int | None:
        current = self._holds.get(slot_id)
        if current and current[1] > self._now():
            return current[0]
        return None
