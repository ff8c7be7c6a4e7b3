"""One set of decisions on top of any classifier (the embedded one or Rasa), so that
every backend answers the same way for the same signals:

- triage first: the rules' verdict OR'd with the learned emergency detector and the
  classifier's own emergency intent; a red flag inside a booking request is an
  emergency, whatever else the message asks;
- entities: service, modality and gender from the domain vocabulary (the service
  classifier where no word names it), the time window, a home reading, whom it is for;
- what is kept for which intent: no service or time on an emergency or a reading, a
  reading makes a report, a named service turns a fragment into a request, urgent signs
  are fast-tracked bookings."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from actions.care_config import load_care_config
from actions.readings import URGENT_LEVELS, classify
from nlu.beneficiary import beneficiary
from nlu.interface import Parse, TimeWindow
from nlu.normalise import display_text, normalise
from nlu.readings import Reading, parse_reading
from nlu.timeparse import resolve_when as _resolve_when
from nlu.triage import TriageResult, combine, triage
from nlu.vocabulary import Vocabulary

# One parse reads the same text's time more than once (the intent's checks, then the
# window asked for): it is worked out once.
resolve_when = lru_cache(maxsize=64)(_resolve_when)

SERVICE_INTENTS = frozenset(
    {"book_service", "cancel_booking", "reschedule_booking", "list_bookings", "inform", "contact_doctor", "rate_service"}
)
WHEN_INTENTS = frozenset({"book_service", "cancel_booking", "reschedule_booking", "list_bookings", "inform", "contact_doctor", "sign_family_doctor"})
FRAGMENT_INTENTS = frozenset({"greet", "thanks", "affirm", "deny", "goodbye", "out_of_scope", "inform"})
READING_INTENTS = frozenset({"report_reading", "inform", "out_of_scope", "greet", "thanks", "affirm", "deny", "goodbye"})
_NEW_TIME = re.compile(
    r"改到|改成|改为|换到|换成|挪到|调到|调成|推到|推迟到|提前到|延到|改在|改道|->|→|=>"
    r"|改(?=\s*(?:明天|后天|大后天|今天|下个?(?:周|星期|礼拜)|这个?(?:周|星期|礼拜)|周|星期|礼拜|[0-9一二三四五六七八九十]+(?:号|日|点)|上午|下午|晚上))"
    r"|(?<!quarter )(?<!ten )(?<!five )(?<!twenty )\b(?:to|till|until|instead|for)\b(?=[^,.;!?]*[,.;!?\s]*$)"
    r"|(?<!quarter )(?<!ten )(?<!five )(?<!twenty )\b(?:to|till|until)\b(?=\s*(?:next|this|the|on|tomorrow|today|tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|tue|wed|thu|thur|thurs|fri|sat|sun)\b|\d|noon|morning|afternoon|evening))"
    r"|\b(?:make it|how about|what about|can we do|could we do|can i do|could i do|can you do|could you do)\b",
    re.I,
)
# The clauses after the new time are often the reason or the old time ("to next
# Wednesday, can't make tomorrow", "改到周四晚上七点 原来是周三的").
_CLAUSE = re.compile(r"[,.;!?，。；！？]|\s+(?=原来|本来|之前|but\b|because\b|cause\b|since\b|as\b|she\b|he\b|i\b|we\b|can'?t\b|cant\b)|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff0-9])")
# Words that name a day: without one, a new time keeps the old booking's day
# ("明天上午的改到下午", "at 3 instead of 10 tomorrow").
_NAMES_DAY = re.compile(
    r"今|明|后天|后儿|周|星期|礼拜|号|日|月|\b(today|tonight|tomorrow|tmrw?|week|weekend|(mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december|"
    r"\d{1,2}(st|nd|rd|th))\b",
    re.I,
)


def _urgent_reading(reading: Reading) -> bool:
    """A reading the centre's thresholds call very high or low: the same levels the
    readings flow acts on with a same-day slot or a call-back."""
    level = classify(
        load_care_config().thresholds,
        kind=reading.kind,
        systolic=reading.systolic,
        diastolic=reading.diastolic,
        glucose=reading.value,
        context=reading.context,
    )
    return level in URGENT_LEVELS


def when_asked(text: str, intent: str, now: datetime) -> TimeWindow | None:
    """The time a request speaks of; for a reschedule, the new time."""
    when = None
    if intent == "reschedule_booking":
        # "明天的体检改到后天": the new time is the one asked for.
        source = display_text(text)
        instead = re.split(r"\binstead of\b|而不是", source, maxsplit=1, flags=re.I)
        target, after = [source], None
        if _TO_THE_DAY_AFTER.search(source):
            when = _week_later(source, now)  # "move my Friday physio to the Friday after"
        elif len(instead) == 2:
            target = [instead[1], instead[0]]
        else:
            # The last marker with a time after it ("for 10am tomorrow but can we do 2pm instead")
            for marker in reversed(list(_NEW_TIME.finditer(source))):
                after = resolve_when(source[marker.end() :], now)
                if after is not None:
                    target = [source[: marker.start()], source[marker.end() :]]
                    break
        if len(target) == 2:
            when = _new_time(target[1], now, after if after is not None else resolve_when(target[1], now))
            if when is not None and when.end - when.start <= timedelta(days=1) and not _NAMES_DAY.search(target[1]):
                old = resolve_when(target[0], now)
                if old is not None and old.start.date() != when.start.date():
                    shift = old.start.date() - when.start.date()
                    when = replace(when, start=when.start + shift, end=when.end + shift)
            if when is not None and _SAME_TIME.search(source) and when.end - when.start == timedelta(days=1):
                # "move my Friday 9am physio to Monday, same time": the old hours on the new day
                old = resolve_when(target[0], now)
                if old is not None and old.end - old.start < timedelta(days=1):
                    start = datetime.combine(when.start.date(), old.start.time(), when.start.tzinfo)
                    when = TimeWindow(start, start + (old.end - old.start))
        if when is None:
            when = _week_later(source, now)
    if when is None and intent in WHEN_INTENTS:
        when = resolve_when(text, now)
    return when


_SAME_TIME = re.compile(r"\bsame time\b|时间不变|同一(个)?时间|还是(那个|原来的?)?(时间|钟点)", re.I)
_TO_THE_DAY_AFTER = re.compile(r"\bto the (?:mon|tues|wednes|thurs|fri|satur|sun)day after\b", re.I)
_WEEK_LATER = re.compile(r"(往后|向后)?(推|延|挪|改)(迟|后)?(一个?|两|三|2|3)(礼拜|星期|周|天)|" + _TO_THE_DAY_AFTER.pattern + r"|\b(?:push(?:ed)?|move[d]?|put) (?:it |this |that )?back (?:by )?a week\b|\ba week later\b", re.I)


def _week_later(source: str, now: datetime) -> TimeWindow | None:
    """"我那个15号的专家号 往后推一个礼拜": the booking's time, a week on."""
    match = _WEEK_LATER.search(source)
    if match is None:
        return None
    said = source[match.end() :]
    hours = resolve_when(said, now)
    if hours is not None and _NAMES_DAY.search(said):
        return None  # "往后推一周 下周四": the new day is said
    old = resolve_when(source[: match.start()], now)
    if old is None:
        return None
    said_days = match.group(5)
    if said_days == "天":
        step = timedelta(days={"两": 2, "三": 3, "2": 2, "3": 3}.get(match.group(4), 1))
        return TimeWindow(old.start + step, old.end + step)
    if hours is not None and hours.end - hours.start < timedelta(days=1):
        # "原定今天下午 往后推一周吧 还是下午": a week on, at the hours said
        start = datetime.combine(old.start.date() + timedelta(days=7), hours.start.time(), old.start.tzinfo)
        return TimeWindow(start, start + (hours.end - hours.start))
    return TimeWindow(old.start + timedelta(days=7), old.end + timedelta(days=7))


