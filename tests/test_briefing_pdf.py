"""The shipped briefing's PDFs: content, structure, metadata, fonts, and how pages look.

The reference-image test compares a page of every type (cover, takeaways, implications,
contents, list of exhibits, table, profile, chart, case, appendix, glossary, notes)
with PNGs under ``tests/reference/``. After an intended layout change, refresh them with

    REPORTGEN_REFRESH_REFERENCES=1 .venv/bin/pytest tests/test_briefing_pdf.py

and look at the new PNGs before committing them. On a mismatch the test saves the new
render and a difference image under pytest's temporary folder and prints their paths.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, Run, pdftotext
from PIL import Image, ImageChops, ImageOps
from pypdf import PdfReader

LANGS = ("zh", "en")
REFERENCES = Path(__file__).resolve().parent / "reference"
# Mean absolute difference of grey levels (0 to 1) a page may drift from its reference:
# small enough to catch a moved block or a changed font, large enough for antialiasing.
TOLERANCE = 0.012
REFERENCE_DPI = 30
REFERENCE_PAGES = {  # name -> named destination (an element id) on the page to compare
    "cover": "cover",
    "takeaways": "s-takeaways",
    "implications": "s-implications",
    "contents": "contents",
    "exhibit-list": "exhibit-list",
    "table": "tbl-landscape",
    "profile": "ant-group",
    "chart": "fig-scale",
    "case": "case-ant",
    "appendix": "s-appendix",
    "glossary": "s-glossary",
    "notes": "s-notes",
}


def _squash(text: str) -> str:
    """Drop all white space: pdftotext breaks CJK lines anywhere."""
    return re.sub(r"\s+", "", text)


def _pdf(briefing: Path, lang: str) -> Path:
    return briefing / f"briefing.{lang}.pdf"


@cache
def _text(pdf: Path) -> str:
    """pdftotext once per file: reading a CJK PDF back takes a second or more."""
    return pdftotext(pdf)


@cache
def _reader(pdf: Path) -> PdfReader:
    return PdfReader(pdf)


def _root(reader: PdfReader) -> Any:
    """The document catalog, as a plain mapping (pypdf types it loosely)."""
    return reader.trailer["/Root"]


def _data(name: str) -> Any:
    return yaml.safe_load((ROOT / "data" / f"{name}.yaml").read_text(encoding="utf-8"))


class _Headings(HTMLParser):
    """Collect, in document order, h2/h3 in <main> (outside .no-toc), exhibits and xrefs."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # >0 while inside <main>
        self.headings: list[tuple[int, str]] = []
        self.exhibits: list[tuple[str, str]] = []  # (figure id, label text)
        self.xrefs: list[tuple[str, str]] = []  # (href target, link text)
        self._grab: tuple[str, list[str]] | None = None
        self._grab_tag = ""
        self._figure = ""
        self._xref = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "main":
            self.depth += 1
        if not self.depth:
            return
        if tag in ("h2", "h3") and "no-toc" not in classes and a.get("id"):
            self._grab, self._grab_tag = (tag, []), tag
        elif tag == "figure" and "exhibit" in classes:
            self._figure = a["id"]
        elif tag == "span" and "exhibit-label" in classes and self._figure:
            self._grab, self._grab_tag = ("label", []), "span"
        elif tag == "a" and "xref" in classes:
            self._xref = a["href"].removeprefix("#")
            self._grab, self._grab_tag = ("xref", []), "a"

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth -= 1
        if self._grab is None or tag != self._grab_tag:
            return
        kind, parts = self._grab
        text = " ".join("".join(parts).split())
        if kind in ("h2", "h3"):
            self.headings.append((int(kind[1]), text))
        elif kind == "label":
            self.exhibits.append((self._figure, text))
            self._figure = ""
        else:
            self.xrefs.append((self._xref, text))
        self._grab = None

    def handle_data(self, data: str) -> None:
        if self._grab is not None:
            self._grab[1].append(data)


def _parse_html(briefing: Path, lang: str) -> _Headings:
    parser = _Headings()
    parser.feed((briefing / f"briefing.{lang}.html").read_text(encoding="utf-8"))
    return parser


