"""The layout preflight finds each defect in a small document made to have it, and none in
a clean one; a build prints what it finds with the file and page."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from conftest import Run

from reportgen.preflight import Finding, check

PAGE = "@page { size: 100mm 80mm; margin: 10mm } body { margin: 0; font: 8pt sans-serif }"
TEXT = "A plain sentence that fills a good part of one line of this narrow page. " * 3


def findings(body: str, css: str = "") -> list[Finding]:
    import weasyprint

    html = f"<html lang='en'><head><style>{PAGE} {css}</style></head><body>{body}</body></html>"
    return check(weasyprint.HTML(string=html).render())


def kinds(found: list[Finding]) -> list[tuple[int, str]]:
    return [(f.page, f.kind) for f in found]


def svg(*texts: tuple[float, float, str], anchor: str = "start") -> str:
    labels = "".join(f"<text x='{x}' y='{y}' font-size='8' text-anchor='{anchor}'>{t}</text>"
                     for x, y, t in texts)
    source = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 40' width='200' "
              f"height='80'><rect width='100' height='40' fill='#eee'/>{labels}</svg>")
    return f"<img alt='chart of things' src='data:image/svg+xml,{quote(source)}'>"


def test_a_clean_document_has_no_findings() -> None:
    body = (f"<h1>Title</h1><p>{TEXT}</p><h2>Section</h2><p>{TEXT}</p><p>{TEXT}</p>"
            f"{svg((5, 20, 'label'), (60, 20, 'other'))}"
            f"<p>See note<sup>1</sup> and more text to end the line.</p>"
            f"<section style='break-before: page'><h2>Next</h2><p>{TEXT}</p></section>")
    assert findings(body) == []


def test_what_the_preflight_keeps_of_a_page_goes_with_the_page() -> None:
    """A warm process checks a new document after every edit: the old pages must go."""
    import gc
    import weakref

    import weasyprint

    html = f"<html lang='en'><head><style>{PAGE}</style></head><body><p>{TEXT}</p></body></html>"
    document = weasyprint.HTML(string=html).render()
    assert check(document) == []
    page = weakref.ref(document.pages[0]._page_box)
    del document
    gc.collect()
    assert page() is None


def test_text_over_text() -> None:
    body = (f"<p>{TEXT}</p><p style='position: absolute; top: 12mm; left: 12mm'>"
            "OVERPRINTED WORDS</p>")
    found = findings(body)
    assert ("text over text" in {f.kind for f in found})
    assert any("OVERPRINTED WORDS" in f.text for f in found if f.kind == "text over text")


def test_text_outside_the_page_and_past_the_text_area() -> None:
    body = ("<p style='position: absolute; left: 95mm; top: 20mm; white-space: nowrap'>"
            "Falling off the edge</p>"
            "<p style='white-space: nowrap'>" + "unbreakable " * 5 + "</p>")
    found = findings(body)
    texts = [f.text for f in found if f.kind == "text outside the page"]
    assert "'Falling off the edge' beyond the page's edge" in texts
    assert any("beyond the text area" in t for t in texts)


def test_hanging_labels_in_the_start_margin_are_not_overflow() -> None:
    found = findings(f"<p><span style='margin-left: -6mm'>Q</span> {TEXT}</p>")
    assert found == []


def test_chart_labels_outside_the_chart_or_over_each_other() -> None:
    body = svg((90, 20, "10000tn"), (5, 30, "first label"), (8, 30, "second label"))
    found = findings(body)
    assert Finding(1, "text outside its chart", "chart of things: '10000tn'") in found
    assert any(f.kind == "text over text" and "first label" in f.text for f in found)


def test_near_empty_page_that_is_not_a_chapter_end() -> None:
    tall = "<div style='height: 55mm; break-inside: avoid; background: #ddd'></div>"
    found = findings(f"<p>Short.</p>{tall}")
    assert kinds(found) == [(1, "page under 40% full")]
    # The same short page is fine when the next one starts a chapter (a forced break).
    assert findings(f"<p>Short.</p><section style='break-before: page'>{tall}</section>") == []


def test_marker_or_single_character_alone_on_a_line() -> None:
    found = findings(f"<p>{TEXT}<br><sup>12,13</sup></p><p>{TEXT}<br>x</p>")
    assert Finding(1, "marker alone on a line", "12,13") in found
    assert any(f.kind == "character alone on a line" and f.text.startswith("'x' after")
               for f in found)


def test_heading_at_the_page_foot() -> None:
    css = "h2 { break-after: auto; margin: 0 } .block { break-inside: avoid }"
    body = (f"<div style='height: 48mm'></div><h2>Stranded heading</h2>"
            f"<p class='block'>{TEXT * 3}</p>")
    found = findings(body, css)
    assert Finding(1, "heading at the page foot", "Stranded heading") in found


def test_the_build_prints_each_finding_with_file_and_page(
        built: Path, tmp_path: Path, cli: Callable[..., Run]) -> None:
    project = tmp_path / "mini"
    shutil.copytree(built, project)
    template = project / "templates" / "report.html.j2"  # the mini project's template
    text = template.read_text(encoding="utf-8")
    assert "</body>" in text
    template.write_text(text.replace(
        "</body>", "<p style='position: absolute; left: 250mm; top: 40mm; white-space: "
                   "nowrap'>Off the page</p></body>", 1), encoding="utf-8")
    run = cli("build", "--project", project, "--format", "pdf")
    assert run.code == 0, run.err
    lines = [line for line in run.err.splitlines() if "layout preflight" in line]
    assert lines and all(".pdf: page " in line for line in lines)
    assert any("text outside the page: 'Off the page'" in line for line in lines), run.err
    # A PDF deleted by hand comes back from the cache, and its findings with it.
    for pdf in (project / "out").glob("*.pdf"):
        pdf.unlink()
    again = cli("build", "--project", project, "--format", "pdf")
    assert again.code == 0, again.err
    assert [line for line in again.err.splitlines() if "layout preflight" in line] == lines
