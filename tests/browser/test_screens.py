"""The HTML edition on the screens people read it on, and printed from the browser.

Phones: tables become cards, no word breaks mid-word, the FAQ's marks stay on screen, the cover
and the contents line fit one screen, any profile is two taps away, the notes fold by chapter
and a marker opens its fold.
Laptops: the side contents mark the chapter a link led to. Every width: Latin text in a Latin face,
Han in a CJK face (Chromium's own account of the fonts it used). Print: within 15 % of the
PDF's page count. No script anywhere: the page's policy forbids it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import test_html
from playwright.sync_api import Browser, Page
from pypdf import PdfReader
from test_html import EDITIONS, Visit, _edition

# One Chromium per module, as in test_html: the same fixture.
browser = test_html.browser

PHONE = 360
# Exhibit tables and the glossary: stacked as cards on phones.
CARD_TABLES = ".table-scroll > table.data, table.glossary"


def _profiles(page: Page) -> list[str]:
    return list(page.evaluate(
        "[...document.querySelectorAll('#profiles article.profile')].map(a => a.id)"))


@pytest.mark.parametrize("lang", EDITIONS)
def test_tables_are_cards_on_phones(browser: Browser, briefing: Path, lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), PHONE)
    try:
        tables: list[dict[str, Any]] = visit.page.evaluate(
            """sel => [...document.querySelectorAll(sel)].map(t => {
                 const row = t.querySelector('tbody tr');
                 // A glossary's meaning needs no label; an exhibit table's values do.
                 const labelled = t.matches('table.glossary') ? []
                                : [...t.querySelectorAll('td[data-label]')];
                 return {id: t.closest('figure')?.id || t.className, display: getComputedStyle(row).display,
                         wide: t.scrollWidth - t.clientWidth,
                         box: t.parentElement.scrollWidth - t.parentElement.clientWidth,
                         right: t.getBoundingClientRect().right,
                         labels: labelled.filter(c => getComputedStyle(c, '::before').content
                                                      .replace(/"/g, '').trim()).length,
                         cells: labelled.length};
               })""", CARD_TABLES)
    finally:
        visit.close()
    assert len(tables) >= 4, tables
    for t in tables:
        assert t["display"] == "block", f"{t['id']}: rows are not cards at {PHONE}px"
        assert t["wide"] <= 0 and t["box"] <= 0 and t["right"] <= PHONE, f"{t['id']} is wider than the phone"
        assert t["labels"] == t["cells"], f"{t['id']}: a value without its column's name"
    assert sum(t["cells"] for t in tables) > 50


@pytest.mark.parametrize("lang", EDITIONS)
def test_glossary_never_breaks_a_word(browser: Browser, briefing: Path, lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), PHONE)
    try:
        broken: list[str] = visit.page.evaluate(
            """() => {
                 const out = [];
                 for (const cell of document.querySelectorAll('table.glossary td, .glossary-names span')) {
                   const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                   let node;
                   while ((node = walker.nextNode())) {
                     for (const m of node.data.matchAll(/[A-Za-z][A-Za-z'’-]{3,}/g)) {
                       const r = document.createRange();
                       r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
                       const lines = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
                       if (lines.size > 1 && !m[0].includes('-')) out.push(m[0]);
                     }
                   }
                 }
                 return out;
               }""")
    finally:
        visit.close()
    assert broken == [], f"words broken across lines at {PHONE}px: {broken[:10]}"


@pytest.mark.parametrize("lang", EDITIONS)
def test_faq_marks_stay_on_a_phone_screen(browser: Browser, briefing: Path, lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), PHONE)
    try:
        lefts: list[float] = visit.page.evaluate(
            """[...document.querySelectorAll('.faq-item .qa-mark')].map(m => {
                 const r = document.createRange(); r.selectNodeContents(m);
                 return r.getBoundingClientRect().left; })""")
    finally:
        visit.close()
    assert lefts and min(lefts) >= 0, lefts


@pytest.mark.parametrize("lang", EDITIONS)
def test_cover_and_contents_fit_one_phone_screen(browser: Browser, briefing: Path,
                                                 lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), PHONE)
    try:
        top = visit.page.evaluate("document.getElementById('s-takeaways').getBoundingClientRect().top")
        height = visit.page.evaluate("innerHeight")
        contents = visit.page.evaluate(
            "document.querySelector('#toc > .toc-open').getBoundingClientRect().bottom")
    finally:
        visit.close()
    assert contents < top < height, f"the takeaways start at {top}px, below a {height}px screen"


@pytest.mark.parametrize("lang", EDITIONS)
def test_any_profile_is_two_taps_away_on_a_phone(browser: Browser, briefing: Path,
                                                 lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), PHONE)
    page = visit.page
    try:
        profiles = _profiles(page)
        assert len(profiles) >= 5
        page.evaluate("window.scrollTo(0, document.body.scrollHeight * 0.8)")
        page.locator("#toc-bar a[href='#toc']").click()  # tap 1
        page.wait_for_timeout(50)
        for pid in profiles:
            link = page.locator(f"#toc a[href='#p-{pid}']")
            assert link.is_visible(), f"{pid} is not in the opened contents"
        page.locator(f"#toc a[href='#p-{profiles[-1]}']").click()  # tap 2
        page.wait_for_timeout(50)
        top = page.evaluate(f"document.getElementById('p-{profiles[-1]}').getBoundingClientRect().top")
        assert 0 <= top <= 200, f"the profile's heading is at {top}px"
        # The profiles chapter opens with a jump list of its own.
        jumps = page.evaluate("[...document.querySelectorAll('#profiles .jump-list a')]"
                              ".map(a => a.getAttribute('href').slice(1))")
        assert jumps == profiles
    finally:
        visit.close()


@pytest.mark.parametrize("lang", EDITIONS)
def test_notes_fold_by_chapter_and_a_marker_opens_its_fold(browser: Browser, briefing: Path,
                                                           lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), PHONE)
    page = visit.page
    try:
        groups: list[dict[str, Any]] = page.evaluate(
            """[...document.querySelectorAll('details.notes-group')].map(d => ({
                 open: d.open, notes: d.querySelectorAll('li[id^=note-]').length,
                 title: d.querySelector('summary').textContent}))""")
        total = page.evaluate("document.querySelectorAll('li[id^=note-]').length")
        assert len(groups) >= 6 and not any(g["open"] for g in groups), groups
        assert sum(g["notes"] for g in groups) == total
        folded = page.evaluate("document.querySelector('.notes-block').getBoundingClientRect().height")
        # A marker deep in the text leads into a closed fold: the browser opens it.
        page.locator(f"a.note-ref[href='#note-{total - 5}']").first.click()
        page.wait_for_timeout(100)
        opened = page.evaluate(f"document.getElementById('note-{total - 5}').closest('details').open")
        box = page.evaluate(f"document.getElementById('note-{total - 5}').getBoundingClientRect().top")
    finally:
        visit.close()
    assert opened and 0 <= box <= 400, (opened, box)
    # Folded, all the notes take less than two screens (33 unfolded).
    assert folded < 2 * 800, f"the folded notes are {folded / 800:.1f} screens long"


@pytest.mark.parametrize("lang", EDITIONS)
def test_side_contents_mark_where_the_reader_is(browser: Browser, briefing: Path,
                                                lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), 1280)
    page = visit.page
    style = "h => getComputedStyle(document.querySelector(`.toc-sections a[href='#${h}']`)).backgroundColor"
    try:
        plain = page.evaluate(style, "s-risks")
        page.goto(visit.url + "#s-risks")  # followed from a link
        page.wait_for_timeout(100)
        assert page.evaluate(style, "s-risks") != plain
        assert page.evaluate(style, "s-landscape") == plain
        page.goto(visit.url + "#fig-scale")  # an exhibit inside a chapter
        page.wait_for_timeout(100)
        assert page.evaluate(style, "s-landscape") != plain
        assert page.evaluate(style, "s-risks") == plain
    finally:
        visit.close()


def _platform_fonts(page: Page, selector: str) -> set[str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"] for f in fonts}


def test_latin_text_in_a_latin_face_and_han_in_a_cjk_face(browser: Browser,
                                                           briefing: Path) -> None:
    visit = Visit(browser, _edition(briefing, "en"))
    try:
        for selector in (".takeaway-list li", "#s-takeaways", ".profile-summary", ".cover-thesis p"):
            fonts = _platform_fonts(visit.page, selector)
            assert fonts and not any("CJK" in f or "Droid" in f for f in fonts), (selector, fonts)
        # A Chinese quote in the English notes (unfolded) is set in a CJK face.
        visit.page.evaluate("document.querySelectorAll('details.notes-group').forEach(d => d.open = true)")
        fonts = _platform_fonts(visit.page, "blockquote[lang^=zh]")
        assert any("CJK" in f for f in fonts), fonts
    finally:
        visit.close()
    visit = Visit(browser, _edition(briefing, "zh"))
    try:
        fonts = _platform_fonts(visit.page, ".takeaway-list li")
        assert fonts and all("CJK" in f for f in fonts), fonts
    finally:
        visit.close()


@pytest.mark.parametrize("lang", EDITIONS)
def test_browser_print_is_close_to_the_pdf(browser: Browser, briefing: Path, lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang))
    try:
        printed = visit.page.pdf(prefer_css_page_size=True, print_background=True)
    finally:
        visit.close()
    pages = len(PdfReader(io.BytesIO(printed)).pages)
    pdf = len(PdfReader(briefing / f"briefing.{lang}.pdf").pages)
    assert abs(pages - pdf) <= 0.15 * pdf, f"printed {pages} pages, the PDF has {pdf}"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(printed)).pages[-12:])
    assert "↑" not in text, "links back to the text are printed"


@pytest.mark.parametrize("lang", EDITIONS)
def test_language_switch_says_where_the_other_edition_is(browser: Browser, briefing: Path,
                                                         lang: str) -> None:
    other = "en" if lang == "zh" else "zh"
    visit = Visit(browser, _edition(briefing, lang))
    try:
        titles = visit.page.evaluate(
            "[...document.querySelectorAll('a[hreflang]')].map(a => a.title)")
        cover = visit.page.evaluate("document.querySelector('.cover-meta').textContent")
    finally:
        visit.close()
    assert titles and all(f"briefing.{other}.html" in t for t in titles), titles
    assert f"briefing.{other}.html" in cover
