"""Turn exhibit records into chart specs for one edition, and draw them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .cache import Cache, digest
from .dataset import INLINE_REF, Dataset
from .formats import BOUNDS, Formatter
from .htmltext import visible_text
from .problems import Problem, ReportError
from .schema import Date, Quantity, Record, Text

if TYPE_CHECKING:
    from .charts import ChartSpec, Theme

__all__ = ["DrawnChart", "chart_specs", "draw_charts"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrawnChart:
    """A chart of one edition: its SVG, its data as rows, and every string it draws."""

    id: str
    svg: str
    rows: tuple[tuple[str, str], ...]
    strings: tuple[str, ...]


def chart_specs(dataset: Dataset, formatter: Formatter,
                strings: Mapping[str, str]) -> dict[str, ChartSpec]:
    """Build the spec of every chart exhibit in the edition language of ``formatter``."""
    from .charts import Bar, ChartSpec, Milestone

    lang = formatter.lang
    # What each bound's mark means, per edition language (strings.yaml: bound_legend_gt …).
    legend = {b: strings[f"bound_legend_{b}"] for b in BOUNDS if f"bound_legend_{b}" in strings}
    legend["corrected"] = strings["corrected_legend"]
    specs: dict[str, ChartSpec] = {}
    problems: list[Problem] = []
    for record in dataset.records("exhibits"):
        if record.get("kind") != "chart":
            continue
        kind = record.get("chart", "bars")
        bars, milestones = [], []
        for item in record.get("series", []):
            ref: Record = item["ref"]
            label = _text(item.get("label"), lang, dataset, formatter) or \
                _name(ref.get("subject"), lang)
            if kind == "bars":
                q = ref.get("quantity")
                if not isinstance(q, Quantity):
                    problems.append(Problem(record.marks.get("series", record.mark),
                                            f"{record.id}: bars draw metrics; {ref.id!r} "
                                            "has no quantity"))
                    continue
                bars.append(Bar(label, q.value, q.qualifier,  # type: ignore[arg-type]
                                formatter.quantity(q), _text(item.get("group"), lang)))
            else:
                stated, corrected = ref.get("date"), ref.get("corrected")
                if not isinstance(stated, Date):
                    problems.append(Problem(record.marks.get("series", record.mark),
                                            f"{record.id}: a timeline draws dated records; "
                                            f"{ref.id!r} has no date"))
                    continue
                shown = corrected if isinstance(corrected, Date) else stated
                label = _text(item.get("label"), lang, dataset, formatter) or \
                    _text(ref.get("label"), lang, dataset, formatter)
                milestones.append(Milestone(
                    label, shown.decimal, formatter.date(shown), shown is corrected,
                    strings["stated_as"].replace("{d}", formatter.date(stated))
                    if shown is corrected else ""))
        specs[record.id] = ChartSpec(
            id=record.id, chart=kind, lang=lang, axis=_text(record.get("axis"), lang),
            scale=record.get("scale", "linear"), bars=tuple(bars),
            milestones=tuple(milestones), legend=legend)
    if problems:
        raise ReportError(problems)
    return specs


def draw_charts(specs: Mapping[str, ChartSpec], theme: Theme, cache: Cache | None = None,
                salt: str = "") -> dict[str, DrawnChart]:
    """Draw every spec as SVG, or take it from ``cache`` (matplotlib loads only to draw)."""
    from .charts import theme_digest

    look = theme_digest(theme)
    drawn = {}
    for cid, spec in specs.items():
        rows = tuple((b.label + (f" · {b.group}" if b.group else ""), b.text)
                     for b in spec.bars)
        rows += tuple((m.date_text + (f" ({m.stated_text})" if m.stated_text else ""), m.label)
                      for m in spec.milestones)
        key = digest(asdict(spec), look, salt)
        stored = cache.get(key) if cache else None
        if stored is None:
            from .charts import render_svg

            _LOG.debug("drawing chart %s (%s)", cid, spec.lang)
            svg = render_svg(spec, theme)
            if cache:
                cache.put(key, svg.encode("utf-8"))
        else:
            svg = stored.decode("utf-8")
        # The SVG keeps its labels as text, so what it draws can be read back from it.
        drawn[cid] = DrawnChart(cid, svg, rows, (visible_text(svg),))
    return drawn


def _text(value: Any, lang: str, dataset: Dataset | None = None,
          formatter: Formatter | None = None) -> str:
    """Return ``value`` in ``lang``; inline references become plain text, as charts draw it."""
    if not isinstance(value, Text):
        return ""
    if dataset is None or formatter is None:
        return value[lang]
    return INLINE_REF.sub(lambda m: m.group(2) or _plain_ref(dataset, formatter, m.group(1)),
                          value[lang])


def _plain_ref(dataset: Dataset, formatter: Formatter, rid: str) -> str:
    record = dataset.by_id[rid]
    quantity = next((v for v in record.values() if isinstance(v, Quantity)), None)
    if quantity is not None:
        return formatter.quantity(quantity)
    return _name(record, formatter.lang) or rid


def _name(record: Any, lang: str) -> str:
    if not isinstance(record, Record):
        return ""
    return _text(record.get("short"), lang) or _text(record.get("name"), lang)
