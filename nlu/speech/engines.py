"""Speech engines behind one interface. Each takes 16 kHz mono PCM and returns a
Transcript; they are synchronous and run in the speech worker processes (or in the
`jiayi voice transcribe` process)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nlu.speech.decode import SAMPLE_RATE
from nlu.speech.errors import EngineUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transcript:
    text: str  # Simplified Chinese for zh, after the domain correction
    confidence: float
    engine: str
    seconds: float
    # What the engine heard before the correction (triage looks at both), and the
    # language it was heard in (detected when the resident's was unknown).
    raw_text: str = ""
    language: str = ""
    # Per segment, the beam's hypotheses as (text, summed token log-probability), best
    # first; the bot's process may choose among them (nlu/speech/rescoring.py).
    alternatives: tuple[tuple[tuple[str, float], ...], ...] = ()
    # The model's first hypothesis after the correction, when another was chosen:
    # triage reads it too, so that choosing never hides a red flag.
    first_text: str = ""


class SpeechEngine(Protocol):
    name: str
    languages: tuple[str, ...]

    def transcribe(self, pcm: bytes, lang: str | None) -> Transcript: ...


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
        # pocketsphinx reads the grammar while the decoder is built; the scratch
        # directory goes at once.
        scratch = tempfile.mkdtemp(prefix="jiayi-sphinx-")
        try:
            grammar_path = os.path.join(scratch, "jiayi.gram")
            Path(grammar_path).write_text(grammar_text, encoding="utf-8")
            common = {"hmm": str(model / "en-us" / "en-us"), "loglevel": "FATAL", "samprate": SAMPLE_RATE}
            self._grammar = Decoder(dict=str(dictionary), jsgf=grammar_path, **common)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
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

    def transcribe(self, pcm: bytes, lang: str | None) -> Transcript:
        if lang not in ("en", None):
            raise EngineUnavailable("the offline English engine serves English only")
        with self._lock:
            text, score = self._decode(self._grammar, pcm)
            _, phone_score = self._decode(self._phones, pcm)
        confidence = self.confidence(text, score, phone_score)
        return Transcript(
            text=text, confidence=round(confidence, 3), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE,
            raw_text=text, language="en",
        )  # fmt: skip


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
        except ImportError as exc:
            raise EngineUnavailable("Vosk is an optional extra: pip install -e '.[vosk]'") from exc
        SetLogLevel(-1)
        self.languages: tuple[str, ...] = (lang,)
        self._model = Model(str(model_dir))
        self._recognizer_class = KaldiRecognizer

    def transcribe(self, pcm: bytes, lang: str | None) -> Transcript:
        lang = lang or self.languages[0]
        recognizer = self._recognizer_class(self._model, SAMPLE_RATE)
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(pcm)
        result = json.loads(recognizer.FinalResult())
        words = result.get("result") or []
        confidence = sum(w.get("conf", 0.0) for w in words) / len(words) if words else 0.0
        text = result.get("text", "")
        if lang == "zh":
            text = simplified_chinese(text.replace(" ", ""))
        return Transcript(
            text=text, confidence=round(confidence, 3), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE,
            raw_text=text, language=lang,
        )  # fmt: skip


class _BeamHypotheses:
    """Stands in for the CTranslate2 model inside faster-whisper and asks every beam
    search for all its hypotheses, not just the best, keeping them for the engine.
    faster-whisper reads only the first one, so its own decisions are unchanged."""

    def __init__(self, model: Any, count: int) -> None:
        self._model = model
        self._count = count
        self.found: list[tuple[list[int], list[tuple[list[int], float]]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        beam = kwargs.get("beam_size", 1) > 1
        if beam:
            kwargs["num_hypotheses"] = self._count
        results = self._model.generate(*args, **kwargs)
        if beam and results:
            result = results[0]
            self.found.append((list(result.sequences_ids[0]), [
                (list(tokens), float(score) * max(1, len(tokens)))  # the sum, as faster-whisper reads it
                for tokens, score in zip(result.sequences_ids, result.scores, strict=False)
            ]))  # fmt: skip
        return results


class WhisperEngine:
    """faster-whisper (CTranslate2, int8 on the CPU), loaded once per speech worker.

    Decoding settings, each for a reason: Silero VAD first (silence otherwise
    hallucinates whole sentences); beam search; a short temperature fallback and a cap
    on tokens, so that a hard note cannot run long; no conditioning on earlier text
    (the notes are short, and it feeds errors forward); a domain prompt from the catalog
    in each language, which in Chinese also keeps the output in Simplified characters.
    """

    name = "whisper"
    languages: tuple[str, ...] = ("zh", "en")
    TEMPERATURES = (0.0, 0.2, 0.4)
    MAX_NEW_TOKENS = 160

    def __init__(self, model_dir: Path, *, cpu_threads: int = 2, beam_size: int = 5) -> None:
        if not (Path(model_dir) / "model.bin").exists():
            raise EngineUnavailable(f"{model_dir} has no model.bin: set WHISPER_MODEL_DIR to a faster-whisper model directory")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise EngineUnavailable("Whisper needs the faster-whisper package: reinstall Jiayi (pip install -e .)") from exc
        from nlu.speech.prompts import domain_prompts

        self._model = WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", cpu_threads=cpu_threads, local_files_only=True
        )
        self._beam_size = beam_size
        self._prompts = domain_prompts()
        self._beams = _BeamHypotheses(self._model.model, beam_size)
        self._model.model = self._beams
        self._lock = threading.Lock()
        # Token ids from here on are special (end of text, languages, timestamps).
        self._first_special = self._model.hf_tokenizer.token_to_id("<|endoftext|>")

    def detect(self, audio: Any) -> str:
        """Chinese or English, whichever the model finds likelier."""
        _, _, ranked = self._model.detect_language(audio, vad_filter=True)
        scores = dict(ranked)
        return "en" if scores.get("en", 0.0) > scores.get("zh", 0.0) else "zh"

    def transcribe(self, pcm: bytes, lang: str | None) -> Transcript:
        import numpy as np

        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        lang = lang if lang in self.languages else self.detect(audio)
        with self._lock:
            self._beams.found = []
            heard, alternatives = self._transcribe(audio, lang)
        raw = ("" if lang == "zh" else " ").join(s.text.strip() for s in heard).strip()
        text = simplified_chinese(raw) if lang == "zh" else raw
        confidence = 0.0
        if heard:
            # The mean token probability, discounted by how likely the model found it
            # that nobody spoke at all.
            weights = [max(1, len(s.tokens)) for s in heard]
            logprob = sum(s.avg_logprob * w for s, w in zip(heard, weights, strict=True)) / sum(weights)
            speech = 1.0 - max(s.no_speech_prob for s in heard)
            confidence = float(np.exp(logprob)) * min(1.0, speech / 0.5) * plausibility(text, lang)
        return Transcript(
            text=text, confidence=round(confidence, 3), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE,
            raw_text=text, language=lang, alternatives=alternatives,
        )  # fmt: skip

    def _transcribe(self, audio: Any, lang: str) -> tuple[list[Any], tuple[tuple[tuple[str, float], ...], ...]]:
        """The segments heard, and per segment the beam's hypotheses (none when a
        segment came from the temperature fallback rather than the beam)."""
        segments, _info = self._model.transcribe(
            audio,
            language=lang,
            beam_size=self._beam_size,
            temperature=list(self.TEMPERATURES),
            vad_filter=True,
            initial_prompt=self._prompts.get(lang),
            condition_on_previous_text=False,
            without_timestamps=True,
            max_new_tokens=self.MAX_NEW_TOKENS,
        )
        heard = [s for s in segments if s.text.strip()]
        def text_of(tokens: list[int]) -> list[int]:
            return [t for t in tokens if t < self._first_special]

        alternatives = []
        for segment in heard:
            # The beam search whose best hypothesis became this segment.
            beam = next((h for best, h in self._beams.found if text_of(best) == text_of(segment.tokens)), [])
            options = [(self._model.hf_tokenizer.decode(text_of(t)).strip(), round(score, 3)) for t, score in beam]
            alternatives.append(tuple(o for o in options if o[0]) or ((segment.text.strip(), 0.0),))
        return heard, tuple(alternatives)


# Chinese punctuation, and degrees as the word said (Whisper writes 三十九度五 as 39°5).
_FULL_WIDTH = str.maketrans({",": "，", "?": "？", "!": "！", ":": "：", ";": "；", "°": "度", "℃": "度"})


def simplified_chinese(text: str) -> str:
    """Simplified characters (OpenCC t2s, a safety net behind the prompt), Chinese
    punctuation and 度 for a degree sign. The domain correction follows in the bot's process
    (SpeechService.finish), which keeps pypinyin's dictionaries out of the workers."""
    return to_simplified(text).translate(_FULL_WIDTH)


