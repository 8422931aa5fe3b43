"""Extract the text a reader sees from HTML, attributes that are shown included."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["remote_references", "visible_text"]

_SHOWN_ATTRIBUTES = ("alt", "title", "aria-label")
_HIDDEN_ELEMENTS = ("style", "script")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_ELEMENTS:
            self.hidden += 1
        self.parts.extend(v for k, v in attrs if k in _SHOWN_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_ELEMENTS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return the text content of ``html`` plus its alt, title and aria-label values."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


# Attributes that make a browser fetch something as the page loads. Links a reader
# follows (<a href>) are not among them: following one is the reader's choice.
_FETCHED = {"src", "srcset", "poster", "data", "action", "formaction", "background"}
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)


def _remote(url: str) -> bool:
    return not url.strip().lower().startswith(("data:", "#"))


class _Fetches(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in _FETCHED and _remote(value):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif name == "style":
                self.found += _css_fetches(value)
        for name in ("href", "xlink:href"):
            value = values.get(name)
            if tag in ("link", "image", "use", "feimage", "script") and value and _remote(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.found += _css_fetches(data)


def _css_fetches(css: str) -> list[str]:
    return [f"CSS {m.group(0).strip()!r}" for m in _CSS_URL.finditer(css)
            if _remote(m.group(1) or m.group(2) or "")]


def remote_references(html: str) -> list[str]:
    """Return everything in ``html`` a browser would fetch on load other than data: URIs."""
    parser = _Fetches()
    parser.feed(html)
    parser.close()
    return parser.found
