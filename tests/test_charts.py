"""Charts: honest marks and scales, inlinable SVG for print and screens, the same bytes every run."""

# Chinese test data uses full-width punctuation, as the report does.

from __future__ import annotations

import ast
import hashlib
import itertools
import math
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from reportgen.charts import (
    KINDS,
    ChartSpec,
    Event,
    Item,
    Theme,
    chart_strings,
    render_svg,
    render_variants,
    theme_digest,
)
from reportgen.charts_model import frame, parse_theme
from reportgen.charts_svg import Measure, wrap

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
THEME = Theme()
M = Measure(THEME)

LEGEND = (
    ("eq", "exact figure"), ("approx", "approximate figure"),
    ("gt", "more than the figure shown"), ("ge", "at least the figure shown"),
    ("lt", "less than the figure shown"), ("le", "at most the figure shown"),
    ("flagged", "a correction applies"), ("corrected", "date corrected"),
    ("log", "log scale: each gridline is ten times the one before"),
)


def _words(v: float) -> str:
    for threshold, word in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if v >= threshold:
            return f"{v / threshold:g}{word}"
    return f"{v:g}"


# Tick labels as an edition's formatter gives them (here: words for large numbers).
TICKS = tuple((float(v), _words(v)) for v in
              sorted({m * 10.0**k for k in range(-1, 15) for m in (1, 2, 2.5, 5)}))

BARS = ChartSpec("fig-gains", "bars", items=(
    Item("Ant: risk-control cost cut", 60, "ge", "at least 60%", unit="percent"),
    Item("AntChain: dispute handling", 60, "eq", "60%", unit="percent", flagged=True),
    Item("Du Xiaoman: loan approval", 30, "approx", "about 30%", unit="percent"),
    Item("Mashang, Lexin: consumer-loan growth", 25, "gt", "over 25%", unit="percent"),
    Item("Some platforms' consumer loans", 2, "le", "at most 2%", unit="percent"),
    Item("City banks' consumer loans", 5, "lt", "under 5%", unit="percent"),
), axis="gain or reduction (%)", legend=LEGEND, ticks=TICKS,
    summary="Bar chart of gains: Ant: at least 60%; AntChain: 60%")

ZH_BARS = ChartSpec("fig-zh", "bars", items=(
    Item("蚂蚁：风控成本降幅", 60, "ge", "60%以上", "效率"),
    Item('坏账率 <上限> & "引号"', 1.2, "le", "1.2%以下", "效率"),
    Item("微粒贷笔均贷款", 8000, "approx", "约8000元", "金额", unit="cny"),
), axis="比率（%）", legend=(("ge", "不低于所示数值"), ("le", "不高于所示数值"),
                          ("approx", "约数")), ticks=TICKS, summary="柱状图")

DOTS = ChartSpec("fig-scale", "dots", scale="log", items=(
    Item("Ant Group", 1e9, "gt", "over 1 billion users", "users", unit="users"),
    Item("Lufax", 4.8e7, "gt", "over 48 million users", "users", unit="users"),
    Item("Weilidai", 5e7, "ge", "at least 50 million borrowers", "borrowers", unit="borrowers"),
    Item("Weiyedai", 2e6, "eq", "2 million firms", "firms", unit="firms"),
), axis="count (log scale)", legend=LEGEND, ticks=TICKS, summary="Dots")

GROUPED = ChartSpec("fig-grouped", "grouped-bars", items=(
    Item("2023", 10, "eq", "10%", "Ant"), Item("2023", 12, "approx", "about 12%", "Tencent"),
    Item("2024", 14, "ge", "at least 14%", "Ant"), Item("2024", 9, "eq", "9%", "Tencent"),
), axis="share (%)", legend=LEGEND, ticks=TICKS)

STACKED = ChartSpec("fig-stacked", "stacked-bars", items=(
    Item("Ant", 10, "eq", "RMB 10 bn", "loans"), Item("Ant", 12, "approx", "about RMB 12 bn", "funds"),
    Item("Tencent", 14, "eq", "RMB 14 bn", "loans"), Item("Tencent", 9, "eq", "RMB 9 bn", "funds"),
), axis="RMB bn", legend=LEGEND, ticks=TICKS)

