"""Read a CSV table of ``data/`` as the records of one collection.

The header names the fields; a nested field is a dotted column — ``name.en``,
``quantity.value``, ``source.quote`` — and a list item takes its number, from 1:
``sources.1.seed``, ``sources.2.seed``. Each row becomes the same tree of nodes a YAML
record gives, every cell keeping its file:line:column, so the schema validates a table
exactly like YAML and every problem points at its cell. An empty cell is an absent field.
Cells are text to the schema (no YAML quoting rules): ``true``, ``120`` or ``NO`` are
typed by the field they fill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .hints import did_you_mean
from .problems import Mark, Problem, ReportError
from .schema import CollectionSpec, FieldSpec
from .yamlload import Map, Node, Scalar, Seq

__all__ = ["load_table"]

_BOM = "\ufeff"
# Characters refused in any cell, as in YAML files (tab, line breaks and text are fine).
_NOT_ALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAK = re.compile(r"\r\n|\r|\n")
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z|[1-9][0-9]{0,3}\Z")
_PARTS = {"source": ("seed", "quote", "gloss"),
          "quantity": ("value", "unit", "qualifier", "stated", "phrase")}


@dataclass
class _Cell:
    value: str
    mark: Mark


def load_table(data: bytes, display: str, spec: CollectionSpec, languages: tuple[str, ...],
               problems: list[Problem]) -> Seq:
    """Parse ``data`` (UTF-8 CSV) into a list of record nodes for ``spec``.

    Problems of single cells go to ``problems``; a table that cannot be read at all (bad
    bytes, a broken quote, a bad header) raises ReportError.
    """
    text = _decode(data, display)
    rows = _parse(text, display)
    if not rows:
        raise ReportError(Problem(Mark(display, 1, 1), "the table is empty: expected a header "
                                  "row naming the fields", "write the field names, e.g. id,name.en"))
    header = rows[0]
    paths = _header(header, spec, languages)
    records: list[Node] = []
    for row in rows[1:]:
        if all(not cell.value for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            where = row[min(len(row), len(header)) - 1].mark if len(row) > len(header) \
                else row[-1].mark
            problems.append(Problem(where, f"row has {len(row)} cells, the header "
                                    f"{len(header)}", "give every row one cell per column; "
                                    "quote a cell that contains a comma"))
            continue
        records.append(_record(row, paths))
    mark = Mark(display, 1, 1)
    return Seq(tuple(records), mark)


def _decode(data: bytes, display: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8")
        line = good.count("\n") + 1
        raise ReportError(Problem(Mark(display, line, len(good) - good.rfind("\n")),
                                  f"invalid UTF-8: byte 0x{data[error.start]:02X} cannot appear "
                                  "here", "save the table as UTF-8 (CSV UTF-8 in a spreadsheet)")) from None
    text = text.removeprefix(_BOM)  # spreadsheets write one; it is not part of the first cell
    bad = _NOT_ALLOWED.search(text)
    if bad is not None:
        before = text[: bad.start()]
        line = before.count("\n") + 1
        raise ReportError(Problem(Mark(display, line, len(before) - before.rfind("\n")),
                                  f"control character U+{ord(bad.group()):04X} is not allowed "
                                  "in a table", "delete it; it may be invisible in your editor"))
    return text


def _parse(text: str, display: str) -> list[list[_Cell]]:
    """Split CSV text (RFC 4180, comma separated) into rows of located cells."""
    rows: list[list[_Cell]] = []
    row: list[_Cell] = []
    i, line, start = 0, 1, 0  # position, its line, where that line starts
    end = len(text)
    while i < end:
        column = i - start + 1
        if text[i] == '"':
            opened, first = Mark(display, line, column), i
            i += 1
            parts = []
            while True:
                close = text.find('"', i)
                if close < 0:
                    raise ReportError(Problem(opened, "the quoted cell opened here is never "
                                              "closed", 'add the closing \'"\''))
                parts.append(text[i:close])
                if text.startswith('""', close):
                    parts.append('"')
                    i = close + 2
                    continue
                i = close + 1
                break
            value = "".join(parts)
            breaks = list(_BREAK.finditer(text, first, i))
            if breaks:
                line, start = line + len(breaks), breaks[-1].end()
            while i < end and text[i] in " \t":
                i += 1
            if i < end and text[i] not in ",\r\n":
                raise ReportError(Problem(Mark(display, line, i - start + 1),
                                          "unexpected text after a quoted cell",
                                          'put the whole cell in quotes and double any \'"\' '
                                          "inside it"))
            row.append(_Cell(value, opened))
        else:
            stop = i
            while stop < end and text[stop] not in ",\r\n":
                stop += 1
            raw = text[i:stop]
            if '"' in raw:
                quote = i + raw.index('"')
                raise ReportError(Problem(Mark(display, line, quote - start + 1),
                                          "a '\"' inside a cell that is not quoted",
                                          'quote the whole cell and double the \'"\': "a ""b"" c"'))
            lead = len(raw) - len(raw.lstrip(" \t"))
            row.append(_Cell(raw.strip(" \t"), Mark(display, line, column + lead)))
            i = stop
        if i < end and text[i] == ",":
            i += 1
            if i == end:
                row.append(_Cell("", Mark(display, line, i - start + 1)))
            continue
        # End of a row.
        rows.append(row)
        row = []
        if i < end:
            i += 2 if text.startswith("\r\n", i) else 1
            line, start = line + 1, i
    if row:
        rows.append(row)
    return rows


def _header(header: list[_Cell], spec: CollectionSpec, languages: tuple[str, ...]
            ) -> list[tuple[str, ...]]:
    """Check the header's column names against the collection; return their paths."""
    problems: list[Problem] = []
    seen: dict[str, Mark] = {}
    paths = []
    for cell in header:
        name = cell.value
        parts = tuple(name.split("."))
        paths.append(parts)
        if not name:
            problems.append(Problem(cell.mark, "empty column name",
                                    "name every column after a field, e.g. name.en"))
            continue
        if name in seen:
            problems.append(Problem(cell.mark, f"column {name!r} appears twice",
                                    f"first at column {seen[name].column}"))
            continue
        seen[name] = cell.mark
        bad = next((p for p in parts if not _SEGMENT.match(p)), None)
        if bad is not None:
            problems.append(Problem(cell.mark, f"column {name!r}: {bad!r} is not a field name "
                                    "or a list position", "write dotted names like "
                                    "quantity.value or sources.1.seed"))
            continue
        problem = _path_problem(parts, spec, languages)
        if problem:
            problems.append(Problem(cell.mark, f"column {name!r}: {problem[0]}", problem[1]))
    prefixes = {p[:k] for p in paths for k in range(1, len(p))}
    for cell, parts in zip(header, paths, strict=True):
        if parts in prefixes and cell.value:
            problems.append(Problem(cell.mark, f"column {cell.value!r} is also split into "
                                    "dotted columns", "keep either the whole field or its parts"))
    if problems:
        raise ReportError(problems)
    return paths


