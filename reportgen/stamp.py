"""Answer a build with nothing to do from file metadata alone: the last check's stamp.

A build that ends with every output current (written, or found up to date) records in
``out/.cache/stamp.json`` the metadata of everything its check depended on, taken before
it read any of it: the configuration file; every file and folder of data/, seeds/ and
templates/; the outputs and the manifest; the engine's own files; the folders the
packages are installed in; and the fonts fontconfig chose. ``current()`` runs first in a
later ``reportgen build`` with the same arguments and environment: when every one is
unchanged (size, modification and change time, inode; a write always changes the change
time, which no tool can set back) and fontconfig picks the same fonts, the outputs are
those the full check found current, and the build ends without importing YAML, Jinja or
WeasyPrint. Anything else (a changed, new or missing file, other arguments, a stamp that is
not one, a report date taken from the clock on another day) runs the full check, which
hashes content; a stamp can make a build do more work, never skip work it needs.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import stat
import sys
import time

# Imported on the way to "up to date" before anything else: standard modules only, and
# not typing or pathlib (their import alone costs more than the whole check).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from .config import Config

__all__ = ["STAMP", "Snapshot", "answer", "current", "key", "meta", "snapshot", "up_to_date"]

STAMP = os.path.join("out", ".cache", "stamp.json")  # below the project folder
_VERSION = 1
_MAX_BYTES = 4 * 1024 * 1024  # a stamp larger than this is not ours: the full check runs
_TOOLS = ("weasyprint", "pydyf", "matplotlib", "jinja2", "yaml", "fontTools")
_SKIP = {"__pycache__"}


def key(argv: Sequence[str], project: str | os.PathLike[str]) -> dict[str, Any]:
    """What a stamp is valid for: the arguments, the environment, the interpreter."""
    return {"argv": [a for a in argv if a not in ("-q", "--quiet", "-v", "--verbose")],
            "cwd": os.getcwd(), "project": os.fspath(project), "python": sys.executable,
            "version": list(sys.version_info[:3]),
            "epoch": os.environ.get("SOURCE_DATE_EPOCH")}


def meta(path: str | os.PathLike[str]) -> list[int] | None:
    """lstat, and stat when it differs (a link), of ``path``; None when it is missing."""
    try:
        own = os.lstat(path)
    except OSError:
        return None
    found = [own.st_mode, own.st_size, own.st_mtime_ns, own.st_ctime_ns, own.st_ino]
    if stat.S_ISLNK(own.st_mode):
        try:
            far = os.stat(path)
        except OSError:
            return [*found, -1]
        found += [far.st_mode, far.st_size, far.st_mtime_ns, far.st_ctime_ns, far.st_ino]
    return found


def _tree(folder: str | os.PathLike[str]) -> Iterable[str]:
    """The folder, and every file and folder below it (links not followed)."""
    yield os.fspath(folder)
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        yield from (os.path.join(top, name) for name in (*dirs, *sorted(files)))


def _inside(folder: str, project: str) -> bool:
    """Whether ``folder``, links resolved, is the project folder's or below it."""
    real, root = os.path.realpath(folder), os.path.realpath(project)
    return os.path.commonpath([real, root]) == root


def _fonts(families: Sequence[str]) -> list[str]:
    """What fontconfig answers for each family, as the plan asks it (``fontconfig``)."""
    from .fontconfig import match

    try:
        return match(families)
    except OSError:
        return ["fc-match failed"]


class Snapshot:
    """The metadata of a build's inputs, taken before the build reads them."""

    def __init__(self, paths: Sequence[str], families: Sequence[str],
                 fonts: Sequence[str]) -> None:
        self.families, self.fonts = list(families), list(fonts)
        self.meta = {path: meta(path) for path in sorted(set(paths))}

    def unchanged(self) -> bool:
        """Whether every path still has the metadata it had when taken."""
        return all(meta(path) == value for path, value in self.meta.items())

    def record(self, stamp_key: dict[str, Any], outputs: Sequence[Path], manifest: Path,
               target: str | os.PathLike[str]) -> None:
        """Stamp the outputs current, unless an input changed meanwhile; never fail."""
        from pathlib import Path

        from .cache import write_atomic

        if not self.unchanged() or _fonts(self.families) != self.fonts:
            return  # edited during the build: the next one checks content
        folder = os.path.dirname(os.fspath(target))
        if not _inside(folder, os.path.dirname(os.path.dirname(folder))):
            return  # out/.cache is a link out of the project: nothing is written there
        found = dict(self.meta)
        for path in [*map(str, outputs), str(manifest),
                     os.path.dirname(os.path.dirname(os.fspath(target)))]:
            found[path] = meta(path)
        text = json.dumps({"stamp": _VERSION, "key": stamp_key, "meta": found,
                           "families": self.families, "fonts": self.fonts,
                           "outputs": [p.name for p in outputs],
                           "day": _dt.datetime.now(_dt.UTC).date().isoformat()},
                          sort_keys=True)
        with contextlib.suppress(OSError):
            write_atomic(Path(target), text.encode("utf-8"))


def snapshot(config: Config, config_meta: list[int] | None) -> Snapshot:
    """Take the metadata of a build's inputs before the build reads them.

    ``config_meta`` is the configuration file's, taken before it was read.
    """
    import importlib.util

    paths = [p for name in ("data", "seeds", "templates") for p in _tree(config.path(name))]
    paths += list(_tree(os.path.dirname(__file__)))  # the engine, its theme included
    # The default configuration file, present or not: one created later is a change.
    paths.append(os.path.join(config.root, "reportgen.yaml"))
    for module in _TOOLS:  # a package installed or removed changes its folder's listing
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            package = os.path.dirname(spec.origin)
            paths += [package, os.path.dirname(package)]
    fonts = _fonts(config.fonts)
    paths += [answer.split("\n")[1] for answer in fonts if answer.count("\n") >= 2]
    taken = Snapshot(paths, config.fonts, fonts)
    if config.source_path is not None:
        taken.meta[str(config.source_path)] = config_meta
    return taken


def current(project: str | os.PathLike[str], stamp_key: dict[str, Any]) -> list[str] | None:
    """The outputs the last build found current, if nothing they depend on changed since.

    None when anything did, or the stamp is missing, damaged or not for these arguments.
    A stamp is good for the day it was made (a report dated by the clock changes daily).
    """
    if not _inside(os.path.join(project, os.path.dirname(STAMP)), os.fspath(project)):
        return None  # out/.cache links out of the project: nothing is read there
    try:
        fd = os.open(os.path.join(project, STAMP), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = json.loads(handle.read(_MAX_BYTES + 1).decode("utf-8"))
        if data["stamp"] != _VERSION or data["key"] != stamp_key \
                or data["day"] != _dt.datetime.now(_dt.UTC).date().isoformat():
            return None
        found, outputs = data["meta"], data["outputs"]
        if not isinstance(found, dict) or not found or not isinstance(outputs, list) \
                or any(meta(path) != value for path, value in found.items()) \
                or _fonts(data["families"]) != data["fonts"]:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return [str(name) for name in outputs]


def up_to_date(names: Sequence[str], seconds: float) -> str:
    """The line a build with nothing to write prints."""
    return f"up to date: {len(names)} files ({' '.join(names)}) unchanged; {seconds:.2f} s"


def answer(project: str | os.PathLike[str], stamp_key: dict[str, Any]) -> str | None:
    """That line, if the stamp answers the build (``current``); else None."""
    started = time.perf_counter()
    names = current(project, stamp_key)
    return None if names is None else up_to_date(names, time.perf_counter() - started)
