"""Lay out and paint charts on a matplotlib figure measured in points."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.typing import RcKeyType

from reportgen.charts import ChartSpec, Theme

__all__ = [
    "Legend",
    "Measure",
    "Painter",
    "chart_rc",
    "drawn_strings",
    "format_number",
    "svg_bytes",
    "wrap",
]

# Scale words only: units (元, %, RMB) belong to the axis label, not the ticks.
_SCALE_WORDS: dict[str, tuple[tuple[float, str], ...]] = {
    "zh": ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")),
    "en": ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")),
}


def chart_rc(spec: ChartSpec, theme: Theme) -> dict[RcKeyType, Any]:
    """Return the rcParams every chart is drawn under (never set globally)."""
    return {
        "svg.fonttype": "none",
        # A per-chart salt keeps hashed ids (clip paths, markers) stable
        # across runs yet different between charts.
        "svg.hashsalt": spec.id,
        "text.usetex": False,
        "text.parse_math": False,
        "font.family": list(theme.font_family),
        "font.size": theme.font_size,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "axes.edgecolor": theme.muted_color,
        "xtick.color": theme.muted_color,
        "xtick.labelcolor": theme.muted_color,
        "xtick.major.size": 3.0,
        "xtick.major.width": 0.6,
        "xtick.major.pad": 2.5,
        "hatch.linewidth": 0.6,
        "path.simplify": False,
    }


def format_number(value: float, lang: str) -> str:
    """Format a tick value with scale words (亿, bn) and never an exponent."""
    if value == 0:
        return "0"
    sign = "\u2212" if value < 0 else ""
    # Round to 3 significant digits first, so 9999.7万 becomes 1亿, not 10000万.
    mag = float(f"{abs(value):.3g}")
    for factor, word in _SCALE_WORDS.get(lang, _SCALE_WORDS["en"]):
        if mag >= factor:
            return sign + _plain(mag / factor) + word
    return sign + _plain(mag)


def _plain(x: float) -> str:
    decimals = max(0, 2 - math.floor(math.log10(x)))
    return f"{x:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x:.0f}"


_TOKEN_RE = re.compile(r"[A-Za-z0-9.,%$'\u2019&+\-/()]+\s*|\s+|.", re.S)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break text into lines no wider than width: Latin by word, CJK by glyph."""
    if measure(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for token in _TOKEN_RE.findall(text):
        if line and measure((line + token).rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [text]


class Measure:
    """Text extents in points, from the same font machinery that draws."""

    def __init__(self, theme: Theme) -> None:
        # matplotlib ships no annotations for the Agg renderer.
        self._renderer = RendererAgg(8, 8, 72)  # type: ignore[no-untyped-call]
        self._family = list(theme.font_family)
        self._cache: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        key = (text, size, weight)
        if key not in self._cache:
            prop = FontProperties(family=self._family, size=size, weight=weight)
            measure = self._renderer.get_text_width_height_descent
            w, _, _ = measure(text, prop, ismath=False)  # type: ignore[no-untyped-call]
            self._cache[key] = float(w)
        return self._cache[key]


class Painter:
    """A figure whose drawing surface uses points measured from the top left.

    Everything is placed in points rather than data units, so arrow heads,
    caps and labels keep one size whatever the value range of a panel.
    """

    def __init__(self, theme: Theme, width: float, height: float) -> None:
        self.theme = theme
        self.width = width
        self.height = height
        self.strings: list[str] = []
        self.fig = Figure(figsize=(width / 72, height / 72), dpi=72)
        self.fig.patch.set_visible(False)
        FigureCanvasAgg(self.fig)
        self._count = 0
        # Extra class for everything painted meanwhile (legend keys reuse
        # the bar glyphs and must stay apart from the data in the SVG).
        self.tag = ""
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        # Drawn above the panels so bars cover grid lines.
        self.ax.set_zorder(10)
        self.ax.set_axis_off()
        self.ax.patch.set_visible(False)
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)

    def gid(self, classes: str) -> str:
        """Return a unique element id that the SVG step turns into classes."""
        self._count += 1
        if self.tag:
            classes = f"{self.tag} {classes}"
        return f"{classes.replace(' ', '.')}__{self._count}"

    @property
    def z(self) -> float:
        """Stacking order of the artist just named: later calls paint on top."""
        return float(self._count)

    def _y(self, y: float) -> float:
        return self.height - y

    def text(
        self,
        x: float,
        y: float,
        s: str,
        *,
        size: float,
        color: str,
        cls: str,
        ha: str = "left",
        va: str = "baseline",
        weight: str = "normal",
    ) -> None:
        self.strings.append(s)
        self.ax.text(
            x,
            self._y(y),
            s,
            fontsize=size,
            color=color,
            ha=ha,
            va=va,
            fontweight=weight,
            parse_math=False,
            usetex=False,
            gid=self.gid(cls),
            zorder=self.z,
        )

    def rect(
        self,
        x0: float,
        x1: float,
        yc: float,
        h: float,
        *,
        color: str,
        cls: str,
        alpha: float = 1.0,
        edge: str = "none",
        lw: float = 0.0,
    ) -> None:
        left = min(x0, x1)
        self.ax.add_patch(
            Rectangle(
                (left, self._y(yc + h / 2)),
                abs(x1 - x0),
                h,
                facecolor=color,
                alpha=alpha,
                edgecolor=edge,
                linewidth=lw,
                clip_on=False,
                gid=self.gid(cls),
                zorder=self.z,
            )
        )

    def polygon(self, points: Sequence[tuple[float, float]], *, color: str, cls: str) -> None:
        xy = [(x, self._y(y)) for x, y in points]
        self.ax.add_patch(
            Polygon(
                xy,
                closed=True,
                facecolor=color,
                edgecolor="none",
                linewidth=0.0,
                clip_on=False,
                gid=self.gid(cls),
                zorder=self.z,
            )
        )

    def line(
        self,
        points: Sequence[tuple[float, float]],
        *,
        color: str,
        lw: float,
        cls: str,
        dashed: bool = False,
    ) -> None:
        self.ax.add_line(
            Line2D(
                [x for x, _ in points],
                [self._y(y) for _, y in points],
                color=color,
                linewidth=lw,
                linestyle=(0, (2.2, 1.6)) if dashed else "-",
                solid_capstyle="butt",
                dash_capstyle="butt",
                clip_on=False,
                gid=self.gid(cls),
                zorder=self.z,
            )
        )

    def marker(
        self,
        x: float,
        y: float,
        *,
        shape: str,
        size: float,
        face: str,
        edge: str,
        lw: float,
        cls: str,
    ) -> None:
        self.ax.add_line(
            Line2D(
                [x],
                [self._y(y)],
                marker=shape,
                markersize=size,
                markerfacecolor=face,
                markeredgecolor=edge,
                markeredgewidth=lw,
                linestyle="none",
                clip_on=False,
                gid=self.gid(cls),
                zorder=self.z,
            )
        )

    def panel(self, left: float, top: float, width: float, height: float) -> Axes:
        """Add a real axes (ticks, grid, spines) over a box given in points."""
        ax = self.fig.add_axes(
            (
                left / self.width,
                (self.height - top - height) / self.height,
                width / self.width,
                height / self.height,
            )
        )
        ax.patch.set_visible(False)
        return ax


@dataclass(frozen=True)
class LegendEntry:
    """One legend item: a key drawn by `draw(painter, x, yc)` and its text."""

    key_width: float
    draw: Callable[[Painter, float, float], None]
    text: str


class Legend:
    """A flowing one-or-more-line legend; laid out first, painted later."""

    def __init__(
        self,
        entries: Sequence[LegendEntry],
        theme: Theme,
        measure: Measure,
        left: float,
        width: float,
    ) -> None:
        self.theme = theme
        self.size = theme.font_size * 0.88
        self.line_h = theme.font_size * 1.7
        gap = theme.font_size * 0.5
        self.rows: list[list[tuple[float, LegendEntry]]] = []
        x = left
        for entry in entries:
            w = entry.key_width + gap + measure.width(entry.text, self.size)
            if self.rows and x + w <= left + width:
                self.rows[-1].append((x, entry))
            else:
                x = left
                self.rows.append([(x, entry)])
            x += w + theme.font_size * 1.6
        self.gap = gap
        self.height = len(self.rows) * self.line_h

    def paint(self, painter: Painter, top: float) -> None:
        for i, row in enumerate(self.rows):
            yc = top + (i + 0.5) * self.line_h
            for x, entry in row:
                painter.tag = "legend-key"
                entry.draw(painter, x, yc)
                painter.tag = ""
                painter.text(
                    x + entry.key_width + self.gap,
                    yc,
                    entry.text,
                    size=self.size,
                    color=self.theme.muted_color,
                    cls="legend-text",
                    va="center_baseline",
                )


def _build(spec: ChartSpec, theme: Theme) -> Painter:
    if spec.chart == "bars":
        from reportgen.charts_bars import draw_bars

        return draw_bars(spec, theme)
    from reportgen.charts_timeline import draw_timeline

    return draw_timeline(spec, theme)


@contextmanager
def _chart_context(spec: ChartSpec, theme: Theme) -> Iterator[None]:
    with matplotlib.rc_context(chart_rc(spec, theme)):
        yield


def svg_bytes(spec: ChartSpec, theme: Theme) -> bytes:
    """Draw the chart and return matplotlib's SVG output."""
    with _chart_context(spec, theme):
        painter = _build(spec, theme)
        buf = io.BytesIO()
        painter.fig.savefig(
            buf,
            format="svg",
            facecolor="none",
            metadata={"Date": None, "Creator": None},
        )
    return buf.getvalue()


def save_png(spec: ChartSpec, theme: Theme, path: str, dpi: int = 200) -> None:
    """Save a raster preview of the chart on white paper, for eyeballing layouts."""
    with _chart_context(spec, theme):
        fig = _build(spec, theme).fig
        # The SVG stays transparent for any page; a preview shows the paper.
        fig.patch.set_visible(True)
        fig.patch.set_facecolor("white")
        fig.savefig(path, format="png", dpi=dpi)


def drawn_strings(spec: ChartSpec, theme: Theme) -> list[str]:
    """Lay the chart out and return the strings it would draw, deduplicated."""
    with _chart_context(spec, theme):
        painter = _build(spec, theme)
    return list(dict.fromkeys(s for s in painter.strings if s))
