"""Texts and pictures of chronic care shared by the notifier and the routers: a
reading as a resident reads it, the progress line, "about whom" for family members,
and the trend chart (rendered in a thread)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from actions.care_config import Thresholds
from actions.charts import ChartLabels, ChartPoint, render_trend_png
from actions.models import Reading, Resident
from actions.readings import readings_since
from bot.i18n import I18n

PROGRESS = ("submitted", "accepted", "booked", "done")
CHART_DAYS = 30


def reading_text(i18n: I18n, lang: str, reading: Any) -> str:
    """A stored Reading or an nlu Reading, in words."""
    kind = reading.kind
    if kind == "bp":
        if reading.pulse:
            return i18n.t(lang, "reading-bp-pulse", systolic=str(reading.systolic), diastolic=str(reading.diastolic),
                          pulse=str(reading.pulse))  # fmt: skip
        return i18n.t(lang, "reading-bp", systolic=str(reading.systolic), diastolic=str(reading.diastolic))
    value = reading.glucose if isinstance(reading, Reading) else reading.value
    return i18n.t(lang, "reading-glucose", context=i18n.t(lang, f"context-{reading.context or 'random'}"),
                  value=f"{value:.1f}")  # fmt: skip


def level_text(i18n: I18n, lang: str, level: str) -> str:
    return i18n.t(lang, f"level-{level}")


def about(i18n: I18n, lang: str, person: Resident, relation: str) -> str:
    """The first line of every message to a family member: whom it is about, with what
    they are to the member ("【关于 张桂兰（父母）】")."""
    return i18n.t(lang, "family-about", name=person.name or "", relation=i18n.t(lang, f"relation-{relation}"))


def progress_line(i18n: I18n, lang: str, reached: str) -> str:
    """已提交 → 已接单 → 已预约 → 已完成, ticked up to `reached`."""
    upto = PROGRESS.index(reached)
    sep = " → "
    steps = sep.join(("✅" if i <= upto else "⬜") + i18n.t(lang, f"progress-{s}") for i, s in enumerate(PROGRESS))
    return i18n.t(lang, "progress-line", steps=steps)


def _points(readings: list[Reading]) -> list[ChartPoint]:
    return [
        ChartPoint(at=r.measured_at, systolic=r.systolic, diastolic=r.diastolic, glucose=r.glucose, flagged=r.level != "normal")
        for r in readings
    ]


async def trend_chart(
    session: AsyncSession,
    i18n: I18n,
    *,
    resident: Resident,
    kind: str,
    lang: str,
    thresholds: Thresholds,
    tz: ZoneInfo,
    now: datetime,
    days: int = CHART_DAYS,
) -> tuple[bytes, str] | None:
    """(PNG, caption) of the resident's readings of `kind`, or None without readings.
    Drawn off the event loop."""
    readings = await readings_since(session, resident_id=resident.id, kind=kind, since=now - timedelta(days=days))
    if not readings:
        return None
    name = resident.name or ""
    title = i18n.t(lang, f"reading-chart-title-{kind}", name=name)
    if kind == "bp":
        labels = ChartLabels(title=title, unit="mmHg", systolic=i18n.t(lang, "chart-systolic"),
                             diastolic=i18n.t(lang, "chart-diastolic"), target=i18n.t(lang, "chart-target"))  # fmt: skip
        targets: tuple[float, ...] = (thresholds.bp_target_systolic, thresholds.bp_target_diastolic)
    else:
        labels = ChartLabels(title=title, unit="mmol/L", glucose=i18n.t(lang, "chart-glucose"),
                             target=i18n.t(lang, "chart-target"))  # fmt: skip
        targets = (thresholds.glucose_target_for("fasting"),)
    png = await asyncio.to_thread(render_trend_png, kind, _points(readings), labels, targets=targets, tz=tz)
    return png, i18n.t(lang, "reading-chart-caption", title=title)


def summary_text(i18n: I18n, lang: str, kind: str, readings: list[Reading]) -> str:
    high = sum(1 for r in readings if r.level in ("high", "very_high"))
    if kind == "bp":
        sys_avg = round(sum(r.systolic or 0 for r in readings) / len(readings))
        dia_avg = round(sum(r.diastolic or 0 for r in readings) / len(readings))
        return i18n.t(lang, "health-summary-bp", count=str(len(readings)), systolic=str(sys_avg),
                      diastolic=str(dia_avg), high=str(high))  # fmt: skip
    low = sum(1 for r in readings if r.level == "low")
    return i18n.t(lang, "health-summary-glucose", count=str(len(readings)), high=str(high), low=str(low))
