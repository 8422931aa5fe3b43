"""Write chart SVG by hand: plain shapes and text, classes for CSS, the same bytes every run.

Every element names its ink by role in a class (``fill-text``, ``stroke-grid``,
``fill-series-0`` …) beside a presentation attribute with the theme's colour. A stylesheet
rule on the class beats the attribute, so the HTML edition can restyle the chart (a dark
theme) without touching the drawing, while the PDF, which has no such rule, prints the
theme's colours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from .charts_model import Frame, Theme

__all__ = ["Canvas", "Measure", "mid", "num", "wrap"]

_ROLES = ("text", "muted", "grid", "paper", "accent")


def num(value: float) -> str:
    """Print a coordinate with at most two decimals, the same way on every machine."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Measure:
    """Text widths in drawing units, from matplotlib's font machinery (loaded on first use).

    Widths are unhinted advances, as PDF and browser text layout use them, with a little
    room added for renderers that space glyphs a hair wider.
    """

    def __init__(self, theme: Theme) -> None:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextToPath

        self._path = TextToPath()
        self._props = FontProperties
        self._family = list(theme.font_family)
        self._cache: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        key = (text, size, weight)
        if key not in self._cache:
            prop = self._props(family=self._family, size=size, weight=weight)
            w, _, _ = self._path.get_text_width_height_descent(text, prop, ismath=False)
            self._cache[key] = float(w) * 1.02
        return self._cache[key]


# A Latin word (with the quotes and punctuation that cling to it), a run of spaces, or one
# character of any other script: Latin text breaks between words, CJK between characters.
_TOKEN = re.compile(
    r"[\"'“‘(«\[]*[A-Za-z0-9.,%$'’&+\-/()\u00c0-\u024f\u2013]+[\"'”’)»\]:;!?]*\s*|\s+|.",
    re.S)
# Characters a line must not start with (closing punctuation, in CJK and Latin text).
_NO_START = set("，。、；：？！）》」』”’〉】〕…・%,.;:!?)]}\"")


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break text into lines no wider than ``width``: Latin by word, CJK by character.

    Closing punctuation never starts a line: the character before it moves down with it.
    """
    if measure(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if line and measure((line + token).rstrip()) > width:
            carry = ""
            if len(token) == 1 and token in _NO_START and len(line.rstrip()) > 1:
                carry, line = line.rstrip()[-1], line.rstrip()[:-1]
            lines.append(line.rstrip())
            line = carry + token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [text]


class Canvas:
    """Shapes and text in drawing units from the top left; ``svg()`` writes the document."""

    def __init__(self, frame: Frame, theme: Theme) -> None:
        self.frame = frame
        self.theme = theme
        self.width = frame.width
        self.parts: list[str] = []
        self.strings: list[str] = []
        self.texts: list[tuple[str, float, float, float, float]] = []
        # Extra class for everything painted meanwhile (legend keys reuse the data marks).
        self.tag = ""

    # --- colours ---

    def colour(self, role: str) -> str:
        """Return the theme colour of ``role`` (text, muted, grid, paper, accent, series-N)."""
        t = self.theme
        if role.startswith("series-"):
            return t.palette[int(role[7:]) % len(t.palette)]
        return {"text": t.text_color, "muted": t.muted_color, "grid": t.grid_color,
                "paper": t.paper_color, "accent": t.accent_color}[role]

    def _paint(self, fill: str | None, stroke: str | None, cls: str) -> str:
        classes = [c for c in f"{self.tag} {cls}".split() if c]
        attrs = []
        if fill:
            classes.append(f"fill-{fill}")
            attrs.append(f'fill="{self.colour(fill)}"')
        else:
            attrs.append('fill="none"')
        if stroke:
            classes.append(f"stroke-{stroke}")
            attrs.append(f'stroke="{self.colour(stroke)}"')
        return f'class="{" ".join(classes)}" ' + " ".join(attrs)

    # --- shapes ---

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, cls: str,
             opacity: float = 1.0) -> None:
        if w < 0:
            x, w = x + w, -w
        extra = f' fill-opacity="{num(opacity)}"' if opacity < 1 else ""
        self.parts.append(f'<rect {self._paint(fill, None, cls)}{extra} x="{num(x)}" '
                          f'y="{num(y)}" width="{num(w)}" height="{num(h)}"/>')

    def line(self, points: Sequence[tuple[float, float]], *, stroke: str, width: float,
             cls: str, dash: str = "") -> None:
        pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<polyline {self._paint(None, stroke, cls)} '
                          f'stroke-width="{num(width)}"{extra} points="{pts}"/>')

    def polygon(self, points: Sequence[tuple[float, float]], *, fill: str, cls: str,
                opacity: float = 1.0) -> None:
        pts = " ".join(f"{num(x)},{num(y)}" for x, y in points)
        extra = f' fill-opacity="{num(opacity)}"' if opacity < 1 else ""
        self.parts.append(f'<polygon {self._paint(fill, None, cls)}{extra} points="{pts}"/>')

    def circle(self, cx: float, cy: float, r: float, *, fill: str | None, stroke: str | None,
               width: float, cls: str, opacity: float = 1.0) -> None:
        extra = f' stroke-width="{num(width)}"' if stroke else ""
        if opacity < 1:
            extra += f' fill-opacity="{num(opacity)}"'
        self.parts.append(f'<circle {self._paint(fill, stroke, cls)}{extra} cx="{num(cx)}" '
                          f'cy="{num(cy)}" r="{num(r)}"/>')

    def diamond(self, cx: float, cy: float, r: float, *, fill: str, stroke: str, width: float,
                cls: str) -> None:
        pts = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
        self.parts.append(f'<polygon {self._paint(fill, stroke, cls)} stroke-width="{num(width)}" '
                          'points="' + " ".join(f"{num(x)},{num(y)}" for x, y in pts) + '"/>')

    def text(self, x: float, y: float, s: str, *, size: float, width: float, role: str = "text",
             anchor: str = "start", bold: bool = False, cls: str = "") -> None:
        """Draw ``s`` with its baseline at ``y``; ``width`` is its measured advance."""
        if not s:
            return
        self.strings.append(s)
        left = x - (width if anchor == "end" else width / 2 if anchor == "middle" else 0.0)
        self.texts.append((s, left, y - size * 0.8, left + width, y + size * 0.2))
        attrs = f' text-anchor="{anchor}"' if anchor != "start" else ""
        attrs += ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text {self._paint(role, None, cls)} x="{num(x)}" y="{num(y)}" '
                          f'font-size="{num(size)}"{attrs}>{escape(s)}</text>')

    # --- document ---

    def svg(self, height: float, kind: str, label: str) -> str:
        """Return the SVG document: no declaration or comment, so it inlines as it is."""
        f = self.frame
        fonts = ", ".join(f"'{name}'" if " " in name else name for name in self.theme.font_family)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
            f'class="chart chart-{kind} chart-{f.variant}" aria-label={quoteattr(label)} '
            f'width="{num(f.width)}{f.unit}" height="{num(height)}{f.unit}" '
            f'viewBox="0 0 {num(f.width)} {num(height)}" font-family={quoteattr(fonts)}>'
        )
        return head + "\n" + "\n".join(self.parts) + "\n</svg>\n"


def mid(yc: float, size: float) -> float:
    """Return the baseline that centres text of ``size`` on ``yc`` (CJK and Latin alike)."""
    return yc + size * 0.36

