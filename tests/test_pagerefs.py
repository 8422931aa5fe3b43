"""Page references laid out once (``pagerefs.py``): the same PDF as WeasyPrint's, fewer layouts.

WeasyPrint 70 lays out every page holding a ``target-counter()`` twice, and a page whose
back-reference points at an earlier page twice more when the page count settles. With the
corrected bookkeeping only a page that points forward is laid out again, and the PDF is
byte-for-byte the one WeasyPrint makes on its own, in a process that never loaded
reportgen's hooks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from test_layout import OPTIONS, assert_same_pdf, summary

from reportgen.layout import Layouter
from reportgen.pdf import PdfResult, _fetcher

WORDS = "Each page that prints a page number must print the right one, and only once. " * 9

CSS = """
@page { size: 120mm 90mm; margin: 12mm 10mm;
  @top-left { content: string(head); font-size: 6pt }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 6pt } }
h2 { string-set: head content(text) " from p. " counter(page) }
body { font: 8pt/1.4 sans-serif; margin: 0 }
section { break-before: page }
.toc a::after { content: leader('.') target-counter(attr(href url), page) }
a.back::after { content: " p. " target-counter(attr(href url), page) }
a.both::after { content: " (here " counter(page) ", there " target-counter(attr(href url), page)
                ")" }
a.hash::after { content: " at " target-counter('#c2', page) }
"""
COUNTERS = "a.all::after { content: ' [' target-counters(attr(href url), page, '.') ']' }"

# A contents page (forward references), chapters citing notes, notes pointing back at the
# citations (backward references, some on the same page as their target), one reference
# that also prints its own page number, one named by a string, one by target-counters(),
# and a running head whose string-set prints its heading's page.
CHAPTERS = 4


def document(extra_css: str = "", counters: bool = True) -> str:
    toc = "".join(f'<li><a href="#c{i}">Chapter {i}</a></li>' for i in range(CHAPTERS))
    chapters = "".join(
        f'<section id="c{i}"><h2>Chapter {i}</h2>'
        + "".join(f'<p>{WORDS}<a id="cite-{i}-{k}" href="#n{i}-{k}">[{i}.{k}]</a></p>'
                  for k in range(i + 1))
        + "</section>" for i in range(CHAPTERS))
    notes = "".join(f'<p id="n{i}-{k}">Note {i}.{k} <a class="back" href="#cite-{i}-{k}">'
                    "back</a></p>" for i in range(CHAPTERS) for k in range(i + 1))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Refs</title>"
            f"<style>{CSS}{COUNTERS if counters else ''}{extra_css}</style></head><body>"
            "<nav class='toc'><h1>Contents</h1>"
            f"<ul>{toc}</ul><p><a class='both' href='#c3'>last chapter</a> <a class='hash'>"
            f"second chapter</a> <a class='all' href='#n0-0'>first note</a></p></nav>"
            f"{chapters}<section id='notes'><h2>Notes</h2>{notes}</section></body></html>")


# WeasyPrint alone, in a process that never imports reportgen: the PDF and pages laid out.
_PLAIN = """
import json, sys
import weasyprint
import weasyprint.layout.page as page

made = [0]
make_page = page.make_page
def counted(*args, **kwargs):
    made[0] += 1
    return make_page(*args, **kwargs)
page.make_page = counted
html, target, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
options["pdf_identifier"] = options["pdf_identifier"].encode("ascii")
document = weasyprint.HTML(string=open(html, encoding="utf-8").read(),
                           base_url=sys.argv[4]).render(pdf_tags=True)
