"""Which interpreter serves: chosen once from the settings. Without RASA_URL the
embedded interpreter; with it, Rasa, and the embedded one whenever Rasa fails."""

from __future__ import annotations

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
    """Train or load the model and build the time recogniser at start-up, not on a
    resident's first message."""
    from nlu.timeparse import warm_up as warm_time

    warm_time()
    embedded = getattr(interpreter, "fallback", interpreter)
    if isinstance(embedded, EmbeddedInterpreter):
        embedded.load_or_train()
