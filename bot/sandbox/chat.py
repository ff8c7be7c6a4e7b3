"""The terminal chat of the sandbox: a person plays a resident (or a provider) against
the real bot. Buttons are numbered; type the number to tap one."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import IO

from bot.sandbox.botapi import LocalBotAPI, Sent

HELP = """\
Jiayi sandbox / 家医沙盒 — type as a resident would; numbers tap buttons.
  :help               this help / 帮助
  :contact [PHONE]    share a phone number / 发送手机号
  :voice FILE         send an audio file as a voice note / 发送语音
  :photo  :sticker    send a photo or a sticker
  :user ID [NAME]     become another person, e.g. a provider / 切换身份
  :quit               leave / 退出"""

DEFAULT_USER = 10001
DEMO_PHONE = "13800138000"


class TerminalChat:
    def __init__(self, api: LocalBotAPI, output: IO[str] | None = None, user_id: int = DEFAULT_USER) -> None:
        self.api = api
        self.out = output or sys.stdout
        self.user_id = user_id
        self.shown = 0
        self.choices: list[tuple[str, str | None]] = []  # (label, callback data or None for reply keys)
        api.user(user_id, first_name="居民")

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show_new(self) -> None:
        sent = self.api.sent_log
        while self.shown < len(sent):
            item = sent[self.shown]
            self.shown += 1
            if item.chat_id != self.user_id:
                continue
            self.render(item)

    def render(self, item: Sent) -> None:
        if item.method == "sendVoice":
            self.print("🤖 [voice note / 语音]")
        elif item.method == "sendDocument":
            self.print(f"🤖 [file / 文件] {item.text or ''}")
        if item.text and item.method != "editMessageReplyMarkup":
            prefix = "🤖 (edited) " if item.method.startswith("edit") else "🤖 "
            self.print(prefix + item.text.replace("\n", "\n   "))
        markup = item.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        if rows:
            self.choices = []
            for row in rows:
                for button in row:
                    label = button["text"] if isinstance(button, dict) else str(button)
                    data = button.get("callback_data") if isinstance(button, dict) else None
                    self.choices.append((label, data))
            for number, (label, _) in enumerate(self.choices, 1):
                self.print(f"   [{number}] {label}")

    async def handle(self, line: str) -> bool:
        """One line typed by the person; False to stop."""
        line = line.rstrip("\n")
        if line.startswith(":"):
            return await self.meta(line[1:].split())
        if line.strip().isdigit() and 1 <= int(line) <= len(self.choices):
            label, data = self.choices[int(line) - 1]
            if data is None:
                await self.api.send_text(self.user_id, label)
            else:
                await self.api.tap(self.user_id, data=data)
        else:
            await self.api.send_text(self.user_id, line)
        return True

    async def meta(self, words: list[str]) -> bool:
        command = words[0] if words else "help"
        if command in ("quit", "q", "exit"):
            return False
        if command == "contact":
            await self.api.send_contact(self.user_id, words[1] if len(words) > 1 else DEMO_PHONE)
        elif command == "voice" and len(words) > 1:
            path = Path(words[1]).expanduser()
            if not path.exists():
                self.print(f"no such file: {path}")
            else:
                data = path.read_bytes()
                await self.api.send_voice(self.user_id, data, duration=max(1, len(data) // 4000))
        elif command == "photo":
            await self.api.send_photo(self.user_id)
        elif command == "sticker":
            await self.api.send_sticker(self.user_id)
        elif command == "user" and len(words) > 1 and words[1].isdigit():
            self.user_id = int(words[1])
            self.api.user(self.user_id, first_name=" ".join(words[2:]) or f"user {self.user_id}")
            self.shown = len(self.api.sent_log)
            self.choices = []
            self.print(f"now chatting as {self.user_id} / 当前身份 {self.user_id}")
        else:
            self.print(HELP)
        return True


async def run_terminal_chat(api: LocalBotAPI, *, input_stream: IO[str] | None = None, output: IO[str] | None = None) -> None:
    chat = TerminalChat(api, output)
    stream = input_stream or sys.stdin
    chat.print(HELP)
    chat.print("Type /start to begin. 输入 /start 开始。")
    loop = asyncio.get_running_loop()
    while True:
        # Reading the terminal blocks, so it happens in a thread; the bot keeps running.
        line = await loop.run_in_executor(None, stream.readline)
        if line == "":
            break
        if not await chat.handle(line):
            break
        try:
            await api.wait_idle(timeout=15)
        except TimeoutError:
            chat.print("(the bot is still working… / 还在处理……)")
        chat.show_new()
