"""`jiayi run`, `jiayi seed`, `jiayi migrate` and `jiayi provider ...`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from actions.config import Settings, load_settings

log = logging.getLogger("jiayi")


def _logging(settings: Settings) -> None:
    """One line per record, or with LOG_FORMAT=json one JSON object per record (for a
    log collector; python-json-logger)."""
    if settings.log_format.lower() == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
        logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    else:
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    # aiogram logs every handled update at INFO with timing only; keep it, but never
    # the texts: the event logger is quiet below WARNING.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


def register(sub: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    run = sub.add_parser("run", help="run the bot (the offline sandbox when BOT_TOKEN is not set)")
    run.add_argument("--no-chat", action="store_true", help="sandbox: no terminal chat, just serve")
    run.add_argument("--sandbox-port", type=int, default=8081, help="sandbox: local Bot API port")
    run.set_defaults(handler=cmd_run)

    seed = sub.add_parser("seed", help="load data into the database")
    seed.add_argument("--demo", action="store_true", required=True, help="the demo community")
    seed.set_defaults(handler=cmd_seed)

    mig = sub.add_parser("migrate", help="bring the database schema up (or down) to a revision")
    mig.add_argument("--revision", default="head")
    mig.add_argument("--down", action="store_true", help="downgrade to --revision (default base)")
    mig.set_defaults(handler=cmd_migrate)

    prov = sub.add_parser("provider", help="providers: invite codes, list")
    psub = prov.add_subparsers(dest="provider_command", required=True)
    inv = psub.add_parser("invite", help="create a one-time invite code for a provider")
    inv.add_argument("code", help="the provider's code, e.g. dr_wang (see `jiayi provider list`)")
    inv.add_argument("--hours", type=int, default=72)
    inv.set_defaults(handler=cmd_provider_invite)
    lst = psub.add_parser("list", help="list providers and whether they are linked")
    lst.set_defaults(handler=cmd_provider_list)
    for name, help_text in (
        ("unlink", "unlink the provider's Telegram account at once (waiting messages to them are withdrawn)"),
        ("deactivate", "the provider can do nothing and is offered to nobody, at once"),
        ("activate", "undo deactivate"),
    ):
        access = psub.add_parser(name, help=help_text)
        access.add_argument("code", help="the provider's code, e.g. dr_wang")
        access.set_defaults(handler=cmd_provider_access, access=name)


class UnsafeSettings(Exception):
    """Settings Jiayi refuses to run with; the message says what to change."""


def check_run_settings(settings: Settings) -> None:
    """Refuses what would expose the bot or its data: a webhook anyone can post to,
    and the sandbox (no BOT_TOKEN) pointed at a real deployment's database."""
    if settings.bot_token is None:
        if settings.database_url or settings.webhook_url:
            raise UnsafeSettings(
                "BOT_TOKEN is not set, so `jiayi run` would start the offline sandbox, but "
                "DATABASE_URL or WEBHOOK_URL is set: the sandbox never runs against a real "
                "deployment. Set BOT_TOKEN, or unset DATABASE_URL and WEBHOOK_URL to try the "
                "sandbox on its own database."
            )
        return
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if len(secret) < 16 or not all(c.isalnum() or c in "_-" for c in secret) or len(secret) > 256:
            raise UnsafeSettings(
                "WEBHOOK_URL is set but WEBHOOK_SECRET is missing or weak: set WEBHOOK_SECRET to "
                "16-256 letters, digits, '_' or '-' (Telegram sends it with every update, and "
                "updates without it are refused)."
            )


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.bot_token is not None:
        _logging(settings)
    try:
        check_run_settings(settings)
    except UnsafeSettings as exc:
        print(f"jiayi: {exc}", file=sys.stderr)
        return 2
    if settings.bot_token is None:
        try:
            return asyncio.run(_run_sandbox(settings, chat=not args.no_chat, port=args.sandbox_port))
        except KeyboardInterrupt:
            # Ctrl-C: asyncio has cancelled the chat and the cleanup above has run.
            print("\nbye / 再见", flush=True)
            return 130
    if settings.webhook_url:
        return asyncio.run(_run_webhook(settings))
    return asyncio.run(_run_polling(settings))


async def start_web_beside(app, settings: Settings):  # type: ignore[no-untyped-def]
    """The web ends in the bot's process, sharing its database, notifier and metrics
    (WEB_ENABLED=false leaves them out). A port already taken costs the web pages,
    never the bot."""
    if not settings.web_enabled:
        return None
    from bot.web.app import start_web
    from bot.web.cli import build_context

    ctx = build_context(
        settings, app.deps.sessionmaker, clock=app.deps.clock, redis=app.redis, metrics=app.metrics,
        notifier=app.deps.notifier,
    )  # fmt: skip
    try:
        runner = await start_web(ctx, settings.web_host, settings.web_port)
    except OSError as exc:
        log.warning("the web pages could not listen on %s:%s (%s); the bot runs on", settings.web_host,
                    settings.web_port, exc.strerror or type(exc).__name__)  # fmt: skip
        return None
    log.info("web pages at %s/", settings.effective_web_base_url)
    return runner


