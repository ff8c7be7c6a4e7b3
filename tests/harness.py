"""Driving the real Jiayi bot end to end through the local Bot API server.

    async with running_jiayi(tmp_path, clock) as j:
        await j.say(RESIDENT, "/start")
        await j.tap(RESIDENT, "中文")
        assert "隐私" in j.api.last(RESIDENT).text

Each call injects an update and waits until the bot has handled it (polling with
handle_as_tasks=False keeps the order deterministic). Notifications go through the
outbox; `await j.dispatch()` sends what is due, as the care loop's tick would."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher

from actions.clock import FixedClock
from actions.config import Settings
from bot.app import App, build_app, build_bot
from bot.sandbox.botapi import LocalBotAPI, Sent


@contextlib.asynccontextmanager
async def running_bot(dp: Dispatcher, bot: Bot, **workflow: Any) -> AsyncIterator[asyncio.Task[None]]:
    """Polls in the background until the block ends."""
    task = asyncio.create_task(
        dp.start_polling(bot, handle_as_tasks=False, polling_timeout=1, handle_signals=False, close_bot_session=False, **workflow)
    )
    try:
        yield task
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)


# The trained NLU model is keyed by its training data, so tests can share it.
SHARED_NLU_CACHE = Path(tempfile.gettempdir()) / "jiayi-tests-nlu"


@dataclass
class Jiayi:
    api: LocalBotAPI
    app: App

    async def say(self, user_id: int, text: str) -> list[Sent]:
        mark = self.api.mark()
        await self.api.send_text(user_id, text)
        await self.api.wait_idle()
        return self.api.since(mark, user_id)

    async def tap(self, user_id: int, text: str | None = None, *, data: str | None = None) -> list[Sent]:
        mark = self.api.mark()
        await self.api.tap(user_id, text=text, data=data)
        await self.api.wait_idle()
        return self.api.since(mark, user_id)

    async def do(self, action: Any) -> None:
        await action
        await self.api.wait_idle()

    async def dispatch(self) -> int:
        return await self.app.care_loop.dispatch()

    def buttons(self, user_id: int) -> list[str]:
        return self.api.buttons(user_id)

    def last_text(self, user_id: int) -> str:
        return self.api.last(user_id).text or ""


@contextlib.asynccontextmanager
async def running_jiayi(
    state_dir: Path, clock: FixedClock, *, database_url: str | None = None, redis_url: str | None = None, **settings: Any
) -> AsyncIterator[Jiayi]:
    api = LocalBotAPI()
    await api.start()
    settings.setdefault("nlu_cache_dir", SHARED_NLU_CACHE)
    # Simulated people type much faster than people do; the rate-limit tests set their own.
    settings.setdefault("user_messages_per_minute", 1000)
    settings.setdefault("user_taps_per_minute", 1000)
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        state_dir=state_dir,
        database_url=database_url,
        redis_url=redis_url,
        centre_phone="010-64221234",
        **settings,
    )
    app = await build_app(config, bot=build_bot(config, api_base=api.base_url), clock=clock, seed_demo=True)
    try:
        async with running_bot(app.dp, app.bot):
            await api.wait_idle()
            yield Jiayi(api=api, app=app)
    finally:
        await app.close()
        await api.stop()
