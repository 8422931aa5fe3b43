"""Shared fixtures: throw-away copies of projects, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@dataclass
class Run:
    """The outcome of one CLI run."""

    code: int
    out: str
    err: str


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> Run:
    """Run ``python -m reportgen`` in a fresh process, as a user would."""
    proc = subprocess.run([sys.executable, "-m", "reportgen", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=timeout,
                          check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """Return a fresh copy of the small fixture project."""
    dest = tmp_path / "mini"
    shutil.copytree(MINI, dest)
    return dest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the mini project once per test module; cases start from copies of it."""
    dest = tmp_path_factory.mktemp("good") / "mini"
    shutil.copytree(MINI, dest)
    run = run_cli("build", "--project", dest)
    assert run.code == 0, run.err
    return dest


@pytest.fixture
def cli() -> Callable[..., Run]:
    """Return the CLI runner."""
    return run_cli


def pdftotext(path: Path) -> str:
    """Return the text of a PDF, laid out as poppler reads it."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def copy_briefing(dest: Path) -> Path:
    """Copy the shipped briefing's project (configuration, data, seeds, templates) to
    ``dest``; return it."""
    dest.mkdir(parents=True)
    for name in ("data", "seeds", "templates"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "reportgen.yaml", dest / "reportgen.yaml")
    return dest


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file below ``folder`` with its bytes, to prove nothing changed."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


@pytest.fixture(scope="session")
def briefing_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """Build the shipped briefing once; return its out folder and the CLI run (for stderr)."""
    out = tmp_path_factory.mktemp("briefing-out")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01, fixed for tests
    run = run_cli("build", "--project", ROOT, "--out", out, env=env)
    assert run.code == 0, run.err
    return out, run


@pytest.fixture(scope="session")
def briefing(briefing_build: tuple[Path, Run]) -> Path:
    """Build the shipped briefing (both editions, PDF and HTML) once; return its out folder."""
    return briefing_build[0]
