"""Choosing among the beam's hypotheses of a Chinese note, in the bot's process.

Whisper's beam search often holds the right sentence one or two places down: 来测个血糖
behind 来词个血糖, 发高烧 behind 发高收, 吃完饭 behind 试完泛. The acoustic model alone
cannot tell them apart; what tells them apart is that the right one is made of words.
So every hypothesis, after the domain correction, is scored by the model's own summed
log-probability plus a weighted word score, the log-probability of its likeliest
segmentation into words by jieba's dictionary (a unigram language model of general
Chinese, not of this domain), and the best total wins. Only hypotheses the model itself
found nearly as likely as its first are considered, so that the word score decides
between close readings and never rewrites what was clearly heard.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Chosen on the fixture notes (tests/fixtures/voice/) only: 0.15 to 0.3 with a margin
# of 2 or more gave the same gains; 0.2 and 3 sit in the middle of that plateau.
WORD_WEIGHT = 0.2
MARGIN = 3.0  # in summed log-probability (natural log) below the beam's best

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


def word_logprob(text: str) -> float:
    """The log-probability of `text`'s likeliest segmentation into dictionary words
    (jieba's own route); characters outside Chinese runs do not count."""
    import jieba

    jieba.dt.check_initialized()
    total = 0.0
    for run in _HAN_RUN.findall(text):
        route: dict[int, tuple[float, int]] = {}
        jieba.dt.calc(run, jieba.dt.get_DAG(run), route)
        total += route[0][0]
    return total


def choose(hypotheses: Sequence[tuple[str, float]], prepare: Callable[[str], str]) -> str:
    """The hypothesis, as `prepare` turns it (conversion and domain correction), with
    the best model score plus weighted word score among those within MARGIN of the
    beam's best. The first one wins ties."""
    if not hypotheses:
        return ""
    best = max(score for _, score in hypotheses)
    # Hypotheses that differ only outside their Chinese runs (a full stop, a comma
    # before a number) get the same word score: only the likeliest of each is
    # corrected and scored, since the correction is the costly part.
    likeliest: dict[tuple[str, ...], tuple[str, float]] = {}
    for text, score in hypotheses:
        key = tuple(_HAN_RUN.findall(text))
        if score >= best - MARGIN and (key not in likeliest or score > likeliest[key][1]):
            likeliest[key] = (text, score)
    chosen, chosen_total = "", float("-inf")
    for text, score in likeliest.values():
        prepared = prepare(text)
        total = score + WORD_WEIGHT * word_logprob(prepared)
        if total > chosen_total:
            chosen, chosen_total = prepared, total
    return chosen
