"""`jiayi voice bench`: speech accuracy and speed on the two sets of real notes.

- the fixture set (tests/fixtures/voice/manifest.jsonl): what the engine was tuned on;
- the blind set (nlu/eval/voice/manifest.jsonl): made independently, only measured.

Per set and language: character error rate (zh) or word error rate (en), intent and
service accuracy of the transcripts through the default (embedded) interpreter, with
the typed texts as a baseline, red flags caught by triage, out-of-domain notes turned
into bookings, the real-time factor and the worker's peak memory; then, through the
whole bot on the local Bot API, note-to-first-reply latency (p50, p95) and the reply
time for silence and noise."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from actions.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SETS = {"fixtures": ROOT / "tests" / "fixtures" / "voice", "blind": ROOT / "nlu" / "eval" / "voice"}
NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
DIGITS = "零一二三四五六七八九"
EN_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
EN_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def load_set(name: str) -> list[dict[str, Any]]:
    folder = SETS[name]
    rows = [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row["path"] = folder / row["file"]
    return rows


def _zh_number(n: int) -> str:
    if n < 10:
        return DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = "" if rest == 0 else ("零" + DIGITS[rest] if rest < 10 else ("一" if rest < 20 else "") + _zh_number(rest))
        return DIGITS[hundreds] + "百" + tail
    return "".join(DIGITS[int(c)] for c in str(n))


def zh_units(text: str) -> list[str]:
    """Characters for the error rate: numbers spoken as written out, punctuation gone."""
    text = re.sub(r"(\d+)\.(\d+)", lambda m: _zh_number(int(m.group(1))) + "点" + "".join(DIGITS[int(c)] for c in m.group(2)), text)
    text = re.sub(r"\d+", lambda m: _zh_number(int(m.group(0))), text)
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def _en_number(n: int) -> str:
    if n < 20:
        return EN_NUMBERS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return EN_TENS[tens] + ("" if ones == 0 else " " + EN_NUMBERS[ones])
    return " ".join(EN_NUMBERS[int(c)] for c in str(n))


def en_units(text: str) -> list[str]:
    """Words for the error rate, the same for the text and the transcript: lower case,
    numbers spelled out, "a.m."/"p.m." as "am"/"pm", "%" as "percent", punctuation
    and hyphens gone (apostrophes kept: "I'd" stays one word)."""
    text = text.lower()
    text = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", text).replace("%", " percent")
    text = re.sub(r"(\d+)\.(\d+)", lambda m: _en_number(int(m.group(1))) + " point " + " ".join(EN_NUMBERS[int(c)] for c in m.group(2)), text)
    text = re.sub(r"\d+", lambda m: _en_number(int(m.group(0))), text)
    return re.sub(r"[^a-z' ]", " ", text).split()


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[len(b)]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3) if ordered else 0.0


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


async def bench_accuracy(settings: Settings, sets: list[str]) -> dict[str, Any]:
    """Every note of each set through a speech worker, its transcript through triage and
    the interpreter."""
    from bot.handlers.voice import triage_transcript
    from nlu.factory import build_interpreter, warm_up
    from nlu.speech import SpeechError, SpeechService
    from nlu.triage import triage

    interpreter = build_interpreter(settings)
    await asyncio.to_thread(warm_up, interpreter)
    speech = SpeechService(settings, workers=1)
    await speech.warm_up()
    report: dict[str, Any] = {}
    try:
        for name in sets:
            groups: dict[str, dict[str, Any]] = {}
            for row in load_set(name):
                lang = row["lang"] or "zh"
                g = groups.setdefault(lang, {
                    "notes": 0, "errors": 0, "units": 0, "audio_s": 0.0, "busy_s": 0.0, "latencies": [],
                    "requests": 0, "requests_right": 0, "requests_right_typed": 0, "intents": 0, "intents_right": 0,
                    "intents_right_typed": 0, "red_flags": 0, "red_flags_caught": 0, "false_alarms": 0,
                    "out_of_domain": 0, "out_of_domain_booked": 0, "misses": [],
                })  # fmt: skip
                started = time.monotonic()
                try:
                    transcript = await speech.transcribe(row["path"].read_bytes(), lang)
                    text = transcript.text
                except SpeechError:
                    transcript, text = None, ""
                elapsed = time.monotonic() - started
                if not row["text"]:
                    continue  # silence and noise: timed through the bot below
                g["notes"] += 1
                g["audio_s"] += row.get("seconds") or (transcript.seconds if transcript else 0.0)
                g["busy_s"] += elapsed
                g["latencies"].append(elapsed)
                units = zh_units if lang == "zh" else en_units
                g["errors"] += edit_distance(units(row["text"]), units(text))
                g["units"] += len(units(row["text"]))
                heard = await interpreter.parse(text, now=NOW) if text else None
                typed = await interpreter.parse(row["text"], now=NOW)
                if row.get("intent") and row["urgency"] != "emergency":
                    g["intents"] += 1
                    g["intents_right"] += bool(heard and heard.intent == row["intent"])
                    g["intents_right_typed"] += typed.intent == row["intent"]
                if row.get("intent") == "book_service":
                    g["requests"] += 1
                    right = bool(heard and heard.intent == "book_service" and heard.service == row["service"])
                    g["requests_right"] += right
                    g["requests_right_typed"] += typed.intent == "book_service" and typed.service == row["service"]
                    if not right:
                        g["misses"].append(row["file"])
                # As the bot decides: the rules on what was heard, then the interpreter.
                flagged = transcript is not None and (
                    triage_transcript(transcript).urgency == "emergency"
                    or bool(heard and (heard.intent == "emergency" or heard.urgency == "emergency"))
                )
                if row["urgency"] == "emergency":
                    g["red_flags"] += 1
                    g["red_flags_caught"] += flagged
                    if not flagged:
                        g["misses"].append(row["file"])
                elif flagged:
                    g["false_alarms"] += 1
                if row.get("intent") == "out_of_scope":
                    g["out_of_domain"] += 1
                    g["out_of_domain_booked"] += bool(heard and heard.intent == "book_service" and triage(text).urgency == "routine")
            report[name] = {
                lang: {
                    "notes": g["notes"],
                    ("cer" if lang == "zh" else "wer"): _ratio(g["errors"], g["units"]),
                    "real_time_factor": round(g["busy_s"] / g["audio_s"], 3) if g["audio_s"] else None,
                    "transcribe_p50_s": _percentile(g["latencies"], 0.5),
                    "transcribe_p95_s": _percentile(g["latencies"], 0.95),
                    "requests": g["requests"],
                    "request_intent_and_service_accuracy": _ratio(g["requests_right"], g["requests"]),
                    "request_accuracy_typed_text": _ratio(g["requests_right_typed"], g["requests"]),
                    "intent_accuracy": _ratio(g["intents_right"], g["intents"]),
                    "intent_accuracy_typed_text": _ratio(g["intents_right_typed"], g["intents"]),
                    "red_flags_caught": f"{g['red_flags_caught']}/{g['red_flags']}",
                    "false_alarms": g["false_alarms"],
                    "out_of_domain_booked": f"{g['out_of_domain_booked']}/{g['out_of_domain']}",
                    "misses": g["misses"],
                }
                for lang, g in groups.items()
            }
        report["worker_peak_rss_mb"] = round(await speech.pool.peak_rss_mb(), 1)
    finally:
        speech.close()
    return report


async def bench_voice_to_reply(settings: Settings, sets: list[str]) -> dict[str, Any]:
    """From a voice note arriving at the Bot API to the bot's first reply reaching it,
    through the whole bot (download, decode, recognise, triage, read-back)."""
    from actions.clock import FixedClock
    from actions.db import create_engine, create_sessionmaker
    from actions.residents import get_or_create_resident, record_consent, update_profile
    from bot.app import build_app, build_bot
    from bot.sandbox.botapi import LocalBotAPI

    api = LocalBotAPI()
    await api.start()
    clock = FixedClock(NOW)
    app = await build_app(settings, bot=build_bot(settings, api_base=api.base_url), clock=clock, seed_demo=True)
    engine = create_engine(settings.effective_database_url)
    async with create_sessionmaker(engine)() as session:
        for chat, lang in ((42, "zh"), (43, "en")):
            resident = await get_or_create_resident(session, telegram_id=chat, chat_id=chat, language=lang, clock=clock)
            await record_consent(session, resident, clock)
            await update_profile(session, resident, name="Bench", phone="13800138000", birth_year=1950)
    await engine.dispose()
    api.user(42, language_code="zh")
    api.user(43, language_code="en")
    await app.start_background()
    polling = asyncio.create_task(app.dp.start_polling(app.bot, handle_signals=False, polling_timeout=1))
    speech_lat: list[float] = []
    long_lat: list[float] = []
    quiet: dict[str, float] = {}
    try:
        for name in sets:
            for row in load_set(name):
                chat = 43 if row["lang"] == "en" else 42
                before = len(api.sent(chat))
                data = row["path"].read_bytes()
                started = time.monotonic()
                await api.send_voice(chat, data, duration=max(1, int(row.get("seconds") or 5)))
                await api.wait_for(chat, lambda s, n=before, c=chat: api.sent(c).index(s) >= n, timeout=60)
                elapsed = time.monotonic() - started
                if row["text"]:
                    speech_lat.append(elapsed)
                    if (row.get("seconds") or 0) >= 8:
                        long_lat.append(elapsed)
                else:
                    quiet[f"{name}/{row['variant']}"] = round(elapsed, 3)
                await api.wait_idle(timeout=30)
        rss = round(await app.deps.speech.pool.peak_rss_mb(), 1)
    finally:
        with contextlib.suppress(Exception):
            await app.dp.stop_polling()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(polling, 5)
        await app.close()
        await api.stop()
    return {
        "voice_notes": len(speech_lat),
        "reply_latency_p50_s": _percentile(speech_lat, 0.5),
        "reply_latency_p95_s": _percentile(speech_lat, 0.95),
        "reply_latency_max_s": round(max(speech_lat), 3) if speech_lat else None,
        "notes_of_8s_or_more": len(long_lat),
        "reply_latency_8s_or_more_max_s": round(max(long_lat), 3) if long_lat else None,
        "silence_and_noise_reply_s": quiet,
        "bot_worker_peak_rss_mb": rss,
    }


def bench_voice(sets: list[str], through_bot: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        # One chat sends every note in turn, faster than a person may: the per-person
        # limit would drop notes (with no reply to time) once the replies are quick.
        settings = Settings(_env_file=None, state_dir=Path(tmp), user_messages_per_minute=100_000)  # type: ignore[call-arg]
        started = time.monotonic()
        result: dict[str, Any] = {"accuracy": asyncio.run(bench_accuracy(settings, sets))}
        if through_bot:
            result["through_the_bot"] = asyncio.run(bench_voice_to_reply(settings, sets))
        result["bench_seconds"] = round(time.monotonic() - started, 1)
    return result
