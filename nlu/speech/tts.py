"""Spoken replies with espeak-ng (Mandarin and English), encoded as OGG/Opus so that
Telegram shows a voice note. Without espeak-ng the bot simply writes."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import subprocess
from functools import lru_cache

import av

log = logging.getLogger(__name__)
VOICES = {"zh": "cmn", "en": "en-us"}


@lru_cache(maxsize=1)
def espeak() -> str | None:
    path = shutil.which("espeak-ng")
    if path is None:
        log.warning("espeak-ng is not installed: spoken replies are off")
    return path


def wav_to_ogg_opus(wav: bytes) -> bytes:
    source = av.open(io.BytesIO(wav), mode="r")
    out_buffer = io.BytesIO()
    with source, av.open(out_buffer, mode="w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48000)
        stream.layout = "mono"  # type: ignore[union-attr]
        stream.bit_rate = 24000  # type: ignore[union-attr]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):  # type: ignore[union-attr]
                    out.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            out.mux(packet)
    return out_buffer.getvalue()


def synthesize_sync(text: str, lang: str) -> bytes | None:
    binary = espeak()
    if binary is None or not text.strip():
        return None
    result = subprocess.run(  # noqa: S603 - fixed binary, text passed as an argument
        [binary, "-v", VOICES.get(lang, "en-us"), "-s", "130", "--stdout", text[:1000]],
        capture_output=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0 or not result.stdout:
        log.warning("espeak-ng failed with code %s", result.returncode)
        return None
    return wav_to_ogg_opus(result.stdout)


async def synthesize(text: str, lang: str) -> bytes | None:
    return await asyncio.to_thread(synthesize_sync, text, lang)
