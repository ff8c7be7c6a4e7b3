"""Speech benchmark: the English engine's real-time factor and latency over the
English fixtures (espeak-ng speech, OGG/Opus like Telegram's)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bot.config import Settings
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
            if item["lang"] != "en":
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
