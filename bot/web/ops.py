"""For the operators: `/metrics` (Prometheus) and `/healthz`, on the web pages' server
and on the webhook server alike.

/healthz answers 200 when the database answers, and 503 when it does not: without it
Jiayi can do nothing. Redis and Rasa (when configured) are checked and reported too,
but their failure leaves the answer at 200 ("degraded"): conversation state and rate
limits fall back to memory, understanding to the embedded interpreter."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.clock import Clock
from actions.config import Settings
from bot.metrics import Metrics

CHECK_TIMEOUT = 2.0


async def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT)
    except Exception as exc:  # any failure is the answer: down, and why
        return {"status": "down", "error": type(exc).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


async def _database(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))


async def _rasa(url: str) -> None:
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url.rstrip("/") + "/") as response:
        if response.status >= 500:
            raise ConnectionError(f"HTTP {response.status}")


async def health(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], redis: Any) -> tuple[int, dict[str, Any]]:
    checks: dict[str, Any] = {"database": await _timed(_database(sessionmaker))}
    if redis is not None:
        checks["redis"] = await _timed(redis.ping())
    if settings.rasa_url:
        checks["rasa"] = await _timed(_rasa(settings.rasa_url))
    if checks["database"]["status"] != "ok":
        return 503, {"status": "down", "checks": checks}
    degraded = any(c["status"] != "ok" for c in checks.values())
    return 200, {"status": "degraded" if degraded else "ok", "checks": checks}


def ops_routes(
    *,
    metrics: Metrics,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    redis: Any = None,
) -> list[web.RouteDef]:
    async def metrics_view(request: web.Request) -> web.Response:
        body = await metrics.exposition(sessionmaker, clock())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def health_view(request: web.Request) -> web.Response:
        status, body = await health(settings, sessionmaker, redis)
        return web.json_response(body, status=status)

    return [web.get("/metrics", metrics_view), web.get("/healthz", health_view)]


def routes(ctx: Any) -> list[web.RouteDef]:
    """The web pages' server: the bot's metrics under `jiayi run`, this process's
    own (the outbox) under `jiayi web`."""
    if ctx.metrics is None:
        ctx.metrics = Metrics()
    return ops_routes(metrics=ctx.metrics, sessionmaker=ctx.sessionmaker, settings=ctx.settings, clock=ctx.clock, redis=ctx.redis)
