"""The composition root: builds engine, sessions, Redis, FSM storage, interpreter,
notifier, care loop and the Dispatcher with its routers, and hands them over. Nothing
here lives at module level."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
from aiogram.types import BotCommand
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from actions.care_config import load_care_config
from actions.catalog import load_catalog
from actions.clock import Clock, system_clock
from actions.community import ensure_seeded
from actions.config import Settings
from actions.db import create_engine, create_sessionmaker, ensure_private_dir, migrate, startup_turn
from actions.holds import MemorySlotHolds, RedisSlotHolds, SlotHolds
from actions.notify import Notifier
from actions.sessions import ensure_sessions
from actions.slots import ensure_slots
from bot.deps import Deps
from bot.filters import run_plain_filters_inline
from bot.handlers import build_routers
from bot.i18n import I18n
from bot.metrics import Metrics, ReplyCounter, UpdateMetrics
from bot.middlewares import (
    ActorMiddleware,
    DbSessionMiddleware,
    EndReadTransactions,
    Throttle,
    UpdateGuard,
)
from bot.middlewares.inflight import EarlyAnswers, InFlightLimit, in_flight_limit
from bot.middlewares.responses import KeepResponseModels
from bot.middlewares.safety import SafetyMiddleware
from bot.notifier import OutboxNotifier
from bot.storage import ResilientStorage, build_isolation
from nlu.factory import build_interpreter, start_warm_up
from nlu.factory import warm_up as warm_up_interpreter
from nlu.interface import Interpreter
from scheduler.runner import build_care_loop
from scheduler.sender import limits_storage

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "100000:jiayi-sandbox"

COMMANDS = {
    "zh": [
        ("start", "开始 / 我的资料"),
        ("book", "预约服务"),
        ("bookings", "我的预约"),
        ("doctor", "我的家庭医生"),
        ("callme", "请医生给我回电"),
        ("health", "我的血压血糖和随访"),
        ("family", "亲情账户"),
        ("classes", "健康讲座"),
        ("settings", "设置"),
        ("help", "帮助"),
        ("cancel", "停下当前操作"),
    ],
    "en": [
        ("start", "Start / my profile"),
        ("book", "Book a service"),
        ("bookings", "My bookings"),
        ("doctor", "My family doctor"),
        ("callme", "Ask my doctor to call me"),
        ("health", "My readings and care plan"),
        ("family", "Family accounts"),
        ("classes", "Health lectures"),
        ("settings", "Settings"),
        ("help", "Help"),
        ("cancel", "Stop what I'm doing"),
    ],
}


@dataclass
class App:
    settings: Settings
    bot: Bot
    dp: Dispatcher
    engine: AsyncEngine
    deps: Deps
    redis: Redis | None = None
    care_loop: Any = None
    metrics: Metrics | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    async def start_background(self) -> None:
        if self.care_loop is not None:
            await self.care_loop.start()
        if self.deps.speech is not None:
            # Load the speech model now rather than on an elderly resident's first note.
            await self.deps.speech.warm_up()
        # The models, word lists and recognisers loaded so far live as long as the
        # process: keep them out of the garbage collector's full passes, which would
        # otherwise walk them all (hundreds of milliseconds with the loop stopped).
        gc.freeze()

    async def close(self) -> None:
        if self.care_loop is not None:
            await self.care_loop.shutdown()
        if self.deps.speech is not None:
            self.deps.speech.close()
        await self.bot.session.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_speech(settings: Settings) -> Any:
    """Speech-to-text when its engines can be loaded; without it voice notes get the
    button menu and the call-back offer."""
    try:
        from nlu.speech import SpeechService
    except ImportError:
        log.warning("speech recognition is not available: voice notes go to the call-back path")
        return None
    return SpeechService(settings)


def build_bot(settings: Settings, *, api_base: str | None = None) -> Bot:
    base = api_base or settings.telegram_api_base
    session = AiohttpSession(api=TelegramAPIServer.from_base(base)) if base else AiohttpSession()
    token = settings.bot_token.get_secret_value() if settings.bot_token else SANDBOX_TOKEN
    return Bot(token, session=session, default=DefaultBotProperties(link_preview_is_disabled=True))


class ExpiringMemoryStorage(MemoryStorage):
    """Conversation state in memory that is forgotten `ttl` after it was last set."""

    def __init__(self, ttl: timedelta, monotonic: Any = time.monotonic) -> None:
        super().__init__()
        self.ttl = ttl.total_seconds()
        self._now = monotonic
        self._touched: dict[StorageKey, float] = {}

    def _expire(self, key: StorageKey) -> None:
        touched = self._touched.get(key)
        if touched is not None and self._now() - touched > self.ttl:
            self.storage.pop(key, None)
            self._touched.pop(key, None)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        self._touched[key] = self._now()
        await super().set_state(key, state)

    async def get_state(self, key: StorageKey) -> str | None:
        self._expire(key)
        return await super().get_state(key)

    async def set_data(self, key: StorageKey, data: Any) -> None:
        self._touched[key] = self._now()
        await super().set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        self._expire(key)
        return await super().get_data(key)


def build_storage(redis: Redis | None, ttl: timedelta = timedelta(hours=24)) -> BaseStorage:
    """Conversation state, forgotten after `ttl` (a half-finished booking from last
    week is not resumed, and nothing lingers). In Redis when it is configured, in
    memory while Redis cannot be reached."""
    if redis is None:
        return ExpiringMemoryStorage(ttl)
    redis_storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix="jiayi:fsm", with_destiny=True),
        state_ttl=ttl,
        data_ttl=ttl,
    )
    return ResilientStorage(redis_storage, ExpiringMemoryStorage(ttl))


async def build_app(
    settings: Settings,
    *,
    bot: Bot | None = None,
    clock: Clock = system_clock,
    interpreter: Interpreter | None = None,
    notifier: Notifier | None = None,
    speech: Any = None,
    with_care_loop: bool = True,
    seed_demo: bool = False,
    warm_up_in_background: bool = False,
) -> App:
    """`seed_demo` loads the demo community into an empty database: the sandbox and
    tests ask for it; a real deployment never gets it on its first start.
    `warm_up_in_background` (the sandbox) returns before the understanding model is
    loaded or trained; messages wait for it (`extras["warm_up"]` says how far it is)."""
    # The state directory holds the database and the model caches: owner only.
    ensure_private_dir(settings.state_dir)
    ensure_private_dir(settings.effective_nlu_cache_dir)
    url = settings.effective_database_url
    turn = await startup_turn(url)  # workers starting together migrate and fill one at a time
    await migrate(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    tz = settings.tz
    async with sessionmaker() as session:
        if seed_demo and await ensure_seeded(
            session, clock=clock, tz=tz, horizon_days=settings.booking_horizon_days
        ):
            log.info("empty database: the demo community was loaded")
        today = clock().astimezone(tz).date()
        await ensure_slots(session, start_day=today, days=settings.booking_horizon_days, tz=tz)
        await ensure_sessions(session, config=load_care_config(), start_day=today, tz=tz)
        await session.commit()
    await turn.release()

    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    holds: SlotHolds = RedisSlotHolds(redis) if redis is not None else MemorySlotHolds()
    bot = bot or build_bot(settings)
    extras: dict[str, Any] = {}
    if interpreter is None:
        interpreter = build_interpreter(settings)
        if warm_up_in_background:
            extras["warm_up"] = start_warm_up(interpreter)
        else:
            await asyncio.to_thread(warm_up_interpreter, interpreter)
    i18n = I18n()
    catalog = load_catalog()
    metrics = Metrics()
    bot.session.middleware(KeepResponseModels())
    bot.session.middleware(EndReadTransactions())
    bot.session.middleware(ReplyCounter(metrics))

    care_loop = None
    deps = Deps(
        settings=settings,
        catalog=catalog,
        clock=clock,
        tz=tz,
        sessionmaker=sessionmaker,
        i18n=i18n,
        interpreter=interpreter,
        holds=holds,
        notifier=notifier,  # type: ignore[arg-type]
        speech=speech,
        metrics=metrics,
    )
    if notifier is None or with_care_loop:
        care_loop = build_care_loop(deps, bot, redis)
        if notifier is None:
            deps.notifier = OutboxNotifier(
                i18n=i18n,
                catalog=catalog,
                tz=tz,
                clock=clock,
                reminder_offsets_hours=list(settings.reminder_offsets_hours),
                staff_chat_ids=list(settings.staff_telegram_ids),
                duty_chat_id=settings.duty_chat_id,
                wake=care_loop.wake,
                emergency_number=settings.emergency_number,
            )
    if speech is None:
        deps.speech = build_speech(settings)
    metrics.watch(deps=deps, dispatcher=care_loop.dispatcher if care_loop is not None else None, care_loop=care_loop)

    dp = Dispatcher(
        storage=build_storage(redis, timedelta(hours=settings.fsm_ttl_hours)),
        events_isolation=build_isolation(redis),  # one chat's updates one at a time, across workers
        deps=deps,
    )
    # Bounded work: at most `limit` updates past this point (see bot/middlewares/inflight.py).
    answers = EarlyAnswers()
    bot.session.middleware(answers)
    dp.update.outer_middleware(InFlightLimit(in_flight_limit(settings.updates_in_flight, engine), answers))
    dp.update.outer_middleware(UpdateMetrics(metrics))
    group_chats = {c for c in (settings.duty_chat_id, *settings.staff_telegram_ids) if c is not None and c < 0}
    dp.update.outer_middleware(UpdateGuard(group_chats))
    dp.update.outer_middleware(
        Throttle(
            limits_storage(settings.redis_url), i18n,
            messages_per_minute=settings.user_messages_per_minute, taps_per_minute=settings.user_taps_per_minute,
        )
    )  # fmt: skip
    # Safety first: triage answers a red flag before the database is touched.
    dp.update.outer_middleware(SafetyMiddleware(deps))
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(ActorMiddleware(deps))
    dp.include_routers(*build_routers())
    run_plain_filters_inline(dp)
    return App(
        settings=settings,
        bot=bot,
        dp=dp,
        engine=engine,
        deps=deps,
        redis=redis,
        care_loop=care_loop,
        metrics=metrics,
        extras=extras,
    )


async def set_commands(bot: Bot) -> None:
    from aiogram.types import BotCommandScopeDefault

    for lang, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in commands],
            scope=BotCommandScopeDefault(),
            language_code=None if lang == "zh" else lang,
        )
