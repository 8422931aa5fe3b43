"""Keep a project warm between rebuilds: configuration, gathered data, Jinja environment.

``Session.note(paths)`` says whether changed files call for a rebuild (a save of the same
bytes does not); ``Session.html()`` brings the state up to date and renders every HTML
edition. What is out of date is decided by comparing every watched file with what the
last build read (a digest of its bytes, and where a link points), not by the paths noted:
a change whose notice was merged with another, or came while a build read the file, is
still seen. The configuration is read again only when its file changed, the data, seeds
and UI strings are gathered again only when one of them changed, and only templates whose
files changed are compiled again (all of them when a template file appears or goes: it
may stand in for a theme file). ``Session.pdf_job(lang, target)`` renders one edition for
print and returns the job for a PDF process (``press.Press``). Problems are raised as
ReportError, as a build raises them; the warm state stays as it was, and stays marked
stale, until a later call succeeds.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .editions import Output, file_name
from .kept import Kept
from .problems import Mark, Problem, ReportError
from .seen import digest, digest_of, snapshot
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
        self._stale = {"config"}  # parts to redo: "config", "gather", "templates"
        self._templates: set[Path] = set()  # template files changed since their compile
        self._all_templates = False  # a template file appeared or went: compile all again
        self._covered = Known()  # characters the fonts are known to have
        self._kept = Kept()  # records validated and checked by the last gathering
        self._seen: dict[Path, bytes] = {}  # watched file -> its digest when last read
        self._config_read: bytes | None = None  # the configuration file's, when last read
        self.timings: dict[str, float] = {}  # seconds of the last call's steps
        self._settled = False  # whether the long-lived objects are frozen (``settle``)
        self._rendered: list[str] = []  # pages rendered since the last ``settle``

    # --- what changed ---

    def note(self, paths: Iterable[Path]) -> bool:
        """Return whether changed files call for a rebuild.

        A file that holds the bytes (and, if a link, points where) it did when the last
        build read it changes nothing: an editor's save without an edit costs no rebuild.
        A data file touched without an edit changes the report date, when that follows
        the newest data file. Which parts to redo is decided by ``refresh``.
        """
        config = self.config
        if config is None:
            self._stale.add("config")
            return True
        folders, files = watched_paths(config)
        config_file = files[0].resolve()
        changed = dated = False
        for path in (p.absolute() for p in paths):
            if path in files or path in folders or path.resolve() == config_file:
                self._stale.add("config")  # the configuration, or a whole folder replaced
                changed = True
            elif digest(path) != self._seen.get(path):
                changed = True
            dated = dated or path.is_relative_to(folders[0])
        return changed or (dated and self._redated())

    def _learn(self, reads: dict[Path, bytes]) -> None:
        """What a build read is what it saw, whatever the file holds before or after."""
        for path, data in reads.items():
            known = digest_of(path, data)
            if known is not None and path in self._seen:
                self._seen[path] = known

    def _redated(self) -> bool:
        """Whether the report date is no longer the one the last build printed."""
        from .stages.plan import report_date

        plan = self.plan
        return plan is not None and report_date(plan.config).isoformat() != plan.meta["date"]

    def _look(self) -> None:
        """Compare every watched file with what the last build read; mark what changed."""
        config = self.config
        assert config is not None
        now = _snapshot(config)
        changed = {path for path in now.keys() | self._seen.keys()
                   if now.get(path) != self._seen.get(path)}
        data, seeds, templates = watched_paths(config)[0]
        strings = (templates / STRINGS_FILE).resolve()
        for path in changed:
            if path.is_relative_to(data) or path.is_relative_to(seeds) \
                    or path == templates / STRINGS_FILE or path.resolve() == strings:
                self._stale.add("gather")
            if path.is_relative_to(templates):
                self._stale.add("templates")
                self._templates.add(path)
                if path not in now or path not in self._seen or path.is_symlink() \
                        or not path.is_file():
                    self._all_templates = True  # a file, folder or link came or went
        self._seen = now

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

        if self.config is not None and \
                _config_digest(self.config.source_path) != self._config_read:
            self._stale.add("config")  # saved since it was read, noted or not
        if "config" in self._stale:
            step = time.perf_counter()
            source = self.config.source_path if self.config is not None else None
            self._config_read = _config_digest(source)
            config = self._load()
            if config.source_path != source:  # the first read, or another file
                self._config_read = _config_digest(config.source_path)
            # Seen before anything is read: a change from here on is seen as a change.
            self._seen = _snapshot(config)
            work = plan(config)
            self.config, self.plan, self.project = config, work, None
            self.env = make_environment(config.path("templates"), config.render_timeout)
            self._templates.clear()
            self._all_templates = False
            self._covered = Known()  # the fonts may have changed
            self._kept = Kept()  # checked under the old configuration
            self._stale = {"gather"}
            self.timings["config"] = time.perf_counter() - step

    def _refresh(self) -> None:
        from .files import recording
        from .stages.gather import gather, survey_project
        from .stages.plan import refuse_link_out

        assert self.config is not None and self.plan is not None
        self._look()
        refuse_link_out(self.config)  # out/ may have become a link since the plan
        _redate(self.plan)  # the newest data file may be newer without a change of bytes
        if "gather" in self._stale:
            step = time.perf_counter()
            with recording() as reads:
                try:
                    self.project = gather(self.config, self._kept)
                finally:
                    self._learn(reads)
            self._stale.discard("gather")
            self.timings["gather"] = time.perf_counter() - step
        if "templates" in self._stale:
            survey_project(self.config)  # sizes, as a build checks them (gather did above)
            if self.env is not None and self.env.cache is not None:
                if self._all_templates:
                    self.env.cache.clear()  # a new file may stand in for any cached name
                else:
                    _forget(self.env, self._templates)
            self._templates.clear()
            self._all_templates = False
            self._stale.discard("templates")


def _redate(plan: Plan) -> None:
    """The report date follows the newest data file, unless it is configured."""
    from .stages.plan import report_date

    day = report_date(plan.config).isoformat()
    plan.meta.update(date=day, created=f"{day}T00:00:00Z")


def _forget(env: jinja2.Environment, changed: set[Path]) -> None:
    """Drop the compiled templates read from changed files (mtimes can be too coarse),
    whatever link led to them."""
    cache = env.cache
    if cache is None:
        return
    real = {path.resolve() for path in changed}
    for key, template in list(cache.items()):
        filename = getattr(template, "filename", None)
        if filename and Path(filename).resolve() in real:
            with contextlib.suppress(KeyError):
                del cache[key]


def _snapshot(config: Config) -> dict[Path, bytes]:
    """The digest of everything below the watched folders (``seen.snapshot``)."""
    return snapshot(watched_paths(config)[0])


def _config_digest(path: Path | None) -> bytes | None:
    """The digest of the configuration file, followed if it is a link."""
    return digest(path.resolve()) if path is not None else None
