"""The composition root: builds engine, sessions, Redis, FSM storage, interpreter,
notifier, care loop and the Dispatcher with its routers, and hands them over. Nothing
here lives at module level."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage
from aiogram.types import BotCommand
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from actions.catalog import load_catalog
from actions.clock import Clock, system_clock
from actions.community import ensure_seeded
from actions.config import Settings
from actions.db import create_engine, create_sessionmaker, migrate
from actions.holds import MemorySlotHolds, RedisSlotHolds, SlotHolds
from actions.notify import Notifier
from actions.slots import ensure_slots
from bot.deps import Deps
from bot.handlers import build_routers
from bot.i18n import I18n
from bot.middlewares import ActorMiddleware, DbSessionMiddleware
from bot.middlewares.safety import SafetyMiddleware
from bot.notifier import OutboxNotifier
from bot.storage import ResilientStorage
from nlu.factory import build_interpreter
from nlu.factory import warm_up as warm_up_interpreter
from nlu.interface import Interpreter
from scheduler.runner import build_care_loop

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "100000:jiayi-sandbox"

COMMANDS = {
    "zh": [
        ("start", "开始 / 我的资料"),
        ("book", "预约服务"),
        ("bookings", "我的预约"),
        ("doctor", "我的家庭医生"),
        ("callme", "请医生给我回电"),
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
    extras: dict[str, Any] = field(default_factory=dict)

    async def start_background(self) -> None:
        if self.care_loop is not None:
            await self.care_loop.start()
        if self.deps.speech is not None:
            # Load the speech model now rather than on an elderly resident's first note.
            await self.deps.speech.warm_up()

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


# A conversation left half-way expires after a day: no state kept past its purpose.
FSM_TTL_SECONDS = 24 * 3600


def build_storage(redis: Redis | None) -> BaseStorage:
    if redis is None:
        return MemoryStorage()
    redis_storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix="jiayi:fsm", with_destiny=True),
        state_ttl=FSM_TTL_SECONDS,
        data_ttl=FSM_TTL_SECONDS,
    )
    return ResilientStorage(redis_storage)


async def build_app(
    settings: Settings,
    *,
    bot: Bot | None = None,
    clock: Clock = system_clock,
    interpreter: Interpreter | None = None,
    notifier: Notifier | None = None,
    speech: Any = None,
    with_care_loop: bool = True,
) -> App:
    url = settings.effective_database_url
    await migrate(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    tz = settings.tz
    async with sessionmaker() as session:
        if await ensure_seeded(
            session, clock=clock, tz=tz, horizon_days=settings.booking_horizon_days
        ):
            log.info("empty database: the demo community was loaded")
        today = clock().astimezone(tz).date()
        await ensure_slots(session, start_day=today, days=settings.booking_horizon_days, tz=tz)
        await session.commit()

    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    holds: SlotHolds = RedisSlotHolds(redis) if redis is not None else MemorySlotHolds()
    bot = bot or build_bot(settings)
    if interpreter is None:
        interpreter = build_interpreter(settings)
        await asyncio.to_thread(warm_up_interpreter, interpreter)
    i18n = I18n()
    catalog = load_catalog()

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
    )
    if notifier is None or with_care_loop:
        care_loop = build_care_loop(deps, bot)
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
            )
    if speech is None:
        deps.speech = build_speech(settings)

    dp = Dispatcher(storage=build_storage(redis), deps=deps)
    # Safety first: triage answers a red flag before the database is touched.
    dp.update.outer_middleware(SafetyMiddleware(deps))
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(ActorMiddleware(deps))
    dp.include_routers(*build_routers())
    return App(
        settings=settings,
        bot=bot,
        dp=dp,
        engine=engine,
        deps=deps,
        redis=redis,
        care_loop=care_loop,
    )


async def set_commands(bot: Bot) -> None:
    from aiogram.types import BotCommandScopeDefault

    for lang, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in commands],
            scope=BotCommandScopeDefault(),
            language_code=None if lang == "zh" else lang,
        )