def _outline(items: list[Any], level: int = 1) -> Iterator[tuple[int, str]]:
    for item in items:
        if isinstance(item, list):
            yield from _outline(item, level + 1)
        else:
            yield level, " ".join(str(item["/Title"]).split())


# --- content ---


def test_chinese_edition_prints_data_quotes_and_qualifiers(briefing: Path) -> None:
    text = _squash(_text(_pdf(briefing, "zh")))
    report = _data("report")["report"]
    assert _squash(report["title"]["zh"].split("：")[0]) in text
    assert "核心要点" in text and "关键数据" in text and "图表目录" in text
    # Key figures print with their qualifiers, never as bare points.
    assert "超过10亿名用户" in text
    assert "60%以上" in text and "及以上" not in text  # the source's own wording
    # The notes hold verbatim seed quotes, in the seed's own (Traditional) script.
    quote = next(m["source"]["quote"] for m in _data("metrics")["metrics"]
                 if m["id"] == "m-ant-users")
    assert _squash(quote) in text
    # The cover date comes from SOURCE_DATE_EPOCH, spelled out for the edition.
    assert "2026年1月1日" in text


def test_english_edition_prints_data_and_dates(briefing: Path) -> None:
    text = " ".join(_text(_pdf(briefing, "en")).split())
    assert "Key takeaways" in text and "List of exhibits" in text
    assert "over 1 billion users" in text
    assert "1 January 2026" in text
    assert "Frequently asked questions" in text


@pytest.mark.parametrize("lang", LANGS)
def test_page_count_is_sane(briefing: Path, lang: str) -> None:
    pages = len(_reader(_pdf(briefing, lang)).pages)
    assert 24 <= pages <= 60, pages


# --- structure ---


@pytest.mark.parametrize("lang", LANGS)
def test_outline_matches_headings(briefing: Path, lang: str) -> None:
    outline = list(_outline(_reader(_pdf(briefing, lang)).outline))
    headings = [(level - 1, text) for level, text in _parse_html(briefing, lang).headings]
    assert outline == headings
    assert len(outline) > 30


@pytest.mark.parametrize("lang", LANGS)
def test_exhibits_are_numbered_in_order_and_references_resolve(briefing: Path,
                                                               lang: str) -> None:
    page = _parse_html(briefing, lang)
    word = "图表" if lang == "zh" else "Exhibit"
    labels = [label for _, label in page.exhibits]
    assert labels == [f"{word} {n}" for n in range(1, len(labels) + 1)]
    placed = dict(page.exhibits)
    assert page.xrefs, "the text refers to no exhibit"
    for target, text in page.xrefs:
        assert target in placed, f"reference to {target}, which is not placed"
        assert text == placed[target], f"{text!r} links to {target}, labelled {placed[target]!r}"
    # In the PDF, no "Exhibit N" names a number beyond the last exhibit.
    numbers = {int(n) for n in re.findall(rf"{word}\s*(\d+)", _text(_pdf(briefing, lang)))}
    assert numbers == set(range(1, len(labels) + 1))


def test_every_chart_in_data_is_drawn(briefing: Path) -> None:
    charts = [x["id"] for x in _data("exhibits")["exhibits"] if x["kind"] == "chart"]
    assert len(charts) >= 6
    for lang in LANGS:
        destinations = _reader(_pdf(briefing, lang)).named_destinations
        placed = dict(_parse_html(briefing, lang).exhibits)
        for cid in charts:
            assert cid in placed, f"{cid} not placed in the {lang} HTML"
            assert cid in destinations, f"{cid} not placed in the {lang} PDF"


@pytest.mark.parametrize("lang", LANGS)
def test_references_and_notes_are_links(briefing: Path, lang: str) -> None:
    reader = _reader(_pdf(briefing, lang))
    links = [a.get_object() for p in reader.pages for a in p.get("/Annots", [])
             if a.get_object().get("/Subtype") == "/Link"]
    internal = [a for a in links if "/Dest" in a or "/GoTo" in str(a.get("/A", {}))]
    assert len(internal) > 200  # note markers, exhibit references, contents entries
    destinations = reader.named_destinations
    assert "note-1" in destinations and "tbl-corrections" in destinations


