"""What can go wrong with a voice note, each answered kindly by the bot."""


class SpeechError(Exception):
    pass


class CorruptAudio(SpeechError):
    """The file cannot be decoded."""


class UnsupportedAudio(SpeechError):
    """Decodes, but holds no audio track."""


class AudioTooLong(SpeechError):
    pass


class AudioTooLarge(SpeechError):
    pass


class SilentAudio(SpeechError):
    pass


class EngineUnavailable(SpeechError):
    """No engine serves this language, or its model is missing; the message names the
    setting to fill."""
