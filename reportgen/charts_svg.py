"""Draw charts with matplotlib artists and save them as inlinable SVG with CSS classes.

Charts are painted on a matplotlib figure measured in drawing units (points at 72 dpi)
and saved by its SVG backend with ``svg.fonttype: none`` (text stays text) and a fixed
hash salt (the same bytes every run). Every element then names its ink by role in a class
(``fill-text``, ``stroke-grid``, ``fill-series-0`` …) beside a presentation attribute with
the theme's colour. A stylesheet rule on the class beats the attribute, so the HTML
edition can restyle a chart (a dark theme) without touching the drawing, while the PDF,
which has no such rule, prints the theme's colours.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr, unescape

from .charts_model import Frame, Theme

__all__ = ["Canvas", "Measure", "finish_svg", "mid", "num", "wrap"]

_ROLES = ("text", "muted", "grid", "paper", "accent")


def num(value: float) -> str:
    """Print a coordinate with at most two decimals, the same way on every machine."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Measure:
    """Text extents in drawing units, from matplotlib's FreeType fonts (loaded on first use).

    A width is the sum of the unhinted advances (as PDF and browser text layout use them)
    of each character in the first font of the theme's list that has it, kerned; each
    character is loaded once per size. A little room is added for renderers that space
    glyphs a hair wider.
    """

    def __init__(self, theme: Theme) -> None:
        from matplotlib import ft2font
        from matplotlib.font_manager import FontProperties, findfont, get_font

        flags = getattr(ft2font, "LoadFlags", None)
        self._no_hinting = flags.NO_HINTING if flags is not None \
            else ft2font.LOAD_NO_HINTING  # type: ignore[attr-defined]  # matplotlib < 3.10
        kerning = getattr(ft2font, "Kerning", None)
        self._unscaled = kerning.UNSCALED if kerning is not None \
            else ft2font.KERNING_UNSCALED  # type: ignore[attr-defined]  # matplotlib < 3.10
        self._fonts: dict[str, list[Any]] = {}
        for weight in ("normal", "bold"):
            files = [findfont(FontProperties(family=[name], weight=weight))
                     for name in theme.font_family]
            self._fonts[weight] = [get_font(path) for path in dict.fromkeys(files)]
        self._glyphs: dict[tuple[str, str], tuple[Any, int, float]] = {}
        self._cache: dict[tuple[str, float, str], tuple[float, float, float]] = {}

    def _glyph(self, char: str, weight: str) -> tuple[Any, int, float]:
        """(font, glyph index, advance per unit of size) of ``char``."""
        key = (char, weight)
        if key not in self._glyphs:
            fonts = self._fonts[weight]
            font = next((f for f in fonts if f.get_char_index(ord(char))), fonts[0])
            font.set_size(100.0, 72)
            glyph = font.load_char(ord(char), flags=self._no_hinting)
            self._glyphs[key] = (font, font.get_char_index(ord(char)),
                                 glyph.linearHoriAdvance / 65536.0 / 100.0)
        return self._glyphs[key]

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        return self.metrics(text, size, weight)[0] * 1.02

    def metrics(self, text: str, size: float, weight: str = "normal") -> tuple[float, float, float]:
        """Return (width, height, descent) of ``text`` at ``size``, unhinted."""
        weight = "bold" if weight == "bold" else "normal"
        key = (text, size, weight)
        if key not in self._cache:
            width = 0.0
            previous: tuple[Any, int, float] | None = None
            for char in text:
                glyph = self._glyph(char, weight)
                width += glyph[2] * size
                if previous is not None and previous[0] is glyph[0]:
                    font = glyph[0]
                    # Kerning in font units, scaled to the size.
                    kern = font.get_kerning(previous[1], glyph[1], self._unscaled)
                    width += kern / font.units_per_EM * size
                previous = glyph
            self._cache[key] = (width, size * 1.16, size * 0.24)
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
    """Matplotlib artists placed in drawing units from the top left; ``svg()`` saves them.

    The figure is ``frame.width`` units wide at 72 dpi, so one unit is one point of the
    SVG matplotlib writes (the screen variants relabel it as a CSS pixel). Each artist is
    named (its gid) by its classes and the roles of its ink; ``svg()`` turns those names
    into classes and matplotlib's inline styles into presentation attributes, which a
    stylesheet may override.
    """

    def __init__(self, frame: Frame, theme: Theme) -> None:
        self.frame = frame
        self.theme = theme
        self.width = frame.width
        self.artists: list[Any] = []
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

    def _gid(self, fill: str | None, stroke: str | None, cls: str) -> str:
        classes = [c for c in f"{self.tag} {cls}".split() if c]
        classes += [f"fill-{fill}"] if fill else []
        classes += [f"stroke-{stroke}"] if stroke else []
        return _GID + " ".join(classes)

    def _add(self, artist: Any) -> None:
        # Later artists paint on top, whatever their kind (matplotlib would put lines over
        # patches and text over both).
        artist.set_zorder(len(self.artists) + 1)
        self.artists.append(artist)

    # --- shapes ---

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, cls: str,
             opacity: float = 1.0) -> None:
        from matplotlib.patches import Rectangle

        if w < 0:
            x, w = x + w, -w
        self._add(Rectangle((x, y), w, h, facecolor=self.colour(fill), edgecolor="none",
                            linewidth=0.0, alpha=opacity if opacity < 1 else None, clip_on=False,
                            gid=self._gid(fill, None, cls)))

    def line(self, points: Sequence[tuple[float, float]], *, stroke: str, width: float,
             cls: str, dash: str = "") -> None:
        from matplotlib.lines import Line2D

        style: Any = (0.0, tuple(float(v) / width for v in dash.split())) if dash else "-"
        self._add(Line2D([p[0] for p in points], [p[1] for p in points],
                         color=self.colour(stroke), linewidth=width, linestyle=style,
                         solid_capstyle="butt", dash_capstyle="butt", solid_joinstyle="miter",
                         clip_on=False, gid=self._gid(None, stroke, cls)))

    def polygon(self, points: Sequence[tuple[float, float]], *, fill: str, cls: str,
                opacity: float = 1.0) -> None:
        from matplotlib.patches import Polygon

        self._add(Polygon(list(points), closed=True, facecolor=self.colour(fill), edgecolor="none",
                          linewidth=0.0, alpha=opacity if opacity < 1 else None, clip_on=False,
                          gid=self._gid(fill, None, cls)))

    def circle(self, cx: float, cy: float, r: float, *, fill: str | None, stroke: str | None,
               width: float, cls: str, opacity: float = 1.0) -> None:
        from matplotlib.patches import Circle

        self._add(Circle((cx, cy), r, facecolor=self.colour(fill) if fill else "none",
                         edgecolor=self.colour(stroke) if stroke else "none",
                         linewidth=width if stroke else 0.0,
                         alpha=opacity if opacity < 1 else None, clip_on=False,
                         gid=self._gid(fill, stroke, cls)))

    def diamond(self, cx: float, cy: float, r: float, *, fill: str, stroke: str, width: float,
                cls: str) -> None:
        from matplotlib.patches import Polygon

        pts = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
        self._add(Polygon(pts, closed=True, facecolor=self.colour(fill),
                          edgecolor=self.colour(stroke), linewidth=width, joinstyle="miter",
                          clip_on=False, gid=self._gid(fill, stroke, cls)))

    def text(self, x: float, y: float, s: str, *, size: float, width: float, role: str = "text",
             anchor: str = "start", bold: bool = False, cls: str = "") -> None:
        """Draw ``s`` with its baseline at ``y``; ``width`` is its measured advance."""
        from matplotlib.font_manager import FontProperties
        from matplotlib.text import Text

        if not s:
            return
        self.strings.append(s)
        left = x - (width if anchor == "end" else width / 2 if anchor == "middle" else 0.0)
        self.texts.append((s, left, y - size * 0.8, left + width, y + size * 0.2))
        font = FontProperties(family=list(self.theme.font_family), size=size,
                              weight="bold" if bold else "normal")
        ha = {"start": "left", "middle": "center", "end": "right"}[anchor]
        # Text stays text, drawn as typed: no mathtext, no TeX.
        self._add(Text(x, y, s, fontproperties=font, color=self.colour(role), ha=ha,
                       va="baseline", parse_math=False, usetex=False, clip_on=False,
                       gid=self._gid(role, None, cls)))

    # --- document ---

    def svg(self, height: float, kind: str, label: str, measure: Measure | None = None) -> str:
        """Save the artists with matplotlib's SVG backend; return an inlinable document.

        ``measure`` lends matplotlib's text layout its (cached) font metrics; the SVG
        backend would otherwise trace every string at a hundred times its size.
        """
        import matplotlib
        from matplotlib.backends.backend_mixed import MixedModeRenderer
        from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
        from matplotlib.figure import Figure

        f = self.frame
        rc = {"svg.fonttype": "none", "svg.hashsalt": "reportgen", "svg.id": None,
              "text.usetex": False, "text.parse_math": False, "path.simplify": False,
              "font.family": list(self.theme.font_family)}
        with matplotlib.rc_context(rc):  # type: ignore[arg-type]
            fig = Figure(figsize=(f.width / 72.0, height / 72.0), dpi=72)
            fig.patch.set_visible(False)
            FigureCanvasSVG(fig)
            ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
            ax.set_axis_off()
            ax.set_xlim(0.0, f.width)
            ax.set_ylim(height, 0.0)  # drawing units run down from the top
            for artist in self.artists:
                ax.add_artist(artist)
            out = io.StringIO()
            # What FigureCanvasSVG.print_svg does, with a renderer that measures text fast.
            renderer = _renderer(RendererSVG, measure or Measure(self.theme))(
                f.width, height, out, image_dpi=72,
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
            mixed: Any = MixedModeRenderer(  # type: ignore[no-untyped-call]
                fig, f.width / 72.0, height / 72.0, 72, renderer)
            fig.draw(mixed)
            mixed.finalize()
        fonts = ", ".join(f"'{name}'" if " " in name else name for name in self.theme.font_family)
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
                f'class="chart chart-{kind} chart-{f.variant}" aria-label={quoteattr(label)} '
                f'width="{num(f.width)}{f.unit}" height="{num(height)}{f.unit}" '
                f'viewBox="0 0 {num(f.width)} {num(height)}" font-family={quoteattr(fonts)} '
                'stroke-linejoin="round" stroke-linecap="butt">')
        return finish_svg(out.getvalue(), head)


