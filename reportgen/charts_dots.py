"""Dots on one shared axis: the honest way to show quantities of very different sizes.

Every dot sits on the same axis (linear from zero, or logarithmic in whole decades, which
the legend says), so 50 million never looks like 1 billion. Sections (the items'
``group``) are headings over their rows, not separate scales.
"""

from __future__ import annotations

import math

from .charts_axis import choose_axis
from .charts_bars import series_names
from .charts_legend import Legend, legend_entries
from .charts_marks import dot_mark, dot_room, flag_mark
from .charts_model import ChartSpec, Frame, Item, Theme
from .charts_plot import axis_label, axis_label_height, tick_band, value_axis
from .charts_svg import Canvas, Measure, mid, wrap

__all__ = ["draw_dots"]


def draw_dots(spec: ChartSpec, theme: Theme, f: Frame, m: Measure) -> tuple[Canvas, float]:
    """Lay out and paint a dot chart; return it and its height."""
    fs, W = f.fs, f.width
    pad = max(1.0, fs * 0.15)
    log = spec.scale == "log"
    line_h = fs * 1.25
    gap = fs * 0.4
    order: list[Item] = [i for s in series_names(spec.items) for i in spec.items if i.group == s]
    cap = W - 2 * pad if f.narrow else W * 0.34
    lines = {id(i): wrap(i.label, cap, lambda s: m.width(s, fs)) for i in order}
    col = 0.0 if f.narrow else \
        min(cap, max(m.width(ln, fs) for ls in lines.values() for ln in ls)) + fs * 0.7
    left = max(dot_room(i.bound, fs)[0] for i in order)
    below = False

    def span(lo: float, hi: float, first: float, last: float) -> tuple[float, float]:
        ends = [(i.value, dot_room(i.bound, fs)[1] + (0.0 if below else gap + m.width(
            i.text, f.small) + (fs * 1.3 if i.flagged else 0.0))) for i in order]
        x0 = max(col + left, pad + first / 2)
        right = W - pad
        pw = right - x0 - last / 2
        for v, extra in ends:
            at = _at(v, lo, hi, log)
            if at > 0:
                pw = min(pw, (right - x0 - extra) / at)
        return x0, x0 + max(pw, W * 0.2)

    axis = choose_axis([i.value for i in order], log, spec.ticks, span,
                       lambda s: m.width(s, f.small), 4 if f.narrow else 8)
    if f.narrow and axis.x1 - axis.x0 < (W - 2 * pad) * 0.55:
        # Long values would squeeze a phone's plot: print them under the labels instead.
        below = True
        axis = choose_axis([i.value for i in order], log, spec.ticks, span,
                           lambda s: m.width(s, f.small), 4)

    rows: list[tuple[Item, float, float, str]] = []  # item, top, height, heading
    y = pad
    seen: set[str] = set()
    for item in order:
        heading = item.group if item.group and item.group not in seen else ""
        seen.add(item.group)
        y += fs * 1.7 if heading else 0.0
        labels = len(lines[id(item)]) * line_h + (f.small * 1.35 if below else 0.0)
        h = (labels + fs * 1.5) if f.narrow else max(labels, fs * 1.5)
        rows.append((item, y, h, heading))
        y += h + fs * 0.45
    plot_bottom = y
    entries = legend_entries(spec, fs, "dot")
    legend = Legend(entries, m, f.small, W - 2 * pad, f.narrow)
    label_h = axis_label_height(spec.axis, W - 2 * pad, f, m)
    height = plot_bottom + tick_band(f) + label_h + (legend.height + fs * 0.6 if entries else 0) + pad

    c = Canvas(f, theme)
    foot = value_axis(c, axis, pad, plot_bottom, f, m)
    for item, top, h, heading in rows:
        if heading:
            c.text(pad, top - fs * 0.55, heading, size=fs, width=m.width(heading, fs), bold=True,
                   cls="section-title")
        item_lines = lines[id(item)]
        if f.narrow:
            for k, text in enumerate(item_lines):
                c.text(pad, top + (k + 0.5) * line_h + fs * 0.36, text, size=fs,
                       width=m.width(text, fs), cls="dot-label")
            yc = top + len(item_lines) * line_h + fs * 0.75
            if below:
                yv = top + len(item_lines) * line_h + f.small * 0.675
                w = m.width(item.text, f.small)
                c.text(pad, mid(yv, f.small), item.text, size=f.small, width=w,
                       cls=f"dot-value value-{item.bound}")
                if item.flagged:
                    flag_mark(c, pad + w + fs * 0.3, yv, fs)
                yc += f.small * 1.35
        else:
            yc = top + h / 2
            first = yc - len(item_lines) * line_h / 2
            for k, text in enumerate(item_lines):
                c.text(col - fs * 0.6, first + (k + 0.5) * line_h + fs * 0.36, text, size=fs,
                       width=m.width(text, fs), anchor="end", cls="dot-label")
        c.line([(axis.x0, yc), (axis.x1, yc)], stroke="grid", width=max(0.6, fs * 0.06),
               dash=f"{num_dash(fs)}", cls="dot-guide")
        _, right = dot_mark(c, axis.x(item.value), yc, item.bound, "series-0", fs)
        if not below:
            w = m.width(item.text, f.small)
            c.text(right + gap, mid(yc, f.small), item.text, size=f.small, width=w,
                   cls=f"dot-value value-{item.bound}")
            if item.flagged:
                flag_mark(c, right + gap + w + fs * 0.3, yc, fs)
    foot = axis_label(c, spec.axis, W - pad, W - 2 * pad, foot, f, m)
    if entries:
        legend.paint(c, pad, foot + fs * 0.6)
    return c, height


def num_dash(fs: float) -> str:
    """A fine dotted guide from the axis to each dot."""
    a, b = round(fs * 0.12, 2), round(fs * 0.3, 2)
    return f"{a:g} {b:g}"


def _at(v: float, lo: float, hi: float, log: bool) -> float:
    if log:
        return (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    return (max(v, 0.0) - lo) / (hi - lo)
