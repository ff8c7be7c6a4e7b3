"""Update middlewares, in order: the guard (who may talk to the bot, and where), the
per-person rate limit, a database session per update, then who is speaking."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.db import end_if_read_only
from actions.residents import people_by_telegram
from bot.deps import Deps
from bot.i18n import I18n
from nlu.triage import triage
from scheduler.sender import SharedLimiter

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# Buttons that may be tapped in the centre's duty chat: a call-back marked done.
DUTY_CHAT_BUTTONS = ("cbd:",)


def refusal(update: Update, group_chats: set[int]) -> str | None:
    """Why an update must not be acted on, or None. In a private chat the chat must be
    the sender's own (a forged update with someone else's chat id would send their
    data to the forger); groups and channels are ignored, except the configured duty
    and staff chats, where only their own buttons work."""
    if update.message is not None:
        return _message_refusal(update.message)
    if update.callback_query is not None:
        query: CallbackQuery = update.callback_query
        msg = query.message
        if msg is None:
            return "callback without a message"
        if query.from_user is None or query.from_user.is_bot:
            return "callback from no person"
        if msg.chat.type == "private":
            return None if msg.chat.id == query.from_user.id else "callback in someone else's private chat"
        if msg.chat.id in group_chats and (query.data or "").startswith(DUTY_CHAT_BUTTONS):
            return None
        return f"callback in a {msg.chat.type} chat"
    return "update kind not handled"


def _message_refusal(message: Message) -> str | None:
    sender = message.from_user
    if sender is None or sender.is_bot or message.sender_chat is not None:
        return "message from no person"
    if message.chat.type != "private":
        return f"message in a {message.chat.type} chat"
    if message.chat.id != sender.id:
        return "message in someone else's private chat"
    return None


class UpdateGuard(BaseMiddleware):
    """First of all: updates that must not be acted on are dropped (logged with ids and
    the reason only)."""

    def __init__(self, group_chats: set[int]) -> None:
        self.group_chats = group_chats

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        reason = refusal(event, self.group_chats)
        if reason is not None:
            log.warning("update %s ignored: %s", event.update_id, reason)
            return UNHANDLED
        return await handler(event, data)


class Throttle(BaseMiddleware):
    """Messages and button taps per person per minute (moving windows from `limits`,
    in Redis when configured, so that every process shares them). A red flag always
    gets through (also one the resident is asked about), and so does a voice note, which cannot be read for one before it is
    heard (the speech pool's bounded queue caps that work). The person is told once a
    minute to slow down; the rest is dropped."""

    def __init__(self, storage: Storage, i18n: I18n, *, messages_per_minute: int, taps_per_minute: int) -> None:
        self.limiter = SharedLimiter(storage)
        self.messages = RateLimitItemPerMinute(messages_per_minute, namespace="jiayi-in-message")
        self.taps = RateLimitItemPerMinute(taps_per_minute, namespace="jiayi-in-tap")
        self.notice = RateLimitItemPerMinute(1, namespace="jiayi-in-notice")
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = None
        if event.message is not None:
            user = event.message.from_user
            if user is not None and not await self.limiter.hit(self.messages, str(user.id)):
                text = event.message.text or event.message.caption
                if text and triage(text).urgency in ("emergency", "possible_emergency"):
                    return await handler(event, data)
                if event.message.voice or event.message.audio or event.message.video_note:
                    return await handler(event, data)
                await self._slow_down(data["bot"], user, event.message.chat.id, None)
                return UNHANDLED
        elif event.callback_query is not None:
            user = event.callback_query.from_user
            if not await self.limiter.hit(self.taps, str(user.id)):
                await self._slow_down(data["bot"], user, None, event.callback_query.id)
                return UNHANDLED
        return await handler(event, data)

    async def _slow_down(self, bot: Bot, user: User, chat_id: int | None, query_id: str | None) -> None:
        log.warning("rate limit: user %s is sending too fast", user.id)
        lang = "en" if (user.language_code or "").startswith("en") else "zh"
        text = self.i18n.t(lang, "too-fast")
        try:
            if query_id is not None:
                await bot.answer_callback_query(query_id, text=text)
            elif chat_id is not None and await self.limiter.hit(self.notice, str(user.id)):
                await bot.send_message(chat_id, text)
        except Exception:  # telling them is a courtesy; never fail the update on it
            log.warning("could not tell user %s to slow down", user.id)


# The update being handled in this task, and its session (see EndReadTransactions).
_UPDATE_SESSION: ContextVar[tuple[AsyncSession, asyncio.Task[Any] | None] | None] = ContextVar(
    "jiayi_update_session", default=None
)


class DbSessionMiddleware(BaseMiddleware):
    """One AsyncSession per update. The domain functions commit; whatever they left
    uncommitted is rolled back when the session closes."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            data["session"] = session
            token = _UPDATE_SESSION.set((session, asyncio.current_task()))
            try:
                return await handler(event, data)
            finally:
                _UPDATE_SESSION.reset(token)


class EndReadTransactions(BaseRequestMiddleware):
    """On the bot's HTTP session: before the bot waits on a Bot API request, the
    update's transaction ends if it has only read (`end_if_read_only`), so that no
    other update waits for the database while this one waits for Telegram. A
    transaction that wrote or locked anything is left to its handler."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Any,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        current = _UPDATE_SESSION.get()
        if current is not None and current[1] is asyncio.current_task():
            try:
                await end_if_read_only(current[0])
            except Exception:  # the handler meets the same error on its next query
                log.warning("could not end a read-only transaction before a Bot API call", exc_info=True)
        return await make_request(bot, method)


class ActorMiddleware(BaseMiddleware):
    """Loads the resident and/or provider behind the update and picks the language.
    A deactivated provider is nobody."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        resident = provider = None
        if user is not None:
            resident, provider = await people_by_telegram(session, user.id)
            await end_if_read_only(session)
        if resident is not None:
            lang = resident.language
        elif provider is not None:
            lang = provider.language
        elif user is not None and (user.language_code or "").startswith("en"):
            lang = "en"
        else:
            lang = "zh"
        data["resident"] = resident
        data["provider"] = provider
        data["lang"] = lang
        data["t"] = self.deps.i18n.translator(lang)
        return await handler(event, data)
