"""Time expressions in Chinese and English, resolved against "now" in the resident's
zone with Microsoft Recognizers-Text, then mapped to Jiayi's conventions (PRODUCT.md):
morning 08–12, noon 11–14, afternoon 13–18, evening 18–21; a bare day is the whole day;
an exact time is a 30-minute interval starting then."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from nlu.calendar_days import MONTHS, after_day, before_day, month_part, name_days, this_month
from nlu.interface import TimeWindow
from nlu.normalise import display_text

log = logging.getLogger(__name__)

PART_OF_DAY = {
    "MO": (time(8), time(12)),
    "MI": (time(11), time(14)),
    "AF": (time(13), time(18)),
    "EV": (time(18), time(21)),
    "NI": (time(18), time(21)),
}
EXACT = timedelta(minutes=30)
MAX_SPAN = timedelta(days=32)
FAR_AHEAD = timedelta(days=183)
_CJK = re.compile(r"[\u3400-\u9fff]")
# Dialect and spoken forms the recogniser does not know.
_DIALECT = (
    ("下个星期", "下周"), ("下星期", "下周"),
    ("明儿个", "明天"), ("明个", "明天"), ("明儿", "明天"), ("今儿个", "今天"), ("今儿", "今天"),
    ("后儿个", "后天"), ("后儿", "后天"), ("大后儿", "大后天"), ("晌午", "中午"), ("上半晌", "上午"),
    ("下半晌", "下午"), ("下晌", "下午"), ("头午", "上午"), ("早上", "上午"), ("早晨", "上午"),
    ("傍晚", "晚上"), ("头晌", "上午"), ("前晌", "上午"), ("过晌", "下午"), ("后晌", "下午"), ("下吴", "下午"),
    ("礼拜天", "周日"), ("礼拜日", "周日"), ("礼拜", "周"), ("星期天", "周日"),
    ("这礼拜", "这周"), ("这个礼拜", "这周"), ("这个星期", "这周"), ("本周", "这周"),
    ("吃完晚饭", "晚上"), ("晚饭以后", "晚上"), ("晚饭后", "晚上"), ("午饭以后", "下午"), ("午饭后", "下午"),
    ("早饭后", "上午"), ("听日", "明天"), ("下昼", "下午"), ("上昼", "上午"), ("朝早", "上午"), ("明朝", "明天"),
    ("下无", "下午"), ("名天", "明天"), ("前半晌", "上午"), ("后半晌", "下午"), ("擦黑儿", "晚上"), ("擦黑", "晚上"),
    ("下晡", "下午"), ("明仔载", "明天"), ("明仔", "明天"), ("明晚", "明天晚上"), ("后日", "后天"), ("傍黑", "晚上"), ("黑价", "晚上"), ("黑夜价", "晚上"), ("清起", "上午"),
    ("赶明儿一早", "明天上午"), ("赶明儿", "明天"), ("夜儿个", "昨天"),
)  # fmt: skip
_ZH_HOUR = "[0-9一二三四五六七八九十两]{1,3}"
_EN_HOUR_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_EN_HOURS = r"\d{1,2}|" + "|".join(_EN_HOUR_WORDS)
_EN_NUMBER = {w: i for i, w in enumerate(_EN_HOUR_WORDS, 1)}
_MINUTES = {"quarter": 15, "ten": 10, "twenty": 20, "five": 5, "twenty-five": 25}


def _hour_number(word: str) -> int:
    return int(word) if word.isdigit() else _EN_NUMBER[word.lower()]


def _hour_words(match: re.Match[str]) -> str:
    minutes = match.group(2).lower().replace("-", " ")
    value = {"fifteen": 15, "thirty": 30, "forty five": 45, "forty": 40, "twenty": 20, "ten": 10, "fifty": 50}.get(minutes, 0)
    return f"{_hour_number(match.group(1))}:{value:02d}"


def _zh_number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    try:
        from cn2an import cn2an

        return int(cn2an(word.replace("两", "二"), "smart"))
    except (ValueError, TypeError, KeyError):
        return None


def _minutes_to(match: re.Match[str]) -> str:
    hour_word, quarter, minute_word, quarter2, minute_word2, hour_word2 = match.groups()
    hour = _zh_number(hour_word or hour_word2)
    minutes = 15 if "一刻" in (quarter, quarter2) else _zh_number(minute_word or minute_word2 or "")
    if hour is None or minutes is None or not 1 <= hour <= 24 or not 0 < minutes < 60:
        return match.group(0)
    return f"{hour - 1}点{60 - minutes}分"


def _to_past(match: re.Match[str]) -> str:
    hour_word = match.group(3).lower()
    hour = int(hour_word) if hour_word.isdigit() else _EN_NUMBER[hour_word]
    if not 1 <= hour <= 12:
        return match.group(0)
    minutes = _MINUTES[match.group(1).lower()]
    if match.group(2).lower() == "to":
        hour, minutes = (hour - 1) or 12, 60 - minutes
    return f"{hour}:{minutes:02d}"


def _month_day(match: re.Match[str]) -> str:
    month, day = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return f"on {MONTHS[month - 1].capitalize()} {day}"
# Just before "8号", these make it a door number, not a day.
_ADDRESS_BEFORE = re.compile(r"(路|街|巷|弄|胡同|门牌|村|里|院|住)[^0-9一二三四五六七八九十\s]{0,2}$")
# Spoken and written forms the recogniser misses, rewritten into ones it reads.
_REWRITES: tuple[tuple[re.Pattern[str], Any], ...] = (
    # A word said twice as people hesitate ("礼拜三 礼拜三 下午", "礼拜二 礼拜二上午")
    (re.compile(r"([\u4e00-\u9fff]{2,4})(?:\s+\1)+(?![半分一刻0-9])"), r"\1"),
    # "8到9点" -> "8点到9点"
    (re.compile(rf"(?<![0-9])({_ZH_HOUR})\s*(?:到|至|-|~|－)\s*({_ZH_HOUR})点"), r"\1点到\2点"),
    # "12号" (the 12th) -> "12日"; not a building, a bed or a room
    (re.compile(r"(?<![0-9一二三四五六七八九十百零〇两])([0-9一二三四五六七八九十]{1,3})号(?!楼|床|房|室|线|门|窗|机|码|院|馆|车|位|称|单元|病房|窗口)"),
     lambda m: m.group(0) if _ADDRESS_BEFORE.search(m.string, max(0, m.start() - 4), m.start()) or not _day_of_month(m.group(1))
     else m.group(1) + "日"),
    (re.compile(r"(?<!on )\bthe (\d{1,2}(?:st|nd|rd|th))\b(?! (?:ring|floor|storey|story|alley|street|road|avenue|lane|block|building|ward|bed|gate|exit|line|stop|dose|shot|jab|time|birthday|anniversary))", re.I), r"on the \1"),
    # "24th evening?": a day of the month said bare (not "Dec 24th", "3rd floor", "2nd dose")
    (re.compile(r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? )?(?<!the )(?<!on )(?<!my )(?<!his )(?<!her )"
                r"\b(\d{1,2}(?:st|nd|rd|th))\b(?! (?:of|floor|storey|story|birthday|time|week|day|dose|shot|jab|visit|anniversary|"
                r"century|grade|year|month|child|baby|kid|round|session|injection|booster|trimester|pregnancy|place|attempt|"
                r"alley|street|road|avenue|lane|st|rd|ave|ring|block|building|ward|bed|gate|exit|line|stop))", re.I),
     lambda m: m.group(0) if m.group(1) else "on the " + m.group(2)),
    # "first thing Monday" is Monday morning
    (re.compile(r"\bfirst thing (?:on )?((?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow)\b", re.I), r"\1 morning"),
    (re.compile(r"\bfirst thing\b", re.I), "morning"),
    # "any afternoon this week" is the week
    (re.compile(r"\bany (?:weekday )?(?:morning|afternoon|evening|day|time)s?\b(?=[^.!?]*\b(?:this|next) week\b)", re.I), " "),
    (re.compile(r"(\b(?:this|next) week)[,\s]+any (?:weekday )?(?:morning|afternoon|evening|day|time)s?\b", re.I), r"\1"),
    # "after lunch", "after school": the afternoon; "after work": the evening
    # (not a reading's meal, "sugar was 13 after lunch", nor beside an hour said)
    (re.compile(r"(?<![\d.] )(?<![\d.])\b(?:any ?time )?after (?:lunch|school)\b(?![^.!?]*\b\d{1,2}[:.]\d\d)", re.I), "afternoon"),
    (re.compile(r"\b(?:any ?time )?after work\b(?![^.!?]*\b\d{1,2}[:.]\d\d)", re.I), "evening"),
    (re.compile(r"(?:午饭|中饭|午觉|午休)(?:以后|之后|后)|吃完午饭"), "下午"),
    (re.compile(r"午休(?:的时候|时间|时)?"), "中午"),
    (re.compile(r"中午(?:以后|之后|后)"), "下午"),
    (re.compile(r"中午(?:之前|以前|前(?!后))|午饭前|\b(?:before|b4) (?:lunch|noon)\b", re.I), "上午"),
    (re.compile(r"\blate morning\b", re.I), "10am to 12pm"),
    (re.compile(r"(?:下午)?(?:孩子|娃)?放学(?:以后|之后|后)"), "下午四点以后"),
    (re.compile(r"\bnoonish\b", re.I), "noon"),
    (re.compile(r"\b(?:for )?the rest of (?:the|this) month\b", re.I), "before the end of the month"),
    (re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*-?ish\b", re.I), lambda m: f"at {m.group(1)}" + (f":{m.group(2)}" if m.group(2) else "")),
    (re.compile(r"([0-9]{1,2}|[一二三四五六七八九十]{1,2})月份"), r"\1月"),
    (re.compile(r"\b((?:mon|tues|wednes|thurs|fri|satur|sun)day) week\b", re.I), r"\1 next week"),
    (re.compile(r"(?:时间)?(?:跟|和|同)今天一样|\bsame (?:time )?as today\b", re.I), " "),
    (re.compile(r"\b((?:mon|tues|wednes|thurs|fri|satur|sun)day) or ((?:mon|tues|wednes|thurs|fri|satur|sun)day) next week\b", re.I), r"next \1 or next \2"),
    (re.compile(r"下班(?:以后|之后|后|去|的时候|回来)?(?![^，。,.!?\s]{0,2}才)"), "晚上"),
    (re.compile(r"\bb4\b", re.I), "before"),
    (re.compile(r"\b(?:mornig|morining|moring|mornin)\b", re.I), "morning"),
    (re.compile(r"\bsat or sun\b", re.I), "saturday or sunday"),
    (re.compile(r"(?<=\bfor )(sat|sun)\b", re.I), lambda m: m.group(1) + ("urday" if m.group(1).lower() == "sat" else "day")),
    (re.compile(r"\baround (?=(?:mon|tues|wednes|thurs|fri|satur|sun)(?:day)?\b|(?:tue|wed|thu|thur|thurs)\b)", re.I), "on "),
    # "weekend morning", "weekend pls": the coming weekend
    (re.compile(r"(?<!this )(?<!next )(?<!the )\bweekend (morning|afternoon|evening)s?\b", re.I), r"saturday or sunday \1"),
    (re.compile(r"(?<!this )(?<!next )(?<!the )\bweekend\b", re.I), "this weekend"),
    (re.compile(r"\b(mon|tues|wednes|thurs|fri)(?:day)?\b", re.I), r"\1day"),
    (re.compile(r"\btue\b", re.I), "tuesday"),
    (re.compile(r"\bwed\b", re.I), "wednesday"),
    (re.compile(r"\bthur?\b", re.I), "thursday"),
    (re.compile(r"\b(sat|sun)\b(?=\s+(?:morning|afternoon|evening|am|pm|at|\d))|(?:(?<=\bon )|(?<=next )|(?<=this ))(sat|sun)\b", re.I),
     lambda m: (m.group(1) or m.group(2)) + ("urday" if (m.group(1) or m.group(2)).lower() == "sat" else "day")),
    # "下个月初3号" is the 3rd of next month; "上五" a recogniser's 上午
    (re.compile(r"(下个?月)初\s*(?=[0-9一二三四五六七八九十]{1,2}[号日])"), r"\1"),
    (re.compile(r"上五(?![楼层点个])"), "上午"),
    (re.compile(r"([天朝日一二三四五六]\s*)([上下])半天"), r"\1\2午"),
    (re.compile(r"下五(?![楼层点个])"), "下午"),
    (re.compile(r"(?<![礼0-9一二三四五六七八九十])拜([一二三四五六日天])"), r"周\1"),
    # "明天一早", "下周一一早" are the morning; "3 点" is "3点"
    (re.compile(r"(?<=[天一二三四五六日])\s*一(?:大)?早"), "上午"),
    (re.compile(r"(?<=[0-9])\s+(?=点)"), ""),
    # "a quarter to nine", "ten to four", "quarter past 3"
    (re.compile(rf"\b(?:a )?(quarter|ten|twenty|five|twenty-five) (to|past) ({_EN_HOURS})\b", re.I), _to_past),
    # "Wed 10.30", "at 9.15": a time, not a decimal
    (re.compile(r"\b((?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tmrw?|tmw|today|tonight|at|by|around|to|till|until|(?<=, )like) (\d{1,2})\.([0-5]\d)\b", re.I),
     r"\1 \2:\3"),
    # "half past ten", British "half 9", "four forty-five", "two thirty"
    (re.compile(rf"\bhalf past ({_EN_HOURS})\b", re.I), lambda m: f"{_hour_number(m.group(1))}:30"),
    (re.compile(rf"\b(at|between|from|by|and|or|to|till|until|around|about) half ({_EN_HOURS})\b(?! (?:an?|past|hour|hours|of)\b)", re.I),
     lambda m: f"{m.group(1)} {_hour_number(m.group(2))}:30"),
    (re.compile(rf"\b({'|'.join(_EN_HOUR_WORDS)})[ -](fifteen|thirty|forty[- ]five|forty|twenty|ten|fifty|o'?clock)\b", re.I), _hour_words),
    (re.compile(r"\b12 ?noon\b", re.I), "12:00"),
    # "今天中午十二点": twelve o'clock, not the whole of noon
    (re.compile(r"(?:中午|晌午|正午)\s*(?:十二|12)点(?![半0-9一二三四五六七八九十])"), "12点"),
    (re.compile(r"\b(?:around|about|like)\s+(\d{1,2}:\d\d)\b", re.I), r"at \1"),
    (re.compile(r"\bmidday\b", re.I), "noon"),
    (re.compile(r"\bnxt\b", re.I), "next"),
    (re.compile(r"\b((?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow) (am|pm)\b", re.I),
     lambda m: f"{m.group(1)} {'morning' if m.group(2).lower() == 'am' else 'afternoon'}"),
    (re.compile(r"\bwks?\b", re.I), "week"),
    # "八点差一刻", "差五分十点": minutes before the hour
    (re.compile(rf"({_ZH_HOUR})点差(一刻|({_ZH_HOUR})分)|差(?:(一刻)|({_ZH_HOUR})分)({_ZH_HOUR})点"), _minutes_to),
    # "1/15", "on 2/16": month and day
    (re.compile(r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?![\d/.:]|\s*(?:tabs?|tablets?|pills?|片|粒|cups?|doses?|of)\b|\s*[A-Za-z]+\s+(?:rd|road|st|street|lane|ave|avenue|drive|dr)\b)"), _month_day),
    (re.compile(r"\b(?:wendesday|wednesdy|wedensday|wensday|wednsday)\b", re.I), "wednesday"),
    (re.compile(r"\b(?:thurday|thrusday|thursdy)\b", re.I), "thursday"),
    (re.compile(r"\b(?:tuseday|tuesdy|teusday)\b", re.I), "tuesday"),
    (re.compile(r"\b(?:tomorow|tommorow|tommorrow|tomorrw|tmorrow|tomrrow|tomorroe)\b", re.I), "tomorrow"),
    # "starting next week", "from Monday": when it begins is when to come
    (re.compile(r"\b(?:starting|beginning|start)\s+(?:from\s+)?(?=(?:next|this|on|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b)", re.I), ""),
    # "around 3", "about 8": an hour of the day
    (re.compile(r"\b(?:around|about|at about|at around|make it|(?<=, )like)\s+(\d{1,2})(?![\d:.]|\s*(?:am|pm|a\.m|p\.m|o'?clock|mins?|minutes|hours?|hrs?|days?|weeks?|months?|years?|times|units|tablets|pills|mg|kg|%|people|of))", re.I),
     r"at \1"),
    # "问下 礼拜五", "看一下 周三": the 下 belongs to the verb
    (re.compile(r"(?<=[问看查说等试聊弄听一])下\s+(?=(?:周|星期|礼拜))"), "下，"),
    # Texting: "tmrw arvo", "any time Sat", "this coming Friday", "a same-day appt"
    (re.compile(r"\b(?:tmrw|tmrow|tmr|tmw|tomoz|tomo|2moro|2morrow|2mrw)\b", re.I), "tomorrow"),
    (re.compile(r"\barvo\b", re.I), "afternoon"),
    (re.compile(r"\b(?:the )?morra\b", re.I), "tomorrow"),
    (re.compile(r"\ba week from ((?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.I), r"the \1 after next"),
    (re.compile(r"\bno earlier than\b", re.I), "after"),
    (re.compile(r"\bno later than\b", re.I), "before"),
    (re.compile(r"最晚\s*([0-9一二三四五六七八九十两]{1,3}点(?:半)?)"), r"\1前"),
    (re.compile(rf"^\s*half ({_EN_HOURS})\b(?= on\b| tomorrow\b| today\b|\s*\?|\s*$)", re.I), lambda m: f"{_hour_number(m.group(1))}:30"),
    (re.compile(r"\b(?:in )?a fortnight\b", re.I), "in 14 days"),
    (re.compile(r"\b(?:on )?(?:any ?time|any day|anytime) (?:on )?(?=(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)", re.I), "on "),
    (re.compile(r"\b(?:on )?(?:any ?time|any day|anytime|coming|this coming) (?:on )?(sat|sun)\b", re.I),
     lambda m: "on " + m.group(1) + ("urday" if m.group(1).lower() == "sat" else "day")),
    (re.compile(r"\b(?:on )?(?:this )?coming (?=(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)", re.I), "on "),
    (re.compile(r"\bSat\b(?!urday)"), "Saturday"),
    # "Monday morning next week" is the Monday of next week (said plainly, not "next Monday")
    (re.compile(r"\b(?:on )?((?:mon|tues|wednes|thurs|fri|satur|sun)day(?: (?:morning|afternoon|evening))?) next week\b", re.I), r"next week \1"),
    (re.compile(r"\bsame[- ]day(?= (?:[a-z]+ )?(?:appt|appointment|slot|visit|consult|booking)s?\b)", re.I), "today"),
    # "下个礼拜 礼拜二", "next week, Tuesday": the Tuesday of next week
    (re.compile(r"下个?周\s*[,，]?\s*周(?=[一二三四五六日天])"), "下周"),
    (re.compile(r"\bnext week[,?.!]? (?:on )?(?=(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)(?!\w+ or )", re.I), "next week "),
    # "查一下下周三" is "查一下" then "下周三", not the week after next
    (re.compile(r"一下(?=下个?(?:周|星期|礼拜))"), "一下 "),
    (re.compile(r"\bevenings\b", re.I), "evening"),
    (re.compile(r"\bmornings\b", re.I), "morning"),
    (re.compile(r"\bafternoons\b", re.I), "afternoon"),
)
# "between 2 and 4": service hours, so 2 is 14:00 and 9 is 09:00.
_EN_BETWEEN = re.compile(
    r"\b(?:between|from) (\d{1,2})(?::(\d\d))? ?(am|pm)? (?:and|to|-|till|until) (\d{1,2})(?::(\d\d))? ?(am|pm)?\b", re.I
)
_AMBIGUOUS = re.compile(r"下(个)?(周|星期|礼拜)[一二三四五六日天1-7]|\bnext (mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
_THIS_WEEK = re.compile(r"这周(?![一二三四五六日天末])|这个?星期(?![一二三四五六日天])|\bthis week\b(?!end)", re.I)
_PART_WORDS = (
    ("MO", re.compile(r"上午|早上|\bmorning\b", re.I)),
    ("MI", re.compile(r"中午|\bnoon\b|\blunch ?time\b", re.I)),
    ("AF", re.compile(r"下午|\bafternoon\b", re.I)),
    ("EV", re.compile(r"晚上|\bevening\b|\btonight\b", re.I)),
)


# Words the recogniser reads as times but residents do not mean as one.
_NOT_A_TIME = re.compile(
    r"^(现在|目前|最近|这会儿|刚才|now|right now|the day|today's|morning!?|good morning|早上好|上午好|下午好|晚上好)$", re.I
)
_SALUTATION = re.compile(r"早上好|早晨好|上午好|下午好|晚上好|\bgood (?:morning|afternoon|evening)\b", re.I)
_GREETING = re.compile(_SALUTATION.pattern + r"|^morning\b", re.I)


def _day_of_month(number: str) -> bool:
    """"12号" is a day; "32号", "120号" are door numbers."""
    try:
        from cn2an import cn2an

        value = int(number) if number.isdigit() else int(cn2an(number, "smart"))
    except (ValueError, TypeError, KeyError):
        return False
    return 1 <= value <= 31


_CJK_LATIN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z])|(?<=[A-Za-z])(?=[\u4e00-\u9fff])")


def _normalise(text: str) -> str:
    text = _CJK_LATIN.sub(" ", text)
    for old, new in _DIALECT:
        text = text.replace(old, new)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text


def _service_hour(hour: int, marker: str | None) -> int:
    if marker:
        return hour % 12 + (12 if marker.lower() == "pm" else 0)
    return hour + 12 if 1 <= hour < 7 else hour


def _clock_range(text: str) -> tuple[time, time, tuple[int, int]] | None:
    """An explicit span of the clock, or None: a range ("between 2 and 4", "8点到9点半",
    "5 to 6pm"), a choice ("九点或者十点", "1 or 2 pm": from the first to half an hour
    after the second), or an open end ("after 3", "四点半以后": to the end of that part of
    the day; "before 9", "五点前": from its start)."""
    for finder in (_english_range, _chinese_range, _open_clock):
        found = finder(text)
        if found is not None:
            lo, hi, span = found
            if lo < hi:
                return lo, hi, span
    return None


def _english_range(text: str) -> tuple[time, time, tuple[int, int]] | None:
    match = _EN_BETWEEN.search(text) or _EN_TO.search(text)
    choice = False
    if match is None:
        match, choice = _EN_OR.search(text), True
    if match is None:
        return None
    h1, m1, p1, h2, m2, p2 = match.groups()
    if int(h1) > 23 or int(h2) > 23 or int(m1 or 0) > 59 or int(m2 or 0) > 59:
        return None
    first = _service_hour(int(h1), p1 or (p2 if int(h1) <= int(h2) or not p2 else None))
    second = _service_hour(int(h2), p2)
    lo, hi = time(first, int(m1 or 0)), time(second, int(m2 or 0))
    return lo, (_plus_half_hour(hi) if choice else hi), match.span()


def _chinese_range(text: str) -> tuple[time, time, tuple[int, int]] | None:
    match = _ZH_CLOCK_RANGE.search(text)
    if match is None:
        return None
    part, h1, half1, m1, bridge, h2, half2, m2 = match.groups()
    n1, n2 = _zh_number(h1), _zh_number(h2)
    if n1 is None or n2 is None or n1 > 23 or n2 > 23:
        return None
    choice = bridge not in ("到", "至", "-", "~", "－")
    lo = _zh_clock(n1, _minutes(half1, m1), part or "")
    hi = _zh_clock(n2, _minutes(half2, m2), part or "", after=lo)
    if lo is None or hi is None:
        return None
    return lo, (_plus_half_hour(hi) if choice else hi), match.span()


def _open_clock(text: str) -> tuple[time, time, tuple[int, int]] | None:
    match = _ZH_OPEN.search(text)
    if match:
        part, hour, half, minute, side = match.groups()
        number = _zh_number(hour)
        moment = _zh_clock(number, _minutes(half, minute), part or "") if number is not None and number <= 23 else None
        after = side in ("以后", "之后", "后")
    else:
        match = _EN_OPEN.search(text)
        if match is None:
            return None
        side, hour, minute, marker = match.groups()
        if int(hour) > 23 or int(minute or 0) > 59:
            return None
        moment = time(_service_hour(int(hour), marker), int(minute or 0))
        after = side.lower().endswith("after")
    if moment is None:
        return None
    if after and moment < time(8) and not match.group(1) and not (match.re is _EN_OPEN and marker):
        moment = time(moment.hour + 12, moment.minute)  # "7点以后", "after 7": the evening
    # The part of the day the moment falls in bounds the open side.
    parts = _OPEN_PARTS if after else _CLOSE_PARTS
    bounds = [(lo, hi) for lo, hi in parts if (lo <= moment < hi if after else lo < moment <= hi)]
    if not bounds:
        return None
    lo, hi = bounds[0]
    if not after and not (match.re is _ZH_OPEN and match.group(1)) and moment <= time(18):
        lo = time(8)  # "before 5", "五点前": any time of the working day until then
    return (moment, hi, match.span()) if after else (lo, moment, match.span())


# Parts of the day an open "after 3" / "before 9" runs to or from.
_OPEN_PARTS = ((time(8), time(18)), (time(12), time(18)), (time(18), time(21)))
_CLOSE_PARTS = ((time(8), time(12)), (time(12), time(13)), (time(13), time(18)), (time(18), time(21)))


def _minutes(half: str | None, minute: str | None) -> int:
    if half:
        return 30
    number = _zh_number(minute) if minute else 0
    return number if number is not None and 0 <= number < 60 else 0


def _zh_clock(hour: int, minute: int, part: str, after: time | None = None) -> time | None:
    """A Chinese clock hour in service hours: 下午/晚上 and 1–6 are after noon, 中午 1–3
    too; the second hour of a range is after the first ("九点到十一点", "十一点到一点")."""
    if part in ("下午", "晚上", "今晚", "晚") and hour < 12 or part == "中午" and hour <= 3:
        hour += 12
    elif not part and after is None:
        hour = _service_hour(hour, None)
    if after is not None and hour < 12 and time(hour, minute) <= after:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _plus_half_hour(moment: time) -> time:
    shifted = datetime.combine(date(2000, 1, 1), moment) + EXACT
    return shifted.time() if shifted.day == 1 else time(23, 59)


_ZH_CLOCK_RANGE = re.compile(
    rf"(上午|下午|晚上|今晚|晚|中午|早上)?\s*({_ZH_HOUR})点(?:(半)|({_ZH_HOUR})分?)?(?:钟)?(?:\s*(到|至|-|~|－|或者|或是|或|还是|、)\s*|\s+)"
    rf"({_ZH_HOUR})点(?:(半)|({_ZH_HOUR})分?)?(?:钟)?(?:之间)?"
)
_ZH_OPEN = re.compile(rf"(上午|下午|晚上|今晚|晚|中午|早上)?\s*({_ZH_HOUR})点(?:(半)|({_ZH_HOUR})分?)?(?:钟)?\s*(以后|之后|以前|之前|后|前)(?!天)")
_EN_TO = re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*(am|pm)?\s*(?:to|-|till|until)\s*(\d{1,2})(?::(\d\d))?\s*(am|pm)\b", re.I)
_EN_OR = re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*(am|pm)?\s*or\s*(\d{1,2})(?::(\d\d))?\s*(am|pm)\b", re.I)
_EN_OPEN = re.compile(
    r"\b((?:any ?time )?after|before)\s+(\d{1,2})(?::(\d\d))?\s*(am|pm)?"
    r"(?![\d:]|\s*(?:days?|weeks?|months?|years?|hours?|mins?|minutes|units|pills|tablets|mg|kg|%))",
    re.I,
)


_NEXT_NEXT_WEEK = re.compile(
    r"下下(?:个)?周([一二三四五六日天])?|\b(?:the )?week after next\b|\b(?:the )?(mon|tues|wednes|thurs|fri|satur|sun)day after next\b"
    r"|\b(?:the )?(weekend) after next\b|下下(?:个)?(周末)", re.I
)


def _next_next_week(text: str, now: datetime) -> TimeWindow | None:
    match = _NEXT_NEXT_WEEK.search(text)
    if not match:
        return None
    tz = now.tzinfo
    monday = now.date() - timedelta(days=now.weekday()) + timedelta(days=14)
    if match.group(1) or match.group(2):
        if match.group(1):
            day = monday + timedelta(days=_ZH_WEEKDAY.index(match.group(1).replace("天", "日")))
        else:
            day = monday + timedelta(days=_EN_WEEKDAY.index(match.group(2).lower()))
        part = next((code for code, pattern in _PART_WORDS if pattern.search(text[match.end():])), None)
        hours = _clock_on(text[match.end() :], day, tz)
        if hours is not None:
            return hours
        if part:
            lo, hi = PART_OF_DAY[part]
            return TimeWindow(datetime.combine(day, lo, tz), datetime.combine(day, hi, tz))
        return TimeWindow(datetime.combine(day, time(0), tz), datetime.combine(day + timedelta(days=1), time(0), tz))
    if match.group(3) or match.group(4):
        saturday = datetime.combine(monday + timedelta(days=5), time(0), tz)
        return TimeWindow(saturday, saturday + timedelta(days=2))
    start = datetime.combine(monday, time(0), tz)
    return TimeWindow(start, start + timedelta(days=7))


def _clock_on(text: str, day: date, tz: Any) -> TimeWindow | None:
    """An hour said after a day whose date is already known ("下下周三上午10点")."""
    found = _resolve_window(text, datetime.combine(day, time(0), tz))
    if found is None or found.start.date() != day or found.end - found.start != EXACT:
        return None
    return found


# Two days joined as a span or a choice ("下周一到周三", "礼拜二三都行", "明后天",
# "Thursday or Friday", "between the 10th and the 12th"): every day from the first to the
# last. The second day takes the first's week ("下周一到周三" is Wednesday of next week).
_ZH_SPAN = re.compile(
    r"(?:(?P<week>下个?|这个?|本)?(?:周|星期)(?P<weekday>[一二三四五六日天])|(?P<rel>今天|明天|后天|大后天)|(?:(?P<month>\d{1,2})月)?(?P<date>[0-9一二三四五六七八九十]{1,3})[号日])"
    r"(?:(?:上午|下午|晚上|中午)?\s*(?P<bridge>到|至|或者|或是|或|还是|和|跟|or|、|-|~|－|(?=周|星期))\s*"
    r"(?:(?P<week2>下个?|这个?)?(?:周|星期)(?P<weekday2>[一二三四五六日天])|(?P<rel2>明天|后天|大后天)|(?:(?P<month2>\d{1,2})月)?(?P<date2>[0-9一二三四五六七八九十]{1,3})[号日])"
    # "礼拜二三都行": the second weekday's number alone
    r"|(?P<bare>[二三四五六日天]{1,2})(?![0-9一二三四五六七八九十点号日]))"
)
_EN_DAY = r"(?:(?:next|this) )?(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_EN_SPAN = re.compile(
    rf"\b(?P<nw>next week,? )?(?:(?:on|between|from) )?(?P<first>{_EN_DAY})\s*(?:or|to|through|thru|till|until|-|and)\s*(?P<second>{_EN_DAY})\b(?P<nw2>,? next week)?"
    r"|\b(?:between|from) (?:on )?(?P<the>the )?(?P<d1>\d{1,2})(?P<s1>st|nd|rd|th)? (?:and|to|-|till|until) (?:on )?(?:the )?(?P<d2>\d{1,2})(?P<s2>st|nd|rd|th)?(?P<month> of [a-z]+)?\b",
    re.I,
)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _calendar_window(text: str, now: datetime) -> TimeWindow | None:
    """"Before" a day or a part of a month, unless a day is said outright beside it
    ("过年前 … 2月4号上门")."""
    for finder in (before_day, after_day, month_part, this_month):
        found = finder(text, now)
        if found is not None:
            window, (a, b) = found
            rest = text[:a] + " " * (b - a) + text[b:]
            while (again := finder(rest, now)) is not None:  # "春节前 … 过年前": the same day twice
                a, b = again[1]
                rest = rest[:a] + " " * (b - a) + rest[b:]
            return None if _DAY_WORD.search(rest) or _DATE_WORD.search(rest) else window
    return None


def _whole_day(window: TimeWindow | None) -> bool:
    return window is not None and window.end - window.start == timedelta(days=1) and window.start.time() == time(0)


def _day_span(text: str, now: datetime) -> TimeWindow | None:
    pair = _span_pair(text)
    if pair is None or _clock_range(text):
        return None
    parts = {_part_code(m.group(0)) for m in _PART_WORD.finditer(text)}
    if len(parts) > 1:
        return None
    first, second = (_resolve_window(part, now) for part in pair)
    if first is None or second is None or not (_whole_day(first) and _whole_day(second)):
        return None
    if not first.start < second.start <= first.start + timedelta(days=10):
        return None
    if parts:
        # "周六或者周日上午", "Monday or Tuesday morning": that part of each day
        lo, hi = PART_OF_DAY[parts.pop()]
        tz = now.tzinfo
        return TimeWindow(datetime.combine(first.start.date(), lo, tz), datetime.combine(second.start.date(), hi, tz), first.ambiguous)
    return TimeWindow(first.start, second.end, first.ambiguous)


def _span_pair(text: str) -> tuple[str, str] | None:
    if "明后天" in text:
        return "明天", "后天"
    for joined in _ZH_SPAN.finditer(text):
        if "每" in text[max(0, joined.start() - 2) : joined.start()]:
            continue  # "每周二四": every week, not a span
        day = joined.groupdict()
        if day["weekday"] and (day["weekday2"] or day["bare"]):
            week = day["week"] or ""
            return f"{week}周{day['weekday']}", f"{day['week2'] or week}周{day['weekday2'] or day['bare'][-1]}"
        if day["rel"] and day["rel2"]:
            return day["rel"], day["rel2"]
        if day["date"] and day["date2"]:
            month = f"{day['month']}月" if day["month"] else ""
            return f"{month}{day['date']}日", f"{(day['month2'] + '月') if day['month2'] else month}{day['date2']}日"
    match = _EN_SPAN.search(text)
    if match and match.group("first"):
        first, second = match.group("first"), match.group("second")
        if (match.group("nw") or match.group("nw2")) and not re.match(r"(next|this) ", first, re.I):
            first = "next " + first
        prefix = re.match(r"(next|this) ", first, re.I)
        if prefix and not re.match(r"(next|this) ", second, re.I):
            second = prefix.group(0) + second
        return "on " + first, "on " + second
    if match and match.group("d1") and (match.group("the") or match.group("s1") or match.group("s2")):
        month = match.group("month") or ""
        return f"on the {_ordinal(int(match.group('d1')))}{month}", f"on the {_ordinal(int(match.group('d2')))}{month}"
    return None


@lru_cache(maxsize=1)
def _recognizers() -> tuple[Any, Any]:
    from recognizers_date_time import Culture, DateTimeRecognizer

    # Only the two languages Jiayi reads are built. The library's flag reads backwards:
    # `lazy_initialization=True` (its default) builds every culture it knows up front,
    # seconds of start-up and memory for languages nobody writes in.
    recogniser = DateTimeRecognizer(lazy_initialization=False)
    return (
        recogniser.get_datetime_model(Culture.Chinese),
        recogniser.get_datetime_model(Culture.English),
    )


def warm_up() -> None:
    """Building the models takes a while; do it at start-up, not on a resident's message."""
    zh, en = _recognizers()
    zh.parse("明天上午")
    en.parse("tomorrow morning")


