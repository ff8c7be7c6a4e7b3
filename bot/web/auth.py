"""Who is looking: login by a one-time link (from /web in the bot or `jiayi web link`),
the session cookie, the language, and the rule that every page but the login pages
needs a session. Staff see the whole centre; a provider only their own residents and
bookings (checked again on every request: a deactivated provider, or staff taken off
the list, lose access at once)."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Provider
from actions.providers import get_provider
from actions.residents import display_phone
from actions.web_access import PROVIDER, STAFF, LoginRefused, check_login, redeem_login
from bot.i18n import LANGUAGES

log = logging.getLogger(__name__)

routes = web.RouteTableDef()
LANG = web.RequestKey("jiayi_lang", str)
CSRF = web.RequestKey("jiayi_csrf", str)
PUBLIC = ("/login", "/static/", "/healthz", "/metrics", "/lang/", "/favicon.ico")


@dataclass(frozen=True)
class WebUser:
    role: str
    provider: Provider | None
    telegram_id: int | None

    @property
    def is_staff(self) -> bool:
        return self.role == STAFF


def ctx_of(request: web.Request) -> Any:
    from bot.web.app import CONTEXT

    return request.app[CONTEXT]


USER = web.RequestKey("jiayi_user", WebUser)


def db(request: web.Request) -> AsyncSession:
    from bot.web.app import DB

    return request[DB]


def user_of(request: web.Request) -> WebUser:
    return request[USER]


def lang_of(request: web.Request) -> str:
    return request.get(LANG, "zh")


def translator(request: web.Request) -> Callable[..., str]:
    return ctx_of(request).i18n.translator(lang_of(request))  # type: ignore[no-any-return]


async def _load_user(request: web.Request, data: Any) -> WebUser | None:
    role = data.get("role")
    ctx = ctx_of(request)
    telegram_id = data.get("telegram_id")
    if role == STAFF:
        if telegram_id is not None and telegram_id not in ctx.settings.staff_telegram_ids:
            return None
        return WebUser(STAFF, None, telegram_id)
    if role == PROVIDER and data.get("provider_id") is not None:
        provider = await get_provider(db(request), int(data["provider_id"]))
        if provider is None or not provider.active:
            return None
        return WebUser(PROVIDER, provider, telegram_id)
    return None


@web.middleware
async def who_is_looking(request: web.Request, handler: Any) -> web.StreamResponse:
    session = await get_session(request)
    lang = session.get("lang")
    request[LANG] = lang if lang in LANGUAGES else "zh"
    request[CSRF] = session.get("csrf", "")
    if request.path.startswith(PUBLIC):
        return await handler(request)  # type: ignore[no-any-return]
    user = await _load_user(request, session)
    if user is None:
        if session.get("role"):
            session.invalidate()
        raise web.HTTPSeeOther("/login")
    if request.method == "POST":
        form = await request.post()
        sent = str(form.get("csrf", ""))
        if not session.get("csrf") or not secrets.compare_digest(sent, str(session["csrf"])):
            log.warning("web: a form without its session token was refused (%s)", request.path)
            return refused(request, "web-refused-form", status=403)
    request[USER] = user
    return await handler(request)  # type: ignore[no-any-return]


def render(request: web.Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> web.Response:
    """A page: what every template gets (the translator, who is looking, the form token)
    with the page's own context."""
    return aiohttp_jinja2.render_template(template, request, {**template_context(request), **(context or {})}, status=status)


def template_context(request: web.Request) -> dict[str, Any]:
    ctx = ctx_of(request)
    lang = lang_of(request)
    notice = request.query.get("notice", "")
    return {
        "t": ctx.i18n.translator(lang),
        "lang": lang,
        "user": request.get(USER),
        "csrf": request.get(CSRF, ""),
        "path": request.path,
        "centre_phone": ctx.settings.centre_phone,
        "callback_reason": lambda reason: ctx.i18n.t(
            lang, f"callback-reason-{reason}" if f"callback-reason-{reason}" in ctx.i18n.keys(lang) else "callback-reason-other"
        ),
        "group_keys": ctx.i18n.keys(lang),
        # Phones are stored in E.164 and shown in the local format, as in the bot.
        "phone": display_phone,
        "notice": notice if notice.startswith("web-notice-") and notice in ctx.i18n.keys(lang) else None,
    }


def refused(request: web.Request, key: str, *, status: int = 403, **args: str) -> web.Response:
    return render(request, "refused.html", {"message_key": key, "args": args}, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def staff_only(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        user = user_of(request)
        if not user.is_staff:
            log.warning("web: provider %s refused on a staff page", user.provider.id if user.provider else None)
            return refused(request, "web-refused-staff-only")
        return await handler(request)

    return wrapped


def provider_only(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        if user_of(request).provider is None:
            return refused(request, "web-refused-provider-only")
        return await handler(request)

    return wrapped


def back_to(path: str, notice: str | None = None) -> web.HTTPSeeOther:
    """After a form: back to a page, with a notice (a message id) to show there."""
    if notice:
        return web.HTTPSeeOther(f"{path}{'&' if '?' in path else '?'}notice={notice}")
    return web.HTTPSeeOther(path)


# ---------------------------------------------------------------------------- pages


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    raise web.HTTPSeeOther("/dashboard" if user.is_staff else "/workbench")


@routes.get("/login")
async def login_page(request: web.Request) -> web.StreamResponse:
    return render(request, "login.html")


@routes.get("/login/{token}")
async def login_link(request: web.Request) -> web.StreamResponse:
    """The link only shows a button: a link preview or a mail scanner that opens it
    spends nothing. The button (a POST) logs in."""
    ctx = ctx_of(request)
    try:
        login = await check_login(db(request), token=request.match_info["token"], clock=ctx.clock)
    except LoginRefused as exc:
        log.info("web: a login link was refused (%s)", exc.reason)
        return refused(request, f"web-login-{exc.reason}", status=403)
    role_key = "web-role-staff" if login.role == STAFF else "web-role-provider"
    return render(request, "login_confirm.html", {"role_key": role_key})


@routes.post("/login/{token}")
async def login_spend(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    try:
        grant = await redeem_login(db(request), token=request.match_info["token"], clock=ctx.clock)
    except LoginRefused as exc:
        log.info("web: a login link was refused (%s)", exc.reason)
        return refused(request, f"web-login-{exc.reason}", status=403)
    old = await get_session(request)
    lang = old.get("lang")
    session = await new_session(request)
    session["role"] = grant.role
    session["provider_id"] = grant.provider_id
    session["telegram_id"] = grant.telegram_id
    session["csrf"] = secrets.token_urlsafe(24)
    if lang in LANGUAGES:
        session["lang"] = lang
    elif grant.provider_id is not None:
        provider = await get_provider(db(request), grant.provider_id)
        session["lang"] = provider.language if provider is not None else "zh"
    log.info("web: %s logged in (login %s)", grant.role, grant.login_id)
    raise web.HTTPSeeOther("/")


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    lang = session.get("lang")
    session.invalidate()
    fresh = await new_session(request)
    if lang in LANGUAGES:
        fresh["lang"] = lang
    raise web.HTTPSeeOther("/login")


@routes.get("/lang/{lang}")
async def choose_language(request: web.Request) -> web.StreamResponse:
    lang = request.match_info["lang"]
    session = await get_session(request)
    if lang in LANGUAGES:
        session["lang"] = lang
    target = request.query.get("next", "/")
    # Only a path of this site, never another address.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    raise web.HTTPSeeOther(target)
