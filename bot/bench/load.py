"""`jiayi bench load`: the real, unmodified bot under a steady stream of residents.

A stand-in for the Telegram Bot API (the sandbox's server, extended) answers the
bot's requests and times them. The bot runs as `jiayi run` in one or more child
processes: one worker long-polls the stand-in; several workers each serve a webhook
and the stand-in posts every update to one of them, always the same one for a chat
(as a load balancer in front of them would). N onboarded residents, contracted to the
demo community's family doctors, send updates at Poisson arrivals: typed requests in
Chinese and English (bookings, "my bookings", help, readings, greetings) and button
taps through the whole booking flow (service, slot, confirm).

Latency is measured from the moment an update is offered (put in the poll queue, or
posted to a webhook) to the bot's first reply request for it, so any queueing in
front of the bot counts. The last line printed is one JSON object."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from actions.config import Settings
from bot.sandbox.botapi import LocalBotAPI

BOT_TOKEN = "100000:jiayi-load-bench"
WEBHOOK_SECRET = "JiayiLoadBench_0001_webhook"
RESIDENT_BASE = 7_000_000
DOCTOR_BASE = 6_000_000
THINK_SECONDS = 0.6  # a resident reads the reply before the next message or tap
MAX_TAPS = 7
APOLOGIES = ("出了点问题", "something went wrong")
BOOKED = ("✅ 预约好了", "✅ Booked")
NAME = re.compile(r"LD(\d{5})")
REPLY_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendVoice", "sendDocument", "sendPhoto",
     "sendAudio", "sendLocation", "sendContact", "copyMessage", "forwardMessage", "deleteMessage"}
)  # fmt: skip

# What residents type, by language. Booking requests are followed by taps.
SINGLE = {
    "zh": [
        "我的预约",
        "/bookings",
        "/help",
        "你好",
        "血压135/85",
        "今天血压128/82",
        "血糖6.2",
        "谢谢医生",
        "帮助",
    ],
    "en": [
        "my bookings",
        "/bookings",
        "/help",
        "hello",
        "my blood pressure is 135/85",
        "help",
        "thank you",
        "hi",
    ],
}
BOOKING_TEXT = {
    "zh": ["明天上午量血压", "后天下午想测个血糖", "明天上午能来家里给我量个血压吗", "周三下午量血压"],
    "en": ["book a BP check tomorrow morning", "blood pressure check tomorrow morning",
           "can I have a glucose test the day after tomorrow in the afternoon"],
}  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Update:
    update_id: int
    chat_id: int
    kind: str  # "text" or "tap"
    offered: float
    measured: bool
    callback_id: str | None = None
    replied: float | None = None


@dataclass
class Resident:
    index: int
    chat_id: int
    lang: str
    name: str
    busy: Update | None = None
    ready_at: float = 0.0
    taps_left: int = 0  # > 0 while in a booking flow
    confirm_sent: float | None = None
    keyboard: tuple[dict[str, Any], str] | None = None  # (message, first button's data)
    last_reply: float = 0.0
    queued: bool = False  # waiting in `continuing`
    confirmations: list[float] = field(default_factory=list)
    early_notices: list[float] = field(default_factory=list)


@dataclass
class Stats:
    errors: int = 0
    http_errors: int = 0
    throttled: int = 0
    skipped: int = 0
    bookings: int = 0
    notices: list[float] = field(default_factory=list)


class LoadBotAPI(LocalBotAPI):
    """The sandbox's Bot API server, timing the bot's replies against the updates
    that caused them. With webhook workers it posts updates instead of queueing them."""

    def __init__(self, bench: LoadBench) -> None:
        super().__init__()
        self.bench = bench
        self.webhooks: list[str] = []
        self.client: aiohttp.ClientSession | None = None
        self.sent_log_limit = 2000
        self._posts: set[asyncio.Task[None]] = set()

    async def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        self._last_update_id = update["update_id"]
        self.bench.offered(update)
        if not self.webhooks:
            async with self._changed:
                self._updates.append(update)
                self._changed.notify_all()
            return update
        chat = (update.get("message") or update.get("callback_query", {}).get("message") or {}).get(
            "chat", {}
        )
        url = self.webhooks[int(chat.get("id", 0)) % len(self.webhooks)]
        task = asyncio.create_task(self._post(url, update))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)
        return update

    async def _post(self, url: str, update: dict[str, Any]) -> None:
        assert self.client is not None
        try:
            async with self.client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            ) as response:
                await response.read()
                if response.status >= 400:
                    self.bench.stats.http_errors += 1
        except (aiohttp.ClientError, OSError):
            self.bench.stats.http_errors += 1

    def _record(self, method: str, message: dict[str, Any], **extra: Any) -> None:
        super()._record(method, message, **extra)
        # Only the latest replies are kept: a long run sends hundreds of thousands.
        if len(self.sent_log) > 2 * self.sent_log_limit:
            del self.sent_log[: -self.sent_log_limit]
        chat_id = message["chat"]["id"]
        markup = self.markups.get((chat_id, message["message_id"]))
        self.bench.replied(
            chat_id, method, message.get("text") or message.get("caption") or "", message, markup
        )

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if response.status >= 400:
            self.bench.stats.http_errors += 1
        return response

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        self.bench.answered(str(p.get("callback_query_id")), str(p.get("text") or ""))
        return True


class LoadBench:
    def __init__(self, *, rate: float, seconds: float, residents: int, workers: int, warmup: float,
                 grace: float, seed: int = 7, in_process: bool = False) -> None:  # fmt: skip
        self.rate, self.seconds, self.workers = rate, seconds, workers
        self.warmup, self.grace = warmup, grace
        self.random = random.Random(seed)
        self.residents = [
            Resident(
                i,
                RESIDENT_BASE + i,
                "zh" if i % 3 else "en",
                f"居民LD{i:05d}" if i % 3 else f"Bench LD{i:05d}",
            )
            for i in range(residents)
        ]
        self.by_chat = {r.chat_id: r for r in self.residents}
        self.doctors: set[int] = set()
        self.updates: list[Update] = []
        self.by_callback: dict[str, Update] = {}
        self.stats = Stats()
        self.measuring = False
        self.continuing: deque[Resident] = deque()
        self.in_process = in_process
        self.app: Any = None
        self.polling: asyncio.Task[None] | None = None
        self.api = LoadBotAPI(self)

    # ---------------------------------------------------------------- observation

    def offered(self, raw: dict[str, Any]) -> None:
        query = raw.get("callback_query")
        chat_id = (query["message"] if query else raw["message"])["chat"]["id"]
        update = Update(raw["update_id"], chat_id, "tap" if query else "text", time.monotonic(), self.measuring,
                        callback_id=query["id"] if query else None)  # fmt: skip
        self.updates.append(update)
        if update.callback_id:
            self.by_callback[update.callback_id] = update
        resident = self.by_chat.get(chat_id)
        if resident is not None:
            resident.busy = update

    def _first_reply(self, update: Update | None, text: str) -> None:
        if update is None or update.replied is not None:
            return
        update.replied = time.monotonic()
        if update.measured and any(a in text for a in APOLOGIES):
            self.stats.errors += 1

    def answered(self, callback_id: str, text: str) -> None:
        update = self.by_callback.pop(callback_id, None)
        self._first_reply(update, text)
        if update is not None and text and ("太快" in text or "too fast" in text):
            self.stats.throttled += 1

    def replied(
        self,
        chat_id: int,
        method: str,
        text: str,
        message: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> None:
        now = time.monotonic()
        if chat_id in self.doctors:
            for index in NAME.findall(text):
                resident = self.residents[int(index)] if int(index) < len(self.residents) else None
                if resident is None:
                    continue
                if resident.confirmations:
                    self.stats.notices.append(now - resident.confirmations.pop(0))
                else:  # the notice overtook the resident's own confirmation
                    resident.early_notices.append(now)
            return
        resident = self.by_chat.get(chat_id)
        if resident is None or method not in REPLY_METHODS:
            return
        busy = resident.busy
        if busy is not None and busy.replied is None:
            self._first_reply(busy, text)
        elif any(a in text for a in APOLOGIES) and busy is not None and busy.measured:
            self.stats.errors += 1
        resident.last_reply = now
        resident.ready_at = now + THINK_SECONDS
        if any(b in text for b in BOOKED):
            resident.taps_left = 0
            if busy is not None and busy.measured:
                self.stats.bookings += 1
                # The booking is confirmed when the resident taps "confirm".
                if resident.early_notices:
                    self.stats.notices.append(
                        max(0.0, resident.early_notices.pop(0) - busy.offered)
                    )
                else:
                    resident.confirmations.append(busy.offered)
            else:
                resident.early_notices.clear()
        if "太快" in text or "too fast" in text.lower():
            self.stats.throttled += 1
        rows = (markup or {}).get("inline_keyboard") or []
        first = next(
            (b.get("callback_data") for row in rows for b in row if b.get("callback_data")), None
        )
        if first is not None:
            resident.keyboard = (
                self.api.messages.get((chat_id, message["message_id"]), message),
                first,
            )
            if resident.taps_left > 0 and not resident.queued:
                resident.queued = True
                self.continuing.append(resident)
        elif method == "sendMessage":
            resident.keyboard = None

    # ---------------------------------------------------------------- residents

    def _idle(self, now: float) -> Resident | None:
        """Someone in the middle of a booking goes on first (people finish what they
        started); else anyone who is not waiting for a reply."""
        while self.continuing and self.continuing[0].ready_at <= now:
            resident = self.continuing.popleft()
            resident.queued = False
            if resident.taps_left > 0 and (
                resident.busy is None or resident.busy.replied is not None
            ):
                return resident
        for _ in range(30):
            resident = self.residents[self.random.randrange(len(self.residents))]
            busy = resident.busy
            if (busy is None or busy.replied is not None) and resident.ready_at <= now:
                return resident
        return None

    async def _act(self, resident: Resident) -> None:
        resident.ready_at = float("inf")  # until a reply comes
        if resident.taps_left > 0 and resident.keyboard is not None:
            resident.taps_left -= 1
            message, data = resident.keyboard
            await self.api._callback(resident.chat_id, message, data)
            return
        resident.taps_left = 0
        roll = self.random.random()
        if roll < 0.25:
            resident.taps_left = MAX_TAPS
            await self.api.send_text(
                resident.chat_id, self.random.choice(BOOKING_TEXT[resident.lang])
            )
        elif roll < 0.4:
            resident.taps_left = MAX_TAPS
            await self.api.send_text(resident.chat_id, "/book")
        else:
            await self.api.send_text(resident.chat_id, self.random.choice(SINGLE[resident.lang]))

    async def arrivals(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        next_at = time.monotonic()
        while True:
            next_at += self.random.expovariate(self.rate)
            if next_at >= end:
                break
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            resident = self._idle(time.monotonic())
            if resident is None:
                if self.measuring:
                    self.stats.skipped += 1
                continue
            await self._act(resident)

    # ---------------------------------------------------------------- set-up

    async def seed(self, settings: Settings) -> None:
        """The demo community, its family doctors linked to Telegram accounts, and N
        onboarded residents, each contracted to a family doctor of the community."""
        from actions.clock import system_clock
        from actions.community import ensure_seeded, family_doctors
        from actions.db import create_engine, create_sessionmaker, migrate
        from actions.providers import create_invite, redeem_invite

        url = settings.effective_database_url
        await migrate(url)
        engine = create_engine(url)
        try:
            sessionmaker = create_sessionmaker(engine)
            async with sessionmaker() as session:
                await ensure_seeded(
                    session,
                    clock=system_clock,
                    tz=settings.tz,
                    horizon_days=settings.booking_horizon_days,
                )
                doctors = await family_doctors(session)
                for doctor in doctors:
                    if doctor.telegram_id is None:
                        code = await create_invite(
                            session, provider_code=doctor.code, clock=system_clock
                        )
                        account = DOCTOR_BASE + doctor.id
                        await redeem_invite(
                            session,
                            code=code,
                            telegram_id=account,
                            chat_id=account,
                            clock=system_clock,
                        )
                        await session.refresh(doctor)
                    self.doctors.add(int(doctor.chat_id or doctor.telegram_id or 0))
                    self.api.user(
                        int(doctor.chat_id or 0), first_name=doctor.name_zh, language_code="zh"
                    )
                plain = [(d.id, d.team.community if d.team else None) for d in doctors]
            known = await _known_residents(sessionmaker)
            batch: list[Resident] = []
            for resident in self.residents:
                self.api.user(
                    resident.chat_id, first_name=resident.name, language_code=resident.lang
                )
                if resident.chat_id not in known:
                    batch.append(resident)
                if len(batch) >= 250 or (batch and resident is self.residents[-1]):
                    await _add_residents(sessionmaker, batch, plain)
                    batch = []
        finally:
            await engine.dispose()

    # ---------------------------------------------------------------- run

    async def run(self, settings: Settings, env: dict[str, str], log: Any) -> dict[str, Any]:
        await self.api.start()
        self.api.client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        workers: list[subprocess.Popen[bytes]] = []
        started = time.monotonic()
        try:
            log(f"seeding {len(self.residents)} residents …")
            await self.seed(settings)
            log(
                f"seeded in {time.monotonic() - started:.1f} s; starting {self.workers} worker(s) …"
            )
            if self.in_process:
                await self._start_in_process(settings)
            else:
                # The first worker migrates and fills the calendar alone; the others
                # start once it serves.
                workers = self._start_workers(env)
                await self._wait_ready(workers[:1])
                workers += self._start_workers(env, count=self.workers - 1)
                await self._wait_ready(workers)
            log(
                f"workers ready after {time.monotonic() - started:.1f} s; warming up for {self.warmup:g} s …"
            )
            await self.arrivals(self.warmup)
            await self._settle(10)
            cpu_before = self._cpu(workers)
            self.measuring = True
            first = len(self.updates)
            measure_start = time.monotonic()
            log(f"measuring {self.seconds:g} s at {self.rate:g} updates/s …")
            await self.arrivals(self.seconds)
            measure_end = time.monotonic()
            self.measuring = False
            cpu_during = self._cpu(workers) - cpu_before
            await self._settle(self.grace, notices=True)
            return self._report(self.updates[first:], measure_start, measure_end, cpu_during)
        finally:
            await self._stop_in_process()
            for process in workers:
                if process.poll() is None:
                    process.terminate()
            for process in workers:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
            await self.api.client.close()
            await self.api.stop()

    def _cpu(self, workers: list[subprocess.Popen[bytes]]) -> float:
        if self.in_process:  # the bench's own work counts too
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return usage.ru_utime + usage.ru_stime
        return sum(_cpu_seconds(p.pid) for p in workers)

    async def _start_in_process(self, settings: Settings) -> None:
        """The bot built as `jiayi run` builds it, polling the stand-in from this
        process (quick to start: for tests and short checks)."""
        from bot.app import build_app, build_bot
        from bot.middlewares.inflight import POLLING_BACKLOG

        bot = build_bot(settings, api_base=self.api.base_url)
        self.app = await build_app(settings, bot=bot)
        if self.app.care_loop is not None:
            await self.app.care_loop.start()
        self.polling = asyncio.create_task(
            self.app.dp.start_polling(
                self.app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1,
                tasks_concurrency_limit=POLLING_BACKLOG,
            )
        )  # fmt: skip
        while self.api._polling == 0:
            if self.polling.done():
                self.polling.result()
            await asyncio.sleep(0.05)

    async def _stop_in_process(self) -> None:
        if self.app is None:
            return
        with contextlib.suppress(RuntimeError):
            await self.app.dp.stop_polling()
        if self.polling is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self.polling, 10)
        await self.app.close()
        self.app = None

    def _start_workers(self, env: dict[str, str], count: int = 1) -> list[subprocess.Popen[bytes]]:
        jiayi = shutil.which("jiayi", path=str(Path(sys.executable).parent)) or shutil.which(
            "jiayi"
        )
        command = [jiayi] if jiayi else [sys.executable, "-m", "bot.cli"]
        workers: list[subprocess.Popen[bytes]] = []
        base = {
            **env,
            "BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_BASE": self.api.base_url,
            "WEB_ENABLED": "false",
        }
        if self.workers == 1:
            if count < 1:
                return workers
            workers.append(subprocess.Popen([*command, "run"], env=base, stdin=subprocess.DEVNULL))  # noqa: S603
            return workers
        for _ in range(count):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            self.api.webhooks.append(url + "/webhook")
            worker_env = {**base, "WEBHOOK_URL": url, "WEBHOOK_SECRET": WEBHOOK_SECRET, "WEBHOOK_PORT": str(port),
                          "WEBHOOK_HOST": "127.0.0.1"}  # fmt: skip
            workers.append(
                subprocess.Popen([*command, "run"], env=worker_env, stdin=subprocess.DEVNULL)
            )  # noqa: S603
        return workers

    async def _wait_ready(
        self, workers: list[subprocess.Popen[bytes]], timeout: float = 300
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in workers:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"a worker exited with code {process.returncode} while starting"
                    )
            if self.workers == 1 and self.api._polling > 0:
                return
            ready = self.workers > 1 and self.api.requests["setWebhook"] >= len(workers)
            if ready and all([await _listening(url) for url in self.api.webhooks]):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("the workers did not start in time")

    async def _settle(self, seconds: float, *, notices: bool = False) -> None:
        """Waits until every update has its first reply (and, after measuring, every
        confirmed booking's notice reached its doctor), or `seconds` pass."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            waiting = any(u.replied is None for u in self.updates)
            if notices:
                waiting = waiting or any(r.confirmations for r in self.residents)
            if not waiting:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(THINK_SECONDS)

    def _report(
        self, measured: list[Update], start: float, end: float, cpu: float
    ) -> dict[str, Any]:
        answered = [u for u in measured if u.replied is not None]
        latencies = [(u.replied - u.offered) * 1000 for u in answered if u.replied is not None]
        window = end - start
        last = max((u.replied for u in answered if u.replied is not None), default=end)
        notices = self.stats.notices
        pending_notices = sum(len(r.confirmations) for r in self.residents)
        return {
            "offered": round(len(measured) / window, 1) if window else 0.0,
            "achieved": round(len(answered) / max(window, last - start), 1) if answered else 0.0,
            "p50_ms": round(_percentile(latencies, 0.50), 1),
            "p95_ms": round(_percentile(latencies, 0.95), 1),
            "p99_ms": round(_percentile(latencies, 0.99), 1),
            "errors": self.stats.errors + self.stats.http_errors,
            "unanswered": len(measured) - len(answered),
            "provider_notice_p95_s": round(_percentile(notices, 0.95), 2) if notices else None,
            "_detail": {
                "updates": len(measured),
                "taps": sum(1 for u in measured if u.kind == "tap"),
                "bookings": self.stats.bookings,
                "notices": len(notices),
                "notices_missing": pending_notices,
                "http_errors": self.stats.http_errors,
                "throttled": self.stats.throttled,
                "skipped_no_idle_resident": self.stats.skipped,
                "worker_cpu_ms_per_update": round(cpu * 1000 / len(measured), 2)
                if measured
                else None,
                "max_ms": round(max(latencies), 1) if latencies else None,
            },
        }


async def _known_residents(sessionmaker: Any) -> set[int]:
    from sqlalchemy import select

    from actions.models import Contract
    from actions.models import Resident as Row

    async with sessionmaker() as session:
        query = select(Row.telegram_id).join(Contract, Contract.household_id == Row.household_id)
        return set((await session.scalars(query.where(Contract.status == "active"))).all())


async def _add_residents(
    sessionmaker: Any, batch: list[Resident], doctors: list[tuple[int, str | None]]
) -> None:
    """Onboarded residents (consent, name, phone, birth year, address), each in a
    household contracted to a family doctor, a batch per transaction."""
    from actions.clock import system_clock
    from actions.models import Contract, Household
    from actions.models import Resident as Row

    now = system_clock()
    async with sessionmaker() as session:
        rows = []
        for resident in batch:
            doctor_id, community = doctors[resident.index % len(doctors)]
            household = Household(community=community or "", created_at=now)
            session.add(household)
            row = Row(
                telegram_id=resident.chat_id, chat_id=resident.chat_id, language=resident.lang, consent_at=now,
                name=resident.name, phone=f"+86138{resident.index:08d}", birth_year=1940 + resident.index % 40,
                address=f"和平里一区{resident.index % 30 + 1}号楼", community=community,
                priority_groups=["hypertension"] if resident.index % 2 else [], created_at=now, household=household,
            )  # fmt: skip
            session.add(row)
            rows.append((row, household, doctor_id))
        await session.flush()
        for row, household, doctor_id in rows:
            session.add(Contract(household_id=household.id, provider_id=doctor_id, signed_by_resident_id=row.id,
                                 status="active", signed_at=now))  # fmt: skip
        await session.commit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _listening(url: str) -> bool:
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its waited-for children (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12)) / ticks


