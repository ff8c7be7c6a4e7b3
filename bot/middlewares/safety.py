"""Safety first, for every typed message in every state: it is understood once (the
parse is handed on to the handlers), and a red flag is answered here, before the
database, the conversation state or any feature sees it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.deps import Deps
from bot.emergency import _resident_language, ask_if_emergency, respond_to_emergency
from bot.states import Guidance
from nlu.interface import Parse
from nlu.triage import triage

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def understand(text: str, deps: Deps) -> Parse:
    """The interpreter's parse; should it fail for any reason, the triage rules alone,
    so that a red flag is never lost to a broken model or server."""
    now = deps.clock().astimezone(deps.tz)
    try:
        parse = await deps.interpreter.parse(text, now=now)
    except Exception:
        log.exception("understanding failed; triage rules alone decide")
        deps.count("nlu_failures")
        flag = triage(text)
        intent = "emergency" if flag.urgency == "emergency" else "out_of_scope"
        parse = Parse(text=text, intent=intent, confidence=0.0, urgency=flag.urgency, red_flag=flag.category, backend="rules")
    if deps.metrics is not None:
        deps.metrics.parsed(parse)
    return parse


class SafetyMiddleware(BaseMiddleware):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is None or data.get("triage_cleared"):
            return await handler(event, data)
        text = message.text or message.caption
        if not text or not text.strip() or text.startswith("/"):
            return await handler(event, data)
        state = data.get("state")
        if state is not None and await state.get_state() == Guidance.writing.state:
            # A provider writing advice for a resident ("if the chest pain comes back,
            # call 120") is not a resident raising a red flag.
            return await handler(event, data)
        parse = await understand(text, self.deps)
        data["parse"] = parse
        if parse.urgency == "emergency":
            await respond_to_emergency(
                message, message.from_user, text=text, category=parse.red_flag, channel="text",
                affected=parse.beneficiary, deps=self.deps, state=state,
            )  # fmt: skip
            return None
        if parse.urgency == "possible_emergency" and state is not None:
            lang = await _resident_language(self.deps, message.from_user)
            await ask_if_emergency(
                message, t=self.deps.i18n.translator(lang), deps=self.deps, state=state,
                category=parse.red_flag, text=text, channel="text", update=event,  # type: ignore[arg-type]
            )  # fmt: skip
            return None
        return await handler(event, data)
