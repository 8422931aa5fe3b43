"""Run rendering jobs in child processes, with a memory limit and a timeout."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

__all__ = ["JobFailed", "die_with_parent", "run_parallel"]

_PR_SET_PDEATHSIG = 1
T = TypeVar("T")
R = TypeVar("R")


class JobFailed(Exception):
    """A child process crashed, ran out of time or memory, or raised."""


@dataclass
class _Running(Generic[T]):
    job: T
    process: multiprocessing.process.BaseProcess
    conn: Connection


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the build that started it dies (e.g. SIGKILL)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: an orphan runs until its own work ends
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _child(func: Callable[[Any], Any], job: Any, conn: Connection, memory_mb: int,
           parent: int) -> None:
    die_with_parent(parent)
    # The limit keeps a runaway layout from taking the machine down with it.
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", func(job)))
    except MemoryError:
        conn.send(("error", f"ran out of memory (limit {memory_mb} MiB: memory_limit_mb)"))
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_parallel(func: Callable[[T], R], jobs: Sequence[T], *, timeout: float,
                 memory_mb: int, names: Sequence[str]) -> list[R]:
    """Run ``func(job)`` for every job, each in its own process; raise JobFailed on failure."""
    context = multiprocessing.get_context("fork")
    running: list[_Running[T]] = []
    try:
        for job in jobs:
            parent, child = context.Pipe(duplex=False)
            process = context.Process(target=_child,
                                      args=(func, job, child, memory_mb, os.getpid()),
                                      daemon=True)
            process.start()
            child.close()
            running.append(_Running(job, process, parent))
        deadline = time.monotonic() + timeout
        return [_collect(r, deadline, timeout, name) for r, name in zip(running, names, strict=True)]
    finally:
        for r in running:
            if r.process.is_alive():
                os.kill(r.process.pid or 0, signal.SIGKILL)
            r.process.join()
            r.conn.close()


def _collect(r: _Running[Any], deadline: float, timeout: float, name: str) -> Any:
    if not r.conn.poll(max(0.0, deadline - time.monotonic())) and r.process.is_alive():
        raise JobFailed(f"{name}: rendering took longer than {timeout:g} s "
                            "(render_timeout in reportgen.yaml)")
    try:
        status, value = r.conn.recv()
    except (EOFError, OSError):
        r.process.join()
        code = r.process.exitcode or 0
        what = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 else f"exit {code}"
        raise JobFailed(f"{name}: the rendering process died ({what}); previous outputs "
                        "are untouched") from None
    if status != "ok":
        raise JobFailed(f"{name}: {value}")
    return value
