"""NLU speed: training time, start-up from the cache, and parse latency (p50, p95) for
the embedded interpreter (embeddings, triage, time and readings included), and for Rasa
when a URL is given."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from nlu.evaluate import load_heldout


async def _latencies(interpreter: Any, items: list[dict[str, Any]], repeat: int = 3) -> list[float]:
    from datetime import datetime

    times = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            await interpreter.parse(item["text"], now=datetime.fromisoformat(item["now"]))
            times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "parses": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    }


def main(args: argparse.Namespace) -> int:
    from nlu.embedded import EmbeddedInterpreter
    from nlu.rasa_http import RasaInterpreter
    from nlu.timeparse import warm_up

    items = load_heldout()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = EmbeddedInterpreter(Path(tmp))
        started = time.monotonic()
        embedded.load_or_train()
        cold = time.monotonic() - started
        warm_up()
        # A restart: the model comes from the cache, the sentence encoder from its wheel.
        from nlu.features import forget_sentence_encoder

        forget_sentence_encoder()
        started = time.monotonic()
        again = EmbeddedInterpreter(Path(tmp))
        again.load_or_train()
        again.signals("预热")
        warm = time.monotonic() - started
        result: dict[str, Any] = {
            "embedded": {
                "training_s": round(embedded.training_seconds or cold, 2),
                "cold_start_s": round(cold, 2),
                "start_from_cache_s": round(warm, 2),
            }
        }
        result["embedded"].update(_summary(asyncio.run(_latencies(embedded, items))))
    if args.rasa_url:
        async def rasa_latencies() -> list[float]:
            interpreter = RasaInterpreter(args.rasa_url, timeout=10)
            try:
                return await _latencies(interpreter, items)
            finally:
                await interpreter.close()

        result["rasa"] = _summary(asyncio.run(rasa_latencies()))
    print(json.dumps(result))
    return 0
