"""Draw report charts as deterministic, inlinable SVG."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

__all__ = [
    "Bar",
    "ChartSpec",
    "Milestone",
    "Qualifier",
    "Theme",
    "chart_strings",
    "render_svg",
    "theme_digest",
]

Qualifier = Literal["eq", "approx", "gt", "ge", "lt", "le"]

_QUALIFIERS: tuple[str, ...] = ("eq", "approx", "gt", "ge", "lt", "le")
_LANGS: tuple[str, ...] = ("zh", "en")

# Bumped whenever the drawing changes, so caches keyed on theme_digest refresh.
_STYLE_VERSION = "charts-1"


@dataclass(frozen=True)
class Bar:
    """One category bar; `value` is in axis units, `text` is the printed value."""

    label: str
    value: float
    qualifier: Qualifier
    text: str
    group: str = ""


@dataclass(frozen=True)
class Milestone:
    """One dated event on a timeline; `year` is fractional (2013.5 = June 2013)."""

    label: str
    year: float
    date_text: str
    corrected: bool = False
    stated_text: str = ""


@dataclass(frozen=True)
class ChartSpec:
    """A chart in neutral terms: what to draw, never how it looks."""

    id: str
    chart: Literal["bars", "timeline"]
    lang: str
    axis: str = ""
    scale: Literal["linear", "log"] = "linear"
    bars: tuple[Bar, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    # Left out of the hash so specs stay hashable; equality still compares it.
    legend: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Theme:
    """The one look shared by every chart of a report."""

    font_family: tuple[str, ...] = ("Noto Sans CJK SC",)
    font_size: float = 8.5
    width: float = 6.3
    # Okabe-Ito hues (safe for the common colour-vision deficiencies), with the
    # lead blue darkened so single-series charts read as restrained in print.
    palette: tuple[str, ...] = (
        "#1d5f8c",
        "#e69f00",
        "#56b4e9",
        "#009e73",
        "#d55e00",
        "#cc79a7",
    )
    text_color: str = "#1f2328"
    muted_color: str = "#5b6470"
    grid_color: str = "#d9dde3"


def render_svg(spec: ChartSpec, theme: Theme) -> str:
    """Return the chart as an SVG document ready to inline in HTML or PDF.

    The root ``<svg>`` carries ``role="img"``, a ``viewBox`` in points and a
    natural ``width``/``height`` in ``pt`` (the figure is ``theme.width``
    inches wide).  Both are kept on purpose: WeasyPrint lays out an inline
    ``<svg>`` or an ``<img src="data:image/svg+xml;base64,...">`` at exactly
    that size, and in HTML the CSS ``svg, img { max-width: 100%; height: auto }``
    scales it to its container through the ``viewBox``.  A caller that wants
    a fluid chart may drop ``width``/``height``; the ``viewBox`` keeps the
    aspect ratio.

    There is no XML declaration, doctype, comment or metadata, so the text
    can be inlined as is.  Every ``id`` (and every reference to one) is
    prefixed with a slug of ``spec.id``, so several charts on one page never
    collide.  Chart parts carry stable classes (``bar-bound-lower``,
    ``bar-bound-upper``, ``bar-approx``, ``milestone-corrected`` ...) for
    tests and CSS.  Text stays text, in ``theme.font_family``.  The same
    spec and theme always give the same bytes.

    Raises ValueError for an empty or malformed spec.
    """
    _check(spec, theme)
    from reportgen.charts_draw import svg_bytes

    raw = svg_bytes(spec, theme)
    return _finish_svg(raw.decode("utf-8"), spec)


def chart_strings(spec: ChartSpec) -> list[str]:
    """Return every string the chart draws, in drawing order, without repeats.

    Tick labels depend on the layout, so the chart is laid out (not saved)
    with the default theme; a theme only changes sizes, never strings.
    """
    theme = Theme()
    _check(spec, theme)
    from reportgen.charts_draw import drawn_strings

    return drawn_strings(spec, theme)


def theme_digest(theme: Theme) -> str:
    """Return a stable hex digest of the theme and of the chart style version."""
    payload = json.dumps(
        {"style": _STYLE_VERSION, "theme": asdict(theme)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _check(spec: ChartSpec, theme: Theme) -> None:
    """Reject what cannot be drawn honestly, naming the chart and the culprit."""
    where = f"chart {spec.id!r}"
    if not spec.id:
        raise ValueError("chart id is empty")
    if spec.lang not in _LANGS:
        raise ValueError(f"{where}: lang {spec.lang!r} is not one of {_LANGS}")
    if spec.scale not in ("linear", "log"):
        raise ValueError(f"{where}: scale {spec.scale!r} is not 'linear' or 'log'")
    if spec.chart == "bars":
        if not spec.bars:
            raise ValueError(f"{where}: a bars chart needs at least one bar")
        if spec.milestones:
            raise ValueError(f"{where}: a bars chart takes no milestones")
        for bar in spec.bars:
            if bar.qualifier not in _QUALIFIERS:
                raise ValueError(
                    f"{where}: bar {bar.label!r} has qualifier {bar.qualifier!r},"
                    f" not one of {_QUALIFIERS}"
                )
            if not math.isfinite(bar.value):
                raise ValueError(f"{where}: bar {bar.label!r} has value {bar.value}")
            if spec.scale == "log" and bar.value <= 0:
                raise ValueError(
                    f"{where}: bar {bar.label!r} has value {bar.value},"
                    " which a log axis cannot show"
                )
    elif spec.chart == "timeline":
        if not spec.milestones:
            raise ValueError(f"{where}: a timeline needs at least one milestone")
        if spec.bars:
            raise ValueError(f"{where}: a timeline takes no bars")
        for ms in spec.milestones:
            if not math.isfinite(ms.year):
                raise ValueError(f"{where}: milestone {ms.label!r} has year {ms.year}")
    else:
        raise ValueError(f"{where}: unknown chart kind {spec.chart!r}")
    if not theme.font_family or not theme.palette:
        raise ValueError("theme needs at least one font family and one colour")
    if not (theme.font_size > 0 and theme.width > 0):
        raise ValueError("theme font_size and width must be positive")


def _slug(chart_id: str) -> str:
    """Turn a chart id into an id-safe prefix, distinct for distinct ids."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", chart_id).strip("-")
    if slug != chart_id or not slug[:1].isalpha():
        # Lossy or digit-led slugs get a hash so two ids never share a prefix.
        digest = hashlib.sha256(chart_id.encode("utf-8")).hexdigest()[:8]
        slug = f"c{slug}-{digest}" if slug else f"c-{digest}"
    return slug


