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
_BP_WORDS = r"(血压|血圧|雪压|学压|血鸭|血牙|血押|血丫|压力|bp|b\.p\.|blood pressure|blood pleasure)"
_BP_PAIR = re.compile(
    _BP_WORDS + r"[^0-9\n]{0,16}?(\d{2,3})(?:多|左右)?\s*(?:/|／|\\|over|by|,? and|比|和|跟|与|到|-|~|,|，|、|\s)\s*(?:低压|舒张压|diastolic)?\s*(\d{2,3})(?![\d.%])"
)
_BARE_PAIR = re.compile(
    r"(?<![\d./-])(?<!\d:)(\d{2,3})\s*(?:/|／|over)\s*(\d{2,3})(?!\d|[.:/-]\d)"
    r"(?!\s*(?:[a-z]+ )?(?:road|rd\b|street|st\b|lane|ln\b|avenue|ave\b|drive|dr\b|court|路|街|号|弄|巷|栋|楼|室))"
)
_HIGH_LOW = re.compile(
    r"(?:高压|收缩压|上压|最上头|上头|上边|上面|(?<![\u4e00-\u9fff])上(?=\s*\d)|高的|systolic|top number|\b(?:high|upper|top)(?: number| one)?\b)\D{0,6}(\d{2,3})(?: on (?:the )?top)?.{0,14}?"
    r"(?:低压|舒张压|下压|最下头|下头|下边|下面|(?<![\u4e00-\u9fff])下(?=\s*\d)|低的|diastolic|bottom number|\b(?:low|lower|bottom)(?: number| one)?\b)\D{0,6}(\d{2,3})"
    r"|(\d{2,3}) on (?:the )?top.{0,10}?(\d{2,3}) on the bottom"
    r"|\bsys\D{0,3}(\d{2,3}).{0,8}?\bdia\D{0,3}(\d{2,3})"
    r"|(\d{2,3})\s*的?\s*(?:高压|收缩压).{0,8}?(\d{2,3})\s*的?\s*(?:低压|舒张压)"
)
# A home monitor's three rows, top to bottom: systolic, diastolic, pulse.
_MONITOR_ROWS = re.compile(
    r"(?:最上面|最上头|上面|上头|上边|上排|第一行|top)\D{0,4}(\d{2,3}).{0,8}?(?:中间|中排|第二行|middle)\D{0,4}(\d{2,3})"
    r".{0,8}?(?:最下面|最下头|下面|下头|下边|下排|第三行|bottom)\D{0,4}(\d{2,3})"
)
_SPACED_PAIR = re.compile(
    r"(?:量的|测的|量了|测了|(?<![\u4e00-\u9fff])量|(?<=今天)量|读数|次是|结果是|显示|reading|readings?:?|measured|checked|says|shows|showed|said)\D{0,6}"
    r"(\d{2,3})(?:\s*,?\s*and)?\s+(\d{2,3})(?![\d.])"
)
# A message that is only a monitor's numbers ("123 79 63", "一百四十八 九十二" read out):
# systolic, diastolic and perhaps the pulse, with at most a word of when.
_BARE_ROW = re.compile(
    r"^\W*(?:(?:今天|今早|今晚|早上|晚上|中午|下午|上午|刚才|刚刚|刚|嗯|量了|测了|this morning|today|just now|tonight"
    r"|我爸|我妈|俺爹|俺娘|老伴儿?|爸|妈|dad|mum|mom)\W*){0,3}"
    r"(\d{2,3})[\s,，、;；]+(\d{2,3})(?:[\s,，、;；]+(?:(?:脉搏?|心率|心跳|pulse|hr)\s*[:：]?\s*)?(\d{2,3}))?\W*"
    r"(?:(?:刚量的|刚测的|刚量|刚测|量的|测的|有点高|有点低|偏高|偏低|高不高|正常吗|正常|just now|this morning|today)\W*){0,3}$"
)
# "142/91, 79": a third number said right after the pair is the pulse.
_TRAILING_PULSE = re.compile(r"(?:\s*[,，、/]\s*|\s*,?\s*and\s+|\s+)(\d{2,3})(?![\d./:]|\s*(?:岁|kg|斤|公斤|号|楼|室|mg|mmol|%|点|时|分|月|日|天|次|个|am\b|pm\b|years?|y/?o\b))")
_NOT_FASTING = re.compile(r"(不是|没有?|并非|并不是|\bnot\b|\bnon)[- ]?(空腹|fasting)")
_EN_UNITS = {w: i for i, w in enumerate(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"], 1)}
_EN_TEENS = {w: i for i, w in enumerate(["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"], 10)}
_EN_TENS = {w: 10 * i for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2)}
_EN_NUMBER = re.compile(
    r"\b(?:(one|two|a)[- ]?(?:hundred[- ]?(?:and[- ]?)?)?(?=[a-z]))?"
    r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    r"(?:[- ](one|two|three|four|five|six|seven|eight|nine))?\b"
)
_PULSE = re.compile(r"(?:心率|心律|新率|辛率|心绿|脉搏|脉率|心跳|脉|pulse|pluse|pules|puls|\bpul\b|\bpr\b|heart rate|\bhr\b|\bp\b|\bp(?=\d))\s*(?:是|为|:|=|of|was)?\s*(?:(?:[1一]|每)\s*分钟\s*)?(\d{2,3})(?!\d|\.\d)")
_GLUCOSE = re.compile(
    r"(血糖|雪糖|学糖|血唐|血堂|糖|随机|早餐前|早饭前|sugar|glucose|\bgluc\b|\bbm\b|\bpp\b|meter (?:says|said|reads|read|shows|showed)|\bbg\b|\bbs\b|\bfbg\b|\bfbs\b|空腹|餐后|饭后|吃完[早午晚]?饭|fasting|post[- ]?(?:meal|lunch|dinner|breakfast|supper))"
    r"[^0-9\n]{0,40}?(?<![\d.])(\d{1,3}(?:\.\d{1,2})?)(?!\d|\.\d|%|\s*(?:号|日|月|早(?![饭餐上晨])|晚(?![饭餐上])|moro\b|morrow\b|mrw\b|点(?!\d)|点钟|点半|时|个(?!多|左右|点)|年|岁|楼|单元|室|years? old|y/?o\b|am\b|pm\b|a\.m|p\.m|th\b|st\b|nd\b|rd\b|:|kg|斤|公斤|次|天|周|分|小时|h\b|hours?\b|min\b|条|片|盒|支|根|张|块|元|包|袋|瓶|strips?\b|packs?\b|count\b|boxes\b|box\b|bottles?\b|pcs\b|yuan\b|rmb\b|dollars?\b|months?\b|weeks?\b|days?\b|years?\b|times?\b|ft\b|feet\b|cm\b|lbs?\b))"
    r"\s*(mmol/l|mmol|mg/dl|mg|毫摩尔)?"
)
# A bare "mg" after a number is a dose ("levetiracetam 500mg"), not a glucose value.
_UNIT_GLUCOSE = re.compile(
    r"(?<![\d.])(\d{1,3}(?:\.\d{1,2})?)\s*(mmol/l|mmol|mg\s*/\s*dl|mg(?=\s*(?:sugar|glucose|血糖"
    # "two hundred and ten mg after lunch": mg said with a meal, and no dose in sight
    r"|(?:after|before) (?:a |the |my |his |her )?(?:meal|lunch|dinner|breakfast|supper|eating)|fasting)))"
)
_DOSE = re.compile(r"\b(take|takes|taking|took|tablets?|tabs?|pills?|capsules?|dose|doses|dosage|metformin)\b|药|片")
_MG = re.compile(r"mg")
_FASTING = re.compile(r"空腹|空肚子?|早餐前|before (?:she |he |i |they )?(?:eats?|ate)\b|(?:before|b4) brekkie|b4 (?:breakfast|eating)|早上没吃|还没吃饭|没吃早饭|早饭前|饭前|餐前|起床后|刚起床|fasting|when i woke|on waking|woke up|before breakfast|pre[- ]?breakfast|before eat(?:ing)?\b|before (a )?meal|empty stomach|\bfbg\b|\bfbs\b")
_AFTER_MEAL = re.compile(r"餐后|饭后|吃完饭|吃了饭|食完饭?|食咗饭|吃的(?:早饭|午饭|晚饭|饭)|吃了(?![\u4e00-\u9fff]{0,3}药)[\u4e00-\u9fff]{1,4}\s*(?:\d|两|俩|一)\s*个?\s*(?:小时|钟头)|吃过饭|刚吃完|刚吃了(?![^，。,.]{0,3}糖)|(?:早上|中午|晚上|午饭|晚饭|早饭)吃了(?!药|[^，。,.]{0,3}糖)|吃完[\u4e00-\u9fff]{1,4}|吃完.{0,4}(两|2|俩)?(个)?(小时|钟头)|after (a |the )?(meal|eating|food|lunch|dinner|breakfast|supper)|post[- ]?(meal|prandial|lunch|dinner|breakfast|supper)|\bpp\b|hours? after")
_RANDOM = re.compile(r"随机|\brandom\b", re.I)
_CN_DIGITS = re.compile(r"[零〇一二两三四五六七八九十百点幺]+")


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
        if (len(words) >= 3 or "幺" in words or (len(words) == 2 and words[0] != "一")) and all(c in _DIGIT_BY_DIGIT for c in words):
            # "一四零九零" said digit by digit: 140 then 90.
            digits = "".join(_DIGIT_BY_DIGIT[c] for c in words)
            return f"{digits[:3]} {digits[3:]}" if len(digits) in (5, 6) else (f"{digits[:2]} {digits[2:]}" if len(digits) == 4 else digits)
        # A lone numeral is a word (周一, 一个, 两天), not a measurement.
        if len(words.strip("点")) < 2 or words.startswith("点") or words.endswith("点"):
            return words
        words = words.replace("两", "二")
        try:
            return str(cn2an.cn2an(words, "smart"))
        except (ValueError, KeyError, TypeError):
            pass
        # Two numbers said in one breath ("一百四十八八十六" is 148 then 86).
        for cut in range(2, len(words) - 1):
            try:
                first, second = cn2an.cn2an(words[:cut], "smart"), cn2an.cn2an(words[cut:], "smart")
            except (ValueError, KeyError, TypeError):
                continue
            return f"{first} {second}"
        return words

    return _CN_DIGITS.sub(convert, text)


_DIGIT_BY_DIGIT = dict(zip("零〇一二三四五六七八九幺", "001234567891", strict=True))


def _english_numbers(text: str) -> str:
    """Numbers said in words ("one-forty over ninety") as digits, near a reading's words."""

    def convert(match: re.Match[str]) -> str:
        hundreds, tens, units = match.groups()
        value = (_EN_TENS.get(tens) or _EN_TEENS.get(tens, 0)) + (_EN_UNITS.get(units or "", 0) if tens in _EN_TENS else 0)
        if hundreds:
            value += 100 * (2 if hundreds == "two" else 1)
        return str(value)

    return _A_HUNDRED.sub(lambda m: "200" if m.group(1) == "two" else "100", _EN_NUMBER.sub(convert, text))


_A_HUNDRED = re.compile(r"\b(a|one|two) hundred\b")
_HBA1C = re.compile(r"\b(?:hb)?a1c\b|糖化(?:血红蛋白)?")


_GLUCOSE_WORD = re.compile(r"血糖|雪糖|学糖|血唐|早餐前|早饭前|sugar|glucose|\bgluc\b|\bbm\b|\bpp\b|\bbg\b|\bbs\b|空腹|餐后|饭后|吃完[早午晚]?饭")
_SPACED_CN_DECIMAL = re.compile(r"([零一二两三四五六七八九十])\s*点\s+([零一二三四五六七八九])|([零一二两三四五六七八九十])\s+点\s*([零一二三四五六七八九])")
_EN_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
             "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")  # fmt: skip
