"""Build the report: gather and validate everything, render every edition, then write."""

from __future__ import annotations

import datetime as _dt
import logging
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config
from .dataset import Dataset, load_dataset
from .exhibits import DrawnChart, chart_specs, draw_charts
from .fonts import FontFile, check_coverage, find_fonts, harfbuzz_subset_available
from .formats import Formatter
from .htmltext import visible_text
from .output import clean_stale, commit, discard, prepare_out, temp_for, write_bytes
from .problems import Mark, Problem, ReportError
from .provenance import Seeds, check_provenance, load_seeds
from .render import Edition, Rendered, make_environment, render_edition
from .worker import JobFailed, run_parallel
from .yamlload import Map, Scalar, load_file

__all__ = ["FORMATS", "BuildResult", "Project", "build", "gather"]

FORMATS = ("pdf", "html")
STRINGS_FILE = "strings.yaml"
_REQUIRED_STRINGS = ("exhibit_label", "corrected_legend", "stated_as")
_LOG = logging.getLogger(__name__)


@dataclass
class Project:
    """Validated inputs of a build: configuration, dataset, seeds and UI strings."""

    config: Config
    dataset: Dataset
    seeds: Seeds
    strings: dict[str, dict[str, str]]


@dataclass
class BuildResult:
    """What a build wrote."""

    files: list[Path] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    charts: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def gather(config: Config) -> Project:
    """Load and validate the data, the seeds and the UI strings; raise on any problem."""
    languages = tuple(config.languages)
    dataset = load_dataset(config.path("data"), languages, config.root)
    seeds, problems = load_seeds(config.path("seeds"), _display(config, "seeds"))
    problems += check_provenance(dataset, seeds, config.scale_words)
    strings = _load_strings(config, problems)
    if problems:
        raise ReportError(problems)
    return Project(config, dataset, seeds, strings)


def build(config: Config, languages: list[str] | None = None,
          formats: list[str] | None = None) -> BuildResult:
    """Build the requested editions and formats into the output folder."""
    started = time.perf_counter()
    languages = languages or list(config.languages)
    formats = formats or list(FORMATS)
    _check_languages(config, languages)
    out = config.path("out")
    prepare_out(out, _display(config, "out"))
    clean_stale(out)
    project = gather(config)
    fonts = _preflight_fonts(config)
    result = BuildResult()

    env = make_environment(config.path("templates"), config.render_timeout)
    meta = _meta(config)
    planned: list[tuple[str, str, Rendered]] = []
    problems: list[Problem] = []
    for lang in languages:
        formatter = _formatter(project, lang)
        strings = {k: v[lang] for k, v in project.strings.items()}
        charts = draw_charts(chart_specs(project.dataset, formatter, strings), _theme(config))
        result.charts += len(charts)
        for fmt in formats:
            edition = Edition(lang, config.html_lang.get(lang, lang), fmt)
            rendered = render_edition(env, config.template, project.dataset, edition,
                                      formatter, strings, charts, {**meta, "lang": lang,
                                      "author": config.author.get(lang, "")})
            problems += _check_glyphs(rendered, charts, fonts, lang, fmt, config)
            planned.append((lang, fmt, rendered))
    if problems:
        raise ReportError(problems)

    finished = _write_all(config, project, planned, result, meta)
    commit(finished)
    result.files = [final for _, final in finished]
    result.seconds = time.perf_counter() - started
    return result


def _write_all(config: Config, project: Project, planned: list[tuple[str, str, Rendered]],
               result: BuildResult, meta: dict[str, Any]) -> list[tuple[Path, Path]]:
    """Write every output to a temporary file; PDFs are laid out in parallel processes."""
    from .pdf import PdfJob, write_pdf

    out = config.path("out")
    attachments = tuple((p.name, p.read_bytes()) for p in project.dataset.files)
    finished: list[tuple[Path, Path]] = []
    jobs: list[PdfJob] = []
    names: list[str] = []
    try:
        for lang, fmt, rendered in planned:
            final = out / f"{config.basename}.{lang}.{fmt}"
            tmp = temp_for(final)
            finished.append((tmp, final))
            if fmt == "html":
                write_bytes(tmp, rendered.html.encode("utf-8"))
            else:
                jobs.append(PdfJob(rendered.html, config.path("templates"), tmp,
                                   config.basename, config.page_limit, config.pdf_variant,
                                   attachments, meta["created"]))
                names.append(final.name)
        try:
            pdfs = run_parallel(write_pdf, jobs, timeout=config.render_timeout,
                                memory_mb=config.memory_limit_mb, names=names)
        except JobFailed as exc:
            raise ReportError(Problem(Mark(str(exc).split(":", 1)[0]),
                                      str(exc).split(": ", 1)[-1])) from None
        problems = []
        for name, pdf in zip(names, pdfs, strict=True):
            result.warnings += [f"{name}: {w}" for w in pdf.warnings]
            problems += [Problem(Mark(name), e) for e in pdf.errors]
            result.pages[name] = pdf.pages
        if problems:
            raise ReportError(problems)
    except BaseException:
        discard(tmp for tmp, _ in finished)
        raise
    return finished


