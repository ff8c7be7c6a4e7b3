"""The web front end's factory: an aiohttp application beside the Telegram routers,
calling the same actions/ functions. One module per page group (auth, dashboard,
workbench), server-rendered Jinja2 templates, files served from static/ (nothing from
another site: the pages work offline), one database session per request, and an
encrypted session cookie that says who is looking."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.catalog import Catalog
from actions.clock import Clock
from actions.config import Settings
from actions.db import ensure_private_dir
from actions.notify import Notifier
from bot.i18n import I18n
from bot.metrics import Metrics

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "jiayi_web"
KEY_FILE = "web_session.key"


@dataclass
class WebContext:
    """What the pages need, handed over by the composition root (the bot's own objects
    under `jiayi run`, so a provider's answer on the web wakes the same care loop)."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    tz: ZoneInfo
    i18n: I18n
    catalog: Catalog
    notifier: Notifier
    metrics: Metrics | None = None
    redis: Any = None


CONTEXT = web.AppKey("jiayi_web_context", WebContext)
DB = web.RequestKey("jiayi_db", AsyncSession)


def session_key(settings: Settings) -> bytes:
    """WEB_SESSION_KEY, or a key generated once into the state directory (owner only)."""
    if settings.web_session_key is not None and settings.web_session_key.get_secret_value():
        return settings.web_session_key.get_secret_value().encode()
    ensure_private_dir(settings.state_dir)
    path = settings.state_dir / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    log.info("a new web session key was generated in the state directory")
    return key


@web.middleware
async def db_session(request: web.Request, handler: Any) -> web.StreamResponse:
    """One AsyncSession per request; the domain functions commit."""
    async with request.app[CONTEXT].sessionmaker() as session:
        request[DB] = session
        return await handler(request)  # type: ignore[no-any-return]


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Nothing from another site, and no script at all.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    if request.path not in ("/healthz", "/metrics") and not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_web_app(ctx: WebContext) -> web.Application:
    from bot.web import auth, dashboard, ops, workbench

    app = web.Application(client_max_size=64 * 1024)
    app[CONTEXT] = ctx
    settings = ctx.settings
    storage = EncryptedCookieStorage(
        Fernet(session_key(settings)),
        cookie_name=COOKIE,
        max_age=settings.web_session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.web_cookie_secure,
    )
    app.middlewares.append(security_headers)
    setup_sessions(app, storage)
    app.middlewares.append(db_session)
    app.middlewares.append(auth.who_is_looking)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_static("/static/", HERE / "static", name="static")
    app.add_routes(ops.routes(ctx))
    app.add_routes(auth.routes)
    app.add_routes(dashboard.routes)
    app.add_routes(workbench.routes)
    return app


async def start_web(ctx: WebContext, host: str, port: int) -> web.AppRunner:
    """Serves the pages on host:port until the runner is cleaned up."""
    runner = web.AppRunner(build_web_app(ctx), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
