"""The eight ways past the old self-containment check were real: Chromium fetches them.

Each page below holds one construct the old pattern search let through. Served from a
local listener and opened in Chromium (the Debian package, driven by Playwright), it makes
the browser ask the listener for a file; the engine's check refuses every one of them
(tests/test_selfcontained.py builds each through a template); with the engine's
Content-Security-Policy the browser fetches none of them, except the refresh, which
navigates away whatever the policy says — why the check must refuse it.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from browser_setup import diagnose

from reportgen.htmlcheck import check_page, inject_csp

try:
    from playwright.sync_api import Browser, sync_playwright
    HAVE_PLAYWRIGHT = True
except ImportError:  # reported by the fixture, so the tests fail rather than skip
    HAVE_PLAYWRIGHT = False

CHROMIUM = "/usr/bin/chromium"
PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
       "YAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

# name: markup with {s} for the listener's address; each asks for /hit-<name>.
BYPASSES = {
    "srcset": f'<img alt="x" srcset="{PNG} 1x, {{s}}/hit-srcset 2x">',
    "import": '<style>@import"{s}/hit-import";</style>',
    "escape": '<p style="background:u\\72l({s}/hit-escape);height:9px">x</p>',
    "imageset": "<p style='background-image:image-set(\"{s}/hit-imageset\" 1x);height:9px'>x</p>",
    "set": '<svg width="20" height="20"><image width="9" height="9">'
           '<set attributeName="href" to="{s}/hit-set"/></image></svg>',
    "animate": f'<svg width="20" height="20"><image width="9" height="9" href="{PNG}">'
               '<animate attributeName="href" values="{s}/hit-animate" dur="1s" fill="freeze"/>'
               "</image></svg>",
    "iframe": '<iframe src="data:text/html,%3Cimg%20src=%22{s}/hit-iframe%22%3E"></iframe>',
    "object": '<object data="data:text/html,%3Cimg%20src=%22{s}/hit-object%22%3E"></object>',
    "embed": '<embed type="image/svg+xml" src="data:image/svg+xml,%3Csvg%20xmlns=%22http://'
             'www.w3.org/2000/svg%22%3E%3Cimage%20href=%22{s}/hit-embed%22%20width=%229%22'
             '%20height=%229%22/%3E%3C/svg%3E">',
    "refresh": '<meta http-equiv="refresh" content="0;url={s}/hit-refresh">',
}


class _Listener(http.server.BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}  # noqa: RUF012 - shared on purpose: the test fills it
    hits: list[str] = []  # noqa: RUF012

    def do_GET(self) -> None:
        if self.path.startswith("/hit-"):
            self.hits.append(self.path)
        body = self.pages.get(self.path, b"")
        self.send_response(200 if body or self.path.startswith("/hit-") else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def listener() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not HAVE_PLAYWRIGHT:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'", pytrace=False)
    try:
        manager = sync_playwright().start()
    except Exception as exc:  # the driver is a Node.js binary: a missing library stops it
        pytest.fail(diagnose(exc), pytrace=False)
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
    finally:
        manager.stop()


def _hits(browser: Browser, url: str) -> list[str]:
    _Listener.hits.clear()
    # A 2x screen picks the srcset's second candidate, as a phone or a laptop would.
    context = browser.new_context(device_scale_factor=2)
    page = context.new_page()
    page.goto(url)
    page.wait_for_timeout(1500)
    context.close()
    return list(_Listener.hits)


@pytest.mark.parametrize("name", BYPASSES)
def test_chromium_fetched_what_the_old_check_let_through(chromium: Browser, listener: str,
                                                         name: str) -> None:
    page = f"<!DOCTYPE html><html><head><title>t</title></head><body>{BYPASSES[name]}</body></html>"
    page = page.replace("{s}", listener)
    _Listener.pages[f"/{name}.html"] = page.encode()
    _Listener.pages[f"/{name}.csp.html"] = inject_csp(page).encode()

    assert f"/hit-{name}" in _hits(chromium, f"{listener}/{name}.html")
    assert check_page(inject_csp(page), "html"), "the engine's check lets it through"
    with_policy = _hits(chromium, f"{listener}/{name}.csp.html")
    if name == "refresh":  # a navigation: no fetch directive of a policy governs it
        assert f"/hit-{name}" in with_policy
    else:
        assert with_policy == []
