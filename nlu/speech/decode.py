"""Decoding voice notes in process with PyAV (its own ffmpeg libraries; no system
ffmpeg): OGG/Opus voice notes, MP3/M4A/WAV audio files and MP4 round video notes,
resampled to 16 kHz mono 16-bit PCM, the input every recogniser here takes."""

from __future__ import annotations

import io
from array import array
from dataclasses import dataclass

import av

from nlu.speech.errors import (
    AudioTooLarge,
    AudioTooLong,
    CorruptAudio,
    SilentAudio,
    UnsupportedAudio,
)

SAMPLE_RATE = 16_000
# RMS of 16-bit samples below which a note is taken as silence.
SILENCE_RMS = 120.0


@dataclass(frozen=True)
class DecodedAudio:
    pcm: bytes  # 16-bit little-endian mono at SAMPLE_RATE
    seconds: float

    @property
    def rms(self) -> float:
        samples = array("h")
        samples.frombytes(self.pcm[: len(self.pcm) // 2 * 2])
        if not samples:
            return 0.0
        return (sum(s * s for s in samples[::4]) / max(1, len(samples[::4]))) ** 0.5


def decode_to_pcm16k(data: bytes, *, max_seconds: float = 60.0, max_bytes: int = 2 * 1024 * 1024) -> DecodedAudio:
    if len(data) > max_bytes:
        raise AudioTooLarge(len(data))
    if not data:
        raise CorruptAudio("empty file")
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.InvalidDataError, av.error.FFmpegError, ValueError) as exc:
        raise CorruptAudio(str(exc)) from exc
    with container:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            raise UnsupportedAudio("no audio track")
        stream = streams[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks: list[bytes] = []
        samples = 0
        limit = int(max_seconds * SAMPLE_RATE)
        try:
            for frame in container.decode(audio=stream.index):
                for out in resampler.resample(frame):
                    chunk = bytes(out.planes[0])[: out.samples * 2]
                    chunks.append(chunk)
                    samples += out.samples
                if samples > limit:
                    raise AudioTooLong(samples / SAMPLE_RATE)
            for out in resampler.resample(None):
                chunks.append(bytes(out.planes[0])[: out.samples * 2])
                samples += out.samples
        except av.error.FFmpegError as exc:
            raise CorruptAudio(str(exc)) from exc
    if samples > limit:
        raise AudioTooLong(samples / SAMPLE_RATE)
    audio = DecodedAudio(pcm=b"".join(chunks), seconds=samples / SAMPLE_RATE)
    if audio.seconds < 0.2 or audio.rms < SILENCE_RMS:
        raise SilentAudio(audio.seconds)
    return audio