LINE = ChartSpec("fig-line", "line", items=tuple(
    Item(str(y), v, b, f"{v:g}%", g, when=float(y), when_text=str(y))
    for g, data in (("Ant", ((2019, 10, "eq"), (2020, 14, "eq"), (2021, 18, "ge"))),
                    ("Tencent", ((2019, 5, "eq"), (2020, 7, "approx"), (2021, 9, "lt"))))
    for y, v, b in data), axis="growth (%)", legend=LEGEND, ticks=TICKS,
    years=tuple((y, str(y)) for y in range(2018, 2024)))

TIMELINE = ChartSpec("fig-timeline", "timeline", events=(
    Event("Alipay founded (Ant Group's predecessor)", 2004, "2004"),
    Event("Lufax founded, incubated by Ping An", 2011, "2011"),
    Event("Yu'e Bao launched", 2013.42, "June 2013", True, "source says 2025"),
    Event("Ant Group formed (as Ant Financial)", 2014.75, "October 2014", True, "source says 2025"),
    Event("WeBank established", 2014.92, "December 2014", True, "source says 2025"),
    Event('Lufax spins off P2P and turns to "technology plus finance"', 2020, "2020", True,
          "source says 2025"),
    Event('From the second half of 2024, financial policy turns to "stabilising growth"', 2024,
          "2024"),
    Event("First quarter: retail sales up 8.5% year on year", 2025, "2025", flagged=True),
    Event("Industry concentration rises further", 2025, "2025"),
), legend=LEGEND, years=tuple((y, str(y)) for y in range(2000, 2031)))

SPECS = (BARS, ZH_BARS, DOTS, GROUPED, STACKED, LINE, TIMELINE)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def classes(el: ET.Element) -> set[str]:
    return set(el.get("class", "").split())


def marks(root: ET.Element, *wanted: str) -> list[ET.Element]:
    """Elements carrying all ``wanted`` classes, legend keys left out."""
    return [e for e in root.iter() if set(wanted) <= classes(e) and "legend-key" not in classes(e)]


@pytest.fixture(scope="module")
def drawn() -> dict[str, dict[str, str]]:
    return {s.id: render_variants(s, THEME) for s in SPECS}


def _boxes(svg: str) -> list[tuple[str, float, float, float, float, float]]:
    """(text, left, top, right, bottom, size) of every text, measured as the layout measures."""
    out = []
    for t in parse(svg).iter(f"{SVG}text"):
        size = float(t.get("font-size") or 0)
        s = t.text or ""
        w = M.width(s, size, "bold" if t.get("font-weight") == "bold" else "normal")
        x, y = float(t.get("x") or 0), float(t.get("y") or 0)
        left = x - {"end": w, "middle": w / 2}.get(t.get("text-anchor") or "start", 0.0)
        out.append((s, left, y - size * 0.8, left + w, y + size * 0.2, size))
    return out


