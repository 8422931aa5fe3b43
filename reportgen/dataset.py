"""Load every data file, validate it against the schema and resolve references.

Root causes come first: when a data file cannot be read or a collection is unknown, the
"no record has the id …" problems that follow from it are held back (and counted), so one
syntax error reads as one problem, not a hundred.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import MAX_TABLE_BYTES, display_path, read_bytes
from .hints import did_you_mean
from .kept import Kept
from .problems import Mark, Problem, ReportError
from .references import check_glosses, resolve
from .schema import (
    DEFAULT_NAMES,
    CollectionSpec,
    Date,
    FieldSpec,
    Quantity,
    Record,
    Schema,
    Source,
    Text,
    walk,
)
from .schemafile import parse_schema
from .tabular import load_table
from .validate import validate_record
from .worker import gc_paused
from .yamlload import MAX_BYTES, Map, Node, Scalar, Seq, load_bytes

__all__ = ["MAX_RECORDS", "SCHEMA_FILE", "Dataset", "load_dataset", "load_schema"]

SCHEMA_FILE = "schema.yaml"
MAX_RECORDS = 100_000  # records of one collection
# An id as it may be written in a file that could not be read: ``id: x`` or ``"id": 'x'``.
_ID_IN_TEXT = re.compile(r"""(?:^|[\s{,])['"]?id['"]?\s*:\s*['"]?([a-z0-9][a-z0-9-]*)""", re.M)
_MAX_HOPS = 4  # how far a record's name follows refs (metric → entity → …)


@dataclass
class Dataset:
    """Validated records by collection and by id, and the files they came from."""

    schema: Schema
    collections: dict[str, list[Record]] = field(default_factory=dict)
    by_id: dict[str, Record] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def attachments(self) -> tuple[tuple[str, bytes], ...]:
        """Return (name, bytes) of every data file, read again as safely as the first time."""
        out = []
        for path in self.files:
            cap = MAX_TABLE_BYTES if path.suffix == ".csv" else MAX_BYTES
            out.append((path.name, read_bytes(path, path.parent, path.name, cap)))
        return tuple(out)

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
        """Return the declaration of ``collection`` (built-in collections included)."""
        return self.schema.collections[collection]

    # --- what the engine asks of a record, by declared meaning, never by field name ---

    def name_of(self, record: Record, hops: int = _MAX_HOPS) -> Text | None:
        """Return the text naming ``record``: its first naming field that has a value.

        The naming fields are the collection's ``names`` (default :data:`DEFAULT_NAMES`);
        a ``string`` names it in every language, a ``ref`` by the record it points to.
        Without a declared ``names`` and without any default field, the record is named
        by the record its first ``ref`` field points to (a metric by its subject).
        """
        spec = self.spec(record.collection)
        declared = bool(spec.names)
        for name in spec.names or DEFAULT_NAMES:
            found = self._naming(record, spec.fields.get(name), hops)
            if found is not None:
                return found
        if not declared and hops > 0:
            for name, sub in spec.fields.items():
                if sub.type == "ref" and isinstance(record.get(name), Record):
                    return self.name_of(record[name], hops - 1)
        return None

    def _naming(self, record: Record, spec: FieldSpec | None, hops: int) -> Text | None:
        if spec is None or spec.name not in record:
            return None
        value = record[spec.name]
        if isinstance(value, Text):
            return value
        if isinstance(value, str) and spec.type == "string":
            return Text(dict.fromkeys(self.schema.languages, value))
        if isinstance(value, Record) and hops > 0:
            return self.name_of(value, hops - 1)
        return None

    def label_of(self, record: Record, lang: str) -> str:
        """Return the record's name in ``lang`` ('' when it has none), as written."""
        name = self.name_of(record)
        return name.get(lang, "") if name is not None else ""

    def quantity_of(self, record: Record) -> Quantity | None:
        """Return the record's quantity: the value of its first field of type quantity."""
        found: Quantity | None = self._first(record, "quantity", Quantity)
        return found

    def date_of(self, record: Record) -> Date | None:
        """Return the record's date: its first date field that corrects no other field."""
        spec = self.spec(record.collection)
        for name, sub in spec.fields.items():
            if sub.type == "date" and not sub.corrects and isinstance(record.get(name), Date):
                return record[name]  # type: ignore[no-any-return]
        return None

    def corrected_date_of(self, record: Record) -> Date | None:
        """Return the date that corrects the record's date (a field with ``corrects``)."""
        spec = self.spec(record.collection)
        stated = next((n for n, s in spec.fields.items()
                       if s.type == "date" and not s.corrects and n in record), None)
        for name, sub in spec.fields.items():
            if sub.corrects and sub.corrects == stated and isinstance(record.get(name), Date):
                return record[name]  # type: ignore[no-any-return]
        return None

    def sources_of(self, record: Record) -> list[Source]:
        """Return every source the record cites, nested ones included, in field order."""
        return [v for spec, v in self.fields(record) if spec.type == "source"
                and isinstance(v, Source)]

    def quoted(self, record: Record) -> bool:
        """Return whether the record's facts are checked against the seeds."""
        return self.spec(record.collection).quoted

    @property
    def cites_seeds(self) -> bool:
        """Return whether any record cites a seed (so the seeds folder is needed)."""
        return any(self.sources_of(r) for records in self.collections.values() for r in records)

    def _first(self, record: Record, kind: str, cls: type[Any]) -> Any:
        spec = self.spec(record.collection)
        for name, sub in spec.fields.items():
            if sub.type == kind and isinstance(record.get(name), cls):
                return record[name]
        return None


def load_dataset(data_dir: Path, languages: tuple[str, ...], root: Path,
                 source_language: Callable[[str], str] | None = None,
                 kept: Kept | None = None) -> Dataset:
    """Read ``data_dir``; raise ReportError listing every problem found.

    ``source_language`` gives the language of a seed (default: the first edition
    language); a source's gloss must cover every edition language but that one.
    ``kept``, in a long-lived process, holds the records of the last reading: a record
    whose file is unchanged is taken from there, not validated again.
    """
    with gc_paused():  # a large dataset is millions of objects, none in a cycle
        return _load_dataset(data_dir, languages, root, source_language, kept)


def _load_dataset(data_dir: Path, languages: tuple[str, ...], root: Path,
                  source_language: Callable[[str], str] | None, kept: Kept | None) -> Dataset:
    problems: list[Problem] = []
    loader = _Loader(data_dir, root, problems, kept)
    schema = _schema(loader, languages)
    dataset = Dataset(schema, files=[data_dir / SCHEMA_FILE])
    loader.dataset = dataset
    for path in _listed(data_dir):
        if path.name == SCHEMA_FILE:
            continue
        dataset.files.append(path)
        loader.read(path)
    held = resolve(dataset, problems, loader.lost_ids, loader.lost_file)
    first = source_language or (lambda seed: languages[0] if languages else "")
    check_glosses(dataset, first, problems)
    if problems:
        problems.sort(key=_order)
        if held:
            problems.append(Problem(Mark(display_path(data_dir, root)),
                                    f"{held} more problem{'s' if held != 1 else ''} held back: "
                                    "references to ids that may be defined in the data that "
                                    "could not be read", "fix the problems above first"))
        raise ReportError(problems)
    return dataset


def load_schema(data_dir: Path, languages: tuple[str, ...], root: Path) -> Schema:
    """Read ``data_dir/schema.yaml`` alone (built-in collections merged); raise on problems."""
    return _schema(_Loader(data_dir, root, []), languages)


def _schema(loader: _Loader, languages: tuple[str, ...]) -> Schema:
    path = loader.data_dir / SCHEMA_FILE
    if not path.exists() and not path.is_symlink():
        raise ReportError(Problem(Mark(display_path(path, loader.root)), "no schema file",
                                  "declare the collections in schema.yaml; see docs/data-format.md"))
    node = loader.yaml(path)
    if loader.kept is None:
        schema = parse_schema(node, languages, loader.problems)
    else:
        schema = loader.kept.schema(node, languages,
                                    lambda: parse_schema(node, languages, loader.problems),
                                    loader.problems)
    if loader.problems:
        raise ReportError(loader.problems)
    return schema


def _listed(data_dir: Path) -> list[Path]:
    """Return the data files: ``*.yaml`` and ``*.csv``, hidden files left out, sorted."""
    return sorted(p for p in data_dir.iterdir() if p.suffix in (".yaml", ".csv")
                  and not p.name.startswith(".")) if data_dir.is_dir() else []


def _order(problem: Problem) -> tuple[str, int, int]:
    mark = problem.mark
    return mark.file, mark.line or 0, mark.column or 0


class _Loader:
    """Read data files into records; remember what could not be read."""

    def __init__(self, data_dir: Path, root: Path, problems: list[Problem],
                 kept: Kept | None = None) -> None:
        self.data_dir = data_dir
        self.root = root
        self.problems = problems
        self.kept = kept
        self.dataset: Dataset | None = None
        self.lost_ids: set[str] = set()  # ids of records that could not be read
        self.lost_file = False  # a file could not be read at all: any id may be in it

    def yaml(self, path: Path) -> Node | None:
        display = display_path(path, self.root)
        try:
            data = read_bytes(path, self.data_dir, display, MAX_BYTES)
        except ReportError as exc:
            self.problems.extend(exc.problems)
            self.lost_file = True
            return None
        try:
            return load_bytes(data, display)
        except ReportError as exc:
            self.problems.extend(exc.problems)
            self.lost_ids.update(_ID_IN_TEXT.findall(data.decode("utf-8", "replace")))
            return None

    def read(self, path: Path) -> None:
        dataset = self.dataset
        assert dataset is not None
        if path.suffix == ".csv":
            self.table(path)
            return
        node = self.yaml(path)
        if node is None:
            return
        if not isinstance(node, Map):
            self.problems.append(Problem(node.mark, "expected a mapping of collection names to "
                                         "records", "see docs/data-format.md"))
            return
        known = dataset.schema.collections
        for key, body in node.pairs:
            spec = known.get(key.value)
            if spec is None:
                guess = did_you_mean(key.value, known)
                self.problems.append(Problem(key.mark, f"unknown collection {key.value!r}",
                                             (f"{guess}; " if guess else "")
                                             + "declared collections: " + ", ".join(sorted(known))))
                self.lost_ids.update(_ids_below(body))
                continue
            self.add(spec, key, body)

    def table(self, path: Path) -> None:
        dataset = self.dataset
        assert dataset is not None
        display = display_path(path, self.root)
        name = path.name.split(".", 1)[0]
        spec = dataset.schema.collections.get(name)
        if spec is None:
            guess = did_you_mean(name, dataset.schema.collections)
            self.problems.append(Problem(Mark(display), f"unknown collection {name!r}: a table "
                                         "loads into the collection its file is named after",
                                         (f"{guess}; " if guess else "") + "declared collections: "
                                         + ", ".join(sorted(dataset.schema.collections))))
            self.lost_file = True
            return
        try:
            data = read_bytes(path, self.data_dir, display, MAX_TABLE_BYTES)
            rows = load_table(data, display, spec, dataset.schema.languages, self.problems)
        except ReportError as exc:
            self.problems.extend(exc.problems)
            self.lost_file = True
            return
        if spec.single:
            self.problems.append(Problem(Mark(display), f"{name!r} holds one record: write it "
                                         "in a YAML file, not a table"))
            return
        self.add(spec, Scalar(name, True, Mark(display, 1, 1)), rows)

    def add(self, spec: CollectionSpec, key: Scalar, body: Node) -> None:
        dataset = self.dataset
        assert dataset is not None
        records = dataset.collections.setdefault(spec.name, [])
        if spec.single:
            if records:
                self.problems.append(Problem(key.mark, f"{key.value!r} holds one record and is "
                                             "already given in another file"))
            records.append(self.validated(body, spec))
            return
        if not isinstance(body, Seq):
            self.problems.append(Problem(body.mark, f"{key.value}: expected a list of records"))
            return
        room = MAX_RECORDS - len(records)
        if len(body.items) > room:
            self.lost_ids.update(_ids_below(body))
            over = body.items[max(room, 0)]
            self.problems.append(Problem(over.mark, f"{key.value}: more than {MAX_RECORDS:,} "
                                         "records in one collection",
                                         "a report draws on fewer records; aggregate the data "
                                         "or split the collection"))
            return
        records.extend(self.validated(item, spec) for item in body.items)

    def validated(self, node: Node, spec: CollectionSpec) -> Record:
        """The record ``node`` holds: validated, or as kept from the last reading."""
        dataset = self.dataset
        assert dataset is not None
        schema = dataset.schema
        if self.kept is None:
            return validate_record(schema, node, spec, self.problems)
        return self.kept.record(node, spec, self.problems,
                                lambda found: validate_record(schema, node, spec, found))


def _ids_below(body: Node) -> set[str]:
    """Return the ids written in the records of a collection that cannot be validated."""
    items = body.items if isinstance(body, Seq) else (body,)
    found = set()
    for item in items:
        if isinstance(item, Map):
            for key, value in item.pairs:
                if key.value == "id" and isinstance(value, Scalar):
                    found.add(value.value)
    return found