def worker_env(settings: Settings, state_dir: Path) -> dict[str, str]:
    """The workers' settings: the caller's environment, a state directory of their own
    (the SQLite database lives there unless DATABASE_URL says otherwise) and the
    shared understanding model cache (trained once)."""
    env = dict(os.environ)
    env["STATE_DIR"] = str(state_dir)
    env["NLU_CACHE_DIR"] = str(settings.effective_nlu_cache_dir)
    env.setdefault("LOG_LEVEL", "WARNING")
    if not settings.database_url:
        env["DATABASE_URL"] = f"sqlite+aiosqlite:///{state_dir / 'jiayi.sqlite3'}"
    return env


async def bench_load(
    *, rate: float, seconds: float, residents: int, workers: int, warmup: float = 5.0, grace: float = 30.0,
    in_process: bool = False, log: Any = print, **settings: Any,
) -> dict[str, Any]:  # fmt: skip
    """`in_process` runs the one worker inside this process (quick to start); keyword
    `settings` override the environment's (tests point them at their model cache)."""
    from actions.config import load_settings

    base = load_settings()
    with tempfile.TemporaryDirectory(prefix="jiayi-load-") as tmp:
        env = worker_env(base, Path(tmp))
        resolved = Settings(_env_file=None, **{**_overrides(env), **settings})  # type: ignore[call-arg]
        bench = LoadBench(
            rate=rate, seconds=seconds, residents=residents, workers=1 if in_process else workers,
            warmup=warmup, grace=grace, in_process=in_process,
        )  # fmt: skip
        return await bench.run(resolved, env, log)


def _overrides(env: dict[str, str]) -> dict[str, Any]:
    keys = {
        "state_dir": "STATE_DIR",
        "database_url": "DATABASE_URL",
        "nlu_cache_dir": "NLU_CACHE_DIR",
    }
    return {k: env[v] for k, v in keys.items() if env.get(v)}
