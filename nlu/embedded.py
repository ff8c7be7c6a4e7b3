"""The embedded interpreter: trained in process, in seconds, from the Rasa YAML files
with scikit-learn (character n-grams and jieba words into a linear classifier), cached
on disk keyed by the training data. Entities come from the domain vocabulary and the
time parser; triage overrides any intent."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlu.interface import Parse
from nlu.keywords import KeywordInterpreter, entities, junk, refine_intent
from nlu.rasa_project import RASA_DIR
from nlu.training_data import fingerprint, read_examples, training_files
from nlu.triage import normalise, triage
from nlu.vocabulary import load_vocabulary

log = logging.getLogger(__name__)
MODEL_VERSION = "embedded-1"
# Below this the classifier's guess is not trusted: the keyword rules decide, and
# failing those the text is out of scope.
MIN_CONFIDENCE = 0.35


def _jieba_tokens(text: str) -> list[str]:
    import jieba

    return [t for t in jieba.lcut(text) if t.strip()]


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1)),
            ("words", TfidfVectorizer(tokenizer=_jieba_tokens, token_pattern=None, lowercase=True, sublinear_tf=True)),
        ]
    )
    classifier = LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced")
    return Pipeline([("features", features), ("classifier", classifier)])


def _prepare_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for phrase, _ in load_vocabulary().services:
        if not phrase.isascii():
            jieba.add_word(phrase)


class EmbeddedInterpreter:
    name = "embedded"

    def __init__(self, cache_dir: Path, rasa_dir: Path = RASA_DIR) -> None:
        self.cache_dir = Path(cache_dir)
        self.rasa_dir = rasa_dir
        self.vocabulary = load_vocabulary()
        self.keywords = KeywordInterpreter(self.vocabulary)
        self._model: Pipeline | None = None
        self.training_seconds: float | None = None

    def model_path(self) -> Path:
        key = fingerprint(training_files(self.rasa_dir), MODEL_VERSION)
        return self.cache_dir / f"embedded-{key}.joblib"

    def load_or_train(self) -> Pipeline:
        if self._model is not None:
            return self._model
        _prepare_jieba()
        path = self.model_path()
        if path.exists():
            try:
                self._model = joblib.load(path)
                return self._model
            except Exception:  # a cache from another library version: train again
                log.warning("cached NLU model unreadable, training again")
        self._model = self.train()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        joblib.dump(self._model, path)
        return self._model

    def train(self) -> Pipeline:
        examples = read_examples(training_files(self.rasa_dir))
        started = time.monotonic()
        pipeline = build_pipeline()
        pipeline.fit([normalise(e.text) for e in examples], [e.intent for e in examples])
        self.training_seconds = time.monotonic() - started
        log.info("embedded NLU trained on %s examples in %.1fs", len(examples), self.training_seconds)
        return pipeline

    def classify(self, text: str) -> tuple[str, float]:
        model = self.load_or_train()
        probabilities = model.predict_proba([normalise(text)])[0]
        best = int(probabilities.argmax())
        return str(model.classes_[best]), float(probabilities[best])

    def parse_sync(self, text: str, now: datetime) -> Parse:
        text = text or ""
        flag = triage(text)
        if junk(text):
            return Parse(text=text, intent="out_of_scope", confidence=0.9, urgency=flag.urgency, backend=self.name)
        clipped = text[:2000]
        found: dict[str, Any] = entities(clipped, now, self.vocabulary)
        intent, confidence = self.classify(clipped)
        if confidence < MIN_CONFIDENCE and flag.urgency != "emergency":
            keyword_intent, keyword_confidence = self.keywords.classify(self.vocabulary.intent_hits(clipped), found)
            if keyword_intent != "out_of_scope":
                intent, confidence = keyword_intent, keyword_confidence
        intent, confidence = refine_intent(intent, confidence, found, flag.urgency, self.keywords, clipped)
        return Parse(
            text=text,
            intent=intent,
            confidence=confidence,
            service=found["service"],
            modality=found["modality"],
            provider_gender=found["provider_gender"],
            when=found["when"],
            urgency=flag.urgency,
            red_flag=flag.category,
            backend=self.name,
        )

    async def parse(self, text: str, *, now: datetime) -> Parse:
        return await asyncio.to_thread(self.parse_sync, text, now)
