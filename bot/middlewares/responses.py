"""The models that read the Bot API's answers, built once per process.

aiogram reads every answer through `Response[T]` (T: what the method returns), a
pydantic generic model that is built on first use and then held only weakly: as soon
as the garbage collector runs, it is gone and the next request builds it again, on the
event loop, for every reply the bot sends. Holding one reference per method keeps each
built once."""

from __future__ import annotations

from typing import Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class KeepResponseModels(BaseRequestMiddleware):
    """On the bot's HTTP session: `Response[T]` of every method used is kept alive."""

    def __init__(self) -> None:
        self.models: dict[type[Any], Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Any,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self.models:
            self.models[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
