"""Contain a rendering job in a child process: memory limit, death with the build, reports."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by whoever starts processes; reading data does not need them
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = ["JobFailed", "bounded_memory", "die_with_parent", "gc_paused", "give_back_memory",
           "limit_memory", "receive", "run_job"]

_PR_SET_PDEATHSIG = 1


class JobFailed(Exception):
    """A child process crashed, ran out of time or memory, or raised."""


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when the build that started it dies (e.g. SIGKILL)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: an orphan runs until its own work ends
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _address_space() -> int:
    """Return this process's current address-space size in bytes (0 if unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a job that makes millions of acyclic objects.

    Reading a big data file, or laying out and writing a PDF, makes millions of tuples,
    lists, dicts and boxes, nearly none in a cycle: refcounts free them. Each of the
    collector's passes still walks every object made so far; they took more time than
    parsing a large data file, and about 15 % of a briefing's layout, while pausing the
    collector leaves a layout's peak memory as it was (203 vs 206 MB for the zh briefing).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def give_back_memory() -> None:
    """Return the memory this process freed to the system; for processes that live long.

    A layout or a render frees many small objects that glibc's allocator keeps for reuse;
    ``malloc_trim`` hands the free pages back, so a warm process's resident memory is what
    it holds, not what its largest job once needed.
    """
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).malloc_trim(0)


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space, so a runaway layout cannot take the machine down.

    The cap never exceeds the hard limit the process was given (raising it is not ours
    to do).
    """
    if memory_mb <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OverflowError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# Validation and rendering need room beyond what the process holds when the build starts,
# even under a small memory_limit_mb meant for layout.
_MAIN_FLOOR = 512 * 1024 * 1024


@contextlib.contextmanager
def bounded_memory(memory_mb: int) -> Iterator[int]:
    """Bound this (the main) process's address space for the block, then lift the bound.

    The bound is ``memory_mb``, but at least 512 MiB above what the process uses now; it
    lowers only the soft limit, so it can be lifted again. Yields the bound in MiB.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mib = 1024 * 1024
    limit = -(-max(memory_mb * mib, _address_space() + _MAIN_FLOOR) // mib) * mib  # whole MiB
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OverflowError, OSError):
        yield 0
        return
    try:
        yield limit // mib
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_job(func: Callable[[Any], Any], job: Any, results: Connection, memory_mb: int) -> None:
    """Run ``func(job)`` and send ("ok", value) or ("error", message) to the parent."""
    try:
        outcome: tuple[str, Any] = ("ok", func(job))
    except MemoryError:
        outcome = ("error", f"ran out of memory (limit {memory_mb} MiB: memory_limit_mb)")
    except BaseException as exc:
        outcome = ("error", f"{type(exc).__name__}: {exc}")
    try:
        results.send(outcome)
    except (OSError, ValueError):
        pass  # the build is gone (or stopped listening): nobody to tell
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