def _new_time(said: str, now: datetime, whole: TimeWindow | None) -> TimeWindow | None:
    """The time said after "改到"/"to" (`whole`: what all of `said` speaks of): its own
    clause first; the rest of the message only adds hours to that day ("to thurs, same
    time 10am"), never another day."""
    first = _CLAUSE.split(said.strip(), maxsplit=1)[0]
    alone = resolve_when(first, now) if first.strip() and first.strip() != said.strip() else whole
    if alone is None:
        return whole
    if whole is not None and whole.start.date() == alone.start.date() and whole.end - whole.start < alone.end - alone.start:
        return whole
    return alone


# Words that cancel, typos and a recogniser's slip included; they turn only a request
# to book or a bare answer into a cancellation (a reschedule says cancel too).
_CANCEL = re.compile(r"取消|去消|\bcancel|\bcancle|\bcanel|不(?:打|去|来|做)了")
# ... unless it asks to book again now ("上次取消了 想重新约个体检"; not "回来再约").
_REBOOK = re.compile(r"(?:想|要|能|可以|帮我)(?:重新|再)(?:约|预约)|\b(?:want|like|can i|could i|need) to (?:re-?book|book (?:it |one )?again)")
_NOT_CANCELLING = frozenset({"book_service", "inform", "affirm", "deny"})
# A whole message that only asks to book.
_WANT_TO_BOOK = re.compile(
    r"^(?:我|俺)?(?:想|要|需要|得)(?:预约|约(?:一?个|一下)?|挂(?:个)?号)\s*$|^约$|^预约$|^book(?: please)?$"
    r"|^(?:i )?(?:need|want|would like|'d like)(?: to (?:make|book))? an? (?:appointment|booking|appt)(?: please| pls)?[.!]?$"
    r"|^(?:can i|i want to|i'd like to|i would like to) (?:book|make an appointment)(?: please| pls)?[.!?]?$",
    re.I,
)
_NOT_BOOKING = frozenset({"list_bookings", "affirm", "inform", "contact_doctor", "ask_help"})
_BOOKING = re.compile(
    r"想约|约(个|一个|一下|下)|预约|帮(我|俺)?[^，。,.!?]{0,6}约|挂(个)?号|\bbook (me|him|her|us|my|a|an|in)\b|make an appointment|an appointment|schedule (a|an|me)",
    re.I,
)
_EVERYDAY_CARE = frozenset(
    {"general_consult", "bp_check", "glucose_check", "chronic_followup", "medication_refill", "home_nursing", None}
)
# Moving a booking, typos included; not a contract, a language or a dosing time.
_RESCHEDULE = re.compile(
    r"\bre-?sch\w*|\bresh\w*ule|\bresh(?:e)?d\w*|改到|改约|改成|改个时间|挪到|换个时间|往后(?:推|挪)|推迟|提前到"
    r"|\b(?:move|push|shift|change) (?:my|the|mum|mom|dad|his|her|our|it|this)\b[^.?!]{0,30}\bto\b",
    re.I,
)
_NOT_A_VISIT = re.compile(r"family doctor|家庭医生|language|语言|中文|英文|english|chinese|吃", re.I)
# Words that change, cancel or look up a booking already made.
_CHANGE_WORDS = re.compile(
    r"改|换|挪|推|调|提前|延|取消|查|有没有|几点|哪天|订的|约的|原来|本来"
    r"|\b(?:cancel|reschedul|move|push|change|instead|when is|what time|do i have|my (?:booking|appointment)s?)",
    re.I,
)
_CHECK = re.compile(r"体检|检查|儿保|check|physical|health check", re.I)
KEEP_WHEN_URGENT = frozenset({"cancel_booking", "reschedule_booking", "list_bookings", "report_reading", "contact_doctor"})


