"""Build the report: gather and validate everything, render every edition, then write.

A build answers from out/ when nothing changed (inputs are hashed first, before any heavy
import), draws only the charts it has not drawn before, and lays PDFs out in processes
that started importing WeasyPrint while this one was still validating and rendering.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cache import Cache, digest
from .config import Config
from .fonts import FontFile, check_coverage, find_fonts
from .manifest import Inputs, Manifest, fingerprint, manifest_path, sha256_file
from .output import clean_stale, commit, discard, prepare_out, temp_for, write_bytes
from .problems import Mark, Problem, ReportError
from .progress import Progress
from .yamlload import Map, Scalar, load_file

if TYPE_CHECKING:
    from .dataset import Dataset
    from .exhibits import DrawnChart
    from .formats import Formatter
    from .pdf import PdfResult
    from .prefork import Prefork
    from .provenance import Seeds
    from .render import Rendered
    from .schema import Text

__all__ = ["FORMATS", "BuildResult", "Project", "build", "gather"]

FORMATS = ("pdf", "html")
STRINGS_FILE = "strings.yaml"
_REQUIRED_STRINGS = ("exhibit_label", "stated_as")
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
    """What a build wrote, and what it found already up to date."""

    files: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    charts: int = 0
    drawn: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Output:
    """One file to write: an edition in one format, and its HTML once rendered."""

    lang: str
    fmt: str
    final: Path
    tmp: Path
    rendered: Rendered | None = None
    cached: PdfResult | None = None  # a PDF taken from the cache instead of laid out
    key: str = ""


def gather(config: Config) -> Project:
    """Load and validate the data, the seeds and the UI strings; raise on any problem."""
    from .dataset import load_dataset
    from .provenance import check_provenance, load_seeds

    languages = tuple(config.languages)
    dataset = load_dataset(config.path("data"), languages, config.root)
    seeds, problems = load_seeds(config.path("seeds"), _display(config, "seeds"))
    problems += check_provenance(dataset, seeds, config.scale_words)
    strings = _load_strings(config, problems)
    if problems:
        raise ReportError(problems)
    return Project(config, dataset, seeds, strings)


def build(config: Config, languages: list[str] | None = None,
          formats: list[str] | None = None, progress: Progress | None = None) -> BuildResult:
    """Build the requested editions and formats into the output folder."""
    started = time.perf_counter()
    progress = progress or Progress(enabled=False)
    languages = languages or list(config.languages)
    formats = formats or list(FORMATS)
    _check_languages(config, languages)
    out = config.path("out")

    # 1. Fingerprint the inputs; answer at once when every output is still the one we wrote.
    fonts, meta = _fonts_and_meta(config)
    inputs = fingerprint(config, meta["date"], fonts)
    manifest = Manifest.load(manifest_path(config))
    wanted = [out / f"{config.basename}.{lang}.{fmt}" for lang in languages for fmt in formats]
    stale = set(manifest.stale(out, [p.name for p in wanted], inputs))
    result = BuildResult(unchanged=[p for p in wanted if p.name not in stale])
    if not stale:
        result.seconds = time.perf_counter() - started
        return result
    prepare_out(out, _display(config, "out"))
    clean_stale(out)
    outputs = _plan([p for p in wanted if p.name in stale])

    # 2. Start the PDF processes now: WeasyPrint's import overlaps everything below.
    with _pdf_processes(config, outputs) as processes:
        progress.start("validate")
        project = gather(config)
        progress.done("validate", f"{sum(map(len, project.dataset.collections.values()))} records")

        # 3. Draw charts and render every edition; each PDF starts as soon as its HTML is
        # valid, and HTML editions render last: no PDF waits on them.
        cache = config.path("out") / ".cache"
        problems: list[Problem] = []
        charts: dict[str, dict[str, DrawnChart]] = {}
        longest = _longest_first(project, outputs, manifest)
        for output in sorted(outputs, key=lambda o: (o.fmt != "pdf", longest.index(o.lang))):
            lang = output.lang
            if lang not in charts:
                charts[lang] = _charts(project, lang, cache, inputs, result, progress)
            progress.start(f"render {output.final.name}")
            output.rendered = _render(project, output, charts[lang], meta)
            problems += _check_glyphs(output.rendered, charts[lang], fonts, lang, output.fmt,
                                      config)
            if output.fmt == "html":
                problems += _check_self_contained(output.rendered, output.final.name)
            if output.fmt == "pdf" and not problems:
                _start_pdf(processes[output.final.name], output, project, meta, inputs)
            progress.done(f"render {output.final.name}")
        if problems:
            raise ReportError(problems)

        # 4. Write: HTML now, PDFs as their processes finish; all or nothing.
        written = _write_all(config, outputs, processes, result, progress)
    commit((o.tmp, o.final) for o in outputs)
    manifest.record(inputs, written)
    _write_manifest(config, manifest)
    result.files = [o.final for o in outputs]
    result.seconds = time.perf_counter() - started
    return result


def _plan(stale: list[Path]) -> list[_Output]:
    """Name each output to write, with the temporary file it is written to first."""
    return [_Output(p.suffixes[-2][1:], p.suffix[1:], p, temp_for(p)) for p in stale]


def _longest_first(project: Project, outputs: list[_Output], manifest: Manifest) -> list[str]:
    """Order the editions longest first: the build ends when the longest PDF does."""
    langs = list(dict.fromkeys(o.lang for o in outputs))
    pages = {lang: int(manifest.outputs.get(f"{project.config.basename}.{lang}.pdf", {})
                       .get("pages", 0)) for lang in langs}
    if all(pages.values()):
        return sorted(langs, key=lambda lang: -pages[lang])
    # No earlier build to ask: weigh the text, a wide (CJK) character as two narrow ones.
    width = dict.fromkeys(langs, 0)
    for records in project.dataset.collections.values():
        for text in _texts(list(records)):
            for lang in langs:
                line = text.get(lang, "")
                width[lang] += len(line) + sum(1 for c in line if c >= "\u2e80")
    return sorted(langs, key=lambda lang: -width[lang])


def _texts(values: list[Any]) -> Iterator[Text]:
    from .schema import Text

    while values:
        value = values.pop()
        if isinstance(value, Text):
            yield value
        elif isinstance(value, dict):
            values.extend(value.values())
        elif isinstance(value, list):
            values.extend(value)


@contextmanager
def _pdf_processes(config: Config, outputs: list[_Output]) -> Iterator[dict[str, Prefork]]:
    """Fork one warming-up process per PDF to write; stop them all when the build ends."""
    from .pdf import warm_up
    from .prefork import Prefork

    processes: dict[str, Prefork] = {}
    try:
        for output in outputs:
            if output.fmt == "pdf":
                first = not processes  # one warning about the font subsetter is enough
                processes[output.final.name] = Prefork(
                    functools.partial(warm_up, first), config.memory_limit_mb)
        yield processes
    except BaseException:
        discard(o.tmp for o in outputs)
        raise
    finally:
        for process in processes.values():
            process.close()


def _charts(project: Project, lang: str, cache: Path, inputs: Inputs, result: BuildResult,
            progress: Progress) -> dict[str, DrawnChart]:
    """Draw the edition's charts, or take them from the cache keyed by spec, theme, tools."""
    from .exhibits import chart_specs, draw_charts

    progress.start(f"charts {lang}")
    strings = {k: v[lang] for k, v in project.strings.items()}
    store = Cache(cache, "charts", keep=256)
    theme = _theme(project.config)
    warnings: list[str] = []
    specs = chart_specs(project.dataset, _formatter(project, lang), strings, theme, warnings)
    result.warnings += [w for w in warnings if w not in result.warnings]
    charts = draw_charts(specs, theme, store, digest(inputs.tools))
    result.charts += len(charts)
    result.drawn += store.misses
    progress.done(f"charts {lang}", f"{store.misses} drawn, {store.hits} cached")
    return charts


