"""Horizontal bars, grouped bars and stacked bars on one linear axis that starts at zero.

Every chart has exactly one value axis: sections (``bars``) and series (grouped, stacked)
share it, so equal values always have equal lengths. Wide layouts put labels left of the
bars; the narrow layout (phones) puts them above, over the full width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .charts_axis import Axis, choose_axis
from .charts_legend import Legend, legend_entries
from .charts_marks import bar_mark, bar_room, flag_mark
from .charts_model import ChartSpec, Frame, Item, Theme
from .charts_plot import axis_label, axis_label_height, tick_band, value_axis
from .charts_svg import Canvas, Measure, mid, wrap

__all__ = ["draw_bars", "series_names"]


@dataclass
class _Row:
    label: str
    lines: list[str]
    bars: list[tuple[Item, str]]
    heading: str = ""
    height: float = 0.0
    top: float = 0.0
    notes: list[list[tuple[str, str, bool]]] = field(default_factory=list)
    below: bool = False


def series_names(items: tuple[Item, ...]) -> list[str]:
    """Return the series (groups) in order of first appearance."""
    return list(dict.fromkeys(item.group for item in items))


def _rows(spec: ChartSpec) -> list[_Row]:
    if spec.kind == "bars":
        rows: list[_Row] = []
        sections = series_names(spec.items)
        for section in sections:
            members = [i for i in spec.items if i.group == section]
            for k, item in enumerate(members):
                heading = section if k == 0 and section else ""
                rows.append(_Row(item.label, [], [(item, "series-0")], heading))
        return rows
    series = series_names(spec.items)
    rows = []
    for label in dict.fromkeys(item.label for item in spec.items):
        bars = [(i, f"series-{series.index(i.group)}") for i in spec.items if i.label == label]
        rows.append(_Row(label, [], bars))
    return rows


def _flow(tokens: list[tuple[str, str, bool]], width: float, f: Frame,
          m: Measure) -> list[list[tuple[str, str, bool]]]:
    """Break (colour, text, flagged) notes into lines no wider than ``width``."""
    lines: list[list[tuple[str, str, bool]]] = [[]]
    x = 0.0
    for token in tokens:
        w = f.small * 1.3 + m.width(token[1], f.small) + (f.fs * 1.2 if token[2] else 0) + f.fs
        if lines[-1] and x + w > width:
            lines.append([])
            x = 0.0
        lines[-1].append(token)
        x += w
    return lines


def draw_bars(spec: ChartSpec, theme: Theme, f: Frame, m: Measure) -> tuple[Canvas, float]:
    """Lay out and paint a bars, grouped-bars or stacked-bars chart; return it and its height.

    Values of one unit share one axis; a bars chart whose items come in several units
    gives each unit its own panel (its own axis), one under the other.
    """
    fs, W = f.fs, f.width
    pad = max(1.0, fs * 0.15)
    stacked = spec.kind == "stacked-bars"
    grouped = spec.kind == "grouped-bars"
    geo = _Geometry(bar_h=fs * (0.95 if grouped else 1.25), sub_gap=fs * 0.22,
                    line_h=fs * 1.25, gap=fs * 0.4, stacked=stacked)
    rows = _rows(spec)
    cap = W - 2 * pad if f.narrow else W * 0.34
    for row in rows:
        row.lines = wrap(row.label, cap, lambda s: m.width(s, fs))
    geo.col = 0.0 if f.narrow else \
        min(cap, max(m.width(ln, fs) for r in rows for ln in r.lines)) + fs * 0.7
    units = list(dict.fromkeys(r.bars[0][0].unit for r in rows))
    panels = [[r for r in rows if r.bars[0][0].unit == u] for u in units]
    label_h = axis_label_height(spec.axis, W - 2 * pad, f, m)
    laid: list[tuple[Axis, float, float, list[_Row]]] = []
    y = pad
    for panel in panels:
        geo.below = False
        axis = _axis(spec, panel, geo, f, m)
        if f.narrow and not stacked and axis.x1 - axis.x0 < (W - 2 * pad) * 0.55:
            geo.below = True
            axis = _axis(spec, panel, geo, f, m)
        for row in panel:
            row.below = geo.below
        top = y
        for row in panel:
            y = _measure_row(row, y, axis, geo, f, m)
        laid.append((axis, top, y, panel))
        y += tick_band(f) + label_h + fs * 1.2
    entries = legend_entries(spec, fs, "bar", series_names(spec.items) if (grouped or stacked) else ())
    legend = Legend(entries, m, f.small, W - 2 * pad, f.narrow)
    height = y - fs * 1.2 + (legend.height + fs * 0.6 if entries else 0) + pad

    c = Canvas(f, theme)
    foot = pad
    for axis, top, bottom, panel in laid:
        foot = value_axis(c, axis, top, bottom, f, m)
        for row in panel:
            _paint_row(c, row, axis, f, m, geo)
        foot = axis_label(c, spec.axis, W - pad, W - 2 * pad, foot, f, m)
    if entries:
        legend.paint(c, pad, foot + fs * 0.6)
    return c, height


@dataclass
class _Geometry:
    bar_h: float
    sub_gap: float
    line_h: float
    gap: float
    stacked: bool
    col: float = 0.0
    # Narrow layouts whose value labels would squeeze the plot print them under the label.
    below: bool = False


def _axis(spec: ChartSpec, rows: list[_Row], geo: _Geometry, f: Frame, m: Measure) -> Axis:
    """One value axis for these rows; the plot narrows until every mark and label fits."""
    fs, W = f.fs, f.width
    pad = max(1.0, fs * 0.15)
    items = [i for r in rows for i, _ in r.bars]
    values = [sum(i.value for i, _ in r.bars) for r in rows] if geo.stacked else \
        [i.value for i in items]
    ends = [] if geo.stacked else [
        (i.value, bar_room(i.value, i.bound, fs) + (0.0 if geo.below else geo.gap + m.width(
            i.text, f.small) + (fs * 1.3 if i.flagged else 0.0))) for i in items]
    left_room = max([bar_room(i.value, i.bound, fs) for i in items if i.value < 0], default=0.0)

    def span(lo: float, hi: float, first: float, last: float) -> tuple[float, float]:
        x0 = max(geo.col + left_room, pad + first / 2)
        right = W - pad
        pw = right - x0 - last / 2
        for v, extra in ends:
            at = (max(v, 0.0) - lo) / (hi - lo)
            if at > 0:
                pw = min(pw, (right - x0 - extra) / at)
        return x0, x0 + max(pw, W * 0.2)

    return choose_axis(values, False, spec.ticks, span, lambda s: m.width(s, f.small),
                       4 if f.narrow else 8)


def _measure_row(row: _Row, y: float, axis: Axis, geo: _Geometry, f: Frame, m: Measure) -> float:
    """Give the row its top and height; return where the next row starts."""
    fs = f.fs
    block = len(row.bars) * geo.bar_h + (len(row.bars) - 1) * geo.sub_gap
    if geo.stacked:
        tokens = [(role, i.text, i.flagged) for i, role in row.bars]
        row.notes = _flow(tokens, f.width - max(1.0, fs * 0.15) - axis.x0, f, m)
        block += _notes_h(row, f)
    labels = len(row.lines) * geo.line_h
    if row.below:
        block += len(row.bars) * f.small * 1.35
    row.top = y + (fs * 1.7 if row.heading else 0.0)
    row.height = (labels + fs * 0.2 + block) if f.narrow else max(labels, block)
    row.height += fs * 0.55
    return row.top + row.height


def _paint_row(c: Canvas, row: _Row, axis: Axis, f: Frame, m: Measure, geo: _Geometry) -> None:
    fs = f.fs
    bar_h, sub_gap, line_h, gap, col, stacked = (geo.bar_h, geo.sub_gap, geo.line_h, geo.gap,
                                                  geo.col, geo.stacked)
    pad = max(1.0, fs * 0.15)
    if row.heading:
        c.text(pad, row.top - fs * 0.55, row.heading, size=fs, width=m.width(row.heading, fs),
               bold=True, cls="section-title")
    labels = len(row.lines) * line_h
    block = len(row.bars) * bar_h + (len(row.bars) - 1) * sub_gap
    if f.narrow:
        for k, text in enumerate(row.lines):
            c.text(pad, row.top + (k + 0.5) * line_h + fs * 0.36, text, size=fs,
                   width=m.width(text, fs), cls="bar-label")
        y = row.top + labels + fs * 0.2
    else:
        body = row.height - fs * 0.55
        first = row.top + body / 2 - labels / 2
        for k, text in enumerate(row.lines):
            c.text(col - fs * 0.6, first + (k + 0.5) * line_h + fs * 0.36, text, size=fs,
                   width=m.width(text, fs), anchor="end", cls="bar-label")
        y = row.top + body / 2 - (block + (_notes_h(row, f) if stacked else 0)) / 2
    zero = axis.x(0.0)
    if stacked:
        x = zero
        for item, role in row.bars:
            end = x + (axis.x(item.value) - zero)
            c.rect(x, y, end - x, bar_h, fill=role, cls=f"bar segment bound-{item.bound}")
            x = end
        _paint_notes(c, row, axis.x0, y + bar_h + fs * 0.15, f, m)
        return
    for item, role in row.bars:
        w = m.width(item.text, f.small)
        if row.below:
            # The value first, then its bar: both read on a phone without a squeezed plot.
            yv = y + f.small * 0.675
            c.text(pad, mid(yv, f.small), item.text, size=f.small, width=w,
                   cls=f"bar-value value-{item.bound}")
            if item.flagged:
                flag_mark(c, pad + w + fs * 0.3, yv, fs)
            y += f.small * 1.35
        yc = y + bar_h / 2
        end = bar_mark(c, zero, axis.x(item.value), yc, bar_h, item.bound, item.value, role, fs)
        if not row.below:
            x = (end if item.value >= 0 else zero) + gap
            c.text(x, mid(yc, f.small), item.text, size=f.small, width=w,
                   cls=f"bar-value value-{item.bound}")
            if item.flagged:
                flag_mark(c, x + w + fs * 0.3, yc, fs)
        y += bar_h + sub_gap


def _notes_h(row: _Row, f: Frame) -> float:
    return len(row.notes) * f.small * 1.35 + f.fs * 0.15


def _paint_notes(c: Canvas, row: _Row, x0: float, top: float, f: Frame, m: Measure) -> None:
    for k, line in enumerate(row.notes):
        yc = top + (k + 0.5) * f.small * 1.35
        x = x0
        for role, text, flagged in line:
            c.rect(x, yc - f.small * 0.4, f.small * 0.8, f.small * 0.8, fill=role, cls="segment-key")
            x += f.small * 1.3
            w = m.width(text, f.small)
            c.text(x, mid(yc, f.small), text, size=f.small, width=w, cls="bar-value segment-value")
            x += w
            if flagged:
                x = flag_mark(c, x + f.fs * 0.3, yc, f.fs)
            x += f.fs
