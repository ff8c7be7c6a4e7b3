"""Sending outbox rows through the Bot API within Telegram's limits: about 30 messages
a second overall and one a second per chat. A 429 waits `retry_after` and retries;
a 403 (the person blocked the bot) marks them unreachable instead of retrying."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.clock import Clock
from actions.models import Outbox
from actions.residents import mark_unreachable
from scheduler.outbox import MAX_ATTEMPTS, claim_due, mark_failed, mark_retry, mark_sent

log = logging.getLogger(__name__)

TELEGRAM_LIMIT_PER_SECOND = 30
# A little below Telegram's limit: requests leave in bursts and arrive with jitter.
GLOBAL_PER_SECOND = 25
PER_CHAT_INTERVAL = 1.0


class RateLimiter:
    """A sliding one-second window overall, and a minimum gap per chat."""

    def __init__(
        self,
        per_second: int = GLOBAL_PER_SECOND,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._window: deque[float] = deque()
        self._last: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """After a 429 nothing is sent for the time Telegram asked for."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    async def acquire(self, chat_id: int) -> None:
        async with self._lock:
            while True:
                now = self.monotonic()
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                waits = [self._paused_until - now]
                if len(self._window) >= self.per_second:
                    waits.append(self._window[0] + 1.0 - now)
                last = self._last.get(chat_id)
                if last is not None:
                    waits.append(last + self.per_chat_interval - now)
                wait = max(waits)
                if wait <= 0:
                    break
                await self.sleep(wait)
            now = self.monotonic()
            self._window.append(now)
            self._last[chat_id] = now
            if len(self._last) > 50_000:
                cutoff = now - self.per_chat_interval
                self._last = {c: t for c, t in self._last.items() if t > cutoff}


@dataclass
class SendStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def _markup(payload: dict) -> InlineKeyboardMarkup | None:  # type: ignore[type-arg]
    rows = payload.get("buttons")
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    )


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
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency
        self.batch = batch
        self.stats = SendStats()

    async def run_once(self) -> int:
        """Sends everything due now; returns how many rows were sent."""
        total = 0
        while True:
            async with self.sessionmaker() as session:
                rows = await claim_due(session, now=self.clock(), limit=self.batch)
            if not rows:
                return total
            gate = asyncio.Semaphore(self.concurrency)
            results = await asyncio.gather(*(self._send_gated(gate, r) for r in rows))
            total += sum(results)
            if len(rows) < self.batch:
                return total

    async def _send_gated(self, gate: asyncio.Semaphore, row: Outbox) -> bool:
        async with gate:
            return await self._send(row)

    async def _send(self, row: Outbox) -> bool:
        payload = row.payload or {}
        try:
            await self.limiter.acquire(row.chat_id)
            await self.bot.send_message(row.chat_id, payload.get("text", ""), reply_markup=_markup(payload))
            if payload.get("voice_file_id"):
                await self.limiter.acquire(row.chat_id)
                await self.bot.send_voice(row.chat_id, payload["voice_file_id"], caption=payload.get("voice_caption"))
        except TelegramRetryAfter as exc:
            self.limiter.pause(exc.retry_after)
            self.stats.retried += 1
            async with self.sessionmaker() as session:
                await mark_retry(
                    session, row.id, due_at=self.clock(), error=f"429 retry after {exc.retry_after}", count_attempt=False
                )
            return False
        except TelegramForbiddenError as exc:
            self.stats.failed += 1
            async with self.sessionmaker() as session:
                await mark_failed(session, row.id, f"403 {exc.message}")
                if row.recipient_kind == "resident":
                    await mark_unreachable(session, row.chat_id)
            log.info("recipient unreachable: outbox row %s (%s)", row.id, row.kind)
            return False
        except TelegramBadRequest as exc:
            self.stats.failed += 1
            async with self.sessionmaker() as session:
                await mark_failed(session, row.id, f"400 {exc.message}")
            log.warning("outbox row %s refused by Telegram: %s", row.id, exc.message)
            return False
        except Exception as exc:  # network trouble and the like: back off and retry
            self.stats.errors[type(exc).__name__] = self.stats.errors.get(type(exc).__name__, 0) + 1
            async with self.sessionmaker() as session:
                if row.attempts >= MAX_ATTEMPTS:
                    await mark_failed(session, row.id, repr(exc))
                    self.stats.failed += 1
                else:
                    from datetime import timedelta

                    backoff = timedelta(seconds=2 ** row.attempts)
                    await mark_retry(session, row.id, due_at=self.clock() + backoff, error=repr(exc))
                    self.stats.retried += 1
            log.warning("outbox row %s not sent (attempt %s): %s", row.id, row.attempts, type(exc).__name__)
            return False
        async with self.sessionmaker() as session:
            await mark_sent(session, row.id, self.clock())
        self.stats.sent += 1
        return True