def _parse_dt(value: str, tz: Any) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=tz)


def _hour(moment: str) -> int | None:
    match = re.search(r"(\d{2}):\d{2}:\d{2}$", moment)
    return int(match.group(1)) if match else None


def _pick(values: list[dict[str, str]], now: datetime) -> dict[str, str] | None:
    """Of several readings, one that is not already over, preferring service hours
    ("3点" is 15:00, not 03:00)."""
    today = now.date()
    ahead = []
    for value in values:
        moment = value.get("start") or value.get("value")
        if moment is None:
            continue
        try:
            if len(moment) <= 8 or datetime.fromisoformat(moment).date() >= today:
                ahead.append(value)
        except ValueError:  # "not resolved" and other placeholders
            continue
    for value in ahead:
        hour = _hour(value.get("value") or "")
        if hour is None and "value" not in value and "start" not in value:
            continue
        if hour is None or 7 <= hour <= 20:
            return value
    return ahead[0] if ahead else None


def _window_from(value: dict[str, str], now: datetime, text: str, near: str = "") -> TimeWindow | None:
    """The window of one recognised value; `near` is the expression and what follows it,
    whose part of the day wins over one said elsewhere ("Friday afternoon, she naps in
    the morning")."""
    tz = now.tzinfo
    kind = value.get("type")
    timex = value.get("timex", "")
    if kind in ("duration", "set"):
        return None  # "九个月", "twice a week": how long or how often, not when
    ambiguous = bool(_AMBIGUOUS.search(text))
    part = next((code for code, pattern in _PART_WORDS if pattern.search(near)), None)
    part = part or next((code for code, pattern in _PART_WORDS if pattern.search(text)), None)
    if part is None:
        match = re.search(r"T(MO|MI|AF|EV|NI)$", timex)
        part = match.group(1) if match else None
    if kind == "datetime" and "value" in value:
        start = _parse_dt(value["value"], tz)
        if part == "MI" and start.hour == 12 and start.minute == 0:
            # "around noon" is the noon window, not 12:00 sharp.
            lo, hi = PART_OF_DAY["MI"]
            return TimeWindow(datetime.combine(start.date(), lo, tz), datetime.combine(start.date(), hi, tz), ambiguous)
        return TimeWindow(start, start + EXACT, ambiguous)
    if kind == "time" and "value" in value:
        start = datetime.combine(now.date(), time.fromisoformat(value["value"]), tz)
        if start <= now:
            start += timedelta(days=1)
        return TimeWindow(start, start + EXACT, ambiguous)
    if kind in ("datetimerange", "date", "timerange", "time") or part:
        raw = value.get("start") or value.get("value")
        if raw is None:
            return None
        day = now.date() if len(raw) <= 8 else datetime.fromisoformat(raw).date()
        if part in PART_OF_DAY:
            lo, hi = PART_OF_DAY[part]
            if len(raw) <= 8 and datetime.combine(day, hi, tz) <= now:
                day += timedelta(days=1)
            return TimeWindow(datetime.combine(day, lo, tz), datetime.combine(day, hi, tz), ambiguous)
        start = datetime.combine(day, time(0), tz)
        return TimeWindow(start, start + timedelta(days=1), ambiguous)
    if kind == "daterange" and "start" in value and "end" in value:
        start = datetime.combine(datetime.fromisoformat(value["start"]).date(), time(0), tz)
        end = datetime.combine(datetime.fromisoformat(value["end"]).date(), time(0), tz)
        if _THIS_WEEK.search(text):
            monday = datetime.combine(now.date() - timedelta(days=now.weekday()), time(0), tz)
            start, end = now, monday + timedelta(days=7)
        return TimeWindow(now if start < now < end else start, end, ambiguous)  # "12月份" said in December: from now
    return None