def _check_languages(config: Config, languages: list[str]) -> None:
    unknown = [lang for lang in languages if lang not in config.languages]
    if unknown:
        raise ReportError(Problem(Mark("reportgen.yaml"), "unknown edition language "
                                  + ", ".join(unknown),
                                  "configured: " + ", ".join(config.languages)))


def _preflight_fonts(config: Config) -> list[FontFile]:
    fonts, problems = find_fonts(config.fonts, config.font_packages)
    if problems:
        raise ReportError(problems)
    if not harfbuzz_subset_available():
        _LOG.warning("WeasyPrint did not find libharfbuzz-subset: font subsetting falls back "
                     "to fontTools and writing PDFs is about 10x slower; install "
                     "libharfbuzz-subset0 (run 'make build')")
    return fonts


def _check_glyphs(rendered: Rendered, charts: dict[str, DrawnChart], fonts: list[FontFile],
                  lang: str, fmt: str, config: Config) -> list[Problem]:
    texts = {f"{config.basename}.{lang}.{fmt}": visible_text(rendered.html)}
    texts.update({f"chart {cid} ({lang})": "".join(c.strings) for cid, c in charts.items()})
    return check_coverage(texts, fonts, config.path("out") / ".cache")


def _formatter(project: Project, lang: str) -> Formatter:
    dataset = project.dataset
    return Formatter(lang, {r.id: r for r in dataset.records("units")},
                     {str(r["id"]): r for r in dataset.records("qualifiers")},
                     project.config.number_format.get(lang, []))


def _theme(config: Config) -> Any:
    from .charts import Theme

    return Theme(font_family=tuple(config.fonts))


def _load_strings(config: Config, problems: list[Problem]) -> dict[str, dict[str, str]]:
    path = config.path("templates") / STRINGS_FILE
    display = _display(config, "templates") + "/" + STRINGS_FILE
    if not path.is_file():
        problems.append(Problem(Mark(display), "missing UI strings file",
                                "it holds the words templates print, per language"))
        return {}
    try:
        node = load_file(path, display_name=display)
    except ReportError as exc:
        problems.extend(exc.problems)
        return {}
    strings: dict[str, dict[str, str]] = {}
    if not isinstance(node, Map):
        problems.append(Problem(node.mark, "expected a mapping of names to {lang: text}"))
        return strings
    for key, value in node.pairs:
        entry = {k.value: v.value for k, v in value.pairs if isinstance(v, Scalar)} \
            if isinstance(value, Map) else {}
        missing = [lang for lang in config.languages if lang not in entry]
        if missing:
            problems.append(Problem(value.mark, f"{key.value}: missing " + ", ".join(missing)))
        strings[key.value] = entry
    for name in _REQUIRED_STRINGS:
        if name not in strings:
            problems.append(Problem(node.mark, f"missing string {name!r}",
                                    "the engine prints it in charts and cross-references"))
    return strings


def _meta(config: Config) -> dict[str, Any]:
    day = _report_date(config)
    return {
        "date": day.isoformat(),
        "created": f"{day.isoformat()}T00:00:00Z",
        "generator": f"reportgen {__version__}",
        "version": __version__,
    }


def _report_date(config: Config) -> _dt.date:
    """Pick the report date: configured, SOURCE_DATE_EPOCH, last commit, else today."""
    if config.date:
        return _dt.date.fromisoformat(config.date)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date()
    try:
        stamp = subprocess.run(["git", "-C", str(config.root), "log", "-1", "--format=%ct"],
                               capture_output=True, text=True, check=False, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        stamp = ""
    if stamp.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(stamp), _dt.UTC).date()
    return _dt.datetime.now(_dt.UTC).date()


def _display(config: Config, name: str) -> str:
    path = config.path(name)
    try:
        return str(path.resolve().relative_to(config.root.resolve()))
    except ValueError:
        return str(path)
