"""Exhibit records become charts: rules checked with located messages, any language, any field names."""

from __future__ import annotations

import re
import textwrap
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, Run, pdftotext, run_cli

SVG = "{http://www.w3.org/2000/svg}"


def _svgs(html: str) -> dict[str, list[ET.Element]]:
    """Every inline chart SVG of a page, by the id of the figure holding it."""
    found: dict[str, list[ET.Element]] = {}
    for fid, body in re.findall(r'<figure\b[^>]*\bid="([^"]+)"(.*?)</figure>', html, re.S):
        found[fid] = [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", body, re.S)]
    return found


def _texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def _classes(el: ET.Element) -> set[str]:
    return set(el.get("class", "").split())


def _edit(project: Path, old: str, new: str, name: str = "data/parks.yaml") -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _build_html(project: Path) -> Run:
    return run_cli("build", "--project", project, "--format", "html", "--lang", "en")


def _line_of(project: Path, needle: str, name: str = "data/parks.yaml") -> int:
    lines = (project / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.fixture
def parks(mini: Path) -> Path:
    """The mini project (its exhibits read by the engine's built-in declaration)."""
    assert "exhibits" not in (mini / "data" / "schema.yaml").read_text(encoding="utf-8")
    # Both screen drawings, as a theme places them.
    _edit(mini, "{{ x.svg }}", "{{ x.svg }}{{ x.svg_narrow }}", "templates/report.html.j2")
    return mini


_PARKS = "{ref: park-count, label: {zh: 公园, en: Parks}}"
_VISITS = "{ref: visitors, label: {zh: 游客, en: Visits}, group: {zh: 年游客, en: visits a year}}"


def _series(project: Path, *items: str) -> None:
    """Give the fixture's chart these series items, one a line."""
    _edit(project, f"      - {_PARKS}\n      - {_VISITS}\n",
          "".join(f"      - {i}\n" for i in items))


def _single_error(run: Run) -> str:
    assert run.code != 0
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    return run.err


# --- located refusals ----------------------------------------------------------------------


def test_built_in_exhibits_declaration_builds(parks: Path) -> None:
    run = _build_html(parks)
    assert run.code == 0, run.err
    assert not run.err
    html = (parks / "out" / "parks.en.html").read_text(encoding="utf-8")
    (wide, narrow) = _svgs(html)["fig-parks"]
    assert "chart-wide" in _classes(wide) and "chart-narrow" in _classes(narrow)
    assert "over 120" in " ".join(_texts(wide)) and "about 35 million visits" in " ".join(_texts(wide))
    # One bar is a key figure, not a chart: the build's log says so, with the place (the
    # series), as advice rather than a warning.
    _series(parks, _PARKS)
    run = _build_html(parks)
    assert run.code == 0, run.err
    assert "WARNING" not in run.err, run.err
    line = _line_of(parks, "series:") + 1
    assert re.search(rf"data/parks\.yaml:{line}:\d+: exhibit 'fig-parks' charts a single number",
                     run.err), run.err


def test_log_bars_are_refused_at_the_scale_line(parks: Path) -> None:
    _edit(parks, "    chart: bars\n", "    chart: bars\n    scale: log\n")
    before = sorted(p.name for p in (parks / "out").glob("*")) if (parks / "out").exists() else []
    err = _single_error(_build_html(parks))
    line = _line_of(parks, "scale: log")
    assert re.search(rf"data/parks\.yaml:{line}:\d+: exhibit 'fig-parks': a log scale has no zero",
                     err), err
    assert "chart: dots" in err
    after = sorted(p.name for p in (parks / "out").glob("*")) if (parks / "out").exists() else []
    assert [n for n in after if not n.startswith(".")] == [n for n in before if not n.startswith(".")]


def test_log_dots_build_and_say_log_scale(parks: Path) -> None:
    _edit(parks, "    chart: bars\n", "    chart: dots\n    scale: log\n")
    _series(parks, _PARKS, _VISITS, "{ref: lakeside-area, label: {zh: 湖滨, en: Lakeside}}")
    strings = parks / "templates" / "strings.yaml"
    strings.write_text(strings.read_text(encoding="utf-8") + textwrap.dedent("""\
        bound_legend_eq: {zh: 确数, en: exact figure}
        chart_legend_log: {zh: 对数刻度, en: "log scale: each gridline ten times the last"}
        """), encoding="utf-8")
    run = _build_html(parks)
    assert run.code == 0, run.err
    (wide, narrow) = _svgs((parks / "out" / "parks.en.html").read_text(encoding="utf-8"))["fig-parks"]
    for svg in (wide, narrow):
        shown = _texts(svg)
        assert "log scale: each gridline ten times the last" in shown
        assert "lower bound, not included" in shown and "approximate" in shown
        assert "exact figure" in shown
        assert "chart-dots" in _classes(svg)
    assert "single number" not in run.err


def test_series_item_problems_point_into_the_series(parks: Path) -> None:
    _series(parks, _PARKS, "{ref: lakeside}", "{ref: park-count}")
    err = _single_error(_build_html(parks))
    series, item = _line_of(parks, "series:"), _line_of(parks, "{ref: lakeside}")
    found = re.findall(r"data/parks\.yaml:(\d+):\d+: exhibit 'fig-parks': (.*)", err)
    messages = {m: int(n) for n, m in found}
    quantity = next(m for m in messages if "'lakeside' (places) has no field of type quantity" in m)
    twice = next(m for m in messages if "'park-count' is drawn twice (items 1 and 3)" in m)
    for message in (quantity, twice):
        assert series <= messages[message] <= item + 1


def test_one_axis_one_unit(parks: Path) -> None:
    _edit(parks, "    chart: bars\n", "    chart: grouped-bars\n")
    _series(parks, "{ref: park-count, label: {zh: 公园, en: Parks}, group: {zh: 甲, en: A}}",
            "{ref: lakeside-area, label: {zh: 公园, en: Parks}, group: {zh: 乙, en: B}}")
    err = _single_error(_build_html(parks))
    assert re.search(r"data/parks\.yaml:\d+:\d+: exhibit 'fig-parks': a grouped-bars chart has one "
                     r"value axis, in 'count'; this item is in 'hectares'", err), err


def test_title_may_not_set_apart_values_side_by_side(parks: Path) -> None:
    """The chart draws parks and visits in their own panels (different units); a title
    citing both reads as the comparison the chart refuses, and is refused at its line."""
    _edit(parks, '"The city has [[park-count]] parks"', '"[[park-count]] parks draw [[visitors]]"')
    err = _single_error(_build_html(parks))
    line = _line_of(parks, "    title:")
    assert re.search(rf"data/parks\.yaml:{line}:\d+: exhibit 'fig-parks': the title cites "
                     r"'park-count' and 'visitors', which the chart keeps apart \(units 'count' "
                     r"and '[^']+'\): they have no common measure", err), err


def test_values_kept_apart_by_unit_or_section() -> None:
    from reportgen.charts_data import kept_apart

    drawn = {"a": ("users", "users"), "b": ("users", "users"), "c": ("users", "borrowers"),
             "d": ("firms", "firms")}
    assert kept_apart("[[a]] and [[b]], not [[x]]", drawn) is None  # one unit, one section
    assert kept_apart("[[a]] against [[c]]", drawn) == ("a", "c", "sections 'users' and 'borrowers'")
    assert kept_apart("[[a]] vs [[b]] vs [[d]]", drawn) == ("b", "d", "units 'users' and 'firms'")
    assert kept_apart("[[a]] alone, [[a]] again", drawn) is None


def test_unknown_chart_kind_names_the_kinds(parks: Path) -> None:
    _edit(parks, "    chart: bars\n", "    chart: pie\n")
    err = _single_error(_build_html(parks))
    line = _line_of(parks, "chart: pie")
    assert re.search(rf"data/parks\.yaml:{line}:\d+: .*'pie'", err), err
    assert "dots" in err and "stacked-bars" in err and "timeline" in err


def test_timeline_needs_dated_records(parks: Path) -> None:
    _edit(parks, "    chart: bars\n", "    chart: timeline\n")
    err = _single_error(_build_html(parks))
    assert "a timeline draws dated records; 'park-count' (facts) has no field of type date" in err


def test_twenty_thousand_bars_fail_fast_with_the_place(parks: Path) -> None:
    _series(parks, *["{ref: park-count}"] * 20_000)
    started = time.perf_counter()
    err = _single_error(_build_html(parks))
    elapsed = time.perf_counter() - started
    line = _line_of(parks, "series:") + 1
    assert re.search(rf"data/parks\.yaml:{line}:\d+: exhibit 'fig-parks': 20,000 series items; a "
                     r"chart shows at most 60", err), err
    assert "drawn twice" not in err  # the limit stops the checks before any per-item work
    assert elapsed < 60


def test_chart_theme_from_configuration(parks: Path) -> None:
    config = parks / "reportgen.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "chart_theme:\n  palette: ['#0f7b6c']\n  narrow_width: 280\n",
                      encoding="utf-8")
    run = _build_html(parks)
    assert run.code == 0, run.err
    (wide, narrow) = _svgs((parks / "out" / "parks.en.html").read_text(encoding="utf-8"))["fig-parks"]
    assert narrow.get("width") == "280px"
    assert any(e.get("fill") == "#0f7b6c" for e in wide.iter())
    config.write_text(text + "chart_theme:\n  pallete: ['#0f7b6c']\n", encoding="utf-8")
    err = _single_error(_build_html(parks))
    assert re.search(r"reportgen\.yaml:\d+:\d+: chart_theme: unknown chart theme key 'pallete'", err), err


# --- any language, any field names ---------------------------------------------------------

_DE_PROJECT = {
    "reportgen.yaml": """\
        template: report.html.j2
        basename: bnpl
        languages: [en, de]
        html_lang: {en: en, de: de}
        date: "2025-01-01"
        fonts: [Noto Sans CJK SC]
        """,
    "seeds/bnpl.txt": """\
        Klarna was founded in 2005. Affirm was founded in 2012.
        In 2024 Klarna had more than 150 million users. In 2023 Klarna had about 120 million users.
        In 2024 Affirm had about 18 million users.
        """,
    "data/schema.yaml": """\
        collections:
          firms:
            fields:
              id: {type: id, required: true}
              name: {type: text, required: true}
          figures:
            fields:
              id: {type: id, required: true}
              firm: {type: ref, to: firms, required: true}
              users: {type: quantity, required: true}
              as_of: {type: date, required: true}
              source: {type: source, required: true}
          milestones:
            fields:
              id: {type: id, required: true}
              firm: {type: ref, to: firms, required: true}
              title: {type: text, required: true}
              founded_in: {type: date, required: true}
              source: {type: source, required: true}
          report:
            single: true
            fields:
              title: {type: text, required: true}
        """,
    "data/bnpl.yaml": """\
        units:
          - {id: users, format: {en: "{n} users", de: "{n} Nutzer"}, words: [users]}
        qualifiers:
          - {id: exact, bound: eq, format: {en: "{q}", de: "{q}"}}
          - {id: about, bound: approx, words: [about], format: {en: "about {q}", de: "etwa {q}"}}
          - {id: more-than, bound: gt, words: [more than], format: {en: "more than {q}", de: "mehr als {q}"}}
        firms:
          - {id: klarna, name: {en: Klarna, de: Klarna}}
          - {id: affirm, name: {en: Affirm, de: Affirm}}
        figures:
          - id: klarna-2024
            firm: klarna
            users: {value: 1.5e8, unit: users, qualifier: gt, stated: "150 million"}
            as_of: 2024
            source: {seed: bnpl.txt, quote: "In 2024 Klarna had more than 150 million users."}
          - id: klarna-2023
            firm: klarna
            users: {value: 1.2e8, unit: users, qualifier: approx, stated: "120 million"}
            as_of: 2023
            source: {seed: bnpl.txt, quote: "In 2023 Klarna had about 120 million users."}
          - id: affirm-2024
            firm: affirm
            users: {value: 1.8e7, unit: users, qualifier: approx, stated: "18 million"}
            as_of: 2024
            source: {seed: bnpl.txt, quote: "In 2024 Affirm had about 18 million users."}
        milestones:
          - id: klarna-founded
            firm: klarna
            title: {en: Klarna founded, de: Klarna gegründet}
            founded_in: 2005
            source: {seed: bnpl.txt, quote: "Klarna was founded in 2005."}
          - id: affirm-founded
            firm: affirm
            title: {en: Affirm founded, de: Affirm gegründet}
            founded_in: 2012
            source: {seed: bnpl.txt, quote: "Affirm was founded in 2012."}
        exhibits:
          - id: fig-users
            kind: chart
            title: {en: Users, de: Nutzer}
            axis: {en: users, de: Nutzer}
            series:
              - {ref: klarna-2024}
              - {ref: affirm-2024}
          - id: fig-dots
            kind: chart
            chart: dots
            scale: log
            title: {en: Users on a log axis, de: "Nutzer, logarithmisch"}
            series:
              - {ref: klarna-2024}
              - {ref: affirm-2024}
          - id: fig-founded
            kind: chart
            chart: timeline
            title: {en: Founding years, de: Gründungsjahre}
            series:
              - {ref: affirm-founded, label: {en: Affirm founded, de: Affirm gegründet}}
              - {ref: klarna-founded}
          - id: fig-growth
            kind: chart
            chart: line
            title: {en: Klarna's users over time, de: Klarnas Nutzer im Zeitverlauf}
            series:
              - {ref: klarna-2023, group: {en: Klarna, de: Klarna}}
              - {ref: klarna-2024, group: {en: Klarna, de: Klarna}}
        report:
          title: {en: "Buy now, pay later", de: "Jetzt kaufen, später zahlen"}
        """,
    "templates/strings.yaml": """\
        exhibit_label: {en: "Figure {n}", de: "Abbildung {n}"}
        stated_as: {en: "source: {d}", de: "Quelle: {d}"}
        bound_legend_eq: {en: exact figure, de: genauer Wert}
        bound_legend_approx: {en: approximate figure, de: ungefährer Wert}
        bound_legend_gt: {en: more than the figure shown, de: mehr als der gezeigte Wert}
        chart_legend_log: {en: log scale, de: logarithmische Skala}
        colon: {en: ": ", de: ": "}
        list_sep: {en: "; ", de: "; "}
        chart_summary: {en: "{alt} Data: {data}.", de: "{alt} Daten: {data}."}
        """,
    "templates/report.html.j2": """\
        <!DOCTYPE html>
        <html lang="{{ html_lang }}"><head><meta charset="utf-8"><title>{{ data.report.title }}</title>
        <style>body { font-family: "Noto Sans CJK SC"; }</style></head><body>
        {{ heading(1, "top", data.report.title) }}
        {% for fid in ["fig-users", "fig-dots", "fig-founded", "fig-growth"] %}{% set x = exhibit(fid) %}
        <figure id="{{ x.id }}"><figcaption>{{ x.label }} {{ x.record.title }}</figcaption>
        {% if target == "html" %}{{ x.svg }}{{ x.svg_narrow }}
        {% else %}<img src="{{ x.img }}" alt="{{ x.summary }}">{% endif %}
        </figure>{% endfor %}
        </body></html>
        """,
}


@pytest.fixture(scope="module")
def bnpl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bnpl")
    for name, body in _DE_PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    run = run_cli("build", "--project", root)
    assert run.code == 0, run.err
    return root


def test_german_edition_draws_every_kind(bnpl: Path) -> None:
    html = (bnpl / "out" / "bnpl.de.html").read_text(encoding="utf-8")
    charts = _svgs(html)
    assert set(charts) == {"fig-users", "fig-dots", "fig-founded", "fig-growth"}
    words = " ".join(t for svgs in charts.values() for s in svgs for t in _texts(s))
    assert "mehr als der gezeigte Wert" in words and "ungefährer Wert" in words
    assert "logarithmische Skala" in words
    # Numbers as the German edition writes them (the formatter's words, CLDR's scale).
    assert "mehr als 150 Millionen Nutzer" in words and "etwa 18 Millionen Nutzer" in words
    assert "50 Millionen" in words  # a tick label
    assert "Klarna gegründet" in words and "Affirm gegründet" in words
    for english in ("more than", "approximate", "log scale", "founded"):
        assert english not in words
    (wide, _) = charts["fig-users"]
    assert (wide.get("aria-label") or "").endswith("Daten: Klarna: mehr als 150 Millionen Nutzer; "
                                                  "Affirm: etwa 18 Millionen Nutzer.")


def test_timeline_and_line_read_any_date_field(bnpl: Path) -> None:
    html = (bnpl / "out" / "bnpl.en.html").read_text(encoding="utf-8")
    (wide, narrow) = _svgs(html)["fig-founded"]
    years = [t.text or "" for t in wide.iter(f"{SVG}text") if "year-label" in _classes(t)]
    assert years and years[0] <= "2005" and years[-1] >= "2013"
    assert "2005" in _texts(narrow) and "2012" in _texts(narrow)
    (line, _) = _svgs(html)["fig-growth"]
    assert [e for e in line.iter() if "series-line" in _classes(e)]
    assert {"2023", "2024"} <= {t.text for t in line.iter(f"{SVG}text") if "year-label" in _classes(t)}


def test_german_pdf_prints_the_charts(bnpl: Path) -> None:
    text = " ".join(pdftotext(bnpl / "out" / "bnpl.de.pdf").split())
    assert "mehr als der gezeigte Wert" in text and "Klarna gegründet" in text


# --- the shipped briefing ------------------------------------------------------------------


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.summaries: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg" and "chart-wide" in (found.get("class") or ""):
            self.summaries[str(len(self.summaries))] = found.get("aria-label") or ""


def _charts_drawing_corrected_figures() -> list[str]:
    """Return the briefing's charts that draw a record carrying a correction."""
    import yaml

    data = ROOT / "data"
    corrected = {r["id"] for name in ("metrics.yaml", "events.yaml") if (data / name).is_file()
                 for records in yaml.safe_load((data / name).read_text(encoding="utf-8")).values()
                 for r in records if isinstance(r, dict) and r.get("correction")}
    exhibits = yaml.safe_load((data / "exhibits.yaml").read_text(encoding="utf-8"))["exhibits"]
    return [x["id"] for x in exhibits if x.get("kind") == "chart" and x.get("chart") != "timeline"
            and any(s["ref"] in corrected for s in x.get("series", []))]


def test_briefing_charts_are_honest(briefing_build: tuple[Path, Run]) -> None:
    out, run = briefing_build
    for lang in ("zh", "en"):
        html = (out / f"briefing.{lang}.html").read_text(encoding="utf-8")
        charts = _svgs(html)
        # Quantities of very different sizes: dots on one log axis, no log bars.
        for fid in ("fig-scale", "fig-amounts"):
            (wide, narrow) = charts[fid]
            assert "chart-dots" in _classes(wide) and "chart-dots" in _classes(narrow)
        for svgs in charts.values():
            for svg in svgs:
                if "chart-bars" in _classes(svg):
                    assert "log" not in " ".join(_texts(svg)).lower()
        # A figure the briefing corrects is marked wherever a chart draws it.
        flag, stated = {"en": ("a correction applies; see the notes", " (source says 2025)"),
                        "zh": ("该项有更正，见注释", "（原文：2025年）")}[lang]
        for fid in _charts_drawing_corrected_figures():
            (wide, _) = charts[fid]
            assert [e for e in wide.iter() if "flag-mark" in _classes(e)
                    and "legend-key" not in _classes(e)], fid
            assert flag in (wide.get("aria-label") or ""), fid
        # Every chart's accessible name states its numbers.
        parser = _Figures()
        parser.feed(html)
        assert len(parser.summaries) == len([svgs for svgs in charts.values() if svgs]) >= 5
        assert all(re.search(r"\d", s) for s in parser.summaries.values())
        # ... and the timeline says, in the edition's own punctuation, where a date is corrected.
        timeline = charts["fig-timeline"][0].get("aria-label") or ""
        assert stated in timeline, timeline
    en = " ".join(_texts(_svgs((out / "briefing.en.html").read_text(encoding="utf-8"))["fig-timeline"][0]))
    assert en.count("source says 2025") >= 6
    assert "WARNING" not in run.err, run.err
