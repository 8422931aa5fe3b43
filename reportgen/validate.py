"""Validate data nodes against the schema: typed values, each problem located."""

from __future__ import annotations

import calendar
import functools
import math
import re
from typing import Any

import yaml

from .hints import did_you_mean
from .problems import Problem
from .schema import (
    QUALIFIERS,
    CollectionSpec,
    Date,
    Fields,
    FieldSpec,
    Items,
    Quantity,
    Record,
    Schema,
    Source,
    Text,
)
from .yamlload import Map, Node, Scalar, Seq

__all__ = ["MAX_INTEGER_DIGITS", "describe", "shown", "validate_record", "validate_value"]

MAX_INTEGER_DIGITS = 18
_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)\Z")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def validate_record(schema: Schema, node: Node, collection: CollectionSpec,
                    problems: list[Problem]) -> Record:
    """Validate one record of ``collection``; add what does not fit to ``problems``."""
    return _Validator(schema, collection, problems).record(node)


def validate_value(schema: Schema, node: Node, spec: FieldSpec, problems: list[Problem],
                   collection: CollectionSpec | None = None) -> Any:
    """Convert ``node`` to the value ``spec`` describes (None when it does not fit)."""
    owner = collection or CollectionSpec(spec.name, {spec.name: spec})
    return _Validator(schema, owner, problems).value(node, spec, spec.name)


