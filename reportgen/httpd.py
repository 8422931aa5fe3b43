"""HTTP for the live preview: loopback only, GET and HEAD, answered from ``Preview``.

Routes: ``/`` (the first edition), ``/<edition>.html`` (the page with the preview's
script), ``/<edition>.pdf`` (the file), ``/_reportgen/pdf/<edition>.pdf`` (a page showing
the PDF that loads it again when it is laid out anew), ``/_reportgen/state`` and
``/_reportgen/wait?since=N`` (the state as JSON; ``wait`` answers when it is no longer
version N, or after a while). Nothing else is served: names are looked up, never joined
to a folder. A request must name the server as ``127.0.0.1:PORT`` or ``localhost:PORT``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .preview import inject, pdf_view, placeholder
from .problems import Mark, Problem, ReportError

if TYPE_CHECKING:
    from .serve import Preview

__all__ = ["PreviewServer", "make_server"]

_LOG = logging.getLogger(__name__)
_WAIT_SECONDS = 20.0
IDLE_SECONDS = 60.0
_PDF_VIEW = "/_reportgen/pdf/"


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 that knows the preview it serves."""

    daemon_threads = True

    def __init__(self, preview: Preview, port: int) -> None:
        self.preview = preview
        super().__init__(("127.0.0.1", port), _Handler)
        bound = self.server_address[1]
        self.hosts = {f"127.0.0.1:{bound}", f"localhost:{bound}"}

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed (e.g. the browser went away) is no news for the author."""
        _LOG.debug("request from %s failed", client_address, exc_info=True)


def make_server(preview: Preview, port: int = 0) -> PreviewServer:
    """Listen on 127.0.0.1:``port`` (0: a free port); raise ReportError when it cannot."""
    try:
        return PreviewServer(preview, port)
    except OSError as exc:
        raise ReportError(Problem(Mark("--port"), f"cannot listen on 127.0.0.1:{port}: "
                                  f"{exc.strerror or exc}", "choose another port with "
                                  "--port, or 0 for any free one")) from None


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "reportgen-preview"
    sys_version = ""
    # A connection that sends nothing (or stops reading) is closed after this many seconds,
    # so idle sockets cannot pile up threads; the long poll answers within _WAIT_SECONDS.
    timeout = IDLE_SECONDS

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:
        _LOG.debug("%s " + format, self.address_string(), *args)

    def _answer(self, body: bool) -> None:
        preview = self.server.preview
        if self.headers.get("Host", "") not in self.server.hosts:
            self._send(403, b"this preview answers only to 127.0.0.1 and localhost\n",
                       "text/plain; charset=utf-8", body)
            return
        url = urlsplit(self.path)
        path, query = unquote(url.path), parse_qs(url.query)
        state = preview.state()
        pages = state["pages"]
        if path == "/":
            first = next(iter(pages.values()), "")
            if first:
                self._send(302, b"", "text/plain", body, [("Location", "/" + quote(first))])
            else:
                self._page(body, "index.html", "index")
        elif path in ("/_reportgen/state", "/_reportgen/wait"):
            self._state(body, path.endswith("wait"), query)
        elif path.startswith(_PDF_VIEW) and path[len(_PDF_VIEW):] in state["pdfs"]:
            self._page(body, path[len(_PDF_VIEW):], "pdf")
        elif path[1:] in pages.values():
            self._page(body, path[1:], "page")
        elif path[1:] in state["pdfs"]:
            self._file(body, path[1:])
        elif path.endswith(".html") and "/" not in path[1:] and pages:  # e.g. renamed
            self._send(302, b"", "text/plain", body, [("Location", "/")])
        else:
            self._send(404, b"not part of this preview\n", "text/plain; charset=utf-8", body)

    def _state(self, body: bool, wait: bool, query: dict[str, list[str]]) -> None:
        preview = self.server.preview
        page = query.get("page", [""])[0]
        self._viewed(page)
        if wait:
            try:
                since = int(query.get("since", ["-1"])[0])
            except ValueError:
                since = -1
            preview.wait(since, _WAIT_SECONDS)
        data = json.dumps(preview.state(page), ensure_ascii=False).encode("utf-8")
        self._send(200, data, "application/json", body)

    def _page(self, body: bool, name: str, kind: str) -> None:
        preview = self.server.preview
        self._viewed(name)
        nonce = secrets.token_urlsafe(16)
        state = preview.state(name, kind)
        if kind == "pdf":
            page, policy = pdf_view(nonce, state, name)
        else:
            with preview.cond:
                built = preview.pages.get(name)
            page, policy = inject(built, nonce, state) if built is not None else \
                placeholder(nonce, state, f"{name} — reportgen preview")
        self._send(200, page.encode("utf-8"), "text/html; charset=utf-8", body,
                   [("Content-Security-Policy", policy)])

    def _file(self, body: bool, name: str) -> None:
        folder = self.server.preview.folder
        try:
            if folder is None:
                raise FileNotFoundError(name)
            with open(folder / name, "rb") as handle:  # replaced by rename: whole or old
                data = handle.read()
        except OSError:
            self._send(404, b"not laid out yet\n", "text/plain; charset=utf-8", body)
            return
        self._send(200, data, "application/pdf", body)

    def _viewed(self, name: str) -> None:
        preview = self.server.preview
        with preview.cond:
            for lang, names in preview.editions.items():
                if name in names:
                    preview.viewed = lang

    def _send(self, status: int, data: bytes, kind: str, body: bool,
              headers: list[tuple[str, str]] | None = None) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            for key, value in headers or []:
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.wfile.write(data)
