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
from bot.sandbox.chat import TerminalChat, run_terminal_chat
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


# The README's sandbox walkthrough, typed line by line into the terminal chat: a first
# booking, the provider's summary (tapped as the provider, 15.1), the reminders and the
# rating, without leaving the chat.
NEWCOMER_WALK = """\
/start
1
1
李秀英
:contact
我是四八年的
和平里一区3号楼2单元501
7
王小明 13900139000
1
1
明天上午量血压
1
1
1
15.1
:later
:later
1
:later
1
"""


async def test_the_newcomer_walk_reaches_booking_summary_reminder_and_rating(tmp_path, clock) -> None:
    from sqlalchemy import select

    from actions.models import Booking, Rating, Resident
    from bot.sandbox.control import Sandbox

    # Monday 07:00: 明天上午 is Tuesday, and both reminders (24 h and 2 h before) lie ahead.
    clock.advance(hours=-1)
    async with running_jiayi(tmp_path, clock) as j:
        sandbox = Sandbox(api=j.api, app=j.app, clock=clock)
        assert [p.code for p in await sandbox.link_providers()] == ["dr_wang", "dr_chen", "dr_zhang"]
        out = io.StringIO()
        await run_terminal_chat(j.api, input_stream=io.StringIO(NEWCOMER_WALK), output=out, sandbox=sandbox)
        screen = out.getvalue()
        print(screen)
        # Onboarding by numbers and words; 65+ ticked from 我是四八年的.
        assert "🤖 ⌨5 下面哪些情况适合您" in screen and "[1] ✅ 65岁以上" in screen
        # The booking's read-back names the weekday and the date.
        assert "时间：11月24日 周二 08:00" in screen
        assert "🤖 ⌨14 ✅ 预约好了！" in screen
        # The provider's summary shows in the resident's terminal, labelled, tappable.
        assert "🤖 [王芳 dr_wang] ⌨15 🆕 新预约 #1" in screen and "电话：138 0013 8000" in screen
        assert "(as 王芳 dr_wang / 以对方身份)" in screen
        assert "✅ 王芳 已确认您的预约：血压测量，11月24日 周二 08:00。" in screen
        assert "🤖 [王芳 dr_wang] ✅ 已接受预约 #1。" in screen
        # :later jumps to the reminder the day before (past 07:30: the agendas too),
        # then to the one two hours before, then to the rating request.
        assert "⏩ 11月23日 周一 08:00" in screen and "⏰ 提醒：明天您有预约" in screen
        assert "🤖 [王芳 dr_wang] 📋 11月23日 周一 没有预约。" in screen
        assert "⏩ 11月24日 周二 06:00" in screen and "⏰ 提醒：两小时后您有预约" in screen
        assert "👍 好的，等您来！" in screen
        assert "怎么样？请打个分" in screen and "谢谢您的评价" in screen
        assert screen.index("新预约") < screen.index("⏰") < screen.index("请打个分")
        async with j.app.deps.sessionmaker() as session:
            resident = (await session.scalars(select(Resident))).one()
            assert resident.birth_year == 1948 and resident.phone == "+8613800138000"
            booking = (await session.scalars(select(Booking))).one()
            assert booking.status == "accepted"
            rating = (await session.scalars(select(Rating))).one()
            assert rating.score == 5 and rating.booking_id == booking.id


async def test_every_chat_shows_labelled_and_every_keyboard_stays_tappable(tmp_path, clock) -> None:
    from bot.sandbox.control import Sandbox

    async with running_jiayi(tmp_path, clock) as j:
        sandbox = Sandbox(api=j.api, app=j.app, clock=clock)
        await sandbox.link_providers()
        script = "/start\n:tap\n1.2\n:user dr_wang\n/agenda\n:user 10001\n:tap 2.1\n"
        out = io.StringIO()
        await run_terminal_chat(j.api, input_stream=io.StringIO(script), output=out, sandbox=sandbox)
        screen = out.getvalue()
        print(screen)
        assert "⌨1: 1.1 中文  1.2 English" in screen
        # 1.2 tapped English on keyboard 1: the privacy notice came in English.
        assert "🤖 ⌨2 📄 Privacy" in screen
        assert "now chatting as 王芳 dr_wang" in screen
        # The provider's agenda was in their own chat (no label); back as the resident,
        # keyboard 2 (the privacy notice) is still there to tap.
        assert "📋 11月23日 周一 没有预约。" in screen
        assert "🤖 What should we call you?" in screen
        # A file's caption (/mydata's export) shows once, with the file.
        await j.app.bot.send_document(10001, BufferedInputFile(b"{}", "jiayi-my-data.json"), caption="Here is everything we keep about you.")
        chat = TerminalChat(j.api, out, sandbox=sandbox)
        chat.shown = len(j.api.sent_log) - 1
        await chat.show_new()
        screen = out.getvalue()
        assert screen.count("Here is everything we keep about you.") == 1
        assert "🤖 📎 [file / 文件] Here is everything we keep about you." in screen


async def test_language_code_follows_the_person_in_the_chat(tmp_path, clock) -> None:
    """A resident who chose English writes with Telegram's language_code "en": what
    Jiayi says before it can read its records (here the slow-down notice) is English."""
    from bot.sandbox.control import Sandbox

    async with running_jiayi(tmp_path, clock, user_messages_per_minute=4) as j:
        sandbox = Sandbox(api=j.api, app=j.app, clock=clock)
        script = "/start\n2\n1\nMary Smith\nhello\nhello again\nonce more\n"
        out = io.StringIO()
        await run_terminal_chat(j.api, input_stream=io.StringIO(script), output=out, sandbox=sandbox)
        screen = out.getvalue()
        print(screen)
        assert j.api.users[10001]["language_code"] == "en"
        assert "That was a lot of messages at once." in screen and "您发得太快了" not in screen
