"""Stage 3, render: draw an edition's charts, render its HTML, and check what it draws.

``render(project, output, plan)`` fills ``output.rendered`` and refuses a page that would
fetch anything when opened; ``check(project, output, plan)`` returns the characters no
font has, located in the data, strings or templates they come from.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..editions import Output, edition_links, file_name
from ..exhibits import DrawnChart
from ..files import MAX_TEMPLATE_BYTES, read_text
from ..fonts import Families, missing_glyphs
from ..problems import Mark, Problem, ReportError
from .gather import STRINGS_FILE, Project
from .plan import Plan, display

if TYPE_CHECKING:
    import jinja2

__all__ = ["Known", "charts", "check", "render", "render_order"]

_LOG = logging.getLogger(__name__)
_TEMPLATE_SUFFIXES = (".j2", ".html", ".jinja", ".css", ".svg")


def charts(project: Project, lang: str, plan: Plan) -> dict[str, DrawnChart]:
    """Draw the edition's charts, or take them from the cache keyed by spec, theme, tools."""
    if lang in project.charts:
        return project.charts[lang]
    from ..cache import Cache, digest
    from ..exhibits import chart_specs, chart_theme, draw_charts

    store = Cache(plan.cache, "charts", keep=256) if plan.cache else None
    theme = chart_theme(project.config)
    notes: list[str] = []
    specs = chart_specs(project.dataset, project.formatter(lang), project.strings_in(lang),
                        theme, notes)
    # Advice on charts that build but read better as something else (-v shows it).
    for note in notes:
        _LOG.info("charts %s: %s", lang, note)
    drawn = draw_charts(specs, theme, store, digest(plan.inputs.tools))
    misses = store.misses if store else len(drawn)
    project.charts[lang] = drawn
    project.charts_drawn += misses
    _LOG.debug("charts %s: %d drawn, %d from the cache", lang, misses, len(drawn) - misses)
    return drawn


def render(project: Project, output: Output, plan: Plan,
           env: jinja2.Environment | None = None) -> None:
    """Render the output's HTML into ``output.rendered``; raise ReportError on a template error.

    A template that exhausts the build's memory bound (memory_limit_mb) is a template
    error at its line, like any other. A long-lived process passes its own ``env`` (from
    ``make_environment``), whose compiled templates it keeps between renders, and keeps
    the output: its last good rendering numbers the next one (``render_edition``'s prior).
    """
    from ..render import Edition, make_environment, render_edition

    config = project.config
    drawn = charts(project, output.lang, plan)
    env = env or make_environment(config.path("templates"), config.render_timeout)
    meta = {**plan.meta, "lang": output.lang, "author": config.author.get(output.lang, ""),
            "fonts": Families(config.fonts)}
    try:
        output.rendered = render_edition(
            env, config.template, project.dataset,
            Edition(output.lang, output.html_lang, output.fmt), project.formatter(output.lang),
            project.strings_in(output.lang), drawn, meta, edition_links(config, output.lang),
            prior=output.rendered)
    except MemoryError as exc:
        where = _template_mark(exc, project) or Mark(f"{display(config, 'templates')}/"
                                                     f"{config.template}")
        raise ReportError(Problem(where, "template error: ran out of memory",
                                  f"rendering is bounded like layout (memory_limit_mb: "
                                  f"{config.memory_limit_mb} MiB)")) from None
    _LOG.debug("render %s: %d characters of HTML, %d exhibits, %d notes", output.name,
               len(output.rendered.html), len(output.rendered.exhibits), output.rendered.notes)


@dataclass
class Known:
    """What a long-lived process knows the fonts have: characters, and per output the
    last page made of them only (a new page then has new characters only where it
    differs from that one)."""

    chars: set[str] = field(default_factory=set)
    pages: dict[str, str] = field(default_factory=dict)


def check(project: Project, output: Output, plan: Plan,
          covered: Known | None = None) -> list[Problem]:
    """Return the characters of a rendered output that no font has, located at their source.

    What a page would fetch when opened is refused when it is rendered (``render``, at the
    template line). A long-lived process passes ``covered``, the characters the fonts are
    known to have (or that draw nothing): when every character of the page is among them,
    the glyph check has nothing to find; characters checked here are added to it.
    """
    from ..htmltext import visible_text

    charts = {f"chart {cid} ({output.lang})": "".join(c.strings)
              for cid, c in project.charts.get(output.lang, {}).items()}
    if covered is not None and _known(output.name, output.html, charts.values(), covered,
                                      plan):
        return []
    texts = {output.name: visible_text(output.html), **charts}
    missing = missing_glyphs(texts, plan.fonts, plan.cache)
    return [_glyph_problem(project, char, places, plan) for char, places in
            sorted(missing.items())]


