"""Render one edition's HTML from the dataset, the templates and the drawn charts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .dataset import INLINE_REF, Dataset
from .exhibits import DrawnChart, exhibit_fields
from .formats import Formatter
from .problems import Mark, Problem, ReportError
from .schema import Date, Quantity, Record, Source, Text

__all__ = ["THEME_DIR", "Edition", "EditionLink", "Rendered", "make_environment", "render_edition"]


@dataclass(frozen=True)
class Edition:
    """What one edition is rendered for: its language and its medium."""

    lang: str
    html_lang: str
    target: str  # "pdf" or "html"


@dataclass(frozen=True)
class EditionLink:
    """One edition of the report as templates see it: to name and link the others."""

    lang: str
    html_lang: str
    name: str  # the language's name in that language (CLDR): English, 中文, Deutsch
    files: Mapping[str, str]  # format -> file name, e.g. {"pdf": "report.en.pdf"}
    current: bool = False


# The shared design (cover, contents, exhibit and note macros, CSS, navigation) ships with
# the engine; templates reach it as "theme/…", so another report reuses it without a copy.
THEME_DIR = Path(__file__).parent / "theme"


@dataclass
class Rendered:
    """The HTML of one edition and what it placed."""

    html: str
    exhibits: list[str]
    notes: int


# Templates may come from someone else: one expression must not exhaust memory or time.
_MAX_ITEMS = 10_000_000  # characters or items one '*' may produce
_MAX_BITS = 100_000  # size of an integer one '**' may produce
RENDER_SECONDS = 300


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with '*' and '**' refused when the result would be huge."""

    intercepted_binops = frozenset({"*", "**"})
    render_seconds: float = RENDER_SECONDS

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) \
                        and len(seq) * times > _MAX_ITEMS:
                    raise jinja2.exceptions.SecurityError(
                        f"'*' would make {len(seq) * times:,} items, more than {_MAX_ITEMS:,}")
        elif isinstance(left, int) and isinstance(right, int) and right > 0 \
                and abs(left) > 1 and left.bit_length() * right > _MAX_BITS:
            raise jinja2.exceptions.SecurityError(f"'**' result too large: {left} ** {right}")
        return super().call_binop(context, operator, left, right)


class _TooSlow(jinja2.TemplateRuntimeError):
    """Rendering ran past its time limit."""


