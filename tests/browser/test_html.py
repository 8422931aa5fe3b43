"""The HTML edition in a real browser: offline, responsive, accessible and valid.

Chromium (the Debian package, driven by Playwright), axe-core and the Nu Html Checker
(pinned in tests/browser/package-lock.json) check both editions that the `briefing`
fixture builds. `make test` installs all of them; when one is missing these tests fail
and say what to install, they never skip. Screenshots at every width and colour scheme
are saved under pytest's temporary folder (…/pytest-current/screenshots/) for review.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NoReturn

import pytest
from browser_setup import diagnose

try:
    from playwright.sync_api import Browser, Page, Route, sync_playwright
    HAVE_PLAYWRIGHT = True
except ImportError:  # reported by the `browser` fixture, so the tests fail rather than skip
    HAVE_PLAYWRIGHT = False

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EDITIONS = ("zh", "en")
WIDTHS = (360, 768, 1280)
SCHEMES = ("light", "dark")
# From this width the contents are a side column (70em in screen.css).
SIDEBAR_MIN_WIDTH = 1120
# WCAG 2.1 A and AA (without axe's experimental rules, as axe runs them by default), plus the
# structure rules the product asks for by name.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_EXTRA_RULES = ["heading-order", "page-has-heading-one", "landmark-one-main", "landmark-unique",
                   "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo", "region",
                   "empty-heading", "skip-link"]
SETUP_HINT = "`make test` installs it"
TOC_SUMMARY = "#toc .toc-sections > summary"


def _missing(what: str, how: str) -> NoReturn:
    pytest.fail(f"{what} is missing: {how} ({SETUP_HINT})", pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not HAVE_PLAYWRIGHT:
        _missing("Playwright for Python", "pip install -e '.[test]'")
    if not CHROMIUM.exists():
        _missing(f"Chromium ({CHROMIUM})", "apt-get install chromium")
    try:
        manager = sync_playwright().start()
    except Exception as exc:  # the driver is a Node.js binary: a missing library stops it
        pytest.fail(diagnose(exc), pytrace=False)
    try:
        b = manager.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "screenshots"


class Visit:
    """One page load with every request and console error recorded."""

    def __init__(self, browser: Browser, path: Path, width: int = 1280, scheme: str = "light",
                 bypass_csp: bool = False) -> None:
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 800},
                                           color_scheme=scheme,  # type: ignore[arg-type]
                                           bypass_csp=bypass_csp)
        self.page: Page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url, wait_until="load")

    def _route(self, route: Route) -> None:
        # The page itself may load (fragments aside); anything else is a request it must not make.
        url = route.request.url
        if url.split("#")[0] == self.url or url.startswith("data:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def _edition(briefing: Path, lang: str) -> Path:
    return briefing / f"briefing.{lang}.html"


@pytest.mark.parametrize("lang", EDITIONS)
def test_loads_offline_without_requests_or_errors(browser: Browser, briefing: Path, lang: str) -> None:
    visit = Visit(browser, _edition(briefing, lang))
    try:
        # Open every chart's data table and follow a note marker, so lazy work would show too.
        visit.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        visit.page.locator("a.note-ref").first.click()
        visit.page.wait_for_timeout(100)
        assert visit.requests == [], "the page made requests"
        assert visit.errors == [], "the console reported errors"
        assert visit.page.evaluate("document.documentElement.lang") == {"zh": "zh-Hans", "en": "en"}[lang]
    finally:
        visit.close()


@pytest.mark.parametrize("lang", EDITIONS)
def test_print_gives_a_clean_black_on_white_document(browser: Browser, briefing: Path, lang: str) -> None:
    # Printed from a browser in dark mode: the print rules must still win.
    visit = Visit(browser, _edition(briefing, lang), 1280, "dark")
    try:
        visit.page.emulate_media(media="print")
        hidden = visit.page.evaluate(
            """() => ['#toc', '.skip', '.lang-switch', 'details.chart-data'].filter(
                 s => [...document.querySelectorAll(s)].some(e => getComputedStyle(e).display !== 'none'))""")
        assert hidden == [], f"printed although screen-only: {hidden}"
        colours = visit.page.evaluate(
            "[document.documentElement, document.body].map(getComputedStyle)"
            ".map((s, i) => i ? s.color : s.backgroundColor)")
        assert colours == ["rgb(255, 255, 255)", "rgb(31, 35, 40)"], colours
    finally:
        visit.close()


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", EDITIONS)
def test_layout_at_width(browser: Browser, briefing: Path, shots: Path, lang: str, width: int,
                         scheme: str) -> None:
    visit = Visit(browser, _edition(briefing, lang), width, scheme)
    page = visit.page
    folder = shots / f"{lang}-{width}-{scheme}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        assert _overflow(page) <= 0, f"the page scrolls sideways at {width}px"
        page.screenshot(path=folder / "01-top.png")
        # Wide content scrolls inside its own box, never the page.
        for target in ("tbl-landscape", "fig-scale", "fig-timeline", "s-notes"):
            page.evaluate(f"document.getElementById('{target}').scrollIntoView()")
            assert _overflow(page) <= 0, f"#{target} widens the page at {width}px"
            page.screenshot(path=folder / f"02-{target}.png")
        page.evaluate("document.querySelectorAll('details.chart-data').forEach(d => d.open = true)")
        assert _overflow(page) <= 0, f"an open chart-data table widens the page at {width}px"
        _check_toc(page, width, folder)
    finally:
        visit.close()


def _in_view(page: Page, selector: str) -> bool:
    return bool(page.evaluate(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight + 1; }""",
        selector))


