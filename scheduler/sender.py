"""Sending outbox rows through the Bot API within Telegram's limits: about 30 messages
a second overall and one a second per chat. The limits come from the `limits` library
(moving windows, per key), kept in Redis when it is configured so that several
processes share one budget. A chat that must wait waits on its own: other chats go on.

A 429 waits `retry_after` and retries. Emergency alerts and call-backs are retried
until delivered, whatever the error. Other rows are retried with back-off and given up
only after a configurable horizon (or at once on a 403 or 400), and then the staff are
told. A dispatcher keeps extending the lease on the rows it claimed while it sends, so
no other instance takes them over.

Several notices waiting for one provider's or the staff's chat (new bookings,
cancellations, call-back requests for one busy family doctor) go out as one digest
instead of one a second each, so the last is not minutes late; the digest is rendered
by the `merge` hook the composition root gives (the texts live with the bot).
Emergencies are never merged: each goes out on its own, first."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.clock import Clock
from actions.family import receives_copies
from actions.models import Outbox
from actions.residents import mark_unreachable
from scheduler.outbox import (
    EMERGENCY,
    LEASE,
    NEVER_GIVE_UP,
    backoff,
    claim_due,
    extend_lease,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_withdrawn,
)

log = logging.getLogger(__name__)

TELEGRAM_LIMIT_PER_SECOND = 30
# A little below Telegram's limit: requests leave in bursts and arrive with jitter.
GLOBAL_PER_SECOND = 25
PER_CHAT_SECONDS = 1
PAUSE_KEY = "jiayi:send:paused_until"


class LocalLimitsStorage(MemoryStorage):
    """limits' in-process storage with cheaper upkeep. Its own pruning of expired
    entries starts again after every hit as soon as the last one is done, and hands
    each key to a worker thread, one hop per key: with a thousand residents' windows
    that kept the thread pool and the event loop busy all the time. Here expired
    entries are pruned at most once a second, in place. Expired entries never count
    either way (a hit looks at the entries' times), so the limits are the same."""

    PRUNE_EVERY = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._pruned_at = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the library's
        now = time.monotonic()
        if now - self._pruned_at < self.PRUNE_EVERY:
            return
        self._pruned_at = now
        self._prune(time.time())

    def _prune(self, now: float) -> None:
        for key in list(self.events):
            if key in self.locks and self.locks[key].locked():
                continue
            alive = [entry for entry in self.events[key] if entry.expiry > now]
            if alive:
                self.events[key] = alive
            else:
                self.events.pop(key, None)
                self.locks.pop(key, None)
        for key in [k for k, at in self.expirations.items() if at <= now]:
            if key in self.locks and self.locks[key].locked():
                continue
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)


class SharedLimiter:
    """A moving-window limiter on the shared storage (Redis when configured), and on
    this process's memory while that storage cannot be reached: a limit must never
    stop an emergency alert or a resident's message."""

    def __init__(self, storage: Storage) -> None:
        self.shared = MovingWindowRateLimiter(storage)
        self.local = MovingWindowRateLimiter(LocalLimitsStorage())
        self.failures = 0
        self._warned_at = 0.0

    def _failed(self) -> None:
        self.failures += 1
        if time.monotonic() - self._warned_at > 60:
            self._warned_at = time.monotonic()
            log.warning("rate-limit store unavailable; limiting in this process only")

    async def hit(self, item: Any, *keys: str) -> bool:
        try:
            return bool(await self.shared.hit(item, *keys))
        except Exception:
            self._failed()
            return bool(await self.local.hit(item, *keys))

    async def get_window_stats(self, item: Any, *keys: str) -> Any:
        try:
            return await self.shared.get_window_stats(item, *keys)
        except Exception:
            self._failed()
            return await self.local.get_window_stats(item, *keys)


def limits_storage(redis_url: str | None) -> Storage:
    """Redis when configured (shared by every process), else this process's memory."""
    if redis_url:
        return RedisStorage("async+" + redis_url, implementation="redispy", key_prefix="jiayi:limits")
    return LocalLimitsStorage()


