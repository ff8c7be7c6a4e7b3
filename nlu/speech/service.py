"""The speech service the bot uses: picks the engine per language from the settings,
decodes and recognises off the event loop in a small thread pool."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
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
from nlu.speech.errors import EngineUnavailable

log = logging.getLogger(__name__)


def build_engine(kind: str, lang: str, settings: Any) -> SpeechEngine:
    """The engine named by the settings for `lang`, or EngineUnavailable naming what
    to configure."""
    if kind == "sphinx":
        if lang != "en":
            raise EngineUnavailable("pocketsphinx has no Chinese model: set VOICE_ENGINE_ZH to vosk, whisper, google_cloud or azure")
        return SphinxEngine()
    if kind == "vosk":
        model = settings.vosk_model_zh if lang == "zh" else settings.vosk_model_en
        return VoskEngine(model, lang, "VOSK_MODEL_ZH" if lang == "zh" else "VOSK_MODEL_EN")
    if kind == "whisper":
        return WhisperEngine(settings.whisper_model_dir)
    if kind == "google_cloud":
        secret = settings.google_cloud_credentials
        return CloudEngine("google_cloud", key=secret.get_secret_value() if secret else None)
    if kind == "azure":
        secret = settings.azure_speech_key
        return CloudEngine("azure", key=secret.get_secret_value() if secret else None, region=settings.azure_speech_region)
    raise EngineUnavailable(f"unknown speech engine {kind!r}: use sphinx, vosk, whisper, google_cloud or azure")


def check_engine(kind: str, lang: str, settings: Any) -> None:
    """Whether `build_engine` can work, without loading a model (cheap enough to call
    from a handler)."""
    if kind == "sphinx" and lang == "en":
        return
    if kind == "vosk":
        model = settings.vosk_model_zh if lang == "zh" else settings.vosk_model_en
        if model is not None and Path(model).is_dir():
            return
    if kind == "whisper" and settings.whisper_model_dir is not None and Path(settings.whisper_model_dir, "model.bin").exists():
        return
    if kind in ("google_cloud", "azure"):
        secret = settings.google_cloud_credentials if kind == "google_cloud" else settings.azure_speech_key
        if secret is not None:
            return
    build_engine(kind, lang, settings)  # raises EngineUnavailable with the reason


# Recognisers hold the GIL while they decode, so the bot's transcriptions run in
# worker processes; each worker builds its engines once and keeps them.
_worker_service: SpeechService | None = None


def _init_worker(settings: Any) -> None:
    global _worker_service
    logging.basicConfig(level=logging.WARNING)
    _worker_service = SpeechService(settings, workers=0)


def _worker_load(lang: str) -> bool:
    assert _worker_service is not None
    return _worker_service.available(lang) and _worker_service.engine(lang) is not None


def _worker_transcribe(data: bytes, lang: str) -> Transcript:
    assert _worker_service is not None
    return _worker_service.transcribe_sync(data, lang)


class SpeechService:
    def __init__(self, settings: Any, *, workers: int = 2) -> None:
        self.settings = settings
        self._engines: dict[str, SpeechEngine | EngineUnavailable] = {}
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._gate: asyncio.Semaphore | None = None

    def _kind(self, lang: str) -> str:
        return self.settings.voice_engine_zh if lang == "zh" else self.settings.voice_engine_en

    def engine(self, lang: str) -> SpeechEngine:
        with self._lock:
            if lang not in self._engines:
                try:
                    self._engines[lang] = build_engine(self._kind(lang), lang, self.settings)
                except EngineUnavailable as exc:
                    log.warning("voice notes in %s cannot be transcribed: %s", lang, exc)
                    self._engines[lang] = exc
            found = self._engines[lang]
        if isinstance(found, EngineUnavailable):
            raise found
        return found

    def available(self, lang: str) -> bool:
        try:
            check_engine(self._kind(lang), lang, self.settings)
        except EngineUnavailable:
            return False
        return True

    def transcribe_sync(self, data: bytes, lang: str) -> Transcript:
        audio = decode_to_pcm16k(
            data, max_seconds=self.settings.voice_max_seconds, max_bytes=self.settings.voice_max_bytes
        )
        transcript = self.engine(lang).transcribe(audio.pcm, lang)
        return Transcript(transcript.text, transcript.confidence, transcript.engine, round(audio.seconds, 2))

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the bot process runs threads (database, HTTP) that a
            # forked child must not inherit half-way.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=max(1, self._workers), mp_context=context, initializer=_init_worker, initargs=(self.settings,)
            )
        return self._pool

    async def warm_up(self, lang: str = "en") -> None:
        """Starts the workers and loads the engine before the first voice note."""
        if self.available(lang):
            await asyncio.get_running_loop().run_in_executor(self._executor(), _worker_load, lang)

    async def transcribe(self, data: bytes, lang: str) -> Transcript:
        """Decoding and recognition are CPU work: they run in worker processes, never
        on the event loop."""
        if self._gate is None:
            self._gate = asyncio.Semaphore(max(1, self._workers) * 2)
        async with self._gate:
            return await asyncio.get_running_loop().run_in_executor(self._executor(), _worker_transcribe, data, lang)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
