"""``reportgen serve``: a live preview that rebuilds on every edit.

The server listens on loopback only and answers only requests addressed to it by that
name (a page elsewhere cannot reach it through DNS rebinding). It serves each HTML edition
with the preview's script (``preview.inject``), a view of each PDF, and a long-poll
endpoint the pages wait on. The work happens in three places:

- the main thread builds: it takes the changes the watcher saw (``watch.Changes``), brings
  the warm session up to date (``session.Session``), renders the HTML editions and
  publishes them, then renders each edition for print and queues its PDF;
- a PDF thread (``pdfqueue.PdfQueue``) hands the newest job of each edition to a warm PDF process
  (``press.Press``), the edition being viewed first;
- HTTP threads answer requests from what was last published (``Preview``).

Every change of the files is a new *generation*. A build whose files changed while it ran
is not shown: the next build starts at once, and the newer state wins. A PDF laid out
for an older generation is shown as such. A failed build leaves the last good pages in
place, and the problems appear over them, as the command line prints them.

Files go to ``<out>/.preview/`` (written to a temporary file, then renamed), never to the
output folder itself, which only ``reportgen build`` writes.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .config import Config
from .interrupt import Interrupted
from .output import clean_stale, discard, locked, new_temp
from .pdfqueue import PdfQueue, problem_lines, write_file
from .problems import Mark, Problem, ReportError
from .session import Session, unique
from .watch import Changes, Watcher, stop_signals, watched_paths

__all__ = ["PREVIEW_FOLDER", "PdfState", "Preview", "Server", "serve"]

_LOG = logging.getLogger(__name__)
PREVIEW_FOLDER = ".preview"


@dataclass
class PdfState:
    """One PDF of the preview: which generation it shows, and what is happening to it."""

    generation: int | None = None  # of the build it was laid out from; None: none yet
    pages: int = 0
    stamp: int = 0  # changes whenever the file is replaced
    busy: bool = False
    queued: int | None = None  # generation of the job waiting or being laid out
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the layout preflight's, WeasyPrint's
    seconds: float = 0.0


class Preview:
    """What the server shows, updated by the builders and read by HTTP threads."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.server = secrets.token_hex(8)  # tells a page that the server was restarted
        self.version = 0  # any change of the state
        self.pages: dict[str, str] = {}  # HTML file name -> last good page
        self.page_versions: dict[str, int] = {}  # a page reloads when its version changes
        self.editions: dict[str, tuple[str, str]] = {}  # lang -> (HTML name, PDF name)
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.pdfs: dict[str, PdfState] = {}
        self.building = False
        self.built = -1  # generation of the pages shown
        self.builds = 0  # builds finished and shown (good or not)
        self.seconds = 0.0
        self.viewed = ""  # the language of the page last asked for
        self.folder: Path | None = None
        self.closing = False

    def _changed(self) -> None:
        self.version += 1
        self.cond.notify_all()

    def set_building(self, building: bool) -> None:
        with self.cond:
            if self.building != building:
                self.building = building
                self._changed()

    def set_editions(self, editions: dict[str, tuple[str, str]]) -> None:
        """Name the editions (lang -> HTML and PDF file names); forget pages of others."""
        with self.cond:
            if editions == self.editions:
                return
            names = {html for html, _ in editions.values()}
            self.editions = editions
            self.pages = {k: v for k, v in self.pages.items() if k in names}
            self.pdfs = {pdf: self.pdfs.get(pdf) or PdfState() for _, pdf in editions.values()}
            self._changed()

    def show(self, name: str, page: str) -> None:
        """Show a page of the build under way (no problem was found before it)."""
        with self.cond:
            if self.pages.get(name) != page:
                self.pages[name] = page
                self.page_versions[name] = self.page_versions.get(name, 0) + 1
                self._changed()

    def finish(self, generation: int, seconds: float, warnings: list[str]) -> None:
        """The build of ``generation`` is good: every page is shown, no problem is left."""
        with self.cond:
            self.problems, self.warnings = [], warnings
            self.built, self.seconds, self.building = generation, seconds, False
            self.builds += 1
            self._changed()

    def fail(self, problems: list[Problem], seconds: float) -> None:
        """Show a failed build's problems over the last good pages."""
        with self.cond:
            self.problems = [str(p) for p in problems]
            self.seconds, self.building = seconds, False
            self.builds += 1
            self._changed()

    def pdf(self, name: str, update: Callable[[PdfState], None]) -> None:
        """Change one PDF's state (a PDF no edition has any more is left alone)."""
        with self.cond:
            if name in self.pdfs:
                update(self.pdfs[name])
                self._changed()

    def state(self, page: str = "", kind: str = "page") -> dict[str, Any]:
        """The state as the pages' script reads it (call with ``cond`` held or not)."""
        with self.cond:
            lang = next((k for k, v in self.editions.items() if page in v), "")
            html, pdf = self.editions.get(lang, ("", ""))
            return {
                "server": self.server, "version": self.version,
                "page_version": self.page_versions.get(html or page, 0),
                "page_versions": dict(self.page_versions), "kind": kind, "page": html or page,
                "pdf": pdf, "building": self.building, "built": self.built,
                "builds": self.builds, "seconds": round(self.seconds, 3),
                "problems": list(self.problems), "warnings": list(self.warnings),
                "pages": {k: v[0] for k, v in self.editions.items()},
                "pdfs": {name: {"generation": p.generation, "pages": p.pages, "stamp": p.stamp,
                                "busy": p.busy, "current": p.generation == self.built,
                                "problems": list(p.problems), "notes": list(p.notes),
                                "seconds": round(p.seconds, 3)}
                         for name, p in self.pdfs.items()},
            }

    def wait(self, since: int, timeout: float) -> None:
        """Wait until the state is no longer version ``since`` (or the server closes)."""
        with self.cond:
            self.cond.wait_for(lambda: self.version != since or self.closing, timeout)

    def close(self) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()