class RateLimiter:
    """A moving one-second window overall and one message per `per_chat_seconds` per
    chat. No lock is held while a chat waits for its turn."""

    def __init__(
        self,
        per_second: int = GLOBAL_PER_SECOND,
        per_chat_seconds: int = PER_CHAT_SECONDS,
        *,
        storage: Storage | None = None,
        redis: Any = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.storage = storage or MemoryStorage()
        self.limiter = SharedLimiter(self.storage)
        self.overall = RateLimitItemPerSecond(per_second, 1, namespace="jiayi-send")
        self.per_chat = RateLimitItemPerSecond(1, per_chat_seconds, namespace="jiayi-send-chat")
        self.redis = redis  # shares a 429 pause between processes
        self.sleep = sleep
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """After a 429 nothing is sent for the time Telegram asked for."""
        until = time.time() + seconds
        self._paused_until = max(self._paused_until, until)
        if self.redis is not None:
            asyncio.get_running_loop().create_task(self._share_pause(until, seconds))

    async def _share_pause(self, until: float, seconds: float) -> None:
        with contextlib.suppress(Exception):
            await self.redis.set(PAUSE_KEY, str(until), px=max(1, int(seconds * 1000)))

    async def _pause_left(self) -> float:
        until = self._paused_until
        if self.redis is not None:
            with contextlib.suppress(Exception):
                shared = await self.redis.get(PAUSE_KEY)
                if shared is not None:
                    until = max(until, float(shared))
        return until - time.time()

    async def _wait_for(self, item: Any, *keys: str) -> None:
        while not await self.limiter.hit(item, *keys):
            stats = await self.limiter.get_window_stats(item, *keys)
            await self.sleep(min(max(stats.reset_time - time.time(), 0.005), 5.0))

    async def acquire(self, chat_id: int) -> None:
        # The chat's own turn first: a chat that must wait holds up nobody else.
        await self._wait_for(self.per_chat, "chat", str(chat_id))
        while (left := await self._pause_left()) > 0:
            await self.sleep(left)
        await self._wait_for(self.overall, "all")


@dataclass
class SendStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    rate_limited: int = 0  # 429s: Telegram asked to retry later
    merged: int = 0  # rows sent inside a digest with others for the same chat
    errors: dict[str, int] = field(default_factory=dict)


def _markup(payload: dict) -> InlineKeyboardMarkup | None:  # type: ignore[type-arg]
    rows = payload.get("buttons")
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    )


GiveUpHook = Callable[[AsyncSession, Outbox, str], Awaitable[None]]
# Renders several rows for one chat as one or more payloads (None: send them singly).
MergeHook = Callable[[AsyncSession, int, list[Outbox]], Awaitable[list[dict[str, Any]] | None]]

# Notices to a provider or the staff that may be merged into a digest.
MERGEABLE_KINDS = frozenset(
    {"provider_summary", "provider_cancelled", "callback_request", "followup_call", "reading_review", "followup",
     "delivery_failed"}
)  # fmt: skip
MERGEABLE_RECIPIENTS = ("provider", "staff")
# Two notices go out singly with their buttons (a second apart); from three on they merge.
MERGE_FROM = 3


def mergeable(row: Outbox) -> bool:
    payload = row.payload or {}
    return (
        row.kind in MERGEABLE_KINDS
        and row.recipient_kind in MERGEABLE_RECIPIENTS
        and row.priority != EMERGENCY
        # A picture or a voice note goes with its own message.
        and not payload.get("photo_b64")
        and not payload.get("voice_file_id")
    )


def plan_sends(rows: list[Outbox], merge_from: int = MERGE_FROM) -> list[list[Outbox]]:
    """The claimed rows as sends, in claim order (most urgent first): each row on its
    own, except mergeable rows for one chat when there are `merge_from` or more, which
    become one group at the place of the first of them."""
    groups: list[list[Outbox]] = []
    by_chat: dict[int, list[Outbox]] = {}
    for row in rows:
        if mergeable(row):
            group = by_chat.get(row.chat_id)
            if group is not None:
                group.append(row)
                continue
            group = by_chat[row.chat_id] = [row]
            groups.append(group)
        else:
            groups.append([row])
    return [part for group in groups for part in ([group] if len(group) >= merge_from else [[r] for r in group])]


