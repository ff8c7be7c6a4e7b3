"""The keyword interpreter: the catalog's synonyms and the domain vocabulary, with no
model. It extracts the entities for every backend and stands in for intent
classification where no trained model is available."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import datetime

from nlu.interface import Parse
from nlu.timeparse import resolve_when
from nlu.triage import triage
from nlu.vocabulary import Vocabulary, load_vocabulary

# When several intents are named, the more specific one wins.
PRIORITY = (
    "emergency",
    "cancel_booking",
    "reschedule_booking",
    "list_bookings",
    "rate_service",
    "sign_family_doctor",
    "contact_doctor",
    "change_language",
    "ask_help",
    "book_service",
    "thanks",
    "goodbye",
    "greet",
    "deny",
    "affirm",
)
_LETTERS = re.compile(r"[a-zA-Z\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_FOREIGN = re.compile(r"[\u3040-\u30ff\uac00-\ud7af\u0400-\u04ff\u0600-\u06ff]")


def entities(text: str, now: datetime, vocabulary: Vocabulary) -> dict[str, object]:
    return {
        "service": vocabulary.service(text),
        "modality": vocabulary.modality(text),
        "provider_gender": vocabulary.gender(text),
        "when": resolve_when(text, now),
    }


MAX_REQUEST_CHARS = 2000


def junk(text: str) -> bool:
    """Empty, emoji or symbols only, mostly another script, or far longer than any
    request (triage still reads all of it)."""
    stripped = text.strip()
    if len(stripped) > MAX_REQUEST_CHARS:
        return True
    if not _LETTERS.search(stripped):
        return True
    foreign = len(_FOREIGN.findall(stripped))
    return foreign > 0 and foreign >= len(_CJK.findall(stripped)) + len(re.findall(r"[a-zA-Z]", stripped)) / 4


class KeywordInterpreter:
    name = "keywords"

    def __init__(self, vocabulary: Vocabulary | None = None) -> None:
        self.vocabulary = vocabulary or load_vocabulary()

    def parse_sync(self, text: str, now: datetime) -> Parse:
        text = text or ""
        flag = triage(text)
        if junk(text):
            return Parse(text=text, intent="out_of_scope", confidence=0.9, urgency=flag.urgency, backend=self.name)
        found = entities(text[:2000], now, self.vocabulary)
        hits = self.vocabulary.intent_hits(text[:2000])
        if flag.urgency == "emergency":
            intent, confidence = "emergency", 1.0
        else:
            intent, confidence = self.classify(hits, found)
        return Parse(
            text=text,
            intent=intent,
            confidence=confidence,
            service=found["service"],  # type: ignore[arg-type]
            modality=found["modality"],  # type: ignore[arg-type]
            provider_gender=found["provider_gender"],  # type: ignore[arg-type]
            when=found["when"],  # type: ignore[arg-type]
            urgency=flag.urgency,
            red_flag=flag.category,
            backend=self.name,
        )

    @staticmethod
    def classify(hits: dict[str, int], found: Mapping[str, object]) -> tuple[str, float]:
        named = [i for i in PRIORITY if i in hits]
        specific = [i for i in named if i not in ("book_service", "thanks", "goodbye", "greet", "deny", "affirm")]
        if specific:
            return specific[0], 0.85
        if found["service"]:
            return "book_service", 0.8
        if "book_service" in named and (found["when"] or found["modality"]):
            return "book_service", 0.6
        if found["when"] or found["modality"] or found["provider_gender"]:
            return "inform", 0.75
        if named:
            return named[0], 0.8
        return "out_of_scope", 0.3

    async def parse(self, text: str, *, now: datetime) -> Parse:
        return await asyncio.to_thread(self.parse_sync, text, now)


def refine_intent(intent: str, confidence: float, found: Mapping[str, object], urgency: str, keywords: KeywordInterpreter, text: str) -> tuple[str, float]:
    """The same decisions on top of any classifier: triage decides emergencies, a named
    service turns a fragment into a request, urgent signs are fast-tracked bookings."""
    if urgency == "emergency":
        return "emergency", 1.0
    if intent == "emergency":
        # The model alone never raises an emergency that triage did not see: rules
        # decide red flags, and a model false alarm would scare a resident.
        intent, confidence = keywords.classify(keywords.vocabulary.intent_hits(text), found)
    if found.get("service") and intent in ("greet", "thanks", "affirm", "deny", "goodbye", "out_of_scope", "inform"):
        intent = "book_service"
    if urgency == "urgent" and intent not in ("cancel_booking", "reschedule_booking", "list_bookings"):
        intent = "book_service"
    return intent, confidence