def _part_of_day_alone(text: str, now: datetime) -> TimeWindow | None:
    """"上午" or "afternoon" without a day: today if it is still ahead, else tomorrow."""
    for code, pattern in _PART_WORDS:
        if pattern.search(text):
            lo, hi = PART_OF_DAY[code]
            day = now.date()
            if datetime.combine(day, hi, now.tzinfo) <= now:
                day += timedelta(days=1)
            return TimeWindow(datetime.combine(day, lo, now.tzinfo), datetime.combine(day, hi, now.tzinfo))
    return None


# Words that can start a time expression. Recognizers-Text is super-linear on long
# input (150 numerals took seconds), so it only ever sees short windows around these.
_TIME_WORD = re.compile(
    r"今|明|后天|昨|前天|大后|周|星期|礼拜|号|日|月|点|时|半|上午|下午|中午|晚上|早上|早晨|傍晚|凌晨|夜里|白天|下礼拜|这个|下个|过几天|月底|月初|年底|"
    r"\b(today|tonight|tomorrow|tmr|tmrw|yesterday|morning|noon|afternoon|evening|night|week|weekend|month|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|"
    r"october|november|december|next|this|coming|am|pm|a\.m|p\.m|o'?clock|\d{1,2}(:\d{2})|\d{1,2}(st|nd|rd|th)|at \d{1,2})\b"
    r"|\d{1,2}\s*(?:am|pm|a\.m|p\.m)\b|(?<![\d/.:])\d{1,2}/\d{1,2}(?![\d/.:])",
    re.I,
)
WINDOW_CHARS = 24
MAX_WINDOWS = 3


