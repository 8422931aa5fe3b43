"""Charts on screens, measured in Chromium: legible text at every width, one drawing shown, dark ink.

Each chart is drawn twice for the HTML edition (wide and narrow, in CSS px at the width
it is shown at); these tests measure what a reader sees: the rendered size of every chart
text, that it stays inside its chart, and the contrast of chart ink in the dark theme.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from test_html import EDITIONS, Visit, browser  # noqa: F401  (browser is a fixture)

CHART_WIDTHS = (360, 414, 768, 1024, 1280, 1600)

_MEASURE = """() => {
  const out = [];
  for (const fig of document.querySelectorAll('figure.exhibit')) {
    const svgs = [...fig.querySelectorAll('svg.chart')];
    if (!svgs.length) continue;
    const shown = svgs.filter(s => s.getBoundingClientRect().width > 0);
    const row = {id: fig.id, shown: shown.map(s => s.getAttribute('class')), min: 1e9, outside: []};
    for (const svg of shown) {
      const box = svg.getBoundingClientRect();
      const scale = box.width / svg.viewBox.baseVal.width;
      for (const t of svg.querySelectorAll('text')) {
        row.min = Math.min(row.min, parseFloat(getComputedStyle(t).fontSize) * scale);
        const b = t.getBoundingClientRect();
        if (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1
            || b.bottom > box.bottom + 1) row.outside.push(t.textContent);
      }
    }
    out.push(row);
  }
  return out;
}"""


def _edition(briefing: Path, lang: str) -> Path:
    return briefing / f"briefing.{lang}.html"


@pytest.mark.parametrize("width", CHART_WIDTHS)
@pytest.mark.parametrize("lang", EDITIONS)
def test_chart_text_is_legible_at_every_width(browser: Browser, briefing: Path,  # noqa: F811
                                              lang: str, width: int) -> None:
    visit = Visit(browser, _edition(briefing, lang), width)
    try:
        rows: list[dict[str, Any]] = visit.page.evaluate(_MEASURE)
    finally:
        visit.close()
    charts = (Path(__file__).parents[2] / "data" / "exhibits.yaml").read_text(
        encoding="utf-8").count("kind: chart")
    assert charts >= 5 and len(rows) == charts, (len(rows), charts)
    variant = "chart-narrow" if width < 768 else "chart-wide"
    for row in rows:
        assert len(row["shown"]) == 1 and variant in row["shown"][0], row
        assert row["min"] >= 12, f"{row['id']}: chart text of {row['min']:.1f} px at {width} px"
        assert not row["outside"], f"{row['id']}: {row['outside']} outside the chart at {width} px"


_INK = """() => {
  const rgb = c => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  let card = null, low = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    if (svg.getBoundingClientRect().width === 0) continue;
    let el = svg, bg = 'rgba(0, 0, 0, 0)';
    while (el && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
      bg = getComputedStyle(el).backgroundColor; el = el.parentElement;
    }
    card = card || bg;
    for (const t of svg.querySelectorAll('text')) {
      const r = ratio(rgb(getComputedStyle(t).fill), rgb(bg));
      if (r < 4.5) low.push([t.textContent, r.toFixed(2)]);
    }
    for (const m of svg.querySelectorAll('.bar, .dot, .event-mark, .bound-arrow')) {
      const s = getComputedStyle(m);
      // Hollow marks (open circles, corrected dates) are drawn by their outline.
      const hollow = m.classList.contains('event-corrected') || m.classList.contains('bound-open');
      const ink = hollow ? s.stroke : s.fill;
      const r = ratio(rgb(ink), rgb(bg));
      if (r < 3 && !m.classList.contains('bar-ceiling')) low.push([m.getAttribute('class'), r.toFixed(2)]);
    }
  }
  return {card, low};
}"""


@pytest.mark.parametrize("width", (360, 1280))
@pytest.mark.parametrize("lang", EDITIONS)
def test_dark_theme_restyles_chart_ink(browser: Browser, briefing: Path, lang: str,  # noqa: F811
                                       width: int) -> None:
    visit = Visit(browser, _edition(briefing, lang), width, "dark")
    try:
        found = visit.page.evaluate(_INK)
    finally:
        visit.close()
    # No light card: the chart sits on the dark page's own panel colour.
    channels = [float(v) for v in found["card"].split("(")[1].split(")")[0].split(",")[:3]]
    assert max(channels) < 80, found["card"]
    assert not found["low"], f"chart ink below AA contrast in the dark theme: {found['low'][:5]}"
