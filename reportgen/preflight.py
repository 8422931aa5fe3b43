"""Layout preflight: what a designer would mark on the laid-out pages, for any report.

``check(document)`` walks every page's boxes (WeasyPrint's laid-out ``Document``) and
reports, with the page number and the text concerned:

- ``text over text``: two pieces of text drawn over each other (in the page, or in a
  chart drawn as SVG);
- ``text outside the page``: text beyond the page's edge, or body text beyond the left or
  right edge of the page's text area;
- ``text outside its chart``: a label of an SVG chart that extends beyond the chart;
- ``page under 40% full``: a page whose content ends above 40 % of its text area, unless
  it is the last page of a chapter (the next page starts with a forced page break);
- ``marker alone on a line`` / ``character alone on a line``: a line that holds only a
  note marker (superscript text), or one character, after the first line of its block;
- ``heading at the page foot``: a heading with at most one line under it on its page,
  whose section goes on on the next page.

Chart labels are measured from the SVG's own numbers (position, anchor, font size, an
average glyph width: a wide CJK glyph is 1 em, others 0.5 em), so a finding there means the
label is out by more than that estimate can err.
"""

from __future__ import annotations

import base64
import math
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator
from typing import Any, NamedTuple
from xml.etree import ElementTree

__all__ = ["FILL", "Finding", "check"]