def _bbox(el: ET.Element) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a drawn path, from its coordinates."""
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", el.get("d") or "")]
    xs, ys = nums[0::2], nums[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _centre(el: ET.Element) -> tuple[float, float]:
    left, top, right, bottom = _bbox(el)
    return (left + right) / 2, (top + bottom) / 2


def _viewbox(svg: str) -> tuple[float, float]:
    _, _, w, h = (float(v) for v in (parse(svg).get("viewBox") or "").split())
    return w, h


# --- the SVG documents -----------------------------------------------------------------


@pytest.mark.parametrize("variant", ["print", "wide", "narrow"])
def test_svg_is_inlinable_named_and_sized(drawn: dict[str, dict[str, str]], variant: str) -> None:
    for spec in SPECS:
        svg = drawn[spec.id][variant]
        assert svg.startswith("<svg ") and svg.endswith("</svg>\n")
        for bad in ("<?xml", "<!DOCTYPE", "<!--", "<script", " id=", "<style", "href"):
            assert bad not in svg
        root = parse(svg)
        assert root.get("role") == "img"
        assert classes(root) == {"chart", f"chart-{spec.kind}", f"chart-{variant}"}
        assert root.get("aria-label") == (spec.summary or root.get("aria-label"))
        assert root.get("aria-label")
        f = frame(THEME, variant)
        w, h = _viewbox(svg)
        assert w == pytest.approx(f.width) and h > 0
        assert root.get("width") == f"{f.width:g}{f.unit}"
        assert (root.get("height") or "").endswith(f.unit)


def test_summary_is_the_accessible_name_with_numbers(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-gains"]["wide"])
    assert root.get("aria-label") == "Bar chart of gains: Ant: at least 60%; AntChain: 60%"
    # Without a summary the chart still names its numbers.
    bare = parse(render_svg(replace(GROUPED, summary=""), THEME, "narrow"))
    assert "2024: at least 14%" in (bare.get("aria-label") or "")


def test_markup_in_labels_is_escaped_text(drawn: dict[str, dict[str, str]]) -> None:
    assert '坏账率 <上限> & "引号"' in texts(parse(drawn["fig-zh"]["print"]))
    label = 'id="x" href="#y" $x^2$'
    root = parse(render_svg(ChartSpec("t", "bars", items=(Item(label, 1, "eq", "1"),)), THEME))
    assert label in texts(root) and len(root) > 0


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
@pytest.mark.parametrize("variant", ["print", "wide", "narrow"])
def test_text_stays_inside_and_never_overlaps(drawn: dict[str, dict[str, str]], spec: ChartSpec,
                                             variant: str) -> None:
    svg = drawn[spec.id][variant]
    width, height = _viewbox(svg)
    boxes = _boxes(svg)
    assert boxes
    for s, left, top, right, bottom, _ in boxes:
        assert left >= -0.5 and right <= width + 0.5, f"{s!r} leaves the chart sideways"
        assert top >= -0.5 and bottom <= height + 0.5, f"{s!r} leaves the chart vertically"
    for a, b in itertools.combinations(boxes, 2):
        overlap_x = min(a[3], b[3]) - max(a[1], b[1])
        overlap_y = min(a[4], b[4]) - max(a[2], b[2])
        assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{a[0]!r} overlaps {b[0]!r}"


@pytest.mark.parametrize("variant", ["wide", "narrow"])
def test_screen_text_is_at_least_12_px_at_the_drawn_width(drawn: dict[str, dict[str, str]],
                                                          variant: str) -> None:
    for spec in SPECS:
        svg = drawn[spec.id][variant]
        sizes = [size for *_, size in _boxes(svg)]
        # 12.5 px leaves room for a box up to 4% narrower than the drawing.
        assert min(sizes) >= 12.5, spec.id
        assert parse(svg).get("width") == f"{frame(THEME, variant).width:g}px"


def test_print_keeps_the_pdf_figure_size(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-gains"]["print"])
    assert root.get("width") == "453.6pt"
    sizes = {size for *_, size in _boxes(drawn["fig-gains"]["print"])}
    assert min(sizes) >= THEME.font_size * 0.88 - 0.01 and max(sizes) <= THEME.font_size * 1.2


def test_narrow_bars_put_labels_above_their_bars(drawn: dict[str, dict[str, str]]) -> None:
    def label_and_bar(svg: str) -> tuple[float, float, float]:
        root = parse(svg)
        label = next(t for t in root.iter(f"{SVG}text") if t.text == "Ant: risk-control cost cut")
        bar = marks(root, "bar", "bound-ge")[0]
        return float(label.get("x") or 0), float(label.get("y") or 0), _bbox(bar)[1]

    x, y, bar_top = label_and_bar(drawn["fig-gains"]["narrow"])
    assert x < 5 and y < bar_top  # left-aligned, on its own line, the bar beneath
    x, y, bar_top = label_and_bar(drawn["fig-gains"]["wide"])
    assert x > 100 and y > bar_top  # right-aligned beside the bar


def test_narrow_layout_draws_fewer_ticks(drawn: dict[str, dict[str, str]]) -> None:
    def ticks(svg: str) -> int:
        return len(marks(parse(svg), "tick-label"))

    assert ticks(drawn["fig-gains"]["narrow"]) < ticks(drawn["fig-gains"]["wide"]) <= 9
    assert ticks(drawn["fig-gains"]["narrow"]) <= 5


# --- honest marks ------------------------------------------------------------------------


def test_bounds_have_visibly_different_marks(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-gains"]["print"])
    # Floors run on past their end with an arrow; ceilings are pale.
    assert marks(root, "bar", "bar-floor", "bound-ge") and marks(root, "bar", "bar-floor", "bound-gt")
    assert marks(root, "bar", "bar-ceiling", "bound-le") and marks(root, "bar", "bar-ceiling", "bound-lt")
    assert all(float(e.get("opacity") or 1) < 0.5 for e in marks(root, "bar", "bar-ceiling"))
    # Included bounds (at least, at most) are filled circles; excluded ones (more, less
    # than) are open: drawn in the paper colour with an ink ring.
    for bound, kind in (("ge", "bound-closed"), ("le", "bound-closed"), ("gt", "bound-open"),
                        ("lt", "bound-open")):
        (point,) = marks(root, "bound-point", f"bound-{bound}")
        assert kind in classes(point)
        if kind == "bound-open":
            assert "fill-paper" in classes(point) and "stroke-text" in classes(point)
        else:
            assert "fill-text" in classes(point)
    assert marks(root, "approx-mark", "bound-approx")
    # Floors point on past their end; a ceiling's bar points back (when it is long enough).
    assert marks(root, "bound-arrow", "bound-ge") and marks(root, "bound-arrow", "bound-gt")
    long_ceiling = ChartSpec("c", "bars", items=(Item("a", 50, "le", "at most 50"),
                                                 Item("b", 60, "eq", "60")), ticks=TICKS, legend=LEGEND)
    assert marks(parse(render_svg(long_ceiling, THEME)), "bound-arrow", "bound-le")
    assert marks(root, "flag-mark")
    # Exact values draw a plain bar, nothing more.
    (exact,) = marks(root, "bar", "bound-eq")
    assert "bar-floor" not in classes(exact) and "bar-ceiling" not in classes(exact)


def test_dots_have_the_same_bound_marks(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-scale"]["wide"])
    assert {"bound-open"} <= classes(marks(root, "dot", "bound-gt")[0])
    assert {"bound-closed"} <= classes(marks(root, "dot", "bound-ge")[0])
    assert marks(root, "dot", "bound-eq") and len(marks(root, "bound-arrow")) == 3


def test_legend_explains_every_mark_drawn_and_nothing_else(drawn: dict[str, dict[str, str]]) -> None:
    words = dict(LEGEND)
    shown = set(texts(parse(drawn["fig-gains"]["wide"])))
    for key in ("eq", "approx", "gt", "ge", "lt", "le", "flagged"):
        assert words[key] in shown
    assert words["corrected"] not in shown and words["log"] not in shown
    # Legend keys draw the marks they explain, and are told apart from the data.
    root = parse(drawn["fig-gains"]["wide"])
    keys = [e for e in root.iter() if "legend-key" in classes(e)]
    assert {"bound-open", "bound-closed", "approx-mark", "flag-mark"} <= set().union(*map(classes, keys))
    # A chart of exact values only needs no legend.
    plain = render_svg(ChartSpec("p", "bars", items=(Item("a", 1, "eq", "1"), Item("b", 2, "eq", "2")),
                                 legend=LEGEND, ticks=TICKS), THEME)
    assert not marks(parse(plain), "legend-text")


def test_log_scale_is_for_dots_only_and_says_so(drawn: dict[str, dict[str, str]]) -> None:
    for kind in ("bars", "grouped-bars", "stacked-bars", "line"):
        with pytest.raises(ValueError, match="log scale has no zero"):
            render_svg(replace(DOTS, kind=kind), THEME)
    root = parse(drawn["fig-scale"]["print"])
    shown = texts(root)
    assert dict(LEGEND)["log"] in shown
    assert {"1 million", "10 million", "100 million", "1 billion"} <= set(shown)
    assert not any("e+" in s or "e-0" in s for s in shown)


def test_dots_share_one_axis(drawn: dict[str, dict[str, str]]) -> None:
    """50 million sits well left of 1 billion: one axis for every section, no per-panel scale."""
    root = parse(drawn["fig-scale"]["print"])
    assert len(marks(root, "axis-line")) == 1
    ticks = {t.text: float(t.get("x") or 0) for t in root.iter(f"{SVG}text")
             if "tick-label" in classes(t)}
    decade = ticks["10 million"] - ticks["1 million"]
    assert ticks["1 billion"] - ticks["100 million"] == pytest.approx(decade, abs=0.05)
    dots = [(classes(c), _centre(c)[0]) for c in marks(root, "dot")]
    ant = max(x for cls, x in dots if "bound-gt" in cls)
    (weilidai,) = [x for cls, x in dots if "bound-ge" in cls]
    assert ant == pytest.approx(ticks["1 billion"], abs=0.05)
    assert ant - weilidai == pytest.approx(decade * math.log10(1e9 / 5e7), abs=0.1)


def test_bars_of_one_unit_share_one_axis_and_units_get_panels(drawn: dict[str, dict[str, str]]) -> None:
    assert len(marks(parse(drawn["fig-gains"]["print"]), "axis-line")) == 1
    two = parse(drawn["fig-zh"]["print"])
    assert len(marks(two, "axis-line")) == 2
    assert {"效率", "金额"} <= set(texts(two))


def test_axis_range_fits_the_data(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-gains"]["wide"])
    ticks = [float(t.text or "nan") for t in root.iter(f"{SVG}text") if "tick-label" in classes(t)]
    assert ticks[0] == 0 and ticks[-1] == 60  # not stretched to make room for labels


def test_tick_labels_come_from_the_spec() -> None:
    ticks = tuple((float(v), f"〈{v}〉") for v in range(0, 101, 5))
    root = parse(render_svg(replace(BARS, ticks=ticks), THEME, "wide"))
    labels = [t.text for t in root.iter(f"{SVG}text") if "tick-label" in classes(t)]
    assert labels and all((s or "").startswith("〈") for s in labels)


def test_one_axis_value_scale_bounds() -> None:
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="value"):
            render_svg(ChartSpec("e", "bars", items=(Item("a", bad, "eq", "?"),)), THEME)
    with pytest.raises(ValueError, match="log axis cannot show"):
        render_svg(ChartSpec("e", "dots", scale="log", items=(Item("a", 0, "eq", "0"),)), THEME)
    with pytest.raises(ValueError, match="bound"):
        render_svg(ChartSpec("e", "bars", items=(Item("a", 1, "about", "1"),)), THEME)
    with pytest.raises(ValueError, match="floor or ceiling cannot be added"):
        render_svg(replace(STACKED, items=(Item("a", 1, "gt", "over 1", "x"),)), THEME)
    with pytest.raises(ValueError, match="negative"):
        render_svg(replace(STACKED, items=(Item("a", -1, "eq", "-1", "x"),)), THEME)
    with pytest.raises(ValueError, match="unknown chart kind"):
        render_svg(replace(BARS, kind="pie"), THEME)
    with pytest.raises(ValueError, match="events only"):
        render_svg(replace(TIMELINE, items=BARS.items), THEME)


def test_too_many_items_fail_fast() -> None:
    items = tuple(Item(f"b{i}", float(i), "eq", str(i)) for i in range(20_000))
    started = time.perf_counter()
    with pytest.raises(ValueError, match="20000 items; a chart shows at most 60"):
        render_svg(ChartSpec("big", "bars", items=items), THEME)
    assert time.perf_counter() - started < 1.0
    assert render_svg(ChartSpec("ok", "bars", items=items[:60]), THEME)


def test_negative_bars_grow_left_of_zero() -> None:
    spec = ChartSpec("neg", "bars", items=(Item("fall", -5, "lt", "a fall of over 5%"),
                                           Item("rise", 3, "eq", "3%")), ticks=TICKS,
                     legend=LEGEND)
    root = parse(render_svg(spec, THEME, "wide"))
    (zero,) = marks(root, "axis-zero")
    x0 = _bbox(zero)[0]
    (fall,) = marks(root, "bar", "bound-lt")
    assert "bar-floor" in classes(fall)  # less than -5 runs on, away from zero
    assert _bbox(fall)[2] == pytest.approx(x0, abs=0.05)


# --- other kinds -------------------------------------------------------------------------


def test_grouped_and_stacked_bars_colour_their_series(drawn: dict[str, dict[str, str]]) -> None:
    for cid in ("fig-grouped", "fig-stacked"):
        root = parse(drawn[cid]["print"])
        assert marks(root, "fill-series-0") and marks(root, "fill-series-1")
        swatches = [e for e in root.iter() if "legend-swatch" in classes(e)]
        assert len(swatches) == 2
    stacked = parse(drawn["fig-stacked"]["wide"])
    assert len(marks(stacked, "segment")) == 4
    assert {"RMB 10 bn", "about RMB 12 bn", "RMB 14 bn", "RMB 9 bn"} <= set(texts(stacked))


def test_line_draws_values_over_time(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-line"]["wide"])
    assert len(marks(root, "series-line")) == 2
    years = [t.text for t in root.iter(f"{SVG}text") if "year-label" in classes(t)]
    assert years == ["2019", "2020", "2021"]
    assert marks(root, "point", "bound-closed", "bound-ge")
    assert marks(root, "point", "bound-open", "bound-lt")
    assert "18%" in texts(root)


def test_timeline_marks_corrections_and_shows_every_year(drawn: dict[str, dict[str, str]]) -> None:
    for variant in ("print", "wide", "narrow"):
        root = parse(drawn["fig-timeline"][variant])
        assert len(marks(root, "event-mark")) == 9
        assert len(marks(root, "event-corrected")) == 4
        shown = texts(root)
        assert shown.count("source says 2025") == 4
        assert dict(LEGEND)["corrected"] in shown and dict(LEGEND)["flagged"] in shown
        assert marks(root, "flag-mark")
    root = parse(drawn["fig-timeline"]["print"])
    years = [int(t.text or 0) for t in root.iter(f"{SVG}text") if "year-label" in classes(t)]
    assert years == sorted(set(years)) and years[0] <= 2004 and years[-1] >= 2026
    steps = {b - a for a, b in itertools.pairwise(years)}
    assert len(steps) == 1  # every year label of the axis is drawn, none left out


def test_narrow_timeline_is_vertical(drawn: dict[str, dict[str, str]]) -> None:
    root = parse(drawn["fig-timeline"]["narrow"])
    centres = [_centre(e) for e in marks(root, "event-mark")]
    xs = {round(x, 1) for x, _ in centres}
    ys = [y for _, y in centres]
    assert len(xs) == 1  # one rail
    assert ys == sorted(ys)  # in date order, top to bottom
    assert not [t for t in root.iter(f"{SVG}text") if "year-label" in classes(t)]


# --- ink classes for stylesheets (dark theme) ---------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_every_ink_names_its_role(drawn: dict[str, dict[str, str]], spec: ChartSpec) -> None:
    roles = re.compile(r"(text|muted|grid|paper|accent|series-\d)\Z")
    for el in parse(drawn[spec.id]["wide"]).iter():
        if el.tag == f"{SVG}svg":
            continue
        own = classes(el)
        for attr in ("fill", "stroke"):
            value = el.get(attr)
            if value and value != "none":
                named = [c for c in own if c.startswith(attr + "-")]
                assert len(named) == 1 and roles.match(named[0][len(attr) + 1:]), (el.tag, own)
        if el.tag == f"{SVG}text":
            assert own & {"fill-text", "fill-muted", "fill-series-0", "fill-series-1"}


# --- determinism, theme, wrapping, imports -----------------------------------------------


_SCRIPT = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.test_charts import SPECS, THEME
from reportgen.charts import render_variants
for spec in SPECS:
    for variant, svg in sorted(render_variants(spec, THEME).items()):
        print(hashlib.sha256(svg.encode()).hexdigest())
"""


