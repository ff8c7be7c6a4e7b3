"""Which interpreter serves: chosen once from the settings."""

from __future__ import annotations

from typing import Any

from nlu.interface import Interpreter
from nlu.keywords import KeywordInterpreter


def build_interpreter(settings: Any) -> Interpreter:
    return KeywordInterpreter()


def warm_up() -> None:
    from nlu.timeparse import warm_up as warm_time

    warm_time()