_BOUNDARY = re.compile(r"[\s,.;!?，。；！？、]")


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a window to whole words (a cut "Just b" confuses the recogniser)."""
    start, end = max(0, start), min(len(text), end)
    for _ in range(12):
        if start == 0 or _BOUNDARY.match(text[start - 1]):
            break
        start -= 1
    for _ in range(12):
        if end >= len(text) or _BOUNDARY.match(text[end]):
            break
        end += 1
    return start, end


def time_windows(text: str) -> list[str]:
    """Up to three short pieces of `text` around its time words, merged when they touch."""
    spans: list[list[int]] = []
    for match in _TIME_WORD.finditer(text):
        start, end = _snap(text, match.start() - WINDOW_CHARS, match.end() + WINDOW_CHARS)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
        if len(spans) > MAX_WINDOWS:
            break
    return [text[a:b][: 4 * WINDOW_CHARS] for a, b in spans[:MAX_WINDOWS]]


def resolve_when(text: str, now: datetime) -> TimeWindow | None:
    """The time span `text` speaks of, or None. Never raises on odd input, and reads
    only bounded windows around time words, so any input is answered quickly."""
    if not text or now.tzinfo is None:
        return None
    window = _resolve(text, now)
    if window is not None and window.end - window.start <= timedelta(days=1) and window.start.weekday() >= 5 and _WEEKDAYS_ONLY.search(text):
        # "any weekday after 7pm" said at the weekend: Monday
        shift = timedelta(days=7 - window.start.weekday())
        start = datetime.combine(window.start.date() + shift, window.start.time(), window.start.tzinfo)
        window = replace(window, start=start, end=start + (window.end - window.start))
    return window


_WEEK_ALONE = re.compile(r"(?:下个?|这个?)(?:周|星期)(?![一二三四五六日天1-7末])|\b(?:next|this) week\b(?!end)", re.I)
_ANY_PART = re.compile(
    r"(?:哪天|任意[^，。,.!?\s]{0,4}\s*|\bany (?:weekday |day )?)(上午|下午|晚上|morning|afternoon|evening)|\b(morning|afternoon|evening)s? only\b", re.I
)
_CLOCK_DIGIT = re.compile(r"\d|[一二三四五六七八九十两]点")
_WEEKDAYS_ONLY = re.compile(r"\b(?:any )?weekdays?\b|工作日", re.I)


def _resolve(text: str, now: datetime) -> TimeWindow | None:
    normalised = _mask(_normalise(_SALUTATION.sub(" ", display_text(text[:2000]))))
    normalised = name_days(normalised, now)
    week = _WEEK_ALONE.search(normalised)
    if week and _PART_WORD.search(normalised) and not (_DAY_WORD.search(normalised) or _DATE_WORD.search(normalised) or _CLOCK_DIGIT.search(normalised)):
        # "any day next week, mornings are better", "下礼拜 上午都行": the week; "下周哪天下午
        # 都行", "this wk any afternoon": that part of each day of it
        whole = _resolve(week.group(0), now)
        every = _ANY_PART.search(normalised)
        if whole is None or every is None:
            return whole
        lo, hi = PART_OF_DAY[_part_code(every.group(1) or every.group(2))]
        tz = now.tzinfo
        first, last = whole.start.date(), whole.end.date() - timedelta(days=1)
        if _WEEKDAYS_ONLY.search(normalised):
            last = min(last, first + timedelta(days=4 - first.weekday()))
        if datetime.combine(first, hi, tz) <= now:
            first += timedelta(days=1)
        if first > last:
            return whole
        start = max(datetime.combine(first, lo, tz), min(now, datetime.combine(first, hi, tz))) if first == now.date() else datetime.combine(first, lo, tz)
        return TimeWindow(start, datetime.combine(last, hi, tz))
    weeks = _next_next_week(normalised, now) or _calendar_window(normalised, now) or _day_span(normalised, now)
    if weeks is not None:
        return weeks
    common = common_expression(normalised, now)
    if common is not None:
        return common
    hours = _clock_range(normalised)
    if hours is not None:
        # "Thursday between 9 and 11", "明天8点到9点": the day from the rest, the hours
        # from the range.
        lo, hi, (a, b) = hours
        rest = normalised[:a] + " " + normalised[b:]
        day_window = next((w for w in map(lambda piece: _resolve_window(piece, now), time_windows(rest)) if w), None)
        day = day_window.start.date() if day_window is not None else now.date()
        tz = now.tzinfo
        start, end = datetime.combine(day, lo, tz), datetime.combine(day, hi, tz)
        if day_window is None and end <= now:
            start, end = start + timedelta(days=1), end + timedelta(days=1)
        return TimeWindow(start, end)
    for window in time_windows(normalised):
        found = _resolve_window(window, now)
        if found is not None:
            return found
    return None


# A number of degrees is a temperature, not a date ("发烧三十九度").
_TEMPERATURE = re.compile(r"^\s*[0-9一二三四五六七八九十点.]{0,3}\s*(度|℃|°)")
_DAY_TIMEX = re.compile(r"\d{4}-\d{2}-\d{2}|XXXX-WXX-\d|XXXX-\d{2}-\d{2}|XXXX-XX-\d{2}")


# How much an expression says: a day ("周四", "tomorrow"), a range of days ("三月",
# "后42天"), or only hours ("3pm", "上午"). The most specific wins, then the first.
_DAY, _RANGE, _HOURS, _UNSUITED = 2, 1, 0, -1
_CLAUSE = re.compile(r"[,，;；。!！?？]")
_OPEN_ENDED = re.compile(r"\s*(?:以后|之后|以前|之前|后|前|起|onwards|or later|or after|at the latest)", re.I)
_CLAUSE_OR_GAP = re.compile(r"[,，;；。!！?？]|\s+")
# A dosing schedule is not a time to come: "早上12个单位 晚上8个单位", "16 units morning
# and 10 evening", "降压药早上吃还是晚上吃".
_DOSE = re.compile(
    r"(?:上午|早上|早晨|中午|晚上|睡前|\b(?:in the )?(?:morning|evening|night|bedtime)\b)\s*(?:各|(?:吃|服|打)(?:还是|好|药|针|[一两二三四0-9]|吗|呢|$|(?=[?？,，。\s]))|\d+\s*(?:个)?(?:单位|片|粒|毫克|mg|units?)\b)"
    r"|\d+\s*(?:个单位|units?|片|粒|毫克|mg)\s*(?:in the )?(?:morning|evening|at night|night|bedtime|早上|晚上|上午|中午)"
    r"|\bunits?\b[^.]{0,40}?\band\s+\d+\s+(?:at night|in the evening|evening|night|bedtime)\b"
    r"|一天[两二三23]次\s*[^，。,.!?]{0,12}"
    r"|(?:早上|晚上|上午|中午)\s*\d{1,2}\s*点\s*(?:吃|服|打)"
    r"|\d+\s*units? of [a-z]+ (?:at night|in the morning|in the evening|at bedtime)\b"
    r"|每(?:天|日)?(?:早|晚|上午|晚上|中午|睡前)\s*(?:各)?\s*(?:吃|服|打)?\s*(?:一|两|二|半|\d)\s*(?:片|粒|颗|次|支|袋|个单位)",
    re.I,
)
# What happened, not when to come: "since this morning", "从中午疼到现在", "疼了一上午",
# "fell this morning".
_SINCE_BEFORE = re.compile(
    r"\bsince\s*$|\b(?:except|but not|not on|any (?:day|time|weekday) but|can'?t (?:make|do)(?: it)?|cannot (?:make|do)(?: it)?)\s*(?:on\s*)?$|除了\s*$|(?:不要|不想要)\s*$", re.I
)
# A day said not to suit ("礼拜一不方便", "明天去不了") is not the time asked for.
_UNSUITED_AFTER = re.compile(r"\s*(?:不方便|不行|去不了|来不了|没空|有事|不在家|不可以|不得空|isn'?t good|is no good|doesn'?t work|won'?t work)")
_PAST_BEFORE = re.compile(r"(?:\b(?:passed away|died|lost (?:my|her|his))|去世|走了|过世)[^.?!]{0,20}$", re.I)
# A month told with a past event is when it happened: "had his hip done in January".
_PAST_EVENT = re.compile(r"\b(?:had|was|were|did|done|happened|since|got|received)\b[^.?!,]{0,30}$|以前|之前|那次|去年", re.I)
_PART = r"(?:this |the |in the )?(?:morning|noon|afternoon|evening|night)|上午|早上|早晨|中午|下午|晚上|夜里"
_PAST_PART = re.compile(
    r"(\b(?:fell|slipped|tripped|started|began|happened|vomited|woke|noticed|felt|since|from|had|was|got|came|went|"
    r"stopped|broke|hurt|cut|burnt|burned|bled|collapsed|fainted|threw|coughed|choked|swallowed|took|ate|drank|said|told|called|rang)\b[^.?!,]{0,30}?)"
    r"\b(?:this|in the|last) (?:morning|afternoon|evening|night)\b"
    r"|\bsince (?:morning|noon|lunch ?time|last night)\b|(?<=\d)\s*(?:this|in the) (?:morning|evening)\b"
    r"|(?<=fasting )(?:this|in the) morning\b|(?<=\bbp )(?:this|in the) (?:morning|evening)\b(?=\s*(?:was|is|:|=)?\s*\d)"
    r"|(?<=\bsugar )(?:this|in the) (?:morning|evening)\b(?=\s*(?:was|is|:|=)?\s*\d)"
    r"|(?<=blood pressure )(?:this|in the) (?:morning|evening)\b(?=\s*(?:was|is|:|=)?\s*\d)"
    r"|(?:从|自)(?:上午|早上|早晨|中午|下午|晚上|夜里)"
    r"|(?<![周期拜])一(?:上午|下午|晚上|中午|早上|整天)|\ball (?:morning|afternoon|evening|night|day)\b"
    r"|(?:今天|今儿)?(?:早上|早晨|上午|中午|下午|晚上)(?=起来|起床|醒来|摔|跌|晕|吐|拉|疼|痛|发现|吃了|量的|测的)"
    # habits and complaints: "晚上老睡不着", "每天晚上咳", "every evening"; a reading's time: "今早血压150/95"
    r"|(?:每天|每晚|每个)?(?:早上|晚上|夜里|半夜)(?=[^，。,.!?\s]{0,3}(?:睡不着|失眠|不睡|睡不好|闹|哭|咳|起夜|做梦|翻身|一个人|难受|疼|痛|高|低))"
    r"|(?:今早|今天早上|今天上午|今天|昨天|刚才|早上|上午|中午|下午|晚上|睡前)(?=(?:空腹|餐后|饭后)?(?:(?:测|量)的|(?:测|量)?的?\s*(?:血压|血糖)\s*(?:是|有)?\s*[0-9一二三四五六七八九十两]|\s*\d{2,3}\s*/|(?:又|还|也)?是\s*\d{2,3}\s*/))"
    r"|(?:今天|今早)?(?:早上|上午|中午|晚上)(?=[^，。,.!?\s]{0,5}(?:忘了|忘记))|(?:今天|今早)(?=(?:空腹|餐后|饭后))|(?:早上|晚上|中午|睡前)(?=还要再?(?:加|吃)|要不要(?:加|吃))|(?:早上|上午|晚上|中午|下午)(?=(?:量|测)(?:了)?体温|体温)"
    # a part of a day already gone: "前天晚上我爸突然…"
    r"|(?:大前天|前天|昨天)(?:上午|下午|中午|晚上|夜里|半夜)|昨晚|前晚"
    r"|\bevery (?:morning|evening|night|afternoon)\b|(?<=\d):\d(?!\d)|(?:了|过)半天",
    re.I,
)


_NOT_CLOCK = re.compile(
    r"(?:餐后|饭后|吃完饭|吃饭后)\s*[0-9一二两三半]+\s*(?:个)?(?:小时|钟头|h\b)|一点(?=都|也|儿|点|不|没|小)|(?<=[好快早晚多少差大小轻慢近远松紧])一点|"
    r"\b(?:night|day|late|early|evening|morning) shifts?\b|夜班|白班|晚班|早班|\bthe (?:evening|morning|night)s? (?:are|were|is|have been)\b|"
    r"(?:都|是|在)[零一二两三四五六七八九十0-9]+点多|(?<![天号周日])(?:晚上|早上)[0-9一二三四五六七八九十]+点了|每个?月[0-9一二三四五六七八九十]+[号日]|"
    r"\bmorning and (?:night|evening)\b|\b(?:night|evening) and morning\b|挂[0-9一二三四五六七八九十]+[号日]|\b(?:times|x) (?:a|per) (?:night|day|week)\b|现在(?:是|已经)?[0-9一二三四五六七八九十]+点(?:多|半)?了?|"
    r"(?:够)?(?:吃|用)到月底|\b\d+ (?:lane|road|rd|street|st|alley|avenue)\b|"
    r"\btake (?:it|them|my [a-z]+|the [a-z]+) (?:in the )?(?:morning|evening|at night)\b|"
    r"\bexpir\w*\s+(?:in|on|at the end of)?\s*[a-z0-9]+|[0-9一二三四五六七八九十]+月(?:底|份|初)?(?:就)?(?:要)?到期|"
    r"[0-9一二三四五六七八九十]+个?月(?:龄|大)|周一综合[症征]|\bmonday blues\b|\b\d+\s*(?:yrs?|years?)\b|"
    r"每(?:天|日|晚|早)(?:的)?(?:早上|晚上|中午|上午|下午|早晨)?(?=[^，。,.!?\s]{0,2}(?:都|量|测|吃|服|打))|早(?=好了|就|已|都好)|"
    # a reading said with 点 ("空腹测的十点一"), "晚一周" (a week later), door and building numbers
    r"(?:测|量)(?:的|了|得)?\s*(?:是)?\s*[零一二两三四五六七八九十0-9]+点[零一二三四五六七八九0-9](?![点钟半分0-9])|"
    r"晚(?:一|两|几)(?:周|天|个星期|个礼拜|个月|点儿?)|"
    r"(?:血糖|空腹|餐后|饭后)(?:是|有)?\s*[零一二两三四五六七八九十0-9]+点[零一二三四五六七八九0-9](?![点钟半分0-9])|"
    r"[0-9一二三四五六七八九十百零〇两]+号(?:楼|房间?|室|门|院|单元)|\b\d{1,2}(?:st|nd|rd|th) (?:floor|storey|story)\b|"
    r"[一两每]个?(?:周|星期)[一两二三四五六七八九十几]次|"
    r"(?<![\d/])\d{1,2}/\d{1,2}\s*(?:tabs?|tablets?|pills?|片|粒|cups?|doses?|of)\b|"
    r"(?:今天|明天|后天)就?(?:要)?(?:吃完|用完|没了|断了)|\b(?:runs?|running|run|finish(?:es)?|finished) (?:out )?(?:already )?(?:tomorrow|today)\b|[0-9一二三四五六七八九十百零〇两]{3,}号|\b\d+\s*hours? after (?:a |my |the )?(?:meal|food|eating|breakfast|lunch|dinner)",
    re.I,
)


def _mask(text: str) -> str:
    """`text` without the parts of the day that say what happened or how to dose, not
    when to come: "fell this morning", "since noon", "疼了一上午", "早上12个单位", and
    without numbers that are no clock ("餐后两小时", "一点都不敢着地")."""
    text = _NOT_CLOCK.sub(" ", _DOSE.sub(" ", text))
    return _PAST_PART.sub(lambda m: (m.group(1) or "") + " ", text)


_LASTING = re.compile(r"^(?:一上午|一下午|一晚上|一中午|一整天|一天|all day|all morning|all night|whole day)$", re.I)


def _candidates(cleaned: str, now: datetime, text: str, depth: int = 0) -> list[tuple[int, int, TimeWindow, bool]]:
    """(how specific, where, window, names a part of the day) for each time expression
    the recognisers find."""
    found: list[tuple[int, int, TimeWindow, bool]] = []
    if not cleaned:
        return found
    try:
        zh, en = _recognizers()
        naive_now = now.replace(tzinfo=None)
        models = (zh, en) if _CJK.search(cleaned) else (en,)
        for model in models:
            for result in model.parse(cleaned, naive_now):
                if _NOT_A_TIME.match(result.text.strip()) or "PRESENT_REF" in str(result.resolution):
                    continue
                if _TEMPERATURE.match(cleaned[result.end + 1 :]) or _LASTING.match(result.text.strip()):
                    continue
                before = cleaned[: result.start]
                # "礼拜一不方便": not this day, unless no other is said ("明天去不了，取消吧")
                unsuited = bool(_UNSUITED_AFTER.match(cleaned, result.end + 1))
                if _SINCE_BEFORE.search(before) or _PAST_BEFORE.search(before) or re.search(r"[产术病]$", before) or result.text.lower().startswith("since"):
                    continue  # "从中午疼到现在", "fell this morning", "产后42天"
                if result.resolution is None and _PART_WORD.search(result.text) and depth == 0:
                    # "the 15th in the afternoon" comes back unresolved: the day alone,
                    # the part of the day from the text around it.
                    bare = cleaned[: result.start] + _PART_WORD.sub(" ", result.text) + cleaned[result.end + 1 :]
                    found += [(r, p, w, True) for r, p, w, _ in _candidates(" ".join(bare.split()), now, text, 1)]
                    continue
                values = (result.resolution or {}).get("values") or []
                value = _pick(values, now)
                if value is None:
                    continue
                near = cleaned[result.start : result.end + 16]
                window = _window_from(value, now, text, near)
                if window is None or window.end <= window.start or window.end - window.start > MAX_SPAN:
                    continue  # "术后一年": a span of a year is not when to come
                if window.start > now + FAR_AHEAD:
                    continue  # "12/3 is her birthday" said in January: not a booking
                if window.end > now - timedelta(days=1) and not (window.end <= now and _AGO.search(result.text)):
                    if value.get("type") == "daterange":
                        if _PAST_EVENT.search(before) and not _AHEAD.search(result.text):
                            continue  # "had his hip done in January"; not "done next week"
                        rank = _RANGE
                    else:
                        rank = _DAY if _DAY_TIMEX.search(value.get("timex", "")) else _HOURS
                    part = any(pattern.search(result.text) for _, pattern in _PART_WORDS)
                    if _OPEN_ENDED.match(cleaned, result.end) and window.end - window.start == EXACT:
                        window = replace(window, source="open")  # "六点以后": not that hour
                    found.append((_UNSUITED if unsuited else rank, result.start, window, part))
    except Exception:  # the recogniser has corners that raise on junk
        log.warning("time expression could not be parsed", exc_info=True)
    return found


_AHEAD = re.compile(r"\b(?:next|coming|this)\b|下|这", re.I)
# A moment already gone ("an hour ago", "两小时前") is when it happened.
_AGO = re.compile(r"\bago\b|前", re.I)


def _resolve_window(text: str, now: datetime) -> TimeWindow | None:
    """The window a piece of text speaks of. Of several expressions, one that names a
    day wins over a bare part of the day or hour ("晚上老做噩梦 … 周四晚上" is
    Thursday evening), whichever language's model found it ("ok 就 Thursday 下午")."""
    # Leading spaces shift the English recogniser's offsets and lose the result.
    cleaned = " ".join(_GREETING.sub(" ", text).split())
    candidates = _candidates(cleaned, now, text)
    splitter = _CLAUSE_OR_GAP if _CJK.search(cleaned) else _CLAUSE
    if not candidates and splitter.search(cleaned):
        # The recogniser sometimes swallows a whole sentence into one expression it
        # cannot resolve ("三年前，现在想约 rehab，下周五下午"): read clause by clause.
        for clause in splitter.split(cleaned):
            # Out of its sentence a lone part of the day is too weak ("夜里睡不着").
            candidates += [c for c in _candidates(clause.strip(), now, text) if c[0] != _HOURS]
    if candidates:
        best = min(candidates, key=lambda c: (-c[0], -c[1]))
        window = best[2]
        whole_day = window.end - window.start == timedelta(days=1) and window.start.time() == time(0)
        day, tz = window.start.date(), now.tzinfo
        if best[0] == _DAY and whole_day:
            # "the 3pm slot on Sat": the day from one expression, the hours from another
            hours = [
                c[2] for c in candidates if c[0] == _HOURS and ((c[2].end - c[2].start == EXACT and c[2].source != "open") or c[3])
            ]
            if hours:
                return TimeWindow(
                    datetime.combine(day, hours[0].start.time(), tz), datetime.combine(day, hours[0].end.time(), tz),
                    window.ambiguous,
                )
        if window.end - window.start > EXACT and not whole_day and window.end - window.start < timedelta(days=1):
            # "tonight, around 8", "下午 around 3点": the exact time within the part of the day
            for rank, _, exact, _ in candidates:
                if rank == _HOURS and exact.end - exact.start == EXACT and exact.source != "open":
                    moment = exact.start.time()
                    if moment.hour < 12 and window.start.hour >= 12:
                        moment = time(moment.hour + 12, moment.minute)
                    start = datetime.combine(day, moment, tz)
                    if window.start <= start < window.end:
                        return TimeWindow(start, start + EXACT, window.ambiguous)
        return window
    if _THIS_WEEK.search(text):
        monday = datetime.combine(now.date() - timedelta(days=now.weekday()), time(0), now.tzinfo)
        return TimeWindow(now, monday + timedelta(days=7))
    return _part_of_day_alone(_GREETING.sub(" ", text), now)


