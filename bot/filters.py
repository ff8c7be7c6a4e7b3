"""Filters shared by the routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.filters import BaseFilter
from aiogram.fsm.state import State
from aiogram.types import Message

from bot.deps import Deps
from nlu.triage import triage


class MenuButton(BaseFilter):
    """A tap on a reply-keyboard button, in whichever language it was shown."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def __call__(self, message: Message, deps: Deps) -> bool:
        return message.text is not None and message.text in deps.i18n.all_languages(self.key)


class RedFlag(BaseFilter):
    """Triage runs on every text before anything else; an emergency matches here."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        text = message.text or message.caption
        if not text:
            return False
        result = triage(text)
        if result.urgency == "emergency":
            return {"triage_result": result}
        return False


def run_plain_filters_inline(root: Router) -> int:
    """aiogram runs every filter that is not a coroutine (a magic filter such as
    `F.text == …`, a state given as a filter) through `asyncio.to_thread`
    (`CallableObject.call` in aiogram/dispatcher/event/handler.py; aiogram PR #1661):
    one trip to a worker thread and back for each filter tried, dozens per update as
    the routers are walked. These two kinds only read the update and the state name,
    so they are run on the event loop instead, with the same arguments and results.
    Returns how many were changed."""
    changed = 0
    for router in root.chain_tail:
        for observer in router.observers.values():
            filters = list(observer._handler.filters or [])
            for handler in observer.handlers:
                filters.extend(handler.filters or [])
            for item in filters:
                if item.awaitable or not (item.magic is not None or isinstance(item.callback, State)):
                    continue
                item.callback = _on_the_loop(item.callback)
                item.awaitable = True
                changed += 1
    return changed


def _on_the_loop(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run
