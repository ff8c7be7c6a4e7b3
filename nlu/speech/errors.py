"""What can go wrong with a voice note, each answered kindly by the bot."""


class SpeechError(Exception):
    """Base of the voice-note errors."""


class CorruptAudio(SpeechError):
    """The file cannot be decoded."""


class UnsupportedAudio(SpeechError):
    """Decodes, but holds no audio track."""


class AudioTooLong(SpeechError):
    """Longer than VOICE_MAX_SECONDS."""


class AudioTooLarge(SpeechError):
    """Larger than VOICE_MAX_BYTES."""


class SilentAudio(SpeechError):
    """Nothing audible in it."""


class EngineUnavailable(SpeechError):
    """No engine serves this language, or its model is missing; the message names the
    setting to fill."""


class SpeechBusy(SpeechError):
    """Every worker is busy and the queue is full: ask for a moment."""


class SpeechTimeout(SpeechError):
    """The note took longer than VOICE_NOTE_TIMEOUT_SECONDS; its worker was replaced."""


class WorkerCrashed(SpeechError):
    """A speech worker died on this note twice; the pool was rebuilt each time."""
