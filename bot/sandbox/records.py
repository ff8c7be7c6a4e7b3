"""What the local Bot API keeps: the messages the bot sent (`Sent`), the errors it
answers with like Telegram, and injected faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON_FIELDS = {"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
               "menu_button", "link_preview_options", "reply_parameters", "media"}  # fmt: skip
FILE_FIELDS = ("voice", "audio", "document", "photo", "video", "video_note", "sticker", "animation")


@dataclass
class Sent:
    """Something the bot showed a chat (or did to it)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None = None
    reply_markup: dict[str, Any] | None = None
    file: bytes | None = None
    file_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def buttons(self) -> list[str]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b["text"] if isinstance(b, dict) else str(b) for row in rows for b in row]

    def callback_data(self, text: str) -> str | None:
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for b in row:
                if b.get("text") == text:
                    return b.get("callback_data")
        return None


@dataclass
class _Fault:
    method: str
    chat_id: int | None
    error_code: int
    retry_after: int | None
    times: int


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _required_chat(p: dict[str, Any]) -> int:
    chat_id = _int(p.get("chat_id"))
    if chat_id is None:
        raise ApiError(400, "Bad Request: chat_id is empty")
    return chat_id
