"""Speech benchmark: the English engine's real-time factor and latency over the
English fixtures (espeak-ng speech, OGG/Opus like Telegram's)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from actions.config import Settings
from nlu.speech.service import SpeechService

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "voice"


def bench_voice(repeat: int = 3) -> dict[str, float]:
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    service = SpeechService(Settings(_env_file=None))  # type: ignore[call-arg]
    started = time.monotonic()
    service.engine("en")
    load_seconds = time.monotonic() - started
    latencies, audio_seconds = [], 0.0
    for _ in range(repeat):
        for item in manifest:
            if item["lang"] != "en" or not item["text"]:
                continue
            data = (FIXTURES / item["file"]).read_bytes()
            t0 = time.monotonic()
            transcript = service.transcribe_sync(data, "en")
            latencies.append(time.monotonic() - t0)
            audio_seconds += transcript.seconds
    service.close()
    latencies.sort()
    return {
        "engine_load_s": round(load_seconds, 3),
        "notes": len(latencies),
        "audio_s": round(audio_seconds, 2),
        "real_time_factor": round(sum(latencies) / audio_seconds, 4),
        "latency_mean_s": round(statistics.mean(latencies), 3),
        "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
    }


async def bench_voice_to_reply(notes: int = 10) -> dict[str, float]:
    """From a voice note arriving at the Bot API to the bot's read-back reaching it,
    through the whole bot (download, decode, recognise, triage, reply)."""
    from actions.clock import FixedClock
    from actions.db import create_engine, create_sessionmaker
    from actions.residents import get_or_create_resident, record_consent, update_profile
    from bot.app import build_app, build_bot
    from bot.sandbox.botapi import LocalBotAPI

    data = (FIXTURES / "en_book_bp.ogg").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        api = LocalBotAPI()
        await api.start()
        settings = Settings(_env_file=None, state_dir=Path(tmp))  # type: ignore[call-arg]
        clock = FixedClock(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
        app = await build_app(settings, bot=build_bot(settings, api_base=api.base_url), clock=clock, seed_demo=True)
        engine = create_engine(settings.effective_database_url)
        async with create_sessionmaker(engine)() as session:
            resident = await get_or_create_resident(session, telegram_id=42, chat_id=42, language="en", clock=clock)
            await record_consent(session, resident, clock)
            await update_profile(session, resident, name="Bench", phone="13800138000", birth_year=1950)
        await engine.dispose()
        api.user(42, language_code="en")
        await app.deps.speech.warm_up("en")
        polling = asyncio.create_task(app.dp.start_polling(app.bot, handle_signals=False, polling_timeout=1))
        latencies = []
        try:
            for _ in range(notes):
                before = len(api.sent(42))
                started = time.monotonic()
                await api.send_voice(42, data, duration=3)
                await api.wait_for(42, lambda s, n=before: s.text is not None and s.text.startswith("I heard") and api.sent(42).index(s) >= n, timeout=30)
                latencies.append(time.monotonic() - started)
                await api.tap(42, text="❌ No")
                await api.wait_idle()
        finally:
            with contextlib.suppress(Exception):
                await app.dp.stop_polling()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(polling, 5)
            await app.close()
            await api.stop()
    latencies.sort()
    return {
        "voice_notes": notes,
        "reply_latency_mean_s": round(statistics.mean(latencies), 3),
        "reply_latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
    }
