"""Declare record kinds in YAML and validate data nodes against them."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from .problems import Mark, Problem
from .yamlload import Map, Node, Scalar, Seq

__all__ = [
    "QUALIFIERS",
    "CollectionSpec",
    "Date",
    "FieldSpec",
    "Quantity",
    "Record",
    "Schema",
    "Source",
    "Text",
    "parse_schema",
    "walk",
]

QUALIFIERS = ("eq", "approx", "gt", "ge", "lt", "le")
TYPES = (
    "id", "string", "text", "integer", "number", "boolean", "date",
    "enum", "ref", "list", "object", "source", "quantity",
)
_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
_RESOLVER = yaml.resolver.Resolver()


class Text(dict[str, str]):
    """Human-readable text: one string per edition language."""


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a seed file and a verbatim quote of it."""

    seed: str
    quote: str
    mark: Mark = field(compare=False)


@dataclass(frozen=True)
class Quantity:
    """A number as a source states it: value, unit, qualifier and the stated words."""

    value: float
    unit: str
    qualifier: str
    stated: str
    mark: Mark = field(compare=False)
    # The qualifier phrase it prints with: pinned in the data, else found in the quote.
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


class Record(dict[str, Any]):
    """One validated record: field values plus where each came from."""

    def __init__(self, collection: str, mark: Mark) -> None:
        super().__init__()
        self.collection = collection
        self.mark = mark
        self.marks: dict[str, Mark] = {}

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


@dataclass
class CollectionSpec:
    """A record kind: its fields and whether the collection holds one record."""

    name: str
    fields: dict[str, FieldSpec]
    single: bool = False
    help: str = ""


@dataclass
class Schema:
    """All record kinds of a dataset, plus the edition languages text must have."""

    collections: dict[str, CollectionSpec]
    languages: tuple[str, ...]

    def validate(self, node: Node, spec: FieldSpec, problems: list[Problem]) -> Any:
        """Convert ``node`` to the Python value ``spec`` describes; report what does not fit."""
        return _Validator(self.languages, problems).value(node, spec, spec.name)

    def record(self, node: Node, collection: CollectionSpec, problems: list[Problem]) -> Record:
        """Validate one record of ``collection``."""
        return _Validator(self.languages, problems).record(node, collection)


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


# --- reading schema.yaml -------------------------------------------------------------


def parse_schema(node: Node, languages: tuple[str, ...], problems: list[Problem]) -> Schema:
    """Read the ``collections:`` mapping of a schema file."""
    top = _mapping(node, problems, "the schema: a mapping with the key 'collections'")
    collections: dict[str, CollectionSpec] = {}
    if top is None:
        return Schema(collections, languages)
    body = top.get("collections")
    if body is None:
        problems.append(Problem(node.mark, "schema has no 'collections' key"))
        return Schema(collections, languages)
    entries = _mapping(body[1], problems, "a mapping of collection names to specs")
    for name, (key, spec_node) in (entries or {}).items():
        spec = _mapping(spec_node, problems, f"collection {name!r}: a mapping with 'fields'")
        if spec is None:
            continue
        unknown = set(spec) - {"fields", "single", "help"}
        for bad in sorted(unknown):
            problems.append(Problem(spec[bad][0].mark, f"unknown collection key {bad!r}",
                                    "expected fields, single or help"))
        field_nodes = _mapping(spec["fields"][1], problems, "a mapping of field specs") \
            if "fields" in spec else None
        if field_nodes is None:
            problems.append(Problem(key.mark, f"collection {name!r} declares no fields"))
            continue
        fields_ = {n: _field(n, v, problems) for n, (_, v) in field_nodes.items()}
        collections[name] = CollectionSpec(
            name, fields_, _flag(spec, "single"), _str(spec, "help")
        )
    return Schema(collections, languages)


def _field(name: str, node: Node, problems: list[Problem]) -> FieldSpec:
    spec = _mapping(node, problems, f"field {name!r}: a mapping with a 'type'") or {}
    kind = _str(spec, "type")
    if kind not in TYPES:
        problems.append(Problem(node.mark, f"field {name!r}: unknown type {kind!r}",
                                "expected one of " + ", ".join(TYPES)))
    out = FieldSpec(name, kind, _flag(spec, "required"), _str(spec, "help"))
    out.numbers = _str(spec, "numbers") or "checked"
    out.provenance = _str(spec, "provenance") or "source"
    if "values" in spec:
        out.values = tuple(_scalars(spec["values"][1], problems))
    if "to" in spec:
        to_node = spec["to"][1]
        out.to = (to_node.value,) if isinstance(to_node, Scalar) else tuple(
            _scalars(to_node, problems))
    if "of" in spec:
        out.of = _field(name, spec["of"][1], problems)
    if "fields" in spec:
        sub = _mapping(spec["fields"][1], problems, "a mapping of field specs") or {}
        out.fields = {n: _field(n, v, problems) for n, (_, v) in sub.items()}
    known = {"type", "required", "help", "values", "to", "of", "fields", "numbers", "provenance"}
    for bad in sorted(set(spec) - known):
        problems.append(Problem(spec[bad][0].mark, f"field {name!r}: unknown key {bad!r}",
                                "expected " + ", ".join(sorted(known))))
    if kind == "list" and out.of is None:
        problems.append(Problem(node.mark, f"field {name!r}: a list needs 'of'"))
    if kind == "ref" and not out.to:
        problems.append(Problem(node.mark, f"field {name!r}: a ref needs 'to'"))
    if kind == "enum" and not out.values:
        problems.append(Problem(node.mark, f"field {name!r}: an enum needs 'values'"))
    return out


