"""The preview's PDFs: the newest job of each edition, laid out in one warm process.

``PdfQueue`` keeps at most one waiting job per edition (a newer one replaces it), hands
them to a warm PDF process (``press.Press``) one at a time, the edition being viewed
first, and publishes each PDF in the preview folder by a rename once it is whole. A job
that fails leaves the last good PDF in place, with its problems beside it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .output import discard, new_temp, write_bytes
from .problems import Mark, Problem

if TYPE_CHECKING:
    from .pdf import PdfJob, PdfResult
    from .serve import PdfState, Preview

__all__ = ["PdfQueue", "problem_lines", "write_file"]


def write_file(folder: Path, name: str, data: bytes) -> None:
    """Replace ``folder/name`` with ``data`` in one rename: never a half-written file."""
    tmp = new_temp(folder / name)
    try:
        write_bytes(tmp, data, name)
        os.replace(tmp, folder / name)
    except BaseException:
        discard([tmp])
        raise


class PdfQueue:
    """Lay out the newest job of each edition in a warm process, one at a time."""

    def __init__(self, preview: Preview, say: Callable[[str], None], memory_mb: int) -> None:
        self.preview = preview
        self.say = say
        self.memory_mb = memory_mb  # of the process started at once, to warm up
        self._cond = threading.Condition()
        self._jobs: dict[str, tuple[int, PdfJob, Path, float, int]] = {}
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="pdf", daemon=True)
        self._thread.start()

    def submit(self, name: str, generation: int, job: PdfJob, final: Path, timeout: float,
               memory_mb: int) -> None:
        """Queue ``job`` (it writes ``job.target``, which then becomes ``final``)."""
        with self._cond:
            old = self._jobs.pop(name, None)
            if old is not None:
                discard([old[1].target])
            self._jobs[name] = (generation, job, final, timeout, memory_mb)
            self._cond.notify_all()
        self.preview.pdf(name, lambda p: setattr(p, "queued", generation))

    def _next(self) -> tuple[str, tuple[int, PdfJob, Path, float, int]] | None:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._jobs) or self._closing)
            if self._closing:
                return None
            viewed = self.preview.editions.get(self.preview.viewed, ("", ""))[1]
            name = viewed if viewed in self._jobs else next(iter(self._jobs))
            return name, self._jobs.pop(name)

    def _run(self) -> None:
        from .press import Press
        from .worker import JobFailed

        # Started at once: WeasyPrint's import overlaps the first HTML build.
        press = Press(self.memory_mb)
        try:
            press.start()
            while (task := self._next()) is not None:
                name, (generation, job, final, timeout, memory_mb) = task
                if press.memory_mb != memory_mb:
                    press.close()
                    press = Press(memory_mb)
                self.preview.pdf(name, lambda p: setattr(p, "busy", True))
                started = time.perf_counter()
                try:
                    result = press.run(_write_pdf, job, timeout, name)
                except JobFailed as exc:
                    discard([job.target])
                    self._failed(name, generation, [str(exc).partition(": ")[2]])
                    continue
                self._done(name, generation, job, final, result, time.perf_counter() - started)
        finally:
            press.close()

    def _done(self, name: str, generation: int, job: PdfJob, final: Path, result: PdfResult,
              seconds: float) -> None:
        if result.errors:
            discard([job.target])
            self._failed(name, generation, result.errors)
            return
        try:
            os.replace(job.target, final)
        except OSError as exc:
            discard([job.target])
            self._failed(name, generation, [f"cannot write the preview: {exc.strerror or exc}"])
            return

        notes = [f"page {f.page}: {f.kind}: {f.text}" for f in result.findings] \
            + [f"WeasyPrint: {w}" for w in result.warnings]

        def update(p: PdfState) -> None:
            p.generation, p.pages, p.busy, p.problems = generation, result.pages, False, []
            p.stamp, p.seconds, p.notes = p.stamp + 1, seconds, notes
        self.preview.pdf(name, update)
        self.say("\n".join([f"laid out {name}: {result.pages} pages in {seconds:.1f} s",
                            *(f"  {name}: {note}" for note in notes)]))

    def _failed(self, name: str, generation: int, errors: list[str]) -> None:
        problems = [str(Problem(Mark(name), e)) for e in errors]

        def update(p: PdfState) -> None:
            p.busy, p.problems = False, problems
        self.preview.pdf(name, update)
        self.say(problem_lines(problems, f"{name} was not laid out"))

    def close(self) -> None:
        with self._cond:
            self._closing = True
            for _, job, _, _, _ in self._jobs.values():
                discard([job.target])
            self._jobs.clear()
            self._cond.notify_all()
        self._thread.join(timeout=5)


def _write_pdf(job: PdfJob) -> PdfResult:
    from .pdf import write_pdf

    return write_pdf(job)


def problem_lines(problems: list[str], outcome: str) -> str:
    count = len(problems)
    return "\n".join([f"error: {count} problem{'s' if count != 1 else ''} found; {outcome}",
                      *(f"  {p}" for p in problems)])
