"""Read series records by the types of their fields, as the schema declares them.

The engine never asks for a field by name: a record's value is its first ``quantity``
field, its date its first ``date`` field that corrects no other, the public record's
correction a ``date`` field that does (``corrects:``, or ``provenance: external``), and
its name its first naming field (``short``, ``name``, ``label``, ``title``, ``term``),
else the name of the record its first ``ref`` points to.
"""

from __future__ import annotations

import itertools
from typing import Any

from .dataset import Dataset
from .problems import Mark
from .references import INLINE_REF
from .schema import Date, Quantity, Record, Text

__all__ = ["corrected_date_of", "date_of", "external_fact", "item_mark", "kept_apart", "name_of",
           "quantity_of"]

_NAMES = ("short", "name", "label", "title", "term")


def item_mark(record: Record, index: int) -> Mark:
    """Where series item ``index`` was written (the series' mark when items carry none)."""
    series = record.get("series")
    mark_of = getattr(series, "mark_of", None)
    if callable(mark_of):
        found = mark_of(index)
        if isinstance(found, Mark):
            return found
    return record.marks.get("series", record.mark)


def _fields(dataset: Dataset, record: Record) -> list[tuple[str, Any]]:
    return list(dataset.spec(record.collection).fields.items())


def quantity_of(dataset: Dataset, record: Record) -> Quantity | None:
    return next((record[n] for n, s in _fields(dataset, record)
                 if s.type == "quantity" and isinstance(record.get(n), Quantity)), None)


def _is_correction(spec: Any) -> bool:
    return bool(getattr(spec, "corrects", "")) or getattr(spec, "provenance", "") == "external"


def date_of(dataset: Dataset, record: Record) -> Date | None:
    """The record's date: its first date field that corrects no other."""
    return next((record[n] for n, s in _fields(dataset, record) if s.type == "date"
                 and not _is_correction(s) and isinstance(record.get(n), Date)), None)


def corrected_date_of(dataset: Dataset, record: Record) -> Date | None:
    """The public record's date where it corrects the record's own."""
    return next((record[n] for n, s in _fields(dataset, record) if s.type == "date"
                 and _is_correction(s) and isinstance(record.get(n), Date)), None)


def external_fact(dataset: Dataset, record: Record) -> bool:
    """Whether the record carries a non-date fact from outside its sources."""
    return any(getattr(s, "provenance", "") == "external" and s.type != "date"
               and record.get(n) not in (None, "", [])
               for n, s in _fields(dataset, record))


def name_of(dataset: Dataset, record: Record, lang: str, hops: int = 3) -> Text | None:
    """The record's name: its first naming field, else the name of what it refers to."""
    for name in _NAMES:
        value = record.get(name)
        if isinstance(value, Text) and value.get(lang):
            return value
    if hops:
        for name, spec in _fields(dataset, record):
            if spec.type == "ref" and isinstance(record.get(name), Record):
                return name_of(dataset, record[name], lang, hops - 1)
    return None


def kept_apart(text: str, drawn: dict[str, tuple[str, str]]) -> tuple[str, str, str] | None:
    """Two records a text cites that the chart keeps apart, and why; else None.

    ``drawn`` maps each drawn record's id to its (unit, section). Values of different
    units, or of different sections (drawn as separate groups because they count different
    things), have no common measure: a title citing two of them reads as the comparison
    the chart refuses to draw.
    """
    cited = [rid for rid in dict.fromkeys(m.group(1) for m in INLINE_REF.finditer(text))
             if rid in drawn]
    for a, b in itertools.pairwise(cited):
        (unit_a, group_a), (unit_b, group_b) = drawn[a], drawn[b]
        if unit_a != unit_b:
            return a, b, f"units {unit_a!r} and {unit_b!r}"
        if group_a != group_b:
            return a, b, f"sections {group_a!r} and {group_b!r}"
    return None