_EN_DECIMAL = re.compile(rf"\b({'|'.join(_EN_SMALL)}|\d{{1,2}})\s+point\s+({'|'.join(_EN_SMALL[:10])}|\d)\b")
_DIGIT_DECIMAL = re.compile(r"(?<![\d.])(\d{1,2})\s*点\s*(\d)(?![\d.]|\s*(?:分|点|时|号|刻|半))")


def _word_number(word: str) -> str:
    return word if word.isdigit() else str(_EN_SMALL.index(word))


def _plausible_bp(systolic: int, diastolic: int) -> bool:
    return 60 <= systolic <= 280 and 30 <= diastolic <= 180 and systolic > diastolic


def _pulse(text: str) -> int | None:
    match = _PULSE.search(text)
    if match and 30 <= int(match.group(1)) <= 220:
        return int(match.group(1))
    return None


def _bp(text: str) -> Reading | None:
    rows = _MONITOR_ROWS.search(text)
    if rows:
        systolic, diastolic, pulse = (int(g) for g in rows.groups())
        if _plausible_bp(systolic, diastolic):
            return Reading("bp", systolic=systolic, diastolic=diastolic, pulse=pulse if 30 <= pulse <= 220 else None)
    for pattern in (_HIGH_LOW, _BP_PAIR, _SPACED_PAIR):
        for found in pattern.finditer(text):
            numbers = [g for g in found.groups() if g is not None and g.isdigit()]
            systolic, diastolic = int(numbers[-2]), int(numbers[-1])
            if _plausible_bp(systolic, diastolic):
                return Reading("bp", systolic=systolic, diastolic=diastolic, pulse=_pulse(text) or _trailing_pulse(text, found.end()))
    row = _BARE_ROW.match(text)
    if row and _plausible_bp(int(row.group(1)), int(row.group(2))) and int(row.group(1)) >= 80:
        third = int(row.group(3)) if row.group(3) else 0
        return Reading("bp", systolic=int(row.group(1)), diastolic=int(row.group(2)), pulse=third if 30 <= third <= 220 else None)
    match = _BARE_PAIR.search(text)
    # "145/95" alone is a blood pressure; "3/4" or a date is not.
    if match and _plausible_bp(int(match.group(1)), int(match.group(2))) and int(match.group(1)) >= 80:
        return Reading(
            "bp", systolic=int(match.group(1)), diastolic=int(match.group(2)),
            pulse=_pulse(text) or _trailing_pulse(text, match.end()),
        )  # fmt: skip
    return None


