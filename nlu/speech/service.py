"""The speech service the bot uses: picks the engine per language from the settings and
recognises in the worker pool (nlu/speech/pool.py), never on the event loop."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from nlu.speech.decode import decode_to_pcm16k
from nlu.speech.engines import (
    CloudEngine,
    SpeechEngine,
    SphinxEngine,
    Transcript,
    VoskEngine,
    WhisperEngine,
)
from nlu.speech.errors import EngineUnavailable, SpeechError
from nlu.speech.weights import PARTS, ensure_whisper_base, is_assembled, whisper_base_dir

log = logging.getLogger(__name__)
LANGUAGES = ("zh", "en")


def whisper_model_dir(settings: Any) -> Path:
    """The operator's model directory, or the shipped weights (assembled on first use)."""
    if settings.whisper_model_dir is not None:
        return Path(settings.whisper_model_dir)
    return ensure_whisper_base(settings.state_dir)


def build_engine(kind: str, lang: str, settings: Any) -> SpeechEngine:
    """The engine named by the settings for `lang`, or EngineUnavailable naming what
    to configure."""
    if kind == "sphinx":
        if lang != "en":
            raise EngineUnavailable("pocketsphinx has no Chinese model: set VOICE_ENGINE_ZH to whisper, vosk, google_cloud or azure")
        return SphinxEngine()
    if kind == "vosk":
        model = settings.vosk_model_zh if lang == "zh" else settings.vosk_model_en
        return VoskEngine(model, lang, "VOSK_MODEL_ZH" if lang == "zh" else "VOSK_MODEL_EN")
    if kind == "whisper":
        return WhisperEngine(
            whisper_model_dir(settings), cpu_threads=settings.whisper_cpu_threads, beam_size=settings.whisper_beam_size
        )
    if kind == "google_cloud":
        secret = settings.google_cloud_credentials
        return CloudEngine("google_cloud", key=secret.get_secret_value() if secret else None)
    if kind == "azure":
        secret = settings.azure_speech_key
        return CloudEngine("azure", key=secret.get_secret_value() if secret else None, region=settings.azure_speech_region)
    raise EngineUnavailable(f"unknown speech engine {kind!r}: use whisper, sphinx, vosk, google_cloud or azure")


def check_engine(kind: str, lang: str, settings: Any) -> None:
    """Whether `build_engine` can work, without loading a model (cheap enough to call
    from a handler)."""
    if kind == "sphinx" and lang == "en":
        return
    if kind == "vosk":
        model = settings.vosk_model_zh if lang == "zh" else settings.vosk_model_en
        if model is not None and Path(model).is_dir() and importlib.util.find_spec("vosk") is not None:
            return
    if kind == "whisper" and importlib.util.find_spec("faster_whisper") is not None:
        if settings.whisper_model_dir is not None:
            if Path(settings.whisper_model_dir, "model.bin").exists():
                return
        elif is_assembled(whisper_base_dir(settings.state_dir)) or all(importlib.util.find_spec(p) for p in PARTS):
            return
    if kind in ("google_cloud", "azure"):
        secret = settings.google_cloud_credentials if kind == "google_cloud" else settings.azure_speech_key
        if secret is not None:
            return
    build_engine(kind, lang, settings)  # raises EngineUnavailable with the reason


def finish(transcript: Transcript) -> Transcript:
    """The domain correction of a Chinese transcript (量雪压 → 量血压), after choosing
    among the beam's hypotheses by how well they read as words (nlu/speech/rescoring.py);
    `raw_text` keeps what the engine heard first, for triage."""
    if transcript.language != "zh" or not transcript.text:
        return transcript
    from nlu.speech.correction import correct

    if not transcript.alternatives:
        return replace(transcript, text=correct(transcript.text))
    from nlu.speech.engines import simplified_chinese
    from nlu.speech.rescoring import choose

    def prepare(text: str) -> str:
        return correct(simplified_chinese(text))

    first = correct(transcript.text)
    text = "".join(choose(segment, prepare) for segment in transcript.alternatives) or first
    return replace(transcript, text=text, first_text=first if first != text else "")


