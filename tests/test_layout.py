"""Part-by-part layout: the PDF equals a single-document layout, and edits lay out little.

Every comparison is of whole PDFs: the same bytes, and (to say what differs if not) the
same text per page, links, named destinations, outline, document information and tag tree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Run, run_cli
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from reportgen.layout import Layouter
from reportgen.pdf import PdfJob, PdfResult, _fetcher, session, write_pdf
from reportgen.sections import split_html

OPTIONS: dict[str, Any] = {"pdf_tags": True, "pdf_identifier": b"0" * 32,
                           "custom_metadata": True}
SVG = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 40' "
       "width='300' height='120'%3E%3Crect width='60' height='30' fill='%23369' "
       "fill-opacity='0.5'/%3E%3Ctext x='5' y='20' font-size='8'%3Elabel%3C/text%3E%3C/svg%3E")
WORDS = ("Laying out a long report is slow, so each part is laid out on its own and the "
         "pages are put together again; the result must not show where the seams are. ")


def report(chapters: tuple[int, ...] = (3, 9, 2, 14), sided: bool = False,
           extra: str = "", chapter_class: str = "chapter") -> str:
    """A report: cover, contents, chapters of ``n`` paragraphs each, notes pointing back."""
    sides = ("@page :left { margin-left: 18mm; @bottom-left { content: 'left' } }\n"
             "@page :first { @bottom-right { content: none } }\n") if sided else ""
    css = f"""
@page {{ size: 120mm 90mm; margin: 12mm 10mm;
  @top-left {{ content: string(title); font-size: 6pt }}
  @top-right {{ content: string(chapter); font-size: 6pt }}
  @bottom-right {{ content: counter(page) " / " counter(pages); font-size: 6pt }} }}
