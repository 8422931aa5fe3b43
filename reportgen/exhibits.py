"""Turn exhibit records into chart specs for one edition, check them, and draw them.

The engine reads each series record by the *type* of its fields, never by their names:
a chart's value is the record's quantity, a timeline's date its date field (a date field
that corrects another, or one of ``provenance: external``, is the public record's
correction), and a label is the series item's ``label``, else the record's name. Every
rule that keeps a chart honest is checked here with a located message.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from .cache import Cache, digest
from .charts_data import (
    corrected_date_of,
    date_of,
    external_fact,
    item_mark,
    kept_apart,
    name_of,
    quantity_of,
)
from .dataset import Dataset
from .formats import Formatter
from .htmltext import visible_text
from .problems import Mark, Problem, ReportError
from .references import INLINE_REF
from .schema import Record, Text

if TYPE_CHECKING:
    from .charts_model import ChartSpec, Event, Item, Theme
    from .config import Config

__all__ = ["LEGEND_KEYS", "DrawnChart", "chart_specs", "chart_theme", "draw_charts",
           "exhibit_fields"]

_LOG = logging.getLogger(__name__)
# strings.yaml keys of the words a chart's legend prints, per mark.
LEGEND_KEYS = {**{b: f"bound_legend_{b}" for b in ("eq", "approx", "gt", "ge", "lt", "le")},
               "flagged": "chart_legend_flagged", "corrected": "corrected_legend",
               "log": "chart_legend_log"}


@dataclass(frozen=True)
class DrawnChart:
    """A chart of one edition: its three drawings, its data as rows, and its summary."""

    id: str
    print_svg: str
    wide: str
    narrow: str
    rows: tuple[tuple[str, str], ...]
    strings: tuple[str, ...]
    summary: str


def chart_theme(config: Config) -> Theme:
    """Return the chart theme of a project: config ``chart_theme``, fonts from ``fonts``."""
    from .charts_model import parse_theme

    return parse_theme(getattr(config, "chart_theme", {}) or {}, config.fonts)


def exhibit_fields(chart: DrawnChart | None, target: str) -> dict[str, str]:
    """Return the chart part of ``exhibit()``: ``img`` for PDF, ``svg``/``svg_narrow`` for HTML."""
    if chart is None:
        return {"img": "", "svg": "", "svg_narrow": "", "summary": ""}
    html = target == "html"
    data = base64.b64encode(chart.print_svg.encode("utf-8")).decode("ascii")
    return {"img": "" if html else f"data:image/svg+xml;base64,{data}",
            "svg": chart.wide if html else "", "svg_narrow": chart.narrow if html else "",
            "summary": chart.summary}


def chart_specs(dataset: Dataset, formatter: Formatter, strings: Mapping[str, str],
                theme: Theme | None = None, warnings: list[str] | None = None) -> dict[str, ChartSpec]:
    """Build the spec of every chart exhibit in the edition of ``formatter``; raise on problems.

    ``warnings`` receives located notes on charts that build but should not be charts
    (a single number).
    """
    from .charts_model import Theme

    reader = _Reader(dataset, formatter, strings, theme or Theme())
    specs: dict[str, ChartSpec] = {}
    for record in dataset.records("exhibits"):
        if record.get("kind") == "chart":
            spec = reader.spec(record)
            if spec is not None:
                specs[record.id] = spec
    if reader.problems:
        raise ReportError(reader.problems)
    if warnings is not None:
        warnings.extend(reader.warnings)
    return specs


def draw_charts(specs: Mapping[str, ChartSpec], theme: Theme, cache: Cache | None = None,
                salt: str = "") -> dict[str, DrawnChart]:
    """Draw every spec (print, wide, narrow), or take the drawings from ``cache``."""
    from .charts_model import ChartSpec as _Spec

    look = _theme_key(theme)
    drawn = {}
    for cid, spec in specs.items():
        assert isinstance(spec, _Spec)
        key = digest(asdict(spec), look, salt)
        stored = cache.get(key) if cache else None
        if stored is None:
            from .charts import render_variants

            _LOG.debug("drawing chart %s", cid)
            svgs = render_variants(spec, theme)
            if cache:
                cache.put(key, json.dumps(svgs, sort_keys=True).encode("utf-8"))
        else:
            svgs = json.loads(stored.decode("utf-8"))
        # The SVGs keep their labels as text, so what they draw can be read back from them.
        texts = tuple(_svg_text(svgs[v]) for v in ("print", "wide", "narrow"))
        drawn[cid] = DrawnChart(cid, svgs["print"], svgs["wide"], svgs["narrow"], _rows(spec),
                                texts, spec.summary)
    return drawn


@functools.lru_cache(maxsize=256)
def _svg_text(svg: str) -> str:
    """The text a chart draws (a warm process reads each drawing once)."""
    return visible_text(svg)


def _theme_key(theme: Theme) -> str:
    from .charts import theme_digest

    return theme_digest(theme)


def _rows(spec: ChartSpec) -> tuple[tuple[str, str], ...]:
    rows = tuple((i.label + (f" · {i.group}" if i.group else "")
                  + (f" · {i.when_text}" if i.when_text else ""), i.text) for i in spec.items)
    return rows + tuple((e.when_text + (f" ({e.stated_text})" if e.stated_text else ""), e.label)
                        for e in spec.events)


class _Reader:
    """Reads exhibit records of one edition into specs, collecting located problems."""

    def __init__(self, dataset: Dataset, formatter: Formatter, strings: Mapping[str, str],
                 theme: Theme) -> None:
        self.dataset = dataset
        self.fmt = formatter
        self.lang = formatter.lang
        self.strings = strings
        self.theme = theme
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def fail(self, mark: Mark, message: str, hint: str = "") -> None:
        self.problems.append(Problem(mark, message, hint))

    def spec(self, record: Record) -> ChartSpec | None:
        from .charts_model import KINDS, ChartSpec

        rid = record.id
        kind = str(record.get("chart", "bars"))
        scale = str(record.get("scale", "linear"))
        if kind not in KINDS:
            self.fail(record.marks.get("chart", record.mark), f"exhibit {rid!r}: unknown chart "
                      f"kind {kind!r}", "expected one of " + ", ".join(KINDS))
            return None
        if scale == "log" and kind != "dots":
            self.fail(record.marks.get("scale", record.mark),
                      f"exhibit {rid!r}: a log scale has no zero, so {kind} would show the "
                      "distance from an arbitrary baseline, not the values",
                      "for values of very different sizes use 'chart: dots' (a log axis is "
                      "allowed there) or a table")
            return None
        series = record.get("series") or []
        if not series:
            self.fail(record.mark, f"exhibit {rid!r}: a chart needs a 'series' of records")
            return None
        if len(series) > self.theme.max_items:
            self.fail(record.marks.get("series", record.mark),
                      f"exhibit {rid!r}: {len(series):,} series items; a chart shows at most "
                      f"{self.theme.max_items}", "show the data as a table, or raise "
                      "chart_theme.max_items in the configuration")
            return None
        before = len(self.problems)
        seen: dict[str, int] = {}
        for index, item in enumerate(series):
            ref = item.get("ref")
            if isinstance(ref, Record) and ref.id in seen:
                self.fail(item_mark(record, index), f"exhibit {rid!r}: {ref.id!r} is drawn "
                          f"twice (items {seen[ref.id] + 1} and {index + 1})",
                          "draw each record once")
            elif isinstance(ref, Record):
                seen[ref.id] = index
        if kind == "timeline":
            events = tuple(e for i, it in enumerate(series) if (e := self.event(record, i, it)))
            items: tuple[Item, ...] = ()
        else:
            events = ()
            placed = [(i, x) for i, it in enumerate(series) if (x := self.item(record, kind, i, it))]
            self.check_units(record, kind, placed)
            self.check_title(record, series, placed)
            items = tuple(x for _, x in placed)
        if len(self.problems) > before:
            return None
        if kind != "timeline" and len(items) == 1:
            self.warnings.append(str(Problem(record.marks.get("series", record.mark),
                                             f"exhibit {rid!r} charts a single number",
                                             "a single number is a key figure, not a chart")))
        spec = ChartSpec(rid, kind, items, events, axis=self.text(record.get("axis")),
                         scale=scale)
        legend = self.legend(record, spec)
        ticks, years = self.ticks(spec)
        spec = replace(spec, legend=legend, ticks=ticks, years=years)
        return replace(spec, summary=self.summary(record, spec))

    # --- series items ---

    def item(self, record: Record, kind: str, index: int, entry: Mapping[str, Any]) -> Item | None:
        from .charts_model import Item

        ref = entry.get("ref")
        mark = item_mark(record, index)
        if not isinstance(ref, Record):
            return None  # an unresolved reference was reported when the data was read
        q = quantity_of(self.dataset, ref)
        if q is None:
            self.fail(mark, f"exhibit {record.id!r}: a {kind} chart draws quantities; "
                      f"{ref.id!r} ({ref.collection}) has no field of type quantity")
            return None
        when, when_text = 0.0, ""
        if kind == "line":
            date = date_of(self.dataset, ref)
            if date is None:
                self.fail(mark, f"exhibit {record.id!r}: a line chart draws values over time; "
                          f"{ref.id!r} ({ref.collection}) has no field of type date")
                return None
            when, when_text = date.decimal, self.fmt.date(date)
        label = self.label(record, index, entry, ref)
        if label is None:
            return None
        return Item(label, q.value, q.qualifier, self.fmt.quantity(q), self.text(entry.get("group")),
                    when, when_text, self.flagged(ref, entry), q.unit)

    def event(self, record: Record, index: int, entry: Mapping[str, Any]) -> Event | None:
        from .charts_model import Event

        ref = entry.get("ref")
        if not isinstance(ref, Record):
            return None
        stated = date_of(self.dataset, ref)
        if stated is None:
            self.fail(item_mark(record, index), f"exhibit {record.id!r}: a timeline draws "
                      f"dated records; {ref.id!r} ({ref.collection}) has no field of type date")
            return None
        corrected = corrected_date_of(self.dataset, ref)
        label = self.label(record, index, entry, ref)
        if label is None:
            return None
        shown = corrected or stated
        said = self.string("stated_as", record)
        return Event(label, shown.decimal, self.fmt.date(shown), corrected is not None,
                     said.replace("{d}", self.fmt.date(stated)) if corrected else "",
                     corrected is None and self.flagged(ref, entry))

    def label(self, record: Record, index: int, entry: Mapping[str, Any], ref: Record) -> str | None:
        label = self.text(entry.get("label")) or self.text(name_of(self.dataset, ref, self.lang))
        if not label:
            self.fail(item_mark(record, index), f"exhibit {record.id!r}: no label for "
                      f"{ref.id!r}", "give the series item a 'label', or the record a name")
            return None
        return label

    def flagged(self, ref: Record, entry: Mapping[str, Any]) -> bool:
        """Whether a correction applies: the record, or one its drawn label cites, carries a
        fact from outside the sources (a field of ``provenance: external``) other than a date."""
        cited = [ref]
        for text in (entry.get("label"), name_of(self.dataset, ref, self.lang)):
            if isinstance(text, Text):
                cited += [self.dataset.by_id[m.group(1)] for m in INLINE_REF.finditer(
                    text.get(self.lang, "")) if m.group(1) in self.dataset.by_id]
        return any(external_fact(self.dataset, r) for r in cited)

    def check_units(self, record: Record, kind: str, placed: Sequence[tuple[int, Item]]) -> None:
        """One axis, one unit: only a bars chart may hold several units, one panel each."""
        if kind == "dots" or not placed:
            return
        first_unit = placed[0][1].unit
        if kind != "bars":
            for index, item in placed:
                if item.unit != first_unit:
                    self.fail(item_mark(record, index),
                              f"exhibit {record.id!r}: a {kind} chart has one value axis, in "
                              f"{first_unit!r}; this item is in {item.unit!r}",
                              "draw values of another unit in their own exhibit")
                    return
            return
        units: dict[str, str] = {}
        for index, item in placed:
            unit = units.setdefault(item.group, item.unit)
            if item.unit != unit:
                self.fail(item_mark(record, index),
                          f"exhibit {record.id!r}: the bars of group {item.group!r} mix units "
                          f"({unit!r} and {item.unit!r})",
                          "each unit gets its own panel and axis: give it its own group")

    def check_title(self, record: Record, series: Sequence[Mapping[str, Any]],
                    placed: Sequence[tuple[int, Item]]) -> None:
        """A title may not set side by side numbers the chart itself keeps apart."""
        title = record.get("title")
        by_ref = {ref.id: (item.unit, item.group) for index, item in placed
                  if isinstance(ref := series[index].get("ref"), Record)}
        found = kept_apart(title.get(self.lang, "") if isinstance(title, Text) else "", by_ref)
        if found:
            self.fail(record.marks.get("title", record.mark),
                      f"exhibit {record.id!r}: the title cites {found[0]!r} and {found[1]!r}, "
                      f"which the chart keeps apart ({found[2]}): they have no common measure",
                      "cite one of them, or say what each counts without setting them "
                      "against each other")

    # --- words and numbers of the edition ---

    def text(self, value: Any) -> str:
        """Return ``value`` in the edition language; inline references become plain text."""
        if not isinstance(value, Text):
            return ""
        return INLINE_REF.sub(lambda m: m.group(2) or self.ref_text(m.group(1)),
                              value.get(self.lang, ""))

    def ref_text(self, rid: str) -> str:
        record = self.dataset.by_id.get(rid)
        if record is None:
            return rid
        q = quantity_of(self.dataset, record)
        if q is not None:
            return self.fmt.quantity(q)
        return self.text(name_of(self.dataset, record, self.lang)) or rid

    def string(self, key: str, record: Record, fallback: str = "") -> str:
        value = self.strings.get(key)
        if value is None and key.startswith("bound_legend_"):
            value = self.data_legend(key.removeprefix("bound_legend_"))
        if value is None and not fallback:
            self.fail(record.mark, f"exhibit {record.id!r}: strings.yaml has no {key!r} for "
                      f"{self.lang!r}", "the chart prints it to explain a mark it draws; add "
                      "it to templates/strings.yaml")
        return value if value is not None else fallback

    def data_legend(self, bound: str) -> str | None:
        """A legend the dataset's qualifiers give for ``bound`` (``legend`` text), if any."""
        for record in self.dataset.records("qualifiers"):
            if bound in (record.get("id"), record.get("bound")):
                legend = record.get("legend")
                if isinstance(legend, Text) and legend.get(self.lang):
                    return legend[self.lang]
        return None

    def legend(self, record: Record, spec: ChartSpec) -> tuple[tuple[str, str], ...]:
        marks = [i.bound for i in spec.items]
        if spec.kind == "stacked-bars":
            marks = []
        shown = [b for b in dict.fromkeys(marks) if b != "eq" or len(set(marks)) > 1]
        if any(i.flagged for i in spec.items) or any(e.flagged for e in spec.events):
            shown.append("flagged")
        if any(e.corrected for e in spec.events):
            shown.append("corrected")
        if spec.scale == "log":
            shown.append("log")
        return tuple((key, self.string(LEGEND_KEYS[key], record)) for key in shown)

    def ticks(self, spec: ChartSpec) -> tuple[tuple[tuple[float, str], ...], tuple[tuple[int, str], ...]]:
        from .charts_axis import tick_candidates, year_candidates

        values: list[float] = []
        if spec.kind == "stacked-bars":
            for label in dict.fromkeys(i.label for i in spec.items):
                values.append(sum(i.value for i in spec.items if i.label == label))
            groups = [values]
        else:
            groups = [[i.value for i in spec.items if i.unit == u]
                      for u in dict.fromkeys(i.unit for i in spec.items)]
        found: dict[float, str] = {}
        for group in groups:
            for v in tick_candidates(group, spec.scale == "log") if group else []:
                found.setdefault(v, self.number(v))
        whens = [e.when for e in spec.events] + [i.when for i in spec.items if spec.kind == "line"]
        years = tuple((y, str(y)) for y in year_candidates(whens)) if whens else ()
        return tuple(sorted(found.items())), years

    def number(self, value: float) -> str:
        """A tick label: the edition formatter's plain, scaled number (no unit, no qualifier)."""
        return self.fmt.scaled(value)

    def summary(self, record: Record, spec: ChartSpec) -> str:
        colon = self.strings.get("colon", ": ")
        sep = self.strings.get("list_sep", "; ")
        aside = self.strings.get("chart_aside", " ({x})")
        flag = spec.legend_text("flagged")

        def beside(*texts: str) -> str:
            return "".join(aside.replace("{x}", t) for t in texts if t)

        if spec.kind == "timeline":
            parts = [e.when_text + colon + e.label
                     + beside(e.stated_text, flag if e.flagged else "") for e in spec.events]
        else:
            parts = [i.label + beside(i.group, i.when_text) + colon + i.text
                     + beside(flag if i.flagged else "") for i in spec.items]
        alt = self.text(record.get("alt")) or self.text(record.get("title"))
        pattern = self.strings.get("chart_summary", "{alt} {data}")
        return pattern.replace("{alt}", alt).replace("{data}", sep.join(parts)).strip()
