"""The one interface through which Jiayi understands text.

Every backend (the embedded interpreter, the Rasa HTTP client, the catalog matcher)
returns a `Parse`; triage has already run on the text and set `urgency`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

INTENTS = [
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "inform",
    "book_service",
    "cancel_booking",
    "reschedule_booking",
    "list_bookings",
    "rate_service",
    "emergency",
    "ask_help",
    "change_language",
    "contact_doctor",
    "sign_family_doctor",
    "report_reading",
    "out_of_scope",
]
URGENCIES = ("emergency", "possible_emergency", "urgent", "routine")
BENEFICIARIES = ("self", "parent", "spouse", "child", "other")


@dataclass(frozen=True)
class TimeWindow:
    start: datetime
    end: datetime
    # True when the words admit more than one reading (下周三, "next Wednesday"): the
    # bot confirms the date back before booking.
    ambiguous: bool = False
    source: str = ""


@dataclass(frozen=True)
class Parse:
    text: str
    intent: str
    confidence: float
    service: str | None = None
    modality: str | None = None
    provider_gender: str | None = None
    when: TimeWindow | None = None
    urgency: str = "routine"
    red_flag: str | None = None  # triage category, e.g. "chest_pain", "stroke"
    reading: Any = None  # nlu.readings.Reading: a home blood pressure or glucose reading
    beneficiary: str | None = None  # self | parent | spouse | child | other
    backend: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def to_contract(self) -> dict[str, Any]:
        """The `jiayi nlu parse` output line (PRODUCT.md)."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "service": self.service,
            "modality": self.modality,
            "provider_gender": self.provider_gender,
            "when": (
                {"start": self.when.start.isoformat(), "end": self.when.end.isoformat()}
                if self.when
                else None
            ),
            "urgency": self.urgency,
            "reading": self.reading.to_contract() if self.reading is not None else None,
            "beneficiary": self.beneficiary,
        }


class Interpreter(Protocol):
    name: str

    async def parse(self, text: str, *, now: datetime) -> Parse:
        """Understand `text`; `now` is aware and in the resident's time zone."""
        ...
