"""Days the calendar names rather than counts: holidays (元旦, 除夕, 初三, 元宵节,
Christmas), parts of a month (下个月初, 月底, "early January", "the first week of April")
and "before" a day (元旦前, 月底之前, "before Friday", "before the weekend").

Holidays are rewritten into plain dates for the time parser, so a part of the day or a
span said with them still applies ("除夕上午", "初三或者初四"). Days of the first lunar
month are counted from the Spring Festival, whose dates are listed here (the first
lunar month has 29 or 30 days, so 初一 to 正月十五 are exact)."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from nlu.interface import TimeWindow

# 春节 (the first day of the first lunar month) by year.
SPRING_FESTIVAL = {
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
    2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
    2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8), 2036: date(2036, 1, 28),
    2037: date(2037, 2, 15), 2038: date(2038, 2, 4), 2039: date(2039, 1, 24), 2040: date(2040, 2, 12),
}  # fmt: skip
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")  # fmt: skip
_CN = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}
_CJK = re.compile(r"[\u3400-\u9fff]")

# Holidays on a fixed day of the year: (month, day).
_SOLAR = (
    (re.compile(r"\bchristmas eve\b|平安夜", re.I), (12, 24)),
    (re.compile(r"\bchristmas(?: day)?\b|圣诞节?", re.I), (12, 25)),
    (re.compile(r"\bboxing day\b", re.I), (12, 26)),
    (re.compile(r"\b(?<!chinese )(?<!lunar )new year'?s eve\b|跨年(?:那天|夜)?", re.I), (12, 31)),
    (re.compile(r"\b(?<!chinese )(?<!lunar )new year'?s day\b|元旦(?:节)?", re.I), (1, 1)),
    (re.compile(r"三八(?:节|妇女节)|妇女节"), (3, 8)),
    (re.compile(r"情人节|\bvalentine'?s(?: day)?\b", re.I), (2, 14)),
    (re.compile(r"劳动节"), (5, 1)),
    (re.compile(r"国庆节?"), (10, 1)),
)
# Days of the first lunar month, as days after the Spring Festival.
_LUNAR = (
    (re.compile(r"\b(?:chinese|lunar) new year'?s eve\b|\bcny eve\b|除夕|大年三十|年三十", re.I), -1),
    (re.compile(r"\b(?:the )?lantern festival\b|元宵节?|正月十五"), 14),
    (re.compile(r"\b(?:chinese|lunar) new year(?:'?s day)?\b|\bcny\b|\bspring festival\b|春节|大年初一", re.I), 0),
)
_LUNAR_DAY = re.compile(r"(?:(?:正月|大年)|(?<![月0-9一二三四五六七八九十]))初([一二三四五六七八九十])(?![的学年班生中级了])")
# A holiday someone goes home for is not when to come ("home for Christmas", "回老家过年").
_FOR_THE_HOLIDAY = re.compile(
    r"(?:\b(?:home|back|away|flying|fly|going|go|travel\w*|visit\w*|leave|off|hometown)\b[^.,;!?]{0,24}\bfor(?: the)?|过|回家过|回老家过)\s*$", re.I
)
_DAY_STEP_AFTER = re.compile(r"(?:的)?(?:前一天|后一天|第二天)")
_DAY_STEP_BEFORE = re.compile(r"\bthe day (?:before|after)\s*$", re.I)
_BETWEEN_CHRISTMAS_AND_NEW_YEAR = re.compile(r"\bbetween christmas and (?:the )?new year'?s?(?: day| eve)?\b", re.I)
_HOME_AFTER = re.compile(r"\s*(?:期间|的时候|那几天)?\s*(?:回老家|回家|放假|\bat home\b|\bback home\b)", re.I)
# "三天后", "一周以后", "a week today": that many days from today; not "术后三天" or "吃药
#三天后" (after something else).
_DAYS_LATER = re.compile(
    r"(?<![术产院病伤后前烧药针完])(?P<count>[0-9一二两三四五六七八九十])(?:个)?(?P<unit>天|周|礼拜|星期)(?:以|之)?后(?![天面])"
    r"|\b(?:a|one) week (?:today|from today)\b",
    re.I,
)
# "年前", "春节前": before the Spring Festival; not "一年前", "几年前" (years ago).
_BEFORE_NEW_YEAR = re.compile(r"(?<![0-9一二三四五六七八九十几多两半去前今明后比])(?:过)?年前(?!天)")


def _month_after(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _next(candidates: list[date], today: date) -> date | None:
    ahead = [d for d in candidates if d >= today]
    return min(ahead) if ahead else None


def _spring_festival_day(offset: int, today: date) -> date | None:
    return _next([sf + timedelta(days=offset) for sf in SPRING_FESTIVAL.values()], today)


def _solar_day(month: int, day: int, today: date) -> date:
    this_year = date(today.year, month, day)
    return this_year if this_year >= today else date(today.year + 1, month, day)


def _say(day: date, chinese: bool) -> str:
    return f"{day.month}月{day.day}日" if chinese else f"{MONTHS[day.month - 1].capitalize()} {day.day}"


def name_days(text: str, now: datetime) -> str:
    """`text` with its holidays written as the dates they fall on next."""
    today = now.date()
    chinese = bool(_CJK.search(text))
    text = _BEFORE_NEW_YEAR.sub(lambda m: "春节前", text)
    text = _BETWEEN_CHRISTMAS_AND_NEW_YEAR.sub("between the 26th and the 31st of December", text)

    def dated(day: date) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            # "平安夜前一天", "the day after Boxing Day": the holiday and a day's step, as one
            # date, marked (U+2060) so that the step's words can go once the date carries it
            home = _FOR_THE_HOLIDAY.search(match.string[: match.start()]) or _HOME_AFTER.match(match.string, match.end())
            if home:
                return match.group(0)
            after = _DAY_STEP_AFTER.match(match.string, match.end())
            before = _DAY_STEP_BEFORE.search(match.string[: match.start()])
            step = 0
            if after:
                step = -1 if "前" in after.group(0) else 1
            elif before:
                step = -1 if "before" in before.group(0).lower() else 1
            return _say(day + timedelta(days=step), chinese) + ("\u2060" * (1 if step else 0))

        return replace

    for pattern, offset in _LUNAR:
        day = _spring_festival_day(offset, today)
        if day is not None:
            text = pattern.sub(dated(day), text)
    for pattern, (month, mday) in _SOLAR:
        text = pattern.sub(dated(_solar_day(month, mday, today)), text)
    # the step's words go once the date carries it
    text = re.sub(r"\u2060(?:的)?(?:前一天|后一天|第二天)", "", text)
    text = re.sub(r"\bthe day (?:before|after) (?=\w+ \d{1,2}\u2060)", "", text, flags=re.I).replace("\u2060", "")

    def lunar(match: re.Match[str]) -> str:
        day = _spring_festival_day(_CN[match.group(1)] - 1, today)
        return _say(day, chinese) if day is not None else match.group(0)

    text = _LUNAR_DAY.sub(lunar, text)

    def later(match: re.Match[str]) -> str:
        count, unit = match.group("count") or "一", match.group("unit") or "week"
        number = int(count) if count.isdigit() else _CN.get(count.replace("两", "二"), 1)
        days = number * (7 if unit in ("周", "礼拜", "星期", "week") else 1)
        return f" {_say(today + timedelta(days=days), chinese)} " if 0 < days <= 60 else match.group(0)

    text = _DAYS_LATER.sub(later, text)
    return _ORDINAL_DAY.sub(lambda m: _ordinal_day(m, today, chinese), text)


# "the 3rd of next month", "12月第一个礼拜六", "元旦后第一个礼拜一" (the holiday already a date:
# "1月1日后第一个周一"), "…后第一个工作日": the date itself.
_ZH_WEEKDAY_INDEX = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6}
_ORDINAL_DAY = re.compile(
    r"\b(?:the )?(?P<nth>\d{1,2})(?:st|nd|rd|th)? of next month\b"
    r"|(?P<month>\d{1,2}|[一二三四五六七八九十]{1,2})月(?:的)?第(?P<which>[一二三四1-4])个(?:礼拜|星期|周)(?P<weekday>[一二三四五六日天])"
    r"|(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日(?:过后|以后|之后|后)(?:的)?第一个(?:(?:礼拜|星期|周)(?P<weekday2>[一二三四五六日天])|(?P<workday>工作日))",
    re.I,
)


def _ordinal_day(match: re.Match[str], today: date, chinese: bool) -> str:
    day: date | None = None
    if match.group("nth"):
        first = _month_after(today)
        try:
            day = first.replace(day=int(match.group("nth")))
        except ValueError:
            return match.group(0)
    elif match.group("month"):
        month = _day_number(match.group("month"))
        if not 1 <= month <= 12:
            return match.group(0)
        year = today.year if month >= today.month else today.year + 1
        first = date(year, month, 1)
        weekday = _ZH_WEEKDAY_INDEX[match.group("weekday")]
        which = _day_number(match.group("which"))
        day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (which - 1))
        if day.month != month:
            return match.group(0)
    else:
        try:
            start = _solar_day(int(match.group("m2")), int(match.group("d2")), today) + timedelta(days=1)
        except ValueError:
            return match.group(0)
        if match.group("workday"):
            day = start + timedelta(days=(7 - start.weekday()) % 7 if start.weekday() >= 5 else 0)
        else:
            day = start + timedelta(days=(_ZH_WEEKDAY_INDEX[match.group("weekday2")] - start.weekday()) % 7)
    return f" {_say(day, chinese)} "


# Parts of a month.
_ZH_MONTH_PART = re.compile(
    r"(下个?月|这个?月|本月|(?<![0-9一二三四五六七八九十])([0-9一二三四五六七八九十]{1,2})月份?)?\s*"
    r"(月初|月底|月末|月中(?![风午间心国医药旬])|初|底|末|中(?![风午间心国医药旬])|上旬|中旬|下旬)(?!\s*[0-9一二三四五六七八九十]{1,3}\s*[号日])"
)
_EN_MONTH_PART = re.compile(
    r"\b(early|late|mid-?|the middle of|middle of|(?:the )?end of|(?:the )?beginning of|(?:the )?start of|"
    r"(?:the )?first week of|(?:the )?last week of)\s*(next month|this month|the month|" + "|".join(MONTHS) + r")\b"
    r"|\b(next month|this month)\s+(early|end)\b",
    re.I,
)
_EARLY, _MIDDLE, _LATE, _FIRST_TEN, _LAST_TEN = "early", "middle", "late", "first ten", "last ten"


def _month(word: str | None, number: str | None, today: date) -> tuple[int, int]:
    """(year, month) a month word names: next month, this month, or the next such month."""
    word = (word or "").lower()
    if word.startswith(("下", "next")):
        return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    month = None
    if number:
        month = int(number) if number.isdigit() else (_CN.get(number) or (10 + _CN.get(number[-1], 0) if number.startswith("十") else None))
    elif word in MONTHS:
        month = MONTHS.index(word) + 1
    if month is None or not 1 <= month <= 12:
        return today.year, today.month
    return (today.year, month) if month >= today.month else (today.year + 1, month)


def _part_window(year: int, month: int, part: str, tz: object) -> TimeWindow:
    last = monthrange(year, month)[1]
    first, end = {
        _EARLY: (1, 8), _FIRST_TEN: (1, 11), _MIDDLE: (11, 21), _LAST_TEN: (21, last + 1), _LATE: (last - 6, last + 1),
    }[part]
    start = datetime.combine(date(year, month, first), time(0), tz)  # type: ignore[arg-type]
    stop = datetime.combine(date(year, month, 1) + timedelta(days=end - 1), time(0), tz)  # type: ignore[arg-type]
    return TimeWindow(start, stop)


_ZH_PART = {"月初": _EARLY, "初": _EARLY, "上旬": _FIRST_TEN, "中旬": _MIDDLE, "月中": _MIDDLE, "中": _MIDDLE, "下旬": _LAST_TEN, "月底": _LATE, "底": _LATE,
            "月末": _LATE, "末": _LATE}  # fmt: skip


def month_part(text: str, now: datetime) -> tuple[TimeWindow, tuple[int, int]] | None:
    """下个月初, 月底, 三月中旬, "early January", "the end of next month"."""
    today = now.date()
    match = _ZH_MONTH_PART.search(text)
    if match and re.search(r"[0-9一二三四五六七八九十]{1,3}\s*[号日]", text[match.end() : match.end() + 8]):
        match = None  # "月底那天 31号": the day is said
    if match and match.group(3) in ("中", "月中") and not (match.group(1) or "").strip():
        match = None  # 月中 or 中 alone, with no month said, is not a part of a month (上个月中风了)
    if match and (match.group(1) or match.group(3).startswith("月") or match.group(3) in ("上旬", "中旬", "下旬")):
        word, number, part = match.group(1), match.group(2), _ZH_PART[match.group(3)]
        if word is None and part == _EARLY and today.day > 10:
            word = "下"  # 月初 said late in a month is next month's
        year, month = _month(word if not number else None, number, today)
        return _part_window(year, month, part, now.tzinfo), match.span()
    match = _EN_MONTH_PART.search(text)
    if match:
        said = (match.group(1) or match.group(4) or "").lower().strip()
        which = (match.group(2) or match.group(3) or "").lower()
        part = _LATE if any(w in said for w in ("late", "end", "last")) else _MIDDLE if "mid" in said else _EARLY
        year, month = _month(which if which not in ("this month", "the month") else None, None, today)
        return _part_window(year, month, part, now.tzinfo), match.span()
    return None


# "Before" a day: from now until that day begins.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ZH_BEFORE = re.compile(
    r"(?:(?:(\d{1,2})月)?(\d{1,2})日|(?:(这|本|下)个?)?(?:周|星期)([一二三四五六日天])|(周末)|(春节)|((?:下个?月)?(?:月底|月末)))\s*(?:之前|以前|前)(?!天|[0-9一二三四五六七八九十])"
)
_EN_BEFORE = re.compile(
    r"\b(?:before|by) (?:on )?(?:the )?(?:(next )?(weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|end of (?:the |this )?month|("
    + "|".join(MONTHS) + r") (\d{1,2})|(\d{1,2})(?:st|nd|rd|th))\b",
    re.I,
)


def _month_day_ahead(mday: int, today: date) -> date | None:
    """The next day of the month numbered `mday` ("before the 20th"), today excluded."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            day = date(year, month, mday)
        except ValueError:
            day = None
        if day is not None and day > today:
            return day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


