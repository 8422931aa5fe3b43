"""Load every data file, validate it against the schema and resolve references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contract import BUILTIN_COLLECTIONS
from .problems import Mark, Problem, ReportError
from .schema import CollectionSpec, FieldSpec, Record, Schema, Text, parse_schema, walk
from .yamlload import Map, Seq, load_file

__all__ = ["INLINE_REF", "SCHEMA_FILE", "Dataset", "load_dataset"]

SCHEMA_FILE = "schema.yaml"
INLINE_REF = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")

@dataclass
class Dataset:
    """Validated records by collection and by id, and the files they came from."""

    schema: Schema
    collections: dict[str, list[Record]] = field(default_factory=dict)
    by_id: dict[str, Record] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def records(self, collection: str) -> list[Record]:
        """Return the records of ``collection`` (empty when it has none)."""
        return self.collections.get(collection, [])

    def fields(self, record: Record) -> Iterator[tuple[FieldSpec, Any]]:
        """Yield (spec, value) for every field of ``record``, nested ones included."""
        spec = self.spec(record.collection)
        for name, sub in spec.fields.items():
            if name in record:
                yield from walk(record[name], sub)

    def spec(self, collection: str) -> CollectionSpec:
        """Return the declaration of ``collection``."""
        return self.schema.collections.get(collection) or BUILTIN_COLLECTIONS[collection]


def load_dataset(data_dir: Path, languages: tuple[str, ...], root: Path) -> Dataset:
    """Read ``data_dir``; raise ReportError listing every problem found."""
    problems: list[Problem] = []
    schema_path = data_dir / SCHEMA_FILE
    if not schema_path.is_file():
        raise ReportError(Problem(Mark(_display(schema_path, root)), "no schema file",
                                  "declare the collections in schema.yaml; see docs/data-format.md"))
    schema = parse_schema(_load(schema_path, root, problems), languages, problems) \
        if schema_path.is_file() else Schema({}, languages)
    if problems:
        raise ReportError(problems)
    dataset = Dataset(schema, files=[schema_path])
    for path in sorted(data_dir.glob("*.yaml")):
        if path.name != SCHEMA_FILE:
            dataset.files.append(path)
            _read_file(dataset, path, root, problems)
    _index(dataset, problems)
    _resolve(dataset, problems)
    if problems:
        raise ReportError(sorted(problems, key=_order))
    return dataset


def _order(problem: Problem) -> tuple[str, int, int]:
    mark = problem.mark
    return mark.file, mark.line or 0, mark.column or 0


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _load(path: Path, root: Path, problems: list[Problem]) -> Any:
    try:
        return load_file(path, display_name=_display(path, root))
    except ReportError as exc:
        problems.extend(exc.problems)
        return None


def _read_file(dataset: Dataset, path: Path, root: Path, problems: list[Problem]) -> None:
    node = _load(path, root, problems)
    if node is None:
        return
    if not isinstance(node, Map):
        problems.append(Problem(node.mark, "expected a mapping of collection names to records",
                                "see docs/data-format.md"))
        return
    known = {**BUILTIN_COLLECTIONS, **dataset.schema.collections}
    for key, body in node.pairs:
        spec = known.get(key.value)
        if spec is None:
            problems.append(Problem(key.mark, f"unknown collection {key.value!r}",
                                    "declared collections: " + ", ".join(sorted(known))))
            continue
        records = dataset.collections.setdefault(key.value, [])
        if spec.single:
            if records:
                problems.append(Problem(key.mark, f"{key.value!r} holds one record and is "
                                        "already given in another file"))
            records.append(dataset.schema.record(body, spec, problems))
        elif isinstance(body, Seq):
            records.extend(dataset.schema.record(item, spec, problems) for item in body.items)
        else:
            problems.append(Problem(body.mark, f"{key.value}: expected a list of records"))


def _index(dataset: Dataset, problems: list[Problem]) -> None:
    for records in dataset.collections.values():
        for record in records:
            rid = record.id
            if not rid:
                continue
            first = dataset.by_id.get(rid)
            if first is not None:
                problems.append(Problem(record.marks.get("id", record.mark),
                                        f"duplicate id {rid!r}", f"first used at {first.mark}"))
            else:
                dataset.by_id[rid] = record


def _resolve(dataset: Dataset, problems: list[Problem]) -> None:
    """Replace ref ids by the records they name; check inline [[id]] references."""
    for records in dataset.collections.values():
        for record in records:
            spec = dataset.spec(record.collection)
            for name, sub in spec.fields.items():
                if name in record:
                    mark = record.marks.get(name, record.mark)
                    record[name] = _resolve_value(dataset, record[name], sub, mark, problems)


def _resolve_value(dataset: Dataset, value: Any, spec: FieldSpec, mark: Mark,
                   problems: list[Problem]) -> Any:
    if spec.type == "ref" and isinstance(value, str):
        target = dataset.by_id.get(value)
        if target is None:
            problems.append(Problem(mark, f"{spec.name}: no record has the id {value!r}",
                                    "expected the id of a record" + (" in " + " or ".join(spec.to)
                                                                     if spec.to else "")))
            return value
        if spec.to and target.collection not in spec.to:  # no ``to``: any collection
            problems.append(Problem(mark, f"{spec.name}: {value!r} is a record of "
                                    f"{target.collection!r}", "expected one of " + ", ".join(spec.to)))
        return target
    if spec.type == "list" and spec.of is not None and isinstance(value, list):
        return [_resolve_value(dataset, v, spec.of, mark, problems) for v in value]
    if spec.type == "object" and isinstance(value, dict):
        for name, sub in spec.fields.items():
            if name in value:
                value[name] = _resolve_value(dataset, value[name], sub, mark, problems)
    if spec.type == "text" and isinstance(value, Text):
        for lang, text in value.items():
            for match in INLINE_REF.finditer(text):
                if match.group(1) not in dataset.by_id:
                    problems.append(Problem(mark, f"{spec.name}.{lang}: inline reference "
                                            f"{match.group(0)!r} names no record",
                                            "write [[id]] with the id of an existing record"))
    return value
