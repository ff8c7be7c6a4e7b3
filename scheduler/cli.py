"""`jiayi stats`."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    stats = sub.add_parser("stats", help="service quality: satisfaction, response times, match rate, no-shows")
    stats.add_argument("--days", type=int, default=30)
    stats.add_argument("--json", action="store_true", help="the whole report as JSON, for tools")
    stats.add_argument("--service", help="one service (its code)")
    stats.add_argument("--provider", help="one provider (their code)")
    stats.add_argument("--team", help="one family-doctor team (its code)")
    stats.set_defaults(handler=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    from actions.config import load_settings

    settings = load_settings()

    async def run() -> int:
        from actions.chronic_stats import chronic_care_report, format_chronic_report
        from actions.clock import system_clock
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.stats import Filters, format_report, quality_report

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        now = system_clock()
        try:
            async with create_sessionmaker(engine)() as session:
                report = await quality_report(
                    session, since=now - timedelta(days=args.days), until=now,
                    filters=Filters(service=args.service, provider=args.provider, team=args.team),
                )  # fmt: skip
                chronic = await chronic_care_report(
                    session, since=now - timedelta(days=args.days), now=now, today=now.astimezone(settings.tz).date()
                )
        finally:
            await engine.dispose()
        if args.json:
            print(json.dumps({**report.as_dict(), "chronic_care": chronic.as_dict()}, ensure_ascii=False, indent=2))
        else:
            print(format_report(report.as_dict()))
            print(format_chronic_report(chronic.as_dict()))
        return 0

    return asyncio.run(run())
