"""A warm PDF process: imports WeasyPrint once, then lays out one job after another.

A build starts a fresh process per PDF (``prefork``); a server that rebuilds on every
edit keeps one process instead, so WeasyPrint's import, its fonts and whatever the layout
keeps between jobs of the same key are paid once. The process runs in its own session,
so Ctrl-C in the terminal reaches only the server, which stops it; it dies with the
thread that started it (Linux's parent-death signal) and when its job pipe closes, so it
never outlives the server. Jobs and results travel pickled over two pipes.

Run as ``python -m reportgen.press PARENT_PID MEMORY_MB`` (by ``Press`` only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .worker import JobFailed, die_with_parent, give_back_memory, limit_memory

__all__ = ["Press"]

_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class Press:
    """One warm process for PDF jobs; started on first use, started again after a failure.

    Start it from a thread that lives as long as the press: the process dies with the
    thread that started it.
    """

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self._process: subprocess.Popen[bytes] | None = None
        self._jobs: Connection | None = None
        self._results: Connection | None = None
        self.started = 0  # how many processes were started (1 while none failed)

    @property
    def pid(self) -> int | None:
        """The process id, while the process runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the process now (it imports WeasyPrint while the caller does other work)."""
        if self._process is not None and self._process.poll() is None:
            return
        self.close()
        jobs_read, jobs_write = os.pipe()
        results_read, results_write = os.pipe()
        env = {**os.environ}
        # One malloc arena: the process lays out on one thread, and memory a layout frees
        # goes back to the system (``give_back_memory``) instead of staying in other arenas.
        env.setdefault("MALLOC_ARENA_MAX", "1")
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH", "")) if p)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "reportgen.press", str(os.getpid()),
                 str(self.memory_mb)],
                stdin=jobs_read, stdout=results_write, env=env, start_new_session=True,
                close_fds=True)
        finally:
            os.close(jobs_read)
            os.close(results_write)
        self._jobs = Connection(jobs_write, readable=False)
        self._results = Connection(results_read, writable=False)
        self.started += 1

    def run(self, func: Callable[[Any], Any], job: Any, timeout: float, name: str) -> Any:
        """Run ``func(job)`` in the process; raise JobFailed if it fails, dies or runs late.

        After a failure other than the job's own exception, the next job starts a fresh
        process.
        """
        self.start()
        assert self._jobs is not None and self._results is not None
        try:
            self._jobs.send((func, job))
            if not self._results.poll(timeout):
                self.close()
                raise JobFailed(f"{name}: rendering took longer than {timeout:g} s "
                                "(render_timeout in reportgen.yaml)")
            status, value = self._results.recv()
        except (EOFError, OSError):
            code = self._reap()
            what = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 \
                else f"exit {code}"
            raise JobFailed(f"{name}: the rendering process died ({what})") from None
        if status != "ok":
            raise JobFailed(f"{name}: {value}")
        return value

    def _reap(self) -> int:
        process = self._process
        self.close()
        return process.returncode if process is not None and process.returncode else 0

    def close(self) -> None:
        """Stop the process and wait for it."""
        for end in (self._jobs, self._results):
            if end is not None:
                with contextlib.suppress(OSError):
                    end.close()
        self._jobs = self._results = None
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.wait(timeout=1)  # it sees the closed pipe and leaves
        except subprocess.TimeoutExpired:
            process.kill()  # busy laying out: nothing of it is worth waiting for
            process.wait()


def _serve(parent: int, memory_mb: int) -> None:
    """The process's loop: warm up, then run jobs until the job pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
    limit_memory(memory_mb)
    # Results go out on what was stdout; print() and C libraries now write to stderr.
    results = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    jobs = Connection(os.dup(0), writable=False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    from .pdf import warm_up

    with contextlib.suppress(Exception):  # a job meets the same problem and reports it
        warm_up(False)
    while True:
        try:
            func, job = jobs.recv()
        except (EOFError, OSError):
            return
        spent = False
        try:
            outcome: tuple[str, Any] = ("ok", func(job))
        except MemoryError:
            outcome = ("error", f"ran out of memory (limit {memory_mb} MiB: memory_limit_mb)")
            spent = True  # what it kept may be half built: the next job gets a fresh process
        except Exception as exc:
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        try:
            results.send(outcome)
        except (OSError, ValueError):
            return
        if spent:
            return
        give_back_memory()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
