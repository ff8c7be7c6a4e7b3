"""Every Prometheus metric of Jiayi is registered here, on a registry of the app's own
(no process-wide registry: two apps in one process, as in the tests, never share or
clash). Names start with `jiayi_`.

Counters that the bot already keeps are not counted twice: the handlers' `Deps.count`,
the Rasa fallback count, the outbox dispatcher's send statistics and the speech pool's
queue are read when /metrics is scraped. What nothing counted before (updates, replies,
latency, parses by backend, triage outcomes, speech durations) is counted here; the
outbox depth and age are read from the database on each scrape."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.models import Outbox

PRIORITIES = {0: "emergency", 1: "callback", 2: "change", 3: "reminder"}
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SPEECH_BUCKETS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)

# The task handling an update: Bot API calls made in it are replies. A task started
# from a handler (the outbox woken after a booking) copies the variable but is another
# task, so its sends are not counted as replies.
_answering: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar("jiayi_answering", default=None)


def update_kind(update: Update) -> str:
    message = update.message
    if message is not None:
        if message.text is not None:
            return "command" if message.text.startswith("/") else "text"
        if message.voice is not None or message.audio is not None or message.video_note is not None:
            return "voice"
        return str(message.content_type)
    if update.callback_query is not None:
        return "callback"
    return str(update.event_type)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("jiayi_updates", "Telegram updates received, by kind", ["kind"], registry=r)
        self.update_seconds = Histogram(
            "jiayi_update_seconds", "Time from receiving an update to having answered it", ["kind"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.replies = Counter("jiayi_replies", "Bot API calls made while answering an update, by method", ["method"], registry=r)
        self.nlu_parses = Counter("jiayi_nlu_parses", "Texts understood, by the backend that answered", ["backend"], registry=r)
        self.triage = Counter(
            "jiayi_triage", "Triage outcomes of understood texts, by urgency and red-flag category", ["urgency", "category"],
            registry=r,
        )  # fmt: skip
        self.outbox_depth = Gauge(
            "jiayi_outbox_depth", "Outbox messages due and not yet sent, by priority", ["priority"], registry=r
        )
        self.outbox_age = Gauge(
            "jiayi_outbox_oldest_due_seconds", "How long the oldest due, unsent outbox message has waited, by priority",
            ["priority"], registry=r,
        )  # fmt: skip
        self.speech_seconds = Histogram(
            "jiayi_speech_seconds", "Time to hear one voice note (decoding, recognition, correction)", ["language"],
            buckets=SPEECH_BUCKETS, registry=r,
        )  # fmt: skip
        self.watched = _Watched()
        r.register(self.watched)

    # ------------------------------------------------------------------ feeding

    def watch(self, *, deps: Any = None, dispatcher: Any = None, care_loop: Any = None) -> None:
        """The objects whose own counters /metrics reads (the bot's Deps, with its
        interpreter and speech service, the outbox dispatcher, and the care loop)."""
        if deps is not None:
            self.watched.deps = deps
        if dispatcher is not None:
            self.watched.dispatcher = dispatcher
        if care_loop is not None:
            self.watched.care_loop = care_loop

    def parsed(self, parse: Any) -> None:
        self.nlu_parses.labels(parse.backend or "unknown").inc()
        self.triage.labels(parse.urgency, parse.red_flag or "none").inc()

    def heard(self, language: str | None, seconds: float) -> None:
        self.speech_seconds.labels(language or "auto").observe(seconds)

    async def refresh_outbox(self, sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Outbox.priority, func.count(), func.min(Outbox.due_at))
                    .where(Outbox.status.in_(("pending", "sending")), Outbox.due_at <= now)
                    .group_by(Outbox.priority)
                )
            ).all()
        seen = {priority: (count, oldest) for priority, count, oldest in rows}
        for number, name in PRIORITIES.items():
            count, oldest = seen.get(number, (0, None))
            self.outbox_depth.labels(name).set(count)
            age = (now - _aware(oldest)).total_seconds() if oldest is not None else 0.0
            self.outbox_age.labels(name).set(max(0.0, age))

    async def exposition(self, sessionmaker: async_sessionmaker[AsyncSession] | None, now: datetime) -> bytes:
        if sessionmaker is not None:
            await self.refresh_outbox(sessionmaker, now)
        return generate_latest(self.registry)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Watched(Collector):
    """Reads the counters the bot keeps anyway, at scrape time."""

    def __init__(self) -> None:
        self.deps: Any = None
        self.dispatcher: Any = None
        self.care_loop: Any = None

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        deps = self.deps
        if deps is not None:
            events = CounterMetricFamily("jiayi_events", "What the handlers counted (bookings, emergencies, errors …)", labels=["event"])
            intents = CounterMetricFamily("jiayi_intents", "Understood intents acted on", labels=["intent"])
            for name, value in sorted(deps.counters.items()):
                if name.startswith("intent:"):
                    intents.add_metric([name.split(":", 1)[1]], value)
                else:
                    events.add_metric([name], value)
            yield events
            yield intents
            interpreter = deps.interpreter
            backend = GaugeMetricFamily("jiayi_nlu_backend", "The interpreter serving (1)", labels=["backend"])
            backend.add_metric([str(getattr(interpreter, "name", type(interpreter).__name__))], 1)
            yield backend
            fallbacks = CounterMetricFamily("jiayi_nlu_fallbacks", "Texts the embedded interpreter answered because Rasa failed")
            fallbacks.add_metric([], float(getattr(interpreter, "fallback_count", 0)))
            yield fallbacks
            yield from self._speech(deps.speech)
        if self.dispatcher is not None:
            stats = self.dispatcher.stats
            sends = CounterMetricFamily("jiayi_outbox_sends", "Outbox send attempts, by result", labels=["result"])
            for result in ("sent", "retried", "failed", "skipped"):
                sends.add_metric([result], float(getattr(stats, result)))
            yield sends
            limited = CounterMetricFamily("jiayi_telegram_429", "Sends Telegram refused with 429 (retry after)")
            limited.add_metric([], float(stats.rate_limited))
            yield limited
            errors = CounterMetricFamily("jiayi_outbox_errors", "Send failures other than Telegram's answers, by error", labels=["error"])
            for name, value in sorted(stats.errors.items()):
                errors.add_metric([name], float(value))
            yield errors
            merged = CounterMetricFamily("jiayi_outbox_merged", "Outbox messages sent inside a digest with others for one chat")
            merged.add_metric([], float(stats.merged))
            yield merged
        if self.care_loop is not None:
            leader = GaugeMetricFamily("jiayi_leader", "Whether this worker runs the periodic jobs now (1) or not (0)")
            leader.add_metric([], 1.0 if self.care_loop.leadership.is_leader else 0.0)
            yield leader
            runs = CounterMetricFamily("jiayi_periodic_runs", "Periodic job runs in this worker, by job", labels=["job"])
            for name, value in sorted(self.care_loop.runs.items()):
                runs.add_metric([name], float(value))
            yield runs

    def _speech(self, speech: Any) -> Iterator[Metric]:
        stats = speech.pool_stats() if speech is not None and hasattr(speech, "pool_stats") else None
        in_flight = GaugeMetricFamily("jiayi_speech_in_flight", "Voice notes being heard or waiting for a speech worker")
        limit = GaugeMetricFamily("jiayi_speech_queue_limit", "Voice notes in flight before new ones are turned away")
        replaced = CounterMetricFamily("jiayi_speech_pool_replaced", "Speech worker pools replaced after a crash or hang")
        in_flight.add_metric([], float(stats["in_flight"]) if stats else 0.0)
        limit.add_metric([], float(stats["queue_limit"]) if stats else 0.0)
        replaced.add_metric([], float(stats["replaced"]) if stats else 0.0)
        yield in_flight
        yield limit
        yield replaced


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateMetrics(BaseMiddleware):
    """The outermost update middleware: counts every update by kind and times it."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = update_kind(event) if isinstance(event, Update) else type(event).__name__
        self.metrics.updates.labels(kind).inc()
        token = _answering.set(asyncio.current_task())
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self.metrics.update_seconds.labels(kind).observe(time.perf_counter() - started)
            _answering.reset(token)


class ReplyCounter(BaseRequestMiddleware):
    """On the bot's HTTP session: Bot API calls made while answering an update."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Any, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        task = _answering.get()
        if task is not None and task is asyncio.current_task():
            self.metrics.replies.labels(getattr(method, "__api_method__", type(method).__name__)).inc()
        return await make_request(bot, method)
