"""Domain correction of Chinese transcripts, before triage and understanding.

A small speech model hears the sounds right and often picks the wrong characters:
量雪压 for 量血压, 兄痛 for 胸痛. Every window of the transcript whose toneless pinyin
equals that of a domain term (catalog names and synonyms, the Chinese words of
nlu/vocabulary.yml, and nlu/speech/terms.yml with the red flags) is replaced by the
term. Guards against turning right words into wrong ones:

- a window must share at least one character with the term (初学 never becomes 出血);
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
from pypinyin import Style, pinyin

from actions.catalog import load_catalog
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


def _loosen(syllable: str) -> str:
    for pattern, replacement in _LOOSE:
        syllable = pattern.sub(replacement, syllable)
    return syllable


@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """Every toneless reading of one character (polyphones such as 血 xue/xie count)."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(found[0]) if found else frozenset()


def _term(text: str, red_flag: bool) -> Term:
    exact = tuple(readings(c) for c in text)
    return Term(text, red_flag, exact, tuple(frozenset(_loosen(r) for r in rs) for rs in exact))


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
    if same == 0 or same == len(term.text):
        return False
    if all(readings(c) & rs for c, rs in zip(window, term.exact, strict=True)):
        return True
    if len(term.text) < 3 or (len(term.text) - same) * 2 > len(term.text):
        return False
    return all(
        frozenset(_loosen(r) for r in readings(c)) & rs for c, rs in zip(window, term.loose, strict=True)
    )


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
            window = "".join(chars[i : i + n])
            if _HAN.match(window) and _matches(term, window):
                chars[i : i + n] = list(term.text)
                for j in range(i, i + n):
                    locked[j] = True
                i += n
                continue
            i += 1
    return "".join(chars)
