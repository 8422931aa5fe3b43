"""What a chart shows, in neutral terms, and the one look every chart of a report shares.

Nothing here draws or imports a drawing library: the build fingerprints specs and themes
(they are frozen dataclasses of plain values), and the config reader validates the
``chart_theme`` key with :func:`parse_theme` before anything heavy is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

__all__ = [
    "BOUNDS",
    "KINDS",
    "SCREEN_VARIANTS",
    "THEME_KEYS",
    "VARIANTS",
    "ChartSpec",
    "Event",
    "Frame",
    "Item",
    "Theme",
    "frame",
    "parse_theme",
]

BOUNDS: tuple[str, ...] = ("eq", "approx", "gt", "ge", "lt", "le")
KINDS: tuple[str, ...] = ("bars", "dots", "grouped-bars", "stacked-bars", "line", "timeline")
# print: the PDF's figure, in points; wide and narrow: the HTML edition's, in CSS pixels.
VARIANTS: tuple[str, ...] = ("print", "wide", "narrow")
SCREEN_VARIANTS: tuple[str, ...] = ("wide", "narrow")


@dataclass(frozen=True)
class Item:
    """One value of a chart: a bar, a dot, a segment or a point of a line.

    ``text`` is the value as the edition prints it, qualifier words included ("over 25%");
    ``bound`` says what the value is (eq, approx, or a floor/ceiling: gt ge lt le);
    ``group`` is the item's section (bars, dots) or series (grouped, stacked, line);
    ``when`` places a line point on the time axis (fractional year); ``flagged`` marks a
    figure a correction applies to; ``unit`` keeps values of different units apart (a
    bars chart gives each unit its own panel and axis; other kinds take one unit).
    """

    label: str
    value: float
    bound: str = "eq"
    text: str = ""
    group: str = ""
    when: float = 0.0
    when_text: str = ""
    flagged: bool = False
    unit: str = ""


@dataclass(frozen=True)
class Event:
    """One dated event of a timeline; ``when`` is a fractional year (2013.42 = June 2013)."""

    label: str
    when: float
    when_text: str
    corrected: bool = False
    stated_text: str = ""
    flagged: bool = False


@dataclass(frozen=True)
class ChartSpec:
    """A chart of one edition: every word and number it draws, already in that language.

    ``legend`` pairs a mark (a bound, ``corrected``, ``flagged``, ``log``) with the words
    that explain it; ``ticks`` and ``years`` give the label of every value and year the
    axis may show (the edition's formatter wrote them); ``summary`` is the text
    alternative, which states the numbers.
    """

    id: str
    kind: str
    items: tuple[Item, ...] = ()
    events: tuple[Event, ...] = ()
    axis: str = ""
    scale: str = "linear"
    legend: tuple[tuple[str, str], ...] = ()
    ticks: tuple[tuple[float, str], ...] = ()
    years: tuple[tuple[int, str], ...] = ()
    summary: str = ""

    def legend_text(self, key: str) -> str:
        """Return the legend words of ``key``, or '' when the chart has none."""
        return next((text for k, text in self.legend if k == key), "")


# Okabe-Ito hues (safe for the common colour-vision deficiencies), the lead blue darkened
# so single-series charts read as restrained in print.
_PALETTE = ("#1d5f8c", "#e69f00", "#56b4e9", "#009e73", "#d55e00", "#cc79a7")


@dataclass(frozen=True)
class Theme:
    """The look shared by every chart of a report (config ``chart_theme``, ``fonts``)."""

    font_family: tuple[str, ...] = ("Noto Sans CJK SC",)
    palette: tuple[str, ...] = _PALETTE
    text_color: str = "#1f2328"
    muted_color: str = "#5b6470"
    grid_color: str = "#d9dde3"
    paper_color: str = "#ffffff"
    accent_color: str = "#c2410c"
    font_size: float = 8.5
    width: float = 6.3
    screen_font_size: float = 13.0
    wide_width: float = 680.0
    narrow_width: float = 300.0
    max_items: int = 60


# The user-settable keys of ``chart_theme`` and what each means (docs and errors use it).
THEME_KEYS: dict[str, str] = {
    "palette": "series colours, #rrggbb, the first for single-series charts",
    "text_color": "labels and values, #rrggbb",
    "muted_color": "ticks, axis labels, legends and dates, #rrggbb",
    "grid_color": "grid lines and timeline rows, #rrggbb",
    "paper_color": "the page behind the chart (hollow marks are filled with it), #rrggbb",
    "accent_color": "marks of corrected and disputed figures, #rrggbb",
    "font_size": "print text size in points (the PDF figure)",
    "width": "print figure width in inches",
    "screen_font_size": "HTML chart text size in CSS pixels, at the drawn width",
    "wide_width": "width in CSS pixels the wide HTML chart is drawn at (wide screens)",
    "narrow_width": "width in CSS pixels the narrow HTML chart is drawn at (phones)",
    "max_items": "most bars, dots, points or events one chart may draw",
}

_COLOR = re.compile(r"#[0-9a-fA-F]{6}\Z")
_LIMITS = {
    "font_size": (4.0, 24.0),
    "width": (2.0, 20.0),
    "screen_font_size": (12.0, 32.0),
    "wide_width": (360.0, 2000.0),
    "narrow_width": (240.0, 600.0),
    "max_items": (1.0, 1000.0),
}


def parse_theme(raw: Mapping[str, Any], fonts: Sequence[str] = ()) -> Theme:
    """Return the theme a ``chart_theme`` mapping describes; ValueError names the bad key."""
    if not isinstance(raw, Mapping):
        raise ValueError("expected a mapping of chart theme keys")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in THEME_KEYS:
            raise ValueError(f"unknown chart theme key {key!r}; known: {', '.join(THEME_KEYS)}")
        if key == "palette":
            colours = value if isinstance(value, list) else [value]
            if not colours or not all(isinstance(c, str) and _COLOR.match(c) for c in colours):
                raise ValueError("palette: expected a list of colours #rrggbb")
            values[key] = tuple(c.lower() for c in colours)
        elif key.endswith("_color"):
            if not (isinstance(value, str) and _COLOR.match(value)):
                raise ValueError(f"{key}: expected a colour #rrggbb, got {value!r}")
            values[key] = value.lower()
        else:
            lo, hi = _LIMITS[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
                raise ValueError(f"{key}: expected a number from {lo:g} to {hi:g}, got {value!r}")
            values[key] = int(value) if key == "max_items" else float(value)
    if fonts:
        values["font_family"] = tuple(fonts)
    known = {f.name for f in fields(Theme)}
    return Theme(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class Frame:
    """The drawing surface of one variant: its width, text sizes and unit.

    ``small`` is the size of ticks, axis labels and legends; on screens it is at least
    12.5 CSS px at the drawn width, so a box up to 4% narrower still shows 12 px text.
    """

    variant: str
    width: float
    fs: float
    small: float
    unit: str
    narrow: bool


def frame(theme: Theme, variant: str) -> Frame:
    """Return the surface ``variant`` (print, wide or narrow) is drawn on."""
    if variant == "print":
        return Frame(variant, theme.width * 72.0, theme.font_size, theme.font_size * 0.88,
                     "pt", False)
    fs = theme.screen_font_size
    small = max(12.5, fs * 0.92)
    if variant == "wide":
        return Frame(variant, theme.wide_width, fs, small, "px", False)
    if variant == "narrow":
        return Frame(variant, theme.narrow_width, fs, small, "px", True)
    raise ValueError(f"unknown chart variant {variant!r}; expected one of {VARIANTS}")
