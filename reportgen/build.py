"""Build the report: plan → gather → render → layout → write.

Each stage is a module of ``reportgen.stages``; ``build`` below is their table of
contents. A build with nothing to do ends after the plan, before any heavy import; the PDF
processes start before the data is gathered, so WeasyPrint's import overlaps the rest.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .problems import Mark, Problem, ReportError
from .progress import Progress
from .stages.gather import Project, gather
from .stages.plan import Plan, plan
from .stages.write import claim, write

__all__ = ["BuildResult", "Project", "build", "check", "gather"]


@dataclass
class BuildResult:
    """What a build wrote, and what it found already up to date."""

    files: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    charts: int = 0
    drawn: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def build(config: Config, languages: list[str] | None = None,
          formats: list[str] | None = None, progress: Progress | None = None) -> BuildResult:
    """Build the requested editions and formats into the output folder."""
    started = time.perf_counter()
    progress = progress or Progress(enabled=False)
    work = plan(config, languages, formats)                    # 1. plan: what is out of date
    if work.up_to_date:
        return _result(work, None, [], started)
    from .stages import layout, render
    from .worker import bounded_memory

    with claim(work), layout.presses(work) as presses:         # out/ locked; PDFs warm up
        with bounded_memory(config.memory_limit_mb):           # templates are bounded too
            with progress.step("validate") as step:
                project = _gather(config)                      # 2. gather
                step.detail = f"{project.records} records"
            problems: list[Problem] = []
            for output in render.render_order(project, work):
                with progress.step(f"render {output.name}"):
                    render.render(project, output, work)       # 3. render
                    problems += render.check(project, output, work)
                if output.fmt == "pdf" and not problems:
                    layout.start(project, output, work, presses[output.name])  # 4. lay out
            if problems:
                raise ReportError(_unique(problems))
        with progress.step("layout") as step:
            warnings = layout.finish(work, presses)
            step.detail = ", ".join(f"{o.name} {o.pdf.pages} pages" for o in work.outputs
                                    if o.pdf is not None)
        write(work)                                            # 5. write, all or nothing
    return _result(work, project, warnings, started)


def check(config: Config, progress: Progress | None = None) -> Project:
    """Gather, then render every template of every edition and check it, without layout.

    Whatever this accepts, a build accepts too, short of layout's own limits (pages, time).
    """
    progress = progress or Progress(enabled=False)
    work = plan(config)
    from .stages import render
    from .worker import bounded_memory

    with bounded_memory(config.memory_limit_mb):
        with progress.step("validate"):
            project = _gather(config)
        problems: list[Problem] = []
        for output in work.outputs + work.unchanged:
            with progress.step(f"render {output.name}"):
                render.render(project, output, work)
                problems += render.check(project, output, work)
    if problems:
        raise ReportError(_unique(problems))
    return project


def _unique(problems: list[Problem]) -> list[Problem]:
    """Report a problem once, though several outputs (PDF and HTML) met it."""
    first: dict[tuple[Mark, str], Problem] = {}
    for problem in problems:
        first.setdefault((problem.mark, problem.message), problem)
    return list(first.values())


def _gather(config: Config) -> Project:
    try:
        return gather(config)
    except MemoryError:
        raise ReportError(Problem(Mark(config.source), "ran out of memory while reading and "
                                  "checking the data", f"the build is bounded by "
                                  f"memory_limit_mb ({config.memory_limit_mb} MiB)")) from None


def _result(work: Plan, project: Project | None, warnings: list[str],
            started: float) -> BuildResult:
    return BuildResult(
        files=[o.path for o in work.outputs],
        unchanged=[o.path for o in work.unchanged],
        pages={o.name: o.pdf.pages for o in work.outputs if o.pdf is not None},
        charts=sum(map(len, project.charts.values())) if project else 0,
        drawn=project.charts_drawn if project else 0,
        seconds=time.perf_counter() - started,
        warnings=(project.warnings if project else []) + warnings,
    )


# ``reportgen.build`` names this function, as ``from reportgen import build`` expects, even
# after this module was imported (which binds the package attribute to the module).
setattr(sys.modules[__package__], "build", build)  # noqa: B010
