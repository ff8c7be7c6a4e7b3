"""`jiayi voice transcribe FILE [--lang en|zh]` and `jiayi voice bench`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    voice = sub.add_parser("voice", help="speech recognition")
    vsub = voice.add_subparsers(dest="voice_command", required=True)
    tr = vsub.add_parser("transcribe", help='print {"text", "confidence", "engine", "seconds"} for an audio file')
    tr.add_argument("file", type=Path)
    tr.add_argument("--lang", choices=("en", "zh"), default="en")
    tr.set_defaults(handler=cmd_transcribe)
    bench = vsub.add_parser("bench", help="real-time factor and latency over the test fixtures")
    bench.add_argument("--repeat", type=int, default=3)
    bench.set_defaults(handler=cmd_bench)


def cmd_transcribe(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from nlu.speech import SpeechError, SpeechService

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(json.dumps({"error": "unreadable_file", "detail": str(exc)}))
        return 2
    service = SpeechService(load_settings())
    try:
        transcript = service.transcribe_sync(data, args.lang)
    except SpeechError as exc:
        print(json.dumps({"error": type(exc).__name__, "detail": str(exc)}, ensure_ascii=False))
        return 2
    finally:
        service.close()
    print(
        json.dumps(
            {"text": transcript.text, "confidence": transcript.confidence, "engine": transcript.engine, "seconds": transcript.seconds},
            ensure_ascii=False,
        )
    )
    sys.stdout.flush()
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import asyncio

    from nlu.speech.bench import bench_voice, bench_voice_to_reply

    result = bench_voice(args.repeat)
    result.update(asyncio.run(bench_voice_to_reply()))
    print(json.dumps(result))
    return 0
