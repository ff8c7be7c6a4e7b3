"""Speech engines behind one interface. Each takes 16 kHz mono PCM and returns a
Transcript; they are synchronous and run in the SpeechService's thread pool."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nlu.speech.decode import SAMPLE_RATE
from nlu.speech.errors import EngineUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float
    engine: str
    seconds: float


class SpeechEngine(Protocol):
    name: str
    languages: tuple[str, ...]

    def transcribe(self, pcm: bytes, lang: str) -> Transcript: ...


class SphinxEngine:
    """Offline English with pocketsphinx 5, decoding against the domain grammar.

    The decoders are built once and reused (building one per call is slow, and
    SpeechRecognition's grammar path breaks on its second call with pocketsphinx 5).
    Rejection: a grammar forces every sound onto grammar words, so two signals say how
    well the audio fits. The per-frame grammar score itself (in-domain fixtures 0.41 to
    0.83, out-of-domain 0.10 to 0.32), and its ratio to a phone-loop decode of the same
    audio, which knows no words at all (in-domain mostly above 1.1). The confidence is
    the mean of the two, each mapped to 0..1; calibrated on synthetic speech, and the
    read-back to the resident stays the final check."""

    name = "sphinx"
    languages: tuple[str, ...] = ("en",)
    SCORE_FLOOR, SCORE_SPAN = 0.30, 0.20
    NEUTRAL_RATIO, RATIO_SLOPE = 1.0, 2.5

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        from nlu.speech.grammar import jsgf, load_dictionary_words, service_phrases

        model = Path(get_model_path())
        dictionary = model / "en-us" / "cmudict-en-us.dict"
        grammar_text = jsgf(service_phrases(), load_dictionary_words(dictionary))
        # The grammar must be a file named like the grammar (a string or another name
        # crashes pocketsphinx 5).
        self._dir = tempfile.mkdtemp(prefix="jiayi-sphinx-")
        grammar_path = os.path.join(self._dir, "jiayi.gram")
        Path(grammar_path).write_text(grammar_text, encoding="utf-8")
        common = {"hmm": str(model / "en-us" / "en-us"), "loglevel": "FATAL", "samprate": SAMPLE_RATE}
        self._grammar = Decoder(dict=str(dictionary), jsgf=grammar_path, **common)
        self._phones = Decoder(allphone=str(model / "en-us" / "en-us-phone.lm.bin"), **common)
        self._lock = threading.Lock()

    @staticmethod
    def _decode(decoder, pcm: bytes) -> tuple[str, float]:  # type: ignore[no-untyped-def]
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None:
            return "", 0.0
        return hyp.hypstr, float(hyp.score)

    @classmethod
    def confidence(cls, text: str, score: float, phone_score: float) -> float:
        if not text:
            return 0.0
        fit = (score - cls.SCORE_FLOOR) / cls.SCORE_SPAN
        ratio = score / phone_score if phone_score > 0 else 0.0
        relative = 0.5 + (ratio - cls.NEUTRAL_RATIO) * cls.RATIO_SLOPE
        return (max(0.0, min(1.0, fit)) + max(0.0, min(1.0, relative))) / 2

    def transcribe(self, pcm: bytes, lang: str) -> Transcript:
        if lang != "en":
            raise EngineUnavailable("the offline English engine serves English only")
        with self._lock:
            text, score = self._decode(self._grammar, pcm)
            _, phone_score = self._decode(self._phones, pcm)
        confidence = self.confidence(text, score, phone_score)
        return Transcript(text=text, confidence=round(confidence, 3), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE)


class VoskEngine:
    """An operator-supplied Vosk model directory (e.g. a Chinese model)."""

    name = "vosk"

    def __init__(self, model_dir: Path | None, lang: str, setting: str) -> None:
        if model_dir is None:
            raise EngineUnavailable(f"no Vosk model for {lang}: set {setting} to a Vosk model directory")
        model_dir = Path(model_dir)
        if not (model_dir / "am").exists() and not (model_dir / "conf").exists():
            raise EngineUnavailable(f"{model_dir} is not a Vosk model directory: set {setting} to one (it holds am/ and conf/)")
        try:
            from vosk import KaldiRecognizer, Model, SetLogLevel
        except ImportError as exc:  # pragma: no cover - vosk is a pinned dependency
            raise EngineUnavailable("the vosk package is not installed") from exc
        SetLogLevel(-1)
        self.languages: tuple[str, ...] = (lang,)
        self._model = Model(str(model_dir))
        self._recognizer_class = KaldiRecognizer

    def transcribe(self, pcm: bytes, lang: str) -> Transcript:
        recognizer = self._recognizer_class(self._model, SAMPLE_RATE)
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(pcm)
        result = json.loads(recognizer.FinalResult())
        words = result.get("result") or []
        confidence = sum(w.get("conf", 0.0) for w in words) / len(words) if words else 0.0
        text = result.get("text", "")
        if lang == "zh":
            text = text.replace(" ", "")
        return Transcript(text=text, confidence=round(confidence, 3), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE)


class WhisperEngine:
    """faster-whisper from an operator-supplied model directory (no download)."""

    name = "whisper"
    languages: tuple[str, ...] = ("zh", "en")

    def __init__(self, model_dir: Path | None) -> None:
        if model_dir is None:
            raise EngineUnavailable("no Whisper model: set WHISPER_MODEL_DIR to a faster-whisper model directory")
        if not (Path(model_dir) / "model.bin").exists():
            raise EngineUnavailable(f"{model_dir} has no model.bin: set WHISPER_MODEL_DIR to a faster-whisper model directory")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise EngineUnavailable("Whisper needs the faster-whisper package: pip install faster-whisper") from exc
        self._model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", local_files_only=True)

    def transcribe(self, pcm: bytes, lang: str) -> Transcript:
        import numpy as np

        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        segments, _info = self._model.transcribe(audio, language=lang, beam_size=1)
        segments = list(segments)
        text = ("" if lang == "zh" else " ").join(s.text.strip() for s in segments)
        confidence = float(np.exp(np.mean([s.avg_logprob for s in segments]))) if segments else 0.0
        return Transcript(text=text, confidence=round(confidence, 3), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE)


class CloudEngine:
    """A cloud recogniser through SpeechRecognition, when its key is configured."""

    languages: tuple[str, ...] = ("zh", "en")
    LANGUAGE_CODES = {"zh": "zh-CN", "en": "en-US"}

    def __init__(self, kind: str, *, key: str | None, region: str | None = None) -> None:
        if not key:
            setting = {"google_cloud": "GOOGLE_CLOUD_CREDENTIALS", "azure": "AZURE_SPEECH_KEY"}.get(kind, kind.upper())
            raise EngineUnavailable(f"the {kind} recogniser needs a key: set {setting}")
        if kind == "azure" and not region:
            raise EngineUnavailable("the azure recogniser needs a region: set AZURE_SPEECH_REGION")
        self.name = kind
        self.key = key
        self.region = region

    def transcribe(self, pcm: bytes, lang: str) -> Transcript:
        import speech_recognition as sr

        audio = sr.AudioData(pcm, SAMPLE_RATE, 2)
        recognizer = sr.Recognizer()
        started = time.monotonic()
        try:
            if self.name == "azure":
                text, confidence = recognizer.recognize_azure(
                    audio, key=self.key, location=self.region, language=self.LANGUAGE_CODES[lang]
                )
            else:
                text = recognizer.recognize_google_cloud(
                    audio, credentials_json_path=self.key, language_code=self.LANGUAGE_CODES[lang]
                )
                confidence = 0.9
        except sr.UnknownValueError:
            text, confidence = "", 0.0
        except sr.RequestError as exc:
            raise EngineUnavailable(f"the {self.name} recogniser cannot be reached: {exc}") from exc
        log.debug("cloud recognition took %.2fs", time.monotonic() - started)
        return Transcript(text=text, confidence=float(confidence), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE)
