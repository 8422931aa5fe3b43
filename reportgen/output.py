"""Write outputs so that a failed or killed build never damages the last good ones."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .problems import Mark, Problem, ReportError

__all__ = ["TEMP_PREFIX", "clean_stale", "commit", "discard", "prepare_out", "temp_for", "write_bytes"]

TEMP_PREFIX = ".reportgen-"


def prepare_out(out: Path, display: str) -> None:
    """Create ``out`` if needed and prove it is writable, before any work is done."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=TEMP_PREFIX, suffix=".probe"):
            pass
    except OSError as exc:
        raise ReportError(Problem(Mark(display), f"cannot write to the output folder: "
                                  f"{exc.strerror or exc}",
                                  "choose another folder with --out, or make it writable")) from None


def clean_stale(out: Path) -> list[Path]:
    """Remove temporary files left by builds that were killed."""
    removed = []
    for path in out.glob(TEMP_PREFIX + "*"):
        pid = _pid_of(path)
        if pid is None or pid == os.getpid() or not _alive(pid):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def temp_for(final: Path) -> Path:
    """Return a temporary path beside ``final``, named so clean_stale can find it."""
    return final.with_name(f"{TEMP_PREFIX}{os.getpid()}-{final.name}.tmp")


def write_bytes(tmp: Path, data: bytes) -> None:
    """Write ``data`` to the temporary file ``tmp`` and flush it to disk."""
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(Problem(Mark(tmp.name.split("-", 2)[-1].removesuffix(".tmp")),
                                  f"cannot write the file: {exc.strerror or exc}",
                                  "is the disk full, or the output folder read-only?")) from None


def commit(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Move each finished temporary file over its final name (atomic per file)."""
    for tmp, final in pairs:
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)


def discard(paths: Iterable[Path]) -> None:
    """Remove temporary files of a build that failed."""
    for path in paths:
        path.unlink(missing_ok=True)


def _pid_of(path: Path) -> int | None:
    head = path.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