@page chap {{ }}
@page :nth(1 of chap) {{ @top-right {{ content: none }} }}
{sides}
body {{ font-family: sans-serif; font-size: 8pt; margin: 0 }}
h1.cover {{ string-set: title content(text); break-after: page; font-size: 20pt }}
.{chapter_class} {{ page: chap; break-before: page }}
.{chapter_class} > h2 {{ string-set: chapter content(text); bookmark-level: 1 }}
h3 {{ bookmark-level: 2 }}
.toc a::after {{ content: leader('.') target-counter(attr(href url), page) }}
a.back::after {{ content: " p. " target-counter(attr(href url), page) }}
p:nth-child(odd) {{ color: #333 }}
section + section > h2 {{ color: #036 }}
img {{ width: 60mm }}
.more {{ break-before: page }}
{extra}
"""
    toc = "".join(f'<li><a href="#c{i}">Chapter {i}</a></li><li><a href="#c{i}-s">Section '
                  f"{i}</a></li>" for i in range(len(chapters)))
    body = []
    for i, count in enumerate(chapters):
        paragraphs = "".join(
            f"<p>{WORDS * (1 + (k % 3))}"
            + (f'<a id="r{i}-{k}" href="#n{i}-{k}">[{i}.{k}]</a>' if k < 2 else "")
            + "</p>" for k in range(count))
        body.append(f'<section class="{chapter_class}" id="c{i}"><h2>Chapter {i}</h2>'
                    f"{paragraphs}<h3 id='c{i}-s'>Section {i}</h3><p>{WORDS}</p>"
                    f'<img src="{SVG}" alt="chart {i}"></section>')
    notes = [f'<p id="n{i}-{k}">Note {i}.{k} <a class="back" href="#r{i}-{k}">back</a></p>'
             for i in range(len(chapters)) for k in range(2)]
    half = len(notes) // 2
    # The second half starts a page inside the notes chapter (its page group goes on).
    notes_html = "".join(notes[:half]) + f"<div class='more'>{''.join(notes[half:])}</div>"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report</title>'
            f'<meta name="author" content="Desk"><meta name="description" content="Test">'
            f"<style>{css}</style></head><body><h1 class='cover'>The Report</h1>"
            f'<main><nav class="{chapter_class} toc"><h2>Contents</h2><ul>{toc}</ul></nav>'
            f"{''.join(body)}<section class='{chapter_class}' id='notes'><h2>Notes</h2>{notes_html}"
            "</section></main></body></html>")


def single(html: str, target: Path) -> bytes:
    """The PDF of ``html`` laid out as one document, as WeasyPrint alone does it."""
    import weasyprint

    fetch = _fetcher(ROOT, PdfResult())
    document = weasyprint.HTML(string=html, base_url=str(ROOT) + "/",
                               url_fetcher=fetch).render(pdf_tags=True)
    document.write_pdf(target, **OPTIONS)
    return target.read_bytes()


def parts(layouter: Layouter, html: str, target: Path, key: str = "t") -> tuple[bytes, Any]:
    """The PDF of ``html`` laid out part by part (kept under ``key``), and how."""
    rendering = layouter.render(html, ROOT, _fetcher(ROOT, PdfResult()), key)
    session()[1].write_pdf(rendering.document, target, **OPTIONS)
    return target.read_bytes(), rendering


def summary(path: Path) -> dict[str, Any]:
    """What a reader sees of a PDF: text, links, destinations, outline, info, tags."""
    reader = PdfReader(path)
    numbers = {getattr(page.indirect_reference, "idnum", None): i
               for i, page in enumerate(reader.pages)}

    def target(dest: Any) -> Any:
        dest = dest.get_object() if isinstance(dest, IndirectObject) else dest
        if isinstance(dest, list) and dest and isinstance(dest[0], IndirectObject):
            return numbers.get(dest[0].idnum), [round(float(v), 1) for v in dest[2:]
                                                if v is not None]
        return str(dest)

    links = []
    for i, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            a = annotation.get_object()
            action = a.get("/A") or {}
            links.append((i, [round(float(v), 1) for v in a["/Rect"]],
                          target(a.get("/Dest") or action.get("/D") or action.get("/URI"))))
    outline = [(item.title, reader.get_destination_page_number(item))
               for item in _flat(reader.outline)]
    root: Any = reader.trailer["/Root"]
    tags = list(_tag_types(root["/StructTreeRoot"]))
    return {
        "text": [page.extract_text() for page in reader.pages],
        "links": links,
        "dests": {name: reader.get_destination_page_number(d)
                  for name, d in reader.named_destinations.items()},
        "outline": outline,
        "info": {k: str(v) for k, v in (reader.metadata or {}).items()},
        "tags": tags,
        "fonts": sorted({str(f.get_object()["/BaseFont"]) for p in reader.pages
                         for f in (_resources(p).get("/Font") or {}).values()}),
    }


def _resources(page: Any) -> Any:
    return page["/Resources"].get_object()


def _flat(items: list[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


def _tag_types(node: Any) -> Iterator[str]:
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            yield str(node["/S"])
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                yield from _tag_types(kid)


def assert_same_pdf(a: Path, b: Path) -> None:
    assert summary(a) == summary(b)
    assert a.read_bytes() == b.read_bytes()


def test_parts_start_where_the_css_starts_a_page() -> None:
    html = report(chapter_class="kapitel")
    split = split_html(html)
    assert split.reason == ""
    # The cover, then every element with break-before: page, whatever its class is called:
    # contents, four chapters, the notes and the second half of the notes.
    assert len(split.parts) == 1 + 1 + 4 + 2
    assert "c0" in split.parts[2].ids and "c3-s" in split.parts[5].ids
    assert "n0-0" in split.parts[6].ids and "n3-1" in split.parts[7].ids
    # The last part starts inside the notes chapter, whose named page began before it.
    assert [p.open_pages for p in split.parts[6:]] == [(), ("chap",)]
    # Each part holds the others as empty hidden elements, so :nth-child still counts them.
    assert split.parts[3].html.count('style="display:none!important"') >= 4
    assert split.foreign[1] >= {"c0", "c1", "n0-0"}


@pytest.mark.parametrize("case", ["plain", "sided"])
def test_part_by_part_pdf_equals_the_single_document(tmp_path: Path, case: str) -> None:
    html = report(sided=case == "sided")
    single(html, tmp_path / "single.pdf")
    _, rendering = parts(Layouter(), html, tmp_path / "parts.pdf")
    assert rendering.parts == 8 and rendering.reason == ""
    assert_same_pdf(tmp_path / "single.pdf", tmp_path / "parts.pdf")
    seen = summary(tmp_path / "parts.pdf")
    # The contents' page numbers, running headers and "page / pages" crossed the seams.
    assert "Chapter 3" in seen["text"][1] and "The Report" in seen["text"][3]
    assert re.search(r"Chapter 3\s*\.*\s*\d+", seen["text"][1])
    assert f"/ {len(seen['text'])}" in seen["text"][-1]
    assert ("Chapter 2", seen["dests"]["c2"]) in seen["outline"]


def broken_float(lines: int) -> str:
    """A float longer than a page, then a reference to the last page on the page after."""
    rows = "".join(f"<div>float line {i}</div>" for i in range(1, lines + 1))
    return ("<!DOCTYPE html><html lang='en'><head><style>@page { size: 120mm 80mm; margin: "
            "5mm } body { font: 10pt/14pt sans-serif; margin: 0 } .f { float: left; width: "
            "50mm } a.ref::after { content: ' p. ' target-counter(attr(href url), page) } "
            "h1 { break-before: page; font-size: 10pt }</style></head><body>"
            f"<div class='f'>{rows}</div><p>body text</p><p style='margin-top: 60mm'>"
            "<a class='ref' href='#end'>see the end</a></p><h1 id='end'>The end</h1>"
            "</body></html>")


def test_a_page_laid_out_again_resumes_the_float_the_page_before_it_left_broken(
        tmp_path: Path) -> None:
    # Page 2 holds the rest of a float (a long note) and a reference to page 3, so WeasyPrint
    # lays page 2 out again once it knows page 3; version 70 then lost the float's rest.
    html = broken_float(26)
    Layouter()  # installs the paginator's hooks, as every PDF process does
    single(html, tmp_path / "single.pdf")
    text = summary(tmp_path / "single.pdf")["text"]
    assert len(text) == 3
    assert "float line 15" in text[1] and "float line 26" in text[1], text
    assert "see the end p. 3" in text[1]
    _, rendering = parts(Layouter(), html, tmp_path / "parts.pdf")
    assert rendering.parts == 2
    assert_same_pdf(tmp_path / "single.pdf", tmp_path / "parts.pdf")


def test_a_float_running_on_over_a_part_break_lays_the_document_out_whole(
        tmp_path: Path) -> None:
    # The float's rest runs on over the page break before the heading, where the second
    # part would start; only a layout of the whole document puts it there.
    html = broken_float(30)
    single(html, tmp_path / "single.pdf")
    assert "float line 30" in summary(tmp_path / "single.pdf")["text"][2]
    _, rendering = parts(Layouter(), html, tmp_path / "parts.pdf")
    assert (rendering.parts, rendering.reason) == (
        1, "a float runs on over a page break that starts a part")
    assert_same_pdf(tmp_path / "single.pdf", tmp_path / "parts.pdf")


def test_an_edit_lays_out_only_its_part_and_equals_a_cold_layout(tmp_path: Path) -> None:
    layouter = Layouter()
    html = report()
    parts(layouter, html, tmp_path / "first.pdf")
    edited = html.replace("<h2>Chapter 2</h2><p>", "<h2>Chapter 2</h2><p>Edited. ", 1)
    _, rendering = parts(layouter, edited, tmp_path / "warm.pdf")
    assert (rendering.laid_out, rendering.remargined, rendering.passes) == (1, 0, 1)
    single(edited, tmp_path / "cold.pdf")
    assert_same_pdf(tmp_path / "cold.pdf", tmp_path / "warm.pdf")


def test_a_part_that_grows_renumbers_the_rest_without_laying_it_out(tmp_path: Path) -> None:
    layouter = Layouter()
    html = report()
    parts(layouter, html, tmp_path / "first.pdf")
    grown = html.replace("<h2>Chapter 0</h2>", "<h2>Chapter 0</h2>" + f"<p>{WORDS * 12}</p>", 1)
    _, rendering = parts(layouter, grown, tmp_path / "warm.pdf")
    # Chapter 0 again, and the contents and both parts of the notes, whose page references
    # moved; the chapters after it only get new page numbers in their margins.
    assert sorted(rendering.laid) == [1, 2, 6, 7] and rendering.remargined >= 3
    single(grown, tmp_path / "cold.pdf")
    assert_same_pdf(tmp_path / "cold.pdf", tmp_path / "warm.pdf")


def test_pages_written_before_are_replayed_to_the_same_bytes(tmp_path: Path) -> None:
    layouter, painter = Layouter(), session()[1]
    html = report()
    parts(layouter, html, tmp_path / "first.pdf")
    before = painter.replayed
    edited = html.replace("Note 1.1", "Note 1.1, edited", 1)
    parts(layouter, edited, tmp_path / "second.pdf")
    assert painter.replayed - before >= 10
    single(edited, tmp_path / "cold.pdf")
    assert_same_pdf(tmp_path / "cold.pdf", tmp_path / "second.pdf")


@pytest.mark.parametrize(("css", "reason"), [
    ("h2::after { content: target-text(attr(href url)) }", "target-text"),
    (".x { position: running(header) }", "running elements"),
    ("p { float: footnote }", "footnotes"),
    ("aside { position: fixed }", "fixed boxes"),
    ("main { counter-reset: fig } .chapter { counter-increment: fig }", "counter 'fig'"),
])
def test_documents_a_part_cannot_reproduce_stay_whole(tmp_path: Path, css: str,
                                                       reason: str) -> None:
    html = report(chapters=(2, 2), extra=css)
    split = split_html(html)
    assert reason in split.reason and len(split.parts) == 1
    single(html, tmp_path / "single.pdf")
    _, rendering = parts(Layouter(), html, tmp_path / "parts.pdf")
    assert reason in rendering.reason
    assert_same_pdf(tmp_path / "single.pdf", tmp_path / "parts.pdf")


def test_counters_inside_a_part_do_not_keep_it_whole(tmp_path: Path) -> None:
    html = report(chapters=(2, 3), extra="ul { counter-reset: item } li { counter-increment: "
                                         "item } li::before { content: counter(item) '. ' }")
    assert split_html(html).reason == ""
    single(html, tmp_path / "single.pdf")
    parts(Layouter(), html, tmp_path / "parts.pdf")
    assert_same_pdf(tmp_path / "single.pdf", tmp_path / "parts.pdf")


def test_write_pdf_keeps_the_layout_for_the_next_job_of_its_key(tmp_path: Path) -> None:
    html = report()
    job = PdfJob(html, ROOT, tmp_path / "a.pdf", "t", 100, key="write-pdf-test")
    first = write_pdf(job)
    edited = html.replace("Note 0.0", "Note 0.0, again", 1)
    second = write_pdf(PdfJob(edited, ROOT, tmp_path / "b.pdf", "t", 100,
                              key="write-pdf-test"))
    assert not first.errors and not second.errors
    # Cold, the contents lay out twice: the pages it points at are known after one pass.
    assert (first.parts, first.laid_out) == (8, 9)
    assert (second.parts, second.laid_out) == (8, 1) and second.replayed >= 10
    whole = write_pdf(PdfJob(edited, ROOT, tmp_path / "c.pdf", "t", 100, parts=False))
    assert whole.parts == 1
    assert_same_pdf(tmp_path / "c.pdf", tmp_path / "b.pdf")


def test_the_shipped_briefing_equals_its_single_document_layout(
        briefing_build: tuple[Path, Run], tmp_path: Path) -> None:
    whole, _ = briefing_build  # a build's one-off PDF process lays out one document
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "REPORTGEN_LAYOUT": "parts"}
    run = run_cli("build", "--project", ROOT, "--out", tmp_path, "--format", "pdf", env=env,
                  timeout=1200)
    assert run.code == 0, run.err
    for lang in ("zh", "en"):
        assert_same_pdf(tmp_path / f"briefing.{lang}.pdf", whole / f"briefing.{lang}.pdf")