# The expressions most requests use ("明天上午", "tomorrow morning", "周三下午") are
# read directly: the recogniser takes tens of milliseconds for them, this a few
# microseconds. Anything else near a time (digits, numerals, "下周", "this", a second
# day) goes to the recogniser. tests/test_timeparse_fast.py checks that both agree.
_DAY_WORD = re.compile(
    r"大后天|后天|明天|今天|(?:周|星期)[一二三四五六日天]|\b(?:the )?day after tomorrow\b|\btomorrow\b|\btoday\b|"
    r"\b(?:on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    re.I,
)
# A day of the month or a date said as such ("2月4号", "the 5th", "tonight").
_DATE_WORD = re.compile(r"[0-9一二三四五六七八九十]{1,2}\s*[号日]|\b(?:tonight|\d{1,2}(?:st|nd|rd|th))\b", re.I)
_PART_WORD = re.compile(r"上午|下午|中午|晚上|\b(?:in the |at )?(?:morning|afternoon|noon|evening|lunch ?time)\b", re.I)
# Words that make a day something else: past, recurring, a start or a limit.
_NOT_SIMPLE = re.compile(
    r"\b(last|past|ago|since|born|every|each|weekly|daily|starting|starts?|from|until|till|before|after|by|per|was|"
    r"were|did|had|been|except|not|no|instead|died|passed|funeral)\b|去世|上个|上周|以来|开始|起|每|下个|这个|以前|之前|以后|之后|那|过|不|别|除了|或",
    re.I,
)
_NUMERAL = re.compile(r"[0-9零〇一二三四五六七八九十两半几]")
_ZH_WEEKDAY = "一二三四五六日"
_EN_WEEKDAY = ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")


