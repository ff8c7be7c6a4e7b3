"""The house layout: imports point down the pipeline (bot/ over nlu/ and scheduler/,
over actions/), as the import-linter contracts in pyproject.toml say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 kept, 0 broken" in result.stdout


def test_the_contracts_see_a_backward_import(tmp_path: Path) -> None:
    """The contract is not vacuous: an import from the domain up into bot/ breaks it."""
    for package in ("bot", "nlu", "actions", "scheduler"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "actions" / "leak.py").write_text("import bot\n")
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = config.index("[tool.importlinter]")
    end = config.index("[tool.ruff]")
    (tmp_path / "pyproject.toml").write_text(config[start:end], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, '.'); from importlinter.cli import lint_imports; sys.exit(lint_imports())"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "actions.leak -> bot" in result.stdout
