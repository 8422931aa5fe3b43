"""Value and time axes: honest domains, round ticks, and the labels the edition gave them.

A linear axis always includes zero (bar length and dot position then encode the value);
a log axis spans whole decades and is for dots only. The candidate ticks of an axis
depend on the data alone, so the edition's number formatter can label them before the
chart is laid out (:func:`tick_candidates`); the layout then picks the densest set whose
labels fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = [
    "Axis",
    "choose_axis",
    "tick_candidates",
    "value_range",
    "year_candidates",
    "year_ticks",
]

_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_TICK_GAP = 8.0  # drawing units between neighbouring tick labels


def _clean(v: float) -> float:
    return float(f"{v:.12g}") + 0.0


def value_range(values: Sequence[float], log: bool) -> tuple[float, float]:
    """Return the data range an axis must cover: zero included, or whole decades on log."""
    if log:
        lo = 10.0 ** math.floor(math.log10(min(values)) + 1e-9)
        hi = 10.0 ** math.ceil(math.log10(max(values)) - 1e-9)
        if hi <= lo:
            hi = lo * 10.0
        return lo, hi
    lo, hi = min(0.0, *values), max(0.0, *values)
    if lo == hi:
        hi = 1.0
    return lo, hi


def _linear(lo: float, hi: float, n: int) -> list[float]:
    raw = (hi - lo) / max(n, 1)
    k = math.floor(math.log10(raw))
    step = next(s * 10.0**k for s in _STEPS if s * 10.0**k >= raw * (1 - 1e-9))
    start, stop = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [_clean(i * step) for i in range(start, stop + 1)]


def _log(lo: float, hi: float, n: int) -> list[float]:
    k0, k1 = round(math.log10(lo)), round(math.log10(hi))
    decades = k1 - k0
    if decades <= 2 and n >= 5:
        return [_clean(m * 10.0**k) for k in range(k0, k1 + 1) for m in (1.0, 2.0, 5.0)
                if m * 10.0**k <= hi * (1 + 1e-9)]
    step = max(1, math.ceil(decades / max(n, 1)))
    # Count back from the top decade: the axis ends at the data's, never a decade beyond.
    return [_clean(10.0**k) for k in range(k1, k0 - 1, -step)][::-1]


def _ticks(lo: float, hi: float, log: bool, n: int) -> list[float]:
    return _log(lo, hi, n) if log else _linear(lo, hi, n)


def tick_candidates(values: Sequence[float], log: bool) -> list[float]:
    """Every tick any layout of these values may draw, for the formatter to label."""
    lo, hi = value_range(values, log)
    seen: dict[float, None] = {}
    for n in range(1, 9):
        for v in _ticks(lo, hi, log, n):
            seen[v] = None
    return sorted(seen)


@dataclass(frozen=True)
class Axis:
    """A laid-out value axis: its domain, ticks with labels, and the map to drawing units."""

    lo: float
    hi: float
    log: bool
    ticks: tuple[tuple[float, str], ...]
    x0: float
    x1: float

    def x(self, v: float) -> float:
        if self.log:
            a, b = math.log10(self.lo), math.log10(self.hi)
            return self.x0 + (math.log10(v) - a) / (b - a) * (self.x1 - self.x0)
        return self.x0 + (v - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)


def choose_axis(values: Sequence[float], log: bool, labels: Sequence[tuple[float, str]],
                span: Callable[[float, float, float, float], tuple[float, float]],
                width: Callable[[str], float], most: int) -> Axis:
    """Pick the densest ticks (at most ``most``) whose labels do not touch.

    ``span(lo, hi, first, last)`` returns where the domain [lo, hi] runs in drawing units,
    given the widths of the first and last tick labels (the caller fits its labels and
    marks); ``labels`` come from the edition's formatter.
    """
    names = {_clean(v): text for v, text in labels}
    lo, hi = value_range(values, log)
    best: Axis | None = None
    for n in range(min(most, 8), 0, -1):
        ticks = _ticks(lo, hi, log, n)
        dlo, dhi = (ticks[0], ticks[-1]) if not log else (min(ticks[0], lo), max(ticks[-1], hi))
        named = tuple((v, names.get(v, _fallback(v))) for v in ticks)
        x0, x1 = span(dlo, dhi, width(named[0][1]), width(named[-1][1]))
        axis = Axis(dlo, dhi, log, named, x0, x1)
        best = axis
        if len(ticks) <= most and _fits(axis, width):
            return axis
    assert best is not None
    return best


def _fits(axis: Axis, width: Callable[[str], float]) -> bool:
    spans = []
    for v, text in axis.ticks:
        w = width(text)
        spans.append((axis.x(v) - w / 2, axis.x(v) + w / 2))
    spans.sort()
    return all(b[0] - a[1] >= _TICK_GAP for a, b in pairwise(spans))


def _fallback(v: float) -> str:
    # Only reached when a caller gave no label for a tick: plain digits, never an exponent.
    return f"{v:f}".rstrip("0").rstrip(".") or "0"


def year_candidates(whens: Sequence[float]) -> list[int]:
    """Every year a time axis over these dates may label."""
    y0, y1 = math.floor(min(whens)), math.floor(max(whens)) + 1
    return list(range(y0, y1 + 1))


def year_ticks(whens: Sequence[float], room: float, label_w: float) -> tuple[int, int, int]:
    """Return (first, last, step): the axis spans whole years; every label fits."""
    y0, y1 = math.floor(min(whens)), math.floor(max(whens)) + 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        first = math.floor(y0 / step) * step
        last = math.ceil(y1 / step) * step
        if ((last - first) / step + 1) * label_w * 1.6 <= room:
            return first, last, step
    return math.floor(y0 / 1000) * 1000, math.ceil(y1 / 1000) * 1000, 1000
