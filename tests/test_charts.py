"""Tests for the chart module: honest encodings, inlinable SVG, stable bytes."""

# Chinese test data uses full-width punctuation, as the report does.

from __future__ import annotations

import base64
import itertools
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reportgen.charts import (
    Bar,
    ChartSpec,
    Milestone,
    Theme,
    chart_strings,
    render_svg,
    theme_digest,
)

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
THEME = Theme()

ZH_LEGEND = {
    "eq": "实心柱：确切数值",
    "approx": "带“≈”的柱：约数",
    "gt": "开口柱：实际数值高于所示",
    "lt": "开口柱：实际数值低于所示",
    "le": "实际数值不高于所示",
    "corrected": "空心菱形：日期已更正",
}

ZH_BARS = ChartSpec(
    id="fig-scale",
    chart="bars",
    lang="zh",
    axis="规模（元）",
    scale="log",
    bars=(
        Bar("余额宝规模", 1.0e11, "gt", "超过1000亿元", "规模"),
        Bar("小微贷款", 5.0e11, "eq", "5000亿元", "规模"),
        Bar("消费信贷余额", 4.8e7, "approx", "约4800万元", "规模"),
        Bar("风控成本降低", 60.0, "gt", "超过60%", "比例"),
        Bar("不良率", 1.2, "lt", "低于1.2%", "比例"),
        Bar('坏账率 <上限> & "引号"', 2.0, "le", "不超过2%", "比例"),
    ),
    legend=ZH_LEGEND,
)

EN_BARS = ChartSpec(
    id="fig-rates",
    chart="bars",
    lang="en",
    axis="percent",
    bars=(
        Bar("Approval gain", 30.0, "eq", "30%"),
        Bar("Cost cut", 60.0, "ge", "at least 60%"),
        Bar(r"Math $x^2$ {} \ stays", 1.2, "lt", "below 1.2%"),
        Bar("Retail growth", 8.5, "approx", "about 8.5%"),
    ),
    legend={"ge": "at least", "lt": "below"},
)

TIMELINE = ChartSpec(
    id="fig-timeline",
    chart="timeline",
    lang="zh",
    milestones=(
        Milestone("支付宝成立", 2004.9, "2004年12月"),
        Milestone("陆金所成立", 2011.7, "2011年9月"),
        Milestone("余额宝推出", 2013.5, "2013年6月", True, "原文：2025年"),
        Milestone("蚂蚁集团成立", 2014.8, "2014年10月", True, "原文：2025年"),
        Milestone("微众银行开业", 2014.9, "2014年12月"),
        Milestone("花呗上线", 2015.3, "2015年4月"),
        Milestone("借呗上线", 2015.4, "2015年4月"),
        Milestone("消费复苏", 2025.2, "2025年一季度"),
    ),
    legend=ZH_LEGEND,
)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def classes(root: ET.Element) -> list[set[str]]:
    return [set(e.get("class", "").split()) for e in root.iter() if e.get("class")]


def has_class(root: ET.Element, *wanted: str) -> bool:
    """True when one element carries all wanted classes and is not a legend key."""
    return any(set(wanted) <= c and "legend-key" not in c for c in classes(root))


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return {s.id: render_svg(s, THEME) for s in (ZH_BARS, EN_BARS, TIMELINE)}


def test_svg_is_inlinable(rendered: dict[str, str]) -> None:
    for svg in rendered.values():
        assert svg.startswith("<svg ")
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<!--" not in svg
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.get("viewBox", "").startswith("0 0 453.6 ")
        assert root.get("width") == "453.6pt"
        assert (root.get("height") or "").endswith("pt")


