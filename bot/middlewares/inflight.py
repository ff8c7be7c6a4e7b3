"""Bounded work per process. Every update used to run at once, so a burst opened more
database sessions than the pool holds, and residents waited out the pool's timeout and
got an apology. Now at most `limit` updates are past this point at a time (sized to
the pool, with connections left over for the care loop and the web pages); the rest
wait here, before they hold a connection, and are answered a little later instead.

A button tap that has to wait is acknowledged at once (Telegram shows a spinner on the
button until it is, and gives up after a few seconds); the handler's own
acknowledgement later is then not sent a second time, as Telegram refuses that."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncEngine

from nlu.triage import triage

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Connections left for the care loop, the notifier and the web pages.
RESERVED_CONNECTIONS = 5
MIN_IN_FLIGHT = 4
# Long polling: updates fetched and waiting for their turn, at most.
POLLING_BACKLOG = 256


def in_flight_limit(configured: int, engine: AsyncEngine) -> int:
    """The configured limit, else the connection pool's size less a reserve."""
    if configured > 0:
        return configured
    pool = engine.sync_engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    if not callable(size):
        return 10
    return max(MIN_IN_FLIGHT, int(size()) + max(0, int(overflow)) - RESERVED_CONNECTIONS)


class EarlyAnswers(BaseRequestMiddleware):
    """On the bot's HTTP session: a callback query acknowledged early is not
    acknowledged again."""

    def __init__(self, remember: int = 10_000) -> None:
        self.answered: OrderedDict[str, None] = OrderedDict()
        self.remember = remember

    async def acknowledge(self, bot: Bot, query_id: str) -> None:
        try:
            await bot.answer_callback_query(query_id)
        except Exception:  # a courtesy; the handler still runs
            log.warning("could not acknowledge a waiting button tap")
            return
        self.answered[query_id] = None
        while len(self.answered) > self.remember:
            self.answered.popitem(last=False)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Any,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, AnswerCallbackQuery) and method.callback_query_id in self.answered:
            self.answered.pop(method.callback_query_id, None)
            return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]
        return await make_request(bot, method)


class InFlightLimit(BaseMiddleware):
    """The outermost update middleware: at most `limit` updates at a time, and one at a
    time per chat, in the order they came (two taps of one person no longer race
    over their conversation state). A message with a red flag never waits: it goes
    straight on to the safety check."""

    def __init__(self, limit: int, answers: EarlyAnswers) -> None:
        self.limit = limit
        self.semaphore = asyncio.Semaphore(limit)
        self.answers = answers
        self.active = 0
        self.waiting = 0
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat_id = _chat_of(event)
        current = self._chats.get(chat_id) if chat_id is not None else None
        if self.semaphore.locked() or (current is not None and current[0].locked()):
            if event.callback_query is not None:
                await self.answers.acknowledge(data["bot"], event.callback_query.id)
            text = (
                (event.message.text or event.message.caption) if event.message is not None else None
            )
            if text:
                urgent: bool = await asyncio.to_thread(_red_flag, text)
                if urgent:
                    return await handler(event, data)
        lock: asyncio.Lock | None = None
        if chat_id is not None:
            lock, users = self._chats.get(chat_id) or (asyncio.Lock(), 0)
            self._chats[chat_id] = (lock, users + 1)
        self.waiting += 1
        locked = False
        try:
            if lock is not None:
                await lock.acquire()
                locked = True
            await self.semaphore.acquire()
        except BaseException:
            if lock is not None and locked:
                lock.release()
            self._leave(chat_id)
            raise
        finally:
            self.waiting -= 1
        self.active += 1
        try:
            return await handler(event, data)
        finally:
            self.active -= 1
            self.semaphore.release()
            if lock is not None:
                lock.release()
            self._leave(chat_id)

    def _leave(self, chat_id: int | None) -> None:
        if chat_id is None or chat_id not in self._chats:
            return
        lock, users = self._chats[chat_id]
        if users <= 1:
            del self._chats[chat_id]
        else:
            self._chats[chat_id] = (lock, users - 1)


def _chat_of(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None


def _red_flag(text: str) -> bool:
    return triage(text).urgency in ("emergency", "possible_emergency")
