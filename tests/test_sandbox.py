"""The offline sandbox: the terminal chat drives the real bot through the local Bot API,
and the local server itself behaves like Telegram where the bot depends on it."""

from __future__ import annotations

import io

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.sandbox.botapi import LocalBotAPI
from bot.sandbox.chat import run_terminal_chat
from tests.harness import running_bot, running_jiayi


def echo_router() -> Router:
    router = Router()

    @router.message(F.voice)
    async def voice(message: Message, bot: Bot) -> None:
        data = await bot.download(message.voice.file_id)  # type: ignore[union-attr]
        await message.answer_voice(BufferedInputFile(data.read(), "echo.ogg"), caption="echo")  # type: ignore[union-attr]

    @router.message(F.text)
    async def echo(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Press", callback_data="press")]])
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @router.callback_query(F.data == "press")
    async def press(query: CallbackQuery) -> None:
        await query.answer("pressed")
        await query.message.edit_text("pressed!")  # type: ignore[union-attr]

    return router


async def test_local_bot_api_speaks_enough_telegram_for_aiogram() -> None:
    async with LocalBotAPI() as api:
        bot = Bot("123:abc", session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
        dp = Dispatcher()
        dp.include_router(echo_router())
        async with running_bot(dp, bot):
            await api.send_text(7, "hello")
            await api.wait_idle()
            assert api.last(7).text == "echo: hello"
            await api.tap(7, text="Press")
            await api.wait_idle()
            assert api.last(7).method == "editMessageText" and api.last(7).text == "pressed!"
            assert api.callback_answers[-1]["text"] == "pressed"

            await api.send_voice(7, b"OggS-fake-voice", duration=2)
            await api.wait_idle()
            echoed = api.last(7)
            assert echoed.method == "sendVoice" and echoed.file == b"OggS-fake-voice"

            api.fail_next("sendMessage", chat_id=8, error_code=429, retry_after=3)
            with pytest.raises(TelegramRetryAfter) as retry:
                await bot.send_message(8, "x")
            assert retry.value.retry_after == 3
            api.block(9)
            with pytest.raises(TelegramForbiddenError):
                await bot.send_message(9, "x")
        await bot.session.close()


async def test_terminal_chat_starts_onboarding_with_numbered_buttons(tmp_path, clock) -> None:
    async with running_jiayi(tmp_path, clock) as j:
        out = io.StringIO()
        await run_terminal_chat(j.api, input_stream=io.StringIO("/start\n1\n:quit\n"), output=out)
        text = out.getvalue()
        assert "[1] 中文" in text and "[2] English" in text
        assert "隐私说明" in text  # "1" tapped 中文, and the privacy notice followed
        assert "[1] ✅ 同意" in text
