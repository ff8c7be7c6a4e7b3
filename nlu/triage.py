"""Triage (分级响应), run before any model on every text and every transcript.

The lexicon (triage_lexicon.yml) names red-flag concepts in both languages; a rule
fires when its concepts are present and alive in context: not negated ("没有胸痛"),
not about the past ("去年中风过") unless the same clause speaks of now, not
hypothetical ("如果胸口疼怎么办"), and for the bare name of a disease not about
routine care or a lecture ("中风康复", "stroke awareness talk"). Third-person reports
count. Speech slips are read through toneless pinyin first (兄痛 -> 胸痛).

Rules are the floor that always holds and can be explained; the learned detector of
the interpreters (nlu/detector.py) adds the cases no rule names, as
`possible_emergency` or, when it is sure, `emergency`. See `combine`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.normalise import normalise

LEXICON_PATH = Path(__file__).resolve().parent / "triage_lexicon.yml"
# A red flag buried in a very long message still counts; past this the text is junk.
MAX_SCAN = 20_000
LEVELS = ("emergency", "possible", "urgent")
URGENCY_OF_LEVEL = {"emergency": "emergency", "possible": "possible_emergency", "urgent": "urgent"}

# Clauses: punctuation and the words that turn a message ("但是", "but", "actually").
_CLAUSE_BREAK = re.compile(
    r"[，。！？!?;；\n、：:]|(?<!\d)\.(?!\d)|,|(?=但是|可是|然而|哦不对|对了|另外|其实)"
    # "不过" and "只是" turn a message only at the start of a clause: "喘不过气" is one.
    r"|(?<=[\s，。,])(?=不过|只是)"
    r"|(?=\b(?:but|however|although|though|actually|also|oh wait|anyway)\b)"
)
# Softer breaks for what a clause is about (past or now): typed Chinese often
# separates clauses by spaces alone ("以前中风过 现在想约康复").
_SOFT_BREAK = re.compile(
    r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])"
    # "... last year so now we'd like ...": what follows is about now.
    r"|\s+(?=(?:so|and) now\b|so (?:we|i|she|he)(?:'d|'re|'ll| would| want| need)\b)"
)
_CJK = re.compile(r"[\u3400-\u9fff]")
_INNER_NEGATION = re.compile(r"(不|没有?|无)(太|怎么|再|有|觉得)?(疼|痛|闷|紧|压|歪|斜|肿|出汗|冒汗|麻|紫|青)|\b(no|not|never|without)\b|n't\b")


@dataclass(frozen=True)
class TriageResult:
    urgency: str  # emergency | possible_emergency | urgent | routine
    category: str | None = None
    # Which rule fired ("chest_pain:CHEST_PAIN+SWEAT"), for logs and tests; no text.
    evidence: str | None = None
    # The message names a red flag that its context takes back (negated, past, a
    # course, a joke, "not an emergency"): the detector must not raise it again.
    settled: bool = False

    @property
    def suicidal(self) -> bool:
        return self.category == "suicide"


@dataclass(frozen=True)
class _Rule:
    level: str
    category: str
    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    negatable: tuple[bool, ...]
    disease_name: bool
    recent_is_now: bool
    # Every concept is an acute sign: a long-standing condition around it does not
    # make it old news.
    acute: bool = False


@dataclass(frozen=True)
class Lexicon:
    rules: tuple[_Rule, ...]
    cues: dict[str, re.Pattern[str]]
    idioms: tuple[re.Pattern[str], ...]
    slip_terms: tuple[str, ...]


def _compile(pattern: str) -> re.Pattern[str]:
    # Long patterns run over several lines in the YAML (literal blocks): the line
    # breaks and the indentation are not part of them.
    return re.compile(re.sub(r"\n\s*", "", pattern.strip()))


@lru_cache(maxsize=2)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    concepts = {name: _compile(p) for name, p in raw["concepts"].items()}
    negatable = set(raw.get("negatable") or [])
    recent_is_now = set(raw.get("recent_is_now") or [])
    acute = set(raw.get("acute") or [])
    rules = []
    for level in LEVELS:
        for category, entries in (raw.get(level) or {}).items():
            for entry in entries:
                names = tuple(entry["all"])
                rules.append(
                    _Rule(
                        level=level,
                        category=category,
                        names=names,
                        patterns=tuple(concepts[n] if n in concepts else _compile(n) for n in names),
                        negatable=tuple(n in negatable for n in names),
                        disease_name=entry.get("kind") == "name",
                        recent_is_now=category in recent_is_now,
                        acute=all(n in acute for n in names),
                    )
                )
    cues = {name: _compile(p) for name, p in raw["cues"].items()}
    return Lexicon(
        rules=tuple(rules),
        cues=cues,
        idioms=tuple(_compile(p) for p in raw.get("idioms") or []),
        slip_terms=tuple(raw.get("slip_terms") or []),
    )


def _clauses(text: str, breaks: re.Pattern[str] = _CLAUSE_BREAK) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in breaks.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = max(match.end(), start)
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


class _Context:
    """What the message says around each match: its clause, and the cues in it."""

    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self.cues = lexicon.cues
        self.spans = _clauses(text)
        soft = re.compile(f"{_CLAUSE_BREAK.pattern}|{_SOFT_BREAK.pattern}")
        self.soft_spans = _clauses(text, soft)
        self.education = bool(self.cues["education"].search(text))
        self.chronic = bool(self.cues["chronic"].search(text))
        self.routine = bool(self.cues["routine"].search(text))
        self.resolved_at = [m.start() for m in self.cues["resolved"].finditer(text)]

    def clause(self, position: int, *, soft: bool = False) -> tuple[int, int]:
        for start, end in self.soft_spans if soft else self.spans:
            if start <= position < end:
                return start, end
        return 0, len(self.text)

    def alive(self, match: re.Match[str], rule: _Rule, negatable: bool) -> bool:
        start, _ = self.clause(match.start())
        before = self.text[start : match.start()]
        soft_start, soft_end = self.clause(match.start(), soft=True)
        clause = self.text[soft_start:max(soft_end, match.end())]
        if negatable and _INNER_NEGATION.search(match.group(0)):
            return False
        if self.cues["negation"].search(before) or self.cues["hypothetical"].search(before):
            return False
        now = bool(self.cues["present"].search(clause))
        past = self.cues["past"].search(clause) or (not rule.recent_is_now and self.cues["recent"].search(clause))
        if past and not now:
            return False
        if any(position >= match.end() for position in self.resolved_at):
            return False
        # Years of illness are a background, not a taking-back, for suicidal words and
        # acute signs (瘫在床上好几年了，今天…脸发青).
        chronic = self.chronic and not rule.recent_is_now and not rule.acute
        if (self.education or chronic) and not now:
            return False
        if rule.disease_name and self.education:
            return False  # a lecture or a programme about a stroke is not a stroke
        # A disease named in a routine request is news only when its own clause speaks of
        # now and not of the past ("他中风后手一直麻" is the stroke's trace).
        return not (
            rule.disease_name and (self.routine or self.education) and not (now and not past and not self.cues["routine"].search(clause))
        )


def _strip_idioms(text: str, lexicon: Lexicon) -> str:
    for pattern in lexicon.idioms:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


@lru_cache(maxsize=1)
def _slip_index() -> dict[str, str]:
    """Toneless pinyin -> term, every reading of the term's characters (血: xue, xie)."""
    import itertools

    from pypinyin import Style, pinyin

    index: dict[str, str] = {}
    for term in load_lexicon().slip_terms:
        # Character by character: the phrase dictionary would give 吐血 only as "tu xie".
        readings = [pinyin(char, style=Style.NORMAL, heteronym=True)[0] for char in term]
        for combination in itertools.islice(itertools.product(*readings), 16):
            index.setdefault(" ".join(combination), term)
    return index


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words common enough that a pinyin look-alike must not be rewritten (中锋 is
    not 中风). From jieba's dictionary, which ships with it."""
    import jieba

    words = set()
    dictionary = Path(jieba.__file__).parent / "dict.txt"
    with dictionary.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, rest = line.partition(" ")
            frequency = int(rest.split(" ", 1)[0] or 0) if rest else 0
            if 2 <= len(word) <= 5 and frequency >= 50:
                words.add(word)
    return frozenset(words)