def _trailing_pulse(text: str, end: int) -> int | None:
    match = _TRAILING_PULSE.match(text, end)
    if match and 40 <= int(match.group(1)) <= 180:
        return int(match.group(1))
    return None


def _meal_context(text: str, start: int, end: int) -> str:
    """Fasting or after a meal, from the words nearest the value ("空腹7.2 餐后11"),
    else from the whole message."""
    text = _NOT_FASTING.sub(lambda m: " " * len(m.group(0)), text)  # "不是空腹" is not fasting
    if _RANDOM.search(text):
        return "random"  # "随机 9.2 晚饭前": said to be a random reading
    for scope in (text[max(0, start - 14) : end + 14], text):
        after_meal, fasting = _AFTER_MEAL.search(scope), _FASTING.search(scope)
        if after_meal and fasting:
            return "after_meal" if abs(after_meal.start() - (start - max(0, start - 14))) < abs(fasting.start() - (start - max(0, start - 14))) else "fasting"
        if after_meal:
            return "after_meal"
        if fasting:
            return "fasting"
    return "random"


def _glucose(text: str) -> Reading | None:
    for match in _GLUCOSE.finditer(text):
        word, number, unit = match.group(1), match.group(2), match.group(3) or ""
        gap = text[match.end(1) : match.start(2)]
        if re.search(r"(\b(at|on|by|from|between|until|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|@|约|在)\s*$", gap):
            continue  # a time or a date ("sugar test at 8"), not a value
        if re.search(r"(building|bldg|room|flat|unit|floor|no\.?|楼|号|室|栋|单元|层|she'?s|he'?s|i'?m|aged?|今年|年龄)\s*$", gap):
            continue  # an address or an age
        if re.search(r"(降了|升了|涨了|高了|低了|下降了?|上升了?|降|\bdropped( by)?|\bdown by|\bup by|\bby)\s*$", gap):
            continue  # an address or an age
        if word == "糖" and not re.search(r"(测|量|查|餐后|饭后|空腹|空肚|血)", text):
            continue
        if (
            (word in ("空腹", "餐后", "饭后", "fasting") or word.startswith("post"))
            and not re.search(r"血糖|sugar|glucose", gap)
            and _bp(text) is not None
        ):
            continue
        if _RANGE_AFTER.match(text, match.end(2)):
            # "8 to 9 all week, 8.6 this morning": a range is not a reading; a value
            # said just after it is.
            later = _LATER_VALUE.search(text, match.end(2), match.end(2) + 40)
            if later is None or not 1.0 <= float(later.group(1)) <= 35.0:
                continue
            number, unit = later.group(1), ""
        value = float(number)
        tail = text[match.end() : match.end() + 8]
        if value > 35 and not unit and "mg" not in tail and "毫克" not in tail and not re.fullmatch(r"[a-z -]+", word):
            continue  # a bare large number by a Chinese word is an age or a count, not mg/dL
        if _MG.search(unit) or "mg" in tail or value > 35:
            value = value / 18.0
        if not 1.0 <= value <= 35.0:
            continue
        return Reading("glucose", value=round(value, 1), context=_meal_context(text, match.start(), match.end()))
    unit_match = _UNIT_GLUCOSE.search(text) or _VALUE_THEN_CONTEXT.search(text)
    if unit_match and unit_match.group(2).startswith("mg") and "/" not in unit_match.group(2) and _DOSE.search(text):
        unit_match = None
    if unit_match:
        match = unit_match
        value = float(match.group(1)) / (18.0 if match.group(2).startswith("mg") else 1.0)
        if 1.0 <= value <= 35.0:
            return Reading("glucose", value=round(value, 1), context=_meal_context(text, match.start(), match.end()))
    return None


