"""Voice notes with real audio: espeak-ng speech as OGG/Opus fixtures (made by
tests/fixtures/voice/make_fixtures.sh), decoded in process and recognised offline."""

from __future__ import annotations

import asyncio
import io
import json
import math
import shutil
import struct
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from actions.config import Settings
from actions.models import Booking, CallbackRequest
from nlu.speech import (
    AudioTooLarge,
    AudioTooLong,
    CorruptAudio,
    EngineUnavailable,
    SilentAudio,
    SpeechService,
)
from nlu.speech.decode import SAMPLE_RATE, decode_to_pcm16k
from nlu.speech.service import build_engine
from tests.conftest import IN_CI
from tests.harness import running_jiayi
from tests.test_e2e_booking import DOCTOR, link_doctor, onboard, sign_with_wang

FIXTURES = Path(__file__).parent / "fixtures" / "voice"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
ENGLISH = [m for m in MANIFEST if m["lang"] == "en" and m["text"]]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def tone_wav(seconds: float, amplitude: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        frames = b"".join(
            struct.pack("<h", int(amplitude * math.sin(2 * math.pi * 440 * i / SAMPLE_RATE)))
            for i in range(int(seconds * SAMPLE_RATE))
        )
        out.writeframes(frames)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def speech() -> SpeechService:
    service = SpeechService(Settings(_env_file=None))  # type: ignore[call-arg]
    yield service
    service.close()


def test_fixtures_decode_to_16k_mono() -> None:
    for item in MANIFEST:
        if item["file"] == "silence.ogg":
            with pytest.raises(SilentAudio):
                decode_to_pcm16k(fixture(item["file"]))
            continue
        audio = decode_to_pcm16k(fixture(item["file"]))
        assert 0.5 < audio.seconds < 10
        assert len(audio.pcm) == int(round(audio.seconds * SAMPLE_RATE)) * 2


@pytest.mark.parametrize("item", ENGLISH, ids=lambda m: m["file"])
def test_english_requests_are_recognised_with_the_domain_grammar(speech: SpeechService, item: dict) -> None:  # type: ignore[type-arg]
    transcript = speech.transcribe_sync(fixture(item["file"]), "en")
    assert transcript.text == item["text"]
    assert transcript.engine == "sphinx" and transcript.confidence >= 0.45


def test_speech_outside_the_domain_is_rejected(speech: SpeechService) -> None:
    transcript = speech.transcribe_sync(fixture("en_out_of_domain.ogg"), "en")
    assert transcript.confidence < 0.45


def test_bad_audio_gets_a_typed_error(speech: SpeechService) -> None:
    with pytest.raises(CorruptAudio):
        speech.transcribe_sync(b"\x00\x01garbage" * 50, "en")
    with pytest.raises(CorruptAudio):
        speech.transcribe_sync(b"", "en")
    with pytest.raises(AudioTooLong):
        speech.transcribe_sync(tone_wav(61), "en")
    with pytest.raises(AudioTooLarge):
        speech.transcribe_sync(b"0" * (2 * 1024 * 1024 + 1), "en")
    with pytest.raises(SilentAudio):
        speech.transcribe_sync(fixture("silence.ogg"), "en")


def test_engines_without_a_model_name_the_setting_to_fill(tmp_path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(EngineUnavailable, match="VOSK_MODEL_ZH"):
        build_engine("vosk", "zh", settings)
    empty = Settings(_env_file=None, vosk_model_zh=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(EngineUnavailable, match="not a Vosk model directory"):
        build_engine("vosk", "zh", empty)
    with pytest.raises(EngineUnavailable, match="WHISPER_MODEL_DIR"):
        build_engine("whisper", "zh", settings)
    with pytest.raises(EngineUnavailable, match="AZURE_SPEECH_KEY"):
        build_engine("azure", "zh", settings)
    with pytest.raises(EngineUnavailable, match="GOOGLE_CLOUD_CREDENTIALS"):
        build_engine("google_cloud", "en", settings)
    with pytest.raises(EngineUnavailable, match="VOICE_ENGINE_ZH"):
        build_engine("sphinx", "zh", settings)
    assert not SpeechService(settings).available("zh")


async def test_transcription_does_not_block_the_event_loop(speech: SpeechService) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    await asyncio.gather(*(speech.transcribe(fixture("en_book_bp.ogg"), "en") for _ in range(3)))
    elapsed = time.monotonic() - started
    task.cancel()
    # The loop kept ticking all along. Blocked, it managed under a tenth of the ticks
    # it could have made (measured); a quarter leaves room for a busy machine.
    assert ticks >= elapsed / 0.01 / 4


def test_the_transcribe_command_prints_one_json_object() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "voice", "transcribe", str(FIXTURES / "en_cancel.ogg"), "--lang", "en"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["text"] == "cancel my booking" and out["engine"] == "sphinx" and set(out) == {"text", "confidence", "engine", "seconds"}
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "voice", "transcribe", str(FIXTURES / "manifest.json")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and json.loads(bad.stdout)["error"] in ("CorruptAudio", "UnsupportedAudio")


def test_spoken_replies_are_ogg_voice_notes() -> None:
    from nlu.speech.tts import synthesize_sync

    if shutil.which("espeak-ng") is None:
        if IN_CI:
            pytest.fail("espeak-ng is missing on the CI machine")
        pytest.skip("espeak-ng is not installed here")
    for lang, text in (("zh", "我听到的是：明天上午量血压，对吗？"), ("en", "I heard: cancel my booking. Is that right?")):
        audio = synthesize_sync(text, lang)
        assert audio is not None and audio[:4] == b"OggS"
        assert decode_to_pcm16k(audio).seconds > 1


async def test_a_voice_note_ends_in_a_booking_after_the_read_back(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await onboard(j, 701, "en")
        await sign_with_wang(j, 701, "en")
        await j.do(j.api.send_voice(701, fixture("en_book_bp.ogg"), duration=3))
        heard = j.last_text(701)
        assert heard == 'I heard: "book a blood pressure check tomorrow morning". Is that right?'
        await j.tap(701, "✅ Yes")
        # Service and day came from the voice note; only the modality is asked.
        assert j.last_text(701) == "How would you like to be seen?"
        await j.tap(701, "At the clinic")
        offer = next(b for b in j.buttons(701) if "·" in b)
        assert "Tue 24 Nov" in offer
        await j.tap(701, offer)
        sent = await j.tap(701, "✅ Confirm booking")
        assert any("Booked" in (s.text or "") for s in sent)
        async with j.app.deps.sessionmaker() as session:
            booking = (await session.scalars(select(Booking))).one()
            assert (booking.service_code, booking.channel) == ("bp_check", "voice")
            assert booking.request_text == "book a blood pressure check tomorrow morning"


async def test_chinese_voice_without_an_engine_goes_to_the_doctor_as_a_call_back(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, 702, "zh")
        await sign_with_wang(j, 702, "zh")
        await j.do(j.api.send_voice(702, fixture("zh_book_bp.ogg"), duration=4))
        assert "听不懂" in j.last_text(702)
        await j.tap(702, "☎️ 请医生听语音并回电")
        assert "给您回电" in j.last_text(702)
        async with j.app.deps.sessionmaker() as session:
            callback = (await session.scalars(select(CallbackRequest))).one()
            assert callback.reason == "voice" and callback.voice_file_id
        await j.dispatch()
        doctor = j.api.sent(DOCTOR)
        assert "回电请求" in doctor[-2].text and "张桂兰" in doctor[-2].text
        assert doctor[-1].method == "sendVoice" and doctor[-1].file == fixture("zh_book_bp.ogg")

        # Too long, and a flood of notes: each gets a clear reply, nothing crashes.
        await j.do(j.api.send_voice(702, fixture("zh_book_bp.ogg"), duration=600))
        assert "太长" in j.last_text(702)
        for _ in range(5):
            await j.api.send_voice(702, b"not audio at all", duration=2)
        await j.api.wait_idle()
        assert len([t for t in j.api.texts(702) if "听不懂" in t]) >= 6


async def test_a_red_flag_in_a_voice_note_acts_at_once_without_the_read_back(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        await link_doctor(j)
        await onboard(j, 703, "en")
        await sign_with_wang(j, 703, "en")
        await j.do(j.api.send_voice(703, fixture("en_chest_pain.ogg"), duration=3))
        replies = " ".join(j.api.texts(703)[-2:])
        assert "Call 120 now" in replies and "I heard" not in replies
        await j.dispatch()
        assert "急症提醒" in j.api.last(DOCTOR).text
