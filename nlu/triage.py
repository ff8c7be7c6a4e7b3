"""Triage (分级响应), run before any model on every text and every transcript.

Rule-based on purpose: a red flag must be caught every time, explainably, and must
win over whatever else the message asks for. The rules live in triage_rules.yml."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

RULES_PATH = Path(__file__).resolve().parent / "triage_rules.yml"
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class TriageResult:
    urgency: str  # emergency | urgent | routine
    category: str | None = None


@dataclass(frozen=True)
class _Rule:
    category: str
    any: tuple[re.Pattern[str], ...]
    with_: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        if not any(p.search(text) for p in self.any):
            return False
        if self.with_ and not any(p.search(text) for p in self.with_):
            return False
        return not any(p.search(text) for p in self.unless)


def normalise(text: str) -> str:
    """Lower case, full-width to half-width, no spaces between Chinese characters."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("’", "'")
    return _CJK_GAP.sub("", text)


def _compile(patterns: list[str] | None) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns or [])


@lru_cache(maxsize=2)
def load_rules(path: Path = RULES_PATH) -> dict[str, tuple[_Rule, ...]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        level: tuple(
            _Rule(category, _compile(r.get("any")), _compile(r.get("with")), _compile(r.get("unless")))
            for category, r in raw[level].items()
        )
        for level in ("emergency", "urgent")
    }


# A red flag buried in a very long message still counts; past this the text is junk.
MAX_SCAN = 20_000


def triage(text: str) -> TriageResult:
    if not text:
        return TriageResult("routine")
    normal = normalise(text[:MAX_SCAN])
    rules = load_rules()
    for rule in rules["emergency"]:
        if rule.matches(normal):
            return TriageResult("emergency", "stroke" if rule.category == "stroke_word" else rule.category)
    for rule in rules["urgent"]:
        if rule.matches(normal):
            return TriageResult("urgent", rule.category)
    return TriageResult("routine")
