"""The schema language: field types, record kinds, and the values validated data holds.

``schemafile`` reads a dataset's ``schema.yaml`` into these specs (checking the schema
itself), ``validate`` turns data nodes into the values below, ``contract`` declares the
collections the engine reads itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .problems import Mark

__all__ = [
    "DEFAULT_NAMES",
    "PROVENANCE",
    "QUALIFIERS",
    "TYPES",
    "CollectionSpec",
    "Date",
    "FieldSpec",
    "Fields",
    "Items",
    "Quantity",
    "Record",
    "Schema",
    "Source",
    "Text",
    "walk",
]

QUALIFIERS = ("eq", "approx", "gt", "ge", "lt", "le")
TYPES = (
    "id", "string", "text", "integer", "number", "boolean", "date",
    "enum", "ref", "list", "object", "source", "quantity",
)
# Collection provenance: "quoted" records state facts checked against the seeds; "none"
# records are plain data (numbers without a source are simply numbers).
PROVENANCE = ("quoted", "none")
# The fields that name a record, in order of preference, when its collection declares no
# ``names``; a record with none of them is named by the record its first ref field names.
DEFAULT_NAMES = ("short", "name", "label", "title", "term")


class Text(dict[str, str]):
    """Human-readable text: one string per edition language."""


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a seed file, a verbatim quote of it, and maybe a gloss.

    ``gloss`` translates the quote into the edition languages other than the seed's own
    language; it is shown beside the quote, marked as a translation.
    """

    seed: str
    quote: str
    mark: Mark = field(compare=False)
    gloss: Text | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Quantity:
    """A number as a source states it: value, unit, qualifier and the stated words.

    ``stated`` is empty for a number of a collection without provenance; ``phrase`` pins
    the qualifier phrase (an id of the ``qualifiers`` collection) when one is given.
    """

    value: float
    unit: str
    qualifier: str
    stated: str
    mark: Mark = field(compare=False)
    phrase: str = ""


@dataclass(frozen=True)
class Date:
    """A year, month or day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def decimal(self) -> float:
        """Return the date as a fractional year, for time axes."""
        month = (self.month or 1) - 1
        return self.year + month / 12 + ((self.day or 1) - 1) / 365

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


class Fields(dict[str, Any]):
    """The validated fields of a mapping, plus where the mapping and each field came from."""

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: dict[str, Mark] = {}

    def mark_of(self, name: str) -> Mark:
        """Return where field ``name`` was written (the mapping's own mark if absent)."""
        return self.marks.get(name, self.mark)


class Items(list[Any]):
    """The validated items of a list, plus where each item came from."""

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: list[Mark] = []

    def mark_of(self, index: int) -> Mark:
        """Return where item ``index`` was written (the list's own mark if unknown)."""
        return self.marks[index] if 0 <= index < len(self.marks) else self.mark


class Record(Fields):
    """One validated record: field values plus where each came from."""

    def __init__(self, collection: str, mark: Mark) -> None:
        super().__init__(mark)
        self.collection = collection

    @property
    def id(self) -> str:
        """Return the record's id, or '' for a record without one."""
        value = self.get("id", "")
        return value if isinstance(value, str) else ""


@dataclass
class FieldSpec:
    """How one field is typed, whether it is required and what it means."""

    name: str
    type: str
    required: bool = False
    help: str = ""
    values: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    of: FieldSpec | None = None
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    numbers: str = "checked"
    provenance: str = "source"
    corrects: str = ""  # a date field: the name of the (stated) date field it corrects


@dataclass
class CollectionSpec:
    """A record kind: its fields, whether it holds one record, and what names a record."""

    name: str
    fields: dict[str, FieldSpec]
    single: bool = False
    help: str = ""
    names: tuple[str, ...] = ()  # fields naming a record; empty: DEFAULT_NAMES
    provenance: str = "quoted"
    builtin: bool = False

    @property
    def quoted(self) -> bool:
        """Return whether the facts of this collection are checked against the seeds."""
        return self.provenance == "quoted"


@dataclass
class Schema:
    """All record kinds of a dataset (built-in ones included), and the edition languages."""

    collections: dict[str, CollectionSpec]
    languages: tuple[str, ...]


def walk(value: Any, spec: FieldSpec) -> Iterator[tuple[FieldSpec, Any]]:
    """Yield every (spec, value) pair below ``value``, depth first."""
    yield spec, value
    if spec.type == "list" and spec.of is not None and isinstance(value, list):
        for item in value:
            yield from walk(item, spec.of)
    elif spec.type == "object" and isinstance(value, dict):
        for name, sub in spec.fields.items():
            if name in value:
                yield from walk(value[name], sub)