async def _run_polling(settings: Settings) -> int:
    from bot.app import build_app, set_commands
    from bot.middlewares.inflight import POLLING_BACKLOG

    app = await build_app(settings)
    web_runner = None
    try:
        await set_commands(app.bot)
        await app.start_background()
        web_runner = await start_web_beside(app, settings)
        await app.bot.delete_webhook(drop_pending_updates=False)
        # Updates fetched but not yet started are bounded too: past this many, polling
        # waits, and the rest stay with Telegram (see bot/middlewares/inflight.py).
        await app.dp.start_polling(app.bot, tasks_concurrency_limit=POLLING_BACKLOG)
    finally:
        if web_runner is not None:
            await web_runner.cleanup()
        await app.close()
    return 0


def build_webhook_app(app, settings: Settings):  # type: ignore[no-untyped-def]
    """The webhook endpoint: every request must carry the secret (compared in constant
    time); anything else gets 401 and never reaches the bot."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    if settings.webhook_secret is None or not settings.webhook_secret.get_secret_value():
        raise UnsafeSettings("a webhook needs WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    from bot.web.ops import ops_routes

    web_app = web.Application(client_max_size=1024 * 1024)
    SimpleRequestHandler(dispatcher=app.dp, bot=app.bot, secret_token=secret).register(web_app, path="/webhook")
    # For the operators: Prometheus metrics and the health check.
    web_app.add_routes(
        ops_routes(metrics=app.metrics, sessionmaker=app.deps.sessionmaker, settings=settings, clock=app.deps.clock,
                   redis=app.redis)
    )  # fmt: skip
    setup_application(web_app, app.dp, bot=app.bot)
    return web_app


async def _run_webhook(settings: Settings) -> int:
    from aiohttp import web

    from bot.app import build_app, set_commands

    check_run_settings(settings)
    app = await build_app(settings)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    web_app = build_webhook_app(app, settings)
    await set_commands(app.bot)
    await app.bot.set_webhook(settings.webhook_url.rstrip("/") + "/webhook", secret_token=secret)  # type: ignore[union-attr]
    await app.start_background()
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    web_runner = await start_web_beside(app, settings)
    stop = asyncio.Event()
    # SIGTERM (a service manager stopping the worker) and Ctrl-C end the service
    # cleanly: the speech workers, the care loop and the connections are closed.
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        if web_runner is not None:
            await web_runner.cleanup()
        await runner.cleanup()
        await app.close()
    return 0


class _TerminalNote(logging.Handler):
    """In the sandbox the log goes to a file; an error also gets one line on screen."""

    def __init__(self, path: object) -> None:
        super().__init__(logging.ERROR)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        print(f"   ⚠ {record.name}: an error was logged ({self.path})", file=sys.stderr)


def sandbox_logging(settings: Settings) -> str:
    """The sandbox's terminal is the conversation: logs go to STATE_DIR/jiayi.log."""
    from actions.db import ensure_private_dir

    ensure_private_dir(settings.state_dir)
    path = settings.state_dir / "jiayi.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.addHandler(_TerminalNote(path))
    root.setLevel(settings.log_level)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    return str(path)


def _step(text: str, started: float | None = None) -> None:
    import time

    took = f" ({time.monotonic() - started:.1f} s)" if started is not None else ""
    print(f"  · {text}{took}", flush=True)


