"""Typed settings, checked when they are read: the zone is a ZoneInfo, the agenda time a
datetime.time, and a wrong value stops `jiayi` with a sentence naming the setting."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

import pytest

from actions.config import SettingsError, load_settings
from bot.cli import main


def test_settings_are_typed(monkeypatch) -> None:
    monkeypatch.setenv("TIMEZONE", "Europe/London")
    monkeypatch.setenv("AGENDA_LOCAL_TIME", "7:05")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(_env_file=None)
    assert settings.tz == ZoneInfo("Europe/London") and isinstance(settings.timezone, ZoneInfo)
    assert settings.agenda_local_time == time(7, 5)
    assert settings.log_level == "DEBUG"
    defaults = load_settings(_env_file=None, timezone="Asia/Shanghai", agenda_local_time="07:30")
    assert defaults.tz.key == "Asia/Shanghai" and defaults.agenda_local_time == time(7, 30)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [("TIMEZONE", "Mars/Olympus", "TIMEZONE"), ("AGENDA_LOCAL_TIME", "25:00", "AGENDA_LOCAL_TIME"),
     ("LOG_LEVEL", "loud", "LOG_LEVEL"), ("WEBHOOK_PORT", "eighty", "WEBHOOK_PORT")],
)  # fmt: skip
def test_a_wrong_setting_is_refused_at_load(monkeypatch, capsys, name: str, value: str, said: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None)
    assert said in str(error.value)
    # The command line says it in one sentence, without a traceback.
    assert main(["provider", "list"]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_the_care_loop_schedules_the_agenda_at_the_typed_time(tmp_path) -> None:
    from types import SimpleNamespace

    from scheduler.runner import CareLoop

    settings = load_settings(_env_file=None, state_dir=tmp_path, agenda_local_time="6:45")
    from actions.clock import system_clock

    deps = SimpleNamespace(settings=settings, sessionmaker=None, clock=system_clock, tz=settings.tz)
    loop = CareLoop(deps, bot=None)  # type: ignore[arg-type]

    async def start() -> str:
        await loop.start()
        try:
            return str(loop.scheduler.get_job("agenda").trigger)
        finally:
            await loop.shutdown()

    import asyncio

    trigger = asyncio.run(start())
    assert "hour='6'" in trigger and "minute='45'" in trigger
