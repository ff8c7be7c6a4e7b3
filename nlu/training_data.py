"""Reading the Rasa NLU training files (intents, examples, entity annotations) with no
Rasa import: the embedded interpreter trains from the very same files."""

from __future__ import annotations

import hashlib
import json
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
    # (entity, value) pairs annotated in the example, e.g. ("service", "bp_check").
    entities: tuple[tuple[str, str], ...] = ()

    def entity(self, name: str) -> str | None:
        return next((value for entity, value in self.entities if entity == name), None)


def strip_annotations(example: str) -> str:
    return _ANNOTATION.sub(lambda m: m.group(1), example)


def annotations(example: str) -> tuple[tuple[str, str], ...]:
    found = []
    for match in _ANNOTATION.finditer(example):
        words, spec = match.group(1), match.group(2)
        if spec.startswith("("):
            found.append((spec[1:-1], words))
            continue
        try:
            meta = json.loads(spec)
        except ValueError:
            continue
        if isinstance(meta, dict) and meta.get("entity"):
            found.append((str(meta["entity"]), str(meta.get("value", words))))
    return tuple(found)


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
                    raw = line[2:].strip()
                    examples.append(Example(strip_annotations(raw), intent, annotations(raw)))
    return examples


def training_files(rasa_dir: Path) -> list[Path]:
    return sorted((rasa_dir / "data").glob("*.yml"))


def fingerprint(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
