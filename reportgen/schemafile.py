"""Read ``schema.yaml``: the record kinds of a dataset, the schema itself checked first.

The schema language validates itself: an unknown key or type, a flag that is not
``true``/``false``, a key that does not apply to the field's type, a ``ref`` to a
collection that does not exist — each is a located error. Built-in collections
(``contract.BUILTIN_COLLECTIONS``) need no declaration; a dataset may re-declare one only
to add fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from .contract import BUILTIN_COLLECTIONS
from .hints import did_you_mean, foreign_letters
from .problems import Mark, Problem
from .schema import PROVENANCE, TYPES, CollectionSpec, FieldSpec, Schema
from .yamlload import Map, Node, Scalar, Seq

__all__ = ["COLLECTION_KEYS", "FIELD_KEYS", "NAME", "parse_schema"]

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
COLLECTION_KEYS = ("fields", "single", "help", "names", "provenance")
FIELD_KEYS = ("type", "required", "help", "values", "to", "of", "fields", "numbers",
              "provenance", "corrects")
# The keys that apply to one type only, with the type.
_TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "values": ("enum",), "to": ("ref",), "of": ("list",), "fields": ("object",),
    "numbers": ("text",), "provenance": ("date", "ref"), "corrects": ("date",)}
_NAMING_TYPES = ("text", "string", "ref")
_DOCS = "see 'Schema' in docs/data-format.md"

_Entries = dict[str, tuple[Scalar, Node]]


def parse_schema(node: Node | None, languages: tuple[str, ...], problems: list[Problem],
                 builtins: Mapping[str, CollectionSpec] = BUILTIN_COLLECTIONS) -> Schema:
    """Read a schema file's ``collections:`` mapping, merged with the built-in collections."""
    reader = _Reader(problems)
    declared: dict[str, CollectionSpec] = {}
    top = reader.mapping(node, "the schema: a mapping with the key 'collections'") \
        if node is not None else None
    if top is not None:
        for bad in top:
            if bad != "collections":
                reader.unknown(top[bad][0], "schema key", ("collections",))
        if "collections" not in top:
            assert node is not None
            problems.append(Problem(node.mark, "schema has no 'collections' key",
                                    "declare the record kinds under 'collections:'; " + _DOCS))
        else:
            body = reader.mapping(top["collections"][1], "a mapping of collection names to specs")
            for name, (key, spec) in (body or {}).items():
                parsed = reader.collection(key, spec, builtins.get(name))
                if parsed is not None:
                    declared[name] = parsed
    collections = {**{n: replace(spec, builtin=True) for n, spec in builtins.items()},
                   **declared}
    reader.check_links(declared, collections)
    return Schema(collections, languages)


