"""The people's side of the local Bot API: simulated residents and providers send
text, contacts, voice notes and taps, and tests and the terminal chat read what the
bot showed them."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter, deque
from typing import Any

from bot.sandbox.records import Sent


class People:
    """Mixed into LocalBotAPI, whose state (updates, messages, sent log) it shares."""

    bot_user: dict[str, Any]
    users: dict[int, dict[str, Any]]
    messages: dict[tuple[int, int], dict[str, Any]]
    markups: dict[tuple[int, int], dict[str, Any]]
    sent_log: list[Sent]
    files: dict[str, tuple[bytes, str]]
    send_times: deque[float]
    _updates: list[dict[str, Any]]
    _update_ids: itertools.count[int]
    _message_ids: dict[int, itertools.count[int]]
    _changed: asyncio.Condition
    _acked: int
    _last_update_id: int
    _in_flight: int
    _polling: int
    _last_activity: float
    requests: Counter[str]

    # ------------------------------------------------------------------ people

    def user(self, user_id: int, first_name: str = "居民", language_code: str = "zh") -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
            self.users[user_id] = user
        return user

    def _chat(self, chat_id: int) -> dict[str, Any]:
        user = self.user(chat_id)
        return {"id": chat_id, "type": "private", "first_name": user["first_name"]}

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    async def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        self._last_update_id = update["update_id"]
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    async def _user_message(self, user_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(user_id),
            "date": int(time.time()),
            "chat": self._chat(user_id),
            "from": self.user(user_id),
            **content,
        }
        self.messages[(user_id, message["message_id"])] = message
        await self._push({"message": message})
        return message

    async def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._user_message(user_id, **content)

    send_command = send_text

    async def send_contact(self, user_id: int, phone: str, first_name: str | None = None, own: bool = True) -> dict[str, Any]:
        contact = {"phone_number": phone, "first_name": first_name or self.user(user_id)["first_name"]}
        if own:
            contact["user_id"] = user_id
        return await self._user_message(user_id, contact=contact)

    def store_file(self, data: bytes, suffix: str) -> dict[str, Any]:
        file_id = f"file-{uuid.uuid4().hex}"
        path = f"uploads/{file_id}.{suffix}"
        self.files[file_id] = (data, path)
        return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data)}

    async def send_voice(self, user_id: int, data: bytes, duration: int, mime_type: str = "audio/ogg") -> dict[str, Any]:
        return await self._user_message(user_id, voice={**self.store_file(data, "oga"), "duration": duration, "mime_type": mime_type})

    async def send_audio(self, user_id: int, data: bytes, duration: int, mime_type: str = "audio/mpeg") -> dict[str, Any]:
        return await self._user_message(user_id, audio={**self.store_file(data, "mp3"), "duration": duration, "mime_type": mime_type})

    async def send_video_note(self, user_id: int, data: bytes, duration: int) -> dict[str, Any]:
        return await self._user_message(user_id, video_note={**self.store_file(data, "mp4"), "duration": duration, "length": 240})

    async def send_document(self, user_id: int, data: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        return await self._user_message(
            user_id, document={**self.store_file(data, file_name.rsplit(".", 1)[-1]), "file_name": file_name, "mime_type": mime_type}
        )

    async def send_sticker(self, user_id: int) -> dict[str, Any]:
        sticker = {**self.store_file(b"sticker", "webp"), "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "type": "regular", "emoji": "👍"}  # fmt: skip
        return await self._user_message(user_id, sticker=sticker)

    async def send_photo(self, user_id: int) -> dict[str, Any]:
        photo = [{**self.store_file(b"photo", "jpg"), "width": 90, "height": 90}]
        return await self._user_message(user_id, photo=photo)

    async def send_location(self, user_id: int, latitude: float = 39.95, longitude: float = 116.41) -> dict[str, Any]:
        return await self._user_message(user_id, location={"latitude": latitude, "longitude": longitude})

    def _latest_with_button(self, chat_id: int, *, data: str | None, text: str | None) -> tuple[dict[str, Any], str | None, str | None]:
        for sent in reversed(self.sent_log):
            if sent.chat_id != chat_id or sent.method not in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendVoice", "sendDocument"):
                continue
            message = self.messages.get((chat_id, sent.message_id))
            markup = self.markups.get((chat_id, sent.message_id)) or {}
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    if (data is not None and button.get("callback_data") == data) or (text is not None and button.get("text") == text):
                        return message, button.get("callback_data"), None  # type: ignore[return-value]
            for row in markup.get("keyboard") or []:
                for button in row:
                    label = button["text"] if isinstance(button, dict) else button
                    if text is not None and label == text:
                        return message, None, label  # type: ignore[return-value]
        raise LookupError(f"no button {text or data!r} in chat {chat_id}")

    async def tap(self, user_id: int, *, data: str | None = None, text: str | None = None) -> dict[str, Any]:
        """Press a button of the latest message that shows it: an inline button sends a
        callback query, a reply-keyboard button sends its text."""
        message, callback_data, label = self._latest_with_button(user_id, data=data, text=text)
        if label is not None:
            return await self.send_text(user_id, label)
        return await self._callback(user_id, message, callback_data or "")

    async def tap_stale(self, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        message = self.messages.get((user_id, message_id)) or {
            "message_id": message_id, "date": int(time.time()), "chat": self._chat(user_id), "from": self.bot_user, "text": "…",
        }  # fmt: skip
        return await self._callback(user_id, message, data)

    async def _callback(self, user_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        query = {
            "id": uuid.uuid4().hex[:16],
            "from": self.user(user_id),
            "message": message,
            "chat_instance": str(user_id),
            "data": data,
        }
        await self._push({"callback_query": query})
        return query

    # ------------------------------------------------------------------ observation

    def sent(self, chat_id: int | None = None) -> list[Sent]:
        return [s for s in self.sent_log if chat_id is None or s.chat_id == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [s.text for s in self.sent(chat_id) if s.text]

    def last(self, chat_id: int) -> Sent:
        items = self.sent(chat_id)
        if not items:
            raise LookupError(f"nothing was sent to chat {chat_id}")
        return items[-1]

    def buttons(self, chat_id: int) -> list[str]:
        for sent in reversed(self.sent(chat_id)):
            markup = self.markups.get((chat_id, sent.message_id))
            if markup and (markup.get("inline_keyboard") or markup.get("keyboard")):
                rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
                return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]
        return []

    def mark(self) -> int:
        """A position in the log: `since(mark)` lists what was sent after it."""
        return len(self.sent_log)

    def since(self, position: int, chat_id: int | None = None) -> list[Sent]:
        return [s for s in self.sent_log[position:] if chat_id is None or s.chat_id == chat_id]

    async def wait_idle(self, timeout: float = 60.0, quiet: float = 0.05) -> None:
        """Returns once the bot has fetched and confirmed every injected update and has
        been quiet (nothing in flight but its long poll) for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            last_id = self._last_update_id
            settled = (
                (self._acked > last_id or last_id == 0)
                and self._polling > 0
                and self._in_flight - self._polling <= 0
                and time.monotonic() - self._last_activity >= quiet
            )
            if settled:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not settle (acked {self._acked}, last update {last_id}, in flight {self._in_flight})")
            await asyncio.sleep(quiet / 2)

    async def wait_for(self, chat_id: int, predicate: Any = None, timeout: float = 10.0) -> Sent:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            items = self.sent(chat_id)
            for sent in items[seen:]:
                if predicate is None or predicate(sent):
                    return sent
            seen = len(items)
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing matching was sent to chat {chat_id}")
            await asyncio.sleep(0.02)

    def rate_per_second(self) -> float:
        if len(self.send_times) < 2:
            return 0.0
        span = self.send_times[-1] - self.send_times[0]
        return (len(self.send_times) - 1) / span if span > 0 else float("inf")

    def max_in_any_second(self) -> int:
        times = list(self.send_times)
        best, start = 0, 0
        for end in range(len(times)):
            while times[end] - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

