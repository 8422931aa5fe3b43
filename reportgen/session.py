"""Keep a project warm between rebuilds: configuration, gathered data, Jinja environment.

``Session.note(paths)`` records which part of the warm state changed files make stale;
``Session.html()`` brings the state up to date and renders every HTML edition: the
configuration is read again only when its file changed, the data, seeds and UI strings
are gathered again only when one of them changed, and only templates whose files changed
are compiled again. ``Session.pdf_job(lang, target)`` renders one edition for print and
returns the job for a PDF process (``press.Press``). Problems are raised as ReportError,
as a build raises them; the warm state stays as it was, and stays marked stale, until a
later call succeeds.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .editions import Output, file_name
from .kept import Kept
from .problems import Mark, Problem, ReportError
from .stages.gather import STRINGS_FILE, Project
from .stages.plan import Plan
from .stages.render import Known
from .watch import watched_paths

if TYPE_CHECKING:
    import jinja2

    from .pdf import PdfJob

__all__ = ["Session", "unique"]

_LOG = logging.getLogger(__name__)


def unique(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, though several outputs (PDF and HTML) met it."""
    first: dict[tuple[Mark, str], Problem] = {}
    for problem in problems:
        first.setdefault((problem.mark, problem.message), problem)
    return list(first.values())


class Session:
    """The warm state of one project, brought up to date on demand."""

    def __init__(self, load: Callable[[], Config]) -> None:
        self._load = load
        self.config: Config | None = None
        self.plan: Plan | None = None
        self.project: Project | None = None
        self.env: jinja2.Environment | None = None
        self._stale = {"config"}  # parts to redo: "config", "gather", "date"
        self._templates: set[Path] = set()  # template files changed since their compile
        self._covered = Known()  # characters the fonts are known to have
        self._kept = Kept()  # records validated and checked by the last gathering
        self._digests: dict[Path, bytes | None] = {}  # file -> digest of its bytes when seen
        self.timings: dict[str, float] = {}  # seconds of the last call's steps
        self._settled = False  # whether the long-lived objects are frozen (``settle``)
        self._rendered: list[str] = []  # pages rendered since the last ``settle``

    # --- what changed ---

    def note(self, paths: Iterable[Path]) -> bool:
        """Mark the warm state that changed files make stale; return whether any did.

        A file saved with the bytes it had when it was last read (or noted) changes
        nothing: an editor's save without an edit costs no rebuild.
        """
        config = self.config
        if config is None:
            self._stale.add("config")
            return True
        folders, files = watched_paths(config)
        data, seeds, templates = folders
        changed = False
        for path in (p.absolute() for p in paths):
            if self._same(path):
                continue
            changed = True
            if path in files or path in folders:
                self._stale.add("config")  # the configuration, or a whole folder replaced
            elif path.is_relative_to(data):
                self._stale.update(("gather", "date"))
            elif path.is_relative_to(seeds) or path == templates / STRINGS_FILE:
                self._stale.add("gather")
            elif path.is_relative_to(templates):
                self._templates.add(path)
        return changed

    def _same(self, path: Path) -> bool:
        """Whether ``path`` holds the bytes it held when last seen; remember them now."""
        now = _digest(path)
        before = self._digests.get(path)
        self._digests[path] = now
        return now is not None and before == now

    # --- renders ---

    def refresh(self) -> None:
        """Bring the configuration, the gathered data and the templates up to date."""
        from .worker import bounded_memory

        self.timings = {}
        self._reconfigure()
        assert self.config is not None
        with bounded_memory(self.config.memory_limit_mb):
            self._refresh()

    def page(self, lang: str, fmt: str = "html") -> str:
        """Render and check one edition (call ``refresh`` first); raise ReportError."""
        from .stages import render
        from .worker import bounded_memory

        plan, project = self._ready()
        output = next(o for o in self.outputs(fmt) if o.lang == lang)
        step = time.perf_counter()
        with bounded_memory(project.config.memory_limit_mb):
            render.render(project, output, plan, self.env)
            problems = render.check(project, output, plan, self._covered)
        self.timings[f"render {output.name}"] = time.perf_counter() - step
        if problems:
            raise ReportError(unique(problems))
        self._rendered.append(output.html)
        return output.html

    def html(self) -> dict[str, str]:
        """Refresh, then render every HTML edition: file name -> HTML; raise ReportError."""
        started = time.perf_counter()
        self.refresh()
        names = self.names("html")
        pages = {names[lang]: self.page(lang) for lang in names}
        self.timings["html"] = time.perf_counter() - started
        self.settle()
        return pages

    def settle(self) -> None:
        """After a build: hand freed memory back; the first time, freeze what is kept.

        The compiled templates, fonts and locale data live as long as the process: once
        frozen (``gc.freeze``), a full collection no longer walks them after every edit.
        The pages just rendered are split into tokens now, so that the next edit's check
        reads only what it changed (``textchange``), the first edit too.
        """
        from .textchange import read_ahead
        from .worker import give_back_memory

        for page in self._rendered:
            read_ahead(page)
        self._rendered.clear()
        if not self._settled:
            gc.collect()
            gc.freeze()
            self._settled = True
        give_back_memory()

    def pdf_job(self, lang: str, target: Path) -> PdfJob:
        """Render ``lang``'s edition for print; return the job that writes it to ``target``."""
        from .pdf import PdfJob

        html = self.page(lang, "pdf")
        plan, project = self._ready()
        config = project.config
        attachments = tuple((p.name, p.read_bytes()) for p in project.dataset.files)
        # The key names the layout the PDF process keeps for this edition's next job.
        return PdfJob(html, config.path("templates"), target, config.basename,
                      config.page_limit, config.pdf_variant, attachments,
                      plan.meta["created"], key=file_name(config, lang, "pdf"))

    def outputs(self, fmt: str) -> list[Output]:
        """The outputs of one format, in the configured order of the languages."""
        plan = self.plan
        if plan is None:
            return []
        found = {o.lang: o for o in plan.outputs + plan.unchanged if o.fmt == fmt}
        return [found[lang] for lang in plan.config.languages if lang in found]

    def names(self, fmt: str) -> dict[str, str]:
        """Language -> file name of every edition in ``fmt`` (empty before the first read)."""
        config = self.config
        return {lang: file_name(config, lang, fmt) for lang in config.languages} if config \
            else {}

    # --- keeping the state up to date ---

    def _ready(self) -> tuple[Plan, Project]:
        if self.plan is None or self.project is None:
            raise ReportError(Problem(Mark("reportgen"), "the project was not read yet"))
        return self.plan, self.project

    def _reconfigure(self) -> None:
        from .render import make_environment
        from .stages.plan import plan

        if "config" in self._stale:
            step = time.perf_counter()
            config = self._load()
            # Seen before anything is read: a change from here on is noted as a change.
            self._digests = _snapshot(config)
            work = plan(config)
            self.config, self.plan, self.project = config, work, None
            self.env = make_environment(config.path("templates"), config.render_timeout)
            self._templates.clear()
            self._covered = Known()  # the fonts may have changed
            self._kept = Kept()  # checked under the old configuration
            self._stale = {"gather"}
            self.timings["config"] = time.perf_counter() - step

    def _refresh(self) -> None:
        from .stages.gather import gather

        assert self.config is not None and self.plan is not None
        if "gather" in self._stale:
            step = time.perf_counter()
            if "date" in self._stale:
                _redate(self.plan)
            self.project = gather(self.config, self._kept)
            self._stale.clear()
            self.timings["gather"] = time.perf_counter() - step
        if self._templates and self.env is not None:
            _forget(self.env, self._templates)
            self._templates.clear()


def _redate(plan: Plan) -> None:
    """The report date follows the newest data file, unless it is configured."""
    from .stages.plan import report_date

    day = report_date(plan.config).isoformat()
    plan.meta.update(date=day, created=f"{day}T00:00:00Z")


def _forget(env: jinja2.Environment, changed: set[Path]) -> None:
    """Drop the compiled templates read from changed files (mtimes can be too coarse)."""
    cache = env.cache
    if cache is None:
        return
    for key, template in list(cache.items()):
        filename = getattr(template, "filename", None)
        if filename and Path(filename).absolute() in changed:
            with contextlib.suppress(KeyError):
                del cache[key]


def _digest(path: Path) -> bytes | None:
    """A digest of a regular file's bytes; None for anything else or an unreadable file."""
    try:
        if not path.is_file():
            return None
        return hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
    except OSError:
        return None


def _snapshot(config: Config) -> dict[Path, bytes | None]:
    """The digest of every file below the watched folders.

    The configuration file is left out: it was read before this snapshot, so its first
    save always counts as a change.
    """
    folders, _ = watched_paths(config)
    found = [p for folder in folders if folder.is_dir() for p in sorted(folder.rglob("*"))]
    return {path: _digest(path) for path in found if path.is_file()}
