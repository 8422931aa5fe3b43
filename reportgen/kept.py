"""What a long-lived process keeps of its last reading of the data, so that an edit
re-validates and re-checks only the records it changed.

A warm process (``reportgen serve``, ``build --watch``) gathers again after every edit.
The YAML reader hands back the same parse tree for a file whose text is unchanged
(``yamlload``), so a record's node is the same object as long as its file is. ``Kept``
remembers, per node, the record validation made of it and the problems it found, and
per record, what the provenance check found and how it settled the record's quantities,
with everything else the check read (the seeds, the phrases, the records its inline
references name). A record is taken from here only when all of that is the same object,
or equal text; anything else is validated and checked again, as a cold build would.

Records handed out are fresh copies of the kept ones: resolving references and settling
quantities change records in place, and the kept ones stay as validation made them.
Entries not used by one reading are dropped by the next, so a process keeps at most two
readings' worth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .problems import Problem
from .schema import CollectionSpec, Fields, Items, Quantity, Record, Schema, Text
from .yamlload import Node

__all__ = ["Checked", "Kept", "fresh"]


@dataclass
class Checked:
    """What the provenance check of one record found, and what it read to find it."""

    shared: tuple[Any, ...]  # what every record's check read (``Kept.shared``)
    named: tuple[str, ...]  # the ids its texts' inline references name
    targets: tuple[Any, ...]  # the records they named then (an id: no record had it)
    problems: list[Problem]
    settled: list[Quantity] | None  # its quantities after settling, in field order


@dataclass
class _Validated:
    node: Node  # held, so that its id() names it while the entry lives
    collection: CollectionSpec
    record: Record
    problems: list[Problem]


@dataclass
class Kept:
    """Validated records by the node they were read from, and their provenance checks."""

    schema_read: tuple[Node, tuple[str, ...], Schema] | None = None
    _validated: dict[int, _Validated] = field(default_factory=dict)
    _validated_before: dict[int, _Validated] = field(default_factory=dict)
    _checked: dict[int, tuple[Record, Checked]] = field(default_factory=dict)
    _checked_before: dict[int, tuple[Record, Checked]] = field(default_factory=dict)
    _origin: dict[int, Record] = field(default_factory=dict)  # copy's id -> kept record
    _shared: tuple[Any, ...] | None = None
    validated: int = 0  # records validated by the last reading (the others were kept)
    checked: int = 0  # records whose provenance the last reading checked

    def begin(self) -> None:
        """Start a reading: what the last one did not use is dropped now."""
        self._validated_before, self._validated = self._validated, {}
        self._checked_before, self._checked = self._checked, {}
        self._origin = {}
        self.validated = self.checked = 0

    def schema(self, node: Node | None, languages: tuple[str, ...],
               parse: Callable[[], Schema], problems: list[Problem]) -> Schema:
        """The schema read from ``node`` for ``languages``: the kept one if the same.

        One read with problems is not kept: reading it again reports them again.
        """
        kept = self.schema_read
        if node is not None and kept is not None and kept[0] is node and kept[1] == languages:
            return kept[2]
        before = len(problems)
        schema = parse()
        self.schema_read = (node, languages, schema) \
            if node is not None and len(problems) == before else None
        self._validated_before.clear()  # other specs: no record is valid as it was
        self._checked_before.clear()
        return schema

    def record(self, node: Node, collection: CollectionSpec, problems: list[Problem],
               validate: Callable[[list[Problem]], Record]) -> Record:
        """A fresh copy of the record validated from ``node``; its problems added."""
        key = id(node)
        entry = self._validated.get(key) or self._validated_before.pop(key, None)
        if entry is None or entry.node is not node or entry.collection is not collection:
            found: list[Problem] = []
            self.validated += 1
            entry = _Validated(node, collection, validate(found), found)
        self._validated[key] = entry
        problems.extend(entry.problems)
        copy: Record = fresh(entry.record)
        self._origin[id(copy)] = entry.record
        return copy

    def origin(self, record: Record) -> Record | None:
        """The kept record ``record`` was copied from (None for one read otherwise)."""
        return self._origin.get(id(record))

    def shared(self, read: tuple[Any, ...]) -> tuple[Any, ...]:
        """What every record's check reads (seeds, phrases), as the last reading's tuple
        when it holds the same: one comparison per reading, not one per record."""
        last = self._shared
        if last is not None and _same(last, read):
            return last
        self._shared = read
        return read

    def check(self, record: Record, shared: tuple[Any, ...],
              target: Callable[[str], Any]) -> Checked | None:
        """What the last check of ``record`` found, if it read the same: the same
        ``shared`` and, for each id its texts name, the same ``target(id)``."""
        origin = self.origin(record)
        if origin is None:
            return None
        key = id(origin)
        entry = self._checked.get(key) or self._checked_before.pop(key, None)
        if entry is None or entry[0] is not origin:
            return None
        checked = entry[1]
        if checked.shared is not shared or not _same(checked.targets,
                                                     tuple(map(target, checked.named))):
            return None
        self._checked[key] = entry
        return checked

    def keep_check(self, record: Record, checked: Checked) -> None:
        """Remember what checking ``record`` found."""
        self.checked += 1
        origin = self.origin(record)
        if origin is not None:
            self._checked[id(origin)] = (origin, checked)


def _same(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """The same objects in the same order; strings (seed texts) compared by value."""
    return len(a) == len(b) and all(
        x is y or (isinstance(x, str) and isinstance(y, str) and x == y)
        for x, y in zip(a, b, strict=True))


def fresh(value: Any) -> Any:
    """A copy of a validated value whose containers can change without changing ``value``.

    Records, mappings and lists are copied; the values inside them that nothing changes
    (texts, sources, quantities, dates, strings and numbers) are shared, and so are the
    marks saying where each was written.
    """
    if isinstance(value, Text):
        return value
    if isinstance(value, Fields):  # a record, or the fields of an object
        fields = Record(value.collection, value.mark) if isinstance(value, Record) \
            else Fields(value.mark)
        fields.marks = value.marks
        for name, item in value.items():
            fields[name] = fresh(item)
        return fields
    if isinstance(value, Items):
        items = Items(value.mark)
        items.marks = value.marks
        items.extend(fresh(item) for item in value)
        return items
    if isinstance(value, list):
        return [fresh(item) for item in value]
    if isinstance(value, dict):
        return {name: fresh(item) for name, item in value.items()}
    return value