def _render(project: Project, output: _Output, charts: dict[str, DrawnChart],
            meta: dict[str, Any]) -> Rendered:
    from .render import Edition, make_environment, render_edition

    config = project.config
    env = make_environment(config.path("templates"), config.render_timeout)
    edition = Edition(output.lang, config.html_lang.get(output.lang, output.lang), output.fmt)
    strings = {k: v[output.lang] for k, v in project.strings.items()}
    return render_edition(env, config.template, project.dataset, edition,
                          _formatter(project, output.lang), strings, charts,
                          {**meta, "lang": output.lang,
                           "author": config.author.get(output.lang, "")},
                          _edition_links(config, output.lang))


def _edition_links(config: Config, current: str) -> tuple[Any, ...]:
    """Describe every configured edition for the templates: language, name and files."""
    from babel import Locale, UnknownLocaleError

    from .render import EditionLink

    links = []
    for lang in config.languages:
        tag = config.html_lang.get(lang, lang)
        try:
            name = Locale.parse(tag.replace("-", "_")).get_display_name() or lang
        except (ValueError, UnknownLocaleError):
            name = lang
        files = {fmt: f"{config.basename}.{lang}.{fmt}" for fmt in FORMATS}
        links.append(EditionLink(lang, tag, name, files, lang == current))
    return tuple(links)