def make_environment(templates: Path, seconds: float = RENDER_SECONDS) -> jinja2.Environment:
    """Return a sandboxed Jinja environment that loads only from ``templates``."""
    env = _BoundedSandbox(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(str(templates)),
            jinja2.PrefixLoader({"theme": jinja2.FileSystemLoader(str(THEME_DIR))}),
        ]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.render_seconds = seconds
    return env


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _TooSlow inside the block after ``seconds`` (main thread only)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TooSlow(f"rendering took longer than {seconds:g} s "
                       "(render_timeout in reportgen.yaml)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Rich(str):
    """Text of one edition whose inline references expand when printed as HTML."""

    page: _Page
    all: Text

    def __html__(self) -> str:
        return self.page.expand(str(self), markup=True)


@dataclass
class _Note:
    number: int
    source: Source
    backrefs: int = 0


@dataclass
class _Page:
    """The state of one render pass: numbering of exhibits, notes and headings."""

    dataset: Dataset
    edition: Edition
    formatter: Formatter
    strings: Mapping[str, str]
    charts: Mapping[str, DrawnChart]
    order: list[str]  # exhibit ids, in the order the previous pass placed them
    exhibits: list[str] = field(default_factory=list)
    notes: dict[tuple[str, str], _Note] = field(default_factory=dict)
    headings: list[tuple[int, str, str]] = field(default_factory=list)
    prior_headings: list[tuple[int, str, str]] = field(default_factory=list)
    views: dict[int, Any] = field(default_factory=dict)

    # --- localised views of the data ---

    def view(self, value: Any) -> Any:
        if isinstance(value, Text):
            rich = _Rich(value[self.edition.lang])
            rich.page, rich.all = self, value
            return rich
        if isinstance(value, Record):
            key = id(value)
            if key not in self.views:
                out = _View(value)
                self.views[key] = out
                out.update({k: self.view(v) for k, v in value.items()})
            return self.views[key]
        if isinstance(value, list):
            return [self.view(v) for v in value]
        if isinstance(value, dict):
            return {k: self.view(v) for k, v in value.items()}
        return value

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, records in self.dataset.collections.items():
            single = self.dataset.spec(name).single
            out[name] = self.view(records[0]) if single else [self.view(r) for r in records]
        return out

    # --- inline references and notes ---

    def expand(self, text: str, markup: bool) -> str:
        parts: list[str] = []
        pos = 0
        for match in INLINE_REF.finditer(text):
            parts.append(str(escape(text[pos:match.start()])) if markup else
                         text[pos:match.start()])
            parts.append(self.inline(match.group(1), match.group(2), markup))
            pos = match.end()
        parts.append(str(escape(text[pos:])) if markup else text[pos:])
        return "".join(parts)

    def inline(self, rid: str, label: str | None, markup: bool) -> str:
        record = self.dataset.by_id[rid]
        quantity = next((v for v in record.values() if isinstance(v, Quantity)), None)
        if record.collection == "exhibits":
            text = label or self.exhibit_label(rid)
            return str(self.link(rid, text)) if markup else text
        if quantity is not None:
            text = label or self.formatter.quantity(quantity)
            return str(escape(text) + self.cite(record)) if markup else text
        name = record.get("short") or record.get("name")
        text = label or (name[self.edition.lang] if isinstance(name, Text) else rid)
        return str(escape(text)) if markup else text

    def link(self, rid: str, text: str) -> Markup:
        return Markup('<a class="xref" href="#{}">{}</a>').format(rid, text)

    def cite(self, record: Any) -> Markup:
        sources = _sources(record)
        marks = []
        for source in sources:
            key = (source.seed, source.quote)
            note = self.notes.get(key)
            if note is None:
                note = self.notes[key] = _Note(len(self.notes) + 1, source)
            note.backrefs += 1
            marks.append(Markup('<a class="note-ref" href="#note-{n}" id="cite-{n}-{k}" '
                                'role="doc-noteref" title="{t}">{n}</a>').format(
                n=note.number, k=note.backrefs, t=_shorten(source.quote)))
        if not marks:
            return Markup("")
        return Markup('<sup class="cite">') + Markup(",").join(marks) + Markup("</sup>")

    # --- exhibits and headings ---

    def exhibit_number(self, rid: str) -> int:
        if rid in self.order:
            return self.order.index(rid) + 1
        return len(self.order) + 1 + (self.exhibits.index(rid) if rid in self.exhibits else 0)

    def exhibit_label(self, rid: str) -> str:
        return self.strings["exhibit_label"].replace("{n}", str(self.exhibit_number(rid)))

    def exhibit(self, rid: str) -> dict[str, Any]:
        record = self.dataset.by_id.get(rid)
        if record is None or record.collection != "exhibits":
            raise jinja2.TemplateRuntimeError(f"exhibit({rid!r}): no exhibit has this id")
        if rid in self.exhibits:
            raise jinja2.TemplateRuntimeError(f"exhibit({rid!r}) is placed twice")
        self.exhibits.append(rid)
        chart = self.charts.get(rid)
        drawn = exhibit_fields(chart, self.edition.target)
        seeds = sorted({s.seed for item in record.get("series", []) for s in _sources(item["ref"])})
        return {
            "id": rid,
            "number": self.exhibit_number(rid),
            "label": self.exhibit_label(rid),
            "record": self.view(record),
            "series": [self.view(item["ref"]) for item in record.get("series", [])],
            # HTML: the wide and the narrow drawing (CSS shows one); PDF: the print one.
            "svg": Markup(drawn["svg"]),
            "svg_narrow": Markup(drawn["svg_narrow"]),
            "img": drawn["img"],
            "summary": drawn["summary"],
            "rows": list(chart.rows) if chart else [],
            "seeds": seeds,
        }

    def heading(self, level: int, hid: str, text: Any) -> Markup:
        plain = self.plain(text)
        self.headings.append((level, hid, plain))
        return Markup('<h{l} id="{i}">{t}</h{l}>').format(l=level, i=hid, t=text)

    def plain(self, text: Any) -> str:
        if isinstance(text, _Rich):
            return self.expand(str(text), markup=False)
        return str(text)


class _View(dict[str, Any]):
    """A record as templates see it: fields of one edition, plus id and collection."""

    def __init__(self, record: Record) -> None:
        super().__init__()
        self.collection = record.collection
        self.record = record


def _sources(record: Any) -> list[Source]:
    if isinstance(record, _View):
        record = record.record
    if isinstance(record, Source):
        return [record]
    if not isinstance(record, dict):
        return []
    found: list[Source] = []
    for value in record.values():
        if isinstance(value, Source):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, Source))
    return found