def test_bytes_are_deterministic_across_processes(drawn: dict[str, dict[str, str]]) -> None:
    outs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", _SCRIPT.format(root=str(ROOT))],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                              check=True)
        outs.append(proc.stdout)
    here = [hashlib.sha256(svg.encode()).hexdigest() for spec in SPECS
            for _, svg in sorted(drawn[spec.id].items())]
    assert outs[0] == outs[1] and outs[0].split() == here


def test_chart_strings_cover_every_variant(drawn: dict[str, dict[str, str]]) -> None:
    strings = chart_strings(TIMELINE, THEME)
    for svg in drawn["fig-timeline"].values():
        assert {t for t in texts(parse(svg)) if t} <= set(strings)
    assert len(strings) == len(set(strings))


def test_theme_from_configuration() -> None:
    theme = parse_theme({"palette": ["#112233", "#445566"], "screen_font_size": 14,
                         "narrow_width": 280, "width": 6}, ["Noto Sans", "Noto Sans CJK SC"])
    assert theme.palette == ("#112233", "#445566") and theme.narrow_width == 280
    assert theme.font_family == ("Noto Sans", "Noto Sans CJK SC")
    svg = render_svg(BARS, theme, "narrow")
    assert 'fill="#112233"' in svg and "font-family=\"'Noto Sans', 'Noto Sans CJK SC'\"" in svg
    assert parse(svg).get("width") == "280px"
    assert parse(render_svg(BARS, theme)).get("width") == "432pt"
    for bad, message in (({"colour": "#fff"}, "unknown chart theme key 'colour'"),
                         ({"text_color": "black"}, "text_color: expected a colour"),
                         ({"palette": []}, "palette"),
                         ({"screen_font_size": 9}, "screen_font_size: expected a number from 12"),
                         ({"max_items": True}, "max_items")):
        with pytest.raises(ValueError, match=message):
            parse_theme(bad)
    assert theme_digest(Theme()) == theme_digest(Theme())
    assert theme_digest(theme) != theme_digest(Theme())


