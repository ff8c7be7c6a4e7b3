"""Reminder throughput: N due reminders sent through the real dispatcher and rate
limiter to the local Bot API, counting duplicates and losses."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from actions.clock import FixedClock
from actions.config import Settings
from actions.db import create_engine, create_sessionmaker, migrate
from bot.app import build_bot
from bot.sandbox.botapi import LocalBotAPI
from scheduler.outbox import enqueue, message
from scheduler.sender import TELEGRAM_LIMIT_PER_SECOND, Dispatcher


async def bench_reminders(count: int) -> dict[str, float | int]:
    clock = FixedClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await migrate(url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            for i in range(count):
                await enqueue(
                    session, kind="reminder", chat_id=1_000_000 + i, recipient_kind="resident",
                    payload=message(f"⏰ reminder {i}"), due_at=clock(), now=clock(), dedupe_key=f"bench:{i}",
                )  # fmt: skip
            await session.commit()
        api = LocalBotAPI()
        await api.start()
        bot = build_bot(Settings(_env_file=None), api_base=api.base_url)  # type: ignore[call-arg]
        try:
            dispatcher = Dispatcher(bot=bot, sessionmaker=sessionmaker, clock=clock)
            started = time.monotonic()
            await dispatcher.run_once()
            seconds = time.monotonic() - started
        finally:
            await bot.session.close()
            await api.stop()
            await engine.dispose()
    texts = Counter(s.text for s in api.sent_log)
    delivered = len(texts)
    rate = len(api.sent_log) / seconds if seconds else 0.0
    return {
        "sent": len(api.sent_log),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
        "lost": count - delivered,
        "seconds": round(seconds, 2),
        "rate_per_s": round(rate, 2),
        "rate_fraction_of_limit": round(rate / TELEGRAM_LIMIT_PER_SECOND, 3),
        "max_in_any_second": api.max_in_any_second(),
    }
