"""The care loop: APScheduler 3 drives the outbox dispatcher and the periodic jobs.
The job store is in memory on purpose: the outbox table holds every message to send,
so a restart loses nothing and the jobs are simply scheduled again."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta
from typing import Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler import jobs
from scheduler.sender import Dispatcher, RateLimiter, limits_storage

log = logging.getLogger(__name__)


class CareLoop:
    """`deps` carries settings, sessionmaker, clock, tz and the notifier (an
    actions.notify.Notifier, given by the composition root)."""

    def __init__(self, deps: Any, bot: Bot, redis: Any = None) -> None:
        self.deps = deps
        self.bot = bot
        settings = deps.settings
        limiter = RateLimiter(
            settings.send_per_second,
            settings.send_per_chat_seconds,
            storage=limits_storage(settings.redis_url),
            redis=redis,
        )
        self.dispatcher = Dispatcher(
            bot=bot,
            sessionmaker=deps.sessionmaker,
            clock=deps.clock,
            limiter=limiter,
            give_up_after=timedelta(hours=settings.outbox_give_up_hours),
            on_give_up=self._undelivered,
        )
        self.scheduler = AsyncIOScheduler(timezone=deps.tz)
        self._running = False
        self._dispatching = asyncio.Lock()
        self._again = False

    def wake(self) -> None:
        """Send what is due now, without waiting for the next tick."""
        if not self._running:
            return
        asyncio.get_running_loop().create_task(self.dispatch())

    async def dispatch(self) -> int:
        if self._dispatching.locked():
            self._again = True
            return 0
        async with self._dispatching:
            sent = 0
            while True:
                self._again = False
                try:
                    sent += await self.dispatcher.run_once()
                except Exception:
                    log.exception("outbox dispatch failed; the next tick retries")
                if not self._again:
                    return sent

    async def _undelivered(self, session: Any, row: Any, error: str) -> None:
        """A message given up: the staff are told (never the text, only what it was)."""
        await self.deps.notifier.delivery_failed(session, row, error)

    async def start(self) -> None:
        settings = self.deps.settings
        agenda_at = settings.agenda_local_time
        self.scheduler.add_job(self.dispatch, IntervalTrigger(seconds=2), id="outbox", max_instances=1, coalesce=True)
        self.scheduler.add_job(
            jobs.send_agendas, CronTrigger(hour=agenda_at.hour, minute=agenda_at.minute, timezone=self.deps.tz),
            args=[self.deps, self], id="agenda", max_instances=1, coalesce=True, misfire_grace_time=3600,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.request_ratings, IntervalTrigger(minutes=5), args=[self.deps, self], id="ratings",
            max_instances=1, coalesce=True,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.extend_slots, CronTrigger(hour=0, minute=5, timezone=self.deps.tz), args=[self.deps],
            id="slots", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.escalate_emergencies, IntervalTrigger(seconds=20), args=[self.deps, self], id="escalate",
            max_instances=1, coalesce=True,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.apply_retention, CronTrigger(hour=3, minute=30, timezone=self.deps.tz), args=[self.deps],
            id="retention", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600,
        )  # fmt: skip
        self._add_care_jobs(agenda_at)
        self.scheduler.start()
        self._running = True
        self.wake()

    def _add_care_jobs(self, agenda_at: time) -> None:
        """Chronic care: care plans before the agenda is sent (so overdue items are on
        it), the weekly chart, waitlist holds, and the lectures' rosters."""
        from actions.care_config import load_care_config

        care = load_care_config()
        plan_at = (datetime.combine(datetime.now(self.deps.tz).date(), agenda_at) - timedelta(minutes=15)).time()
        self.scheduler.add_job(
            jobs.plan_care, CronTrigger(hour=plan_at.hour, minute=plan_at.minute, timezone=self.deps.tz),
            args=[self.deps, self], id="care_plans", max_instances=1, coalesce=True, misfire_grace_time=3600,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.send_weekly_charts,
            CronTrigger(day_of_week=care.weekly_chart_weekday, hour=care.weekly_chart_time.hour,
                        minute=care.weekly_chart_time.minute, timezone=self.deps.tz),
            args=[self.deps, self], id="weekly_charts", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.expire_waitlist_holds, IntervalTrigger(seconds=30), args=[self.deps, self], id="waitlist",
            max_instances=1, coalesce=True,
        )  # fmt: skip
        self.scheduler.add_job(
            jobs.group_sessions, IntervalTrigger(minutes=5), args=[self.deps, self], id="group_sessions",
            max_instances=1, coalesce=True,
        )  # fmt: skip

    async def shutdown(self) -> None:
        self._running = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def build_care_loop(deps: Any, bot: Bot, redis: Any = None) -> CareLoop:
    return CareLoop(deps, bot, redis)