# --- metadata, attachments, fonts, file structure ---


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_metadata(briefing: Path, lang: str) -> None:
    reader = _reader(_pdf(briefing, lang))
    meta = reader.metadata
    assert meta is not None
    report = _data("report")["report"]
    assert meta.title == report["title"][lang]
    assert meta.author
    assert meta.subject == report["subtitle"][lang]
    assert meta.get("/Keywords")
    root = _root(reader)
    assert str(root["/Lang"]) == ("zh-Hans" if lang == "zh" else "en")
    # Tagged PDF: a structure tree, and the document says it is marked.
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]


@pytest.mark.parametrize("lang", LANGS)
def test_data_files_are_attached(briefing: Path, lang: str) -> None:
    attached = _reader(_pdf(briefing, lang)).attachments
    expected = {p.name for p in (ROOT / "data").glob("*.yaml")}
    assert expected <= set(attached)
    exhibits = attached["exhibits.yaml"][0]
    assert exhibits == (ROOT / "data" / "exhibits.yaml").read_bytes()


@pytest.mark.parametrize("lang", LANGS)
def test_all_fonts_embedded_and_subset(briefing: Path, lang: str) -> None:
    out = subprocess.run(["pdffonts", str(_pdf(briefing, lang))], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    rows = out[2:]  # after the header and its dashed rule
    assert rows, "no fonts listed"
    for row in rows:
        # Columns: name type encoding emb sub uni object ID; type may hold spaces,
        # so read the flags from the right.
        emb, sub = row.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), row
    assert any("CJK" in row for row in rows)


@pytest.mark.parametrize("lang", LANGS)
def test_qpdf_check_passes(briefing: Path, lang: str) -> None:
    proc = subprocess.run(["qpdf", "--check", str(_pdf(briefing, lang))],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No syntax or stream encoding errors found" in proc.stdout


def test_build_logs_no_weasyprint_warning(briefing_build: tuple[Path, Run]) -> None:
    _, run = briefing_build
    # The layout preflight's findings are reported apart (pages to fix, not build faults).
    err = "\n".join(line for line in run.err.splitlines() if "layout preflight: " not in line)
    assert "WeasyPrint" not in err, err
    assert "WARNING" not in err.upper(), err


def test_the_layout_preflight_finds_nothing_in_the_briefing(
        briefing_build: tuple[Path, Run]) -> None:
    """Text over text, text off the page or chart, near-empty pages, a character or marker
    alone on a line, a heading at a page foot: none in either edition."""
    _, run = briefing_build
    findings = [line for line in run.err.splitlines() if "layout preflight: " in line]
    assert findings == []


VARIANTS = {"pdf/a-3b": "a3b", "pdf/ua-1": "ua1"}


@pytest.fixture(scope="module")
def variant_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the English PDF once per --pdf-variant, both builds running at the same time."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    procs: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    for variant, name in VARIANTS.items():
        out = tmp_path_factory.mktemp(f"variant-{name}")
        procs[variant] = (subprocess.Popen(
            [sys.executable, "-m", "reportgen", "build", "--project", str(ROOT), "--out",
             str(out), "--lang", "en", "--format", "pdf", "--pdf-variant", variant],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), out)
    pdfs: dict[str, Path] = {}
    for variant, (proc, out) in procs.items():
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert "WeasyPrint" not in err, err
        pdfs[variant] = out / "briefing.en.pdf"
    return pdfs


def _xmp(reader: PdfReader) -> str:
    return str(_root(reader)["/Metadata"].get_object().get_data().decode("utf-8"))


def test_pdf_a3b_variant_is_declared(variant_pdfs: dict[str, Path]) -> None:
    pdf = variant_pdfs["pdf/a-3b"]
    reader = PdfReader(pdf)
    xmp = _xmp(reader)
    # The PDF/A identification schema, part 3 conformance B, and an output intent.
    assert re.search(r'pdfaid:part(="|>)3', xmp), xmp[:2000]
    assert re.search(r'pdfaid:conformance(="|>)B', xmp), xmp[:2000]
    assert "/OutputIntents" in _root(reader)
    assert reader.attachments  # PDF/A-3 allows the attached data files
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True,
                          check=False).returncode == 0


