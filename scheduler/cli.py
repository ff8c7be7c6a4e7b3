"""`jiayi stats` and `jiayi bench reminders`."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta


def register(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("stats", help="service quality: satisfaction, response times, match rate, no-shows")
    stats.add_argument("--days", type=int, default=30)
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    bench = sub.add_parser("bench", help="benchmarks")
    bsub = bench.add_subparsers(dest="bench_command", required=True)
    reminders = bsub.add_parser("reminders", help="send N due reminders through the local Bot API")
    reminders.add_argument("--count", type=int, default=1000)
    reminders.set_defaults(handler=cmd_bench_reminders)


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    settings = load_settings()

    async def run() -> int:
        from actions.clock import system_clock
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.stats import quality_report

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                report = await quality_report(session, since=system_clock() - timedelta(days=args.days))
        finally:
            await engine.dispose()
        if args.json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            print(format_report(report.as_dict()))
        return 0

    return asyncio.run(run())


def format_report(data: dict) -> str:  # type: ignore[type-arg]
    lines = [
        f"since {data['since']}",
        f"requests {data['requests']}, booked {data['requests_booked']}, match rate {data['match_rate']}",
        f"bookings {data['bookings']}, done {data['done']}, no-shows {data['no_shows']}, emergencies {data['emergencies']}",
        f"ratings {data['ratings']}, mean {data['mean_rating']}, open follow-ups {data['open_follow_ups']}",
        f"median provider response (minutes) {data['median_response_minutes']}",
    ]
    for code, row in sorted(data["by_service"].items()):
        lines.append(f"  service {code}: {row}")
    for code, row in sorted(data["by_provider"].items()):
        lines.append(f"  provider {code}: {row}")
    return "\n".join(lines)


def cmd_bench_reminders(args: argparse.Namespace) -> int:
    from scheduler.bench import bench_reminders

    result = asyncio.run(bench_reminders(args.count))
    print(json.dumps(result))
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1
