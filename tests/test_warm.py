"""The warm preview renders what a cold build renders, in fewer steps.

A long-lived session keeps each edition's last good rendering: its exhibit and heading
order number the next render, which then takes one pass instead of two; and a page that
differs from the last checked one only in its text keeps that page's verdict instead of
being parsed again (``textchange.same_markup``). Both shortcuts must give the page a cold
build gives, and the verdict a full check gives.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_briefing
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mutations import Mutation, edit

import reportgen.render
from reportgen import textchange
from reportgen.config import load_config
from reportgen.htmlcheck import check_page, inject_csp
from reportgen.problems import ReportError
from reportgen.session import Session
from reportgen.textchange import same_markup

_PARAGRAPH = re.compile(r"^      en: (\w[^\n\[]*\.)$", re.MULTILINE)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped briefing's project folder."""
    return copy_briefing(tmp_path_factory.mktemp("warm") / "briefing")


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The render passes and full page checks made, in order ("pass", "check")."""
    made: list[str] = []
    render_once, check = reportgen.render._render_once, check_page

    def counted_render(*args: object, **kwargs: object) -> str:
        made.append("pass")
        return render_once(*args, **kwargs)  # type: ignore[arg-type]

    def counted_check(html: str, target: str) -> object:
        made.append("check")
        return check(html, target)

    monkeypatch.setattr(reportgen.render, "_render_once", counted_render)
    monkeypatch.setattr(reportgen.render, "check_page", counted_check)
    yield made


def _sentence_added(project: Path) -> None:
    path = project / "data" / "points.yaml"
    text = path.read_text(encoding="utf-8")
    found = _PARAGRAPH.search(text)
    assert found is not None
    path.write_text(text[:found.end(1)] + " Quietly." + text[found.end(1):], encoding="utf-8")


def _cold(project: Path) -> dict[str, str]:
    return Session(lambda: load_config(project)).html()


_SWAP = edit('  {{ m.figure("fig-scale") }}\n  {{ m.figure("fig-amounts") }}',
             '  {{ m.figure("fig-amounts") }}\n  {{ m.figure("fig-scale") }}',
             "templates/sections/body.html.j2")
_HEADING = edit("h_methodology: {zh: 研究方法, en: Methodology}",
                "h_methodology: {zh: 研究方法与口径, en: How we counted}", "templates/strings.yaml")


@pytest.mark.parametrize(("mutation", "renders", "checks"), [
    # One paragraph: one pass per edition, no full check (only text changed).
    (_sentence_added, ["pass", "pass"], 0),
    # Two exhibits trade places: their numbers (and every cross-reference) change.
    (_SWAP, ["pass", "pass", "pass", "pass"], 2),
    # A heading's words change: the contents list follows (in text only).
    (_HEADING, ["pass", "pass", "pass", "pass"], 0),
], ids=["paragraph", "exhibits-swapped", "heading-renamed"])
def test_a_warm_render_equals_a_cold_one(project: Path, tmp_path: Path, passes: list[str],
                                         mutation: Mutation, renders: list[str],
                                         checks: int) -> None:
    work = tmp_path / "p"
    shutil.copytree(project, work)
    session = Session(lambda: load_config(work))
    before = session.html()
    files = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    mutation(work)
    session.note(p for p, data in files.items() if p.read_bytes() != data)
    passes.clear()
    warm = session.html()
    made = list(passes)
    assert warm != before, "the edit changed nothing"
    assert warm == _cold(work)
    assert [p for p in made if p == "pass"] == renders
    assert made.count("check") == checks


def test_a_warm_check_finds_a_character_without_a_glyph_wherever_an_edit_puts_it(
        project: Path, tmp_path: Path) -> None:
    """A warm session checks glyphs only where the page changed: it still finds them all.

    The character comes in as text of the data, then as a character reference written in a
    template (the page holds "&#77824;", not the character); fixing it clears the problem.
    """
    work = tmp_path / "p"
    shutil.copytree(project, work)
    session = Session(lambda: load_config(work))
    session.html()
    points = work / "data" / "points.yaml"
    template = work / "templates" / "sections" / "appendix.html.j2"
    original = {path: path.read_text(encoding="utf-8") for path in (points, template)}
    found = _PARAGRAPH.search(original[points])
    assert found is not None
    line = original[template].splitlines(keepends=True)
    at = next(i for i, text in enumerate(line) if "s-methodology" in text)
    edits = [
        (points, original[points][:found.end(1)] + " \U00013000" + original[points][found.end(1):]),
        (template, "".join(line[:at + 1]) + "<p>&#77824;</p>\n" + "".join(line[at + 1:])),
    ]
    for path, text in edits:
        path.write_text(text, encoding="utf-8")
        session.note([path])
        with pytest.raises(ReportError) as caught:
            session.html()
        assert "U+13000" in str(caught.value) and "no glyph" in str(caught.value)
        path.write_text(original[path], encoding="utf-8")
        session.note([path])
        assert session.html() == _cold(work)


# --- the verdict of a page that differs only in text --------------------------------------

_PIECES = [
    "<p>", "</p>", '<a href="#n1">', '<a href="https://example.org/">', "</a>",
    '<img src="data:image/png;base64,AA" alt="x">', '<img src="http://x/y.png">',
    '<div style="color: red">', '<div style="background: url(http://x/)">', "</div>",
    "<table>", "<tr><td>", "</td></tr>", "</table>", "<b>", "</b>", "<pre>", "</pre>",
    "<style>p{color:red}</style>", "<!-- c -->", '<span id="a">', '<span id="a">', "</span>",
    "<svg>", "</svg>", "<title>", "</title>", "<frameset>", "<textarea>", "</textarea>",
    '<a title="x>y" href="#z">', "<select>", "</select>", "<math>", "</math>",
]
_TEXT = st.sampled_from(["", " ", "\n", "a", "word", "a b", "&amp;", "&#32;", "x>y", "5 %",
                         "u\\72l(", "@import", "url(http://e/)", "--", "\u00a0", "中文"])


def _page(pieces: list[str], texts: list[str]) -> str:
    body = "".join(piece + text for piece, text in zip(pieces, texts, strict=True))
    return inject_csp(f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}"
                      "</body></html>")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).flatmap(
    lambda pieces: st.tuples(st.just(pieces), st.lists(_TEXT, min_size=len(pieces),
                                                       max_size=len(pieces)),
                             st.lists(_TEXT, min_size=len(pieces), max_size=len(pieces)))))
@example((["<table>", "<b>"], ["a", "b"], [" ", "b"]))
@example((["<style>p{color:red}</style>"], ["a"], ["url(http://e/)"]))
def test_a_page_that_differs_only_in_text_has_the_same_verdict(
        case: tuple[list[str], list[str], list[str]]) -> None:
    pieces, old_texts, new_texts = case
    old, new = _page(pieces, old_texts), _page(pieces, new_texts)
    if same_markup(old, new):
        for target in ("html", "pdf"):
            assert check_page(old, target) == check_page(new, target), (old, new)


def _read_in_full(old: str, new: str) -> bool:
    """same_markup's verdict from both pages read from their start (no window)."""
    if old == new:
        return True  # the same page: its verdict, however it reads
    a, b = textchange._scan(old, 0, 0), textchange._scan(new, 0, 0)
    if a is None or b is None or len(a.pieces) != len(b.pieces):
        return False
    return all(x == y or (x[0] == y[0] == "text" and textchange._reads_as_text(x[1])
                          and textchange._reads_as_text(y[1]))
               for x, y in zip(a.pieces, b.pieces, strict=True))