FILL = 0.40  # a page whose content ends above this share of its text area is near-empty
_FORCED = {"page", "left", "right", "recto", "verso"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SVG = "{http://www.w3.org/2000/svg}"
_WIDTHS = ((" ijl|!.,:;'`", 0.25), ("frt()[]{}\"-", 0.33), ("0123456789", 0.55),
           ("mw", 0.75), ("MW", 0.85))


class Finding(NamedTuple):
    """One thing preflight found: the page (from 1), what kind, and the text concerned."""

    page: int
    kind: str
    text: str


class _Text(NamedTuple):
    left: float
    top: float
    right: float
    bottom: float
    size: float
    text: str


class _Scan:
    """One walk over a page's boxes: its content (outside the margins) and every text."""

    def __init__(self, page: Any, boxes: Any) -> None:
        self.body: list[Any] = []
        self.texts: list[tuple[Any, bool]] = []  # text boxes, and whether in the body
        stack = [(child, not isinstance(child, boxes.MarginBox))
                 for child in reversed(page.children)]
        while stack:
            box, body = stack.pop()
            box = getattr(box, "_box", box)  # absolutely positioned boxes sit in placeholders
            if body:
                self.body.append(box)
            if isinstance(box, boxes.TextBox):
                if box.text.strip():
                    self.texts.append((box, body))
            elif isinstance(box, boxes.ParentBox):
                stack.extend((child, body) for child in reversed(box.children))
        self.elements = {id(b.element) for b in self.body if b.element is not None}


# A page's scan is kept on the page box itself: it goes with the page. (In a weak-keyed
# table the scan, which holds the page's boxes, would keep its own key alive for good.)
_KEPT = "_reportgen_scan"


def check(document: Any, fill: float = FILL) -> list[Finding]:
    """Every finding on the pages of ``document``, in page order."""
    from weasyprint.formatting_structure import boxes

    pages = [page._page_box for page in document.pages]
    scans = [_scan(page, boxes) for page in pages]
    findings: list[Finding] = []
    for index, (scan, own) in enumerate(scans):
        number, page = index + 1, pages[index]
        last_of_chapter = (index == len(scans) - 1
                           or _starts_forced(pages[index + 1], scan.elements)
                           or _ends_forced(page, scans[index + 1][0].elements))
        findings += [f._replace(page=number) for f in own]
        if not page.page_type.blank and not last_of_chapter:
            filled = _filled(page, scan, boxes)
            if filled < fill:
                findings.append(Finding(number, "page under 40% full",
                                        f"content ends at {filled:.0%} of the text area"))
        previous = scans[index - 1][0].elements if index else set()
        findings += _lines(number, scan, boxes, previous)
        if not last_of_chapter:
            findings += _headings(number, scan, boxes)
    counted: dict[Finding, int] = {}
    for finding in findings:
        counted[finding] = counted.get(finding, 0) + 1
    return [f if n == 1 else f._replace(text=f"{f.text} ({n} times)") for f, n in counted.items()]


def _scan(page: Any, boxes: Any) -> tuple[_Scan, list[Finding]]:
    """A page's scan and the findings that depend on it alone (kept while the page lives)."""
    kept: tuple[_Scan, list[Finding]] | None = getattr(page, _KEPT, None)
    if kept is None:
        scan = _Scan(page, boxes)
        own = _overlaps(0, [_text_rect(box) for box, _ in scan.texts]) + _outside(0, page, scan)
        for chart, source in _charts(scan, boxes):
            own += _chart(0, chart, source)
        kept = (scan, own)
        setattr(page, _KEPT, kept)
    return kept


def _text_rect(box: Any) -> _Text:
    """The text's em box: its width, one font size high around the middle of its line."""
    size = float(box.style["font_size"])
    middle = box.position_y + box.height / 2
    return _Text(box.position_x, middle - size / 2, box.position_x + box.width,
                 middle + size / 2, size, box.text)


def _overlaps(number: int, texts: list[_Text], kind: str = "text over text",
              where: str = "") -> list[Finding]:
    """Pairs of texts whose glyph areas cover each other (a sweep over their tops)."""
    found = []
    ordered = sorted(texts, key=lambda t: t.top)
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.top >= a.bottom:
                break
            across = (a.right if a.right < b.right else b.right) - \
                (a.left if a.left > b.left else b.left)
            if across <= 1.0:
                continue
            down = (a.bottom if a.bottom < b.bottom else b.bottom) - b.top
            small = a.size if a.size < b.size else b.size
            if across > 0.15 * small and down > 0.3 * small:
                found.append(Finding(number, kind, f"{where}{_short(a.text)!r} over "
                                                   f"{_short(b.text)!r}"))
    return found


def _outside(number: int, page: Any, scan: _Scan) -> list[Finding]:
    """Text beyond the page's edges, or body text beyond the text area's end (overflow)."""
    found = []
    width, height = page.margin_width(), page.margin_height()
    left, right = page.content_box_x(), page.content_box_x() + page.width
    # Hanging labels in the start margin are a design; running past the end is overflow.
    ltr = page.style["direction"] == "ltr"
    for box, body in scan.texts:
        x0, y0 = box.position_x, box.position_y
        x1, y1 = x0 + box.width, y0 + box.height
        if x0 < -1 or y0 < -1 or x1 > width + 1 or y1 > height + 1:
            where = "beyond the page's edge"
        elif body and (x1 > right + 2 if ltr else x0 < left - 2):
            where = "beyond the text area"
        else:
            continue
        found.append(Finding(number, "text outside the page", f"{_short(box.text)!r} {where}"))
    return found


def _filled(page: Any, scan: _Scan, boxes: Any) -> float:
    """How far down the text area the page's content reaches (0 to 1)."""
    top, height = page.content_box_y(), page.height
    bottom = top
    for box in scan.body:
        if isinstance(box, boxes.LineBox | boxes.ReplacedBox) or (
                isinstance(box, boxes.BlockBox | boxes.TableBox) and _painted(box)):
            bottom = max(bottom, box.position_y + box.margin_height())
    return (bottom - top) / height if height else 1.0


def _painted(box: Any) -> bool:
    """Whether a box draws something of its own: a background or a border."""
    style = box.style
    color = style["background_color"]
    shows = bool(color and color.alpha) or any(
        image and image[0] != "none" for image in style["background_image"])
    return shows or any(style[f"border_{side}_width"] for side in
                        ("top", "right", "bottom", "left"))


def _starts_forced(page: Any, before: set[int]) -> bool:
    """Whether the page's first content starts with a forced page break."""
    box = _root(page)
    while box is not None:
        if box.element is not None and id(box.element) not in before \
                and box.style["break_before"] in _FORCED:
            return True
        box = next((c for c in getattr(box, "children", ()) if _in_flow(c)), None)
    return False


def _ends_forced(page: Any, after: set[int]) -> bool:
    """Whether the page's last content ends with a forced page break."""
    box = _root(page)
    while box is not None:
        if box.element is not None and id(box.element) not in after \
                and box.style["break_after"] in _FORCED:
            return True
        box = next((c for c in reversed(getattr(box, "children", ())) if _in_flow(c)), None)
    return False


def _root(page: Any) -> Any:
    return page.children[0] if page.children else None


def _in_flow(box: Any) -> bool:
    return bool(getattr(box, "is_in_normal_flow", lambda: False)()) and hasattr(box, "style")


def _lines(number: int, scan: _Scan, boxes: Any, previous: set[int]) -> list[Finding]:
    """Lines that hold only a note marker, or one character, after their block's first."""
    found = []
    for box in scan.body:
        if not isinstance(box, boxes.BlockContainerBox):
            continue
        lines = [c for c in box.children if isinstance(c, boxes.LineBox)]
        continued = box.element is not None and id(box.element) in previous
        for position, line in enumerate(lines):
            if position == 0 and not continued:
                continue
            plain, marks = _line_text(line, boxes)
            plain = "".join(plain.split())
            marks = "".join(marks.split())
            if not plain and marks:
                found.append(Finding(number, "marker alone on a line", marks))
            elif len(plain) == 1:
                after = _short(_previous_text(lines, position, boxes)) if position else ""
                found.append(Finding(number, "character alone on a line",
                                     f"{plain!r} after {after!r}" if after
                                     else f"{plain!r} at the top of the page"))
    return found


def _line_text(box: Any, boxes: Any, marked: bool = False) -> tuple[str, str]:
    """A line's text, and the part of it set as superscript or subscript (markers)."""
    if isinstance(box, boxes.TextBox):
        return ("", box.text) if marked else (box.text, "")
    marked = marked or box.style["vertical_align"] in ("super", "sub") or \
        (box.element_tag or "") in ("sup", "sub")
    plain, marks = "", ""
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.Box):
            p, m = _line_text(child, boxes, marked)
            plain, marks = plain + p, marks + m
    return plain, marks


