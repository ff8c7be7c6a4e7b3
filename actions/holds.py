"""Short slot holds while a resident reads back and confirms.

A hold only keeps a seat off other residents' offers for a few minutes; the booking
itself is safe without it (the database decides). A slot with several seats (a
vaccination session) can be held by as many residents at once as it has free seats,
so one resident reading back never blocks the others. Each hold is one atomic step:
in Redis a Lua script, in memory a lock."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis

HOLD_KEY = "jiayi:hold:slot:{slot_id}"

# KEYS[1]: a sorted set of resident ids scored by when their hold ends.
# ARGV: resident, now (ms), ttl (ms), seats. Expired holds are dropped; a resident
# already holding refreshes the expiry; otherwise a free seat is taken if one is left.
_HOLD = """
local key, who = KEYS[1], ARGV[1]
local now, ttl, seats = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local kind = redis.call('type', key)['ok']
if kind ~= 'zset' and kind ~= 'none' then redis.call('del', key) end
redis.call('zremrangebyscore', key, '-inf', now)
if redis.call('zscore', key, who) or redis.call('zcard', key) < seats then
  redis.call('zadd', key, now + ttl, who)
  local longest = redis.call('zrange', key, -1, -1, 'WITHSCORES')
  redis.call('pexpireat', key, math.floor(tonumber(longest[2])))
  return 1
end
return 0
"""

# Only the resident's own hold is released: a hold that expired and was taken by
# someone else is not touched.
_RELEASE = """
if redis.call('type', KEYS[1])['ok'] ~= 'zset' then return 0 end
return redis.call('zrem', KEYS[1], ARGV[1])
"""

_HOLDERS = """
if redis.call('type', KEYS[1])['ok'] ~= 'zset' then return {} end
redis.call('zremrangebyscore', KEYS[1], '-inf', tonumber(ARGV[1]))
return redis.call('zrange', KEYS[1], 0, -1)
"""


class SlotHolds(Protocol):
    async def hold(self, slot_id: int, resident_id: int, ttl_s: int, seats: int = 1) -> bool: ...

    async def release(self, slot_id: int, resident_id: int) -> None: ...

    async def holders(self, slot_id: int) -> set[int]: ...

    async def holder(self, slot_id: int) -> int | None: ...


class RedisSlotHolds:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._hold = redis.register_script(_HOLD)
        self._release = redis.register_script(_RELEASE)
        self._holders = redis.register_script(_HOLDERS)

    @staticmethod
    def key(slot_id: int) -> str:
        return HOLD_KEY.format(slot_id=slot_id)

    @staticmethod
    def _now_ms() -> int:
        return int(time.time() * 1000)

    async def hold(self, slot_id: int, resident_id: int, ttl_s: int, seats: int = 1) -> bool:
        held = await self._hold(
            keys=[self.key(slot_id)], args=[str(resident_id), self._now_ms(), ttl_s * 1000, max(1, seats)]
        )
        return bool(held)

    async def release(self, slot_id: int, resident_id: int) -> None:
        await self._release(keys=[self.key(slot_id)], args=[str(resident_id)])

    async def holders(self, slot_id: int) -> set[int]:
        members = await self._holders(keys=[self.key(slot_id)], args=[self._now_ms()])
        return {int(m) for m in members}

    async def holder(self, slot_id: int) -> int | None:
        found = await self.holders(slot_id)
        return min(found) if found else None


class MemorySlotHolds:
    """For a single process without Redis."""

    def __init__(self, monotonic=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._holds: dict[int, dict[int, float]] = {}
        self._lock = asyncio.Lock()
        self._now = monotonic

    def _live(self, slot_id: int) -> dict[int, float]:
        now = self._now()
        live = {r: until for r, until in self._holds.get(slot_id, {}).items() if until > now}
        if live:
            self._holds[slot_id] = live
        else:
            self._holds.pop(slot_id, None)
        return live

    async def hold(self, slot_id: int, resident_id: int, ttl_s: int, seats: int = 1) -> bool:
        async with self._lock:
            live = self._live(slot_id)
            if resident_id not in live and len(live) >= max(1, seats):
                return False
            live[resident_id] = self._now() + ttl_s
            self._holds[slot_id] = live
            return True

    async def release(self, slot_id: int, resident_id: int) -> None:
        async with self._lock:
            live = self._live(slot_id)
            live.pop(resident_id, None)
            if not live:
                self._holds.pop(slot_id, None)

    async def holders(self, slot_id: int) -> set[int]:
        return set(self._live(slot_id))

    async def holder(self, slot_id: int) -> int | None:
        live = self._live(slot_id)
        return min(live) if live else None
