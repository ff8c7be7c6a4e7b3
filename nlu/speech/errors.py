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