def _check_window(old: str, new: str) -> None:
    """A page read only where it changed reads as the page read in full, verdict alike."""
    textchange._SEEN.clear()
    textchange._tokens(old)  # the page last checked, as a warm session holds it
    assert same_markup(old, new) == _read_in_full(old, new), (old, new)
    derived, full = textchange._SEEN.get(new), textchange._scan(new, 0, 0)
    if derived is not None:
        assert full is not None
        assert (derived.pieces, derived.ends, derived.states) == (
            full.pieces, full.ends, full.states)


_SNIPPETS = ["Quietly. ", "<b>x</b>", "<", ">", "&amp;", "", " ", "<!-- -->", "<p>", "</p>",
             '"', "a", "<style>", "</style>", "</div>", "<svg>", "<script>", "-->", "中"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12), st.data())
def test_a_page_read_where_it_changed_reads_as_in_full(pieces: list[str],
                                                       data: st.DataObject) -> None:
    texts = data.draw(st.lists(_TEXT, min_size=len(pieces), max_size=len(pieces)))
    old = _page(pieces, texts)
    at = data.draw(st.integers(0, len(old)))
    cut = data.draw(st.integers(0, 12))
    new = old[:at] + data.draw(st.sampled_from(_SNIPPETS)) + old[at + cut:]
    _check_window(old, new)


def test_an_edit_just_after_raw_text_reads_it_as_raw_text() -> None:
    """Found by the property test: the window started inside a <style>'s content."""
    old = _page(["<p>", '<div style="color: red">', "<!-- c -->",
                 "<style>p{color:red}</style>", "<p>", "<p>"], [" ", " ", "word", "", "", ""])
    _check_window(old, old[:277] + "Quietly. " + old[277:])


def test_the_briefing_read_where_it_changed_reads_as_in_full(project: Path) -> None:
    page = _cold(project)["briefing.en.html"]
    for i in range(60):  # edits spread over the page, of every kind above
        at = (i * 7919 * 61) % len(page)
        _check_window(page, page[:at] + _SNIPPETS[i % len(_SNIPPETS)] + page[at + i % 4:])


