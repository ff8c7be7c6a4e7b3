"""Update middlewares: a database session per update, then who is speaking."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.providers import provider_by_telegram
from actions.residents import get_resident
from bot.deps import Deps

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """One AsyncSession per update. The domain functions commit; whatever they left
    uncommitted is rolled back when the session closes."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            data["session"] = session
            return await handler(event, data)


class ActorMiddleware(BaseMiddleware):
    """Loads the resident and/or provider behind the update and picks the language."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        resident = provider = None
        if user is not None:
            resident = await get_resident(session, user.id)
            provider = await provider_by_telegram(session, user.id)
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
