"""Show a build's stages and their timings on a terminal; stay silent anywhere else."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Progress", "Step"]

_LOG = logging.getLogger("reportgen.steps")


@dataclass
class Step:
    """A stage under way; set ``detail`` to say what it did."""

    name: str
    detail: str = ""


class Progress:
    """Print one line per finished stage to stderr, only when it is a terminal."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and _is_tty(self.stream)
        self.started = time.perf_counter()
        self._open: dict[str, float] = {}

    def start(self, stage: str) -> None:
        """Note that ``stage`` began (and say so, so a long stage is not silent)."""
        self._open[stage] = time.perf_counter()
        self._write(f"  {stage} …", end="\r")

    def done(self, stage: str, detail: str = "") -> None:
        """Print ``stage`` with its own time and the time since the build began."""
        now = time.perf_counter()
        took = now - self._open.pop(stage, now)
        extra = f" ({detail})" if detail else ""
        _LOG.debug("%s%s: %.2f s", stage, extra, took)
        self._write(f"  {stage}{extra}: {took:.2f} s  [{now - self.started:.1f} s]", end="\n")

    @contextlib.contextmanager
    def step(self, stage: str) -> Iterator[Step]:
        """Time the block as ``stage``; it is shown only if the block succeeds."""
        self.start(stage)
        current = Step(stage)
        try:
            yield current
        except BaseException:
            self._open.pop(stage, None)
            self._write("", end="")
            raise
        self.done(stage, current.detail)

    def _write(self, text: str, end: str) -> None:
        if self.enabled:
            # \x1b[K clears what a longer "…" line left behind.
            self.stream.write(f"\r{text}\x1b[K{end}")
            self.stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