class SpeechService:
    """`workers=0`: recognise in this process (a speech worker, the command line);
    otherwise through a pool of that many worker processes (None: the settings)."""

    def __init__(self, settings: Any, *, workers: int | None = None) -> None:
        self.settings = settings
        self._engines: dict[str, SpeechEngine | EngineUnavailable] = {}
        self._lock = threading.Lock()
        self.workers = settings.voice_workers if workers is None else workers
        self._pool: Any = None

    def _kinds(self, lang: str | None) -> list[str]:
        """The configured engine, then pocketsphinx as the light English fallback."""
        if lang is None:
            kinds = {self.settings.voice_engine_zh, self.settings.voice_engine_en}
            # Only an engine that hears both languages can detect which one it is.
            return ["whisper"] if kinds == {"whisper"} else [self.settings.voice_engine_zh]
        kind = self.settings.voice_engine_zh if lang == "zh" else self.settings.voice_engine_en
        return [kind, "sphinx"] if lang == "en" and kind != "sphinx" else [kind]

    def _built(self, kind: str, lang: str) -> SpeechEngine:
        key = kind if kind in ("whisper", "sphinx") else f"{kind}:{lang}"
        with self._lock:
            if key not in self._engines:
                try:
                    self._engines[key] = build_engine(kind, lang, self.settings)
                except EngineUnavailable as exc:
                    log.warning("the %s speech engine cannot serve %s: %s", kind, lang, exc)
                    self._engines[key] = exc
            found = self._engines[key]
        if isinstance(found, EngineUnavailable):
            raise found
        return found

    def engine(self, lang: str | None) -> SpeechEngine:
        kinds = self._kinds(lang)
        failure: EngineUnavailable | None = None
        for kind in kinds:
            try:
                return self._built(kind, lang or "zh")
            except EngineUnavailable as exc:
                failure = failure or exc
        assert failure is not None
        raise failure

    def load(self, lang: str | None) -> bool:
        """Build the engine for `lang` now; whether it can serve."""
        try:
            self.engine(lang)
        except EngineUnavailable:
            return False
        return True

    def available(self, lang: str | None) -> bool:
        for kind in self._kinds(lang):
            try:
                check_engine(kind, lang or "zh", self.settings)
            except EngineUnavailable:
                continue
            return True
        return False

    def transcribe_sync(self, data: bytes, lang: str | None, *, corrected: bool = True) -> Transcript:
        audio = decode_to_pcm16k(
            data, max_seconds=self.settings.voice_max_seconds, max_bytes=self.settings.voice_max_bytes
        )
        heard = self.engine(lang).transcribe(audio.pcm, lang)
        transcript = Transcript(
            heard.text, heard.confidence, heard.engine, round(audio.seconds, 2),
            raw_text=heard.raw_text or heard.text, language=heard.language or (lang or ""),
            alternatives=heard.alternatives,
        )  # fmt: skip
        return finish(transcript) if corrected else transcript

    @property
    def pool(self) -> Any:
        if self._pool is None:
            from nlu.speech.pool import SpeechPool

            self._pool = SpeechPool(
                self.settings,
                workers=max(1, self.workers),
                queue_limit=self.settings.voice_queue_limit,
                timeout=self.settings.voice_note_timeout_seconds,
                languages=tuple(lang for lang in LANGUAGES if self.available(lang)),
            )
        return self._pool

    def pool_stats(self) -> dict[str, int] | None:
        """The worker pool's queue and replacements; None before it was started."""
        pool = self._pool
        if pool is None:
            return None
        return {"in_flight": pool.in_flight, "queue_limit": pool.queue_limit, "replaced": pool.replaced}

    async def warm_up(self) -> None:
        """Starts the workers and loads the engines before the first voice note; a
        failure here is logged and voice notes later get the kind reply."""
        if not self.pool.languages:
            log.warning("no speech engine is available: voice notes go to the call-back path")
            return
        try:
            await self.pool.warm_up()
        except SpeechError as exc:
            log.warning("the speech workers did not warm up: %s", type(exc).__name__)
        if "zh" in self.pool.languages:
            # The correction's and the word scores' dictionaries load here (about a second,
            # once), not on the first Chinese note.
            await asyncio.to_thread(finish, Transcript("量雪压", 1.0, "", 1.0, language="zh", alternatives=((("量雪压", 0.0),),)))

    async def transcribe(self, data: bytes, lang: str | None) -> Transcript:
        """Decoding and recognition are CPU work: they run in the worker processes; the
        domain correction (milliseconds) in a thread of this one."""
        heard = await self.pool.transcribe(data, lang)
        return await asyncio.to_thread(finish, heard)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
