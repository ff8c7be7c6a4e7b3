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
from scheduler.leader import Leadership, choose_lease
from scheduler.sender import Dispatcher, RateLimiter, limits_storage

log = logging.getLogger(__name__)


# The outbox is sent by every worker; these jobs only by the leader (scheduler/leader.py).
INTERVAL_JOBS = ("ratings", "escalate", "waitlist", "group_sessions")


class CareLoop:
    """`deps` carries settings, sessionmaker, clock, tz and the notifier (an
    actions.notify.Notifier, given by the composition root). With several workers,
    each sends from the outbox and one of them, the leader, runs the periodic jobs."""

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
            merge=self._digest,
        )
        sessionmaker = getattr(deps, "sessionmaker", None)
        engine = sessionmaker.kw.get("bind") if sessionmaker is not None else None
        self.leadership = Leadership(choose_lease(redis=redis, engine=engine), on_gained=self._took_lead)
        self.runs: dict[str, int] = {}  # periodic job runs in this process, by job
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

    async def _digest(self, session: Any, chat_id: int, rows: list[Any]) -> list[dict[str, Any]] | None:
        """Several notices waiting for one provider's chat, as one message (rendered by
        the notifier, which knows the texts); None sends them one by one."""
        digest = getattr(self.deps.notifier, "digest", None)
        if digest is None:
            return None
        return await digest(session, chat_id, rows)  # type: ignore[no-any-return]

    def _led(self, job_id: str, job: Any) -> Any:
        """The job as run by the scheduler: only on the leader."""

        async def run(*args: Any) -> Any:
            if not self.leadership.is_leader:
                return None
            self.runs[job_id] = self.runs.get(job_id, 0) + 1
            return await job(*args)

        run.__name__ = getattr(job, "__name__", job_id)
        return run

    def _add(self, job: Any, trigger: Any, job_id: str, **options: Any) -> None:
        self.scheduler.add_job(self._led(job_id, job), trigger, id=job_id, max_instances=1, coalesce=True, **options)

    async def _took_lead(self, first: bool) -> None:
        """The frequent jobs run at once; after a takeover, so does a daily or weekly
        job whose time passed within its grace while nobody led (they are idempotent:
        one the old leader already ran adds nothing)."""
        now = datetime.now(self.deps.tz)
        for job in self.scheduler.get_jobs():
            if job.id in INTERVAL_JOBS:
                job.modify(next_run_time=now)
            elif not first and isinstance(job.trigger, CronTrigger) and job.misfire_grace_time:
                since = now - timedelta(seconds=job.misfire_grace_time)
                due = job.trigger.get_next_fire_time(None, since)
                if due is not None and due <= now:
                    log.info("taking the lead: running %s, due at %s", job.id, due.isoformat())
                    self.scheduler.add_job(job.func, args=job.args, id=f"{job.id}:catch-up", replace_existing=True)

    async def _undelivered(self, session: Any, row: Any, error: str) -> None:
        """A message given up: the staff are told (never the text, only what it was)."""
        await self.deps.notifier.delivery_failed(session, row, error)

    async def start(self) -> None:
        settings = self.deps.settings
        agenda_at = settings.agenda_local_time
        self.scheduler.add_job(self.dispatch, IntervalTrigger(seconds=2), id="outbox", max_instances=1, coalesce=True)
        self._add(
            jobs.send_agendas, CronTrigger(hour=agenda_at.hour, minute=agenda_at.minute, timezone=self.deps.tz),
            "agenda", args=[self.deps, self], misfire_grace_time=3600,
        )  # fmt: skip
        self._add(jobs.request_ratings, IntervalTrigger(minutes=5), "ratings", args=[self.deps, self])
        self._add(
            jobs.extend_slots, CronTrigger(hour=0, minute=5, timezone=self.deps.tz), "slots", args=[self.deps],
            misfire_grace_time=6 * 3600,
        )  # fmt: skip
        self._add(jobs.escalate_emergencies, IntervalTrigger(seconds=20), "escalate", args=[self.deps, self])
        self._add(
            jobs.apply_retention, CronTrigger(hour=3, minute=30, timezone=self.deps.tz), "retention", args=[self.deps],
            misfire_grace_time=6 * 3600,
        )  # fmt: skip
        self._add_care_jobs(agenda_at)
        self.scheduler.start()
        self._running = True
        await self.leadership.start()
        self.wake()

    def _add_care_jobs(self, agenda_at: time) -> None:
        """Chronic care: care plans before the agenda is sent (so overdue items are on
        it), the weekly chart, waitlist holds, and the lectures' rosters."""
        from actions.care_config import load_care_config

        care = load_care_config()
        plan_at = (datetime.combine(datetime.now(self.deps.tz).date(), agenda_at) - timedelta(minutes=15)).time()
        self._add(
            jobs.plan_care, CronTrigger(hour=plan_at.hour, minute=plan_at.minute, timezone=self.deps.tz),
            "care_plans", args=[self.deps, self], misfire_grace_time=3600,
        )  # fmt: skip
        self._add(
            jobs.send_weekly_charts,
            CronTrigger(day_of_week=care.weekly_chart_weekday, hour=care.weekly_chart_time.hour,
                        minute=care.weekly_chart_time.minute, timezone=self.deps.tz),
            "weekly_charts", args=[self.deps, self], misfire_grace_time=6 * 3600,
        )  # fmt: skip
        self._add(jobs.expire_waitlist_holds, IntervalTrigger(seconds=30), "waitlist", args=[self.deps, self])
        self._add(jobs.group_sessions, IntervalTrigger(minutes=5), "group_sessions", args=[self.deps, self])

    async def shutdown(self) -> None:
        self._running = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # Handing the lead back lets another worker take it at its next attempt.
        await self.leadership.stop()


def build_care_loop(deps: Any, bot: Bot, redis: Any = None) -> CareLoop:
    return CareLoop(deps, bot, redis)