def test_pdf_ua1_variant_is_declared(variant_pdfs: dict[str, Path]) -> None:
    pdf = variant_pdfs["pdf/ua-1"]
    reader = PdfReader(pdf)
    root = _root(reader)
    # The PDF/UA identification, plus what UA relies on: tags, language, title shown.
    assert re.search(r'pdfuaid:part(="|>)1', _xmp(reader))
    assert "/StructTreeRoot" in root and str(root["/Lang"]) == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata is not None and reader.metadata.title
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True,
                          check=False).returncode == 0


# --- pages a designer would pass ---

# The body area of a page, from the theme's print.css (@page margins), in PDF points.
_MM = 72 / 25.4
_BODY = (24 * _MM, 22 * _MM)  # top and bottom margins


def _page_text(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("lang", LANGS)
def test_contents_and_exhibit_list_give_one_page_number_per_entry(briefing: Path,
                                                                    lang: str) -> None:
    pdf = _pdf(briefing, lang)
    pages = len(_reader(pdf).pages)
    html = _parse_html(briefing, lang)
    # From the contents to the page before the first chapter after them (the next page
    # that holds any anchor but the list of exhibits' own title).
    reader = _reader(pdf)
    first = _page_of(pdf, "contents")
    after = min(p + 1 for name, dest in reader.named_destinations.items()
                if name != "exhibit-list"
                and (p := reader.get_destination_page_number(dest)) is not None and p + 1 > first)
    text = _page_text(pdf, first, after - 1)
    # Every entry ends in a leader and one page number; a note marker fused into a page
    # number ("111.35") or a number run into a title ("standin8") matches no entry.
    numbers = [int(n) for n in re.findall(r"(?m)\.\s+(\d+)\s*$", text)]
    assert len(numbers) == len(html.headings) + len(html.exhibits), text
    assert all(2 <= n <= pages for n in numbers), numbers
    contents, exhibits = numbers[:len(html.headings)], numbers[len(html.headings):]
    assert contents == sorted(contents) and exhibits == sorted(exhibits), numbers


@pytest.mark.parametrize("lang", LANGS)
def test_titles_and_headings_carry_no_note_markers(briefing: Path, lang: str) -> None:
    class _Markers(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "figcaption"):
                self.open.append(tag)
            elif tag == "sup" and ("class", "cite") in attrs and self.open:
                self.found.append(self.open[-1])

        def handle_endtag(self, tag: str) -> None:
            if self.open and tag == self.open[-1]:
                self.open.pop()

    parser = _Markers()
    parser.feed((briefing / f"briefing.{lang}.html").read_text(encoding="utf-8"))
    assert not parser.found


def _fonts_of(pdf: Path, page: int) -> dict[str, set[str]]:
    """Which fonts set Latin letters, Han characters and curly quotes on a page."""
    found: dict[str, set[str]] = {"latin": set(), "han": set(), "quote": set()}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if font is None:
            return
        name = str(font.get("/BaseFont"))
        for ch in text:
            if "\u4e00" <= ch <= "\u9fff":
                found["han"].add(name)
            elif ch.isascii() and ch.isalpha():
                found["latin"].add(name)
            elif ch in "“”‘’":
                found["quote"].add(name)

    _reader(pdf).pages[page - 1].extract_text(visitor_text=visit)
    return found


def test_latin_text_is_set_in_a_latin_face_and_han_in_a_cjk_face(briefing: Path) -> None:
    en, zh = _pdf(briefing, "en"), _pdf(briefing, "zh")
    for page in (_page_of(en, "takeaways"), _page_of(en, "ant-group")):
        fonts = _fonts_of(en, page)
        assert fonts["latin"] and not any("CJK" in f for f in fonts["latin"]), fonts
        assert not any("CJK" in f for f in fonts["quote"]), fonts
    # The Chinese edition sets Han, and the full-width quotes of Chinese text, in CJK faces.
    fonts = _fonts_of(zh, _page_of(zh, "takeaways"))
    assert fonts["han"] and all("CJK" in f for f in fonts["han"]), fonts
    assert fonts["quote"] and all("CJK" in f for f in fonts["quote"]), fonts


def _fill(png: Path, height_pt: float) -> float:
    """How far down the body area of a rendered page its lowest ink reaches (0 to 1)."""
    image = Image.open(png).convert("L")
    scale = image.height / height_pt
    top, bottom = int(_BODY[0] * scale), int(image.height - _BODY[1] * scale)
    ink = image.crop((0, top, image.width, bottom)).point(lambda v: 255 if v < 200 else 0)
    box = ink.getbbox()
    return box[3] / (bottom - top) if box else 0.0


@pytest.mark.parametrize("lang", LANGS)
def test_few_body_pages_are_near_empty(briefing: Path, tmp_path: Path, lang: str) -> None:
    pdf = _pdf(briefing, lang)
    subprocess.run(["pdftoppm", "-png", "-r", "20", str(pdf), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    height = float(_reader(pdf).pages[0].mediabox.height)
    body = pngs[1:-1]  # not the cover, nor the last page
    low = [n for n, png in enumerate(body, 2) if _fill(png, height) < 0.4]
    # A chapter's last page may be short; at most one body page in ten is under 40 % full.
    assert len(low) <= len(body) // 10, f"pages under 40 % full: {low}"


@pytest.mark.parametrize("lang", LANGS)
def test_key_figure_cards_never_hyphenate(briefing: Path, lang: str) -> None:
    pdf = _pdf(briefing, lang)
    reader = _reader(pdf)
    page = _page_of(pdf, "s-key-figures")
    top = float(reader.named_destinations["s-key-figures"].top or 0)
    height = float(reader.pages[page - 1].mediabox.height)
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    words = [(float(y), w) for y, w in re.findall(r'<word [^>]*yMin="([\d.]+)"[^>]*>([^<]*)<', xml)]
    cards = [w for y, w in words if y > height - top and y < height - _BODY[1]]
    assert len(cards) > 30  # tags, numbers, labels and sources of the cards
    assert not [w for w in cards if w.endswith("-")], cards


# --- how pages look ---


def _page_of(pdf: Path, destination: str) -> int:
    reader = PdfReader(pdf)
    number = reader.get_destination_page_number(reader.named_destinations[destination])
    assert number is not None, destination
    return number + 1


def _render(pdf: Path, page: int, target: Path) -> Image.Image:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(REFERENCE_DPI), "-f", str(page), "-l",
                    str(page), "-singlefile", str(pdf), str(stem)], check=True)
    return Image.open(target).convert("L")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(REFERENCE_PAGES))