@dataclass(frozen=True)
class Thresholds:
    # The learned detector's probability above which a message is an emergency even
    # when no rule names it, and above which the resident is asked whether it is one.
    # Chosen on the development sets (README, "Understanding"), never on the blind ones.
    emergency_sure: float = 0.8
    emergency_possible: float = 0.5
    # The service classifier is trusted only where no word names a service.
    service_guess: float = 0.55


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Signals:
    """What a backend tells the decisions: its intent with confidence, and optionally
    the emergency detector's probability and a service guess."""

    intent: str
    confidence: float
    runner_up: str | None = None
    emergency_probability: float | None = None
    service_guess: str | None = None
    service_confidence: float = 0.0
    backend: str = ""
    # A detector calibrated on held-out data may raise an emergency on its own; an
    # uncalibrated confidence (Rasa's softmax) may only ask.
    calibrated: bool = True


def urgency_of(text: str, signals: Signals, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> TriageResult:
    rules = triage(text)
    probability = signals.emergency_probability
    if probability is None and signals.intent == "emergency":
        # A backend without a detector (Rasa): its emergency intent stands in for one.
        probability = signals.confidence
    sure = thresholds.emergency_sure if signals.calibrated else 1.01
    return combine(rules, probability, sure=sure, possible=thresholds.emergency_possible)


def decide(
    text: str,
    now: datetime,
    signals: Signals,
    vocabulary: Vocabulary,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Parse:
    flag = urgency_of(text, signals, thresholds)
    intent, confidence = signals.intent, signals.confidence
    if flag.urgency == "emergency":
        intent, confidence = "emergency", max(confidence, 0.9)
    elif intent == "emergency" and flag.urgency != "possible_emergency":
        # The classifier alone, not sure enough to ask: its next best reading stands.
        intent, confidence = signals.runner_up or "out_of_scope", 1.0 - confidence

    reading = parse_reading(text)
    urgency = flag.urgency
    if urgency == "routine" and reading is not None and _urgent_reading(reading):
        urgency = "urgent"  # a very high or low home reading (data/care.yaml): same day
    if reading is not None and intent in READING_INTENTS:
        intent = "report_reading"
    normal = normalise(text)
    if intent in _NOT_CANCELLING and _CANCEL.search(normal) and not _REBOOK.search(normal):
        intent = "cancel_booking"  # "cancle my glucose apointment tmrw", "去消 明天的 体检", "疫苗不打了"
    elif intent in ("book_service", "inform", "list_bookings") and _RESCHEDULE.search(text) and not _NOT_A_VISIT.search(text):
        intent = "reschedule_booking"  # "resheduel my physio to nxt wed", "体检改到下周五"
    elif intent in _NOT_BOOKING and _WANT_TO_BOOK.search(normal):
        intent = "book_service"  # "我想预约", "I need an appointment": asking to book, not to list
    if intent in ("contact_doctor", "report_reading", "inform", "ask_help") and _BOOKING.search(text):
        # "血压146/90 想约个慢病随访", "book me a GP visit": an explicit request to book.
        intent = "book_service"

    service = vocabulary.service(text)
    if service is None and signals.service_guess and signals.service_confidence >= thresholds.service_guess:
        service = signals.service_guess
    if service is None and intent == "book_service":
        service = vocabulary.service_fallback(text)
    if service and intent in FRAGMENT_INTENTS and intent != "inform" and reading is None:
        intent = "book_service"
    if (
        intent in ("inform", "reschedule_booking")
        and reading is None
        and vocabulary.service(text)
        and not _CHANGE_WORDS.search(text)
        and not _NEW_TIME.search(text)
        and resolve_when(text, now) is not None
    ):
        intent = "book_service"  # "今天中午十二点 全科", "今天下午四点 续方 能行不": a service and a time
    if intent == "report_reading" and reading is None and resolve_when(text, now) is not None:
        # "明天上午十点半 测个血糖", "after 4 today ok?": a time to come, not a result
        intent = "book_service" if service else "inform"
    if flag.urgency == "urgent" and intent not in KEEP_WHEN_URGENT and intent != "emergency":
        intent = "book_service"

    if intent not in SERVICE_INTENTS:
        service = None
    elif intent == "contact_doctor":
        # A question for one's doctor is about a service only when it names one that is
        # not the doctor's everyday care ("想问问 vaccine 的事", not "血压今早又是150/95").
        named = vocabulary.service(text)
        service = None if named in _EVERYDAY_CARE else named
    person = beneficiary(text, intent)
    if service in ("health_checkup", "general_consult") and person == "child" and _CHECK.search(text):
        service = "child_health"  # a child's check-up is child health care
    when = when_asked(text, intent, now)
    return Parse(
        text=text,
        intent=intent,
        confidence=confidence,
        service=service,
        modality=vocabulary.modality(text) if intent in SERVICE_INTENTS else None,
        provider_gender=vocabulary.gender(text) if intent in SERVICE_INTENTS else None,
        when=when,
        urgency=urgency,
        red_flag=flag.category,
        reading=reading,
        beneficiary=person,
        backend=signals.backend,
        extras={"triage": flag.evidence, "emergency_probability": signals.emergency_probability},
    )
