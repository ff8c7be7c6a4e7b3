"""`jiayi run` without a token, as a person starts it: the start-up says what it does
and hands over the chat while the understanding model loads, the terminal shows the
conversation and no log lines (those go to STATE_DIR/jiayi.log), and Ctrl-C leaves at
once, cleanly, even while a read of the terminal is waiting. Speech workers leave
nothing behind when the process ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from tests.harness import SHARED_NLU_CACHE

ROOT = Path(__file__).resolve().parent.parent


class Screen:
    """What the process printed, read by a thread as it comes."""

    def __init__(self, stream: IO[str]) -> None:
        self.text = ""
        self._lock = threading.Lock()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for chunk in iter(lambda: stream.read(1), ""):
            with self._lock:
                self.text += chunk

    def wait_for(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.text:
            if time.monotonic() > deadline:
                raise AssertionError(f"{marker!r} did not appear in {timeout} s:\n{self.text}")
            time.sleep(0.05)
        return self.text


def test_sandbox_starts_in_seconds_shows_the_chat_and_leaves_at_ctrl_c(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "WEBHOOK_URL", "REDIS_URL")}
    env.update(STATE_DIR=str(tmp_path), NLU_CACHE_DIR=str(SHARED_NLU_CACHE), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--sandbox-port", "0"],
        cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As at a terminal: Ctrl-C is not ignored (a test runner started in the
        # background may pass SIGINT on as ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        started = time.monotonic()
        assert process.stdout is not None
        output = Screen(process.stdout)
        screen = output.wait_for("Type /start to begin", timeout=60)
        startup = time.monotonic() - started
        assert "Jiayi sandbox — starting" in screen and "· database with the demo community" in screen
        assert f"· log: {tmp_path / 'jiayi.log'}" in screen
        assert "ready in" in screen
        assert process.stdin is not None
        process.stdin.write("/start\n")
        process.stdin.flush()
        screen = output.wait_for("请选择语言", timeout=120)
        # The conversation, not library logs.
        assert " INFO " not in screen and "alembic" not in screen and "apscheduler" not in screen
        assert "Running upgrade" in (tmp_path / "jiayi.log").read_text(encoding="utf-8")
        # Ctrl-C while the chat waits for the next line.
        pressed = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        left_after = time.monotonic() - pressed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    output.wait_for("bye", timeout=5)
    rest = output.text
    errors = process.stderr.read()
    assert code == 130 and "bye / 再见" in rest
    assert "Traceback" not in errors and "leaked" not in errors, errors
    # A deadline, not a speed claim: a busy machine may take a few seconds to stop the
    # speech worker; a hang would take the full `wait` above.
    assert left_after < 15, f"Ctrl-C took {left_after:.1f} s"
    print(f"start-up to the chat: {startup:.1f} s; Ctrl-C to exit: {left_after:.2f} s")


SPEECH_EXIT = """
import asyncio, sys
from actions.config import load_settings
from nlu.speech import SpeechService

async def main():
    speech = SpeechService(load_settings(_env_file=None, state_dir=sys.argv[1]))
    await speech.warm_up()
    data = open(sys.argv[2], "rb").read()
    print((await speech.transcribe(data, "zh")).text)
    speech.close()

asyncio.run(main())
"""


def test_speech_workers_leave_nothing_behind_at_exit(tmp_path) -> None:
    """A worker killed at exit left a semaphore for the resource tracker to clean up
    (and a warning on the terminal); now idle workers are asked to exit."""
    sample = ROOT / "tests" / "fixtures" / "voice" / "zh_001.ogg"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    result = subprocess.run(
        [sys.executable, "-c", SPEECH_EXIT, str(tmp_path / "state"), str(sample)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "nothing was transcribed"
    assert "leaked" not in result.stderr, result.stderr
    # Nothing left in the temporary directory but caches kept on purpose.
    left = sorted(p.name for p in scratch.iterdir() if p.is_dir())
    assert left == [], left
