"""Watch a project's inputs and rebuild on change: ``reportgen build --watch``.

``Changes`` collects the files that changed and counts *generations*: every batch of
changes the watcher reports is a new generation, so a rebuild can tell whether what it
built is still the newest state of the files (``Changes.newer``). ``Watcher`` runs
watchfiles in background threads: the data, seeds and templates folders recursively, and
the project folder itself (only its top level: the configuration file, and the folders
being replaced). Editors that save through a temporary file and a rename, a file deleted
and written again, and a burst of saves all arrive as changes of the real file names;
``Changes.take`` waits until the files have been quiet for a moment, so a burst makes one
rebuild.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .config import CONFIG_FILE, Config
from .interrupt import Interrupted

__all__ = ["QUIET_SECONDS", "Changes", "Watcher", "build_watch", "print_error",
           "stop_signals", "watched_paths"]

_LOG = logging.getLogger(__name__)
QUIET_SECONDS = 0.08  # how long the files must be still before a rebuild starts
_STEP_MS = 40  # watchfiles groups changes that come closer together than this
_STOP_POLL_MS = 300  # how often a watching thread looks at its stop event


class Changes:
    """Changed files not yet rebuilt, and a generation counter bumped by every change."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paths: set[Path] = set()
        self._pending = False
        self._last = 0.0
        self.generation = 0

    def add(self, paths: Iterable[Path]) -> None:
        """Note changed files (called by the watching threads, or to force a rebuild)."""
        with self._cond:
            self._paths.update(paths)
            self._pending = True
            self.generation += 1
            self._last = time.monotonic()
            self._cond.notify_all()

    def newer(self, generation: int) -> bool:
        """Whether a change arrived after ``generation`` was taken."""
        with self._cond:
            return self.generation != generation

    def take(self, timeout: float, quiet: float = QUIET_SECONDS) -> tuple[int, set[Path]] | None:
        """Wait up to ``timeout`` s for changes, then until the files are ``quiet`` s still.

        Returns the generation the changes bring the files to, and the changed paths; None
        when nothing changed in time.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._pending, timeout):
                return None
            while (left := self._last + quiet - time.monotonic()) > 0:
                self._cond.wait(left)
            paths, self._paths, self._pending = self._paths, set(), False
            return self.generation, paths


class _Stopping:
    """Signal handling of a long-running command: see ``stop_signals``.

    ``asked`` stays true once Ctrl-C came: an Interrupted raised where Python swallows them
    (a weakref callback, a finalizer: "Exception ignored in …") must still stop the loop
    that checks it.
    """

    def __init__(self) -> None:
        self.asked = False
        self.ignoring = False

    def handle(self, signum: int, frame: Any) -> None:
        if not self.asked and not self.ignoring:
            self.asked = True
            raise Interrupted

    def ignore(self) -> None:
        """From now on, Ctrl-C and SIGTERM are noted and ignored (the command is stopping)."""
        self.ignoring = True


@contextlib.contextmanager
def stop_signals() -> Iterator[_Stopping]:
    """Raise ``Interrupted`` in the main thread on the first Ctrl-C or SIGTERM inside the block."""
    stopping = _Stopping()
    previous = {sig: signal.signal(sig, stopping.handle) for sig in (signal.SIGINT,
                                                                     signal.SIGTERM)}
    try:
        yield stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def watched_paths(config: Config) -> tuple[list[Path], list[Path]]:
    """Return the folders to watch recursively and the files to watch, all absolute."""
    folders = [config.path(name).absolute() for name in ("data", "seeds", "templates")]
    config_file = (config.source_path or config.root / CONFIG_FILE).absolute()
    return folders, [config_file]


class Watcher:
    """Report changes below some folders and of some files to ``changes``, in threads."""

    def __init__(self, changes: Changes, folders: Iterable[Path], files: Iterable[Path]) -> None:
        self.changes = changes
        self.folders = [f for f in dict.fromkeys(folders)]
        self.files = list(dict.fromkeys(files))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.restart = threading.Event()  # a watched folder itself was replaced or created
        existing = [f for f in self.folders if f.is_dir()]
        if existing:
            self._start(existing, recursive=True, accept=self._in_folders)
        # The parents of the files and folders, top level only: catches a configuration
        # file written by rename, and a watched folder deleted, created or replaced.
        parents = {p.parent for p in self.files + self.folders if p.parent.is_dir()}
        for parent in sorted(parents):
            self._start([parent], recursive=False, accept=self._top_level)

    def _start(self, paths: list[Path], recursive: bool,
               accept: Callable[[Path], bool]) -> None:
        thread = threading.Thread(target=self._watch, args=(paths, recursive, accept),
                                  name=f"watch {paths[0]}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _in_folders(self, path: Path) -> bool:
        return any(path.is_relative_to(f) for f in self.folders)

    def _top_level(self, path: Path) -> bool:
        if path in self.folders:
            self.restart.set()
            return True
        return path in self.files

    def _watch(self, paths: list[Path], recursive: bool, accept: Callable[[Path], bool]) -> None:
        from watchfiles import DefaultFilter, watch

        try:
            for batch in watch(*paths, watch_filter=DefaultFilter(), debounce=1600,
                               step=_STEP_MS, stop_event=self._stop, recursive=recursive,
                               rust_timeout=_STOP_POLL_MS, raise_interrupt=False):
                changed = [Path(name) for _, name in batch]
                changed = [p for p in changed if accept(p)]
                if changed:
                    _LOG.debug("changed: %s", ", ".join(map(str, sorted(changed))))
                    self.changes.add(changed)
        except (OSError, RuntimeError) as exc:  # the folder went away: the restart sees it
            _LOG.debug("stopped watching %s: %s", paths, exc)
            self.restart.set()
            self.changes.add(paths)

    def close(self) -> None:
        """Stop every watching thread and wait for them."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)


