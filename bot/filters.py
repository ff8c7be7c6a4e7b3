"""Filters shared by the routers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import BaseFilter
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
