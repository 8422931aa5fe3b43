"""Parts every plotted chart shares: a horizontal value axis with its grid, and its label."""

from __future__ import annotations

from .charts_axis import Axis
from .charts_model import Frame
from .charts_svg import Canvas, Measure, wrap

__all__ = ["axis_label", "axis_label_height", "tick_band", "value_axis"]


def tick_band(f: Frame) -> float:
    """Height under a plot that holds tick marks and their labels."""
    return f.fs * 0.35 + f.small * 1.3


def value_axis(c: Canvas, axis: Axis, top: float, bottom: float, f: Frame, m: Measure) -> float:
    """Draw grid lines, the zero line and labelled ticks under [top, bottom]; return the foot."""
    for v, _ in axis.ticks:
        x = axis.x(v)
        c.line([(x, top), (x, bottom)], stroke="grid", width=max(0.6, f.fs * 0.06), cls="grid")
    if not axis.log and axis.lo <= 0 <= axis.hi:
        x = axis.x(0.0)
        c.line([(x, top), (x, bottom)], stroke="muted", width=max(0.8, f.fs * 0.09),
               cls="axis axis-zero")
    c.line([(axis.x0, bottom), (axis.x1, bottom)], stroke="muted", width=max(0.6, f.fs * 0.06),
           cls="axis axis-line")
    tick = f.fs * 0.35
    for v, text in axis.ticks:
        x = axis.x(v)
        c.line([(x, bottom), (x, bottom + tick)], stroke="muted", width=max(0.6, f.fs * 0.06),
               cls="axis tick")
        c.text(x, bottom + tick + f.small * 1.0, text, size=f.small, width=m.width(text, f.small),
               role="muted", anchor="middle", cls="tick-label")
    return bottom + tick_band(f)


def axis_label_height(text: str, width: float, f: Frame, m: Measure) -> float:
    """Height of the axis label block (0 when there is none)."""
    if not text:
        return 0.0
    return len(wrap(text, width, lambda s: m.width(s, f.small))) * f.small * 1.3 + f.small * 0.3


def axis_label(c: Canvas, text: str, right: float, width: float, top: float, f: Frame,
               m: Measure) -> float:
    """Write the axis label right-aligned under the ticks; return the foot."""
    if not text:
        return top
    y = top + f.small * 0.3
    for line in wrap(text, width, lambda s: m.width(s, f.small)):
        y += f.small * 1.3
        c.text(right, y - f.small * 0.3, line, size=f.small, width=m.width(line, f.small),
               role="muted", anchor="end", cls="axis-label")
    return y