def _path_problem(parts: tuple[str, ...], spec: CollectionSpec, languages: tuple[str, ...]
                  ) -> tuple[str, str] | None:
    """Say why a dotted column names nothing in ``spec`` (None when it names a field)."""
    fields = spec.fields
    field: FieldSpec | None = None
    for depth, part in enumerate(parts):
        if field is None:
            field = fields.get(part)
            if field is None:
                guess = did_you_mean(part, fields)
                return (f"unknown field {part!r}",
                        (f"{guess}; " if guess else "") + "expected one of: " + ", ".join(fields))
            continue
        kind = field.type
        if kind == "list":
            if not part.isdigit():
                return (f"{field.name!r} is a list", f"number its items: {field.name}.1, "
                        f"{field.name}.2")
            field = field.of
        elif kind == "object":
            sub = field.fields.get(part)
            if sub is None:
                guess = did_you_mean(part, field.fields)
                return (f"{field.name!r} has no field {part!r}",
                        (f"{guess}; " if guess else "") + "expected one of: "
                        + ", ".join(field.fields))
            field = sub
        elif kind in _PARTS:
            if part not in _PARTS[kind]:
                return (f"a {kind} has no {part!r}", "expected " + ", ".join(_PARTS[kind]))
            field = FieldSpec(part, "text" if part == "gloss" else "string")
        elif kind == "text":
            if part not in languages:
                guess = did_you_mean(part, languages)
                return (f"unknown language {part!r}",
                        (f"{guess}; " if guess else "") + "expected " + ", ".join(languages))
            if depth + 1 < len(parts):
                return (f"{'.'.join(parts[:depth + 1])!r} is one language of a text",
                        "nothing can follow the language")
            field = FieldSpec(part, "string")
        else:
            return (f"{field.name!r} is a {kind}, not a group of columns",
                    f"name the column {'.'.join(parts[:depth])!r}")
    return None


def _record(row: list[_Cell], paths: list[tuple[str, ...]]) -> Map:
    """Build the node tree of one row: nested mappings, lists for numbered parts."""
    tree: dict[str, object] = {}
    marks: dict[tuple[str, ...], Mark] = {}
    for cell, path in zip(row, paths, strict=True):
        if not cell.value:
            continue
        for k in range(1, len(path)):
            marks.setdefault(path[:k], cell.mark)
        branch = tree
        for part in path[:-1]:
            branch = branch.setdefault(part, {})  # type: ignore[assignment]
        branch[path[-1]] = Scalar(cell.value, True, cell.mark, tabular=True)
    row_mark = Mark(row[0].mark.file, row[0].mark.line, 1)
    node = _node(tree, (), marks, row_mark)
    assert isinstance(node, Map)
    return node


def _node(tree: object, path: tuple[str, ...], marks: dict[tuple[str, ...], Mark],
          mark: Mark) -> Node:
    if isinstance(tree, Scalar):
        return tree
    assert isinstance(tree, dict)
    keys = list(tree)
    children = [(k, _node(tree[k], (*path, k), marks, marks.get((*path, k), mark)))
                for k in keys]
    if keys and all(k.isdigit() for k in keys):
        children.sort(key=lambda kv: int(kv[0]))
        return Seq(tuple(child for _, child in children), mark)
    return Map(tuple((Scalar(k, True, marks.get((*path, k), mark), tabular=True), child)
                     for k, child in children), mark)
