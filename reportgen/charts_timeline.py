"""Timelines: one row per event, in date order, so no label ever covers another.

Wide layouts place each event on a shared year axis and write its date and label beside
the mark, on whichever side has room; every year label of the axis is drawn. The narrow
layout (phones) is a vertical timeline: a rail down the left, each event's date and
label beside it over the full width. A corrected date is drawn at the public record's
date with a hollow diamond and the source's own date beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .charts_axis import year_ticks
from .charts_legend import Legend, legend_entries
from .charts_marks import corrected_mark, flag_mark
from .charts_model import ChartSpec, Event, Frame, Theme
from .charts_svg import Canvas, Measure, wrap

__all__ = ["draw_timeline"]


@dataclass
class _Block:
    event: Event
    head: list[tuple[str, str, float]]  # (text, class, size) of the date line(s)
    lines: list[str]
    width: float
    height: float
    top: float = 0.0
    left: float = 0.0
    right_side: bool = True


def _order(spec: ChartSpec) -> list[Event]:
    return [e for _, e in sorted(enumerate(spec.events), key=lambda p: (p[1].when, p[0]))]


def _block(e: Event, cap: float, f: Frame, m: Measure) -> _Block:
    fs, small = f.fs, f.small
    head = [(e.when_text, "event-date", small)]
    date_w = m.width(e.when_text, small, "bold") + (fs * 1.4 if e.flagged else 0.0)
    if e.stated_text:
        stated_w = m.width(e.stated_text, small)
        if date_w + fs * 0.6 + stated_w <= cap:
            head = [(e.when_text, "event-date", small), (e.stated_text, "event-stated", small)]
        else:
            head = [(e.when_text, "event-date", small), ("\n", "", 0.0),
                    (e.stated_text, "event-stated", small)]
    lines = wrap(e.label, cap, lambda s: m.width(s, fs))
    head_lines = 1 + sum(1 for t, _, _ in head if t == "\n")
    widths = [m.width(ln, fs) for ln in lines]
    head_w = date_w + (fs * 0.6 + m.width(e.stated_text, small) if head_lines == 1 and e.stated_text
                       else 0.0)
    if head_lines > 1:
        head_w = max(date_w, m.width(e.stated_text, small))
    height = head_lines * small * 1.3 + len(lines) * fs * 1.25
    return _Block(e, head, lines, max([head_w, *widths]), height)


def _paint_block(c: Canvas, b: _Block, x: float, top: float, anchor: str, f: Frame,
                 m: Measure) -> None:
    """Write the date line(s) and the label; ``anchor`` end right-aligns them at ``x``."""
    fs, small = f.fs, f.small
    runs: list[list[tuple[str, str, float]]] = [[]]
    for run in b.head:
        if run[0] == "\n":
            runs.append([])
        else:
            runs[-1].append(run)
    y = top + small
    for line in runs:
        widths = [m.width(t, size, "bold" if cls == "event-date" else "normal")
                  for t, cls, size in line]
        flag = fs * 1.4 if b.event.flagged and any(cls == "event-date" for _, cls, _ in line) else 0.0
        total = sum(widths) + fs * 0.6 * (len(line) - 1) + flag
        cursor = x if anchor == "start" else x - total
        for (text, cls, size), w in zip(line, widths, strict=True):
            c.text(cursor, y, text, size=size, width=w, role="muted", bold=cls == "event-date",
                   cls=cls)
            cursor += w
            if cls == "event-date" and flag:
                flag_mark(c, cursor + fs * 0.3, y - small * 0.35, fs)
                cursor += flag
            cursor += fs * 0.6
        y += small * 1.3
    base = top + len(runs) * small * 1.3
    for k, line_text in enumerate(b.lines):
        c.text(x, base + (k + 1) * fs * 1.25 - fs * 0.3, line_text, size=fs,
               width=m.width(line_text, fs), anchor=anchor, cls="event-label")


def _mark(c: Canvas, x: float, yc: float, e: Event, fs: float) -> None:
    if e.corrected:
        corrected_mark(c, x, yc, fs)
    else:
        c.circle(x, yc, fs * 0.36, fill="series-0", stroke="paper", width=fs * 0.1,
                 cls="event-mark")


def draw_timeline(spec: ChartSpec, theme: Theme, f: Frame, m: Measure) -> tuple[Canvas, float]:
    """Lay out and paint a timeline; return it and its height."""
    if f.narrow:
        return _vertical(spec, theme, f, m)
    fs, small, W = f.fs, f.small, f.width
    pad = max(1.0, fs * 0.15)
    events = _order(spec)
    whens = [e.when for e in events]
    names = dict(spec.years)
    label_w = max((m.width(t, small) for t in names.values()), default=fs * 2.5)
    x0, x1 = pad + label_w / 2 + fs * 0.5, W - pad - label_w / 2
    first, last, step = year_ticks(whens, x1 - x0, label_w)

    def tx(when: float) -> float:
        return x0 + (when - first) / (last - first) * (x1 - x0)

    gap = fs * 0.7
    blocks: list[_Block] = []
    y = pad + fs * 0.3
    for e in events:
        x = tx(e.when)
        room_right, room_left = W - pad - x - gap, x - gap - pad
        side_right = room_right >= min(room_left, W * 0.45) or room_right >= W * 0.45
        cap = max(min(room_right if side_right else room_left, W * 0.55), fs * 6)
        b = _block(e, cap, f, m)
        b.right_side = side_right
        b.top = y
        blocks.append(b)
        y += max(b.height, fs * 1.4) + fs * 0.55
    bottom = y
    entries = legend_entries(spec, fs, "dot")
    legend = Legend(entries, m, small, W - 2 * pad, False)
    foot = bottom + fs * 0.35 + small * 1.3
    height = foot + (legend.height + fs * 0.6 if entries else 0.0) + pad

    c = Canvas(f, theme)
    for year in range(first, last + 1, step):
        x = tx(year)
        c.line([(x, pad), (x, bottom)], stroke="grid", width=max(0.6, fs * 0.06), cls="grid")
        c.line([(x, bottom), (x, bottom + fs * 0.35)], stroke="muted", width=max(0.6, fs * 0.06),
               cls="axis tick")
        text = names.get(year, str(year))
        c.text(x, bottom + fs * 0.35 + small, text, size=small, width=m.width(text, small),
               role="muted", anchor="middle", cls="tick-label year-label")
    c.line([(x0, bottom), (x1, bottom)], stroke="muted", width=max(0.8, fs * 0.09), cls="axis axis-line")
    for b in blocks:
        x = tx(b.event.when)
        yc = b.top + small * 0.65
        # Paper behind the words: grid lines pass under a label, never through it.
        left = x + gap if b.right_side else x - gap - b.width
        c.rect(left - fs * 0.15, b.top, b.width + fs * 0.3, b.height + fs * 0.1, fill="paper",
               cls="label-backing")
        if b.right_side:
            _paint_block(c, b, x + gap, b.top, "start", f, m)
        else:
            _paint_block(c, b, x - gap, b.top, "end", f, m)
        _mark(c, x, yc, b.event, fs)
    if entries:
        legend.paint(c, pad, foot + fs * 0.6)
    return c, height


def _vertical(spec: ChartSpec, theme: Theme, f: Frame, m: Measure) -> tuple[Canvas, float]:
    fs, small, W = f.fs, f.small, f.width
    pad = max(1.0, fs * 0.15)
    rail = pad + fs * 0.6
    text_x = pad + fs * 1.6
    blocks = []
    y = pad + fs * 0.2
    for e in _order(spec):
        b = _block(e, W - pad - text_x, f, m)
        b.top = y
        blocks.append(b)
        y += b.height + fs * 0.8
    bottom = y - fs * 0.8
    entries = legend_entries(spec, fs, "dot")
    legend = Legend(entries, m, small, W - 2 * pad, True)
    height = bottom + (legend.height + fs * 1.0 if entries else 0.0) + pad

    c = Canvas(f, theme)
    first_yc = blocks[0].top + small * 0.65
    c.line([(rail, first_yc), (rail, bottom)], stroke="grid", width=max(1.0, fs * 0.12),
           cls="axis timeline-rail")
    for b in blocks:
        _paint_block(c, b, text_x, b.top, "start", f, m)
        _mark(c, rail, b.top + small * 0.65, b.event, fs)
    if entries:
        legend.paint(c, pad, bottom + fs * 1.0)
    return c, height