async def _run_sandbox(settings: Settings, *, chat: bool, port: int) -> int:
    import time

    started = time.monotonic()
    print("Jiayi sandbox — starting / 家医沙盒启动中", flush=True)
    log_path = sandbox_logging(settings)
    _step(f"log: {log_path} (LOG_LEVEL={settings.log_level})")
    step = time.monotonic()
    from bot.app import build_app, build_bot, set_commands
    from bot.sandbox.botapi import LocalBotAPI
    from bot.sandbox.chat import run_terminal_chat
    from bot.sandbox.control import Sandbox, SandboxClock

    _step("libraries loaded", step)
    api = LocalBotAPI()
    await api.start(port=port)
    _step(f"local Telegram Bot API at {api.base_url} (no Telegram needed)")
    step = time.monotonic()
    clock = SandboxClock()
    app = await build_app(
        settings, bot=build_bot(settings, api_base=api.base_url), clock=clock, seed_demo=True,
        warm_up_in_background=True,
    )  # fmt: skip
    _step(f"database with the demo community: {settings.effective_database_url.split('///')[-1]}", step)
    sandbox = Sandbox(api=api, app=app, clock=clock)
    providers = await sandbox.link_providers()
    if providers:
        shown = ", ".join(f"{p.name_zh} {p.code} ({p.chat_id})" for p in providers[:3])
        _step(f"providers have sandbox accounts: {shown}{' …' if len(providers) > 3 else ''}")
    await set_commands(app.bot)
    if app.care_loop is not None:
        await app.care_loop.start()
    background = []
    if app.deps.speech is not None:
        # The speech model loads beside the chat; a voice note before it is ready waits.
        background.append(asyncio.create_task(app.deps.speech.warm_up()))
    web_runner = await start_web_beside(app, settings)
    if web_runner is not None:
        await _show_sandbox_web(app, settings)
    # One person at a terminal: updates in order, so the chat shows each answer before
    # the next line is read.
    polling = asyncio.create_task(app.dp.start_polling(app.bot, handle_signals=False, handle_as_tasks=False))
    warm = app.extras.get("warm_up")
    if warm is not None and not warm.ready:
        what = (
            "training the understanding model in the background (first start only; "
            "messages you type wait for it)"
            if warm.training
            else "loading the understanding model in the background"
        )
        _step(what)
    _step(f"ready in {time.monotonic() - started:.1f} s / 就绪")
    try:
        if chat:
            await run_terminal_chat(api, sandbox=sandbox, live=True)
        else:
            await polling
    finally:
        stopping = time.monotonic()
        for task in background:
            task.cancel()
        with contextlib.suppress(Exception):
            await app.dp.stop_polling()
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await polling
        log.info("sandbox: polling stopped after %.2f s", time.monotonic() - stopping)
        if web_runner is not None:
            await web_runner.cleanup()
        await app.close()
        log.info("sandbox: bot closed after %.2f s", time.monotonic() - stopping)
        await api.stop()
        log.info("sandbox: stopped in %.2f s", time.monotonic() - stopping)
    return 0


async def _show_sandbox_web(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """The sandbox's own demo data: a staff link is printed at once, so that the
    dashboard can be opened without a staff account in the chat."""
    from actions.web_access import STAFF, create_login

    async with app.deps.sessionmaker() as session:
        token = await create_login(session, role=STAFF, clock=app.deps.clock, minutes=settings.web_login_minutes)
    _step(f"web pages at {settings.effective_web_base_url}/ ; staff login, once, {settings.web_login_minutes} min: "
          f"{settings.effective_web_base_url}/login/{token}")  # fmt: skip


def cmd_seed(args: argparse.Namespace) -> int:
    settings = load_settings()
    _logging(settings)

    async def seed() -> int:
        from actions.clock import system_clock
        from actions.community import seed_demo
        from actions.db import create_engine, create_sessionmaker, migrate

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                report = await seed_demo(
                    session, clock=system_clock, tz=settings.tz, horizon_days=settings.booking_horizon_days
                )
            print(report)
        finally:
            await engine.dispose()
        return 0

    return asyncio.run(seed())


def cmd_migrate(args: argparse.Namespace) -> int:
    from actions.db import downgrade, migrate

    settings = load_settings()
    url = settings.effective_database_url
    if args.down:
        asyncio.run(downgrade(url, "base" if args.revision == "head" else args.revision))
    else:
        asyncio.run(migrate(url, args.revision))
    return 0


def cmd_provider_invite(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def invite() -> int:
        from actions.clock import system_clock
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.providers import create_invite

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                try:
                    code = await create_invite(session, provider_code=args.code, clock=system_clock, ttl_hours=args.hours)
                except LookupError:
                    print(f"unknown provider code: {args.code} (see `jiayi provider list`)", file=sys.stderr)
                    return 2
        finally:
            await engine.dispose()
        print(f"invite code: {code}")
        print(f"the provider sends the bot:  /start {code}   (or  /provider {code})")
        print(f"valid for {args.hours} hours, once")
        return 0

    return asyncio.run(invite())


def cmd_provider_access(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def change() -> int:
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.providers import set_provider_active, unlink_provider

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                try:
                    if args.access == "unlink":
                        withdrawn = await unlink_provider(session, provider_code=args.code)
                    else:
                        withdrawn = await set_provider_active(
                            session, provider_code=args.code, active=args.access == "activate"
                        )
                except LookupError:
                    print(f"unknown provider code: {args.code} (see `jiayi provider list`)", file=sys.stderr)
                    return 2
        finally:
            await engine.dispose()
        done = {"unlink": "unlinked", "deactivate": "deactivated", "activate": "activated"}[args.access]
        print(f"{args.code}: {done}; {withdrawn} waiting messages withdrawn")
        return 0

    return asyncio.run(change())


def cmd_provider_list(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def listing() -> int:
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.providers import list_providers

        await migrate(settings.effective_database_url)
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                for p in await list_providers(session):
                    linked = "linked" if p.telegram_id else "-"
                    active = "" if p.active else "  (deactivated)"
                    print(f"{p.code:14} {p.role:16} {p.name_zh:6} {p.name_en:14} {linked}{active}")
        finally:
            await engine.dispose()
        return 0

    return asyncio.run(listing())
