"""Start rendering processes before their jobs exist, so their imports overlap our work.

A process forks at once, imports and warms up its tools (``warmup``), then waits for one
job. The parent meanwhile validates data, draws charts and renders HTML; whatever the
child spent on importing WeasyPrint is already paid when the HTML arrives.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .worker import die_with_parent, limit_memory, receive, run_job

__all__ = ["Prefork"]


def _serve(warmup: Callable[[], None], jobs: Connection, results: Connection,
           memory_mb: int, parent: int) -> None:
    # Ctrl-C reaches the whole process group; the build answers it and stops us, so we
    # must not print a traceback of our own (e.g. from inside WeasyPrint's import).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # Siblings hold our job pipe open, so a dead build never sends EOF: die with it instead.
    die_with_parent(parent)
    limit_memory(memory_mb)
    with contextlib.suppress(Exception):  # the job meets the same problem and reports it
        warmup()
    try:
        message = jobs.recv()
    except (EOFError, OSError):
        return  # the build ended (or died) without a job for us
    if message is None:
        return
    func, job = message
    run_job(func, job, results, memory_mb)


class Prefork:
    """One child process that warms up now and runs one job later."""

    def __init__(self, warmup: Callable[[], None], memory_mb: int) -> None:
        context = multiprocessing.get_context("fork")
        self._jobs_child, self._jobs = context.Pipe(duplex=False)
        self._results, results_child = context.Pipe(duplex=False)
        self.memory_mb = memory_mb
        self.process = context.Process(target=_serve, daemon=True, args=(
            warmup, self._jobs_child, results_child, memory_mb, os.getpid()))
        # SIGINT stays blocked across the fork until the child has chosen to ignore it.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self._jobs_child.close()
        results_child.close()
        self.submitted = 0.0

    def submit(self, func: Callable[[Any], Any], job: Any) -> None:
        """Hand the job to the waiting process."""
        self.submitted = time.monotonic()
        self._jobs.send((func, job))

    def result(self, timeout: float, name: str) -> Any:
        """Wait for the job's result; raise JobFailed if it failed, died or ran late."""
        left = self.submitted + timeout - time.monotonic()
        return receive(self._results, self.process, left, timeout, name)

    def close(self) -> None:
        """Stop the process if it still runs (no job, or the build failed) and reap it."""
        with contextlib.suppress(OSError):
            self._jobs.close()  # a child still waiting for a job sees EOF and exits
        self.process.join(0.05)
        if self.process.is_alive():
            os.kill(self.process.pid or 0, signal.SIGKILL)
        self.process.join()
        self._results.close()