def _renderer(base: Any, measure: Measure) -> Any:
    """A subclass of matplotlib's SVG renderer that takes text extents from ``measure``."""

    class Renderer(base):  # type: ignore[misc]
        def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> Any:
            weight = prop.get_weight()
            bold = weight == "bold" or (isinstance(weight, int) and weight >= 600)
            return measure.metrics(s, prop.get_size_in_points(), "bold" if bold else "normal")

    return Renderer


_GID = "c:"  # marks the gids this module gives, apart from matplotlib's own element ids
_ATTR = re.compile(r'\s([a-zA-Z:-]+)="([^"]*)"')
# Inline style properties kept, as presentation attributes; the rest are matplotlib's
# defaults or repeat the root's font.
_KEEP = ("fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-linejoin",
         "stroke-linecap", "opacity", "font-size", "font-weight", "text-anchor")


def finish_svg(text: str, head: str) -> str:
    """Turn matplotlib's SVG into an inlinable chart.

    The document starts at ``head`` (our root element); matplotlib's declaration, doctype,
    metadata, default style sheet and element ids go; the groups that carried our gids
    vanish, and their drawing elements get the gid's classes; inline styles become
    presentation attributes (so CSS rules on the classes win).
    """
    body = text[text.index("<svg"):]
    body = re.sub(r"<!--.*?-->|<metadata>.*?</metadata>|<defs>\s*<style.*?</style>\s*</defs>", "",
                  body, flags=re.S)
    out: list[str] = [head]
    stack: list[str | None] = []
    pieces = re.split(r"(<[^>]*>)", body)
    for piece in pieces[1:]:
        if not piece.startswith("<"):
            if piece.strip():
                out.append(escape(unescape(piece.strip())))
            continue
        name = piece[1:].split(None, 1)[0].rstrip("/>")
        if name in ("svg", "/svg"):
            continue
        if name == "g":
            attrs = dict(_ATTR.findall(piece))
            gid = attrs.get("id", "")
            stack.append(gid[len(_GID):] if gid.startswith(_GID) else None)
            continue
        if name == "/g":
            stack.pop()
            continue
        if name.startswith("/"):
            out.append(piece)
            continue
        classes = next((c for c in reversed(stack) if c), "")
        out.append("\n" + _element(name, piece, classes))
    out.append("\n</svg>\n")
    return "".join(out)


def _element(name: str, tag: str, classes: str) -> str:
    attrs = dict(_ATTR.findall(tag))
    style = {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in
             attrs.pop("style", "").split(";") if ":" in d)}
    attrs.pop("transform", None)  # rotate(-0 …) on text: no rotation
    attrs.pop("id", None)
    attrs.pop("clip-path", None)
    kept = {k: style[k] for k in _KEEP if k in style}
    if "font-size" in kept:
        kept["font-size"] = kept["font-size"].removesuffix("px")
    if kept.get("font-weight") in ("700", "bold"):
        kept["font-weight"] = "bold"
    else:
        kept.pop("font-weight", None)
    if kept.get("text-anchor") == "start":
        kept.pop("text-anchor")
    if "d" in attrs:
        attrs["d"] = " ".join(attrs["d"].split())
    ordered = {"class": classes, **kept, **attrs} if classes else {**kept, **attrs}
    body = " ".join(f'{k}="{v}"' for k, v in ordered.items())
    return f"<{name} {body}" + ("/>" if tag.endswith("/>") else ">")


def mid(yc: float, size: float) -> float:
    """Return the baseline that centres text of ``size`` on ``yc`` (CJK and Latin alike)."""
    return yc + size * 0.36

