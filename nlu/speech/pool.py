"""The speech worker pool: recognisers hold the GIL and hundreds of megabytes, so they
run in their own processes (loky's executor, spawned, never forked from the bot's
threads). Each worker builds its engines once, as it starts, so the model is warm.

It heals itself: a worker that dies (loky raises TerminatedWorkerError, a
BrokenProcessPool) or hangs past the per-note time limit is killed with its pool and a
fresh pool takes over; notes caught in the old one are tried once more. The queue is
bounded: past VOICE_QUEUE_LIMIT notes in flight the caller hears SpeechBusy at once."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from typing import Any

from nlu.speech.errors import SpeechBusy, SpeechTimeout, WorkerCrashed

log = logging.getLogger(__name__)

# One per worker process, built by the initializer.
_worker_service: Any = None


def _exit_with_parent(parent: int) -> None:
    """A worker outlives nothing: when the bot's process is gone (killed, crashed), the
    worker is handed to init and leaves too, instead of holding memory and pipes."""
    while True:
        time.sleep(2.0)
        if os.getppid() != parent:
            os._exit(0)


def _init_worker(settings: Any, languages: tuple[str, ...]) -> None:
    from nlu.speech.service import SpeechService

    global _worker_service
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="jiayi-parent-watch").start()
    logging.basicConfig(level=logging.WARNING)
    _worker_service = SpeechService(settings, workers=0)
    for lang in languages:
        try:
            _worker_service.load(lang)
        except Exception:  # noqa: BLE001 - a worker that cannot load still answers, with the reason
            log.exception("the speech engine for %s failed to load", lang)


def _worker_transcribe(data: bytes, lang: str | None) -> Any:
    return _worker_service.transcribe_sync(data, lang, corrected=False)


def _worker_ready(lang: str) -> bool:
    return _worker_service.load(lang)


def _worker_peak_rss_mb() -> float:
    """This worker's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SpeechPool:
    def __init__(self, settings: Any, *, workers: int, queue_limit: int, timeout: float, languages: tuple[str, ...]) -> None:
        self.settings = settings
        self.workers = max(1, workers)
        self.queue_limit = max(1, queue_limit)
        self.timeout = timeout
        self.languages = languages
        self.in_flight = 0
        self.replaced = 0
        self._executor: Any = None

    def _current(self) -> Any:
        if self._executor is None:
            from loky import ProcessPoolExecutor

            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                initializer=_init_worker,
                initargs=(self.settings, self.languages),
            )
        return self._executor

    def _replace(self, executor: Any, why: str) -> None:
        """Kill the workers of `executor` unless it was already replaced."""
        if executor is not self._executor:
            return
        self._executor = None
        self.replaced += 1
        log.warning("speech worker %s: the pool is replaced", why)
        executor.shutdown(wait=False, kill_workers=True)

    async def run(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None, bounded: bool = True) -> Any:
        if bounded and self.in_flight >= self.queue_limit:
            raise SpeechBusy(self.in_flight)
        self.in_flight += 1
        try:
            for attempt in (1, 2):
                executor = self._current()
                try:
                    future = executor.submit(fn, *args)
                    return await asyncio.wait_for(asyncio.wrap_future(future), timeout or self.timeout)
                except TimeoutError:
                    self._replace(executor, "hung")
                    raise SpeechTimeout(timeout or self.timeout) from None
                except (BrokenExecutor, RuntimeError) as exc:
                    # RuntimeError: submitted while another note was shutting it down.
                    self._replace(executor, f"crashed ({type(exc).__name__})")
                    if attempt == 2:
                        raise WorkerCrashed(str(exc)) from exc
            raise AssertionError("unreachable")
        finally:
            self.in_flight -= 1

    async def transcribe(self, data: bytes, lang: str | None) -> Any:
        return await self.run(_worker_transcribe, data, lang)

    async def warm_up(self) -> None:
        """Start every worker and wait until the engines are loaded."""
        await asyncio.gather(
            *(self.run(_worker_ready, lang, timeout=max(120.0, self.timeout), bounded=False) for lang in self.languages)
        )

    async def peak_rss_mb(self) -> float:
        return float(await self.run(_worker_peak_rss_mb, bounded=False))

    def close(self) -> None:
        """Idle workers are asked to exit and waited for (a fraction of a second), so
        they release what they hold (semaphores, scratch files) instead of leaving it
        behind; workers busy with a note are killed."""
        if self._executor is not None:
            if self.in_flight:
                self._executor.shutdown(wait=False, kill_workers=True)
            else:
                self._executor.shutdown(wait=True, kill_workers=False)
            self._executor = None
