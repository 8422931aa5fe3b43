"""``reportgen schema``: the record kinds in words, or as a JSON Schema for editors.

The JSON Schema (draft 2020-12) describes one data file — a mapping of collection names to
records — so that editors (VS Code with the YAML extension, via yaml-language-server)
complete field names and flag mistakes while typing. It is the shape only: ids that name
no record, quotes missing from their seed and numbers that disagree are reported by
``reportgen check``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from .config import Config
from .dataset import load_schema
from .schema import QUALIFIERS, CollectionSpec, FieldSpec, Schema
from .validate import describe

__all__ = ["describe_schema", "json_schema", "schema_command"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"
_DATE_PATTERN = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


def schema_command(config: Config, as_json: bool, out: TextIO | None = None) -> int:
    """Print the dataset's record kinds (or their JSON Schema); return the exit code."""
    stream = out or sys.stdout
    schema = load_schema(config.path("data"), tuple(config.languages), config.root)
    if as_json:
        stream.write(json.dumps(json_schema(schema), ensure_ascii=False, indent=2) + "\n")
    else:
        stream.write(describe_schema(schema))
    return 0


# --- in words -------------------------------------------------------------------------


def describe_schema(schema: Schema) -> str:
    """Return every collection with its fields, types and help, built-in ones marked."""
    lines = [f"Record kinds ({len(schema.collections)} collections; text in "
             f"{', '.join(schema.languages)})", ""]
    for spec in schema.collections.values():
        title = spec.name + (" (built in)" if spec.builtin else "")
        notes = [n for n in ("one record" if spec.single else "",
                             "no provenance: plain data" if not spec.quoted else "",
                             "named by " + ", ".join(spec.names) if spec.names else "") if n]
        lines.append(title + (f" — {spec.help}" if spec.help else ""))
        if notes:
            lines.append("  (" + "; ".join(notes) + ")")
        lines += _field_lines(spec.fields, "  ")
        lines.append("")
    return "\n".join(lines)


def _field_lines(fields: dict[str, FieldSpec], indent: str) -> list[str]:
    width = max((len(name) for name in fields), default=0)
    lines = []
    for name, spec in fields.items():
        kind = _kind(spec)
        if spec.required:
            kind += ", required"
        text = f"{indent}{name.ljust(width)}  {kind}"
        if spec.help:
            text += f" — {spec.help}"
        lines.append(text)
        item = spec.of if spec.type == "list" else spec
        if item is not None and item.type == "object":
            lines += _field_lines(item.fields, indent + "    ")
    return lines


def _kind(spec: FieldSpec) -> str:
    if spec.type == "list" and spec.of is not None:
        return "list of " + _kind(spec.of)
    if spec.type == "ref":
        return "ref to " + " or ".join(spec.to) if spec.to else "ref to a record of any collection"
    if spec.type == "enum":
        return "one of " + ", ".join(spec.values)
    extra = []
    if spec.type == "text" and spec.numbers == "free":
        extra.append("numbers free")
    if spec.provenance == "external":
        extra.append("provenance external")
    if spec.corrects:
        extra.append(f"corrects {spec.corrects}")
    return spec.type + (f" ({', '.join(extra)})" if extra else "")


# --- as a JSON Schema -----------------------------------------------------------------


def json_schema(schema: Schema) -> dict[str, Any]:
    """Return a JSON Schema (draft 2020-12) that every data file of the dataset satisfies."""
    defs: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for name, spec in schema.collections.items():
        defs[name] = _record(spec, schema.languages)
        ref = {"$ref": f"#/$defs/{name}"}
        properties[name] = ref if spec.single else {
            "type": "array", "items": ref, "description": spec.help or f"records of {name}"}
    return {
        "$schema": _DRAFT,
        "$id": "urn:reportgen:data-file",
        "title": "reportgen data file",
        "description": "A mapping of collection names to their records, as declared by "
                       "schema.yaml (run `reportgen schema` for the list in words).",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "$defs": defs,
    }


def _record(spec: CollectionSpec, languages: tuple[str, ...]) -> dict[str, Any]:
    out = _object(spec.fields, languages, quoted=spec.quoted)
    if spec.help:
        out["description"] = spec.help
    return out


def _object(fields: dict[str, FieldSpec], languages: tuple[str, ...], quoted: bool
            ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {name: _field(f, languages, quoted) for name, f in fields.items()},
        "additionalProperties": False,
    }
    required = [name for name, f in fields.items() if f.required]
    if required:
        out["required"] = required
    return out


def _field(spec: FieldSpec, languages: tuple[str, ...], quoted: bool) -> dict[str, Any]:
    out = _shape(spec, languages, quoted)
    out["description"] = spec.help or describe(spec)
    return out


def _shape(spec: FieldSpec, languages: tuple[str, ...], quoted: bool) -> dict[str, Any]:
    kind = spec.type
    if kind in ("id", "ref"):
        return {"type": "string", "pattern": _ID_PATTERN}
    if kind == "string":
        return {"type": "string", "minLength": 1}
    if kind == "text":
        return _text(languages, required=True)
    if kind in ("integer", "number", "boolean"):
        return {"type": kind}
    if kind == "date":
        return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 9999},
                          {"type": "string", "pattern": _DATE_PATTERN}]}
    if kind == "enum":
        return {"enum": list(spec.values)}
    if kind == "list":
        items = _field(spec.of, languages, quoted) if spec.of is not None else {}
        return {"type": "array", "items": items}
    if kind == "object":
        return _object(spec.fields, languages, quoted)
    if kind == "source":
        return {"type": "object", "properties": {
            "seed": {"type": "string", "minLength": 1, "description": "file name in seeds/"},
            "quote": {"type": "string", "minLength": 1,
                      "description": "verbatim excerpt of the seed, in its own script"},
            "gloss": {**_text(languages, required=False),
                      "description": "the quote translated into the other edition languages"},
        }, "required": ["seed", "quote"], "additionalProperties": False}
    if kind == "quantity":
        return {"type": "object", "properties": {
            "value": {"type": "number"},
            "unit": {"type": "string", "minLength": 1, "description": "id of a unit"},
            "qualifier": {"enum": list(QUALIFIERS)},
            "stated": {"type": "string", "minLength": 1,
                       "description": "the number as the source writes it"},
            "phrase": {"type": "string", "pattern": _ID_PATTERN,
                       "description": "id of the qualifier phrase, when it must be pinned"},
        }, "required": ["value", "unit", "qualifier", "stated"] if quoted else ["value", "unit"],
            "additionalProperties": False}
    return {}


def _text(languages: tuple[str, ...], required: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {lang: {"type": "string", "minLength": 1} for lang in languages},
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(languages)
    return out
