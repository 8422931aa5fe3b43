"""The legend: every mark a chart draws is explained in the words strings.yaml gives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .charts_marks import bar_mark, corrected_mark, dot_mark, flag_mark
from .charts_model import BOUNDS, ChartSpec
from .charts_svg import Canvas, Measure, wrap

__all__ = ["Entry", "Legend", "legend_entries"]

# Key widths in font sizes, as the marks below draw them (bars 0.85 of the font size high).
_BAR_KEY_W = {"eq": 1.8, "approx": 2.9, "gt": 4.1, "ge": 4.1, "lt": 2.1, "le": 2.1}
_DOT_KEY_W = {"eq": 0.9, "approx": 1.6, "gt": 3.0, "ge": 3.0, "lt": 3.05, "le": 3.05}


@dataclass(frozen=True)
class Entry:
    """One legend item: a key drawn by ``draw(canvas, x, yc)`` ``key_w`` wide, and its words."""

    key_w: float
    draw: Callable[[Canvas, float, float], None] | None
    text: str


def legend_entries(spec: ChartSpec, fs: float, style: str, series: Sequence[str] = ()) -> list[Entry]:
    """Return the entries of every mark the chart draws; ``style`` is 'bar' or 'dot'."""
    out: list[Entry] = []
    for i, name in enumerate(series):
        out.append(Entry(fs * 1.1, _swatch(f"series-{i}", fs), name))
    # A stack holds exact and approximate values only; its value line says which.
    present = set() if spec.kind == "stacked-bars" else {item.bound for item in spec.items}
    shown = [b for b in BOUNDS if b in present and (b != "eq" or len(present) > 1)]
    ink = "series-0" if not series else "muted"
    for bound in shown:
        text = spec.legend_text(bound)
        if style == "dot":
            out.append(Entry(_DOT_KEY_W[bound] * fs, _dot_key(bound, ink, fs), text))
        else:
            out.append(Entry(_BAR_KEY_W[bound] * fs, _bar_key(bound, ink, fs), text))
    if any(item.flagged for item in spec.items) or any(e.flagged for e in spec.events):
        out.append(Entry(fs * 1.0, lambda c, x, yc: _flag(c, x, yc, fs), spec.legend_text("flagged")))
    if any(e.corrected for e in spec.events):
        out.append(Entry(fs * 1.1, lambda c, x, yc: corrected_mark(c, x + fs * 0.55, yc, fs),
                         spec.legend_text("corrected")))
    if spec.scale == "log":
        out.append(Entry(0.0, None, spec.legend_text("log")))
    return [e for e in out if e.text]


def _swatch(role: str, fs: float) -> Callable[[Canvas, float, float], None]:
    def draw(c: Canvas, x: float, yc: float) -> None:
        c.rect(x, yc - fs * 0.4, fs * 0.8, fs * 0.8, fill=role, cls=f"legend-swatch swatch-{role}")
    return draw


def _bar_key(bound: str, ink: str, fs: float) -> Callable[[Canvas, float, float], None]:
    def draw(c: Canvas, x: float, yc: float) -> None:
        bar_mark(c, x, x + fs * 1.8, yc, fs * 0.85, bound, 1.0, ink, fs)
    return draw


def _dot_key(bound: str, ink: str, fs: float) -> Callable[[Canvas, float, float], None]:
    def draw(c: Canvas, x: float, yc: float) -> None:
        centre = {"lt": 2.6, "le": 2.6, "approx": 0.8}.get(bound, 0.45)
        dot_mark(c, x + fs * centre, yc, bound, ink, fs)
    return draw


def _flag(c: Canvas, x: float, yc: float, fs: float) -> None:
    flag_mark(c, x, yc, fs)


class Legend:
    """A legend laid out first (its height counts) and painted later."""

    def __init__(self, entries: Sequence[Entry], m: Measure, fs: float, width: float,
                 one_per_line: bool) -> None:
        """Lay out ``entries`` in text of size ``fs`` (the frame's small size)."""
        self.size = fs
        self.line_h = fs * 1.55
        self.fs = fs
        gap = fs * 0.5
        self.placed: list[tuple[float, float, Entry, list[str]]] = []
        x, top, row_h = 0.0, 0.0, 0.0
        for entry in entries:
            lead = entry.key_w + (gap if entry.key_w else 0.0)
            room = max(width - lead, fs * 6)
            lines = wrap(entry.text, room, lambda s: m.width(s, self.size))
            w = lead + max(m.width(line, self.size) for line in lines)
            h = len(lines) * self.line_h
            if self.placed and (one_per_line or x + w > width or len(lines) > 1 or row_h > self.line_h):
                top += row_h
                x, row_h = 0.0, 0.0
            self.placed.append((x, top, entry, lines))
            x += w + fs * 1.4
            row_h = max(row_h, h)
        self.height = top + row_h
        self.gap = gap
        self.widths = m

    def paint(self, c: Canvas, left: float, top: float) -> None:
        for x, row_top, entry, lines in self.placed:
            yc = top + row_top + self.line_h / 2
            tx = left + x
            if entry.draw is not None:
                c.tag = "legend-key"
                entry.draw(c, tx, yc)
                c.tag = ""
                tx += entry.key_w + self.gap
            for i, line in enumerate(lines):
                c.text(tx, yc + i * self.line_h + self.size * 0.36, line, size=self.size,
                       width=self.widths.width(line, self.size), role="muted", cls="legend-text")
