"""Domain correction of Chinese transcripts, before triage and understanding.

A small speech model hears the sounds right and often picks the wrong characters:
量雪压 for 量血压, 兄痛 for 胸痛. Every window of the transcript whose toneless pinyin
equals that of a domain term (catalog names and synonyms, the Chinese words of
nlu/vocabulary.yml, and nlu/speech/terms.yml with the red flags) is replaced by the
term. Guards against turning right words into wrong ones:

- a character's readings are its usual one and the one it has in the word (月 is yue,
  never its archaic ru, so 这个月的 does not become 这个女的; 血 in 出血 is xie and xue);
- a window must share at least one character with the term (初学 never becomes 出血),
  except, for a term that is not a red flag, a window with the very same tones
  (真酒 → 针灸, 喜早 → 洗澡: what a small model writes when it hears the sounds and not
  the word);
- nothing that is a common word (jieba's dictionary) is undone: neither a window that
  is one (心里 stays, not 心理) nor one that a changed character shares with its
  neighbours outside the window (社区医院 keeps its 区, 手腕上 its 腕; not for red
  flags);
- words that are already domain terms are left alone, longer terms are matched first,
  and red flags before everything else;
- the looser match (zh/z, ch/c, sh/s, ing/in, eng/en, ang/an: the distinctions many
  speakers and the model blur) is allowed only for terms of three or more characters,
  and then at most half of the characters may differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin, pinyin

from actions.catalog import load_catalog
from nlu.triage import common_words
from nlu.vocabulary import VOCABULARY_PATH

TERMS_PATH = Path(__file__).resolve().parent / "terms.yml"
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_LOOSE = ((re.compile(r"^zh"), "z"), (re.compile(r"^ch"), "c"), (re.compile(r"^sh"), "s"), (re.compile(r"ng$"), "n"))


@dataclass(frozen=True)
class Term:
    text: str
    red_flag: bool
    exact: tuple[frozenset[str], ...]  # readings per character, toneless
    loose: tuple[frozenset[str], ...]
    tones: tuple[frozenset[str], ...]  # the same with tone numbers


def _loosen(syllable: str) -> str:
    for pattern, replacement in _LOOSE:
        syllable = pattern.sub(replacement, syllable)
    return syllable


@lru_cache(maxsize=8192)
def _usual(char: str, style: Style) -> str:
    found = pinyin(char, style=style, heteronym=False, errors="ignore", neutral_tone_with_five=True)
    return found[0][0] if found and found[0] else ""


@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """Every toneless reading of one character (polyphones such as 血 xue/xie count)."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(found[0]) if found else frozenset()


@lru_cache(maxsize=4096)
def word_readings(word: str, style: Style = Style.NORMAL) -> tuple[frozenset[str], ...]:
    """Per character: its usual reading and the one it has inside `word` (pypinyin's
    phrase dictionary), never the rare ones (月 yue, not ru)."""
    in_word = lazy_pinyin(word, style=style, errors="ignore", neutral_tone_with_five=True)
    if len(in_word) != len(word):
        in_word = [""] * len(word)
    return tuple(frozenset(r for r in (_usual(c, style), w) if r) for c, w in zip(word, in_word, strict=True))


@lru_cache(maxsize=8192)
def _any_reading(char: str) -> frozenset[str]:
    """Every reading a character may have in any word, loosened: a superset of what
    `_matches` compares."""
    return frozenset(_loosen(r) for r in readings(char) | word_readings(char)[0]) if _HAN.match(char) else frozenset()


def _term(text: str, red_flag: bool) -> Term:
    exact = word_readings(text)
    return Term(
        text, red_flag, exact, tuple(frozenset(_loosen(r) for r in rs) for rs in exact), word_readings(text, Style.TONE3)
    )


def _usable(words: Iterable[str]) -> set[str]:
    return {w.strip() for w in words if w and 2 <= len(w.strip()) <= 8 and _HAN.match(w.strip())}


@lru_cache(maxsize=1)
def load_terms() -> tuple[Term, ...]:
    """Red flags first, then the longest terms first."""
    own = yaml.safe_load(TERMS_PATH.read_text(encoding="utf-8"))
    red = _usable(own.get("red_flags") or [])
    words = _usable(own.get("everyday") or [])
    for service in load_catalog():
        words |= _usable([service.name_zh, *service.synonyms_zh])
    vocabulary = yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))
    # The vocabulary's service_slips are misspellings: never targets.
    for section in ("modality", "provider_gender", "intents"):
        for phrases in (vocabulary.get(section) or {}).values():
            words |= _usable(phrases)
    words -= red
    ordered = [_term(w, True) for w in sorted(red, key=lambda w: (-len(w), w))]
    ordered += [_term(w, False) for w in sorted(words, key=lambda w: (-len(w), w))]
    return tuple(t for t in ordered if all(t.exact))


