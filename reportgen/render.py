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

from .dataset import Dataset
from .exhibits import DrawnChart
from .formats import Formatter
from .htmlcheck import Finding, check_page, inject_csp
from .page import Collections, ExhibitView, Page, Strings, View, typography_for
from .problems import Mark, Problem, ReportError
from .schema import Date, Quantity
from .templateerrors import Missing, template_problem
from .templateloader import SafeLoader
from .textchange import same_markup

__all__ = ["THEME_DIR", "Edition", "EditionLink", "Rendered", "make_environment", "render_edition",
           "template_context"]


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
    headings: list[tuple[int, str, str]] = field(default_factory=list)


# Templates may come from someone else: one expression must not exhaust memory or time.
_MAX_ITEMS = 10_000_000  # characters or items one '*' may produce
_MAX_BITS = 100_000  # size of an integer one '**' may produce
RENDER_SECONDS = 300
_KEPT_ANSWERS = 10_000  # (type, attribute) pairs the sandbox has ruled on
_MAPPINGS = frozenset({View, Strings, Collections, ExhibitView})


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with '*' and '**' refused when the result would be huge."""

    intercepted_binops = frozenset({"*", "**"})
    render_seconds: float = RENDER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str], bool] = {}
        self._has: dict[tuple[type, str], bool] = {}  # whether a type has the attribute

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, kept per type and name: it depends on nothing else.

        The sandbox asks for every attribute a template reads, ten thousand times a page.
        """
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            if len(self._safe) >= _KEPT_ANSWERS:
                self._safe.clear()
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's lookup, shorter for the mappings the engine hands templates (records,
        strings, collections, exhibits), which templates read by key ten thousand times
        a page: a name that is no attribute of the mapping is its key, as Jinja would find
        after its attribute lookup failed, without raising and catching that failure."""
        kind = type(obj)
        if kind in _MAPPINGS:
            key = (kind, attribute)
            has = self._has.get(key)
            if has is None:
                if len(self._has) >= _KEPT_ANSWERS:
                    self._has.clear()
                has = self._has[key] = hasattr(kind, attribute)
            if not has and attribute not in obj.__dict__:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

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
            SafeLoader(templates),
            jinja2.PrefixLoader({"theme": SafeLoader(THEME_DIR)}),
        ]),
        autoescape=True,
        undefined=Missing,
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


def render_edition(env: jinja2.Environment, template: str, dataset: Dataset, edition: Edition,
                   formatter: Formatter, strings: Mapping[str, str],
                   charts: Mapping[str, DrawnChart], meta: Mapping[str, Any],
                   editions: tuple[EditionLink, ...] = (),
                   extra: Mapping[str, Any] | None = None,
                   prior: Rendered | None = None) -> Rendered:
    """Render ``template``: once to number exhibits and headings, once more with their order.

    ``extra`` holds context keys the build adds (documented in docs/templates.md). The
    HTML edition gets the engine's Content-Security-Policy; both editions are checked by
    parsing (htmlcheck.py), and what they must not hold is reported at the template line.

    ``prior`` is this edition's last good rendering, kept by a long-lived process: its
    exhibit and heading order stand in for the first pass's, so one pass is enough when
    the page places the same exhibits and headings in the same order (a page rendered
    with the order it places renders the same again). When the new page differs from
    the prior one only in text the parser reads as text, the prior page's verdict (it had
    no findings) is the new one's: see ``textchange.same_markup``.
    """
    typography = typography_for(edition.html_lang, edition.lang, dataset, strings)
    shown = Strings({k: typography.phrase(v) for k, v in strings.items()})
    # The prior order, of the exhibits that are still exhibits (an edit may rename one).
    order: list[str] = [rid for rid in (prior.exhibits if prior else ())
                        if getattr(dataset.by_id.get(rid), "collection", "") == "exhibits"]
    headings: list[tuple[int, str, str]] = list(prior.headings) if prior else []
    page = None
    context: dict[str, Any] = {**(extra or {}), "meta": {**meta, "editions": editions}}
    for _ in range(2):
        page = Page(dataset, edition.lang, edition.target, formatter, typography, shown, charts,
                    order, prior_headings=headings)
        try:
            html = _render_once(env, template, page, context)
        except ReportError:
            if not (order or headings):
                raise
            # Whatever the prior numbering did to this pass, a cold render says it plainly.
            return render_edition(env, template, dataset, edition, formatter, strings, charts,
                                  meta, editions, extra)
        if page.exhibits == order and page.headings == headings:
            break  # numbered with the order it places: another pass renders the same page
        order, headings = list(page.exhibits), list(page.headings)
    assert page is not None
    if edition.target == "html":
        html = inject_csp(html)
    if prior is None or not same_markup(prior.html, html):
        _check(html, env, template, dataset, edition)
    return Rendered(html, list(page.exhibits), len(page.notes), list(page.headings))


def _check(html: str, env: jinja2.Environment, template: str, dataset: Dataset,
           edition: Edition) -> None:
    """Raise ReportError at the template line for what the page must not hold."""
    try:  # parsing the HTML edition is bounded in size (MAX_MARKUP) and in time
        with _time_limit(getattr(env, "render_seconds", 0) if edition.target == "html" else 0):
            findings = check_page(html, edition.target)
    except _TooSlow as exc:
        raise ReportError(Problem(Mark(f"templates/{template}"),
                                  f"checking the rendered page: {exc}")) from None
    problems = [_finding_problem(f, env, template, dataset, edition, html) for f in findings]
    if problems:
        raise ReportError(problems)


def template_context(env: jinja2.Environment, page: Page,
                     given: Mapping[str, Any]) -> dict[str, Any]:
    """Return what a template sees (docs/templates.md lists every name), filters set on env."""
    meta = dict(given.get("meta", {}))
    editions = meta.pop("editions", ())
    fonts = meta.pop("fonts", ())
    context = {
        **{k: v for k, v in given.items() if k != "meta"},
        "data": page.data(),
        "lang": page.lang,
        "html_lang": page.typography.tag,
        "target": page.target,
        "strings": page.strings,
        "meta": meta,
        # Every edition of the report (this one included, ``current``): its language, the
        # language's own name and its file per format, to link the others.
        "editions": editions,
        # The configured font families (the glyph check's): names, and ``fonts.css``.
        "fonts": fonts,
        "record": page.record,
        "exhibit": page.exhibit,
        "xref": lambda rid: page.link(rid, page.exhibit_label(rid)),
        # ``after``: the text printed just before, whose last sentence's notes are not
        # cited again.
        "cite": lambda record, after=None: page.cite(record, page.trailing_notes(after)),
        "heading": page.heading,
        "toc": lambda: list(page.prior_headings),
        "exhibit_list": page.exhibit_list,
        "notes": lambda: sorted(page.notes.values(), key=lambda n: n.number),
        "plain": page.plain,
        "asset": lambda name: Markup(env.loader.get_source(env, name)[0]) if env.loader else "",
    }
    typo = page.typography
    env.filters["plain"] = page.plain
    env.filters["q"] = lambda q: typo.phrase(page.formatter.quantity(q)) \
        if isinstance(q, Quantity) else q
    env.filters["number"] = lambda q: typo.phrase(page.formatter.number(q)) \
        if isinstance(q, Quantity) else q
    env.filters["symbol"] = lambda q: page.formatter.symbol(q) if isinstance(q, Quantity) else ""
    env.filters["in_lang"] = page.in_lang
    env.filters["date"] = lambda d: typo.phrase(page.formatter.date(d)) \
        if isinstance(d, Date) else d
    env.filters["keep_end"] = keep_end
    return context


def keep_end(text: str) -> Markup:
    """Return ``text`` escaped, its last two characters in one unbreakable span.

    For verbatim text (a source quote) that must not gain characters: its last line then
    never holds one character alone, and the text itself is unchanged.
    """
    text = str(text)
    cut = len(text.rstrip())
    cut = max(0, cut - 2)
    if cut == 0:
        return escape(text)
    return escape(text[:cut]) + Markup('<span class="keep">') + escape(text[cut:]) \
        + Markup("</span>")


def _render_once(env: jinja2.Environment, template: str, page: Page,
                 given: Mapping[str, Any]) -> str:
    context = template_context(env, page, given)
    try:
        with _time_limit(getattr(env, "render_seconds", 0)):
            return env.get_template(template).render(context)
    except (jinja2.TemplateError, TypeError, LookupError, ValueError, ArithmeticError,
            RecursionError) as exc:
        raise ReportError(template_problem(exc, template, context, env)) from None


def _finding_problem(finding: Finding, env: jinja2.Environment, template: str,
                     dataset: Dataset, edition: Edition, html: str) -> Problem:
    """Locate what the page check found: at the record whose id it is, or a template line."""
    where = f"{edition.target.upper()} edition ({edition.lang})"
    record = dataset.by_id.get(finding.ident) if finding.ident else None
    if record is not None:
        return Problem(record.marks.get("id", record.mark),
                       f"record {finding.ident!r} ({record.collection}): "
                       f"{finding.message} in the {where}",
                       "a record's id is its anchor in the page: rename the record, "
                       "or the template's element that has the same id")
    mark = _locate(env, template, finding.needles())
    message = f"{where}: {finding.message}"
    if mark is None:
        mark = Mark(f"templates/{template}")
        at = html.find(finding.value) if finding.value else -1
        if at >= 0:
            message += f" (line {html.count(chr(10), 0, at) + 1} of the rendered page)"
    hint = ("the HTML edition is one self-contained file: inline assets as data: images, "
            "CSS in <style>, no scripts" if edition.target == "html" else
            "link to an #anchor or an absolute https: URL")
    return Problem(mark, message, hint)


def _locate(env: jinja2.Environment, template: str, needles: list[str]) -> Mark | None:
    """Return where the first of ``needles`` found (or its HTML-escaped form) is written."""
    if not needles or env.loader is None:
        return None
    try:
        names = [template, *sorted(n for n in env.loader.list_templates() if n != template)]
    except (TypeError, OSError):
        names = [template]
    sources = []
    for name in names:
        try:
            sources.append((name, env.loader.get_source(env, name)[0]))
        except (jinja2.TemplateNotFound, OSError, UnicodeDecodeError, ReportError):
            continue  # not a text file, or one the loader refuses: nothing to point at
    forms = [f for needle in needles for f in dict.fromkeys((needle, str(escape(needle))))]
    for form in forms:
        for name, source in sources:
            at = source.find(form)
            if at >= 0:
                line = source.count("\n", 0, at) + 1
                column = at - (source.rfind("\n", 0, at) + 1) + 1
                shown = name if name.startswith("theme/") else f"templates/{name}"
                return Mark(shown, line, column)
    return None
