"""The code is lint-clean and type-checks under mypy --strict, tests and benchmarks included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)


def test_ruff_finds_nothing() -> None:
    run = _run(str(BIN / "ruff"), "check", "reportgen", "tests", "benchmarks")
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_finds_nothing() -> None:
    run = _run(sys.executable, "-m", "mypy")  # files and strictness come from pyproject.toml
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success" in run.stdout
