"""Read project files safely: inside their own folder, regular files only, bounded in size.

Every read of a project file goes through here — data files, tables, seeds, templates and
assets, the configuration, and the input hashing that decides whether to rebuild. A file
is read only when its real path (links resolved) lies inside its own folder, and only when
it is a regular file: a link to ``~/secret`` or ``/``, a named pipe, a device such as
``/dev/zero``, a socket or a folder is refused with a located message naming the file and
what it is, before a single byte is read. Files are opened non-blocking and without
following a link in the last step, so nothing can make a read hang. Each kind of file has
a size limit, and all inputs together have one (:data:`MAX_TOTAL_BYTES`).

Nothing here imports Jinja, WeasyPrint or matplotlib: the no-change check uses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .problems import Mark, Problem, ReportError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SEED_BYTES",
    "MAX_TABLE_BYTES",
    "MAX_TEMPLATE_BYTES",
    "MAX_TOTAL_BYTES",
    "MAX_YAML_BYTES",
    "InputFile",
    "display_path",
    "hash_input",
    "read_bytes",
    "read_text",
    "recording",
    "survey",
]

_MIB = 1024 * 1024
MAX_YAML_BYTES = 2 * _MIB  # one YAML data, schema, strings or configuration file
MAX_TABLE_BYTES = 16 * _MIB  # one CSV table of data/
MAX_SEED_BYTES = 4 * _MIB  # one source text of seeds/
MAX_TEMPLATE_BYTES = 4 * _MIB  # one template, stylesheet or asset read as text
MAX_FILE_BYTES = 64 * _MIB  # any other file of data/, seeds/ or templates/ (images, fonts)
MAX_TOTAL_BYTES = 256 * _MIB  # data/, seeds/ and templates/ together

_SKIP_DIRS = {"__pycache__", "node_modules"}
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1024 * 1024


def _refused(display: str, reason: str, hint: str) -> ReportError:
    return ReportError(Problem(Mark(display), f"cannot read the file: {reason}", hint))


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _inside(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


def _check(path: Path, folder: Path, display: str) -> tuple[str, os.stat_result]:
    """Resolve ``path``; refuse it unless it is a regular file inside ``folder``."""
    real = os.path.realpath(path)
    base = os.path.realpath(folder)
    linked = real != os.path.abspath(path)
    if not _inside(real, base):
        where = folder.name or str(folder)
        raise _refused(display, f"it links to {real}, outside the {where} folder",
                       "inputs are read only from inside their own folder; copy the file in "
                       "instead of linking to it")
    try:
        info = os.stat(real)
    except OSError as error:
        raise _refused(display, error.strerror or str(error),
                       "check that the path exists, is a file and is readable") from None
    if not stat.S_ISREG(info.st_mode):
        target = f" ({real})" if linked else ""
        raise _refused(display, f"it is {_kind(info.st_mode)}{target}, not a regular file",
                       "only regular files are read; replace it by a copy of the file")
    return real, info


def _too_big(display: str, size: int, limit: int) -> ReportError:
    return ReportError(Problem(Mark(display), f"file is {size:,} bytes, over the limit of "
                               f"{limit:,} bytes", "split it into several files, or shorten it"))


def _open(path: Path, folder: Path, display: str) -> tuple[int, int]:
    """Open a checked file; return its descriptor and size."""
    real, info = _check(path, folder, display)
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as error:
        raise _refused(display, error.strerror or str(error),
                       "check that the file is readable") from None
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
            info.st_dev, info.st_ino):
        os.close(fd)
        raise _refused(display, "it changed while being opened", "run the build again")
    return fd, opened.st_size


_RECORDS: list[dict[Path, bytes]] = []  # open ``recording`` blocks


@contextlib.contextmanager
def recording() -> Iterator[dict[Path, bytes]]:
    """Record what every ``read_bytes`` inside the block read: absolute path -> bytes.

    A warm session learns from it what a build read, not what the file held before or
    after (an edit undone while the build read it).
    """
    reads: dict[Path, bytes] = {}
    _RECORDS.append(reads)
    try:
        yield reads
    finally:
        _RECORDS.remove(reads)


def read_bytes(path: Path, folder: Path, display: str, max_bytes: int) -> bytes:
    """Return the bytes of the regular file ``path``, which must lie inside ``folder``.

    Raise ReportError (located at ``display``) for a link leading outside ``folder``, for
    anything but a regular file, and for a file over ``max_bytes``.
    """
    fd, size = _open(path, folder, display)
    try:
        if size > max_bytes:
            raise _too_big(display, size, max_bytes)
        chunks: list[bytes] = []
        total = 0
        # Never read more than one byte past the limit, whatever the size claims to be.
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise _refused(display, error.strerror or str(error), "check the file") from None
    finally:
        os.close(fd)
    if total > max_bytes:
        raise _too_big(display, total, max_bytes)
    data = b"".join(chunks)
    for reads in _RECORDS:
        reads[Path(path).absolute()] = data
    return data


def read_text(path: Path, folder: Path, display: str, max_bytes: int) -> str:
    """Return the file as UTF-8 text, read like :func:`read_bytes`; bad bytes are located."""
    data = read_bytes(path, folder, display, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        raise ReportError(Problem(Mark(display, line, column),
                                  f"invalid UTF-8: byte 0x{data[error.start]:02X} cannot "
                                  "appear here", "save the file as UTF-8")) from None


def display_path(path: Path, root: Path) -> str:
    """Return ``path`` as messages name it: relative to the project when inside it."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class InputFile:
    """One file of an input folder as found by :func:`survey`.

    ``size`` is -1 for an entry that is not read here (a link leading out of its folder,
    a pipe, a device): ``note`` then says what it is, and the reader that needs it refuses
    it with a located message.
    """

    path: Path
    folder: Path
    display: str
    size: int
    note: str = ""


