"""One text normalisation before triage and understanding, so that every layer sees
the same text: full-width to half-width and compatibility forms (NFKC), Traditional to
Simplified Chinese (OpenCC; relatives abroad write 救護車, and speech recognisers emit
Traditional characters), lower case, curly quotes straightened, and no spaces between
Chinese characters (speech transcripts and elderly typing put them everywhere)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "—": "-", "–": "-", "～": "~"})


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def normalise(text: str, *, keep_spaces: bool = False) -> str:
    """The canonical form of a resident's text for matching and classification.
    Triage keeps the spaces between Chinese words (`keep_spaces`): in typed messages
    they often separate clauses ("以前中风过 现在想约康复")."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    text = to_simplified(text).lower()
    if not keep_spaces:
        text = _CJK_GAP.sub("", text)
    return _SPACES.sub(" ", text).strip()


def display_text(text: str) -> str:
    """For showing back (read-backs) and for time parsing: NFKC and Simplified, case and
    spacing kept."""
    return to_simplified(unicodedata.normalize("NFKC", text or "").translate(_QUOTES))
