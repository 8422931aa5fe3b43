"""Font files read only when a PDF needs them whole (``fontbytes.py``).

A process that stays up keeps the fonts of the pages it recorded; with WeasyPrint's eager
copy of each font file, that was one 20 MB copy of each CJK collection per PDF written.
The PDFs stay byte for byte WeasyPrint's own, subset or with whole fonts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from test_layout import OPTIONS
from test_pagerefs import _PLAIN

from reportgen import fontbytes
from reportgen.layout import Layouter
from reportgen.pdf import PdfResult, _fetcher, session

HTML = ("<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>Fonts</title>"
        "<style>body { font-family: 'Noto Sans CJK SC', 'Noto Sans'; font-size: 9pt } "
        "b { font-weight: bold } section { break-before: page }</style></head><body>"
        + "".join(f"<section><h1>第{i}章 Chapter {i}</h1><p>互联网金融 <b>平台</b> "
                  f"platforms {i}</p></section>" for i in range(4))
        + "</body></html>")


def _plain(html: str, tmp_path: Path, options: dict[str, Any]) -> bytes:
    """The PDF of WeasyPrint alone, in a process that never imports reportgen."""
    source, target = tmp_path / "plain.html", tmp_path / "plain.pdf"
    source.write_text(html, encoding="utf-8")
    given = {**options, "pdf_identifier": options["pdf_identifier"].decode("ascii")}
    subprocess.run([sys.executable, "-c", _PLAIN, str(source), str(target), json.dumps(given),
                    str(ROOT) + "/"], capture_output=True, text=True, timeout=300, check=True)
    return target.read_bytes()


def _unread(font: Any) -> bool:
    """Whether the font was made without reading its file, and it was not read since."""
    return font.__dict__.get("_file_content") is fontbytes._UNREAD


def test_recorded_fonts_hold_no_copy_of_their_files_and_the_pdf_is_weasyprints(
        tmp_path: Path) -> None:
    layouter, painter = Layouter(), session()[1]
    for name in ("first", "again"):  # the second write replays the recorded pages
        rendering = layouter.render(HTML.replace("platforms 3", f"platforms 3 {name}"),
                                    ROOT, _fetcher(ROOT, PdfResult()), "fontbytes")
        target = tmp_path / f"{name}.pdf"
        painter.write_pdf(rendering.document, target, **OPTIONS)
        assert target.read_bytes() == _plain(
            HTML.replace("platforms 3", f"platforms 3 {name}"), tmp_path, OPTIONS)
    kept = [font for recording in list(painter._recordings.values())
            for font in recording.fonts.values()]
    assert {font.family for font in kept} >= {"Noto Sans CJK SC"}
    assert all(_unread(font) for font in kept)
    assert painter.replayed >= 3


@pytest.mark.parametrize("options", [{"full_fonts": True}, {"hinting": True}],
                         ids=["whole-fonts", "hinting"])
def test_a_pdf_that_needs_the_font_files_reads_them(tmp_path: Path,
                                                    options: dict[str, Any]) -> None:
    given = {**OPTIONS, **options}
    rendering = Layouter().render(HTML, ROOT, _fetcher(ROOT, PdfResult()), "", False)
    target = tmp_path / "hooked.pdf"
    rendering.document.write_pdf(target, **given)
    assert target.read_bytes() == _plain(HTML, tmp_path, given)
    if options.get("full_fonts"):
        fonts = rendering.document.fonts.values()
        assert fonts and not any(_unread(font) for font in fonts)
