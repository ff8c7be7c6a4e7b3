"""`jiayi bench reminders`, `jiayi nlu bench` and `jiayi voice bench`."""

from __future__ import annotations

import argparse
import asyncio
import json


def register(
    sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]
) -> None:
    bench = sub.add_parser("bench", help="benchmarks")
    bsub = bench.add_subparsers(dest="bench_command", required=True)
    groups["bench"] = bsub
    reminders = bsub.add_parser("reminders", help="send N due reminders through the local Bot API")
    reminders.add_argument("--count", type=int, default=1000)
    reminders.set_defaults(handler=cmd_bench_reminders)
    load = bsub.add_parser(
        "load", help="the whole bot under Poisson arrivals of residents' updates"
    )
    load.add_argument("--rate", type=float, default=50.0, help="updates per second offered")
    load.add_argument(
        "--seconds", type=float, default=30.0, help="measured seconds (after the warm-up)"
    )
    load.add_argument("--residents", type=int, default=1000)
    load.add_argument(
        "--workers", type=int, default=1, help="1: one polling worker; more: webhook workers"
    )
    load.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    load.add_argument(
        "--grace", type=float, default=30.0, help="seconds to wait for late replies and notices"
    )
    load.add_argument(
        "--in-process", action="store_true", help="run the one worker inside the bench's process"
    )
    load.add_argument("--json", action="store_true", help="print only the JSON line")
    load.set_defaults(handler=cmd_bench_load)

    if "nlu" in groups:
        nlu = groups["nlu"].add_parser("bench", help="parse latency and training time")
        nlu.add_argument("--rasa-url", default=None)
        nlu.set_defaults(handler=cmd_bench_nlu)
    if "voice" in groups:
        voice = groups["voice"].add_parser(
            "bench",
            help="error rates, understanding, red flags, speed and memory on the fixture and blind notes",
        )
        voice.add_argument(
            "--sets", nargs="+", choices=("fixtures", "blind"), default=["fixtures", "blind"]
        )
        voice.add_argument(
            "--no-bot", action="store_true", help="skip the latency run through the whole bot"
        )
        voice.set_defaults(handler=cmd_bench_voice)


def cmd_bench_reminders(args: argparse.Namespace) -> int:
    from bot.bench.reminders import bench_reminders

    result = asyncio.run(bench_reminders(args.count))
    print(json.dumps(result))
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


def cmd_bench_load(args: argparse.Namespace) -> int:
    from bot.bench.load import bench_load

    def log(line: str) -> None:
        if not args.json:
            print(line, flush=True)

    result = asyncio.run(
        bench_load(
            rate=args.rate, seconds=args.seconds, residents=args.residents, workers=args.workers,
            warmup=args.warmup, grace=args.grace, in_process=args.in_process, log=log,
        )
    )  # fmt: skip
    detail = result.pop("_detail")
    log("  ".join(f"{k}={v}" for k, v in detail.items()))
    print(json.dumps(result))
    return 0 if result["errors"] == 0 and result["unanswered"] == 0 else 1


def cmd_bench_nlu(args: argparse.Namespace) -> int:
    from bot.bench.nlu import main

    return main(args)


def cmd_bench_voice(args: argparse.Namespace) -> int:
    from bot.bench.voice import bench_voice

    result = bench_voice(list(args.sets), through_bot=not args.no_bot)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0
