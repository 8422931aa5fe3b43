"""Contain a rendering job in a child process: memory limit, death with the build, reports."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["JobFailed", "die_with_parent", "limit_memory", "receive", "run_job"]

_PR_SET_PDEATHSIG = 1


class JobFailed(Exception):
    """A child process crashed, ran out of time or memory, or raised."""


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the build that started it dies (e.g. SIGKILL)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: an orphan runs until its own work ends
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space, so a runaway layout cannot take the machine down."""
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_job(func: Callable[[Any], Any], job: Any, results: Connection, memory_mb: int) -> None:
    """Run ``func(job)`` and send ("ok", value) or ("error", message) to the parent."""
    try:
        results.send(("ok", func(job)))
    except MemoryError:
        results.send(("error", f"ran out of memory (limit {memory_mb} MiB: memory_limit_mb)"))
    except BaseException as exc:
        results.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        results.close()


def receive(results: Connection, process: BaseProcess, wait: float, timeout: float,
            name: str) -> Any:
    """Wait up to ``wait`` seconds for a job's result; raise JobFailed on any failure."""
    if not results.poll(max(0.0, wait)) and process.is_alive():
        raise JobFailed(f"{name}: rendering took longer than {timeout:g} s "
                        "(render_timeout in reportgen.yaml)")
    try:
        status, value = results.recv()
    except (EOFError, OSError):
        process.join()
        code = process.exitcode or 0
        what = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 else f"exit {code}"
        raise JobFailed(f"{name}: the rendering process died ({what}); previous outputs "
                        "are untouched") from None
    if status != "ok":
        raise JobFailed(f"{name}: {value}")
    return value