def _matches(term: Term, window: str) -> bool:
    same = sum(1 for a, b in zip(term.text, window, strict=True) if a == b)
    if same == len(term.text):
        return False
    heard = word_readings(window)
    if same == 0:
        # Nothing in common: only a non-word with the very same sounds and tones.
        return (
            not term.red_flag
            and all(a & b for a, b in zip(word_readings(window, Style.TONE3), term.tones, strict=True))
        )
    if all(a & b for a, b in zip(heard, term.exact, strict=True)):
        return True
    if len(term.text) < 3 or (len(term.text) - same) * 2 > len(term.text):
        return False
    return all(
        frozenset(_loosen(r) for r in rs) & ts for rs, ts in zip(heard, term.loose, strict=True)
    )


def _breaks_a_word(chars: list[str], i: int, found: Term) -> bool:
    """Whether replacing chars[i:i+len(term)] by `term` would undo a common word: the
    window is one (心里 is not 心理, 往上 not 网上), or a changed character belongs to one
    that reaches outside the window (社区 in 社区医院, 手腕 in 手腕上). A red flag is only
    held back by the first (喘不上起来 is read as 喘不上气来, 起来 notwithstanding)."""
    term, n = found.text, len(found.text)
    window = "".join(chars[i : i + n])
    if window in common_words() or window in _kept():
        return True
    if found.red_flag:
        return False
    changed = {i + k for k in range(n) if chars[i + k] != term[k]}
    for start in range(max(0, i - 3), i + n):
        for length in range(2, 5):
            end = start + length
            if end > len(chars) or (i <= start and end <= i + n):
                continue  # inside the window
            if changed & set(range(start, end)) and _frequency("".join(chars[start:end])) >= STRADDLE_FREQUENCY:
                return True
    return False


# A word reaching outside the window protects its characters only when it is this
# frequent in jieba's dictionary (社区 6115, 手腕 1213, 师傅 1976); rarer ones are more
# often chance neighbours (上无量血压: 无量 361; 以后退脚: 后退 697).
STRADDLE_FREQUENCY = 1000


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, int]:
    import jieba

    found: dict[str, int] = {}
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as handle:
        for line in handle:
            word, _, rest = line.partition(" ")
            if 2 <= len(word) <= 4 and rest:
                frequency = int(rest.split(" ", 1)[0] or 0)
                if frequency >= STRADDLE_FREQUENCY:
                    found[word] = frequency
    return found


@lru_cache(maxsize=1)
def _kept() -> frozenset[str]:
    own = yaml.safe_load(TERMS_PATH.read_text(encoding="utf-8"))
    return frozenset(_usable(own.get("keep") or []))


def _frequency(word: str) -> int:
    return STRADDLE_FREQUENCY if word in _kept() else _frequencies().get(word, 0)


def correct(text: str, terms: tuple[Term, ...] | None = None) -> str:
    """The transcript with domain homophone slips replaced; other text untouched."""
    if not text:
        return text
    terms = load_terms() if terms is None else terms
    chars = list(text)
    locked = [False] * len(chars)
    # Terms already heard right are kept as they are (a longer term may still take
    # them in: 良血压 becomes 量血压 around the right 血压).
    for term in terms:
        for match in re.finditer(re.escape(term.text), text):
            for i in range(match.start(), match.end()):
                locked[i] = True
    for term in terms:
        n = len(term.text)
        i = 0
        while i + n <= len(chars):
            # Characters already settled may be part of a longer term, never changed.
            if any(locked[i + k] and chars[i + k] != term.text[k] for k in range(n)):
                i += 1
                continue
            # Every way of matching needs the first sounds to agree at least loosely: a
            # cheap test that leaves most windows out (this loop is the costly part).
            if not (_any_reading(chars[i]) & term.loose[0]):
                i += 1
                continue
            window = "".join(chars[i : i + n])
            if _HAN.match(window) and _matches(term, window) and not _breaks_a_word(chars, i, term):
                chars[i : i + n] = list(term.text)
                for j in range(i, i + n):
                    locked[j] = True
                i += n
                continue
            i += 1
    return "".join(chars)
