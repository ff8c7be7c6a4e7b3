"""What handlers need besides the update, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.catalog import Catalog
from actions.clock import Clock
from actions.config import Settings
from actions.holds import SlotHolds
from actions.notify import Notifier
from bot.i18n import I18n
from nlu.interface import Interpreter


@dataclass
class Deps:
    settings: Settings
    catalog: Catalog
    clock: Clock
    tz: ZoneInfo
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    interpreter: Interpreter
    holds: SlotHolds
    notifier: Notifier
    speech: Any = None  # nlu.speech.SpeechService when voice is configured
    metrics: Any = None  # bot.metrics.Metrics, which also reads `counters`
    counters: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n