_ID_RE = re.compile(r'\bid="([^"]*)"')
_REF_RE = re.compile(r'(href="#|url\(#)([^")]*)')
_GID_RE = re.compile(r"^([a-z0-9.-]+)__(\d+)$")


def _finish_svg(text: str, spec: ChartSpec) -> str:
    """Strip what blocks inlining, prefix ids, turn part gids into classes."""
    start = text.index("<svg")
    text = text[start:]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    prefix = _slug(spec.id) + "-"
    renamed: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        old = match.group(1)
        part = _GID_RE.match(old)
        if part:
            classes = part.group(1).split(".")
            new = prefix + "-".join(classes[-1:]) + "-" + part.group(2)
            renamed[old] = new
            return f'id="{new}" class="{" ".join(classes)}"'
        new = prefix + re.sub(r"[^A-Za-z0-9_-]", "-", old)
        renamed[old] = new
        return f'id="{new}"'

    # Only markup is rewritten: a label may itself read 'id="x"', and text
    # content escapes "<" and ">", so splitting on tags is exact.
    pieces = re.split(r"(<[^>]*>)", text)
    tags = range(1, len(pieces), 2)
    for i in tags:
        pieces[i] = _ID_RE.sub(rename, pieces[i])
    for i in tags:
        pieces[i] = _REF_RE.sub(
            lambda m: m.group(1) + renamed.get(m.group(2), m.group(2)), pieces[i]
        )
    text = "".join(pieces)
    kind = f"chart chart-{spec.chart}"
    text = text.replace("<svg ", f'<svg role="img" class="{kind}" ', 1)
    return text.rstrip() + "\n"