def test_ids_are_unique_prefixed_and_resolve(rendered: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for chart_id, svg in rendered.items():
        ids = [e.get("id") or "" for e in parse(svg).iter() if e.get("id")]
        assert ids and len(ids) == len(set(ids))
        assert all(i.startswith(chart_id + "-") for i in ids)
        for i in ids:
            assert i not in seen, f"{i} in both {seen.get(i)} and {chart_id}"
            seen[i] = chart_id
        refs = re.findall(r'(?:href="#|url\(#)([^")]+)', svg)
        assert refs and set(refs) <= set(ids)


def test_lossy_ids_get_distinct_prefixes() -> None:
    a = render_svg(ChartSpec("a b", "bars", "en", bars=(Bar("x", 1.0, "eq", "1"),)), THEME)
    b = render_svg(ChartSpec("a_b", "bars", "en", bars=(Bar("x", 1.0, "eq", "1"),)), THEME)
    ids_a = {e.get("id") for e in parse(a).iter() if e.get("id")}
    ids_b = {e.get("id") for e in parse(b).iter() if e.get("id")}
    assert not ids_a & ids_b


def test_chinese_labels_are_text_in_the_cjk_font(rendered: dict[str, str]) -> None:
    root = parse(rendered["fig-scale"])
    drawn = texts(root)
    for s in ("余额宝规模", "超过1000亿元", "约4800万元", "规模", "比例", "规模（元）"):
        assert s in drawn
    styles = [t.get("style", "") for t in root.iter(f"{SVG}text")]
    assert all("Noto Sans CJK SC" in s for s in styles)
    assert all("font-size: 7.48px" in s or "font-size: 8.5px" in s or "px" in s for s in styles)


def test_markup_and_math_draw_literally(rendered: dict[str, str]) -> None:
    assert '坏账率 <上限> & "引号"' in texts(parse(rendered["fig-scale"]))
    assert r"Math $x^2$ {} \ stays" in texts(parse(rendered["fig-rates"]))


def test_label_that_looks_like_markup_is_left_alone() -> None:
    spec = ChartSpec("t", "bars", "en", bars=(Bar('id="x" href="#y"', 1.0, "eq", "1"),))
    assert 'id="x" href="#y"' in texts(parse(render_svg(spec, THEME)))


def test_bounds_are_drawn_as_bounds(rendered: dict[str, str]) -> None:
    zh = parse(rendered["fig-scale"])
    assert has_class(zh, "bar", "bar-bound-lower", "bar-gt")
    assert has_class(zh, "bar-extension") and has_class(zh, "bar-arrow")
    assert has_class(zh, "bar", "bar-bound-upper", "bar-lt")
    assert has_class(zh, "bar", "bar-bound-upper", "bar-le")
    assert has_class(zh, "bar-cap", "bar-lt") and has_class(zh, "bar-cap", "bar-le")
    assert has_class(zh, "bar", "bar-approx") and has_class(zh, "bar-approx-mark")
    assert has_class(zh, "bar", "bar-eq")
    en = parse(rendered["fig-rates"])
    assert has_class(en, "bar", "bar-bound-lower", "bar-ge")
    assert not has_class(en, "bar-gt")
    # Printed value labels carry their qualifier words.
    assert {"超过60%", "低于1.2%", "不超过2%"} <= set(texts(zh))


def test_legend_explains_only_what_appears(rendered: dict[str, str]) -> None:
    zh = texts(parse(rendered["fig-scale"]))
    for key in ("eq", "approx", "gt", "lt", "le"):
        assert ZH_LEGEND[key] in zh
    assert ZH_LEGEND["corrected"] not in zh
    en = texts(parse(rendered["fig-rates"]))
    assert "at least" in en and "below" in en
    # No text in the data for approx: a built-in one still explains the mark.
    assert "approximate" in en
    plain = ChartSpec("p", "bars", "en", bars=(Bar("x", 1.0, "eq", "1"),))
    root = parse(render_svg(plain, THEME))
    assert not any("legend-text" in c for c in classes(root))


def test_log_ticks_use_scale_words(rendered: dict[str, str]) -> None:
    drawn = texts(parse(rendered["fig-scale"]))
    assert {"1亿", "10亿", "1000亿"} <= set(drawn)
    for s in drawn:
        assert "e+" not in s and "×10" not in s and "$" not in s
    en = ChartSpec(
        "en-log",
        "bars",
        "en",
        scale="log",
        bars=(Bar("a", 5.0e11, "eq", "RMB 500bn"), Bar("b", 3.0e6, "eq", "RMB 3m")),
    )
    en_texts = texts(parse(render_svg(en, THEME)))
    ticks = en_texts[: en_texts.index("a")]
    assert any(t.endswith("bn") for t in ticks) and any(t.endswith("m") for t in ticks)
    assert not any("e+" in s or "e-" in s for s in en_texts)


def test_format_number() -> None:
    from reportgen.charts_draw import format_number

    assert format_number(5.0e11, "zh") == "5000亿"
    assert format_number(1.0e12, "zh") == "1万亿"
    assert format_number(4.8e7, "zh") == "4800万"
    assert format_number(9.9996e7, "zh") == "1亿"
    assert format_number(5.0e11, "en") == "500bn"
    assert format_number(2.5e3, "en") == "2.5k"
    assert format_number(3.0e6, "en") == "3m"
    assert format_number(0.001, "en") == "0.001"
    assert format_number(0.30000000000000004, "zh") == "0.3"
    assert format_number(-20.0, "en") == "\u221220"
    assert format_number(0.0, "zh") == "0"


def test_groups_get_their_own_panels() -> None:
    def panels(spec: ChartSpec) -> int:
        root = parse(render_svg(spec, THEME))
        return sum(1 for e in root.iter(f"{SVG}g") if re.search(r"-axes_\d+$", e.get("id", "")))

    one = ChartSpec("g1", "bars", "en", bars=(Bar("a", 1.0, "eq", "1"), Bar("b", 2.0, "eq", "2")))
    two = ChartSpec(
        "g2", "bars", "en", bars=(Bar("a", 1.0, "eq", "1", "x"), Bar("b", 2e9, "eq", "2", "y"))
    )
    # One drawing surface plus one axes per group.
    assert panels(one) == 2 and panels(two) == 3
    assert {"x", "y"} <= set(texts(parse(render_svg(two, THEME))))


def test_height_grows_with_bars() -> None:
    def height(n: int) -> float:
        bars = tuple(Bar(f"b{i}", float(i + 1), "eq", str(i + 1)) for i in range(n))
        root = parse(render_svg(ChartSpec("h", "bars", "en", bars=bars), THEME))
        return float((root.get("height") or "0pt")[:-2])

    assert height(2) < height(4) < height(8)


def test_timeline_marks_corrections(rendered: dict[str, str]) -> None:
    root = parse(rendered["fig-timeline"])
    drawn = texts(root)
    assert has_class(root, "milestone", "milestone-corrected")
    assert sum(1 for c in classes(root) if {"milestone"} <= c and "legend-key" not in c) == 8
    assert "原文：2025年" in drawn and ZH_LEGEND["corrected"] in drawn
    assert {"2004", "2014", "2016"} <= set(drawn)
    plain = ChartSpec("t2", "timeline", "en", milestones=(Milestone("A", 2004, "2004"),))
    root2 = parse(render_svg(plain, THEME))
    assert not has_class(root2, "milestone-corrected")
    assert "legend-text" not in {c for cs in classes(root2) for c in cs}


def _boxes(spec: ChartSpec) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Extents of every drawn text, in points, from the laid-out figure."""
    import matplotlib

    from reportgen.charts_draw import _build, chart_rc

    with matplotlib.rc_context(chart_rc(spec, THEME)):
        painter = _build(spec, THEME)
        renderer = painter.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        out = []
        for ax in painter.fig.axes:
            ticks = ax.get_xticklabels() if ax.axison else []
            for t in [*ax.texts, *ticks]:
                if t.get_visible() and t.get_text():
                    b = t.get_window_extent(renderer)
                    out.append((t.get_text(), (b.x0, b.y0, b.x1, b.y1)))
    return out


@pytest.mark.parametrize("spec", [ZH_BARS, EN_BARS, TIMELINE], ids=lambda s: s.id)
def test_no_text_overlaps_or_leaves_the_figure(spec: ChartSpec) -> None:
    boxes = _boxes(spec)
    width = THEME.width * 72
    for text, (x0, _, x1, _) in boxes:
        assert x0 >= -0.5 and x1 <= width + 0.5, f"{text!r} leaves the figure"
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        # Glyph boxes include line gaps; a small tolerance avoids false alarms.
        overlap_x = min(a[2], b[2]) - max(a[0], b[0])
        overlap_y = min(a[3], b[3]) - max(a[1], b[1])
        assert overlap_x <= 0.5 or overlap_y <= 1.0, f"{ta!r} overlaps {tb!r}"


def test_chart_strings_cover_every_drawn_text(rendered: dict[str, str]) -> None:
    for spec in (ZH_BARS, EN_BARS, TIMELINE):
        strings = chart_strings(spec)
        drawn = {t for t in texts(parse(rendered[spec.id])) if t}
        assert drawn == set(strings)
        assert len(strings) == len(set(strings))


def test_bad_specs_raise_value_error() -> None:
    with pytest.raises(ValueError, match="at least one bar"):
        render_svg(ChartSpec("e", "bars", "zh"), THEME)
    with pytest.raises(ValueError, match="at least one milestone"):
        render_svg(ChartSpec("e", "timeline", "zh"), THEME)
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="value"):
            render_svg(ChartSpec("e", "bars", "en", bars=(Bar("a", bad, "eq", "?"),)), THEME)
        with pytest.raises(ValueError, match="year"):
            chart_strings(ChartSpec("e", "timeline", "en", milestones=(Milestone("a", bad, "?"),)))
    with pytest.raises(ValueError, match="log axis"):
        render_svg(ChartSpec("e", "bars", "en", scale="log", bars=(Bar("a", 0, "eq", "0"),)), THEME)
    with pytest.raises(ValueError, match="qualifier"):
        render_svg(ChartSpec("e", "bars", "en", bars=(Bar("a", 1, "about", "1"),)), THEME)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lang"):
        render_svg(ChartSpec("e", "bars", "fr", bars=(Bar("a", 1, "eq", "1"),)), THEME)


def test_negative_bars_and_bounds_draw() -> None:
    spec = ChartSpec(
        "neg",
        "bars",
        "en",
        bars=(Bar("fall", -5.0, "lt", "a fall of over 5%"), Bar("rise", 3.0, "eq", "3%")),
    )
    root = parse(render_svg(spec, THEME))
    # Less than -5 means further from zero: the bar goes on.
    assert has_class(root, "bar", "bar-bound-lower", "bar-lt")
    assert "\u22125" in texts(root) or any("\u2212" in t for t in texts(root))


def test_global_rcparams_untouched() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    render_svg(ZH_BARS, THEME)
    assert dict(matplotlib.rcParams) == before


def test_theme_digest_and_hashable_specs() -> None:
    assert theme_digest(Theme()) == theme_digest(Theme())
    assert theme_digest(Theme(font_size=9)) != theme_digest(Theme())
    assert re.fullmatch(r"[0-9a-f]{64}", theme_digest(THEME))
    assert hash(ZH_BARS) == hash(ChartSpec(**{**ZH_BARS.__dict__}))


_SCRIPT = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.test_charts import EN_BARS, TIMELINE, ZH_BARS, THEME
from reportgen.charts import render_svg
for spec in (ZH_BARS, EN_BARS, TIMELINE):
    print(hashlib.sha256(render_svg(spec, THEME).encode()).hexdigest())
"""


def test_bytes_are_deterministic_across_processes(rendered: dict[str, str]) -> None:
    outs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", _SCRIPT.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=True,
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    import hashlib

    here = [
        hashlib.sha256(rendered[s.id].encode()).hexdigest() for s in (ZH_BARS, EN_BARS, TIMELINE)
    ]
    assert outs[0].split() == here


def test_import_stays_cheap() -> None:
    code = "import sys, reportgen.charts; print('matplotlib' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "False"


def _page(svgs: list[str]) -> str:
    body = []
    for svg in svgs:
        data = base64.b64encode(svg.encode()).decode()
        body.append(f'<div class="inline">{svg}</div>')
        body.append(f'<img alt="" src="data:image/svg+xml;base64,{data}">')
    return (
        "<!doctype html><html lang=zh><head><meta charset=utf-8><style>"
        "@page { size: A4; margin: 15mm 0 }"
        "body { margin: 0 calc((210mm - 6.3in) / 2) }"
        "svg, img { display: block; max-width: 100%; height: auto; margin-bottom: 12pt }"
        "</style></head><body>" + "".join(body) + "</body></html>"
    )


def test_weasyprint_lays_out_inline_and_img_at_natural_size(
    rendered: dict[str, str], tmp_path: Path
) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    svgs = [rendered["fig-scale"], rendered["fig-timeline"]]
    doc = weasyprint.HTML(string=_page(svgs)).render()
    sizes = []
    for page in doc.pages:
        for box in page._page_box.descendants():
            if "Replaced" in type(box).__name__:
                sizes.append((box.element_tag.rsplit("}", 1)[-1], box.width, box.height))
    assert [tag for tag, _, _ in sizes] == ["svg", "img", "svg", "img"]
    for svg, pair in zip(svgs, (sizes[:2], sizes[2:]), strict=True):
        height_pt = float((parse(svg).get("height") or "0pt")[:-2])
        for _, w, h in pair:
            # CSS px are 0.75 pt: the text block is 6.3 in = 453.6 pt = 604.8 px.
            assert w == pytest.approx(604.8, abs=0.1)
            assert h == pytest.approx(height_pt / 0.75, abs=0.1)
    pdf = tmp_path / "charts.pdf"
    doc.write_pdf(pdf)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: the PDF was written but not rasterised")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p*.png"))
    assert pngs and all(p.stat().st_size > 5000 for p in pngs)
    keep = os.environ.get("REPORTGEN_CHART_PREVIEW")
    if keep:
        for p in pngs:
            shutil.copy(p, Path(keep) / p.name)


def test_standalone_png_preview(tmp_path: Path) -> None:
    from reportgen.charts_draw import save_png

    out = tmp_path / "bars.png"
    save_png(ZH_BARS, THEME, str(out), dpi=100)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("REPORTGEN_CHART_PREVIEW")
    if keep:
        for spec in (ZH_BARS, EN_BARS, TIMELINE):
            save_png(spec, THEME, str(Path(keep) / f"{spec.id}.png"))
