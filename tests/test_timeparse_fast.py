"""The direct reading of common time expressions agrees with the recogniser on every
phrase it takes, at every hour of every weekday; what it does not take is left to
the recogniser."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nlu.normalise import display_text
from nlu.timeparse import (
    _SALUTATION,
    _normalise,
    _resolve_window,
    common_expression,
    resolve_when,
    time_windows,
)

TZ = ZoneInfo("Asia/Shanghai")
DAYS_ZH = ["今天", "明天", "后天", "大后天", "周一", "周三", "星期五", "周日", "礼拜二", "星期天"]
PARTS_ZH = ["", "上午", "下午", "中午", "晚上", "早上"]
DAYS_EN = [
    "today",
    "tomorrow",
    "the day after tomorrow",
    "monday",
    "on Wednesday",
    "Friday",
    "sunday",
]
PARTS_EN = ["", "morning", "afternoon", "in the afternoon", "at noon", "evening"]


def phrases() -> list[str]:
    out = []
    for day in DAYS_ZH:
        for part in PARTS_ZH:
            out.append(f"我想{day}{part}来量个血压")
    for day in DAYS_EN:
        for part in PARTS_EN:
            out.append(f"book a BP check {day} {part}".strip())
    return out


def slow(text: str, now: datetime):  # type: ignore[no-untyped-def]
    for window in time_windows(_normalise(_SALUTATION.sub(" ", display_text(text)))):
        found = _resolve_window(window, now)
        if found is not None:
            return found
    return None


# Every weekday in the morning, and two evenings (today's parts of the day are over).
# A run over every weekday at 07, 10, 13, 16 and 20 o'clock agreed as well.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
NOWS = [MONDAY + timedelta(days=d) for d in range(7)] + [
    MONDAY + timedelta(hours=10),
    MONDAY + timedelta(days=4, hours=10),
]


@pytest.mark.parametrize("now", NOWS, ids=lambda n: n.strftime("%a-%H"))
def test_the_direct_reading_agrees_with_the_recogniser(now: datetime) -> None:
    taken = 0
    for text in phrases():
        fast = common_expression(_normalise(display_text(text)), now)
        if fast is None:
            continue
        taken += 1
        expected = slow(text, now)
        assert expected is not None, text
        assert (fast.start, fast.end, fast.ambiguous) == (
            expected.start,
            expected.end,
            expected.ambiguous,
        ), (text, now)
    assert taken > 50


@pytest.mark.parametrize(
    "text",
    [
        "下周三上午",
        "明天下午3点",
        "this afternoon",
        "next monday",
        "每周三上午",
        "早上好，明天上午量血压",
        "tomorrow at 9",
        "周三，周四",
        "明天上午九点",
    ],
)
def test_other_expressions_go_to_the_recogniser(text: str) -> None:
    now = NOWS[8]
    assert common_expression(_normalise(display_text(text)), now) is None
    assert resolve_when(text, now) == slow(text, now)