def correct_slips(text: str) -> str:
    """Speech-recognition slips of red-flag words read as the words themselves:
    a window of Chinese characters whose toneless pinyin equals a term's, and that is
    not itself a common word, is replaced by the term."""
    if not _CJK.search(text):
        return text
    from pypinyin import lazy_pinyin

    index = _slip_index()
    lengths = sorted({len(term) for term in index.values()}, reverse=True)
    common = common_words()
    chars = list(text)
    syllables = [lazy_pinyin(c)[0] if _CJK.match(c) else "" for c in chars]
    i = 0
    while i < len(chars):
        for n in lengths:
            window = chars[i : i + n]
            if len(window) < n or not all(syllables[i : i + n]):
                continue
            term = index.get(" ".join(syllables[i : i + n]))
            original = "".join(window)
            # A window that cuts a common word in two is not a slip (腿脚不行 is not
            # 腿叫不醒): the characters on either side of its edges make no word with it.
            cut = "".join(chars[i - 1 : i + 1]) in common if i else False
            cut = cut or "".join(chars[i + n - 1 : i + n + 1]) in common
            if term and term != original and original not in common and not cut:
                chars[i : i + n] = list(term)
                i += n - 1
                break
        i += 1
    return "".join(chars)


def _fires(rule: _Rule, context: _Context) -> tuple[bool, bool]:
    """(fires, present): present when every concept is named, alive or not."""
    alive = True
    for pattern, negatable in zip(rule.patterns, rule.negatable, strict=True):
        matches = list(pattern.finditer(context.text))
        if not matches:
            return False, False
        if not any(context.alive(m, rule, negatable) for m in matches):
            alive = False
    return alive, True


