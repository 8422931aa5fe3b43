"""Draw report charts as deterministic, inlinable SVG: a print figure and two for screens.

One spec gives three drawings. ``print`` is the PDF's figure (``Theme.width`` inches,
text in points); ``wide`` and ``narrow`` are the HTML edition's, drawn in CSS pixels at
the width they are shown at, so their text is ``Theme.screen_font_size`` px on screen
(never below 12 px). The narrow one is laid out for phones: labels above bars, fewer
ticks, a vertical timeline.

Each SVG starts with ``<svg``, has no declaration, comment, script or id, carries
``role="img"`` and an ``aria-label`` (the spec's summary, which states the numbers), a
``viewBox`` and a natural ``width``/``height`` (pt for print, px for screens). Chart parts
carry stable classes (``bar``, ``dot``, ``bound-ge``, ``bound-open``, ``event-corrected``,
``tick-label`` …) and name their ink by role (``fill-text``, ``stroke-grid``,
``fill-series-0``, ``fill-paper`` …) so a stylesheet can restyle them (dark theme). The
same spec and theme always give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict

from .charts_bars import draw_bars
from .charts_dots import draw_dots
from .charts_line import draw_line
from .charts_model import (
    BOUNDS,
    KINDS,
    VARIANTS,
    ChartSpec,
    Event,
    Frame,
    Item,
    Theme,
    frame,
    parse_theme,
)
from .charts_svg import Canvas, Measure
from .charts_timeline import draw_timeline

__all__ = [
    "KINDS",
    "VARIANTS",
    "ChartSpec",
    "Event",
    "Item",
    "Theme",
    "chart_strings",
    "check_spec",
    "parse_theme",
    "render_svg",
    "render_variants",
    "theme_digest",
]

# Bumped whenever the drawing changes, so caches keyed on theme_digest refresh.
_STYLE_VERSION = "charts-2"

_Draw = Callable[[ChartSpec, Theme, Frame, Measure], tuple[Canvas, float]]
_DRAW: dict[str, _Draw] = {
    "bars": draw_bars,
    "grouped-bars": draw_bars,
    "stacked-bars": draw_bars,
    "dots": draw_dots,
    "line": draw_line,
    "timeline": draw_timeline,
}


def render_svg(spec: ChartSpec, theme: Theme, variant: str = "print") -> str:
    """Return one drawing of the chart (``print``, ``wide`` or ``narrow``) as SVG text.

    Raises ValueError for a spec that cannot be drawn honestly.
    """
    check_spec(spec, theme)
    return _draw(spec, theme, frame(theme, variant), Measure(theme))[0]


def render_variants(spec: ChartSpec, theme: Theme) -> dict[str, str]:
    """Return every drawing of the chart, by variant name."""
    check_spec(spec, theme)
    m = Measure(theme)
    return {v: _draw(spec, theme, frame(theme, v), m)[0] for v in VARIANTS}


def chart_strings(spec: ChartSpec, theme: Theme | None = None) -> list[str]:
    """Return every string any drawing of the chart draws, in order, without repeats."""
    theme = theme or Theme()
    check_spec(spec, theme)
    m = Measure(theme)
    out: list[str] = []
    for v in VARIANTS:
        out += _draw(spec, theme, frame(theme, v), m)[1]
    return list(dict.fromkeys(out))


def theme_digest(theme: Theme) -> str:
    """Return a stable hex digest of the theme and of the chart style version."""
    payload = json.dumps({"style": _STYLE_VERSION, "theme": asdict(theme)}, sort_keys=True,
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _draw(spec: ChartSpec, theme: Theme, f: Frame, m: Measure) -> tuple[str, list[str]]:
    canvas, height = _DRAW[spec.kind](spec, theme, f, m)
    label = spec.summary or "; ".join(f"{i.label}: {i.text}" for i in spec.items) or \
        "; ".join(f"{e.when_text}: {e.label}" for e in spec.events)
    return canvas.svg(height, spec.kind, label, m), canvas.strings


def check_spec(spec: ChartSpec, theme: Theme) -> None:
    """Reject what cannot be drawn honestly, naming the chart and the culprit."""
    where = f"chart {spec.id!r}"
    if not spec.id:
        raise ValueError("chart id is empty")
    if spec.kind not in KINDS:
        raise ValueError(f"{where}: unknown chart kind {spec.kind!r}; expected one of {KINDS}")
    if spec.scale not in ("linear", "log"):
        raise ValueError(f"{where}: scale {spec.scale!r} is not 'linear' or 'log'")
    if spec.scale == "log" and spec.kind != "dots":
        raise ValueError(f"{where}: a log scale has no zero, so a {spec.kind} chart's lengths "
                         "would show the baseline, not the values; use dots on a log axis")
    count = len(spec.events) if spec.kind == "timeline" else len(spec.items)
    if count > theme.max_items:
        raise ValueError(f"{where}: {count} items; a chart shows at most {theme.max_items}")
    if spec.kind == "timeline":
        if not spec.events or spec.items:
            raise ValueError(f"{where}: a timeline draws events only, and at least one")
        for e in spec.events:
            if not math.isfinite(e.when):
                raise ValueError(f"{where}: event {e.label!r} has date {e.when}")
        return
    if not spec.items or spec.events:
        raise ValueError(f"{where}: a {spec.kind} chart draws values only, and at least one")
    for item in spec.items:
        _check_item(where, spec, item)


def _check_item(where: str, spec: ChartSpec, item: Item) -> None:
    name = f"{where}: {item.label!r}"
    if item.bound not in BOUNDS:
        raise ValueError(f"{name} has bound {item.bound!r}, not one of {BOUNDS}")
    if not math.isfinite(item.value):
        raise ValueError(f"{name} has value {item.value}")
    if spec.scale == "log" and item.value <= 0:
        raise ValueError(f"{name} has value {item.value:g}, which a log axis cannot show")
    if spec.kind == "stacked-bars":
        if item.value < 0:
            raise ValueError(f"{name} is negative; stacked segments add up from zero")
        if item.bound not in ("eq", "approx"):
            raise ValueError(f"{name} is a bound ({item.bound}); a stack adds its segments, "
                             "and a floor or ceiling cannot be added")
    if spec.kind == "line" and not math.isfinite(item.when):
        raise ValueError(f"{name} has no date on the time axis")