class Builder:
    """Rebuild on change, in the calling (main) thread; publish only the newest state."""

    def __init__(self, session: Session, preview: Preview, changes: Changes, pdfs: PdfQueue,
                 say: Callable[[str], None]) -> None:
        self.session, self.preview, self.changes, self.pdfs = session, preview, changes, pdfs
        self.say = say
        self.on_rendered: Callable[[int], None] | None = None  # called before publishing
        self._unshown = False  # a build was left for a newer one, which has not shown yet

    def step(self, timeout: float) -> bool:
        """Build once if files changed within ``timeout`` seconds; return whether it did.

        The edition being viewed renders first and is shown at once; the others follow.
        Nothing of a build is shown once the files changed again while it ran.
        """
        batch = self.changes.take(timeout)
        if batch is None:
            return False
        generation, paths = batch
        # Saved without a change, and the last build was shown: nothing to do.
        if not self.session.note(paths) and not self._unshown:
            _LOG.debug("saved without a change: %s", ", ".join(sorted(map(str, paths))))
            return True
        self._unshown = True  # until this build's outcome is shown
        self.preview.set_building(True)
        started = time.perf_counter()
        problems: list[Problem] = []
        shown: list[str] = []
        try:
            self.session.refresh()
            htmls, pdfs = self.session.names("html"), self.session.names("pdf")
            self.preview.set_editions({lang: (htmls[lang], pdfs[lang]) for lang in htmls})
            for lang in sorted(htmls, key=lambda lang: lang != self.preview.viewed):
                try:
                    page = self.session.page(lang)
                except ReportError as exc:
                    problems += exc.problems
                    continue
                finally:
                    if self.on_rendered is not None:
                        self.on_rendered(generation)
                if self.changes.newer(generation):
                    return True  # files changed meanwhile: build again before showing
                if not problems:
                    self._show(htmls[lang], page)
                    shown.append(f"{htmls[lang]} ({time.perf_counter() - started:.2f} s)")
        except ReportError as exc:
            problems += exc.problems
        except (Exception, MemoryError) as exc:  # a bug of ours must not stop the server
            _LOG.debug("internal error", exc_info=True)
            problems.append(Problem(Mark("reportgen"), f"internal error: {type(exc).__name__}: "
                                    f"{exc} (run with -v for the traceback)"))
        seconds = time.perf_counter() - started
        if self.changes.newer(generation):
            return True
        self._unshown = False
        if problems:
            problems = unique(problems)
            self.preview.fail(problems, seconds)
            self.say(problem_lines([str(p) for p in problems],
                                    "the preview keeps the last good build"))
            return True
        project = self.session.project
        self.session.settle()
        self.preview.finish(generation, seconds, list(project.warnings) if project else [])
        self.say("rebuilt " + " ".join(shown))
        self._queue_pdfs(generation)
        return True

    def _show(self, name: str, page: str) -> None:
        """Show a page, and keep a copy in the preview folder."""
        config = self.session.config
        assert config is not None
        folder = config.path("out") / PREVIEW_FOLDER
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_file(folder, name, page.encode("utf-8"))
        except (OSError, ReportError) as exc:
            _LOG.warning("%s: the preview is not saved there: %s", folder,
                         getattr(exc, "strerror", None) or exc)
        self.preview.folder = folder
        self.preview.show(name, page)

    def _queue_pdfs(self, generation: int) -> None:
        session, preview = self.session, self.preview
        config = session.config
        folder = preview.folder
        if config is None or folder is None:
            return
        names = session.names("pdf")
        langs = sorted(names, key=lambda lang: lang != preview.viewed)
        for lang in langs:
            if self.changes.newer(generation):
                return  # a newer build will queue its own
            name = names[lang]
            try:
                target = new_temp(folder / name)
            except ReportError as exc:
                self.pdfs._failed(name, generation, [p.message for p in exc.problems])
                continue
            try:
                job = session.pdf_job(lang, target)
            except ReportError as exc:
                discard([target])
                self._pdf_problems(name, [str(p) for p in exc.problems])
                continue
            except (Exception, MemoryError) as exc:
                discard([target])
                self._pdf_problems(name, [f"reportgen: internal error: {type(exc).__name__}: "
                                          f"{exc}"])
                continue
            self.pdfs.submit(name, generation, job, folder / name, config.render_timeout,
                             config.memory_limit_mb)

    def _pdf_problems(self, name: str, problems: list[str]) -> None:
        self.preview.pdf(name, lambda p: setattr(p, "problems", problems))
        self.say(problem_lines(problems, f"{name} was not laid out"))


