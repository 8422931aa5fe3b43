"""Extract the text a reader sees from HTML, attributes that are shown included."""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["visible_text"]

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
