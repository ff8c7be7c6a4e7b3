"""Which interpreter serves: chosen once from the settings. Without RASA_URL the
embedded interpreter; with it, Rasa, and the embedded one whenever Rasa fails."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from nlu.embedded import EmbeddedInterpreter
from nlu.interface import Interpreter
from nlu.rasa_http import FallbackInterpreter, RasaInterpreter


def build_interpreter(settings: Any) -> Interpreter:
    embedded = EmbeddedInterpreter(settings.effective_nlu_cache_dir)
    if not settings.rasa_url:
        return embedded
    return FallbackInterpreter(RasaInterpreter(settings.rasa_url, settings.rasa_timeout_seconds), embedded)


def warm_up(interpreter: Any) -> None:
    """Train or load the model and build the time recogniser, the triage tables and the
    numeral reader at start-up, not on a resident's first message."""
    from nlu.readings import warm_up as warm_readings
    from nlu.timeparse import warm_up as warm_time
    from nlu.triage import warm_up as warm_triage

    warm_time()
    warm_triage()
    warm_readings()
    embedded = getattr(interpreter, "fallback", interpreter)
    if isinstance(embedded, EmbeddedInterpreter):
        embedded.load_or_train()


@dataclass
class WarmUp:
    """The embedded model and the time recogniser made ready in a background thread,
    so that a chat can start at once: parses wait for it. `stage` and `step` say what
    it is doing, for a progress line."""

    training: bool
    steps: int
    started: float = field(default_factory=time.monotonic)
    stage: str = "starting"
    step: int = 0
    finished: float | None = None
    future: Future[None] = field(default_factory=Future)

    def advance(self, stage: str) -> None:
        self.stage, self.step = stage, min(self.step + 1, self.steps)

    @property
    def ready(self) -> bool:
        return self.future.done()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


def start_warm_up(interpreter: Any) -> WarmUp:
    """`warm_up` in a daemon thread (it never holds up the process's exit)."""
    from nlu.embedded import TRAINING_STAGES

    embedded = getattr(interpreter, "fallback", interpreter)
    is_embedded = isinstance(embedded, EmbeddedInterpreter)
    training = is_embedded and not embedded.is_cached()
    # jieba, the model (or training's steps), the time recogniser.
    progress = WarmUp(training=training, steps=(len(TRAINING_STAGES) if training else 1) + 2)

    def run() -> None:
        try:
            from nlu.readings import warm_up as warm_readings
            from nlu.timeparse import warm_up as warm_time
            from nlu.triage import warm_up as warm_triage

            if is_embedded:
                progress.advance("word lists")
                embedded.on_stage = progress.advance
                embedded.load_or_train()
            progress.advance("time expressions")
            warm_time()
            warm_triage()
            warm_readings()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
            progress.finished = time.monotonic()
            progress.future.set_exception(exc)
        else:
            progress.finished = time.monotonic()
            progress.future.set_result(None)

    if is_embedded:
        embedded.ready = progress.future
    threading.Thread(target=run, name="jiayi-warm-up", daemon=True).start()
    return progress
