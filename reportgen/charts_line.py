"""Values over time: one line per series on a value axis from zero and a time axis in years."""

from __future__ import annotations

from .charts_axis import Axis, choose_axis, year_ticks
from .charts_bars import series_names
from .charts_legend import Legend, legend_entries
from .charts_marks import LOWER, UPPER, flag_mark
from .charts_model import ChartSpec, Frame, Item, Theme
from .charts_plot import axis_label, axis_label_height
from .charts_svg import Canvas, Measure, mid

__all__ = ["draw_line"]


def draw_line(spec: ChartSpec, theme: Theme, f: Frame, m: Measure) -> tuple[Canvas, float]:
    """Lay out and paint a line chart; return it and its height."""
    fs, W = f.fs, f.width
    pad = max(1.0, fs * 0.15)
    series = series_names(spec.items)
    whens = [i.when for i in spec.items]
    t0, t1 = min(whens), max(whens)
    if t1 - t0 < 1e-9:
        t0, t1 = t0 - 0.5, t1 + 0.5
    plot_h = W * (0.7 if f.narrow else 0.4)
    top = pad + f.small * 1.2 + f.fs * 1.8  # room for a value label above the highest point
    bottom = top + plot_h
    tick_w = max((m.width(t, f.small) for _, t in spec.ticks), default=fs * 2)
    x0 = pad + tick_w + fs * 0.5
    right_room = max(m.width(i.text, f.small) for i in spec.items) / 2 + fs * 0.5
    x1 = W - pad - right_room

    def span(lo: float, hi: float, first: float, last: float) -> tuple[float, float]:
        return bottom, top

    axis = choose_axis([i.value for i in spec.items], False, spec.ticks, span,
                       lambda s: f.small * 1.8, 4 if f.narrow else 7)

    def tx(when: float) -> float:
        return x0 + (when - t0) / (t1 - t0) * (x1 - x0)

    year_names = dict(spec.years)
    label_w = max((m.width(t, f.small) for t in year_names.values()), default=fs * 2.5)
    first, last, step = year_ticks(whens, x1 - x0, label_w)

    entries = legend_entries(spec, fs, "dot", series if len(series) > 1 or series[0] else ())
    legend = Legend(entries, m, f.small, W - 2 * pad, f.narrow)
    foot = bottom + fs * 0.35 + f.small * 1.3
    label_h = axis_label_height(spec.axis, W - 2 * pad, f, m)
    height = foot + label_h + (legend.height + fs * 0.6 if entries else 0.0) + pad

    c = Canvas(f, theme)
    _grid(c, axis, x0, x1, f, m)
    c.line([(x0, bottom), (x1, bottom)], stroke="muted", width=max(0.8, fs * 0.09), cls="axis axis-line")
    for year in range(first, last + 1, step):
        if t0 - 1e-9 <= year <= t1 + 1e-9:
            x = tx(year)
            c.line([(x, bottom), (x, bottom + fs * 0.35)], stroke="muted", width=max(0.6, fs * 0.06),
                   cls="axis tick")
            text = year_names.get(year, str(year))
            c.text(x, bottom + fs * 0.35 + f.small, text, size=f.small, width=m.width(text, f.small),
                   role="muted", anchor="middle", cls="tick-label year-label")
    taken: list[tuple[float, float, float, float]] = []
    for k, name in enumerate(series):
        points = sorted((i for i in spec.items if i.group == name), key=lambda i: i.when)
        role = f"series-{k}"
        c.line([(tx(i.when), axis.x(i.value)) for i in points], stroke=role,
               width=max(1.2, fs * 0.16), cls=f"series-line series-{k}")
        for item in points:
            _point(c, tx(item.when), axis.x(item.value), item, role, fs)
        for item in reversed(points):
            _value_label(c, tx(item.when), axis.x(item.value), item, f, m, taken, (pad, W - pad))
    foot = axis_label(c, spec.axis, W - pad, W - 2 * pad, foot, f, m)
    if entries:
        legend.paint(c, pad, foot + fs * 0.6)
    return c, height


def _grid(c: Canvas, axis: Axis, x0: float, x1: float, f: Frame, m: Measure) -> None:
    for v, text in axis.ticks:
        y = axis.x(v)
        c.line([(x0, y), (x1, y)], stroke="grid", width=max(0.6, f.fs * 0.06), cls="grid")
        c.text(x0 - f.fs * 0.4, mid(y, f.small), text, size=f.small, width=m.width(text, f.small),
               role="muted", anchor="end", cls="tick-label")


def _point(c: Canvas, x: float, y: float, item: Item, role: str, fs: float) -> None:
    """A point that shows its bound: filled or open circle, arrow up (floor) or down (ceiling)."""
    r = fs * 0.38
    b = item.bound
    if b in LOWER + UPPER:
        s = -1.0 if b in LOWER else 1.0
        tip = y + s * (r + fs * 1.1)
        c.line([(x, y + s * r), (x, tip - s * fs * 0.4)], stroke=role, width=r * 0.6,
               cls=f"bound-shaft bound-{b}")
        c.polygon([(x, tip), (x - fs * 0.3, tip - s * fs * 0.45), (x + fs * 0.3, tip - s * fs * 0.45)],
                  fill=role, cls=f"bound-arrow bound-{b}")
        if b in ("ge", "le"):
            c.circle(x, y, r, fill=role, stroke="paper", width=r * 0.3,
                     cls=f"point bound-point bound-closed bound-{b}")
        else:
            c.circle(x, y, r * 0.9, fill="paper", stroke=role, width=r * 0.5,
                     cls=f"point bound-point bound-open bound-{b}")
        return
    if b == "approx":
        c.circle(x, y, r * 1.9, fill=role, stroke=None, width=0.0, opacity=0.22,
                 cls="point-halo bound-approx")
    c.circle(x, y, r, fill=role, stroke="paper", width=r * 0.3, cls=f"point bound-{b}")


def _value_label(c: Canvas, x: float, y: float, item: Item, f: Frame, m: Measure,
                 taken: list[tuple[float, float, float, float]], limits: tuple[float, float]) -> None:
    """Print a point's value above it, unless it would touch a label already placed."""
    w = m.width(item.text, f.small)
    # A floor's arrow points up from its point: its value sits above the arrow head.
    base = y - f.fs * (1.75 if item.bound in LOWER else 0.65)
    box = (x - w / 2, base - f.small * 0.85, x + w / 2, base + f.small * 0.2)
    left = min(max(box[0], limits[0]), limits[1] - w)
    box = (left, box[1], left + w, box[3])
    if any(box[0] < b[2] + 2 and b[0] < box[2] + 2 and box[1] < b[3] and b[1] < box[3] for b in taken):
        return
    taken.append(box)
    c.text(left, base, item.text, size=f.small, width=w, cls=f"point-value value-{item.bound}")
    if item.flagged:
        flag_mark(c, left + w + f.fs * 0.2, base - f.small * 0.35, f.fs)