class _Reader:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        # What names other things, checked once every collection is known.
        self.refs: list[tuple[Scalar, ...]] = []
        self.naming: dict[str, tuple[Scalar, ...]] = {}
        self.corrects: list[tuple[Scalar, FieldSpec]] = []

    def fail(self, mark: Mark, message: str, hint: str = "") -> None:
        self.problems.append(Problem(mark, message, hint))

    def unknown(self, key: Scalar, what: str, known: tuple[str, ...]) -> None:
        guess = did_you_mean(key.value, known)
        self.fail(key.mark, f"unknown {what} {key.value!r}",
                  (f"{guess}; " if guess else "") + "expected " + ", ".join(known))

    def mapping(self, node: Node, expected: str) -> _Entries | None:
        if not isinstance(node, Map):
            self.fail(node.mark, f"expected {expected}")
            return None
        return {k.value: (k, v) for k, v in node.pairs}

    def name(self, key: Scalar, what: str) -> bool:
        if NAME.match(key.value):
            return True
        odd = foreign_letters(key.value)
        self.fail(key.mark, f"{what} name {key.value!r} is not a plain name",
                  (f"it contains {odd}; " if odd else "")
                  + "names are ASCII letters, digits and '_', not starting with a digit")
        return False

    def word(self, entries: _Entries, key: str, allowed: tuple[str, ...] = ()) -> str:
        """Return the text value of ``key`` ('' when absent); check it is one of ``allowed``."""
        if key not in entries:
            return ""
        node = entries[key][1]
        if not isinstance(node, Scalar) or not node.value:
            self.fail(node.mark, f"{key}: expected a value, not a list or mapping", _DOCS)
            return ""
        if allowed and node.value not in allowed:
            guess = did_you_mean(node.value, allowed)
            self.fail(node.mark, f"{key}: {node.value!r} is not allowed",
                      (f"{guess}; " if guess else "") + "expected one of " + ", ".join(allowed))
            return ""
        return node.value

    def flag(self, entries: _Entries, key: str) -> bool:
        if key not in entries:
            return False
        node = entries[key][1]
        if isinstance(node, Scalar) and node.plain and node.value in ("true", "false"):
            return node.value == "true"
        shown = repr(node.value) if isinstance(node, Scalar) else "a " + (
            "list" if isinstance(node, Seq) else "mapping")
        self.fail(node.mark, f"{key}: expected true or false, got {shown}",
                  "write true or false, unquoted; yes/no/on/off are not flags here")
        return False

    def names(self, entries: _Entries, key: str) -> tuple[Scalar, ...]:
        """Return a name or list of names (e.g. ``to: entities`` or ``to: [a, b]``)."""
        if key not in entries:
            return ()
        node = entries[key][1]
        items = (node,) if isinstance(node, Scalar) else node.items if isinstance(node, Seq) else ()
        if not items or not all(isinstance(i, Scalar) and i.value for i in items):
            self.fail(node.mark, f"{key}: expected a name or a list of names")
            return ()
        return tuple(i for i in items if isinstance(i, Scalar))

    def collection(self, key: Scalar, node: Node, builtin: CollectionSpec | None
                   ) -> CollectionSpec | None:
        name = key.value
        ok = self.name(key, "collection")
        entries = self.mapping(node, f"collection {name!r}: a mapping with 'fields'")
        if entries is None:
            return None
        for bad in entries:
            if bad not in COLLECTION_KEYS:
                self.unknown(entries[bad][0], "collection key", COLLECTION_KEYS)
        single = self.flag(entries, "single")
        help_ = self.word(entries, "help")
        provenance = self.word(entries, "provenance", PROVENANCE) or "quoted"
        names = self.names(entries, "names")
        fields: dict[str, FieldSpec] = {}
        if "fields" in entries:
            found = self.mapping(entries["fields"][1], "a mapping of field names to field specs")
            for field_name, (field_key, field_node) in (found or {}).items():
                if self.name(field_key, "field"):
                    fields[field_name] = self.field(field_key, field_node, "top")
        elif builtin is None:
            self.fail(key.mark, f"collection {name!r} declares no fields",
                      "add 'fields:' with at least an id; " + _DOCS)
            return None
        if builtin is not None:
            return self.extend(key, builtin, entries, fields, help_)
        if not ok:
            return None
        self.naming[name] = names
        return CollectionSpec(name, fields, single, help_, tuple(n.value for n in names),
                              provenance)

    def extend(self, key: Scalar, builtin: CollectionSpec, entries: _Entries,
               added: dict[str, FieldSpec], help_: str) -> CollectionSpec | None:
        """Merge a re-declared built-in collection: only new fields (and help) may be given."""
        ok = True
        hint = ("a dataset may re-declare a built-in collection only to add fields; "
                "see 'Built-in collections' in docs/data-format.md")
        for bad in ("single", "names", "provenance"):
            if bad in entries:
                self.fail(entries[bad][0].mark, f"collection {key.value!r} is built in: its "
                          f"{bad!r} cannot be changed", hint)
                ok = False
        field_nodes = self.mapping(entries["fields"][1], "fields") if "fields" in entries else {}
        for name in added:
            if name in builtin.fields:
                mark = (field_nodes or {}).get(name, (key, key))[0].mark
                self.fail(mark, f"collection {key.value!r} is built in: field {name!r} is "
                          "declared by the engine", "remove it from schema.yaml; " + hint)
                ok = False
        if not ok:
            return None
        return CollectionSpec(builtin.name, {**builtin.fields, **added}, builtin.single,
                              help_ or builtin.help, builtin.names, builtin.provenance,
                              builtin=True)

    def field(self, key: Scalar, node: Node, where: str) -> FieldSpec:
        name = key.value
        entries = self.mapping(node, f"field {name!r}: a mapping with a 'type'") or {}
        for bad in entries:
            if bad not in FIELD_KEYS:
                self.unknown(entries[bad][0], f"key of field {name!r}:", FIELD_KEYS)
        kind = ""
        if "type" not in entries:
            if isinstance(node, Map):
                self.fail(node.mark, f"field {name!r} has no 'type'",
                          "expected one of " + ", ".join(TYPES))
        else:
            type_node = entries["type"][1]
            kind = type_node.value if isinstance(type_node, Scalar) else ""
            if kind not in TYPES:
                guess = did_you_mean(kind, TYPES)
                self.fail(type_node.mark, f"field {name!r}: unknown type {kind!r}",
                          (f"{guess}; " if guess else "") + "expected one of " + ", ".join(TYPES))
        out = FieldSpec(name, kind, self.flag(entries, "required"), self.word(entries, "help"))
        for option, owners in _TYPE_KEYS.items():
            if option in entries and kind in TYPES and kind not in owners:
                self.fail(entries[option][0].mark, f"field {name!r}: {option!r} applies to "
                          f"{' and '.join(owners)} fields, not {kind}",
                          "remove it, or change the type")
        if "required" in entries and where == "item":
            self.fail(entries["required"][0].mark, f"field {name!r}: 'required' means nothing "
                      "for the items of a list", "put 'required' on the list field itself")
        if kind == "id" and (where != "top" or name != "id"):
            self.fail(key.mark, f"field {name!r}: type 'id' is for the record's own 'id' field",
                      "use 'ref' to point at another record, 'string' for a code")
        if name == "id" and where == "top" and kind not in ("id", "enum", ""):
            self.fail(key.mark, "field 'id' must have type 'id' (or 'enum', for a fixed set)",
                      "ids name records across the dataset; rename the field if it is a code")
        out.numbers = self.word(entries, "numbers", ("checked", "free")) or "checked"
        out.provenance = self.word(entries, "provenance", ("source", "external")) or "source"
        out.corrects = self.word(entries, "corrects")
        if "values" in entries:
            values = self.names(entries, "values")
            out.values = tuple(v.value for v in values)
            seen: set[str] = set()
            for value in values:
                if value.value in seen:
                    self.fail(value.mark, f"field {name!r}: value {value.value!r} is listed twice")
                seen.add(value.value)
        targets = self.names(entries, "to")
        out.to = tuple(t.value for t in targets)
        self.refs.append(targets)
        if "of" in entries:
            out.of = self.field(key, entries["of"][1], "item")
        if "fields" in entries:
            sub = self.mapping(entries["fields"][1], "a mapping of field specs") or {}
            out.fields = {n: self.field(k, v, "object") for n, (k, v) in sub.items()
                          if self.name(k, "field")}
        if kind == "list" and out.of is None:
            self.fail(key.mark, f"field {name!r}: a list needs 'of'",
                      "e.g. of: {type: text}")
        if kind == "ref" and not out.to and "to" not in entries:
            self.fail(key.mark, f"field {name!r}: a ref needs 'to'",
                      "name the collection(s) its ids belong to")
        if kind == "enum" and not out.values and "values" not in entries:
            self.fail(key.mark, f"field {name!r}: an enum needs 'values'")
        if kind == "object" and "fields" not in entries:
            self.fail(key.mark, f"field {name!r}: an object needs 'fields'")
        if out.corrects:
            self.corrects.append((key, out))
        return out

    def check_links(self, declared: Mapping[str, CollectionSpec],
                    collections: Mapping[str, CollectionSpec]) -> None:
        """Check what names other things: ref targets, naming fields, corrected dates."""
        for targets in self.refs:
            for target in targets:
                if target.value not in collections:
                    guess = did_you_mean(target.value, collections)
                    self.fail(target.mark, f"'to' names no collection: {target.value!r}",
                              (f"{guess}; " if guess else "") + "declared: "
                              + ", ".join(sorted(collections)))
        for spec in declared.values():
            self.check_names(spec)

    def check_names(self, spec: CollectionSpec) -> None:
        for item in self.naming.get(spec.name, ()):
            named = spec.fields.get(item.value)
            if named is None:
                guess = did_you_mean(item.value, spec.fields)
                self.fail(item.mark, f"names: collection {spec.name!r} has no field "
                          f"{item.value!r}", guess or "name fields of this collection")
            elif named.type not in _NAMING_TYPES:
                self.fail(item.mark, f"names: field {item.value!r} is a {named.type}",
                          "a record is named by a text, string or ref field")
        for key, date in self.corrects:
            if not any(f is date for f in spec.fields.values()):
                continue
            target = spec.fields.get(date.corrects)
            if target is None or target.type != "date" or target is date:
                self.fail(key.mark, f"field {key.value!r}: 'corrects' must name another date "
                          f"field of {spec.name!r}, not {date.corrects!r}")
