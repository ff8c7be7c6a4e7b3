"""`jiayi voice transcribe FILE [--lang en|zh]` (`jiayi voice bench` is in bot/bench)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    voice = sub.add_parser("voice", help="speech recognition")
    vsub = voice.add_subparsers(dest="voice_command", required=True)
    groups["voice"] = vsub
    tr = vsub.add_parser("transcribe", help='print {"text", "confidence", "engine", "seconds"} for an audio file')
    tr.add_argument("file", type=Path)
    tr.add_argument("--lang", choices=("en", "zh"), default="en")
    tr.set_defaults(handler=cmd_transcribe)


def cmd_transcribe(args: argparse.Namespace) -> int:
    from actions.config import load_settings
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
