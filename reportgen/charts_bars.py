"""Draw horizontal bar charts whose bounds look like bounds."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, NullFormatter, NullLocator

from reportgen.charts import Bar, ChartSpec, Theme
from reportgen.charts_draw import (
    Legend,
    LegendEntry,
    Measure,
    Painter,
    format_number,
    wrap,
)

__all__ = ["DEFAULT_LEGEND", "draw_bar_glyph", "draw_bars"]

# Used only when the data gives no legend text for an encoding that appears:
# a bound must never be drawn unexplained.
DEFAULT_LEGEND: dict[str, dict[str, str]] = {
    "zh": {
        "approx": "约数",
        "gt": "实际数值高于所示",
        "ge": "实际数值不低于所示",
        "lt": "实际数值低于所示",
        "le": "实际数值不高于所示",
        "corrected": "日期已更正",
    },
    "en": {
        "approx": "approximate",
        "gt": "true value above this",
        "ge": "true value at least this",
        "lt": "true value below this",
        "le": "true value at most this",
        "corrected": "date corrected",
    },
}

_LEGEND_ORDER = ("eq", "approx", "gt", "ge", "lt", "le")


def legend_text(spec: ChartSpec, key: str) -> str:
    """Return the legend text for an encoding, from the data when it has one."""
    return spec.legend.get(key) or DEFAULT_LEGEND[spec.lang].get(key, "")


def _outward(bar_value: float, qualifier: str) -> bool | None:
    """Whether the true value lies beyond the bar end (None: not a bound).

    Bars grow from zero, so a bound is read on the magnitude: over 60% goes
    on past the end, a fall of less than -5 (more than 5) too.
    """
    if qualifier in ("gt", "ge"):
        return bar_value >= 0
    if qualifier in ("lt", "le"):
        return bar_value < 0
    return None


def draw_bar_glyph(
    p: Painter,
    x0: float,
    x1: float,
    yc: float,
    h: float,
    qualifier: str,
    value: float,
    color: str,
    fade: float,
) -> float:
    """Draw one bar from x0 to x1 encoding its qualifier; return its outer end."""
    t = p.theme
    s = 1.0 if x1 >= x0 else -1.0
    outward = _outward(value, qualifier)
    closed = qualifier in ("ge", "le")
    if outward is True:
        p.rect(x0, x1, yc, h, color=color, cls=f"bar bar-bound-lower bar-{qualifier}")
        # A fading run past the value then an arrow head: the bar goes on.
        steps = 6
        seg = fade / steps
        rgba = to_rgba(color)
        pieces = [
            Rectangle((x1 + s * seg * i - (seg if s < 0 else 0), p.height - yc - h / 2), seg, h)
            for i in range(steps)
        ]
        colors = [(*rgba[:3], 0.55 * (1 - i / steps)) for i in range(steps)]
        p.ax.add_collection(
            PatchCollection(
                pieces,
                facecolors=colors,
                edgecolors="none",
                linewidths=0.0,
                clip_on=False,
                gid=p.gid("bar-extension"),
                zorder=p.z,
            ),
            autolim=False,
        )
        tip = x1 + s * fade
        head = h * 0.62
        p.polygon(
            [(tip, yc - h * 0.55), (tip, yc + h * 0.55), (tip + s * head, yc)],
            color=color,
            cls="bar-arrow",
        )
        p.line(
            [(x1, yc - h * 0.72), (x1, yc + h * 0.72)],
            color=t.text_color,
            lw=0.9,
            dashed=not closed,
            cls=f"bar-bound-tick bar-{qualifier}",
        )
        return tip + s * head
    if outward is False:
        # Somewhere between zero and the value: a pale bar closed by a bracket.
        p.rect(x0, x1, yc, h, color=color, alpha=0.22, cls=f"bar bar-bound-upper bar-{qualifier}")
        lip = min(h * 0.35, abs(x1 - x0))
        p.line(
            [
                (x1 - s * lip, yc - h * 0.72),
                (x1, yc - h * 0.72),
                (x1, yc + h * 0.72),
                (x1 - s * lip, yc + h * 0.72),
            ],
            color=color,
            lw=1.3,
            dashed=not closed,
            cls=f"bar-cap bar-{qualifier}",
        )
        head = h * 0.55
        if abs(x1 - x0) > lip + head * 1.6:
            base = x1 - s * (lip + h * 0.15)
            p.polygon(
                [(base, yc - h * 0.38), (base, yc + h * 0.38), (base - s * head, yc)],
                color=color,
                cls="bar-arrow",
            )
        return x1 + s * 1.5
    p.rect(x0, x1, yc, h, color=color, cls=f"bar bar-{qualifier}")
    if qualifier == "approx":
        size = t.font_size * 1.05
        p.text(
            x1 + s * 2.0,
            yc,
            "≈",
            size=size,
            color=color,
            weight="bold",
            cls="bar-approx-mark",
            ha="left" if s > 0 else "right",
            va="center_baseline",
        )
        return x1 + s * (2.0 + size * 0.62)
    return x1


@dataclass
class _Panel:
    title: str
    bars: list[Bar]
    lines: list[list[str]]
    rows: list[float]


def _ticks(lo: float, hi: float, log: bool, dense: int) -> list[float]:
    """Tick values inside [lo, hi]; a lower `dense` gives fewer ticks."""
    if not log:
        raw = MaxNLocator(nbins=max(dense, 2), steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
        span = hi - lo
        return [float(v) for v in raw if lo - span * 1e-9 <= v <= hi + span * 1e-9]
    k0, k1 = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    decades = k1 - k0
    if decades <= 2 and dense >= 5:
        subs: tuple[float, ...] = (1.0, 2.0, 5.0)
        step = 1
    else:
        subs, step = (1.0,), max(1, math.ceil(decades / max(dense, 1)))
    out = [m * 10.0**k for k in range(k0, k1 + 1, step) for m in subs]
    return [v for v in out if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]


def draw_bars(spec: ChartSpec, theme: Theme) -> Painter:
    """Lay out every group as its own panel, stacked, and paint them."""
    fs = theme.font_size
    small = fs * 0.88
    m = Measure(theme)
    width = theme.width * 72.0
    log = spec.scale == "log"
    bar_h = fs * 1.25
    line_h = fs * 1.25
    fade = fs * 2.6
    gap = fs * 0.45

    groups: dict[str, list[Bar]] = {}
    for bar in spec.bars:
        groups.setdefault(bar.group, []).append(bar)
    label_cap = width * 0.36
    panels: list[_Panel] = []
    for title, bars in groups.items():
        lines = [wrap(b.label, label_cap, lambda s: m.width(s, fs)) for b in bars]
        rows = [max(fs * 2.2, len(ls) * line_h + fs * 0.9) for ls in lines]
        panels.append(_Panel(title, bars, lines, rows))
    left = max(m.width(line, fs) for pn in panels for ls in pn.lines for line in ls)
    left = min(left, label_cap) + fs * 0.8
    plot_w = width - left - 2.0

    # A plain bar needs no key unless the data asks for one; every other
    # encoding that appears is always explained.
    present = {b.qualifier for b in spec.bars}
    legend_keys = [
        q for q in _LEGEND_ORDER if q in present and (q != "eq" or spec.legend.get("eq"))
    ]
    entries = [_legend_entry(spec, q, fs) for q in legend_keys]
    legend = Legend(entries, theme, m, 0.0, width)

    title_h = fs * 1.9
    tick_band = 3.0 + 2.5 + small * 1.3
    axis_band = small * 1.45 if spec.axis else 0.0
    panel_gap = fs * 1.3
    height = 2.0
    for pn in panels:
        height += (title_h if pn.title else fs * 0.3) + sum(pn.rows)
        height += tick_band + axis_band + panel_gap
    height += legend.height + (fs * 0.2 if legend.rows else 0.0)
    p = Painter(theme, width, height)

    color = theme.palette[0]
    top = 2.0
    for pn in panels:
        if pn.title:
            p.text(
                0.0,
                top + fs * 1.15,
                pn.title,
                size=fs,
                color=theme.text_color,
                weight="bold",
                cls="panel-title",
            )
            top += title_h
        else:
            top += fs * 0.3
        box_h = sum(pn.rows)
        extents = [_end_room(b, m, small, fs, fade, gap) for b in pn.bars]
        lo, hi = _value_range([b.value for b in pn.bars], extents, plot_w, log)
        tv = _transform(lo, hi, left, plot_w, log)
        ax = p.panel(left, top, plot_w, box_h)
        _style_axes(ax, p, spec, lo, hi, log, tv, m, small)
        base = tv(0.0) if not log else left
        y = top
        for bar, label_lines, row in zip(pn.bars, pn.lines, pn.rows, strict=True):
            yc = y + row / 2
            first = yc - (len(label_lines) - 1) * line_h / 2
            for i, text in enumerate(label_lines):
                p.text(
                    left - fs * 0.6,
                    first + i * line_h,
                    text,
                    size=fs,
                    color=theme.text_color,
                    ha="right",
                    va="center_baseline",
                    cls="bar-label",
                )
            end = draw_bar_glyph(
                p, base, tv(bar.value), yc, bar_h, bar.qualifier, bar.value, color, fade
            )
            forward = end >= base
            p.text(
                end + (gap if forward else -gap),
                yc,
                bar.text,
                size=small,
                color=theme.text_color,
                ha="left" if forward else "right",
                va="center_baseline",
                cls=f"bar-value bar-value-{bar.qualifier}",
            )
            y += row
        top += box_h + tick_band
        if spec.axis:
            p.text(
                left + plot_w,
                top + small * 1.05,
                spec.axis,
                size=small,
                color=theme.muted_color,
                ha="right",
                cls="axis-label",
            )
            top += axis_band
        top += panel_gap
    legend.paint(p, top - panel_gap + fs * 0.2)
    return p


def _legend_entry(spec: ChartSpec, q: str, fs: float) -> LegendEntry:
    h = fs * 0.85
    solid = fs * 1.5
    fade = fs * 1.3
    widths = {
        "gt": solid + fade + h * 0.62,
        "ge": solid + fade + h * 0.62,
        "approx": solid + fs * 0.9,
    }

    def draw(p: Painter, x: float, yc: float) -> None:
        value = 1.0
        draw_bar_glyph(p, x, x + solid, yc, h, q, value, p.theme.palette[0], fade)

    return LegendEntry(widths.get(q, solid + 1.5), draw, legend_text(spec, q))


def _end_room(bar: Bar, m: Measure, small: float, fs: float, fade: float, gap: float) -> float:
    """Points needed past the bar end for its encoding and printed value."""
    outward = _outward(bar.value, bar.qualifier)
    if outward is True:
        extra = fade + fs * 0.8
    elif outward is False:
        extra = 1.5
    elif bar.qualifier == "approx":
        extra = 2.0 + fs * 0.7
    else:
        extra = 0.0
    return extra + gap + m.width(bar.text, small) + 1.0


def _value_range(
    values: list[float], room: list[float], plot_w: float, log: bool
) -> tuple[float, float]:
    """Choose axis limits so every bar's marks and value label fit the panel."""
    t = math.log10 if log else (lambda v: v)
    if log:
        vmin = min(values)
        lo_t = math.floor(math.log10(vmin))
        if vmin / 10.0**lo_t < 2.0:
            # A bar at exactly a power of ten would otherwise have no length.
            lo_t -= 1
        lo, hi = 10.0**lo_t, max(values)
    else:
        lo, hi = min(0.0, *values), max(0.0, *values)
        if hi == lo:
            hi = lo + 1.0
    tlo, thi = t(lo), t(hi)
    # A bar ending at fraction f of the panel needs f * plot_w + room <= plot_w
    # (mirrored for bars left of zero); the two sides pull on each other, so
    # settle them in turn.
    fits = [(t(v), min(r, plot_w * 0.75) / plot_w) for v, r in zip(values, room, strict=True)]
    for _ in range(8):
        for tv, k in fits:
            if tv >= 0 or log:
                thi = max(thi, tlo + (tv - tlo) / (1 - k))
        for tv, k in fits:
            if tv < 0 and not log:
                tlo = min(tlo, (tv - k * thi) / (1 - k))
    if log:
        return 10.0**tlo, 10.0**thi
    return tlo, thi


