"""Parse a document's stylesheets once for all the documents that carry the same ones.

A PDF is laid out part by part (``layout.py``), each part its own WeasyPrint document with
the same ``<style>`` elements; a warm process lays out parts again after every edit.
WeasyPrint parses each document's stylesheets and compiles their selectors anew, about
half of its time spent on styles. ``install()`` makes it take the parsed stylesheets of an
earlier document whose ``<style>`` elements are the same, in the same order, for the same
media, base URL and font configuration: WeasyPrint's ``CSS`` objects are made to be
reused by many documents, and the ``@page`` rules a set of sheets adds are the sheets'
own list, read through them.

A stylesheet that reaches outside itself as it is parsed (``@import``, ``@font-face``,
``@counter-style``, ``@color-profile``, ``@layer``, or an at-keyword written with an escape)
or a ``<link>`` is parsed anew each time, as WeasyPrint does: those add to the document's
own state.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["install"]

_KEPT = 16  # sets of stylesheets kept (a project has one or two: print, and a variant)
_REACHES_OUT = ("@import", "@font-face", "@counter-style", "@color-profile", "@layer")
_ESCAPED_AT = re.compile(r"@[\w-]*\\")  # an at-keyword written with an escape: @f\6fnt-face
_INSTALLED: list[Any] = []


def install() -> None:
    """Patch WeasyPrint's stylesheet finder once per process (idempotent)."""
    if _INSTALLED:
        return
    import weasyprint.css as wcss

    original = wcss.find_stylesheets
    kept: dict[tuple[Any, ...], list[Any]] = {}
    _INSTALLED.append(original)

    def find_stylesheets(wrapper_element: Any, device_media_type: str, url_fetcher: Any,
                         base_url: str, font_config: Any, *rest: Any) -> Iterator[Any]:
        key = _key(wrapper_element, device_media_type, base_url, font_config)
        if key is None:
            yield from original(wrapper_element, device_media_type, url_fetcher, base_url,
                                font_config, *rest)
            return
        sheets = kept.get(key)
        if sheets is None:
            sheets = list(original(wrapper_element, device_media_type, url_fetcher, base_url,
                                   font_config, *rest))
            if len(kept) >= _KEPT:
                kept.clear()
            kept[key] = sheets
        yield from sheets

    wcss.find_stylesheets = find_stylesheets


def _key(wrapper_element: Any, media: str, base_url: str,
         font_config: Any) -> tuple[Any, ...] | None:
    """What the document's stylesheets are made of; None if they may not be shared."""
    from weasyprint.css import get_child_text

    found: list[tuple[str, str, str]] = []
    for wrapper in wrapper_element.query_all("style", "link"):
        element = wrapper.etree_element
        if element.tag != "style":
            return None
        text = get_child_text(element)
        folded = text.lower()
        if any(word in folded for word in _REACHES_OUT) or _ESCAPED_AT.search(text):
            return None
        found.append((element.get("type", ""), element.get("media", ""), text))
    return (tuple(found), media, base_url, font_config)