def _in_lang(page: _Page, text: Any, lang: str) -> str:
    """Return ``text`` as written for another edition, references expanded as plain text."""
    if isinstance(text, _Rich):
        return page.expand(text.all.get(lang, str(text)), markup=False)
    return str(text)


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def render_edition(env: jinja2.Environment, template: str, dataset: Dataset, edition: Edition,
                   formatter: Formatter, strings: Mapping[str, str],
                   charts: Mapping[str, DrawnChart], meta: Mapping[str, Any],
                   editions: tuple[EditionLink, ...] = ()) -> Rendered:
    """Render ``template`` twice: once to number exhibits and headings, once for real."""
    order: list[str] = []
    headings: list[tuple[int, str, str]] = []
    page = None
    for _ in range(2):
        page = _Page(dataset, edition, formatter, strings, charts, order,
                     prior_headings=headings)
        html = _render_once(env, template, page, {**meta, "editions": editions})
        order, headings = list(page.exhibits), list(page.headings)
    assert page is not None
    return Rendered(html, order, len(page.notes))


def _render_once(env: jinja2.Environment, template: str, page: _Page,
                 meta: Mapping[str, Any]) -> str:
    context = {
        "data": page.data(),
        "lang": page.edition.lang,
        "html_lang": page.edition.html_lang,
        "target": page.edition.target,
        "strings": page.strings,
        "meta": {k: v for k, v in meta.items() if k != "editions"},
        # Every edition of the report (this one included, ``current``): its language, the
        # language's own name and its file per format, to link the others.
        "editions": meta.get("editions", ()),
        "record": lambda rid: page.view(page.dataset.by_id[rid]),
        "exhibit": page.exhibit,
        "xref": lambda rid: page.link(rid, page.exhibit_label(rid)),
        "cite": page.cite,
        "heading": page.heading,
        "toc": lambda: list(page.prior_headings),
        "exhibit_list": lambda: [(rid, page.exhibit_number(rid),
                                  page.view(page.dataset.by_id[rid]["title"]))
                                 for rid in page.order],
        "notes": lambda: sorted(page.notes.values(), key=lambda n: n.number),
        "plain": page.plain,
        "asset": lambda name: Markup(env.loader.get_source(env, name)[0]) if env.loader else "",
    }
    env.filters["plain"] = page.plain
    env.filters["q"] = lambda q: page.formatter.quantity(q) if isinstance(q, Quantity) else q
    env.filters["number"] = lambda q: page.formatter.number(q) if isinstance(q, Quantity) else q
    env.filters["symbol"] = lambda q: page.formatter.symbol(q) if isinstance(q, Quantity) else ""
    env.filters["in_lang"] = lambda text, lang: _in_lang(page, text, lang)
    env.filters["date"] = lambda d: page.formatter.date(d) if isinstance(d, Date) else d
    try:
        with _time_limit(getattr(env, "render_seconds", 0)):
            return env.get_template(template).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ReportError(Problem(Mark(f"templates/{exc.name or template}", exc.lineno),
                                  f"template syntax error: {exc.message}")) from None
    except jinja2.TemplateNotFound as exc:
        raise ReportError(Problem(_template_mark(exc, template),
                                  f"template not found: {exc.name}",
                                  "templates load only from the templates folder")) from None
    except (jinja2.UndefinedError, jinja2.TemplateRuntimeError, jinja2.exceptions.SecurityError,
            TypeError, LookupError, ValueError, ArithmeticError, RecursionError) as exc:
        message = str(exc).replace(f"'{_View.__module__}._View object'", "the record")
        raise ReportError(Problem(_template_mark(exc, template),
                                  f"template error: {message}")) from None


def _template_mark(exc: BaseException, template: str) -> Mark:
    """Find the template line an exception was raised from, via Jinja's traceback rewrite."""
    tb = exc.__traceback__
    mark = Mark(f"templates/{template}")
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".jinja")):
            mark = Mark(_relative(filename), tb.tb_lineno)
        tb = tb.tb_next
    return mark


def _relative(filename: str) -> str:
    parts = Path(filename).parts
    if "templates" in parts:
        return "/".join(parts[parts.index("templates"):])
    return filename