document.write_pdf(target, **options)
print(json.dumps({"pages": len(document.pages), "laid": made[0]}))
"""


def plain_weasyprint(html: str, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    source, target = tmp_path / "plain.html", tmp_path / "plain.pdf"
    source.write_text(html, encoding="utf-8")
    options = {**OPTIONS, "pdf_identifier": OPTIONS["pdf_identifier"].decode("ascii")}
    done = subprocess.run([sys.executable, "-c", _PLAIN, str(source), str(target),
                           json.dumps(options), str(ROOT) + "/"],
                          capture_output=True, text=True, timeout=300, check=True)
    figures: dict[str, int] = json.loads(done.stdout.splitlines()[-1])
    return target, figures


def hooked(html: str, tmp_path: Path, split: bool) -> tuple[Path, Any]:
    target = tmp_path / ("parts.pdf" if split else "whole.pdf")
    rendering = Layouter().render(html, ROOT, _fetcher(ROOT, PdfResult()), "refs", split)
    rendering.document.write_pdf(target, **OPTIONS)
    return target, rendering


def printed(text: list[str]) -> dict[str, Any]:
    """The page numbers the document prints, and where what they point at really is."""
    joined = "\n".join(text)
    at = {f"c{i}": next(n + 1 for n, page in enumerate(text) if f"Chapter {i}\n" in page
                        or page.startswith(f"Chapter {i}")) for i in range(CHAPTERS)}
    return {
        "contents": {f"c{i}": int(m.group(1)) for i in range(CHAPTERS)
                     if (m := re.search(rf"Chapter {i}[ .]*(\d+)", text[0]))},
        "chapters": at,
        "back": [int(m) for m in re.findall(r"back p\. (\d+)", joined)],
        "cites": [n + 1 for i in range(CHAPTERS) for k in range(i + 1)
                  for n, page in enumerate(text) if f"[{i}.{k}]" in page],
        "both": re.search(r"here (\d+), there (\d+)", text[0]),
        "hash": re.search(r"second chapter at (\d+)", text[0]),
        "all": re.search(r"first note \[(\d+)\]", text[0]),
        "notes_page": next(n + 1 for n, page in enumerate(text) if "Notes\n" in page),
        "heads": re.findall(r"Chapter (\d) from p\. (\d+)", joined),
    }


def test_every_page_reference_prints_the_page_it_points_at(tmp_path: Path) -> None:
    target, _ = hooked(document(), tmp_path, split=False)
    found = printed(summary(target)["text"])
    assert found["contents"] == found["chapters"] and len(found["contents"]) == CHAPTERS
    assert found["back"] == found["cites"] and len(found["back"]) == 10
    assert found["both"] and (int(found["both"][1]), int(found["both"][2])) == (
        1, found["chapters"]["c3"])
    assert found["hash"] and int(found["hash"][1]) == found["chapters"]["c2"]
    assert found["all"] and int(found["all"][1]) == found["notes_page"]
    # A running head that prints the page its heading is on (string-set with counter(page)).
    assert {(int(c), int(p)) for c, p in found["heads"]} == {
        (i, found["chapters"][f"c{i}"]) for i in range(CHAPTERS)}


@pytest.mark.parametrize("extra_css", [
    "",
    # Notes that grow: pages move after the contents and the notes were first laid out.
    "#n3-3::after { content: '" + "More words about the last note. " * 40 + "' }",
])
def test_the_pdf_is_weasyprints_own_with_fewer_pages_laid_out(tmp_path: Path,
                                                             extra_css: str) -> None:
    html = document(extra_css)
    plain, figures = plain_weasyprint(html, tmp_path)
    whole, rendering = hooked(html, tmp_path, split=False)
    assert_same_pdf(plain, whole)
    pages = figures["pages"]
    # Only the contents page points forward: it alone is laid out again. Its
    # "here N" prints its own page's counter, which WeasyPrint compares with all the page's
    # counters, the page count included: that costs it one more layout once the count is
    # known (the briefing prints no such number in its pages' content).
    assert rendering.pages_laid == pages + 2
    assert figures["laid"] > rendering.pages_laid
    # Part by part (which target-counters() rules out), against WeasyPrint alone again.
    html = document(extra_css, counters=False)
    plain, _ = plain_weasyprint(html, tmp_path)
    parts, by_parts = hooked(html, tmp_path, split=True)
    assert by_parts.parts == 6
    assert_same_pdf(plain, parts)