def _start_pdf(process: Prefork, output: _Output, project: Project, meta: dict[str, Any],
               inputs: Inputs) -> None:
    """Hand the edition's HTML to its waiting process (or take the PDF from the cache)."""
    from .pdf import PdfJob, PdfResult, write_pdf

    config = project.config
    assert output.rendered is not None
    attachments = tuple((p.name, p.read_bytes()) for p in project.dataset.files)
    # The manifest rides in the PDF's document information, as JSON.
    record = json.dumps({"generator": meta["generator"], "inputs": inputs.as_json()},
                        sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    job = PdfJob(output.rendered.html, config.path("templates"), output.tmp, config.basename,
                 config.page_limit, config.pdf_variant, attachments, meta["created"],
                 (("ReportgenManifest", record),))
    # The same inputs give the same PDF: an output deleted by hand, or an edit undone,
    # comes back from the cache without a layout.
    output.key = digest(inputs.digest, output.final.name, output.rendered.html, record)
    stored = _pdf_cache(config).get(output.key)
    pages, _, pdf = (stored or b"").partition(b"\n")
    if pages.isdigit() and pdf.startswith(b"%PDF-"):
        write_bytes(output.tmp, pdf)
        output.cached = PdfResult(pages=int(pages))
        return
    process.submit(write_pdf, job)


def _pdf_cache(config: Config) -> Cache:
    return Cache(config.path("out") / ".cache", "pdf", keep=6)


def _write_all(config: Config, outputs: list[_Output], processes: dict[str, Prefork],
               result: BuildResult, progress: Progress) -> dict[str, dict[str, Any]]:
    """Write the HTML files and wait for the PDFs; return each output's manifest entry."""
    from .worker import JobFailed

    written: dict[str, dict[str, Any]] = {}
    for output in outputs:
        if output.fmt == "html":
            assert output.rendered is not None
            write_bytes(output.tmp, output.rendered.html.encode("utf-8"))
    problems = []
    for output in outputs:
        name = output.final.name
        if output.fmt == "pdf":
            progress.start(f"pdf {name}")
            try:
                pdf: PdfResult = output.cached or processes[name].result(
                    config.render_timeout, name)
            except JobFailed as exc:
                raise ReportError(Problem(Mark(str(exc).split(":", 1)[0]),
                                          str(exc).split(": ", 1)[-1])) from None
            result.warnings += [f"WeasyPrint: {name}: {w}" for w in pdf.warnings]
            problems += [Problem(Mark(name), e) for e in pdf.errors]
            result.pages[name] = pdf.pages
            progress.done(f"pdf {name}", f"{pdf.pages} pages")
            if pdf.errors:
                continue  # no whole file to record, and a failed PDF must never be cached
        written[name] = {"sha256": sha256_file(output.tmp)}
        if output.fmt == "pdf" and output.cached is None and output.key:
            cache = _pdf_cache(config)
            cache.put(output.key, b"%d\n" % result.pages[name] + output.tmp.read_bytes())
            cache.prune([output.key])
        if name in result.pages:
            written[name]["pages"] = result.pages[name]
    if problems:
        raise ReportError(problems)
    return written


def _write_manifest(config: Config, manifest: Manifest) -> None:
    """Write the manifest beside the outputs, atomically, after they are in place."""
    path = manifest_path(config)
    tmp = temp_for(path)
    write_bytes(tmp, manifest.text().encode("utf-8"))
    commit([(tmp, path)])


def _check_languages(config: Config, languages: list[str]) -> None:
    unknown = [lang for lang in languages if lang not in config.languages]
    if unknown:
        raise ReportError(Problem(Mark("reportgen.yaml"), "unknown edition language "
                                  + ", ".join(unknown),
                                  "configured: " + ", ".join(config.languages)))


def _fonts_and_meta(config: Config) -> tuple[list[FontFile], dict[str, Any]]:
    """Look up the fonts and the report date at once: both wait on other programs."""
    # WeasyPrint's subsetter is checked where WeasyPrint is imported: in the PDF processes.
    found: list[tuple[list[FontFile], list[Problem]]] = []
    lookup = threading.Thread(target=lambda: found.append(
        find_fonts(config.fonts, config.font_packages)), daemon=True)
    lookup.start()
    try:
        meta = _meta(config)
    finally:
        lookup.join()
    fonts, problems = found[0] if found else find_fonts(config.fonts, config.font_packages)
    if problems:
        raise ReportError(problems)
    return fonts, meta


def _check_self_contained(rendered: Rendered, name: str) -> list[Problem]:
    """Refuse an HTML edition that would fetch anything when opened: it must work offline."""
    from .htmltext import remote_references

    return [Problem(Mark(name), f"the page would fetch {ref} when opened",
                    "HTML editions are self-contained: inline the asset or use a data: URI")
            for ref in remote_references(rendered.html)]


def _check_glyphs(rendered: Rendered, charts: dict[str, DrawnChart], fonts: list[FontFile],
                  lang: str, fmt: str, config: Config) -> list[Problem]:
    from .htmltext import visible_text

    texts = {f"{config.basename}.{lang}.{fmt}": visible_text(rendered.html)}
    texts.update({f"chart {cid} ({lang})": "".join(c.strings) for cid, c in charts.items()})
    return check_coverage(texts, fonts, config.path("out") / ".cache")


def _formatter(project: Project, lang: str) -> Formatter:
    from .formats import Formatter

    dataset = project.dataset
    return Formatter(lang, {r.id: r for r in dataset.records("units")},
                     {str(r["id"]): r for r in dataset.records("qualifiers")},
                     project.config.number_format.get(lang, []))


def _theme(config: Config) -> Any:
    from .exhibits import chart_theme

    return chart_theme(config)


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
    """Pick the report date: configured, SOURCE_DATE_EPOCH, last commit, newest data, today."""
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
    # Outside git, the newest data file dates the report: a rebuild tomorrow of the same
    # data gives the same bytes, which "today" would not.
    newest = max((p.stat().st_mtime for p in config.path("data").rglob("*") if p.is_file()),
                 default=None)
    if newest is not None:
        return _dt.datetime.fromtimestamp(int(newest), _dt.UTC).date()
    return _dt.datetime.now(_dt.UTC).date()


def _display(config: Config, name: str) -> str:
    path = config.path(name)
    try:
        return str(path.resolve().relative_to(config.root.resolve()))
    except ValueError:
        return str(path)


# ``reportgen.build`` names this function, as ``from reportgen import build`` expects, even
# after this module was imported (which binds the package attribute to the module).
setattr(sys.modules[__package__], "build", build)  # noqa: B010