class Server:
    """The preview server: HTTP threads, watcher, PDF thread and the builder."""

    def __init__(self, config: Config, load: Callable[[], Config], port: int = 0,
                 say: Callable[[str], None] | None = None) -> None:
        from .httpd import make_server

        self._lock = threading.Lock()
        self.say = say or _printer()
        self.session = Session(load)
        self.preview = Preview()
        self.changes = Changes()
        self.folder = config.path("out") / PREVIEW_FOLDER
        self._claim = self._claim_folder(config)
        self.httpd: ThreadingHTTPServer = make_server(self.preview, port)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.watcher = Watcher(self.changes, *watched_paths(config))
        self.pdfs = PdfQueue(self.preview, self.say, config.memory_limit_mb)
        self.builder = Builder(self.session, self.preview, self.changes, self.pdfs, self.say)
        self._http = threading.Thread(target=self.httpd.serve_forever, kwargs={
            "poll_interval": 0.2}, name="http", daemon=True)
        self._http.start()
        self.changes.add([])  # the first build

    def _claim_folder(self, config: Config) -> contextlib.ExitStack:
        """Hold the preview folder's lock: one server per folder; clear what a killed one left."""
        stack = contextlib.ExitStack()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReportError(Problem(Mark(str(self.folder)), "cannot create the preview "
                                      f"folder: {exc.strerror or exc}", "choose another "
                                      "output folder with --out")) from None
        stack.enter_context(locked(self.folder, str(self.folder)))
        clean_stale(self.folder)
        return stack

    def run(self, until: Callable[[], bool] | None = None) -> None:
        """Build on every change until ``until()`` is true or Ctrl-C."""
        while until is None or not until():
            self.builder.step(timeout=0.25)
            self._rewatch()

    def _rewatch(self) -> None:
        config = self.session.config
        if config is None:
            return
        paths = watched_paths(config)
        if self.watcher.restart.is_set() or (self.watcher.folders, self.watcher.files) != paths:
            self.watcher.close()
            self.watcher = Watcher(self.changes, *paths)

    def close(self) -> None:
        """Stop everything: HTTP, watching, the PDF process; leave no temporary file."""
        self.preview.close()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.watcher.close()
        self.pdfs.close()
        folder = self.preview.folder or self.folder
        clean_stale(folder)
        self._claim.close()


def _printer() -> Callable[[str], None]:
    lock = threading.Lock()

    def say(text: str) -> None:
        with lock, contextlib.suppress(OSError, ValueError):
            print(text, flush=True)
    return say


def serve(config: Config, load: Callable[[], Config], port: int = 0,
          quiet: bool = False) -> int:
    """Run ``reportgen serve`` until Ctrl-C (or SIGTERM); return the exit code."""
    say = _printer()
    with stop_signals() as stopping:
        try:
            server = Server(config, load, port, (lambda text: None) if quiet else say)
        except Interrupted:  # still starting: its threads and process end with this one
            say("stopped the preview server")
            return 0
        try:
            say(f"serving the preview at {server.url} (Ctrl-C stops)")
            server.run(until=lambda: stopping.asked)  # a Stop swallowed still stops
        except Interrupted:
            pass
        finally:
            stopping.ignore()  # a second Ctrl-C must not cut the clean-up short
            server.close()
    say("stopped the preview server")
    return 0