_RANGE_AFTER = re.compile(r"\s*(?:to|-|~|到|至)\s*\d")
_LATER_VALUE = re.compile(r"[,，;；]\s*(?:[a-z\u4e00-\u9fff ]{0,16}?)(\d{1,2}\.\d)(?!\d|\s*(?:to|-|~|到|至)\s*\d)")
_DURATION = re.compile(r"(?<![\d./])\d{1,2}(?:h\b|\s*(?:hours?\b|hrs\b|hr\b(?!\s*\d)|小时|个小时|钟头|个钟头))")
_VALUE_THEN_CONTEXT = re.compile(r"(?<![\d./:])(?<!\bat )(?<!\bby )(?<!@)(?<!around )(\d{1,2}(?:\.\d)?)\s*(?:mmol\S*\s*)?(?:,\s*)?(?:早上|今早|今天早上|this morning,?\s*)?(fasting|空腹|after (?:a )?meal|饭后|餐后)")


_ABOUT = re.compile(r"[一二三四五六七八九]百[一二三四五六七八九]{2}(?![十百点])")


def parse_reading(text: str) -> Reading | None:
    """The first blood pressure or glucose reading in `text`, or None."""
    if not text:
        return None
    # HbA1c is a test's name, not a value of 1
    normal = _HBA1C.sub(" ", normalise(text[:500], keep_spaces=True))
    glucose_words = _GLUCOSE_WORD.search(normal)
    if glucose_words:
        # "五 点 六", "七点 二" as a recogniser spaces them
        normal = _SPACED_CN_DECIMAL.sub(lambda m: f"{m.group(1) or m.group(3)}点{m.group(2) or m.group(4)}", normal)
    normal = _ABOUT.sub(" ", normal)  # "一百六七" is about 160 to 170, not a reading
    normal = _arabic(normal)
    if glucose_words:
        # "seven point two", "7 point 8", "6点8": a decimal, not 7 and then something
        normal = _EN_DECIMAL.sub(lambda m: f"{_word_number(m.group(1))}.{_word_number(m.group(2))}", normal)
        normal = _DIGIT_DECIMAL.sub(r"\1.\2", normal)
    if re.search(_BP_WORDS + r"|sugar|glucose|over|top|bottom|high|low|reading|\bmg\b|pulse", normal):
        normal = _english_numbers(normal)
    # "餐后2h 8.7", "饭后两小时 十点八": the hours after a meal are not the value.
    normal = _DURATION.sub(" ", normal)
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


def warm_up() -> None:
    """The Chinese numeral reader is loaded at start-up, not on the first reading."""
    parse_reading("血压一百四十五/九十五 血糖七点八")