def _known(name: str, page: str, charts: Iterable[str], covered: Known, plan: Plan) -> bool:
    """Whether every character of the page (markup included) is known to have a glyph."""
    import html

    from ..textchange import changed_span

    text = page
    last = covered.pages.get(name)
    if last is not None:
        # Only the span an edit changed can hold new characters; widened to the nearest
        # "<" or ">" around it, it cuts no character reference in two.
        start, _, end = changed_span(last, page)
        start = max(page.rfind("<", 0, start), page.rfind(">", 0, start), 0)
        ends = [at for at in (page.find("<", end), page.find(">", end)) if at >= 0]
        text = page[start:min(ends) + 1] if ends else page[start:]
    new = set(html.unescape(text)).union(*charts) - covered.chars
    missing = missing_glyphs({"": "".join(sorted(new))}, plan.fonts, plan.cache) if new else {}
    covered.chars.update(new - set(missing))
    if missing:
        covered.pages.pop(name, None)
    else:
        covered.pages[name] = page
    return not missing


def render_order(project: Project, plan: Plan) -> list[Output]:
    """Order outputs so the build ends soonest: PDFs first, the longest edition first.

    HTML editions render last: no PDF waits on them.
    """
    langs = list(dict.fromkeys(o.lang for o in plan.outputs))
    pages = {lang: plan.manifest.pages(file_name(project.config, lang, "pdf")) for lang in langs}
    if not all(pages.values()):
        # No earlier build to ask: weigh the text, a wide (CJK) character as two narrow ones.
        pages = dict.fromkeys(langs, 0)
        for text in _texts(list(project.dataset.collections.values())):
            for lang in langs:
                line = text.get(lang, "")
                pages[lang] += len(line) + sum(1 for c in line if c >= "\u2e80")
    longest = sorted(langs, key=lambda lang: -pages[lang])
    return sorted(plan.outputs, key=lambda o: (o.fmt != "pdf", longest.index(o.lang)))


def _texts(values: list[Any]) -> Iterator[dict[str, str]]:
    from ..schema import Text

    while values:
        value = values.pop()
        if isinstance(value, Text):
            yield value
        elif isinstance(value, dict):
            values.extend(value.values())
        elif isinstance(value, list):
            values.extend(value)


# --- where a character without a glyph comes from ---------------------------------------

def _glyph_problem(project: Project, char: str, places: list[str], plan: Plan) -> Problem:
    import unicodedata

    names = ", ".join(f.family for f in plan.fonts)
    found = _find_in_data(project, char) or _find_in_strings(project, char) \
        or _find_in_templates(project, char)
    message = (f"character {char!r} (U+{ord(char):04X}, {unicodedata.name(char, 'unnamed')}) "
               f"has no glyph in {names}")
    if found is None:
        also = ", ".join(places[1:4])
        return Problem(Mark(places[0]), message, f"also in {also}" if also else
                       "change the text or add a font that covers it")
    where, what = found
    return Problem(where, f"{what}: {message}",
                   "change the text, or add a font that covers it to fonts; drawn in "
                   + ", ".join(places[:4]))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))


def _find_in_data(project: Project, char: str) -> tuple[Mark, str] | None:
    for collection, records in project.dataset.collections.items():
        for record in records:
            for name, value in record.items():
                if any(char in text for text in _strings(value)):
                    mark = record.marks.get(name, record.mark)
                    rid = record.get("id")
                    return mark, f"{collection}.{name}" + (f" of {rid!r}" if rid else "")
    return None


def _find_in_strings(project: Project, char: str) -> tuple[Mark, str] | None:
    for key, entry in project.strings.items():
        if any(char in text for text in entry.values()):
            default = Mark(f"{display(project.config, 'templates')}/{STRINGS_FILE}")
            return project.string_marks.get(key, default), f"string {key!r}"
    return None


def _find_in_templates(project: Project, char: str) -> tuple[Mark, str] | None:
    from ..render import THEME_DIR

    folders = [(project.config.path("templates"), display(project.config, "templates")),
               (THEME_DIR, "theme")]
    for folder, shown in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in _TEMPLATE_SUFFIXES or not path.is_file():
                continue
            try:  # inside the folder, a regular file of bounded size: see reportgen.files
                text = read_text(path, folder, path.name, MAX_TEMPLATE_BYTES)
            except ReportError:
                continue
            if char in text:
                before = text[:text.index(char)]
                line = before.count("\n") + 1
                column = len(before) - (before.rfind("\n") + 1) + 1
                rel = path.relative_to(folder).as_posix()
                return Mark(f"{shown}/{rel}", line, column), "template text"
    return None


def _template_mark(exc: BaseException, project: Project) -> Mark | None:
    """Find the template line an exception was raised from (Jinja rewrites the traceback)."""
    from ..render import THEME_DIR

    templates = project.config.path("templates").resolve()
    mark = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".jinja")):
            path = Path(filename).resolve()
            if path.is_relative_to(templates):
                name = f"{display(project.config, 'templates')}/" \
                       f"{path.relative_to(templates).as_posix()}"
            elif path.is_relative_to(THEME_DIR.resolve()):
                name = f"theme/{path.relative_to(THEME_DIR.resolve()).as_posix()}"
            else:
                name = filename
            mark = Mark(name, tb.tb_lineno)
        tb = tb.tb_next
    return mark
