"""A small local server that speaks the subset of the Telegram Bot API Jiayi uses.

The unmodified bot polls it (`TelegramAPIServer.from_base(api.base_url)`), so the
sandbox and the end-to-end tests run the real routers with no network. Simulated
people send text, taps, contacts and voice notes; everything the bot sends is
recorded. Faults (429, 403) can be injected to test delivery."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

from bot.sandbox.people import People
from bot.sandbox.records import (
    JSON_FIELDS,
    ApiError,
    Sent,
    _Fault,
    _int,
    _required_chat,
)

log = logging.getLogger(__name__)



class LocalBotAPI(People):
    def __init__(self, *, bot_id: int = 100000, username: str = "jiayi_sandbox_bot", first_name: str = "家医 Jiayi") -> None:
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}
        self.users: dict[int, dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        # Every keyboard the bot showed, reply keyboards included: Telegram returns only
        # inline keyboards inside a Message, so they are kept beside the messages.
        self.markups: dict[tuple[int, int], dict[str, Any]] = {}
        self.sent_log: list[Sent] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: Counter[str] = Counter()
        self.send_times: deque[float] = deque(maxlen=100_000)
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._acked = 0  # updates below this id were confirmed by the bot
        self._last_update_id = 0
        self._in_flight = 0
        self._polling = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.base_url = ""
        self.commands: dict[str, Any] = {}

    # ------------------------------------------------------------------ server

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        actual = sockets[0].getsockname()[1]
        self.base_url = f"http://{host}:{actual}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            # A long poll still waiting would hold the server's shutdown for its whole
            # timeout: answer it now.
            self._closing = True
            async with self._changed:
                self._changed.notify_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body or {})
            return params
        if request.method == "POST" and request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    params[key] = ("file", value.file.read(), value.filename)
                else:
                    params[key] = value
        for key in list(params):
            value = params[key]
            if key in JSON_FIELDS and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.requests[method] += 1
        self._in_flight += 1
        self._last_activity = time.monotonic()
        try:
            params = await self._params(request)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                log.warning("sandbox Bot API: method %s is not simulated", method)
                return web.json_response(
                    {"ok": False, "error_code": 404, "description": f"Not Found: method {method} not supported"}, status=404
                )
            self._check_faults(method, params)
            result = await handler(params)
            return web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return web.json_response(body, status=exc.code)
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()
            async with self._changed:
                self._changed.notify_all()

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for data, file_path in self.files.values():
            if file_path == path:
                return web.Response(body=data)
        return web.Response(status=404)

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        chat_id = _int(params.get("chat_id"))
        if chat_id is not None and chat_id in self._blocked and method.startswith(("send", "copy", "forward", "edit")):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for fault in self._faults:
            if fault.times > 0 and fault.method == method and fault.chat_id in (None, chat_id):
                fault.times -= 1
                if fault.error_code == 429:
                    raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after or 1)
                raise ApiError(fault.error_code, "Injected error")

    # ------------------------------------------------------------------ faults

    def fail_next(self, method: str, chat_id: int | None = None, error_code: int = 429, retry_after: int = 1, times: int = 1) -> None:
        self._faults.append(_Fault(method, chat_id, error_code, retry_after, times))

    def block(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ methods

    async def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = _int(p.get("offset")) or 0
        limit = _int(p.get("limit")) or 100
        timeout = float(p.get("timeout") or 0)
        if offset:
            self._acked = max(self._acked, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        self._polling += 1
        try:
            async with self._changed:
                while True:
                    pending = [u for u in self._updates if u["update_id"] >= max(offset, 1)]
                    if pending or time.monotonic() >= deadline or self._closing:
                        return pending[:limit]
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - time.monotonic()))
        finally:
            self._polling -= 1

    async def _ok(self, p: dict[str, Any]) -> bool:
        return True

    _m_deleteWebhook = _m_setWebhook = _m_logOut = _m_close = _ok
    _m_setChatMenuButton = _m_deleteMyCommands = _m_setMyDescription = _m_setMyShortDescription = _ok

    async def _m_setMyCommands(self, p: dict[str, Any]) -> bool:
        self.commands[p.get("language_code") or ""] = p.get("commands")
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_sendChatAction(self, p: dict[str, Any]) -> bool:
        return True

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        markup = content.pop("reply_markup", None)
        if markup and markup.get("inline_keyboard"):
            content["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        if markup:
            self.markups[(chat_id, message["message_id"])] = markup
        return message

    def _record(self, method: str, message: dict[str, Any], **extra: Any) -> None:
        self.send_times.append(time.monotonic())
        self.sent_log.append(
            Sent(
                chat_id=message["chat"]["id"],
                message_id=message["message_id"],
                method=method,
                text=message.get("text") or message.get("caption"),
                reply_markup=self.markups.get((message["chat"]["id"], message["message_id"])),
                **extra,
            )
        )

    @staticmethod
    def _markup(p: dict[str, Any]) -> dict[str, Any] | None:
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and (markup.get("inline_keyboard") or markup.get("keyboard")):
            return markup
        return None

    async def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = _required_chat(p)
        text = str(p.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        message = self._bot_message(chat_id, text=text, reply_markup=self._markup(p))
        markup = p.get("reply_markup")
        removes = isinstance(markup, dict) and bool(markup.get("remove_keyboard"))
        self._record("sendMessage", message, **({"data": {"remove_keyboard": True}} if removes else {}))
        return message

    async def _media(self, method: str, kind: str, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = _required_chat(p)
        value = p.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get(value[len("attach://") :])
        data, file_id = None, None
        if isinstance(value, tuple):
            data = value[1]
            meta = self.store_file(data, kind)
            file_id = meta["file_id"]
        elif isinstance(value, str):
            file_id = value
            data = self.files.get(value, (None, ""))[0]
            meta = {"file_id": value, "file_unique_id": value[-12:]}
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        content: dict[str, Any] = {kind: [_photo_size(meta, data)] if kind == "photo" else {**meta, "duration": 1} if kind in ("voice", "audio") else meta}
        if kind == "document" and isinstance(value, tuple):
            content[kind]["file_name"] = value[2]
        message = self._bot_message(chat_id, caption=p.get("caption"), reply_markup=self._markup(p), **content)
        self._record(method, message, file=data, file_id=file_id)
        return message

    async def _m_sendVoice(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._media("sendVoice", "voice", p)

    async def _m_sendAudio(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._media("sendAudio", "audio", p)

    async def _m_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._media("sendDocument", "document", p)

    async def _m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._media("sendPhoto", "photo", p)

    async def _m_sendLocation(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = _required_chat(p)
        message = self._bot_message(chat_id, location={"latitude": float(p["latitude"]), "longitude": float(p["longitude"])})
        self._record("sendLocation", message)
        return message

    async def _m_sendContact(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = _required_chat(p)
        message = self._bot_message(chat_id, contact={"phone_number": p.get("phone_number"), "first_name": p.get("first_name")})
        self._record("sendContact", message)
        return message

    async def _m_copyMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = _required_chat(p)
        source = self.messages.get((int(p["from_chat_id"]), int(p["message_id"])))
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {k: v for k, v in source.items() if k not in ("message_id", "date", "chat", "from")}
        message = self._bot_message(chat_id, **content)
        self._record("copyMessage", message)
        return {"message_id": message["message_id"]}

    async def _m_forwardMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        copied = await self._m_copyMessage(p)
        return self.messages[(_required_chat(p), copied["message_id"])]

    def _existing(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (_required_chat(p), int(p.get("message_id") or 0))
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(p)
        message["text"] = str(p.get("text", ""))
        self._set_markup(message, self._markup(p))
        self._record("editMessageText", message)
        return message

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(p)
        self._set_markup(message, self._markup(p))
        self._record("editMessageReplyMarkup", message)
        return message

    def _set_markup(self, message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        key = (message["chat"]["id"], message["message_id"])
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
            self.markups[key] = markup
        else:
            message.pop("reply_markup", None)
            self.markups.pop(key, None)

    async def _m_deleteMessage(self, p: dict[str, Any]) -> bool:
        self.messages.pop((_required_chat(p), int(p.get("message_id") or 0)), None)
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        self.callback_answers.append(dict(p))
        return True

    async def _m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = str(p.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        data, path = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data), "file_path": path}


def _photo_size(meta: dict[str, Any], data: bytes | None) -> dict[str, Any]:
    """A PhotoSize needs its width and height (read from a PNG's header)."""
    width = height = 1
    if data and data.startswith(b"\x89PNG") and len(data) >= 24:
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return {**meta, "width": width, "height": height}
