"""Voice notes (and audio files, round video notes), heard offline in the resident's
language by the speech worker pool, never on the event loop.

    note ─▶ transcript ─▶ triage (rules, then the interpreter's emergency class): a red
                       │  flag acts at once, urgent signs go straight on
                       └▶ "I heard: …, is that right?" ─▶ yes: as if typed
                                                       └▶ no: say it again, or the doctor
                                                          hears the note and calls back

A low-confidence transcript is read back as such; nothing heard gets "I could not hear
you"; a busy pool gets "one moment". Rating comments and call-back requests may be
spoken too."""

from __future__ import annotations

import logging
import time
from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Resident
from bot.callbacks import Answer, OfferNav
from bot.deps import Deps
from bot.emergency import ask_if_emergency
from bot.handlers.assistant import handle_text, understand
from bot.handlers.care import save_comment
from bot.handlers.safety import ask_for_callback, raise_emergency
from bot.i18n import Translate
from bot.keyboards import inline
from bot.states import Rating, Voice
from nlu.speech import (
    AudioTooLarge,
    AudioTooLong,
    CorruptAudio,
    EngineUnavailable,
    SilentAudio,
    SpeechBusy,
    SpeechTimeout,
    Transcript,
    UnsupportedAudio,
    WorkerCrashed,
)
from nlu.triage import TriageResult, triage

log = logging.getLogger(__name__)

AUDIO = F.voice | F.audio | F.video_note | (F.document & F.document.mime_type.startswith("audio/"))
# Below UNCLEAR nothing is read back; below UNSURE the read-back says it may be wrong.
UNCLEAR = 0.35
UNSURE = 0.6
URGENCY_ORDER = ("emergency", "possible_emergency", "urgent", "routine")


def _media(message: Message):  # type: ignore[no-untyped-def]
    return message.voice or message.audio or message.video_note or message.document


def _callback_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return inline([[(t("btn-voice-callback"), OfferNav(action="voice_call_me").pack())]])


def _read_back_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return inline(
        [
            [(t("btn-yes"), Answer(topic="transcript", yes=True).pack()), (t("btn-no"), Answer(topic="transcript", yes=False).pack())],
            [(t("btn-voice-callback"), OfferNav(action="voice_call_me").pack())],
        ]
    )


def triage_transcript(transcript: Transcript) -> TriageResult:
    """Triage on what was heard, before and after the correction, and on the model's
    first hypothesis when another was chosen: the graver wins."""
    results = [triage(transcript.text)]
    for heard in (transcript.raw_text, transcript.first_text):
        if heard and heard != transcript.text:
            results.append(triage(heard))
    return min(results, key=lambda r: URGENCY_ORDER.index(r.urgency) if r.urgency in URGENCY_ORDER else len(URGENCY_ORDER))


async def speak(message: Message, text: str, resident: Resident | None, deps: Deps) -> None:
    """Spoken replies for residents who chose them; silent when no synthesiser exists."""
    if resident is None or not resident.voice_replies or deps.speech is None:
        return
    from nlu.speech.tts import synthesize

    audio = await synthesize(text, resident.language)
    if audio:
        await message.answer_voice(BufferedInputFile(audio, filename="jiayi.ogg"))


async def _hear(message: Message, bot: Bot, deps: Deps, t: Translate, lang: str | None) -> Transcript | None:
    """The transcript, or None after telling the resident kindly what went wrong."""
    media = _media(message)
    settings = deps.settings
    try:
        # "typing…" is shown for as long as the note is being heard.
        async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
            buffer = BytesIO()
            await bot.download(media.file_id, destination=buffer)  # type: ignore[union-attr]
            started = time.perf_counter()
            heard = await deps.speech.transcribe(buffer.getvalue(), lang)
            if deps.metrics is not None:
                deps.metrics.heard(lang, time.perf_counter() - started)
            return heard  # type: ignore[no-any-return]
    except SilentAudio:
        await message.answer(t("voice-silent"))
    except SpeechBusy:
        await message.answer(t("voice-queue-full"), reply_markup=_callback_keyboard(t))
    except (SpeechTimeout, WorkerCrashed) as exc:
        log.warning("a voice note could not be heard: %s", type(exc).__name__)
        await message.answer(t("voice-failed"), reply_markup=_callback_keyboard(t))
    except AudioTooLong:
        await message.answer(t("voice-too-long", seconds=str(settings.voice_max_seconds)), reply_markup=_callback_keyboard(t))
    except AudioTooLarge:
        await message.answer(t("voice-too-large"), reply_markup=_callback_keyboard(t))
    except (CorruptAudio, UnsupportedAudio):
        await message.answer(t("voice-unsupported"), reply_markup=_callback_keyboard(t))
    except EngineUnavailable:
        await message.answer(t("voice-no-engine"), reply_markup=_callback_keyboard(t))
    return None