def build_watch(fallback: Config, load: Callable[[], Config],
                build_once: Callable[[Config], object],
                report: Callable[[BaseException], None]) -> int:
    """Build, then build again whenever an input changes, until Ctrl-C.

    ``load`` reads the configuration afresh (it may have changed; while it cannot be
    read, the folders of ``fallback`` are watched); ``build_once`` builds into the output
    folder, which only ever receives whole builds; ``report`` prints what stopped a build.
    Returns the exit code.
    """
    changes = Changes()
    watcher: Watcher | None = None
    changes.add([])
    with stop_signals() as stopping:
        try:
            _watch_loop(fallback, load, build_once, report, changes, watcher, stopping)
        except Interrupted:
            stopping.ignore()
    print("stopped watching; the output folder holds the last complete build", flush=True)
    return 0


def _watch_loop(fallback: Config, load: Callable[[], Config],
                build_once: Callable[[Config], object], report: Callable[[BaseException], None],
                changes: Changes, watcher: Watcher | None, stopping: _Stopping) -> None:
    try:
        while True:
            if stopping.asked:
                raise Interrupted  # Ctrl-C came, but it was swallowed where it landed
            if changes.take(timeout=0.5) is None:
                continue
            try:
                config: Config | None = load()
            except Exception as exc:  # e.g. the configuration is being edited
                config = None
                report(exc)
            paths = watched_paths(config or fallback)
            if watcher is None or watcher.restart.is_set() or \
                    (watcher.folders, watcher.files) != (paths[0], paths[1]):
                if watcher is not None:
                    watcher.close()
                watcher = Watcher(changes, *paths)
            if config is not None:
                try:
                    build_once(config)
                except Exception as exc:  # one failed build never stops the watch
                    report(exc)
            print("watching for changes (Ctrl-C stops)", flush=True)
    finally:
        if watcher is not None:
            watcher.close()


def print_error(exc: BaseException) -> None:
    """Print what stopped a build as the command line does: each problem, located."""
    import sys

    from .problems import ReportError

    if isinstance(exc, ReportError):
        count = len(exc.problems)
        print(f"error: {count} problem{'s' if count != 1 else ''} found; nothing was written",
              file=sys.stderr, flush=True)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr, flush=True)
    else:
        _LOG.debug("internal error", exc_info=exc)
        print(f"internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)",
              file=sys.stderr, flush=True)
