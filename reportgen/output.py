"""Write outputs so that a failed or killed build never damages the last good ones.

A build that writes holds an exclusive lock on ``out/.reportgen.lock`` (``flock``: it works
between processes that cannot see each other's PIDs, e.g. containers sharing a volume).
Every file is first written to a temporary file created exclusively under a random name;
the set is moved into place only when every file is ready, after every target was checked,
and a failed move puts back what was already moved.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
import struct
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .problems import Mark, Problem, ReportError

__all__ = ["LOCK_NAME", "TEMP_PREFIX", "check_targets", "clean_stale", "commit", "discard",
           "locked", "new_temp", "prepare_out", "write_bytes"]

TEMP_PREFIX = ".reportgen-"
LOCK_NAME = ".reportgen.lock"
_FS_IOC_GETFLAGS = 0x80086601
_UNCHANGEABLE = 0x00000010 | 0x00000020  # FS_IMMUTABLE_FL | FS_APPEND_FL
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _problem(where: str, message: str, hint: str = "") -> ReportError:
    return ReportError(Problem(Mark(where), message, hint))


def prepare_out(out: Path, display: str) -> None:
    """Create ``out`` if needed and prove it is writable, before any work is done."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=TEMP_PREFIX, suffix=".probe"):
            pass
    except OSError as exc:
        raise _problem(display, f"cannot write to the output folder: {exc.strerror or exc}",
                       "choose another folder with --out, or make it writable") from None


@contextlib.contextmanager
def locked(out: Path, display: str) -> Iterator[None]:
    """Hold the output folder's lock: one writing build per folder at a time."""
    try:
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
    except OSError as exc:
        raise _problem(display, f"cannot open the output folder's lock {LOCK_NAME}: "
                       f"{exc.strerror or exc}", f"remove {out / LOCK_NAME} if it is not a "
                       "regular file") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _problem(display, "another build is writing to this output folder",
                           "wait for it to finish, or build into another folder with "
                           "--out") from None
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def clean_stale(out: Path) -> list[Path]:
    """Remove temporary files left by builds that were killed (call with the lock held).

    Only files are removed: a folder that happens to share the prefix is left alone.
    """
    removed = []
    for path in out.glob(TEMP_PREFIX + "*"):
        try:
            if stat.S_ISDIR(path.lstat().st_mode):
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def new_temp(final: Path) -> Path:
    """Create an empty temporary file beside ``final``, exclusively, under a random name."""
    try:
        fd, name = tempfile.mkstemp(dir=final.parent, prefix=TEMP_PREFIX,
                                    suffix=f"-{final.name}.tmp")
    except OSError as exc:
        raise _problem(final.name, f"cannot write the file: {exc.strerror or exc}",
                       "is the disk full, or the output folder read-only?") from None
    try:
        # mkstemp makes the file private (0600); an output gets the usual permissions.
        os.fchmod(fd, 0o666 & ~_umask())
    finally:
        os.close(fd)
    return Path(name)


def _umask() -> int:
    """Return the process umask without changing it (Linux reports it in /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(tmp: Path, data: bytes, name: str) -> None:
    """Write ``data`` to the temporary file ``tmp`` (made by new_temp) and flush it."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC | _NOFOLLOW | _CLOEXEC)
        with open(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _problem(name, f"cannot write the file: {exc.strerror or exc}",
                       "is the disk full, or the output folder read-only?") from None


def _unchangeable(path: Path) -> bool:
    """Return whether ``path`` is marked immutable or append-only (chattr +i / +a)."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        flags = fcntl.ioctl(fd, _FS_IOC_GETFLAGS, struct.pack("l", 0))
        return bool(struct.unpack("l", flags)[0] & _UNCHANGEABLE)
    except OSError:
        return False  # the file system keeps no such flags
    finally:
        os.close(fd)


def check_targets(finals: Iterable[Path], display: str) -> list[Problem]:
    """Return a problem for each target that a move could not replace."""
    problems = []
    for final in finals:
        try:
            info = final.lstat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(Problem(Mark(final.name), f"cannot check {display}/{final.name}: "
                                    f"{exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(info.st_mode):
            problems.append(Problem(Mark(final.name), f"{display}/{final.name} is a folder, so "
                                    "the output cannot be written there", "move or remove it"))
        elif not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
            problems.append(Problem(Mark(final.name), f"{display}/{final.name} is not a regular "
                                    "file", "move or remove it"))
        elif stat.S_ISREG(info.st_mode) and _unchangeable(final):
            problems.append(Problem(Mark(final.name), f"{display}/{final.name} is marked "
                                    "immutable or append-only", "clear it with chattr -i -a, "
                                    "or build into another folder with --out"))
    return problems


def _backup(final: Path) -> Path | None:
    """Keep the current ``final`` under a temporary name (a hard link), to roll back to."""
    backup = final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}-{final.name}.old")
    try:
        os.link(final, backup, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # no hard links here: this one file cannot be rolled back
    return backup


def commit(pairs: Sequence[tuple[Path, Path]], display: str = "out") -> None:
    """Move every finished temporary file over its final name: all of them, or none.

    Every target is checked first; if a move still fails, the files already moved are
    put back (each move is atomic), and the problem names the file.
    """
    pairs = list(pairs)
    problems = check_targets([final for _, final in pairs], display)
    if problems:
        discard(tmp for tmp, _ in pairs)
        raise ReportError(problems)
    done: list[tuple[Path, Path | None, bool]] = []  # (final, backup, existed)
    try:
        for tmp, final in pairs:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            existed = os.path.lexists(final)
            backup = _backup(final) if existed else None
            try:
                os.replace(tmp, final)
            except OSError as exc:
                discard([backup])
                left = _rollback(done)
                hint = ("the previous outputs are back in place" if not left else
                        "could not put back the previous " + ", ".join(left))
                raise _problem(final.name, f"cannot replace {display}/{final.name}: "
                               f"{exc.strerror or exc}", hint) from None
            done.append((final, backup, existed))
    finally:
        discard(tmp for tmp, _ in pairs)  # nothing is left behind, moved or not
    discard(backup for _, backup, _ in done)
    if pairs:
        _sync_folder(pairs[0][1].parent)


def _sync_folder(folder: Path) -> None:
    """Flush the folder, so the renames themselves reach the disk."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _rollback(done: list[tuple[Path, Path | None, bool]]) -> list[str]:
    """Put back the outputs moved so far; return the names that could not be put back."""
    left = []
    for final, backup, existed in reversed(done):
        try:
            if backup is not None:
                os.replace(backup, final)
            elif not existed:
                final.unlink()
            else:
                left.append(final.name)
        except OSError:
            left.append(final.name)
    return left


def discard(paths: Iterable[Path | None]) -> None:
    """Remove temporary files of a build that failed."""
    for path in paths:
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
