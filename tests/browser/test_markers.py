"""In the browser, a note marker never starts a line, in either edition, at any width.

Chinese text may break between any two characters, so without the engine's word joiner a
marker such as ²⁹ lands alone at the start of a line (13 to 21 times per width in the
shipped briefing before). Each marker is compared with the character it follows: the
marker's box must not sit below that character's line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_setup import diagnose

try:
    from playwright.sync_api import Browser, sync_playwright
    HAVE_PLAYWRIGHT = True
except ImportError:  # reported by the fixture, so the tests fail rather than skip
    HAVE_PLAYWRIGHT = False

WIDTHS = (360, 768, 1280)

# For every visible marker, the last visible character before it in the same block: the
# marker starts a line when its box begins below that character's line box.
_LINE_STARTS = """() => {
  const block = (n) => {
    let e = n.nodeType === 1 ? n : n.parentElement;
    while (e && getComputedStyle(e).display.startsWith('inline')) e = e.parentElement;
    return e;
  };
  const found = [];
  for (const sup of document.querySelectorAll('sup.cite')) {
    const box = sup.getClientRects()[0];
    if (!box) continue;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    walker.currentNode = sup;
    let node = null, at = -1;
    while ((node = walker.previousNode())) {
      let i = node.data.length - 1;
      while (i >= 0 && /[\\s\\u2060]/.test(node.data[i])) i--;
      if (i >= 0) { at = i; break; }
    }
    if (!node || block(node) !== block(sup)) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const rects = range.getClientRects();
    if (!rects.length) continue;
    const before = rects[rects.length - 1];
    if (box.top >= before.bottom - 1) found.push(node.data.slice(Math.max(0, at - 8), at + 1) +
                                                 ' | ' + sup.textContent);
  }
  return found;
}"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not HAVE_PLAYWRIGHT:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'", pytrace=False)
    try:
        manager = sync_playwright().start()
    except Exception as exc:  # the driver is a Node.js binary: a missing library stops it
        pytest.fail(diagnose(exc), pytrace=False)
    try:
        browser = manager.chromium.launch(executable_path="/usr/bin/chromium",
                                          args=["--no-sandbox"])
        yield browser
        browser.close()
    finally:
        manager.stop()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_line_starts_with_a_note_marker(chromium: Browser, briefing: Path, lang: str) -> None:
    page = chromium.new_page()
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
        "file://") else route.continue_())
    page.goto((briefing / f"briefing.{lang}.html").as_uri())
    assert page.evaluate("document.querySelectorAll('sup.cite').length") > 50
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found[width] = page.evaluate(_LINE_STARTS)
    page.close()
    assert all(not v for v in found.values()), found
