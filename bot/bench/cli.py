"""`jiayi bench reminders`, `jiayi nlu bench` and `jiayi voice bench`."""

from __future__ import annotations

import argparse
import asyncio
import json


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    bench = sub.add_parser("bench", help="benchmarks")
    bsub = bench.add_subparsers(dest="bench_command", required=True)
    groups["bench"] = bsub
    reminders = bsub.add_parser("reminders", help="send N due reminders through the local Bot API")
    reminders.add_argument("--count", type=int, default=1000)
    reminders.set_defaults(handler=cmd_bench_reminders)

    if "nlu" in groups:
        nlu = groups["nlu"].add_parser("bench", help="parse latency and training time")
        nlu.add_argument("--rasa-url", default=None)
        nlu.set_defaults(handler=cmd_bench_nlu)
    if "voice" in groups:
        voice = groups["voice"].add_parser(
            "bench", help="error rates, understanding, red flags, speed and memory on the fixture and blind notes"
        )
        voice.add_argument("--sets", nargs="+", choices=("fixtures", "blind"), default=["fixtures", "blind"])
        voice.add_argument("--no-bot", action="store_true", help="skip the latency run through the whole bot")
        voice.set_defaults(handler=cmd_bench_voice)


def cmd_bench_reminders(args: argparse.Namespace) -> int:
    from bot.bench.reminders import bench_reminders

    result = asyncio.run(bench_reminders(args.count))
    print(json.dumps(result))
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


def cmd_bench_nlu(args: argparse.Namespace) -> int:
    from bot.bench.nlu import main

    return main(args)


def cmd_bench_voice(args: argparse.Namespace) -> int:
    from bot.bench.voice import bench_voice

    result = bench_voice(list(args.sets), through_bot=not args.no_bot)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0
