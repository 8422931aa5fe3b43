"""The live preview in Chromium: the page reloads by itself after an edit, shows problems.

``reportgen serve`` runs on a copy of the mini project; Chromium (the Debian package,
driven by Playwright) opens the preview. The page must run the server's script under the
policy the server sends (no console error, no policy violation), reload after an edit of
the data without anyone touching it, and show a build's problems in its panel.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_setup import diagnose
from conftest import MINI
from servekit import Served, edit

try:
    from playwright.sync_api import Browser, sync_playwright
    HAVE_PLAYWRIGHT = True
except ImportError:  # reported by the fixture, so the test fails rather than skips
    HAVE_PLAYWRIGHT = False

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not HAVE_PLAYWRIGHT:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium ({CHROMIUM}) is missing: apt-get install chromium", pytrace=False)
    try:
        manager = sync_playwright().start()
    except Exception as exc:  # the driver is a Node.js binary: a missing library stops it
        pytest.fail(diagnose(exc), pytrace=False)
    try:
        browser = manager.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        manager.stop()


def test_the_page_reloads_itself_after_an_edit_and_shows_problems(
        chromium: Browser, tmp_path: Path) -> None:
    project = tmp_path / "mini"
    shutil.copytree(MINI, project)
    served = Served(project)
    errors: list[str] = []
    try:
        served.client.settled()
        context = chromium.new_context(viewport={"width": 1000, "height": 700})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(served.client.base + "/", wait_until="load")
        assert page.url.endswith("/parks.zh.html")
        # The panel the script adds (in its shadow root) says the page is up to date.
        status = page.locator("reportgen-preview .status")
        status.wait_for()
        assert "up to date" in status.inner_text()
        page.evaluate("window.untouched = true")  # gone once the page reloads

        data = project / "data" / "parks.yaml"
        original = data.read_text(encoding="utf-8")
        edit(data, "zh: 城市公园,", "zh: 城市公园与花园,")
        page.wait_for_function("() => document.title.includes('城市公园与花园')", timeout=120_000)
        assert page.evaluate("window.untouched === undefined"), "the page was not reloaded"

        # A slip mid-typing: the problem appears over the page, which stays as it was.
        page.evaluate("window.untouched = true")
        data.write_text(original.replace("zh: 城市公园,", 'zh: "城市公园,'), encoding="utf-8")
        panel = page.locator("reportgen-preview .panel")
        panel.wait_for(state="visible", timeout=120_000)
        assert "data/parks.yaml:" in panel.inner_text()
        assert page.evaluate("window.untouched === true"), "a failed build reloaded the page"
        assert "城市公园与花园" in page.title()

        data.write_text(original, encoding="utf-8")
        page.wait_for_function("() => !document.title.includes('与花园')", timeout=120_000)
        panel.wait_for(state="hidden", timeout=30_000)
        assert errors == [], errors
        context.close()
    finally:
        served.stop()


def test_the_pdf_view_shows_the_layout_notes_of_the_pdf(chromium: Browser, tmp_path: Path) -> None:
    project = tmp_path / "mini"
    shutil.copytree(MINI, project)
    served = Served(project)
    try:
        served.client.settled()
        context = chromium.new_context(viewport={"width": 1000, "height": 700})
        page = context.new_page()
        page.goto(served.client.base + "/_reportgen/pdf/parks.en.pdf", wait_until="load")
        panel = page.locator("reportgen-preview .panel")
        assert panel.is_hidden()
        edit(project / "templates" / "report.html.j2", "</body>",
             '<p style="position: absolute; top: 0; left: -30mm">Set outside the page</p></body>')
        panel.wait_for(state="visible", timeout=120_000)
        text = panel.inner_text()
        assert "layout note" in text and "page 1: " in text, text
        assert "up to date" in page.locator("reportgen-preview .status").inner_text()
        context.close()
    finally:
        served.stop()