def _evaluate(text: str, lexicon: Lexicon) -> TriageResult | None:
    context = _Context(text, lexicon)
    settled = bool(lexicon.cues["reassured"].search(text))
    for level in LEVELS:
        for rule in lexicon.rules:
            if rule.level != level:
                continue
            fires, present = _fires(rule, context)
            if fires:
                return TriageResult(URGENCY_OF_LEVEL[level], rule.category, f"{rule.category}:{'+'.join(rule.names)}"[:80])
            settled = settled or (present and level != "urgent")
    return TriageResult("routine", settled=True) if settled else None


_RANK = {"emergency": 3, "possible_emergency": 2, "urgent": 1, "routine": 0}


def triage(text: str) -> TriageResult:
    """The rules' verdict on one message. Never raises on odd input."""
    if not text or not text.strip():
        return TriageResult("routine")
    lexicon = load_lexicon()
    normal = _strip_idioms(normalise(text[:MAX_SCAN], keep_spaces=True), lexicon)
    best = _evaluate(normal, lexicon)
    corrected = correct_slips(normal)
    if corrected != normal:
        second = _evaluate(corrected, lexicon)
        if second is not None and (best is None or _RANK[second.urgency] > _RANK[best.urgency]):
            best = second
    return best or TriageResult("routine")


def warm_up() -> None:
    """The lexicon, the pinyin tables and the common-word list are built at start-up, not
    on the first resident's message (seconds, and threads arriving together would each
    build their own)."""
    load_lexicon()
    _slip_index()
    common_words()
    triage("胸口疼 兄痛, chest pain")


def combine(rules: TriageResult, detector_probability: float | None, *, sure: float, possible: float) -> TriageResult:
    """Rules OR'd with the learned detector: the detector raises what the rules did not
    name, to `emergency` when it is sure and to `possible_emergency` otherwise; it never
    lowers what the rules found. Where the rules found a red flag that the message
    itself takes back, or an urgent (not emergency) sign, the detector may only ask."""
    if detector_probability is None or rules.urgency in ("emergency", "possible_emergency"):
        return rules
    held_back = rules.settled or rules.urgency == "urgent"
    if detector_probability >= sure and not held_back:
        return TriageResult("emergency", rules.category or "detector", "detector:sure")
    if detector_probability >= (sure if held_back else possible):
        return TriageResult("possible_emergency", rules.category or "detector", "detector:possible")
    return rules
