"""At most `limit` updates are worked on at once per process and one at a time per
chat, in order; the rest wait, none is dropped; a button tap that has to wait is
acknowledged at once (and only once); a red flag never waits."""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher, F, Router
from aiogram.types import CallbackQuery, Message, Update
from sqlalchemy.ext.asyncio import create_async_engine

from actions.config import Settings
from bot.app import build_bot
from bot.middlewares.inflight import EarlyAnswers, InFlightLimit, in_flight_limit
from bot.sandbox.botapi import LocalBotAPI

USER = 4242


async def test_updates_beyond_the_limit_wait_and_waiting_taps_are_acknowledged_once() -> None:
    api = LocalBotAPI()
    await api.start()
    bot = build_bot(Settings(_env_file=None), api_base=api.base_url)  # type: ignore[call-arg]
    answers = EarlyAnswers()
    bot.session.middleware(answers)
    limit = InFlightLimit(2, answers)
    release = asyncio.Event()
    running = 0
    most = 0
    done: list[str] = []
    order: list[str] = []

    router = Router()

    async def work(label: str) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1
        done.append(label)

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        await work(message.text or "")
        await message.answer("ok")

    @router.callback_query()
    async def on_tap(query: CallbackQuery) -> None:
        order.append(f"handler {query.id}")
        await query.answer()
        await work(query.data or "")

    dp = Dispatcher()
    dp.update.outer_middleware(limit)
    dp.include_router(router)
    try:
        texts = [await api.send_text(USER + i, f"m{i}") for i in range(4)]
        tapped = await api.tap_stale(USER + 9, 1, "tap")
        updates = [Update.model_validate(u, context={"bot": bot}) for u in api._updates]
        assert len(updates) == 5 and texts
        tasks = [asyncio.create_task(dp.feed_update(bot, u)) for u in updates]
        for _ in range(100):
            if limit.waiting == 3:
                break
            await asyncio.sleep(0.01)
        assert (limit.active, limit.waiting) == (2, 3)
        # The waiting tap was acknowledged although its handler has not run.
        assert [a["callback_query_id"] for a in api.callback_answers] == [tapped["id"]]
        assert order == []
        release.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert most == 2
        assert sorted(done) == ["m0", "m1", "m2", "m3", "tap"]
        # The handler's own acknowledgement was not sent a second time.
        assert len(api.callback_answers) == 1
        assert len([s for s in api.sent_log if s.text == "ok"]) == 4
    finally:
        await bot.session.close()
        await api.stop()


def test_the_limit_is_sized_to_the_connection_pool() -> None:
    engine = create_async_engine(
        "postgresql+asyncpg://u@127.0.0.1/x", pool_size=10, max_overflow=20
    )
    assert in_flight_limit(0, engine) == 25
    assert in_flight_limit(7, engine) == 7


async def test_one_chat_is_served_in_order_and_a_red_flag_does_not_wait() -> None:
    api = LocalBotAPI()
    await api.start()
    bot = build_bot(Settings(_env_file=None), api_base=api.base_url)  # type: ignore[call-arg]
    answers = EarlyAnswers()
    limit = InFlightLimit(4, answers)
    release = asyncio.Event()
    seen: list[str] = []
    router = Router()

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        seen.append(f"start {message.text}")
        if message.text != "我爸突然倒地叫不醒了":
            await release.wait()
        seen.append(f"end {message.text}")

    dp = Dispatcher()
    dp.update.outer_middleware(limit)
    dp.include_router(router)
    try:
        for text in ("first", "second", "我爸突然倒地叫不醒了"):
            await api.send_text(USER, text)
        updates = [Update.model_validate(u, context={"bot": bot}) for u in api._updates]
        tasks = []
        for update in updates:
            tasks.append(asyncio.create_task(dp.feed_update(bot, update)))
            await asyncio.sleep(0.05)
        for _ in range(200):
            if "end 我爸突然倒地叫不醒了" in seen:
                break
            await asyncio.sleep(0.02)
        # The second message waits for the first; the red flag went past both.
        assert seen == ["start first", "start 我爸突然倒地叫不醒了", "end 我爸突然倒地叫不醒了"]
        release.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert seen[3:] == ["end first", "start second", "end second"]
        assert limit._chats == {}
    finally:
        await bot.session.close()
        await api.stop()
