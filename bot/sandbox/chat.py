"""The terminal chat of the sandbox: a person plays a resident (or a provider) against
the real bot. Every message the bot sends shows, labelled with whose chat it is in
when it is not yours. Each keyboard gets a number (⌨2): type a button's number to tap
it on the newest keyboard, or 2.3 for the third button of keyboard 2."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import io
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.sandbox.botapi import LocalBotAPI, Sent

HELP = """\
Jiayi sandbox / 家医沙盒 — type as a resident would / 像居民一样打字.
  1, 2 …            tap a button of the newest keyboard / 点最新键盘上的按钮
  2.3               tap button 3 of keyboard ⌨2 (as the person it was sent to)
  :tap              list every keyboard still on screen / 列出还能点的键盘
  :contact [PHONE]  share a phone number / 发送手机号
  :voice FILE       send an audio file as a voice note / 发送语音
  :photo  :sticker  send a photo or a sticker
  :user ID|CODE     become another person: a resident's number, or a provider's
                    code such as dr_wang / 切换身份
  :lang zh|en       the Telegram language of the current person
  :later [2h|1d]    move the sandbox clock forward; alone: to the next reminder or
                    rating request / 时间快进
  :say TEXT         send TEXT exactly as typed (e.g. a number) / 原样发送
  :quit             leave (Ctrl-C or Ctrl-D too) / 退出"""

DEFAULT_USER = 10001
# Telegram shares a contact's number with its country code and no plus.
DEMO_PHONE = "8613800138000"
TAP = re.compile(r"^(\d+)\.(\d+)$")
MEDIA = {"sendVoice": "🎙 [voice note / 语音]", "sendDocument": "📎 [file / 文件]", "sendPhoto": "🖼 [photo / 图片]"}


@dataclass
class Keyboard:
    number: int
    chat_id: int
    message_id: int
    buttons: list[tuple[str, str | None]]  # label, callback data (None: a reply-keyboard key)

    @property
    def reply(self) -> bool:
        return any(data is None for _, data in self.buttons)


class TerminalChat:
    def __init__(
        self, api: LocalBotAPI, output: IO[str] | None = None, user_id: int = DEFAULT_USER, sandbox: Any = None
    ) -> None:
        self.api = api
        self.out = output or sys.stdout
        self.user_id = user_id
        self.sandbox = sandbox  # bot.sandbox.control.Sandbox, or None for the bare API
        self.shown = 0
        self.answers_shown = 0
        self.keyboards: dict[int, Keyboard] = {}
        self.by_message: dict[tuple[int, int], int] = {}
        self.numbered = 0
        # While a typed line is handled, what arrives waits for its answer.
        self.busy = False
        api.user(user_id, first_name="居民")

    # ------------------------------------------------------------------ output

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def label(self, chat_id: int) -> str:
        if self.sandbox is None:
            user = self.api.users.get(chat_id)
            return f"{user['first_name'] if user else 'chat'} {chat_id}"
        return (await self.sandbox.person(chat_id)).label

    async def show_new(self) -> None:
        while self.answers_shown < len(self.api.callback_answers):
            answer = self.api.callback_answers[self.answers_shown]
            self.answers_shown += 1
            if answer.get("text"):
                self.print(f"   💬 {answer['text']}")
        sent = self.api.sent_log
        batch = sent[self.shown :]
        self.shown = len(sent)
        # Your own chat first, then the others' (in the order each was sent): what one
        # line brought reads the same, and numbers the same, every time.
        for item in sorted(batch, key=lambda s: s.chat_id != self.user_id):
            await self.render(item)

    async def render(self, item: Sent) -> None:
        if item.method in ("sendChatAction", "deleteMessage"):
            return
        if item.data.get("remove_keyboard"):
            # Telegram takes the chat's reply keyboard away.
            for old in [k for k in self.keyboards.values() if k.chat_id == item.chat_id and k.reply]:
                self.keyboards.pop(old.number, None)
        who = "" if item.chat_id == self.user_id else f"[{await self.label(item.chat_id)}] "
        key = (item.chat_id, item.message_id)
        edited = item.method.startswith("edit")
        keyboard = self._keyboard(item) if item.reply_markup or edited else None
        tag = f"⌨{keyboard.number} " if keyboard is not None else ""
        if item.method == "editMessageReplyMarkup":
            if keyboard is None:
                if key in self.by_message:
                    self.keyboards.pop(self.by_message.pop(key), None)
                return
            self.print(f"🤖 {who}{tag}(buttons changed / 按钮更新)")
        else:
            text = (item.text or "").replace("\n", "\n   ")
            media = MEDIA.get(item.method)
            if media:
                text = f"{media} {text}".rstrip()
            prefix = "🤖 (edited / 已修改) " if edited else "🤖 "
            if text:
                self.print(f"{prefix}{who}{tag}{text}")
            elif tag:
                self.print(f"{prefix}{who}{tag}")
        if keyboard is not None:
            for number, (label, _) in enumerate(keyboard.buttons, 1):
                self.print(f"   [{number}] {label}")

    def _keyboard(self, item: Sent) -> Keyboard | None:
        """Numbers the keyboard of `item` (keeping the number when a message's buttons
        are edited) and drops keyboards that are gone."""
        key = (item.chat_id, item.message_id)
        markup = item.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        buttons: list[tuple[str, str | None]] = []
        for row in rows:
            for button in row:
                label = button["text"] if isinstance(button, dict) else str(button)
                data = button.get("callback_data") if isinstance(button, dict) and "inline_keyboard" in markup else None
                buttons.append((label, data))
        number = self.by_message.get(key)
        if not buttons:
            if number is not None:
                self.keyboards.pop(number, None)
                del self.by_message[key]
            return None
        if number is None:
            self.numbered += 1
            number = self.numbered
            self.by_message[key] = number
        keyboard = Keyboard(number, item.chat_id, item.message_id, buttons)
        if keyboard.reply:
            # One reply keyboard per chat: a new one replaces the old.
            for old in [k for k in self.keyboards.values() if k.chat_id == item.chat_id and k.reply and k.number != number]:
                self.keyboards.pop(old.number, None)
        self.keyboards[number] = keyboard
        return keyboard

    def latest(self, chat_id: int) -> Keyboard | None:
        mine = [k for k in self.keyboards.values() if k.chat_id == chat_id]
        return max(mine, key=lambda k: k.number) if mine else None

    # ------------------------------------------------------------------ input

    async def as_person(self, user_id: int) -> None:
        """Telegram sends each person's own language_code: the language they chose in
        Jiayi (or a provider's), else what `:lang` set."""
        if self.sandbox is not None:
            person = await self.sandbox.person(user_id)
            if person.language:
                self.api.user(user_id)["language_code"] = person.language

    async def tap(self, keyboard: Keyboard, index: int) -> None:
        label, data = keyboard.buttons[index - 1]
        person = keyboard.chat_id
        if person != self.user_id:
            self.print(f"   (as {await self.label(person)} / 以对方身份)")
        await self.as_person(person)
        if data is None:
            await self.api.send_text(person, label)
        else:
            await self.api.tap_stale(person, keyboard.message_id, data)

    async def handle(self, line: str) -> bool:
        """One line typed by the person; False to stop."""
        line = line.rstrip("\n")
        if line.startswith(":"):
            words = line[1:].split()
            return await self.meta(words, line[1:])
        stripped = line.strip()
        latest = self.latest(self.user_id)
        if stripped.isdigit() and latest is not None and 1 <= int(stripped) <= len(latest.buttons):
            await self.tap(latest, int(stripped))
            return True
        match = TAP.match(stripped)
        if match and int(match.group(1)) in self.keyboards:
            keyboard = self.keyboards[int(match.group(1))]
            if 1 <= int(match.group(2)) <= len(keyboard.buttons):
                await self.tap(keyboard, int(match.group(2)))
                return True
        if not stripped:
            return True
        await self.as_person(self.user_id)
        await self.api.send_text(self.user_id, line)
        return True

    async def meta(self, words: list[str], raw: str) -> bool:
        command = words[0] if words else "help"
        if command in ("quit", "q", "exit"):
            return False
        if command == "say":
            text = raw.split(None, 1)[1] if len(words) > 1 else ""
            if text:
                await self.as_person(self.user_id)
                await self.api.send_text(self.user_id, text)
        elif command == "tap":
            await self.meta_tap(words[1:])
        elif command == "contact":
            await self.api.send_contact(self.user_id, words[1] if len(words) > 1 else DEMO_PHONE)
        elif command == "voice" and len(words) > 1:
            path = Path(words[1]).expanduser()
            if not path.exists():
                self.print(f"no such file / 没有这个文件: {path}")
            else:
                data = path.read_bytes()
                await self.as_person(self.user_id)
                await self.api.send_voice(self.user_id, data, duration=max(1, len(data) // 4000))
        elif command == "photo":
            await self.api.send_photo(self.user_id)
        elif command == "sticker":
            await self.api.send_sticker(self.user_id)
        elif command == "user" and len(words) > 1:
            await self.switch(words[1], " ".join(words[2:]))
        elif command == "lang" and len(words) > 1 and words[1] in ("zh", "en"):
            self.api.user(self.user_id)["language_code"] = words[1]
            self.print(f"Telegram language of {self.user_id}: {words[1]}")
        elif command == "later" and self.sandbox is not None:
            await self.later(words[1] if len(words) > 1 else None)
        else:
            self.print(HELP)
        return True

    async def switch(self, who: str, name: str) -> None:
        if who.isdigit():
            user_id = int(who)
        else:
            account = await self.sandbox.provider_account(who) if self.sandbox is not None else None
            if account is None:
                self.print(f"no such person / 没有这个人: {who}")
                return
            user_id = account
        self.user_id = user_id
        self.api.user(user_id, first_name=name or f"user {user_id}")
        self.print(f"now chatting as {await self.label(user_id)} / 当前身份 {user_id}")

    async def meta_tap(self, args: list[str]) -> None:
        match = TAP.match(args[0]) if args else None
        if match and int(match.group(1)) in self.keyboards:
            keyboard = self.keyboards[int(match.group(1))]
            if 1 <= int(match.group(2)) <= len(keyboard.buttons):
                await self.tap(keyboard, int(match.group(2)))
                return
        if not self.keyboards:
            self.print("no keyboard on screen / 没有可以点的按钮")
            return
        for keyboard in sorted(self.keyboards.values(), key=lambda k: k.number):
            who = "" if keyboard.chat_id == self.user_id else f" [{await self.label(keyboard.chat_id)}]"
            buttons = "  ".join(f"{keyboard.number}.{i} {label}" for i, (label, _) in enumerate(keyboard.buttons, 1))
            self.print(f"   ⌨{keyboard.number}{who}: {buttons}")

    async def later(self, text: str | None) -> None:
        from bot.format import format_when
        from bot.sandbox.control import parse_duration

        delta = parse_duration(text) if text else None
        if text and delta is None:
            self.print("say how long, e.g. :later 2h, :later 1d, :later 30m")
            return
        moment = await self.sandbox.later(delta)
        if moment is None:
            self.print("nothing is waiting / 没有待发的提醒")
            return
        deps = self.sandbox.deps
        self.print(f"⏩ {format_when(deps.i18n, 'zh', moment, deps.tz)} / {format_when(deps.i18n, 'en', moment, deps.tz)}")

    # ------------------------------------------------------------------ waiting

    async def settle(self) -> None:
        """Waits until the bot has answered (and what it queued is sent), telling the
        person why when that takes a while."""
        noted = 0.0
        started = time.monotonic()
        while True:
            try:
                await self.api.wait_idle(timeout=1.0)
                break
            except TimeoutError:
                pass
            note = self.sandbox.understanding_note() if self.sandbox is not None else None
            now = time.monotonic()
            if note and now - noted >= 5:
                self.print(f"   ⏳ {note} — your message waits for it / 消息稍后处理")
                noted = now
            elif not note and now - started > 15 and noted == 0:
                self.print("   ⏳ the bot is still working… / 还在处理……")
                noted = now
        if self.sandbox is not None:
            await self.sandbox.settle()
            await self.api.wait_idle(timeout=10)
        await self.show_new()


def _read_lines(stream: IO[str], loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Reads the terminal in a daemon thread, so that a read still waiting never holds
    up the exit. A real terminal or pipe is read through its file descriptor, never
    through sys.stdin's buffer, whose lock the interpreter needs when it shuts down."""

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(queue.put_nowait, line)

    try:
        fd = os.dup(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        fd = None
    if fd is None:
        with contextlib.suppress(OSError, ValueError):
            for line in iter(stream.readline, ""):
                put(line)
        put(None)
        return
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 4096):
            pending += decoder.decode(chunk)
            while "\n" in pending:
                line, pending = pending.split("\n", 1)
                put(line + "\n")
    if pending:
        put(pending)
    put(None)


async def run_terminal_chat(
    api: LocalBotAPI,
    *,
    input_stream: IO[str] | None = None,
    output: IO[str] | None = None,
    sandbox: Any = None,
    echo: bool | None = None,
    live: bool = False,
) -> None:
    """`echo` repeats each line read (for a transcript when input is not typed at a
    terminal); `live` also shows, between lines, what arrives on its own (reminders,
    the understanding model becoming ready)."""
    chat = TerminalChat(api, output, sandbox=sandbox)
    stream = input_stream or sys.stdin
    if echo is None:
        echo = not (hasattr(stream, "isatty") and stream.isatty())
    chat.print(HELP)
    chat.print("Type /start to begin. 输入 /start 开始。")
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_lines, args=(stream, loop, queue), name="jiayi terminal reader", daemon=True).start()
    watcher = asyncio.create_task(_watch(chat)) if live else None
    try:
        while True:
            line = await queue.get()
            if line is None:
                break
            if echo:
                chat.print(f"> {line.rstrip()}")
            chat.busy = True
            try:
                if not await chat.handle(line):
                    break
                await chat.settle()
            finally:
                chat.busy = False
    finally:
        if watcher is not None:
            watcher.cancel()


async def _watch(chat: TerminalChat) -> None:
    was_loading = chat.sandbox is not None and chat.sandbox.understanding_note() is not None
    while True:
        await asyncio.sleep(0.5)
        if chat.busy:
            continue
        await chat.show_new()
        if was_loading and chat.sandbox.understanding_note() is None:
            was_loading = False
            warm = chat.sandbox.app.extras.get("warm_up")
            if warm is not None and warm.future.exception() is None:
                chat.print(f"   ✓ understanding ready ({warm.seconds:.0f} s) / 理解模型就绪")
