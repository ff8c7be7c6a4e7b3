"""Observability: /metrics shows every family while the bot runs, fed by the counters
the bot keeps anyway; /healthz checks the database, Redis and Rasa; logs can be JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from actions.config import Settings
from actions.db import create_engine, create_sessionmaker
from bot.commands import start_web_beside
from bot.metrics import Metrics
from bot.web.ops import health
from scheduler.outbox import enqueue, message
from tests.conftest import REDIS_URL
from tests.harness import running_jiayi
from tests.test_care_loop import DOCTOR, RESIDENT, link, quick_booking
from tests.test_web import free_port

FAMILIES = (
    "jiayi_updates", "jiayi_update_seconds", "jiayi_replies", "jiayi_nlu_parses", "jiayi_nlu_backend",
    "jiayi_nlu_fallbacks", "jiayi_triage", "jiayi_outbox_depth", "jiayi_outbox_oldest_due_seconds",
    "jiayi_outbox_sends", "jiayi_telegram_429", "jiayi_outbox_errors", "jiayi_speech_in_flight",
    "jiayi_speech_queue_limit", "jiayi_speech_pool_replaced", "jiayi_speech_seconds", "jiayi_events", "jiayi_intents",
)  # fmt: skip


def samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        out.setdefault(family.name, {})
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(found: dict[str, Any], name: str, **labels: str) -> float:
    return found.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


async def test_metrics_show_every_family_while_the_bot_runs(tmp_path, clock, redis_client) -> None:
    async with running_jiayi(tmp_path, clock, web_port=free_port(), redis_url=REDIS_URL) as j:
        runner = await start_web_beside(j.app, j.app.settings)
        base = j.app.settings.effective_web_base_url
        try:
            await link(j, DOCTOR, "dr_wang")
            await j.say(RESIDENT, "/start")
            await j.say(RESIDENT, "你好")
            await j.say(RESIDENT, "我爸爸胸口疼，一直出冷汗")
            await quick_booking(j, days_ahead=2, telegram_id=RESIDENT + 5)
            # Telegram says "too many requests" once: counted, and the row goes out after.
            j.api.fail_next("sendMessage", chat_id=DOCTOR, error_code=429, retry_after=1)
            await j.dispatch()
            await j.dispatch()
            # A reminder due a minute ago and not sent yet: depth and age by priority.
            async with j.app.deps.sessionmaker() as session:
                await enqueue(session, kind="reminder", chat_id=4242, recipient_kind="resident", payload=message("x"),
                              due_at=clock() - timedelta(seconds=60), now=clock())  # fmt: skip
                await session.commit()
            async with aiohttp.ClientSession() as http:
                async with http.get(base + "/metrics") as response:
                    assert response.status == 200
                    assert response.headers["Content-Type"].startswith("text/plain")
                    found = samples(await response.text())
                async with http.get(base + "/healthz") as response:
                    assert response.status == 200
                    body = await response.json()
        finally:
            if runner is not None:
                await runner.cleanup()
    missing = [f for f in FAMILIES if f not in found]
    assert missing == []
    assert value(found, "jiayi_updates_total", kind="command") >= 2
    assert value(found, "jiayi_updates_total", kind="text") == 2
    assert value(found, "jiayi_update_seconds_count", kind="text") == 2
    assert value(found, "jiayi_replies_total", method="sendMessage") >= 3
    assert value(found, "jiayi_nlu_parses_total", backend="embedded") == 2
    assert value(found, "jiayi_nlu_backend", backend="embedded") == 1
    emergencies = {k: v for k, v in found["jiayi_triage_total"].items() if ("urgency", "emergency") in k}
    assert sum(emergencies.values()) == 1 and ("category", "none") not in next(iter(emergencies))
    assert value(found, "jiayi_triage_total", category="none", urgency="routine") == 1
    assert value(found, "jiayi_events_total", event="emergencies") == 1
    assert value(found, "jiayi_telegram_429_total") == 1
    assert value(found, "jiayi_outbox_sends_total", result="sent") == 1  # the summary, at its second try
    assert value(found, "jiayi_outbox_sends_total", result="retried") == 1
    assert value(found, "jiayi_outbox_depth", priority="reminder") == 1
    assert value(found, "jiayi_outbox_oldest_due_seconds", priority="reminder") == 60
    assert value(found, "jiayi_outbox_depth", priority="emergency") == 0
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["redis"]["status"] == "ok"


async def test_rasa_down_is_counted_as_fallbacks_and_reported_as_degraded(tmp_path, clock) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with running_jiayi(tmp_path, clock, web_port=free_port(), rasa_url=dead) as j:
        runner = await start_web_beside(j.app, j.app.settings)
        base = j.app.settings.effective_web_base_url
        try:
            await j.say(RESIDENT, "你好")
            async with aiohttp.ClientSession() as http:
                async with http.get(base + "/metrics") as response:
                    found = samples(await response.text())
                async with http.get(base + "/healthz") as response:
                    status, body = response.status, await response.json()
        finally:
            if runner is not None:
                await runner.cleanup()
    assert value(found, "jiayi_nlu_fallbacks_total") == 1
    assert value(found, "jiayi_nlu_parses_total", backend="embedded") == 1
    assert status == 200 and body["status"] == "degraded" and body["checks"]["rasa"]["status"] == "down"


async def test_health_is_503_without_the_database(tmp_path) -> None:
    engine = create_engine(f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none")
    try:
        settings = Settings(_env_file=None, state_dir=tmp_path)  # type: ignore[call-arg]
        status, body = await health(settings, create_sessionmaker(engine), None)
    finally:
        await engine.dispose()
    assert status == 503 and body["checks"]["database"]["status"] == "down"


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.updates.labels("text").inc()
    assert first.registry is not second.registry
    assert first.registry.get_sample_value("jiayi_updates_total", {"kind": "text"}) == 1
    assert second.registry.get_sample_value("jiayi_updates_total", {"kind": "text"}) is None


def test_logs_can_be_json_lines(tmp_path) -> None:
    code = (
        "import logging; from actions.config import load_settings; from bot.commands import _logging; "
        "_logging(load_settings()); logging.getLogger('jiayi.test').warning('booking %s accepted', 7)"
    )
    env = {**os.environ, "LOG_FORMAT": "json", "STATE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING" and line["logger"] == "jiayi.test" and line["message"] == "booking 7 accepted"
    assert "time" in line