def _mapping(node: Node, problems: list[Problem], expected: str) -> dict[str, tuple[Scalar, Node]] | None:
    if not isinstance(node, Map):
        problems.append(Problem(node.mark, f"expected {expected}"))
        return None
    return {k.value: (k, v) for k, v in node.pairs}


def _scalars(node: Node, problems: list[Problem]) -> list[str]:
    if isinstance(node, Seq) and all(isinstance(i, Scalar) for i in node.items):
        return [i.value for i in node.items if isinstance(i, Scalar)]
    problems.append(Problem(node.mark, "expected a list of names"))
    return []


def _str(spec: dict[str, tuple[Scalar, Node]], key: str) -> str:
    node = spec.get(key, (None, None))[1]
    return node.value if isinstance(node, Scalar) else ""


def _flag(spec: dict[str, tuple[Scalar, Node]], key: str) -> bool:
    return _str(spec, key) == "true"


# --- validating data -----------------------------------------------------------------


class _Validator:
    def __init__(self, languages: tuple[str, ...], problems: list[Problem]) -> None:
        self.languages = languages
        self.problems = problems

    def fail(self, node: Node, path: str, message: str, hint: str = "") -> Any:
        """Record a problem; return None, so callers can ``return self.fail(...)``."""
        self.problems.append(Problem(node.mark, f"{path}: {message}", hint))
        return None

    def record(self, node: Node, collection: CollectionSpec) -> Record:
        out = Record(collection.name, node.mark)
        spec = FieldSpec(collection.name, "object", fields=collection.fields)
        self.object(node, spec, collection.name, out)
        return out

    def value(self, node: Node, spec: FieldSpec, path: str) -> Any:
        kind = spec.type
        if kind == "list":
            if not isinstance(node, Seq):
                return self.fail(node, path, f"expected a list of {_describe(spec.of)}")
            assert spec.of is not None
            return [self.value(item, spec.of, f"{path}[{i}]") for i, item in enumerate(node.items)]
        if kind in ("object", "source", "quantity", "text"):
            if not isinstance(node, Map):
                return self.fail(node, path, f"expected {_describe(spec)}, got a {_shape(node)}",
                                 spec.help)
            if kind == "object":
                return self.object(node, spec, path, {})
            return getattr(self, kind)(node, path)
        if not isinstance(node, Scalar):
            return self.fail(node, path, f"expected {_describe(spec)}, got a {_shape(node)}",
                             spec.help)
        return self.scalar(node, spec, path)

    def object(self, node: Node, spec: FieldSpec, path: str, out: dict[str, Any]) -> Any:
        if not isinstance(node, Map):
            return self.fail(node, path, f"expected a mapping of {path} fields")
        seen: set[str] = set()
        for key, sub in node.pairs:
            name = key.value
            field_spec = spec.fields.get(name)
            if field_spec is None:
                self.fail(key, path, f"unknown field {name!r}",
                          "expected one of: " + ", ".join(spec.fields))
                continue
            seen.add(name)
            value = self.value(sub, field_spec, f"{path}.{name}")
            if value is not None:
                out[name] = value
                if isinstance(out, Record):
                    out.marks[name] = sub.mark
        for name, field_spec in spec.fields.items():
            if field_spec.required and name not in seen:
                self.fail(node, path, f"missing required field {name!r} ({_describe(field_spec)})",
                          field_spec.help)
        return out

    def text(self, node: Map, path: str) -> Text | None:
        out = Text()
        present = {key.value for key, _ in node.pairs}
        for key, sub in node.pairs:
            if key.value not in self.languages:
                self.fail(key, path, f"unknown language {key.value!r}",
                          "expected " + ", ".join(self.languages))
                continue
            value = self.string(sub, f"{path}.{key.value}")
            if value is not None:
                out[key.value] = value
        missing = [lang for lang in self.languages if lang not in out]
        if any(lang not in present for lang in missing):
            self.fail(node, path, "missing text in " + ", ".join(missing),
                      "every text needs one entry per edition language")
        return out if not missing else None

    def source(self, node: Map, path: str) -> Source | None:
        parts = self.parts(node, path, {"seed": True, "quote": True})
        if parts is None:
            return None
        return Source(parts["seed"], parts["quote"], node.mark)

    def quantity(self, node: Map, path: str) -> Quantity | None:
        parts = self.parts(node, path, {"value": False, "unit": True, "qualifier": True,
                                        "stated": True, "phrase": True}, optional=("phrase",))
        if parts is None:
            return None
        value = self.scalar_node(node, "value", FieldSpec("value", "number"), path)
        if parts["qualifier"] not in QUALIFIERS:
            self.fail(node, f"{path}.qualifier", f"unknown qualifier {parts['qualifier']!r}",
                      "expected one of " + ", ".join(QUALIFIERS))
            return None
        if value is None:
            return None
        return Quantity(float(value), parts["unit"], parts["qualifier"], parts["stated"],
                        node.mark, parts.get("phrase", ""))

    def scalar_node(self, node: Map, key: str, spec: FieldSpec, path: str) -> Any:
        for k, v in node.pairs:
            if k.value == key:
                return self.value(v, spec, f"{path}.{key}")
        return None

    def parts(self, node: Map, path: str, keys: dict[str, bool],
              optional: tuple[str, ...] = ()) -> dict[str, str] | None:
        out: dict[str, str] = {}
        ok = True
        for key, sub in node.pairs:
            if key.value not in keys:
                self.fail(key, path, f"unknown key {key.value!r}", "expected " + ", ".join(keys))
                ok = False
            elif keys[key.value]:
                value = self.string(sub, f"{path}.{key.value}")
                ok = ok and value is not None
                if value is not None:
                    out[key.value] = value
        given = {k.value for k, _ in node.pairs}
        for name in keys:
            if name not in given and name not in optional:
                self.fail(node, path, f"missing {name!r}")
                ok = False
        return out if ok else None

    def string(self, node: Node, path: str) -> str | None:
        if not isinstance(node, Scalar):
            self.fail(node, path, "expected text, got a " + _shape(node))
            return None
        if node.plain and _yaml11_tag(node.value) != "tag:yaml.org,2002:str":
            self.fail(node, path, f"ambiguous value {node.value!r}: YAML tools read it "
                             "as a boolean, number or null", "put it in quotes if it is text")
            return None
        if not node.value.strip():
            self.fail(node, path, "expected text, got an empty value")
            return None
        return node.value

    def scalar(self, node: Scalar, spec: FieldSpec, path: str) -> Any:
        kind, text = spec.type, node.value
        if kind in ("id", "string", "enum", "ref"):
            value = self.string(node, path)
            if value is None:
                return None
            if kind in ("id", "ref") and not _ID.match(value):
                return self.fail(node, path, f"{value!r} is not an id",
                                 "ids are lower-case letters, digits and '-'")
            if kind == "enum" and value not in spec.values:
                return self.fail(node, path, f"{value!r} is not allowed",
                                 "expected one of " + ", ".join(spec.values))
            return value
        if kind in ("integer", "number", "date", "boolean") and not node.plain and kind != "date":
            return self.fail(node, path, f"expected {_describe(spec)}, got quoted text {text!r}",
                             "remove the quotes")
        if kind == "boolean":
            if text not in ("true", "false"):
                return self.fail(node, path, f"expected true or false, got {text!r}")
            return text == "true"
        if kind == "integer":
            if not _INTEGER.match(text):
                return self.fail(node, path, f"expected a whole number, got {text!r}")
            return int(text)
        if kind == "number":
            if not _NUMBER.match(text) or not math.isfinite(float(text)):
                return self.fail(node, path, f"expected a finite number, got {text!r}")
            return float(text)
        if kind == "date":
            match = _DATE.match(text)
            if not match:
                return self.fail(node, path, f"expected a date YYYY, YYYY-MM or YYYY-MM-DD, "
                                 f"got {text!r}")
            year, month, day = (int(g) if g else None for g in match.groups())
            assert year is not None
            if (month and not 1 <= month <= 12) or (day and not 1 <= day <= 31):
                return self.fail(node, path, f"{text!r} is not a real date")
            return Date(year, month, day)
        return self.fail(node, path, f"expected {_describe(spec)}")


def _yaml11_tag(text: str) -> str:
    """Return the tag YAML 1.1 tools would give ``text`` written as a plain scalar."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


def _describe(spec: FieldSpec | None) -> str:
    if spec is None:
        return "values"
    return {
        "id": "an id", "string": "text", "text": "a mapping of language to text",
        "integer": "a whole number", "number": "a number", "boolean": "true or false",
        "date": "a date", "enum": "one of " + ", ".join(spec.values),
        "ref": "the id of a record in " + " or ".join(spec.to), "list": "a list",
        "object": "a mapping", "source": "a mapping {seed, quote}",
        "quantity": "a mapping {value, unit, qualifier, stated[, phrase]}",
    }.get(spec.type, spec.type)


def _shape(node: Node) -> str:
    return "list" if isinstance(node, Seq) else "mapping" if isinstance(node, Map) else "value"
