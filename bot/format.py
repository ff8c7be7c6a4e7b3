"""Dates, times and names as a resident reads them, in their language and zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import I18n

MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_when(i18n: I18n, lang: str, moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return i18n.t(
        lang,
        "datetime-format",
        month=str(local.month),
        monthname=MONTHS_EN[local.month - 1],
        day=str(local.day),
        weekday=i18n.t(lang, f"weekday-{local.weekday()}"),
        time=local.strftime("%H:%M"),
    )


def format_date(i18n: I18n, lang: str, day: date) -> str:
    return i18n.t(
        lang,
        "date-format",
        month=str(day.month),
        monthname=MONTHS_EN[day.month - 1],
        day=str(day.day),
        weekday=i18n.t(lang, f"weekday-{day.weekday()}"),
    )


def provider_name(provider: object, lang: str) -> str:
    return getattr(provider, "name_zh" if lang == "zh" else "name_en")
