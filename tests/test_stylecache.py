"""Stylesheets parsed once for the documents (the parts of a PDF) that carry the same ones."""

from __future__ import annotations

from typing import Any

import pytest

from reportgen import stylecache

A5 = "@page { size: 148mm 210mm; margin: 10mm } p { color: rgb(255, 0, 0) }"
A6 = "@page { size: 105mm 148mm; margin: 10mm } p { color: rgb(0, 0, 255) }"


def _html(css: str, body: str = "<p>Words</p>") -> Any:
    import weasyprint

    return weasyprint.HTML(string=f"<html><head><style>{css}</style></head><body>{body}"
                                  "</body></html>")


def _found(html: Any, font_config: Any) -> list[Any]:
    import weasyprint.css as wcss

    return list(wcss.find_stylesheets(html.wrapper_element, "print", html.url_fetcher,
                                      html.base_url, font_config, {}, {}, [], []))


def _page(css: str, font_config: Any) -> tuple[tuple[int, int], tuple[float, ...]]:
    document = _html(css).render(font_config=font_config)
    page = document.pages[0]
    box = page._page_box
    while box.children:
        box = box.children[0]
    size = (round(page.width * 25.4 / 96), round(page.height * 25.4 / 96))
    return size, tuple(box.style["color"])


@pytest.fixture
def font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    stylecache.install()
    return FontConfiguration()


def test_documents_with_the_same_style_elements_share_their_parsed_sheets(
        font_config: Any) -> None:
    first, again = _found(_html(A5), font_config), _found(_html(A5, "<p>Other</p>"), font_config)
    assert len(first) == 1 and first[0] is again[0]
    assert _found(_html(A6), font_config)[0] is not first[0]
    from weasyprint.text.fonts import FontConfiguration

    assert _found(_html(A5), FontConfiguration())[0] is not first[0]  # its own fonts


def test_each_document_keeps_its_own_page_rules_and_styles(font_config: Any) -> None:
    red, blue = (1.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)
    assert _page(A5, font_config) == ((148, 210), red)
    assert _page(A6, font_config) == ((105, 148), blue)
    assert _page(A5, font_config) == ((148, 210), red)  # from the cache: the same page


@pytest.mark.parametrize("css", [
    "@import 'x.css'; p { color: red }",
    "@font-face { font-family: X; src: local(Arial) } p { color: red }",
    "@FONT-FACE { font-family: X; src: local(Arial) }",
    "@f\\6fnt-face { font-family: X; src: local(Arial) }",
    "@counter-style thumbs { system: cyclic; symbols: '*'; }",
    "@layer base { p { color: red } }",
])
def test_a_sheet_that_adds_to_the_document_is_parsed_for_each(css: str, font_config: Any) -> None:
    assert _found(_html(css), font_config)[0] is not _found(_html(css), font_config)[0]
