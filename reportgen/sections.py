"""Split a report's HTML where its stylesheets start a new page, so parts lay out apart.

A part is a whole HTML document: the head, the part's own elements, the elements that
contain them (their top edges or bottom edges removed where the part does not hold the
element's start or end, as a page break slices a box) and every other element kept
empty and hidden, so sibling selectors (``:nth-child``, ``+``) match as in the whole
document. Split points are found from the CSS (``break-before: page`` or ``break-after:
page`` on the sibling before); features whose values would cross a split (named counters
at the level of the split points, running elements, footnotes, fixed boxes, target-text)
keep the document whole, with the reason.
"""

from __future__ import annotations

import bisect
import hashlib
import html as _html
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

__all__ = ["Part", "Split", "split_html"]

_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                   "meta", "param", "source", "track", "wbr"])
# A start tag of one of these closes an open <p> (HTML's "close a p element").
_CLOSES_P = frozenset([
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table",
    "ul"])
_SELF_CLOSING = {"li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "option": {"option"},
                 "tr": {"tr", "td", "th"}, "td": {"td", "th"}, "th": {"td", "th"}}
# Elements that never show: a split may move back over them to the element they open.
_UNSEEN = frozenset(["script", "style", "template", "meta", "link", "title", "noscript"])
_FORCED = {"page", "always"}
# @page selectors that depend on where a page falls in the whole document.
_SIDED = re.compile(r"@page[^{;]*:(?:left|right|recto|verso|first|blank|nth\((?![^)]*\bof\b))",
                    re.I)
_GROUPED = re.compile(r"@page[^{;]*:nth\([^)]*\bof\b", re.I)
# What a part cannot reproduce when it lays out without the parts before it.
_UNSUPPORTED = (
    (re.compile(r"target-text\s*\(|target-counters\s*\("), "target-text() or target-counters()"),
    (re.compile(r"target-counter\s*\([^,()]*(?:\([^()]*\))?[^,()]*,(?!\s*page\s*[,)])"),
     "target-counter() of a counter other than page"),
    (re.compile(r"running\s*\(|element\s*\("), "running elements"),
    (re.compile(r"footnote"), "footnotes"),
    (re.compile(r"position\s*:\s*fixed"), "fixed boxes (they repeat on every page)"),
    (re.compile(r"@import"), "@import"),
)


@dataclass(frozen=True)
class Part:
    """One part of the document, as a whole HTML document of its own."""

    html: str
    digest: str  # of the part's HTML: equal digests lay out alike, given equal entries
    ids: frozenset[str]  # the anchors the part defines
    open_pages: tuple[str, ...] = ()  # named pages of elements that started before the part


@dataclass(frozen=True)
class Split:
    """The parts of a document, or one part and why it could not be split."""

    parts: tuple[Part, ...]
    reason: str = ""  # why the document stays whole ("" when it was split)
    uses_total: bool = False  # counter(pages) appears: parts depend on the page count
    sided: bool = False  # @page rules for :left, :right, :first, :blank or :nth(An+B)
    grouped: bool = False  # @page rules for :nth(An+B of name): page groups matter
    foreign: tuple[frozenset[str], ...] = ()  # per part: anchors the other parts define


@dataclass(eq=False)
class _Node:
    tag: str
    attrs: list[tuple[str, str | None]]
    start: int  # offset of "<"
    inner: int  # offset after the start tag's ">"
    end: int = -1  # offset after the end tag (or where the element was implicitly closed)
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    element: Any = None