def test_wrap_keeps_quotes_with_words_and_punctuation_off_line_starts() -> None:
    def width(s: str) -> float:
        return len(s) * 6.0

    lines = wrap('financial policy turns to "stabilising growth"', 110, width)
    assert all(not ln.startswith(("o", "g\"")) for ln in lines[1:])
    assert any(ln.startswith('"stabilising') for ln in lines)
    text = "一季度消费市场韧性凸显，社零同比增长"
    zh = wrap(text, 66, width)  # 11 characters a line: the comma would start line 2
    assert zh[1].startswith("显，") and "".join(zh) == text


def test_every_kind_is_drawn() -> None:
    assert {s.kind for s in SPECS} == set(KINDS)


def test_import_stays_cheap() -> None:
    code = "import sys, reportgen.charts, reportgen.exhibits; print('matplotlib' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    assert proc.stdout.strip() == "False"


def _imports(module: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module)
    return found


def test_chart_modules_import_no_cycle() -> None:
    folder = ROOT / "reportgen"
    graph = {p.stem: _imports(p) for p in folder.glob("*.py")}
    chart_modules = [n for n in graph if n.startswith("charts") or n == "exhibits"]

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in graph.get(todo.pop(), set()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for name in chart_modules:
        assert name not in reach(name), f"{name} imports itself through a cycle"
    assert "charts" not in graph["charts_model"] and not graph["charts_model"]


def test_weasyprint_lays_the_print_figure_out_at_its_size(drawn: dict[str, dict[str, str]]) -> None:
    import base64

    import weasyprint

    svg = drawn["fig-scale"]["print"]
    data = base64.b64encode(svg.encode()).decode()
    html = ("<html><head><style>@page { size: A4; margin: 15mm 0 } body { margin: 0 20mm }"
            "img { display: block; max-width: 100% }</style></head><body>"
            f'<img alt="" src="data:image/svg+xml;base64,{data}"></body></html>')
    doc = weasyprint.HTML(string=html).render()
    boxes = [b for page in doc.pages for b in page._page_box.descendants()
             if "Replaced" in type(b).__name__]
    assert len(boxes) == 1
    height_pt = float((parse(svg).get("height") or "0pt")[:-2])
    # CSS px are 0.75 pt: 6.3 in = 453.6 pt = 604.8 px.
    assert boxes[0].width == pytest.approx(604.8, abs=0.1)
    assert boxes[0].height == pytest.approx(height_pt / 0.75, abs=0.1)
