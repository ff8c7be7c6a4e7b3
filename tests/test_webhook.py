"""`jiayi run` in webhook mode, started as a real process against the local Bot API,
and forged updates posted to its HTTP endpoint: without the secret, with a wrong one,
and with the right one but someone else's chat, a group, or a crafted button. Nothing
may reach the forger, and nothing may change. Also: the settings `jiayi run` refuses."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from actions.db import create_engine, create_sessionmaker, migrate
from actions.models import Provider, Resident
from bot.sandbox.botapi import LocalBotAPI
from tests.conftest import make_resident
from tests.harness import SHARED_NLU_CACHE

SECRET = "s3cret-for-the-webhook-test"
TOKEN = "123456:webhook-test-token"
VICTIM = 7001
FORGER = 6666
GROUP = -100200300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.isupper() or k in ("PATH", "HOME", "TMPDIR", "LANG", "PYTHONPATH")}
    env.update(extra)
    return env


async def _run_jiayi(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", *args, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_a_webhook_without_a_secret_refuses_to_start(tmp_path) -> None:
    env = _env(
        BOT_TOKEN=TOKEN, WEBHOOK_URL="https://example.invalid/base", STATE_DIR=str(tmp_path),
        TELEGRAM_API_BASE="http://127.0.0.1:9", WEBHOOK_PORT=str(_free_port()),
    )  # fmt: skip
    process = await _run_jiayi(env)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 2
    assert b"WEBHOOK_SECRET" in stderr


async def test_the_sandbox_never_runs_against_a_configured_database(tmp_path) -> None:
    production = tmp_path / "production.sqlite3"
    env = _env(DATABASE_URL=f"sqlite:///{production}", STATE_DIR=str(tmp_path / "state"))
    process = await _run_jiayi(env, "--no-chat", "--sandbox-port", str(_free_port()))
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 2 and b"BOT_TOKEN" in stderr
    assert not production.exists()  # not even migrated


def _private(update_id: int, *, chat: int, sender: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "x"},
        "from": {"id": sender, "is_bot": False, "first_name": "x", "language_code": "zh"},
    }  # fmt: skip
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def _wait_for_port(port: int, process: asyncio.subprocess.Process, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            _, err = await process.communicate()
            raise AssertionError(f"jiayi exited: {err.decode()[-2000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.3)
    raise AssertionError("the webhook server did not start")


async def test_forged_updates_reach_nothing_through_the_webhook(tmp_path) -> None:
    from actions.clock import system_clock

    state = Path(tmp_path)
    url = f"sqlite+aiosqlite:///{state / 'jiayi.sqlite3'}"
    await migrate(url)
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        await make_resident(session, VICTIM, system_clock, name="受害人", phone="13911112222")  # type: ignore[arg-type]
    await engine.dispose()

    api = LocalBotAPI(bot_id=123456)
    await api.start()
    port = _free_port()
    web_port = _free_port()
    env = _env(
        BOT_TOKEN=TOKEN, WEBHOOK_URL="https://example.invalid/base", WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port), TELEGRAM_API_BASE=api.base_url,
        STATE_DIR=str(state), NLU_CACHE_DIR=str(SHARED_NLU_CACHE), LOG_LEVEL="WARNING",
        WEB_PORT=str(web_port),
    )  # fmt: skip
    process = await _run_jiayi(env)
    endpoint = f"http://127.0.0.1:{port}/webhook"
    try:
        await _wait_for_port(port, process)
        async with aiohttp.ClientSession() as http:

            async def post(update: dict[str, Any], secret: str | None) -> int:
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
                async with http.post(endpoint, json=update, headers=headers) as response:
                    return response.status

            # No secret, a wrong secret: refused before the bot sees anything.
            assert await post(_private(1, chat=VICTIM, sender=VICTIM, text="/mydata"), None) == 401
            assert await post(_private(2, chat=VICTIM, sender=VICTIM, text="/mydata"), "wrong") == 401
            # The right secret, but the victim's user id in the forger's chat.
            assert await post(_private(3, chat=FORGER, sender=VICTIM, text="/mydata"), SECRET) == 200
            # The victim's id in a group the forger reads.
            group = _private(4, chat=GROUP, sender=VICTIM, text="/mydata")
            group["message"]["chat"] = {"id": GROUP, "type": "group", "title": "g"}
            assert await post(group, SECRET) == 200
            # A crafted button: the victim's settings "export" tapped on a message in
            # the forger's chat.
            tap = {
                "update_id": 5,
                "callback_query": {
                    "id": "forged", "chat_instance": "1", "data": "set:export",
                    "from": {"id": VICTIM, "is_bot": False, "first_name": "x"},
                    "message": {"message_id": 1, "date": int(time.time()), "text": "…",
                                "chat": {"id": FORGER, "type": "private", "first_name": "x"}},
                },
            }  # fmt: skip
            assert await post(tap, SECRET) == 200
            # A channel post and an edited message: not acted on either.
            channel = {"update_id": 6, "channel_post": {"message_id": 9, "date": int(time.time()), "text": "/mydata",
                                                        "chat": {"id": -1009, "type": "channel", "title": "c"}}}  # fmt: skip
            assert await post(channel, SECRET) == 200
            await asyncio.sleep(3)
            assert [s for s in api.sent_log if s.chat_id != VICTIM] == []
            assert api.requests["sendDocument"] == 0

            # The operators' endpoints on the webhook server, and the web pages beside it.
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200 and (await response.json())["checks"]["database"]["status"] == "ok"
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
            assert 'jiayi_updates_total{kind="command"} 2.0' in metrics
            assert "jiayi_outbox_depth" in metrics and "jiayi_telegram_429_total" in metrics
            await _wait_for_port(web_port, process)
            async with http.get(f"http://127.0.0.1:{web_port}/dashboard") as response:
                assert response.status == 200 and str(response.url).endswith("/login")

            # The real thing still works: the victim's own /mydata in their own chat.
            assert await post(_private(7, chat=VICTIM, sender=VICTIM, text="/mydata"), SECRET) == 200
            sent = await api.wait_for(VICTIM, lambda s: s.method == "sendDocument", timeout=30)
            assert b"13911112222" in (sent.file or b"")
            assert [s for s in api.sent_log if s.chat_id != VICTIM] == []
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.communicate(), 20)
        except TimeoutError:
            process.kill()
            await process.communicate()
        await api.stop()
    # A real deployment's first start never loads the demo community.
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(Provider)) == 0
        assert await session.scalar(select(func.count()).select_from(Resident)) == 1
    await engine.dispose()