def _day_offset(word: str, now: datetime) -> int | None:
    word = word.lower().removeprefix("on ").removeprefix("the ")
    fixed = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3, "today": 0, "tomorrow": 1, "day after tomorrow": 2}
    if word in fixed:
        return fixed[word]
    if word[0] in "周星":
        weekday = _ZH_WEEKDAY.index(word[-1].replace("天", "日"))
    else:
        weekday = _EN_WEEKDAY.index(word[: -len("day")])
    ahead = (weekday - now.weekday()) % 7
    # The same weekday as today is read differently by the two languages' models.
    return ahead or None


def _part_code(word: str) -> str:
    lowered = word.lower()
    for code, pattern in _PART_WORDS:
        if pattern.search(lowered):
            return code
    return "MO"


def common_expression(text: str, now: datetime) -> TimeWindow | None:
    """One day word ("明天", "周三", "tomorrow") with at most one part of the day and no
    other time words, or None when the text needs the recogniser."""
    days = list(_DAY_WORD.finditer(text))
    parts = list(_PART_WORD.finditer(text))
    if len(days) != 1 or len(parts) > 1:
        return None
    if _AMBIGUOUS.search(text) or _THIS_WEEK.search(text) or _GREETING.search(text):
        return None
    rest = text
    for match in sorted([*days, *parts], key=lambda m: -m.start()):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    if _TIME_WORD.search(rest) or _NUMERAL.search(rest) or _NOT_SIMPLE.search(rest):
        return None
    offset = _day_offset(days[0].group(0), now)
    if offset is None:
        return None
    day = now.date() + timedelta(days=offset)
    tz = now.tzinfo
    if parts:
        lo, hi = PART_OF_DAY[_part_code(parts[0].group(0))]
        return TimeWindow(datetime.combine(day, lo, tz), datetime.combine(day, hi, tz))
    start = datetime.combine(day, time(0), tz)
    return TimeWindow(start, start + timedelta(days=1))