# "After" a day of the month: from then to the month's end ("after the 15th" from the
# 16th, "十五号以后" from the 15th).
_AFTER_DAY = re.compile(
    r"\bafter (?:on )?the (\d{1,2})(?:st|nd|rd|th)\b|(?<![0-9一二三四五六七八九十月])([0-9一二三四五六七八九十]{1,3})日(?:以后|之后|后)(?!天)"
    r"|(\d{1,2})月(\d{1,2})日(?:过后|以后|之后)(?![天第])", re.I
)


def _day_number(word: str) -> int:
    if word.isdigit():
        return int(word)
    tens, _, units = word.rpartition("十")
    if "十" not in word:
        return _CN.get(word, 0)
    return (_CN.get(tens, 1) if tens else 1) * 10 + _CN.get(units, 0)


def after_day(text: str, now: datetime) -> tuple[TimeWindow, tuple[int, int]] | None:
    match = _AFTER_DAY.search(text)
    if match is None:
        return None
    english, chinese, month, mday_of_month = match.groups()
    if month:
        # "元旦过后", "正月十五以后": the week after that day
        try:
            following = _solar_day(int(month), int(mday_of_month), now.date()) + timedelta(days=1)
        except ValueError:
            return None
        week_start = datetime.combine(following, time(0), now.tzinfo)
        return TimeWindow(week_start, week_start + timedelta(days=7)), match.span()
    mday = int(english) if english else _day_number(chinese)
    if not 1 <= mday <= 31:
        return None
    today = now.date()
    first = _month_day_ahead(mday, today - timedelta(days=1))  # the day itself may be today
    if first is None:
        return None
    start = first + timedelta(days=1) if english else first
    end = _month_after(first)
    if start >= end:
        return None
    tz = now.tzinfo
    return TimeWindow(datetime.combine(start, time(0), tz), datetime.combine(end, time(0), tz)), match.span()


