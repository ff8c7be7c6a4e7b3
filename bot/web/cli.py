"""`jiayi web [--host] [--port]` serves the web ends on their own (sharing the bot's
database), and `jiayi web link --staff | --provider CODE` prints a one-time login
link (on the last line) for someone who cannot use /web in the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys

from actions.config import Settings, load_settings


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    web = sub.add_parser("web", help="the management dashboard and provider workbench in a browser")
    web.add_argument("--host", help="address to listen on (default WEB_HOST, 127.0.0.1)")
    web.add_argument("--port", type=int, help="port (default WEB_PORT, 8088)")
    web.set_defaults(handler=cmd_web)
    wsub = web.add_subparsers(dest="web_command")
    link = wsub.add_parser("link", help="print a one-time login link (valid 10 minutes)")
    who = link.add_mutually_exclusive_group(required=True)
    who.add_argument("--staff", action="store_true", help="for the centre's staff: the dashboard")
    who.add_argument("--provider", metavar="CODE", help="for a provider (see `jiayi provider list`): their workbench")
    link.set_defaults(handler=cmd_link)


def cmd_link(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def make() -> int:
        from actions.clock import system_clock
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.web_access import STAFF, create_login, create_provider_login

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                minutes = settings.web_login_minutes
                if args.staff:
                    token = await create_login(session, role=STAFF, clock=system_clock, minutes=minutes)
                else:
                    try:
                        token = await create_provider_login(session, provider_code=args.provider, clock=system_clock, minutes=minutes)
                    except LookupError:
                        print(f"unknown or deactivated provider: {args.provider} (see `jiayi provider list`)", file=sys.stderr)
                        return 2
        finally:
            await engine.dispose()
        print(f"one-time login link for {'the staff' if args.staff else args.provider}, valid {minutes} minutes:")
        print(f"{settings.effective_web_base_url}/login/{token}")
        return 0

    return asyncio.run(make())


def build_context(settings: Settings, sessionmaker, *, clock, redis=None, metrics=None, notifier=None):  # type: ignore[no-untyped-def]
    """The pages' context for a process without the bot: the notifier writes to the
    outbox, which the bot's process sends (within its 2-second tick)."""
    from actions.catalog import load_catalog
    from bot.i18n import I18n
    from bot.notifier import OutboxNotifier
    from bot.web.app import WebContext

    i18n = I18n()
    catalog = load_catalog()
    notifier = notifier or OutboxNotifier(
        i18n=i18n, catalog=catalog, tz=settings.tz, clock=clock,
        reminder_offsets_hours=list(settings.reminder_offsets_hours),
        staff_chat_ids=list(settings.staff_telegram_ids), duty_chat_id=settings.duty_chat_id,
    )  # fmt: skip
    return WebContext(
        settings=settings, sessionmaker=sessionmaker, clock=clock, tz=settings.tz, i18n=i18n, catalog=catalog,
        notifier=notifier, metrics=metrics, redis=redis,
    )  # fmt: skip


def cmd_web(args: argparse.Namespace) -> int:
    from bot.commands import _logging

    settings = load_settings()
    _logging(settings)
    host = args.host or settings.web_host
    port = args.port or settings.web_port
    if args.host or args.port:
        settings = settings.model_copy(update={"web_host": host, "web_port": port})

    async def serve() -> int:
        from redis.asyncio import Redis

        from actions.clock import system_clock
        from actions.db import create_engine, create_sessionmaker, migrate
        from bot.web.app import start_web

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        ctx = build_context(settings, create_sessionmaker(engine), clock=system_clock, redis=redis)
        runner = await start_web(ctx, host, port)
        print(f"jiayi web: {settings.effective_web_base_url}/  (log in with /web in the bot or `jiayi web link`)")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()
        return 0

    try:
        return asyncio.run(serve())
    except KeyboardInterrupt:
        return 0
