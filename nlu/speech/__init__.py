"""Speech: voice notes to text (and spoken replies)."""

from nlu.speech.engines import Transcript
from nlu.speech.errors import (
    AudioTooLarge,
    AudioTooLong,
    CorruptAudio,
    EngineUnavailable,
    SilentAudio,
    SpeechBusy,
    SpeechError,
    SpeechTimeout,
    UnsupportedAudio,
    WorkerCrashed,
)
from nlu.speech.service import SpeechService

__all__ = [
    "AudioTooLarge",
    "AudioTooLong",
    "CorruptAudio",
    "EngineUnavailable",
    "SilentAudio",
    "SpeechBusy",
    "SpeechError",
    "SpeechService",
    "SpeechTimeout",
    "Transcript",
    "UnsupportedAudio",
    "WorkerCrashed",
]