# The current month by its number ("12月份的预约" said in December): from now to the
# month's end. ("这个月的随访还没做" speaks of the month, not of when to come.)
_THIS_MONTH = re.compile(
    r"(?<![0-9一二三四五六七八九十个上下这本])(?P<number>[0-9]{1,2}|[一二三四五六七八九十]{1,2})月份?"
    r"(?!\s*(?:初|底|末|中|上旬|中旬|下旬|[0-9一二三四五六七八九十]))"
)


def this_month(text: str, now: datetime) -> tuple[TimeWindow, tuple[int, int]] | None:
    for match in _THIS_MONTH.finditer(text):
        if _day_number(match.group("number")) != now.month:
            continue
        today = now.date()
        end = _month_after(today)
        return TimeWindow(now, datetime.combine(end, time(0), now.tzinfo)), match.span()
    return None


def before_day(text: str, now: datetime) -> tuple[TimeWindow, tuple[int, int]] | None:
    today, tz = now.date(), now.tzinfo
    limit: date | None = None
    match: re.Match[str] | None = _ZH_BEFORE.search(text)
    if match:
        month, mday, week, weekday, weekend, festival, month_end = match.groups()
        if month:
            try:
                limit = _solar_day(int(month), int(mday), today)
            except ValueError:
                return None
        elif mday:
            limit = _month_day_ahead(int(mday), today)
        elif weekday or weekend:
            target = 5 if weekend else "一二三四五六日".index(weekday.replace("天", "日"))
            limit = today + timedelta(days=(target - today.weekday()) % 7 or 7)
            if week == "下":
                limit = today - timedelta(days=today.weekday()) + timedelta(days=7 + target)
        elif festival:
            limit = _spring_festival_day(0, today)
        elif month_end:
            limit = _month_after(today)
            if month_end.startswith("下"):
                limit = _month_after(limit)
    else:
        match = _EN_BEFORE.search(text)
        if match is None:
            return None
        following, day_word, month_word, mday, day_alone = match.groups()
        by = match.group(0).lower().startswith("by")
        if day_word:
            target = 5 if day_word.lower() == "weekend" else _WEEKDAYS.index(day_word.lower())
            limit = today + timedelta(days=(target - today.weekday()) % 7 or 7)
            if following:
                limit += timedelta(days=7)
            if by and day_word.lower() != "weekend":
                limit += timedelta(days=1)  # "by Friday": Friday included
        elif day_alone:
            limit = _month_day_ahead(int(day_alone), today)
        elif month_word:
            try:
                limit = _solar_day(MONTHS.index(month_word.lower()) + 1, int(mday), today)
            except ValueError:
                return None
        else:
            limit = _month_after(today)
    if limit is None:
        return None
    end = datetime.combine(limit, time(0), tz)
    return (TimeWindow(now, end), match.span()) if end > now else None