def shown(text: str, limit: int = 40) -> str:
    """Return ``text`` quoted for a message, cut short when it is long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


class _Validator:
    def __init__(self, schema: Schema, collection: CollectionSpec,
                 problems: list[Problem]) -> None:
        self.languages = schema.languages
        self.collection = collection
        self.problems = problems

    def fail(self, node: Node, path: str, message: str, hint: str = "") -> Any:
        """Record a problem; return None, so callers can ``return self.fail(...)``."""
        self.problems.append(Problem(node.mark, f"{path}: {message}", hint))
        return None

    def record(self, node: Node) -> Record:
        collection = self.collection
        out = Record(collection.name, node.mark)
        spec = FieldSpec(collection.name, "object", fields=collection.fields)
        self.object(node, spec, collection.name, out)
        return out

    def value(self, node: Node, spec: FieldSpec, path: str) -> Any:
        kind = spec.type
        if kind == "list":
            if not isinstance(node, Seq):
                return self.fail(node, path, f"expected a list of {describe(spec.of)}")
            assert spec.of is not None
            items = Items(node.mark)
            for i, item in enumerate(node.items):
                items.append(self.value(item, spec.of, f"{path}[{i}]"))
                items.marks.append(item.mark)
            return items
        if kind in ("object", "source", "quantity", "text"):
            if not isinstance(node, Map):
                return self.fail(node, path, f"expected {describe(spec)}, got a {_shape(node)}",
                                 spec.help)
            if kind == "object":
                return self.object(node, spec, path, Fields(node.mark))
            return getattr(self, kind)(node, path)
        if not isinstance(node, Scalar):
            return self.fail(node, path, f"expected {describe(spec)}, got a {_shape(node)}",
                             spec.help)
        return self.scalar(node, spec, path)

    def object(self, node: Node, spec: FieldSpec, path: str, out: Fields) -> Any:
        if not isinstance(node, Map):
            return self.fail(node, path, f"expected a mapping of {path} fields")
        seen: set[str] = set()
        for key, sub in node.pairs:
            name = key.value
            field_spec = spec.fields.get(name)
            if field_spec is None:
                guess = did_you_mean(name, spec.fields)
                self.fail(key, path, f"unknown field {name!r}",
                          (f"{guess}; " if guess else "") + "expected one of: "
                          + ", ".join(spec.fields))
                continue
            seen.add(name)
            value = self.value(sub, field_spec, f"{path}.{name}")
            if value is not None:
                out[name] = value
                out.marks[name] = sub.mark
        for name, field_spec in spec.fields.items():
            if field_spec.required and name not in seen:
                self.fail(node, path, f"missing required field {name!r} ({describe(field_spec)})",
                          field_spec.help)
        return out

    def text(self, node: Map, path: str, *, partial: bool = False) -> Text | None:
        out = Text()
        present = {key.value for key, _ in node.pairs}
        for key, sub in node.pairs:
            if key.value not in self.languages:
                guess = did_you_mean(key.value, self.languages)
                self.fail(key, path, f"unknown language {key.value!r}",
                          (f"{guess}; " if guess else "") + "expected "
                          + ", ".join(self.languages))
                continue
            value = self.string(sub, f"{path}.{key.value}")
            if value is not None:
                out[key.value] = value
        if partial:
            return out if len(out) == len(present) else None
        missing = [lang for lang in self.languages if lang not in out]
        if any(lang not in present for lang in missing):
            self.fail(node, path, "missing text in " + ", ".join(missing),
                      "every text needs one entry per edition language")
        return out if not missing else None

    def source(self, node: Map, path: str) -> Source | None:
        parts = self.parts(node, path, required=("seed", "quote"), optional=("gloss",))
        if parts is None:
            return None
        gloss = None
        if "gloss" in parts:
            gloss_node = parts["gloss"]
            if not isinstance(gloss_node, Map):
                self.fail(gloss_node, f"{path}.gloss", "expected a mapping of language to "
                          f"text, got a {_shape(gloss_node)}",
                          "a gloss translates the quote: {en: ...} for a zh source")
                return None
            gloss = self.text(gloss_node, f"{path}.gloss", partial=True)
            if gloss is None:
                return None
        seed, quote = (self.string(parts[k], f"{path}.{k}") for k in ("seed", "quote"))
        if seed is None or quote is None:
            return None
        return Source(seed, quote, node.mark, gloss)

    def quantity(self, node: Map, path: str) -> Quantity | None:
        quoted = self.collection.quoted
        required = ("value", "unit", "qualifier", "stated") if quoted else ("value", "unit")
        optional = ("phrase",) if quoted else ("qualifier", "stated", "phrase")
        parts = self.parts(node, path, required=required, optional=optional)
        if parts is None:
            return None
        words = {key: self.string(parts[key], f"{path}.{key}")
                 for key in ("unit", "qualifier", "stated", "phrase") if key in parts}
        value = self.value(parts["value"], FieldSpec("value", "number"), f"{path}.value")
        if any(v is None for v in words.values()):
            return None
        qualifier = words.get("qualifier") or "eq"
        if qualifier not in QUALIFIERS:
            guess = did_you_mean(qualifier, QUALIFIERS)
            self.fail(parts["qualifier"], f"{path}.qualifier", f"unknown qualifier {qualifier!r}",
                      (f"{guess}; " if guess else "") + "expected one of " + ", ".join(QUALIFIERS))
            return None
        phrase = words.get("phrase") or ""
        if phrase and not _ID.match(phrase):
            self.fail(parts["phrase"], f"{path}.phrase", f"{shown(phrase)} is not an id",
                      "name a record of the qualifiers collection")
            return None
        if value is None:
            return None
        return Quantity(float(value), str(words["unit"]), qualifier, words.get("stated") or "",
                        node.mark, phrase)

    def parts(self, node: Map, path: str, required: tuple[str, ...],
              optional: tuple[str, ...] = ()) -> dict[str, Node] | None:
        """Return the value nodes of a fixed-key mapping; report unknown and missing keys."""
        out: dict[str, Node] = {}
        ok = True
        keys = required + optional
        for key, sub in node.pairs:
            if key.value not in keys:
                guess = did_you_mean(key.value, keys)
                self.fail(key, path, f"unknown key {key.value!r}",
                          (f"{guess}; " if guess else "") + "expected " + ", ".join(keys))
                ok = False
            else:
                out[key.value] = sub
        for name in required:
            if name not in out:
                self.fail(node, path, f"missing {name!r}")
                ok = False
        return out if ok else None

    def string(self, node: Node, path: str) -> str | None:
        if not isinstance(node, Scalar):
            self.fail(node, path, "expected text, got a " + _shape(node))
            return None
        if node.plain and not node.tabular and _yaml11_tag(node.value) != _STR_TAG:
            self.fail(node, path, f"ambiguous value {shown(node.value)}: YAML tools read it "
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
                return self.fail(node, path, f"{shown(value)} is not an id",
                                 "ids are lower-case letters, digits and '-'")
            if kind == "enum" and value not in spec.values:
                guess = did_you_mean(value, spec.values)
                return self.fail(node, path, f"{shown(value)} is not allowed",
                                 (f"{guess}; " if guess else "") + "expected one of "
                                 + ", ".join(spec.values))
            return value
        if kind in ("integer", "number", "boolean") and not node.plain:
            return self.fail(node, path, f"expected {describe(spec)}, got quoted text "
                             f"{shown(text)}", "remove the quotes")
        if kind == "boolean":
            if text not in ("true", "false"):
                return self.fail(node, path, f"expected true or false, got {shown(text)}")
            return text == "true"
        if kind == "integer":
            return self.integer(node, text, path)
        if kind == "number":
            if not _NUMBER.match(text) or not math.isfinite(float(text)):
                return self.fail(node, path, f"expected a finite number, got {shown(text)}")
            return float(text)
        if kind == "date":
            return self.date(node, text, path)
        return self.fail(node, path, f"expected {describe(spec)}")

    def integer(self, node: Scalar, text: str, path: str) -> Any:
        if not _INTEGER.match(text):
            return self.fail(node, path, f"expected a whole number, got {shown(text)}")
        if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
            return self.fail(node, path, f"the whole number has {len(text.lstrip('-')):,} "
                             f"digits, more than {MAX_INTEGER_DIGITS}",
                             "use a number field for large values, e.g. 1.5e21")
        return int(text)

    def date(self, node: Scalar, text: str, path: str) -> Any:
        match = _DATE.match(text)
        if not match:
            return self.fail(node, path, "expected a date YYYY, YYYY-MM or YYYY-MM-DD, "
                             f"got {shown(text)}")
        year, month, day = (int(g) if g is not None else None for g in match.groups())
        assert year is not None
        why = ""
        if year == 0:
            why = "there is no year 0"
        elif month is not None and not 1 <= month <= 12:
            why = f"there is no month {month:02d}"
        elif month is not None and day is not None:
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                why = f"{_MONTHS[month - 1]} {year} has {days} days"
        if why:
            return self.fail(node, path, f"{text!r} is not a real date: {why}",
                             "write the date the source means; YYYY or YYYY-MM when the day "
                             "or month is unknown")
        return Date(year, month, day)


@functools.lru_cache(maxsize=4096)
def _yaml11_tag(text: str) -> str:
    """Return the tag YAML 1.1 tools would give ``text`` written as a plain scalar."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


def describe(spec: FieldSpec | None) -> str:
    """Say in words what a value of ``spec`` looks like."""
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
