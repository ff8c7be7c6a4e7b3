"""Home readings in a message: blood pressure ("血压145/95", "高压150低压90",
"BP 150 over 95 pulse 80", "早上量的 138 88 心率72") and blood glucose ("空腹血糖7.8",
"饭后两小时 十点八", "sugar 140 mg/dl before breakfast"), as PRODUCT.md's `reading`.

A number is a reading only beside the words that say so (血压, 高压, BP, 血糖, sugar …)
and inside plausible ranges: an address, an age, a weight, a dose or a time is never
read as one. Chinese numerals are read with cn2an; mg/dL becomes mmol/L (÷ 18)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nlu.normalise import normalise

_NUMBER = r"(\d{1,3}(?:\.\d{1,2})?)"
_BP_WORDS = r"(血压|血圧|雪压|学压|血鸭|压力|bp|b\.p\.|blood pressure|blood pleasure)"
_BP_PAIR = re.compile(
    _BP_WORDS + r"[^0-9\n]{0,16}?(\d{2,3})\s*(?:/|／|\\|over|比|到|-|~|,|，|、|\s)\s*(?:低压|舒张压|diastolic)?\s*(\d{2,3})(?![\d.])"
)
_BARE_PAIR = re.compile(r"(?<![\d.:/-])(\d{2,3})\s*(?:/|／|over)\s*(\d{2,3})(?!\d|[.:/-]\d)")
_HIGH_LOW = re.compile(
    r"(?:高压|收缩压|上压|上边|上面|高的|systolic|top number)\D{0,6}(\d{2,3})(?: on (?:the )?top)?.{0,14}?"
    r"(?:低压|舒张压|下压|下边|下面|低的|diastolic|bottom number)\D{0,6}(\d{2,3})"
    r"|(\d{2,3}) on (?:the )?top.{0,10}?(\d{2,3}) on the bottom"
)
_SPACED_PAIR = re.compile(r"(?:量的|测的|读数|reading|readings?:?)\D{0,6}(\d{2,3})\s+(\d{2,3})(?![\d.])")
_PULSE = re.compile(r"(?:心率|心律|脉搏|心跳|脉|pulse|puls|heart rate|\bhr\b|\bp\b)\s*(?:是|为|:|=|of|was)?\s*(\d{2,3})(?!\d|\.\d)")
_GLUCOSE = re.compile(
    r"(血糖|雪糖|学糖|血唐|血堂|糖|sugar|glucose|\bbg\b|\bbs\b|\bfbg\b|\bfbs\b|空腹|餐后|饭后|fasting|post[- ]?meal)"
    r"[^0-9\n]{0,32}?(?<![\d.])(\d{1,3}(?:\.\d{1,2})?)(?!\d|\.\d|\s*(?:号|日|月|点(?!\d)|点钟|点半|时|个|年|岁|楼|单元|室|am\b|pm\b|a\.m|p\.m|th\b|st\b|nd\b|rd\b|:|kg|斤|公斤|次|天|周|分|小时|h\b|hours?\b|min\b))"
    r"\s*(mmol/l|mmol|mg/dl|mg|毫摩尔)?"
)
_UNIT_GLUCOSE = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,2})?)\s*(mmol/l|mmol|mg/dl|mg)\b")
_MG = re.compile(r"mg")
_FASTING = re.compile(r"空腹|早上没吃|还没吃饭|没吃早饭|早饭前|饭前|餐前|fasting|before breakfast|before eating|before (a )?meal|empty stomach|\bfbg\b|\bfbs\b")
_AFTER_MEAL = re.compile(r"餐后|饭后|吃完饭|吃了饭|吃过饭|吃完.{0,4}(两|2|俩)?(个)?(小时|钟头)|after (a |the )?(meal|eating|food|lunch|dinner|breakfast|supper)|post[- ]?(meal|prandial)|\bpp\b|hours? after")
_CN_DIGITS = re.compile(r"[零〇一二两三四五六七八九十百点]+")


@dataclass(frozen=True)
class Reading:
    kind: str  # bp | glucose
    systolic: int | None = None
    diastolic: int | None = None
    pulse: int | None = None
    value: float | None = None
    context: str | None = None  # fasting | after_meal | random

    def to_contract(self) -> dict[str, Any]:
        if self.kind == "bp":
            return {"kind": "bp", "systolic": self.systolic, "diastolic": self.diastolic, "pulse": self.pulse}
        return {"kind": "glucose", "value": self.value, "unit": "mmol/L", "context": self.context}


def _arabic(text: str) -> str:
    """Chinese numerals to digits ("一百四十五" -> 145, "七点八" -> 7.8), leaving the rest."""
    if not _CN_DIGITS.search(text):
        return text
    import cn2an

    def convert(match: re.Match[str]) -> str:
        words = match.group(0)
        # A lone numeral is a word (周一, 一个, 两天), not a measurement.
        if len(words.strip("点")) < 2 or words.startswith("点") or words.endswith("点"):
            return words
        try:
            return str(cn2an.cn2an(words.replace("两", "二"), "smart"))
        except (ValueError, KeyError, TypeError):
            return words

    return _CN_DIGITS.sub(convert, text)


def _plausible_bp(systolic: int, diastolic: int) -> bool:
    return 60 <= systolic <= 280 and 30 <= diastolic <= 180 and systolic > diastolic


def _pulse(text: str) -> int | None:
    match = _PULSE.search(text)
    if match and 30 <= int(match.group(1)) <= 220:
        return int(match.group(1))
    return None


def _bp(text: str) -> Reading | None:
    for pattern in (_HIGH_LOW, _BP_PAIR, _SPACED_PAIR):
        for match in pattern.finditer(text):
            systolic, diastolic = int(match.group(match.lastindex - 1)), int(match.group(match.lastindex))  # type: ignore[operator]
            if _plausible_bp(systolic, diastolic):
                return Reading("bp", systolic=systolic, diastolic=diastolic, pulse=_pulse(text))
    match = _BARE_PAIR.search(text)
    # "145/95" alone is a blood pressure; "3/4" or a date is not.
    if match and _plausible_bp(int(match.group(1)), int(match.group(2))) and int(match.group(1)) >= 80:
        return Reading("bp", systolic=int(match.group(1)), diastolic=int(match.group(2)), pulse=_pulse(text))
    return None


def _glucose(text: str) -> Reading | None:
    for match in _GLUCOSE.finditer(text):
        word, number, unit = match.group(1), match.group(2), match.group(3) or ""
        if re.search(r"(\b(at|on|by|around|about|from|until)|@|约|在)\s*$", text[match.end(1) : match.start(2)]):
            continue  # a time or a date ("sugar test at 8"), not a value
        if word == "糖" and not re.search(r"(测|量|查|餐后|饭后|空腹|血)", text):
            continue
        if word in ("空腹", "餐后", "饭后", "fasting", "post-meal", "post meal", "postmeal") and _bp(text) is not None:
            continue
        value = float(number)
        tail = text[match.end() : match.end() + 8]
        if _MG.search(unit) or "mg" in tail or value > 35:
            value = value / 18.0
        if not 1.0 <= value <= 35.0:
            continue
        if _AFTER_MEAL.search(text):
            context = "after_meal"
        elif _FASTING.search(text):
            context = "fasting"
        else:
            context = "random"
        return Reading("glucose", value=round(value, 1), context=context)
    match = _UNIT_GLUCOSE.search(text)
    if match:
        value = float(match.group(1)) / (18.0 if match.group(2).startswith("mg") else 1.0)
        if 1.0 <= value <= 35.0:
            context = "after_meal" if _AFTER_MEAL.search(text) else "fasting" if _FASTING.search(text) else "random"
            return Reading("glucose", value=round(value, 1), context=context)
    return None


def parse_reading(text: str) -> Reading | None:
    """The first blood pressure or glucose reading in `text`, or None."""
    if not text:
        return None
    normal = _arabic(normalise(text[:500], keep_spaces=True))
    bp_at = re.search(_BP_WORDS + r"|高压|低压|收缩压|舒张压|\d{2,3}\s*(?:/|／|over)\s*\d{2,3}", normal)
    glucose_at = re.search(r"血糖|雪糖|学糖|血唐|血堂|sugar|glucose|\bbg\b|\bbs\b|\bfbg\b|\bfbs\b|mmol|mg/dl", normal)
    order = (_bp, _glucose)
    if glucose_at and (not bp_at or glucose_at.start() < bp_at.start()):
        order = (_glucose, _bp)
    for reader in order:
        reading = reader(normal)
        if reading is not None:
            return reading
    return None