def _transform(
    lo: float, hi: float, left: float, plot_w: float, log: bool
) -> Callable[[float], float]:
    """Map an axis value to points from the left of the figure."""
    if log:
        a, b = math.log10(lo), math.log10(hi)
        return lambda v: left + (math.log10(v) - a) / (b - a) * plot_w
    return lambda v: left + (v - lo) / (hi - lo) * plot_w


def _style_axes(
    ax: Axes,
    p: Painter,
    spec: ChartSpec,
    lo: float,
    hi: float,
    log: bool,
    tv: Callable[[float], float],
    m: Measure,
    small: float,
) -> None:
    """Give a panel its own value axis: readable ticks, light grid, no box."""
    theme = p.theme
    if log:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0.0, 1.0)
    ax.set_yticks([])
    if not log and lo < 0:
        # The bars grow from zero, not from the left edge.
        ax.spines["left"].set_visible(False)
        ax.axvline(0.0, color=theme.muted_color, linewidth=0.6)
    ticks: list[float] = []
    labels: list[str] = []
    for dense in (6, 5, 4, 3, 2, 1):
        ticks = _ticks(lo, hi, log, dense)
        labels = [format_number(v, spec.lang) for v in ticks]
        spans = [
            (tv(v) - m.width(s, small) / 2, tv(v) + m.width(s, small) / 2)
            for v, s in zip(ticks, labels, strict=True)
        ]
        if all(b[0] - a[1] >= small * 0.8 for a, b in pairwise(spans)):
            break
    ax.set_xticks(ticks, labels)
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", labelsize=small)
    ax.grid(axis="x", color=theme.grid_color, linewidth=0.6)
    ax.set_axisbelow(True)
    p.strings.extend(labels)