def _entries(folder: Path) -> Iterator[Path]:
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(names + dirs):
            if not name.startswith("."):
                yield Path(top) / name


def survey(root: Path, folders: Mapping[str, Path]) -> list[InputFile]:
    """List every file of the input folders (sorted), checking sizes before any read.

    Raise ReportError when a file is over :data:`MAX_FILE_BYTES`, all of them together
    are over :data:`MAX_TOTAL_BYTES`, or a folder of the project is a link leading out of
    it. Links leading outside a folder and special files are listed with a note, never
    opened: whoever needs them refuses them.
    """
    found: list[InputFile] = []
    problems: list[Problem] = []
    totals: dict[str, int] = {}
    project = os.path.realpath(root)
    for name, folder in folders.items():
        base = os.path.realpath(folder)
        if os.path.islink(folder) and not _inside(base, project):
            # A folder of the project that is a link elsewhere (data -> ~) would make every
            # file in it "inside its folder"; a folder named in the settings may be anywhere.
            problems.append(Problem(Mark(display_path(folder, root)),
                                    f"the {name} folder links to {base}, outside the project",
                                    "inputs are read only from inside the project; copy the "
                                    "folder in, or name it in the settings"))
            continue
        for path in _entries(folder):
            display = display_path(path, root)
            real = os.path.realpath(path)
            if not _inside(real, base):
                found.append(InputFile(path, folder, display, -1, f"link to {real}"))
                continue
            try:
                info = os.stat(real)
            except OSError as error:
                found.append(InputFile(path, folder, display, -1, error.strerror or "unreadable"))
                continue
            if not stat.S_ISREG(info.st_mode):
                # Folders are noted too: a folder named like a data file changes the build.
                found.append(InputFile(path, folder, display, -1, _kind(info.st_mode)))
                continue
            if info.st_size > MAX_FILE_BYTES:
                problems.append(_too_big(display, info.st_size, MAX_FILE_BYTES).problems[0])
            totals[name] = totals.get(name, 0) + info.st_size
            found.append(InputFile(path, folder, display, info.st_size))
    total = sum(totals.values())
    if total > MAX_TOTAL_BYTES and not problems:
        biggest = max(totals, key=lambda k: totals[k])
        parts = ", ".join(f"{k} {v:,}" for k, v in totals.items())
        problems.append(Problem(Mark(display_path(folders[biggest], root)),
                                f"the inputs total {total:,} bytes ({parts}), over the limit "
                                f"of {MAX_TOTAL_BYTES:,} bytes",
                                "a report's data, seeds and templates stay below "
                                f"{MAX_TOTAL_BYTES // _MIB} MiB; split the project"))
    if problems:
        raise ReportError(problems)
    return found


def hash_input(item: InputFile) -> str:
    """Return the sha256 of a surveyed file (read like :func:`read_bytes`), or its note."""
    if item.size < 0:
        return f"not read: {item.note}"
    fd, _size = _open(item.path, item.folder, item.display)
    digest = hashlib.sha256()
    total = 0
    try:
        while chunk := os.read(fd, _CHUNK):
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise _too_big(item.display, total, MAX_FILE_BYTES)
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()