class _Scanner(HTMLParser):
    """Find every element's offsets in the source, and the document's stylesheets."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.lines = [0] + [m.end() for m in re.finditer("\n", text)]
        self.root = _Node("#document", [], 0, 0)
        self.stack = [self.root]
        self.styles: list[str] = []
        self.links: list[str] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _close(self, node: _Node, at: int) -> None:
        while self.stack[-1] is not node:
            self.stack.pop().end = at
        self.stack.pop().end = at

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        text = self.get_starttag_text() or ""
        open_tags = [n.tag for n in self.stack]
        if tag in _CLOSES_P and "p" in open_tags:
            self._close(self.stack[len(open_tags) - 1 - open_tags[::-1].index("p")], start)
        closes = _SELF_CLOSING.get(tag)
        if closes and self.stack[-1].tag in closes:
            self._close(self.stack[-1], start)
        node = _Node(tag, attrs, start, start + len(text), parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag == "link" and "stylesheet" in (dict(attrs).get("rel") or "").lower().split():
            self.links.append(dict(attrs).get("href") or "")
        if tag in _VOID or text.endswith("/>"):
            node.end = node.inner
        else:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for node in reversed(self.stack[1:]):
            if node.tag == tag:
                end = self.text.find(">", self._offset())
                self._close(node, len(self.text) if end < 0 else end + 1)
                return

    def handle_data(self, data: str) -> None:
        if self.stack[-1].tag == "style":
            self.styles.append(data)

    def finish(self) -> _Node:
        self.close()
        while len(self.stack) > 1:
            self.stack.pop().end = len(self.text)
        return self.root


def split_html(text: str, base_dir: Path | None = None) -> Split:
    """Cut ``text`` before every element that starts a new page (see the module)."""
    scanner = _Scanner(text)
    scanner.feed(text)
    root = scanner.finish()
    whole = Split((Part(text, _digest(text), frozenset()),))
    html = next((n for n in root.children if n.tag == "html"), None)
    body = next((n for n in html.children if n.tag == "body"), None) if html else None
    if html is None or body is None:
        return Split(whole.parts, "no <html> and <body> elements")
    css = list(scanner.styles)
    for href in scanner.links:
        path = (base_dir or Path(".")) / href
        if base_dir is None or "://" in href or not path.is_file():
            return Split(whole.parts, f"stylesheet {href} is not a local file")
        css.append(path.read_text(encoding="utf-8", errors="replace"))
    inline = [v for n in _walk(html) for k, v in n.attrs if k == "style" and v]
    for pattern, what in _UNSUPPORTED:
        if any(pattern.search(sheet) for sheet in css + inline):
            return Split(whole.parts, f"the stylesheets use {what}")
    from .cascade import Cascade

    cascade = Cascade(html, css, _walk)
    if cascade.error:
        return Split(whole.parts, cascade.error)
    starts = _split_points(body, cascade, text)
    counter = cascade.counter_at_split_level(starts)
    if counter:
        return Split(whole.parts, f"counter {counter!r} runs across page-starting elements")
    if not starts:
        return whole
    uses_total = any(re.search(r"counters?\(\s*pages\b", sheet) for sheet in css)
    sided = any(_SIDED.search(sheet) for sheet in css)
    grouped = any(_GROUPED.search(sheet) for sheet in css)
    return _cut(text, html, body, starts, (uses_total, sided, grouped),
                lambda node: cascade.value(node, "page"))


def _walk(node: _Node) -> list[_Node]:
    found, todo = [], [node]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(reversed(current.children))
    return found


def _split_points(body: _Node, cascade: Any, text: str) -> list[_Node]:
    """The outermost elements that start a new page by a forced break, in source order."""
    points: dict[int, _Node] = {}
    for node in _walk(body)[1:]:
        previous = _previous_shown(node)
        forced = cascade.value(node, "break-before") in _FORCED or (
            previous is not None and cascade.value(previous, "break-after") in _FORCED)
        if not forced:
            continue
        while (node.parent is not None and node.parent is not body
               and _previous_shown(node) is None and _only_unseen_before(node, text)):
            node = node.parent
        points.setdefault(node.start, node)
    return [points[k] for k in sorted(points)]


def _previous_shown(node: _Node) -> _Node | None:
    siblings = node.parent.children if node.parent else []
    before = [n for n in siblings[:siblings.index(node)] if n.tag not in _UNSEEN]
    return before[-1] if before else None


def _only_unseen_before(node: _Node, text: str) -> bool:
    """Only white space, comments and never-shown elements precede ``node`` in its parent."""
    parent = node.parent
    assert parent is not None
    between, cursor = [], parent.inner
    for sibling in parent.children:
        if sibling is node:
            break
        between.append(text[cursor:sibling.start])
        cursor = sibling.end
    between.append(text[cursor:node.start])
    return not _strip("".join(between))


def _strip(text: str) -> str:
    return re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_TOP = "margin-top:0!important;padding-top:0!important;border-top-width:0!important"
_BOTTOM = "margin-bottom:0!important;padding-bottom:0!important;border-bottom-width:0!important"
_HIDDEN = "display:none!important"


def _cut(text: str, html: _Node, body: _Node, starts: list[_Node],
         flags: tuple[bool, bool, bool], page_of: Callable[[_Node], str]) -> Split:
    """Write each part as a document: head, open ancestors, its own source, closing tags."""
    close = text.rfind("</body", body.inner, body.end)
    bounds = [body.inner] + [n.start for n in starts] + [close if close >= 0 else body.end]
    nodes = _walk(html)
    unseen = sorted((n.start, n.end) for n in nodes if n.tag in _UNSEEN)
    pieces = [(a, b) for a, b in itertools.pairwise(bounds)
              if _strip(_without_unseen(text, unseen, a, b))]
    if len(pieces) < 2:
        return Split((Part(text, _digest(text), frozenset()),))
    anchors: list[set[str]] = [set() for _ in pieces]
    firsts = [a for a, _ in pieces]
    for node in nodes:
        at = bisect.bisect_right(firsts, node.start) - 1
        if at >= 0 and node.start < pieces[at][1]:
            anchors[at].update(v for k, v in node.attrs
                               if v and (k == "id" or (k == "name" and node.tag == "a")))
    parts = []
    for number, (a, b) in enumerate(pieces):
        chain_a = _chain(html, a)
        chain_b = _chain(html, b) if number < len(pieces) - 1 else []
        out = [text[:html.start]]
        for index, node in enumerate(chain_a):
            styles = [_TOP] if number else []
            if node in chain_b:
                styles.append(_BOTTOM)
            out.append(_start_tag(node, styles))
            if node is html:
                out.append(text[html.inner:body.start])
                continue
            follow = chain_a[index + 1] if index + 1 < len(chain_a) else None
            out += [_placeholder(c) for c in node.children if c.end <= a and c is not follow]
        out.append(_patch_range(text, a, b, [n for n in chain_b if n.start >= a]))
        for node in reversed(chain_b or _chain(html, b)):
            if node is html:
                break
            out += [_placeholder(c) for c in node.children if c.start >= b]
            out.append(f"</{node.tag}>")
        out.append("</html>")
        document = "".join(out)
        ids = frozenset(anchors[number])
        named = tuple(page_of(n) for n in chain_a if n is not html) if number else ()
        parts.append(Part(document, _digest(document), ids,
                          tuple(name for name in named if name != "auto")))
    every = frozenset().union(*(p.ids for p in parts))
    return Split(tuple(parts), "", *flags, tuple(every - p.ids for p in parts))


def _chain(html: _Node, at: int) -> list[_Node]:
    """The elements open at offset ``at``, from <html> inwards (<html> and <body> at least)."""
    chain, node = [html], html
    while True:
        inner = next((c for c in node.children if c.start < at < c.end
                      or (c.tag == "body" and c.start <= at <= c.end)), None)
        if inner is None or inner.tag in _VOID:
            return chain
        chain.append(inner)
        node = inner


def _patch_range(text: str, a: int, b: int, opened: list[_Node]) -> str:
    """The source from ``a`` to ``b``, start tags of elements left open given _BOTTOM."""
    out, cursor = [], a
    for node in sorted(opened, key=lambda n: n.start):
        out += [text[cursor:node.start], _start_tag(node, [_BOTTOM])]
        cursor = node.inner
    out.append(text[cursor:b])
    return "".join(out)


def _start_tag(node: _Node, styles: list[str]) -> str:
    attrs = [(k, v) for k, v in node.attrs if k != "style"]
    style = "; ".join([v for k, v in node.attrs if k == "style" and v] + styles)
    if style:
        attrs.append(("style", style))
    return f"<{node.tag}{_attributes(attrs)}>"


def _placeholder(node: _Node) -> str:
    """The element, empty and hidden: it still counts for :nth-child and sibling selectors."""
    attrs = [(k, v) for k, v in node.attrs if k != "style"] + [("style", _HIDDEN)]
    tag = f"<{node.tag}{_attributes(attrs)}>"
    return tag if node.tag in _VOID else f"{tag}</{node.tag}>"


def _attributes(attrs: list[tuple[str, str | None]]) -> str:
    return "".join(f" {k}" if v is None else f' {k}="{_html.escape(v, quote=True)}"'
                   for k, v in attrs)


def _without_unseen(text: str, unseen: list[tuple[int, int]], a: int, b: int) -> str:
    """The source from ``a`` to ``b`` without elements that never show (sorted spans)."""
    out, cursor = [], a
    for start, end in unseen[bisect.bisect_left(unseen, (a, -1)):]:
        if start >= b:
            break
        if start >= cursor:
            out.append(text[cursor:start])
            cursor = end
    out.append(text[cursor:b])
    return "".join(out)