def _check_toc(page: Page, width: int, folder: Path) -> None:
    """The contents stay reachable deep in the page, work from the keyboard and lead to their section."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    if width >= SIDEBAR_MIN_WIDTH:
        assert _in_view(page, TOC_SUMMARY), "the side contents scrolled away"
    else:
        # A bar fixed at the top leads back to the contents from anywhere.
        assert _in_view(page, "#toc-bar a[href='#toc']"), "the contents bar scrolled away"
        page.locator("#toc-bar a[href='#toc']").focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(50)
        assert _in_view(page, TOC_SUMMARY), "the bar's contents link did not lead to the contents"
        page.screenshot(path=folder / "03-toc.png")
        # The list collapses and opens again from the keyboard.
        page.locator(TOC_SUMMARY).focus()
        page.keyboard.press("Enter")
        assert not page.locator("#toc a[href='#s-risks']").is_visible(), "the contents did not collapse"
        page.keyboard.press("Enter")
    link = page.locator("#toc a[href='#s-risks']")
    assert link.is_visible()
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(50)
    top = page.evaluate("document.getElementById('s-risks').getBoundingClientRect().top")
    covered = page.evaluate("document.getElementById('toc-bar').getBoundingClientRect().bottom")
    assert covered <= top <= 200, f"after its link the heading is at {top}px, below a bar of {covered}px"
    page.screenshot(path=folder / "04-after-toc-link.png")


# Both themes on the wide layout, and the narrow layout (its bar and collapsed lists) in dark.
AXE_VIEWS = ((1280, "light"), (1280, "dark"), (360, "dark"))


@pytest.mark.parametrize(("lang", "width", "scheme"),
                         [(lang, w, s) for lang in EDITIONS for w, s in AXE_VIEWS])
def test_axe_finds_no_violations(browser: Browser, briefing: Path, lang: str, width: int,
                                 scheme: str) -> None:
    if not AXE.exists():
        _missing(f"axe-core ({AXE})", "npm ci --prefix tests/browser")
    # The page's CSP forbids scripts, axe's included; bypass it for this check only.
    visit = Visit(browser, _edition(briefing, lang), width, scheme, bypass_csp=True)
    try:
        visit.page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = visit.page.evaluate(
            """async ([tags, extra]) => {
                 const rules = axe.getRules(tags).filter(r => !r.tags.includes('experimental'))
                                     .map(r => r.ruleId).concat(extra);
                 return await axe.run(document, {runOnly: {type: 'rule', values: rules},
                                                 resultTypes: ['violations']});
               }""", [AXE_TAGS, AXE_EXTRA_RULES])
    finally:
        visit.close()
    found = [f"{v['id']} ({v['impact']}): {v['help']}\n    " +
             "\n    ".join(n["target"][0] + " — " + n["failureSummary"].replace("\n", " ")
                           for n in v["nodes"][:5])
             for v in result["violations"]]
    assert not found, "axe-core found:\n" + "\n".join(found)


def test_nu_html_checker_finds_no_errors(briefing: Path) -> None:
    java = shutil.which("java")
    if java is None:
        _missing("A Java runtime", "apt-get install default-jre-headless")
    if not VNU.exists():
        _missing(f"the Nu Html Checker ({VNU})", "npm ci --prefix tests/browser")
    files = [str(_edition(briefing, lang)) for lang in EDITIONS]
    proc = subprocess.run([java, "-jar", str(VNU), "--format", "json", "--errors-only", *files],
                          capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
              for m in messages if m.get("type") in ("error", "non-document-error")]
    assert not errors, "the Nu Html Checker reported:\n" + "\n".join(errors[:40])
    assert proc.returncode == 0, proc.stderr


class _Links(HTMLParser):
    """Collect ids and hrefs of one HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.page_ids: list[str] = []  # outside the charts' SVG, whose inner ids are drawing details
        self.hrefs: list[tuple[str, str]] = []  # (class, href)
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
            if not self.svg_depth:
                self.page_ids.append(str(a["id"]))
        if tag == "svg":
            self.svg_depth += 1
        if tag == "a" and a.get("href"):
            self.hrefs.append((a.get("class") or "", str(a["href"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.svg_depth -= 1


def _links(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_link_resolves_and_anchors_match_across_editions(briefing: Path) -> None:
    pages = {lang: _links(_edition(briefing, lang)) for lang in EDITIONS}
    for lang, links in pages.items():
        assert len(links.ids) == len(set(links.ids)), f"{lang}: duplicate ids"
        ids = set(links.ids)
        assert links.hrefs, f"{lang}: no links"
        for cls, href in links.hrefs:
            target, _, fragment = href.partition("#")
            if target == "":
                assert fragment in ids, f"{lang}: {cls} link {href} leads nowhere"
            elif target.startswith("briefing.") and target.endswith(".html"):
                other = target.split(".")[1]
                assert other in pages and other != lang, f"{lang}: {href} names no other edition"
                assert not fragment or fragment in pages[other].ids, f"{lang}: {href} leads nowhere"
            else:
                raise AssertionError(f"{lang}: link {href} leaves the page")
    # Sections, exhibits and notes keep the same anchors in both editions.
    zh, en = (set(pages[lang].page_ids) for lang in EDITIONS)
    assert zh == en, f"anchors differ: only zh {sorted(zh - en)[:10]}, only en {sorted(en - zh)[:10]}"
    toc = [h for c, h in pages["en"].hrefs if c == "" and h.startswith("#s-")]
    assert toc, "no table of contents links"