def plausibility(text: str, lang: str) -> float:
    """A factor on the confidence for the two ways a small model fails on audio it
    cannot hear well: looping on a token ("5,5,5,5…"), and Chinese heard as Latin
    words. Each halves it, so that such notes reach the resident as "I could not make
    that out" rather than as a read-back."""
    factor = 1.0
    tokens = [t for t in re.split(r"[\W_]+", text) if t]
    run = longest = 1
    for before, token in zip(tokens, tokens[1:], strict=False):
        run = run + 1 if token == before else 1
        longest = max(longest, run)
    encoded = text.encode("utf-8")
    if longest >= 4 or (len(encoded) > 48 and len(encoded) / len(zlib.compress(encoded)) > 2.4):
        factor *= 0.5
    if lang == "zh":
        han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        latin = sum(1 for c in text if c.isascii() and c.isalpha())
        if han < latin:
            factor *= 0.5
    return factor


_converter: Any = None


def to_simplified(text: str) -> str:
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))


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

    def transcribe(self, pcm: bytes, lang: str | None) -> Transcript:
        import speech_recognition as sr

        lang = lang or "zh"
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
        if lang == "zh":
            text = simplified_chinese(text)
        return Transcript(
            text=text, confidence=float(confidence), engine=self.name, seconds=len(pcm) / 2 / SAMPLE_RATE,
            raw_text=text, language=lang,
        )  # fmt: skip