class Dispatcher:
    """Claims due rows and sends them. Several may run at once, in one process or many."""

    def __init__(
        self,
        *,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        limiter: RateLimiter | None = None,
        concurrency: int = 8,
        batch: int = 200,
        give_up_after: timedelta = timedelta(hours=24),
        on_give_up: GiveUpHook | None = None,
        merge: MergeHook | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency
        self.batch = batch
        self.give_up_after = give_up_after
        self.on_give_up = on_give_up
        self.merge = merge
        self.owner = uuid.uuid4().hex
        self.stats = SendStats()
        self._held: set[int] = set()
        self._lease_until = self.clock()

    async def run_once(self) -> int:
        """Sends everything due now; returns how many rows were sent."""
        total = 0
        while True:
            async with self.sessionmaker() as session:
                rows = await claim_due(session, now=self.clock(), limit=self.batch, owner=self.owner)
            if not rows:
                return total
            self._held = {r.id for r in rows}
            self._lease_until = self.clock() + LEASE
            heartbeat = asyncio.create_task(self._heartbeat())
            try:
                gate = asyncio.Semaphore(self.concurrency)
                groups = plan_sends(rows) if self.merge is not None else [[r] for r in rows]
                # One chat's messages one after another, most urgent first (the chat
                # may take one a second anyway); chats side by side.
                chains: dict[int, list[list[Outbox]]] = {}
                for group in groups:
                    chains.setdefault(group[0].chat_id, []).append(group)
                results = await asyncio.gather(*(self._send_chain(gate, chain) for chain in chains.values()))
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
                self._held = set()
            total += sum(results)
            if len(rows) < self.batch:
                return total

    async def _heartbeat(self) -> None:
        """Keeps the lease alive in real time while a batch is being sent."""
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 4)
            await self._extend()

    async def _extend(self) -> None:
        if not self._held:
            return
        async with self.sessionmaker() as session:
            self._held = await extend_lease(session, sorted(self._held), owner=self.owner, now=self.clock())
        self._lease_until = self.clock() + LEASE

    async def _still_ours(self, row: Outbox) -> bool:
        """Right before a send: the lease is extended when half of it has gone, and a
        row another dispatcher took over is left to it."""
        if self.clock() >= self._lease_until - LEASE / 2:
            await self._extend()
        return row.id in self._held

    async def _still_wanted(self, row: Outbox) -> bool:
        """Right before a send: a copy for a family member goes out only while their
        link with the resident is active and they get copies. Ending a link withdraws
        what waits in the same transaction; this catches a copy written by a change
        that was under way at that moment, or claimed just before."""
        if row.recipient_kind != "family" or row.resident_id is None:
            return True
        async with self.sessionmaker() as session:
            return await receives_copies(session, chat_id=row.chat_id, elder_id=row.resident_id)

    async def _send_chain(self, gate: asyncio.Semaphore, chain: list[list[Outbox]]) -> int:
        sent = 0
        async with gate:
            for group in chain:
                sent += int(await self._send(group[0])) if len(group) == 1 else await self._send_digest(group)
        return sent

    async def _send_digest(self, rows: list[Outbox]) -> int:
        """Several notices for one chat as one message (or a few, when long). Each row
        keeps its own fate: sent together, or retried or given up by its own rules."""
        chat_id = rows[0].chat_id
        try:
            async with self.sessionmaker() as session:
                payloads = await self.merge(session, chat_id, rows) if self.merge is not None else None
        except Exception:
            log.exception("could not merge %s notices; sending them one by one", len(rows))
            payloads = None
        if not payloads:
            return sum([int(await self._send(row)) for row in rows])
        try:
            for payload in payloads:
                await self.limiter.acquire(chat_id)
                if not all([await self._still_ours(row) for row in rows]):
                    # Taken over (this worker stalled past its lease): the rows still
                    # held go back to the queue whole; the others are another's now.
                    self.stats.skipped += len(rows)
                    for row in rows:
                        if row.id in self._held:
                            async with self.sessionmaker() as session:
                                await mark_retry(session, row.id, due_at=self.clock(), error="taken over", count_attempt=False)
                    return 0
                await self.bot.send_message(chat_id, payload.get("text", ""), reply_markup=_markup(payload))
        except Exception as exc:
            for row in rows:
                await self._failed(row, exc)
            return 0
        async with self.sessionmaker() as session:
            for row in rows:
                await mark_sent(session, row.id, self.clock(), owner=self.owner)
        self.stats.sent += len(rows)
        self.stats.merged += len(rows)
        return len(rows)

    async def _give_up(self, row: Outbox, error: str) -> None:
        self.stats.failed += 1
        async with self.sessionmaker() as session:
            await mark_failed(session, row.id, error)
            if self.on_give_up is not None:
                try:
                    await self.on_give_up(session, row, error)
                    await session.commit()
                except Exception:
                    log.exception("could not tell the staff about undelivered outbox row %s", row.id)

    async def _retry_later(self, row: Outbox, error: str) -> None:
        self.stats.retried += 1
        async with self.sessionmaker() as session:
            await mark_retry(session, row.id, due_at=self.clock() + backoff(row.attempts), error=error)

    async def _send(self, row: Outbox) -> bool:
        payload = row.payload or {}
        try:
            await self.limiter.acquire(row.chat_id)
            if not await self._still_ours(row):
                self.stats.skipped += 1
                return False
            if not await self._still_wanted(row):
                self.stats.skipped += 1
                async with self.sessionmaker() as session:
                    await mark_withdrawn(session, row.id, owner=self.owner)
                return False
            await self.bot.send_message(row.chat_id, payload.get("text", ""), reply_markup=_markup(payload))
            if payload.get("photo_b64"):
                await self.limiter.acquire(row.chat_id)
                picture = BufferedInputFile(base64.b64decode(payload["photo_b64"]), filename="chart.png")
                await self.bot.send_photo(row.chat_id, picture, caption=payload.get("photo_caption"))
            if payload.get("voice_file_id"):
                await self.limiter.acquire(row.chat_id)
                await self.bot.send_voice(row.chat_id, payload["voice_file_id"], caption=payload.get("voice_caption"))
        except Exception as exc:
            await self._failed(row, exc)
            return False
        async with self.sessionmaker() as session:
            await mark_sent(session, row.id, self.clock(), owner=self.owner)
        self.stats.sent += 1
        return True

    async def _failed(self, row: Outbox, exc: Exception) -> None:
        """What becomes of a row whose send failed with `exc`."""
        critical = row.priority in NEVER_GIVE_UP
        if isinstance(exc, TelegramRetryAfter):
            self.limiter.pause(exc.retry_after)
            self.stats.retried += 1
            self.stats.rate_limited += 1
            async with self.sessionmaker() as session:
                await mark_retry(
                    session, row.id, due_at=self.clock(), error=f"429 retry after {exc.retry_after}", count_attempt=False
                )
        elif isinstance(exc, TelegramForbiddenError):
            log.info("recipient unreachable: outbox row %s (%s)", row.id, row.kind)
            if row.recipient_kind == "resident":
                async with self.sessionmaker() as session:
                    await mark_unreachable(session, row.chat_id)
            if critical:
                await self._retry_later(row, f"403 {exc.message}")
            else:
                await self._give_up(row, f"403 {exc.message}")
        elif isinstance(exc, TelegramBadRequest):
            log.warning("outbox row %s refused by Telegram: %s", row.id, exc.message)
            if critical:
                await self._retry_later(row, f"400 {exc.message}")
            else:
                await self._give_up(row, f"400 {exc.message}")
        else:  # network trouble and the like: back off and retry
            self.stats.errors[type(exc).__name__] = self.stats.errors.get(type(exc).__name__, 0) + 1
            log.warning("outbox row %s not sent (attempt %s): %s", row.id, row.attempts, type(exc).__name__)
            if not critical and self.clock() - row.created_at >= self.give_up_after:
                await self._give_up(row, repr(exc))
            else:
                await self._retry_later(row, repr(exc))