def test_pages_look_like_their_references(briefing: Path, tmp_path: Path, lang: str,
                                          name: str) -> None:
    pdf = _pdf(briefing, lang)
    page = 1 if name == "cover" else _page_of(pdf, REFERENCE_PAGES[name])
    reference = REFERENCES / f"{lang}-{name}.png"
    new = _render(pdf, page, tmp_path / f"{lang}-{name}.png")
    if os.environ.get("REPORTGEN_REFRESH_REFERENCES"):
        REFERENCES.mkdir(exist_ok=True)
        new.save(reference, optimize=True)
        return
    assert reference.is_file(), (f"no reference image {reference}; create it with "
                                 "REPORTGEN_REFRESH_REFERENCES=1")
    old = Image.open(reference).convert("L")
    assert new.size == old.size, f"page size changed: {old.size} -> {new.size}"
    diff = ImageChops.difference(new, old)
    mean = sum(i * n for i, n in enumerate(diff.histogram())) / (255 * new.width * new.height)
    if mean > TOLERANCE:
        diff_path = tmp_path / f"{lang}-{name}-diff.png"
        ImageOps.autocontrast(diff).save(diff_path)
        print(f"page {page} differs from {reference}: new render {tmp_path / reference.name}, "
              f"difference {diff_path}")
        pytest.fail(f"{lang} {name} page differs by {mean:.4f} (> {TOLERANCE}); see {diff_path}")