def _previous_text(lines: list[Any], position: int, boxes: Any) -> str:
    plain, marks = _line_text(lines[position - 1], boxes)
    return (plain + marks).strip()[-20:]


def _headings(number: int, scan: _Scan, boxes: Any) -> list[Finding]:
    """Headings with at most one line of content below them on their page."""
    found = []
    content = [b for b in scan.body if isinstance(b, boxes.LineBox | boxes.ReplacedBox)]
    for box in scan.body:
        if (box.element_tag or "") not in _HEADINGS or not isinstance(box, boxes.BlockBox):
            continue
        bottom = box.position_y + box.margin_height()
        below = [b for b in content if b.position_y >= bottom - 0.5]
        if len(below) <= 1 and not any(isinstance(b, boxes.ReplacedBox) for b in below):
            text = "".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox))
            found.append(Finding(number, "heading at the page foot", _short(text.strip())))
    return found


def _charts(scan: _Scan, boxes: Any) -> Iterator[tuple[Any, str]]:
    """The SVG images (data: URIs) drawn on the page, with their source."""
    for box in scan.body:
        if isinstance(box, boxes.ReplacedBox) and box.element is not None:
            src = box.element.get("src") or box.element.get("data") or ""
            if src.startswith("data:image/svg+xml"):
                yield box, src


def _chart(number: int, box: Any, src: str) -> list[Finding]:
    """Labels of an SVG chart outside its viewport or over each other."""
    name = box.element.get("alt") or box.element.get("id") or "chart"
    where = f"{_short(name)}: "
    try:
        root = ElementTree.fromstring(_svg_source(src))
    except (ElementTree.ParseError, ValueError):
        return []
    box_ = [float(v) for v in (root.get("viewBox") or "").replace(",", " ").split()]
    if len(box_) != 4:
        return []
    vx, vy, vw, vh = box_
    found, texts = [], []
    for text in _svg_texts(root):
        texts.append(text)
        if text.left < vx - 0.5 or text.right > vx + vw + 0.5 or text.top < vy - 0.5 \
                or text.bottom > vy + vh + 0.5:
            found.append(Finding(number, "text outside its chart",
                                 f"{where}{_short(text.text)!r}"))
    return found + _overlaps(number, texts, "text over text", where)


def _svg_source(src: str) -> str:
    head, _, data = src.partition(",")
    if head.endswith(";base64"):
        return base64.b64decode(data).decode("utf-8")
    return urllib.parse.unquote(data)


def _svg_texts(root: Any) -> Iterator[_Text]:
    """Estimated boxes of the SVG's <text> elements that no group transforms."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in root.iter(f"{_SVG}text"):
        parent, moved = parents.get(element), False
        while parent is not None:
            moved = moved or bool(parent.get("transform"))
            parent = parents.get(parent)
        content = "".join(element.itertext()).strip()
        if moved or not content:
            continue
        style = dict(part.split(":", 1) for part in (element.get("style") or "").split(";")
                     if ":" in part)
        style = {k.strip(): v.strip() for k, v in style.items()}
        size = _number(style.get("font-size") or element.get("font-size") or "10")
        anchor = style.get("text-anchor") or element.get("text-anchor") or "start"
        x, y = _number(element.get("x") or "0"), _number(element.get("y") or "0")
        width = size * sum(_advance(c) for c in content)
        left = x - {"middle": width / 2, "end": width}.get(anchor, 0.0)
        corners = [(cx, cy) for cx in (left, left + width)
                   for cy in (y - 0.8 * size, y + 0.2 * size)]
        angle = re.match(r"rotate\(\s*(-?[\d.]+)", element.get("transform") or "")
        if angle and float(angle.group(1)):
            turn = math.radians(float(angle.group(1)))
            cos, sin = math.cos(turn), math.sin(turn)
            corners = [(x + (cx - x) * cos - (cy - y) * sin, y + (cx - x) * sin + (cy - y) * cos)
                       for cx, cy in corners]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        yield _Text(min(xs), min(ys), max(xs), max(ys), size, content)


def _advance(char: str) -> float:
    """An average advance width of a glyph, in em (a proportional sans-serif face)."""
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    for chars, width in _WIDTHS:
        if char in chars:
            return width
    return 0.6 if char.isupper() else 0.5


def _number(text: str) -> float:
    found = re.match(r"\s*(-?[\d.]+)", text)
    return float(found.group(1)) if found else 0.0


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
