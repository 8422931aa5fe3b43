"""The HTML edition fetches nothing when opened; both editions have unique ids and no links
that would name the build machine.

One table holds every construct a browser would fetch, run or navigate to on load — the
eight bypasses of the old pattern search first (each was fetched by a real Chromium from a
local listener: tests/browser/test_bypasses.py shows it again). Each case is written into
the mini fixture's template and built: the build must refuse with a message located at the
template line and nothing in out/ may change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import snapshot

from reportgen.build import build
from reportgen.config import load_config
from reportgen.htmlcheck import CSP, check_page, inject_csp
from reportgen.problems import ReportError

TEMPLATE = "templates/report.html.j2"
URL = "http://127.0.0.1:9/x.png"
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
       "YAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

# name: (markup written at the start of <body>, words the message must hold)
REFUSED: dict[str, tuple[str, str]] = {
    # The eight bypasses of the pattern search.
    "srcset-data-first": (f'<img alt="x" srcset="{PNG} 1x, {URL} 2x">', "<img srcset> candidate"),
    "import-without-space": (f'<style>@import"{URL}";</style>', "@import fetches a stylesheet"),
    "css-escape-url": (f'<p style="background:u\\72l({URL})">x</p>', f"url '{URL}' would be"),
    "image-set-string": (f"<p style='background:image-set(\"{URL}\" 1x)'>x</p>",
                         f"url '{URL}' would be"),
    "svg-set-href": (f'<svg><image width="9" height="9"><set attributeName="href" to="{URL}"/>'
                     "</image></svg>", '<set attributeName="href">'),
    "svg-animate-href": (f'<svg><image width="9" height="9"><animate attributeName="xlink:href" '
                         f'values="{URL}" dur="1s"/></image></svg>',
                         '<animate attributeName="xlink:href">'),
    "iframe-data-document": ('<iframe src="data:text/html,%3Cimg%20src=x%3E"></iframe>',
                             "<iframe> is not allowed"),
    "object-data-document": ('<object data="data:text/html,x"></object>', "<object> is not allowed"),
    "embed-data-document": ('<embed src="data:image/svg+xml,%3Csvg/%3E">', "<embed> is not allowed"),
    "meta-refresh": (f'<meta http-equiv="refresh" content="0;url={URL}">',
                     '<meta http-equiv="refresh"> is not allowed: it navigates away'),
    # Everything else a page may fetch, run or be redirected with.
    "base": ('<base href="http://127.0.0.1:9/">', "<base> is not allowed"),
    "script": ("<script>1</script>", "<script> is not allowed"),
    "svg-script": ("<svg><script>1</script></svg>", "<script> is not allowed"),
    "event-handler": (f'<img alt="x" src="{PNG}" onload="1">', "<img onload>: event handlers"),
    "javascript-link": ('<a href="java\tscript:alert(1)">x</a>', "links do not run script"),
    "file-link": ('<a href="file:///etc/passwd">x</a>', "a file: link names a folder"),
    "form-action": (f'<form action="{URL}"><button>x</button></form>', "<form action> is not allowed"),
    "button-formaction": (f'<button formaction="{URL}">x</button>', "<button formaction>"),
    "ping": (f'<a href="#top" ping="{URL}">x</a>', "<a ping> is not allowed"),
    "link-stylesheet": (f'<link rel="stylesheet" href="{URL}">', '<link rel="stylesheet"> fetches'),
    "link-dns-prefetch": ('<link rel="dns-prefetch" href="//example.com">',
                          '<link rel="dns-prefetch"> fetches'),
    "link-alternate-stylesheet": (f'<link rel="alternate stylesheet" href="{URL}">',
                                  '<link rel="alternate stylesheet"> fetches'),
    "img-src": (f'<img alt="x" src="{URL}">', f"<img src>='{URL}' would be fetched"),
    "img-relative": ('<img alt="x" src="pixel.png">', "<img src>='pixel.png' would be fetched"),
    "video-poster": (f'<video poster="{URL}"></video>', "<video poster>"),
    "svg-image-xlink": (f'<svg><image xlink:href="{URL}" width="9" height="9"/></svg>',
                        "<image xlink:href>"),
    "svg-use-external": (f'<svg><use href="{URL}#a"/></svg>', "<use href>"),
    "svg-fill-url": (f'<svg><rect width="9" height="9" fill="url({URL}#g)"/></svg>',
                     "<rect fill>: url"),
    "svg-style-element": (f"<svg><style>rect {{ fill: url('{URL}') }}</style></svg>",
                          "CSS in <style>: url"),
    "xml-base": ('<svg xml:base="http://127.0.0.1:9/"><image href="a.png"/></svg>', "xml:base"),
    "font-face": (f"<style>@font-face {{ font-family: X; src: url({URL}) }}</style>",
                  "CSS in <style>: url"),
    "import-in-media": (f'<style>@media print {{ @import "{URL}"; }}</style>', "@import"),
    "data-font": ("<style>@font-face { font-family: X; src: url(data:font/woff2;base64,AA) }"
                  "</style>", "would be fetched"),
    "body-background": (f'<table background="{URL}"><tr><td>x</td></tr></table>',
                        "<table background>"),
    "meta-set-cookie": ('<meta http-equiv="set-cookie" content="a=b">', '<meta http-equiv="set-'),
}


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """Return a fresh copy of the good build of the mini fixture."""
    dest = tmp_path / "mini"
    shutil.copytree(built, dest)
    return dest


def _insert(project: Path, markup: str, after: str = "<body>") -> None:
    path = project / TEMPLATE
    text = path.read_text(encoding="utf-8")
    assert after in text
    path.write_text(text.replace(after, after + markup, 1), encoding="utf-8")


def _refused(project: Path, fmt: str = "html") -> list[str]:
    before = snapshot(project / "out")
    with pytest.raises(ReportError) as caught:
        build(load_config(project), ["en"], [fmt])
    assert snapshot(project / "out") == before
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("case", REFUSED)
def test_the_build_refuses_what_the_page_would_fetch(project: Path, case: str) -> None:
    markup, words = REFUSED[case]
    _insert(project, markup)
    problems = _refused(project)
    assert any(p.startswith(f"{TEMPLATE}:6:") and words in p for p in problems), problems
    assert all("HTML edition (en)" in p for p in problems), problems


ALLOWED = [
    f'<img alt="x" src="{PNG}" srcset="{PNG} 1x, {PNG} 2x">',
    '<svg><defs><clipPath id="c"><rect width="1" height="1"/></clipPath></defs>'
    '<rect clip-path="url(#c)" fill="url(#c)" transform="rotate(3)" width="1" height="1"/>'
    '<use href="#c"/></svg>',
    f"<style>p {{ background: url('{PNG}') }} @media print {{ p {{ color: red }} }}</style>",
    '<a href="https://example.com/report">x</a> <a href="parks.zh.html" hreflang="zh">y</a>',
    '<link rel="alternate" hreflang="zh" href="parks.zh.html">',
    '<meta http-equiv="Content-Security-Policy" content="img-src \'none\'">',
    '<p style="color: red; margin: calc(1em + 2px)">x</p>',
]


@pytest.mark.parametrize("markup", ALLOWED)
def test_what_fetches_nothing_is_allowed(markup: str) -> None:
    page = inject_csp(f"<!DOCTYPE html><html><head><title>t</title></head><body>{markup}</body></html>")
    assert check_page(page, "html") == []


def test_the_engine_puts_its_policy_first_in_head(project: Path) -> None:
    build(load_config(project), ["en"], ["html"])
    page = (project / "out" / "parks.en.html").read_text(encoding="utf-8")
    assert page.index("<head>") + len("<head>") == page.index(
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')


def test_a_page_without_head_tag_is_refused(project: Path) -> None:
    path = project / TEMPLATE
    path.write_text(path.read_text(encoding="utf-8").replace("<head>", "", 1), encoding="utf-8")
    problems = _refused(project)
    assert any(p.startswith(f"{TEMPLATE}:") and "must open with a <head> start tag" in p
               for p in problems), problems


def test_content_before_head_is_refused(project: Path) -> None:
    """An element before <head> makes the parser open the body: the policy would not apply."""
    _insert(project, f'<img alt="x" src="{PNG}">', after="<html lang=\"{{ html_lang }}\">")
    assert any("must open with a <head> start tag" in p for p in _refused(project))


def test_record_id_colliding_with_template_id_names_the_record(project: Path) -> None:
    data = project / "data" / "parks.yaml"
    text = data.read_text(encoding="utf-8").replace("id: lakeside", "id: top")
    data.write_text(text.replace("subject: lakeside", "subject: top"), encoding="utf-8")
    for fmt in ("html", "pdf"):
        problems = _refused(project, fmt)
        assert any(p.startswith("data/parks.yaml:16:9:") and "record 'top' (places)" in p
                   and "2 elements have the id 'top' (<h1>, <li>)" in p for p in problems), problems


def test_template_id_used_twice_is_located_in_the_template(project: Path) -> None:
    _insert(project, '<p id="dup">a</p><p id="dup">b</p>')
    problems = _refused(project)
    assert any(p.startswith(f"{TEMPLATE}:6:") and "2 elements have the id 'dup'" in p
               for p in problems), problems


def test_relative_link_in_the_pdf_is_refused(project: Path) -> None:
    _insert(project, '<a href="parks.zh.pdf">zh</a>')
    problems = _refused(project, "pdf")
    assert any(p.startswith(f"{TEMPLATE}:6:") and "relative link in the PDF would become a "
               "file:// URL" in p for p in problems), problems


def test_relative_link_in_the_html_edition_is_kept(project: Path) -> None:
    _insert(project, '<a href="parks.zh.html">zh</a>')
    build(load_config(project), ["en"], ["html"])
    assert '<a href="parks.zh.html">zh</a>' in (project / "out" / "parks.en.html").read_text(
        encoding="utf-8")


def test_a_fetch_written_in_a_value_from_data_is_located_in_the_rendered_page(
        project: Path) -> None:
    """When the URL is not in any template, say so: the template's name and the page line."""
    _insert(project, '{% set u = "http://127.0.0.1:9/" ~ "x.png" %}<img alt="x" src="{{ u }}">')
    problems = _refused(project)
    assert any(p.startswith(f"{TEMPLATE}: ") and "line " in p and "of the rendered page" in p
               for p in problems), problems


@pytest.mark.parametrize(("markup", "what"), [
    ('{% for i in range(4) %}{{ ("<b>" * 99999) | safe }}{% endfor %}', "tags"),
    ('{% for i in range(4) %}{{ "<" * 99999 }}{% endfor %}', "character references"),
])
def test_a_page_too_large_to_check_is_refused(project: Path, markup: str, what: str) -> None:
    """A page the parser would take minutes over is refused before it is parsed."""
    _insert(project, markup)
    problems = _refused(project)
    assert any(p.startswith(f"{TEMPLATE}:") and f"{what}, more than the 300,000 it may have" in p
               for p in problems), problems