@pytest.mark.parametrize(("old", "new"), [
    ("<style>p{}</style>", "<style>p{background:url(http://e/)}</style>"),  # CSS, not text
    ('<a href="#a">x</a>', '<a href="#b">x</a>'),  # an attribute
    ("<p>a</p>", "<p></p>"),  # a text node gone: not the same tokens
    ("<p>a</p>", "<p> </p>"),  # text to white space: a parser's choices may change
    ("<!-- a --><p>x</p>", "<!-- a --><p>x</p><p>y</p>"),  # an element more
    ("<script></script><p>a</p>", "<script></script><p>b</p>"),  # script data: not read here
    ("<svg><style>a<b</style></svg><p>a</p>", "<svg><style>a<b</style></svg><p>b</p>"),
    ("<p>a\0</p>", "<p>b\0</p>"),  # NUL: the parser drops or replaces it
])
def test_a_change_that_is_not_only_text_is_checked_again(old: str, new: str) -> None:
    assert not same_markup(_page([old], [""]), _page([new], [""]))


def test_the_briefings_paragraph_edit_is_only_text(project: Path) -> None:
    page = _cold(project)["briefing.en.html"]
    start = page.index("<p", page.index("<main"))
    start = page.index(">", start) + 1
    assert same_markup(page, page[:start] + "Quietly. " + page[start:])
    assert not same_markup(page, page[:start] + "<b>Quietly.</b> " + page[start:])


def test_the_sandbox_rules_on_each_attribute_as_jinja_does(tmp_path: Path) -> None:
    """The sandbox keeps its answers per type and name; asked again, it answers the same."""
    import jinja2

    from reportgen.render import make_environment

    env = make_environment(tmp_path)
    cases = [("{{ x.count(1) }}", "1"), ("{{ x.append(2) }}", None), ("{{ x.__class__ }}", None),
             ("{{ d.items() | list | length }}", "1"), ("{{ d.clear() }}", None),
             ("{{ f.__globals__ }}", None)]
    for _ in range(2):  # the second time from what the sandbox kept
        for source, expected in cases:
            template = env.from_string(source)
            context = {"x": [1], "d": {"a": 1}, "f": lambda: 1}
            if expected is None:
                with pytest.raises(jinja2.exceptions.SecurityError):
                    template.render(context)
            else:
                assert template.render(context) == expected


def test_the_engines_mappings_read_in_the_sandbox_as_jinja_reads_them(tmp_path: Path) -> None:
    """The sandbox's short way for records, strings and collections answers as Jinja's."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from reportgen.page import Collections, Strings, View
    from reportgen.problems import Mark
    from reportgen.render import make_environment
    from reportgen.schema import Record

    record = Record("things", Mark("data/things.yaml", 1, 1))
    view = View(record, ("id", "name", "items", "collection"))
    view.update({"id": "a", "name": "A", "items": "listed", "collection": "shadowed"})
    context = {"v": view, "s": Strings({"colon": ":", "get": "got"}),
               "c": Collections({"things": [view]})}
    sources = ["{{ v.name }}", "{{ v.id }}{{ s.colon }}", "{{ v.items() | list | length }}",
               "{{ v.collection }}", "{{ v.declared | length }}", "{{ v.missing is defined }}",
               "{{ s.get('colon') }}", "{{ c.things | length }}", "{{ v.record.collection }}",
               "{{ v.__class__ }}", "{{ s.__init__ }}", "{{ v.clear() }}", "{{ v.missing }}"]
    ours, jinjas = make_environment(tmp_path), ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined)

    def outcome(env: jinja2.Environment, source: str) -> str:
        try:
            return env.from_string(source).render(context)
        except jinja2.exceptions.SecurityError:
            return "refused"
        except jinja2.exceptions.UndefinedError:
            return "undefined"
        except ReportError:  # ours says which record and what it holds
            return "undefined"

    for _ in range(2):  # the second time from what the sandbox kept
        assert [outcome(ours, s) for s in sources] == [outcome(jinjas, s) for s in sources]
    assert outcome(ours, "{{ v.name }}{{ v.collection }}") == "Athings"


def test_the_first_edit_after_a_build_reads_only_what_it_changed(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Session.settle`` splits the pages into tokens while nobody waits for them."""
    work = tmp_path / "p"
    shutil.copytree(project, work)
    session = Session(lambda: load_config(work))
    session.html()
    session.settle()
    whole: list[int] = []
    scan = textchange._scan

    def counted(html: str, pos: int, *args: object, **kwargs: object) -> object:
        if pos == 0:
            whole.append(len(html))
        return scan(html, pos, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(textchange, "_scan", counted)
    _sentence_added(work)
    session.note([work / "data" / "points.yaml"])
    session.html()
    assert whole == []