def build_router() -> Router:
    router = Router(name=__name__)
    listening: set[int] = set()

    @router.message(AUDIO)
    async def voice_note(
        message: Message,
        bot: Bot,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
        lang: str,
    ) -> None:
        media = _media(message)
        settings = deps.settings
        duration = getattr(media, "duration", None) or 0
        size = getattr(media, "file_size", None) or 0
        # The file id is kept so that a call-back request can carry the voice itself.
        await state.update_data(voice_file_id=media.file_id)  # type: ignore[union-attr]
        if duration > settings.voice_max_seconds:
            await message.answer(t("voice-too-long", seconds=str(settings.voice_max_seconds)), reply_markup=_callback_keyboard(t))
            return
        if size > settings.voice_max_bytes:
            await message.answer(t("voice-too-large"), reply_markup=_callback_keyboard(t))
            return
        # The resident's language from the profile; detected only when unknown.
        spoken = resident.language if resident is not None and resident.language in ("zh", "en") else None
        if deps.speech is None or not deps.speech.available(spoken):
            await message.answer(t("voice-no-engine"), reply_markup=_callback_keyboard(t))
            return
        if message.chat.id in listening:
            await message.answer(t("voice-busy"))
            return
        listening.add(message.chat.id)
        try:
            transcript = await _hear(message, bot, deps, t, spoken)
        finally:
            listening.discard(message.chat.id)
        if transcript is None:
            return
        deps.count("voice_notes")
        text = transcript.text.strip()
        if not text:
            # The voice-activity detector found no speech: noise, or a pocket.
            await message.answer(t("voice-silent"))
            return
        flag = triage_transcript(transcript)
        # The interpreter (rules, the learned detector and the classifier together)
        # backs the rules on the raw and corrected transcript up: spoken red flags come
        # in more wordings than typed ones, and with slips.
        parse = await understand(text, deps)
        if flag.urgency == "emergency" or parse.urgency == "emergency":
            await raise_emergency(
                message, category=flag.category or parse.red_flag or "unspecified", channel="voice", state=state,
                session=session, resident=resident, deps=deps, t=t, text=text, affected=parse.beneficiary,
            )  # fmt: skip
            return
        if "possible_emergency" in (flag.urgency, parse.urgency):
            await ask_if_emergency(
                message, t=t, deps=deps, state=state, category=flag.category or parse.red_flag, text=text,
                channel="voice", update=None,
            )  # fmt: skip
            return
        if transcript.confidence < UNCLEAR:
            await message.answer(t("voice-unclear"), reply_markup=_callback_keyboard(t))
            return
        if await state.get_state() == Rating.giving_comment.state:
            await save_comment(message, text, state, session, resident, t)
            return
        if flag.urgency != "routine":
            # Urgent signs never wait for a read-back: what was heard is shown, and
            # the request goes straight on.
            await message.answer(t("voice-heard-plain", text=text))
            await handle_text(message, text, channel="voice", state=state, session=session, resident=resident, deps=deps, t=t)
            return
        previous_state = await state.get_state()
        await state.update_data(voice_text=text, voice_prev_state=previous_state)
        await state.set_state(Voice.confirming_transcript)
        question = t("voice-heard-unsure" if transcript.confidence < UNSURE else "voice-heard", text=text)
        await message.answer(question, reply_markup=_read_back_keyboard(t))
        await speak(message, question, resident, deps)

    @router.callback_query(Voice.confirming_transcript, Answer.filter(F.topic == "transcript"))
    async def transcript_answer(
        query: CallbackQuery,
        callback_data: Answer,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        data = await state.get_data()
        await state.set_state(data.get("voice_prev_state"))
        message = query.message
        if not isinstance(message, Message):
            return
        if not callback_data.yes:
            await message.answer(t("voice-retry"), reply_markup=_callback_keyboard(t))
            return
        await handle_text(
            message,
            data.get("voice_text", ""),
            channel="voice",
            state=state,
            session=session,
            resident=resident,
            deps=deps,
            t=t,
        )

    @router.callback_query(OfferNav.filter(F.action == "voice_call_me"))
    async def voice_callback(
        query: CallbackQuery,
        state: FSMContext,
        session: AsyncSession,
        resident: Resident | None,
        deps: Deps,
        t: Translate,
    ) -> None:
        await query.answer()
        data = await state.get_data()
        if await state.get_state() == Voice.confirming_transcript.state:
            await state.set_state(data.get("voice_prev_state"))
        await ask_for_callback(
            query.message,  # type: ignore[arg-type]
            reason="voice",
            session=session,
            resident=resident,
            deps=deps,
            t=t,
            voice_file_id=data.get("voice_file_id"),
        )

    return router
