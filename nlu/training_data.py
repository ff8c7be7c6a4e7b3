"""Reading the Rasa NLU training files (intents, examples, entity annotations) with no
Rasa import: the embedded interpreter trains from the very same files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

# [text](entity) or [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def strip_annotations(example: str) -> str:
    return _ANNOTATION.sub(lambda m: m.group(1), example)


def read_examples(paths: list[Path]) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent")
            if not intent:
                continue
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(strip_annotations(line[2:].strip()), intent))
    return examples


def training_files(rasa_dir: Path) -> list[Path]:
    return sorted((rasa_dir / "data").glob("*.yml"))


def fingerprint(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
