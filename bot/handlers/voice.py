"""Voice notes (and audio files, round video notes): transcribed off the event loop,
read back before anything is booked. A red flag in the transcript acts at once.
When the bot cannot understand, the voice note itself goes to the family doctor."""

from __future__ import annotations

import logging
from io import BytesIO

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from actions.models import Resident
from bot.callbacks import Answer, OfferNav
from bot.deps import Deps
from bot.handlers.assistant import handle_text
from bot.handlers.care import save_comment
from bot.handlers.safety import ask_for_callback, raise_emergency
from bot.i18n import Translate
from bot.keyboards import inline, main_menu, yes_no
from bot.states import Rating, Voice
from nlu.speech import (
    AudioTooLarge,
    AudioTooLong,
    CorruptAudio,
    EngineUnavailable,
    SilentAudio,
    UnsupportedAudio,
)
from nlu.triage import triage

log = logging.getLogger(__name__)

AUDIO = F.voice | F.audio | F.video_note | (F.document & F.document.mime_type.startswith("audio/"))
# Below this the transcript is treated as unintelligible rather than read back.
MIN_CONFIDENCE = 0.45


def _media(message: Message):  # type: ignore[no-untyped-def]
    return message.voice or message.audio or message.video_note or message.document


def _callback_keyboard(t: Translate):  # type: ignore[no-untyped-def]
    return inline([[(t("btn-voice-callback"), OfferNav(action="voice_call_me").pack())]])


async def speak(message: Message, text: str, resident: Resident | None, deps: Deps) -> None:
    """Spoken replies for residents who chose them; silent when no synthesiser exists."""
    if resident is None or not resident.voice_replies or deps.speech is None:
        return
    from nlu.speech.tts import synthesize

    audio = await synthesize(text, resident.language)
    if audio:
        await message.answer_voice(BufferedInputFile(audio, filename="jiayi.ogg"))


def build_router() -> Router:
    router = Router(name=__name__)
    busy: set[int] = set()

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
            await message.answer(
                t("voice-too-long", seconds=str(settings.voice_max_seconds)),
                reply_markup=_callback_keyboard(t),
            )
            return
        if size > settings.voice_max_bytes:
            await message.answer(t("voice-too-large"), reply_markup=_callback_keyboard(t))
            return
        if message.chat.id in busy:
            await message.answer(t("voice-busy"))
            return
        if deps.speech is None or not deps.speech.available(lang):
            await message.answer(t("voice-no-engine"), reply_markup=_callback_keyboard(t))
            return
        busy.add(message.chat.id)
        try:
            await bot.send_chat_action(message.chat.id, "typing")
            buffer = BytesIO()
            await bot.download(media.file_id, destination=buffer)  # type: ignore[union-attr]
            transcript = await deps.speech.transcribe(buffer.getvalue(), lang)
        except SilentAudio:
            await message.answer(t("voice-silent"))
            return
        except AudioTooLong:
            await message.answer(
                t("voice-too-long", seconds=str(settings.voice_max_seconds)),
                reply_markup=_callback_keyboard(t),
            )
            return
        except AudioTooLarge:
            await message.answer(t("voice-too-large"), reply_markup=_callback_keyboard(t))
            return
        except (CorruptAudio, UnsupportedAudio):
            await message.answer(t("voice-unsupported"), reply_markup=_callback_keyboard(t))
            return
        except EngineUnavailable:
            await message.answer(t("voice-no-engine"), reply_markup=_callback_keyboard(t))
            return
        finally:
            busy.discard(message.chat.id)
        text = (transcript.text or "").strip()
        deps.count("voice_notes")
        if await state.get_state() == Rating.giving_comment.state and text:
            await save_comment(message, text, state, session, resident, t)
            return
        if not text or transcript.confidence < MIN_CONFIDENCE:
            await message.answer(t("voice-unclear"), reply_markup=_callback_keyboard(t))
            return
        flag = triage(text)
        if flag.urgency == "emergency":
            await raise_emergency(
                message,
                category=flag.category or "unspecified",
                channel="voice",
                state=state,
                session=session,
                resident=resident,
                deps=deps,
                t=t,
            )
            return
        previous_state = await state.get_state()
        await state.update_data(voice_text=text, voice_prev_state=previous_state)
        await state.set_state(Voice.confirming_transcript)
        question = t("voice-heard", text=text)
        await message.answer(question, reply_markup=yes_no(t, "transcript"))
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
        if message is None:
            return
        if not callback_data.yes:
            markup = main_menu(t) if resident is not None and resident.onboarded else None
            await message.answer(t("voice-retry"), reply_markup=markup)
            await message.answer(t("voice-unclear"), reply_markup=_callback_keyboard(t))
            return
        await handle_text(
            message,  # type: ignore[arg-type]
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
        voice_file_id = (await state.get_data()).get("voice_file_id")
        await ask_for_callback(
            query.message,  # type: ignore[arg-type]
            reason="voice",
            session=session,
            resident=resident,
            deps=deps,
            t=t,
            voice_file_id=voice_file_id,
        )

    return router
