"""Read one YAML data file strictly into a tree of string scalars, lists and mappings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from reportgen.files import MAX_YAML_BYTES, read_bytes
from reportgen.problems import Mark, Problem, ReportError
from reportgen.worker import gc_paused

try:  # libyaml's parser: the same events and marks as PyYAML's, many times faster
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser: type[Any] | None = None
else:
    _CParser = CParser

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "Map",
    "Node",
    "Scalar",
    "Seq",
    "load_bytes",
    "load_file",
    "load_text",
]

MAX_BYTES = MAX_YAML_BYTES
MAX_DEPTH = 64

# Enough to fix a file in one go, few enough that a hostile file cannot flood the report.
_MAX_PROBLEMS = 20

# The characters PyYAML's reader refuses; checked first so the message can be a plain one.
_NOT_ALLOWED = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# Line breaks as PyYAML counts them, so marks found here agree with the parser's.
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_BOM = "\ufeff"
# What libyaml reads otherwise than PyYAML: a tab, a byte-order mark inside the text, an
# explicit key indicator ('?' standing alone, as a token), a comment right after a block
# scalar's '|' or '>' (PyYAML wants a space before it), a line that starts with '%' (a
# directive: inside an unclosed flow collection the two report different errors first).
_SLOW = re.compile(r"[\t\ufeff]|(?:^|[\s\[{,])\?(?:\s|$)|[|>][-+0-9]*#|(?m:^)%")
_CORE_TAG = "tag:yaml.org,2002:"
_ALIAS_HINT = "write the value out in full; data files do not use anchors, aliases or merge keys"
_TAG_HINT = "remove the tag, the schema gives values their types; quote the value if '!' is text"


# Nodes are named tuples: a data file makes one per value, and a tuple is made several
# times faster than a dataclass instance. Two nodes are equal when they are of the same
# kind with equal fields.


class Scalar(NamedTuple):
    """A scalar, always kept as text; ``plain`` is true when it was written unquoted.

    ``tabular`` marks a cell of a table (CSV): text that no YAML tool ever reads, so the
    schema types it without YAML's quoting rules.
    """

    value: str
    plain: bool
    mark: Mark
    tabular: bool = False

    def __eq__(self, other: object) -> bool:
        return type(other) is Scalar and self[:3] == other[:3]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class Seq(NamedTuple):
    """A list (YAML sequence)."""

    items: tuple[Node, ...]
    mark: Mark

    def __eq__(self, other: object) -> bool:
        return type(other) is Seq and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class Map(NamedTuple):
    """A mapping, its pairs in file order; keys are always scalars and never repeat."""

    pairs: tuple[tuple[Scalar, Node], ...]
    mark: Mark

    def __eq__(self, other: object) -> bool:
        return type(other) is Map and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return tuple.__hash__(self)


Node = Scalar | Seq | Map


_new = tuple.__new__  # builds a node without the keyword handling of its constructor


class _YamlMark(Protocol):
    line: int
    column: int
    index: int


class _EventSource(Reader, Scanner, Parser):
    """PyYAML's reader, scanner and parser only: nothing is resolved or constructed."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


class _Retry(Exception):
    """libyaml found a problem: read again with PyYAML, whose words the messages translate."""


class _Frame:
    """A list or mapping being read; plain slots, as one is made per collection read."""

    __slots__ = ("flow", "is_map", "items", "key", "mark", "pairs", "seen")

    def __init__(self, mark: Mark, is_map: bool, flow: bool = False) -> None:
        self.mark = mark
        self.is_map = is_map
        self.flow = flow
        self.items: list[Node] = []
        self.pairs: list[tuple[Scalar, Node]] = []
        self.key: Scalar | None = None
        self.seen: dict[str, Scalar] = {}


def _position(text: str, index: int) -> tuple[int, int]:
    """Return the 1-based line and column of ``text[index]``, counting as PyYAML does."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


_TOKEN_NAMES = {
    "<stream end>": "the end of the file",
    "<scalar>": "a value",
    "<block mapping start>": "a new key",
    "'?'": "a new key",
    "<block sequence start>": "a new list item",
    "'-'": "a list item ('-')",
    "<block end>": "a line indented less",
    "<document start>": "'---'",
    "<document end>": "'...'",
    "<alias>": "an alias ('*')",
    "<anchor>": "an anchor ('&')",
    "<tag>": "a tag ('!')",
    "<directive>": "a directive ('%')",
}


def _found(problem: str) -> str:
    """Name, in plain words, the token a PyYAML 'expected X, but found Y' message found."""
    token = re.split(" but (?:found|got) ", problem)[-1].strip()
    return _TOKEN_NAMES.get(token.strip("'") if token.startswith("'<") else token, token)


def _error(mark: Mark, message: str, hint: str) -> ReportError:
    return ReportError(Problem(mark, message, hint))


class _Loader:
    def __init__(self, text: str, filename: str, max_depth: int) -> None:
        self._text = text
        self._file = filename
        self._max_depth = max_depth
        self._problems: list[Problem] = []
        self._stack: list[_Frame] = []
        self._root: Node | None = None

    def _at(self, where: _YamlMark | None) -> Mark:
        if where is None:
            return Mark(self._file, 1, 1)
        return Mark(self._file, where.line + 1, where.column + 1)

    def _report(self, mark: Mark, message: str, hint: str) -> None:
        self._problems.append(Problem(mark, message, hint))
        if len(self._problems) >= _MAX_PROBLEMS:
            raise ReportError(self._problems)

    def _stop(self, mark: Mark, message: str, hint: str) -> ReportError:
        """Add a problem that ends the reading and return the error carrying all so far."""
        self._problems.append(Problem(mark, message, hint))
        return ReportError(self._problems)

    def load(self) -> Node:
        with gc_paused():
            return self._load()

    def _load(self) -> Node:
        if self._text.startswith(_BOM):
            raise self._stop(
                Mark(self._file, 1, 1),
                "file starts with a byte-order mark",
                "save it as UTF-8 without BOM",
            )
        bad = _NOT_ALLOWED.search(self._text)
        if bad is not None:
            line, column = _position(self._text, bad.start())
            code = ord(bad.group())
            what = "NUL character (byte 0x00)" if code == 0 else f"control character U+{code:04X}"
            raise self._stop(
                Mark(self._file, line, column),
                f"{what} is not allowed in a YAML file",
                "delete it, it may be invisible in your editor; save the file as UTF-8 text",
            )
        # libyaml gives the same events and marks. PyYAML reads instead when libyaml finds
        # a problem (for its wording), when a tab is present (libyaml accepts tabs as
        # separators where PyYAML, and so these files, refuse them), for a byte-order mark
        # inside the text, and where the two place an empty value differently: after an
        # explicit '?' key, or in a flow collection (see _read).
        if _CParser is not None and not _SLOW.search(self._text):
            try:
                return self._read(_CParser(self._text), fast=True)
            except _Retry:
                self._problems, self._stack, self._root = [], [], None
        return self._read(_EventSource(self._text), fast=False)

    def _read(self, source: Any, *, fast: bool) -> Node:
        document_start: Mark | None = None
        name, stack, add = self._file, self._stack, self._add
        try:
            while source.check_event():
                event: Any = source.get_event()
                kind = type(event)
                if kind is ScalarEvent and event.anchor is None and event.tag is None:
                    # The common case, kept short: most events are plain scalars.
                    if fast and not event.value and not event.style and stack \
                            and stack[-1].flow:
                        raise _Retry
                    start = event.start_mark
                    value, plain = event.value, not event.style
                    node = _new(Scalar, (value, plain,
                                         Mark(name, start.line + 1, start.column + 1), False))
                    frame = stack[-1] if stack else None
                    if frame is None or (frame.is_map and frame.key is None and (
                            value in frame.seen or (plain and value == "<<"))):
                        add(node)  # the root, a repeated key or a merge key: _add reports
                    elif not frame.is_map:
                        frame.items.append(node)
                    elif frame.key is not None:
                        frame.pairs.append((frame.key, node))
                        frame.key = None
                    else:
                        frame.key = frame.seen[value] = node
                elif kind is SequenceEndEvent or kind is MappingEndEvent:
                    frame = stack.pop()
                    if frame.is_map:
                        add(Map(tuple(frame.pairs), frame.mark))
                    else:
                        add(Seq(tuple(frame.items), frame.mark))
                elif isinstance(event, NodeEvent):
                    if fast and getattr(event, "tag", None) is not None:
                        # A tag is refused either way; libyaml accepts tag characters that
                        # PyYAML's scanner refuses ('!@!'), so PyYAML's words and marks apply.
                        raise _Retry
                    self._node_start(event)
                elif isinstance(event, DocumentStartEvent):
                    if document_start is not None:
                        raise self._stop(
                            self._at(event.start_mark),
                            "a second YAML document starts here; a data file holds exactly one",
                            "remove the extra '---' line, or move this part into its own file",
                        )
                    document_start = self._at(event.start_mark)
        except yaml.MarkedYAMLError as error:
            if fast:
                raise _Retry from None
            self._problems.append(self._translate(error))
        except yaml.YAMLError as error:  # pragma: no cover - parse errors are all marked
            if fast:
                raise _Retry from None
            self._problems.append(Problem(Mark(self._file, 1, 1), f"{error}", "fix the YAML"))
        if self._problems:
            raise ReportError(self._problems)
        if self._root is None:
            empty = "file is empty" if not self._text.strip() else "file holds only comments"
            raise self._stop(
                Mark(self._file, 1, 1),
                f"{empty}: expected one YAML document",
                "write the data, e.g. a mapping of collection names to lists of records",
            )
        root = self._root
        if isinstance(root, Scalar) and root.plain and not root.value and document_start:
            raise self._stop(
                document_start,
                "the document is empty: nothing follows '---'",
                "write the data after '---', or delete the file",
            )
        return root

    def _node_start(self, event: NodeEvent) -> None:
        mark = self._at(event.start_mark)
        if isinstance(event, AliasEvent):
            self._report(mark, f"alias '*{event.anchor}' is not allowed", _ALIAS_HINT)
            # A stand-in keeps the tree whole so later problems are still found.
            self._add(Scalar("", False, mark), checked=False)
            return
        if event.anchor is not None:
            self._report(mark, f"anchor '&{event.anchor}' is not allowed", _ALIAS_HINT)
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag[len(_CORE_TAG) :] if tag.startswith(_CORE_TAG) else tag
            self._report(mark, f"tag '{shown}' is not allowed", _TAG_HINT)
        if isinstance(event, ScalarEvent):
            self._add(Scalar(event.value, not event.style, mark))
            return
        assert isinstance(event, CollectionStartEvent)
        is_map = isinstance(event, MappingStartEvent)
        parent = self._stack[-1] if self._stack else None
        if parent is not None and parent.is_map and parent.key is None:
            kind = "mapping" if is_map else "list"
            raise self._stop(
                mark,
                f"a {kind} is used as a key; expected a plain text key",
                "write the key as text, e.g. quote it",
            )
        if len(self._stack) >= self._max_depth:
            raise self._stop(
                mark,
                f"lists and mappings nest deeper than {self._max_depth} levels",
                "flatten the data; deep nesting is almost always a mistake",
            )
        self._stack.append(_Frame(mark, is_map, bool(event.flow_style)))

    def _add(self, node: Node, *, checked: bool = True) -> None:
        if not self._stack:
            self._root = node
            return
        frame = self._stack[-1]
        if not frame.is_map:
            frame.items.append(node)
        elif frame.key is not None:
            frame.pairs.append((frame.key, node))
            frame.key = None
        else:
            # A collection key was refused when it opened, so a key here is always a scalar.
            assert isinstance(node, Scalar)
            frame.key = node
            first = frame.seen.get(node.value)
            if not checked:
                return
            if node.plain and node.value == "<<":
                self._report(node.mark, "merge key '<<' is not allowed", _ALIAS_HINT)
            elif first is not None:
                self._report(
                    node.mark,
                    f"duplicate key '{node.value}' (first defined at line {first.mark.line})",
                    "keep one of them: a key may appear only once in a mapping",
                )
            else:
                frame.seen[node.value] = node

    def _translate(self, error: yaml.MarkedYAMLError) -> Problem:
        """Say what PyYAML found in plain words, keeping its position."""
        problem = error.problem or ""
        context = error.context or ""
        where = error.problem_mark or error.context_mark
        mark = self._at(where)
        opened = self._at(error.context_mark)
        opened_at = f"line {opened.line}, column {opened.column}"
        found = _found(problem)
        message, hint = f"YAML syntax error: {problem}", "check this line and the one before it"
        index = where.index if where is not None else 0
        char = self._text[index : index + 1]
        if "cannot start any token" in problem and where is not None:
            before = self._text[index - where.column : index]
            if char == "\t" and not before.strip(" \t"):
                message = "tab character used for indentation; indent with spaces"
                hint = "replace the tab with spaces"
            elif char == "\t":
                message = "tab character used to separate items; YAML needs spaces here"
                hint = "replace the tab with a space"
            else:
                message = f"{char!r} cannot start an unquoted value"
                hint = "put the value in quotes"
        elif "mapping values are not allowed" in problem:
            message = "unexpected ':' here; expected a value or a new line"
            hint = "quote the value if it contains ': ', or check the indentation of this line"
        elif "sequence entries are not allowed" in problem or "keys are not allowed" in problem:
            message = "a list item ('-') or '?' key cannot start here"
            hint = "check the indentation of this line, or quote the value"
        elif "could not find expected ':'" in problem:
            message = f"expected ':' after the key that starts at {opened_at}"
            hint = "add the ':', or quote the text if it is not meant to be a key"
        elif "escape" in problem:
            message = "bad escape sequence in double-quoted text: '\\' must start a known escape"
            hint = "write '\\\\' for a backslash, or put the text in single quotes"
        elif "quoted scalar" in context:
            message = f"the quoted text opened at {opened_at} is never closed"
            hint = "add the closing quote"
        elif context.startswith("while scanning an a"):
            message = "'*' and '&' (alias and anchor) are not allowed"
            hint = _ALIAS_HINT + "; quote the value if the character is text"
        elif "tag" in context or "tag" in problem:
            message = "'!' starts a tag, which is not allowed"
            hint = _TAG_HINT
        elif "block scalar" in context:
            message = f"unexpected {char!r} after the '|' or '>' at {opened_at}"
            hint = "start the text on the next line; only '-', '+' or a digit may follow '|' or '>'"
        elif "directive" in context or "YAML d" in problem:
            message = "'%' directive lines are not allowed"
            hint = "remove the line, or quote the value if '%' is text"
        elif "flow sequence" in context or "flow mapping" in context:
            close, kind = ("]", "list") if "sequence" in context else ("}", "mapping")
            if "<stream end>" in problem:
                message = f"the {kind} opened at {opened_at} is never closed: expected '{close}'"
                hint = f"add the closing '{close}'"
            else:
                message = f"expected ',' or '{close}' in the {kind} opened at {opened_at}"
                message += f", but found {found}"
                hint = f"separate items with ', ' and close the {kind} with '{close}'"
        elif "<block end>" in problem or "<document start>" in problem:
            owner = "mapping" if "mapping" in context else "list"
            if found in ("']'", "'}'"):
                message = f"unexpected {found} with no matching opening bracket"
                hint = "remove it, or add the opening bracket"
            elif context:
                message = f"found {found}, which does not fit the {owner} starting at {opened_at}"
                hint = "check the indentation: items of one mapping or list line up in one column"
            else:
                message = f"found {found} after the document ended"
                hint = "check the indentation of this line and the one before it"
        elif "node content" in problem:
            message = f"expected a value here, but found {found}"
            hint = "write the value, or quote it"
        return Problem(mark, message, hint)


def _too_big(filename: str, size: int, max_bytes: int) -> ReportError:
    message = f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes"
    return _error(Mark(filename), message, "split the data into several files")


def load_text(text: str, filename: str, *, max_depth: int = MAX_DEPTH) -> Node:
    """Parse ``text`` (one YAML document) into nodes; raise ReportError on any problem.

    The nodes are immutable: a file read again with the same text is not parsed again
    (a warm process re-reads every data file, few of them changed). The last text of
    each file name is kept, no older one, up to a few megabytes in all.
    """
    kept = _LAST_PARSED.get(filename)
    if kept is not None and kept[0] == text and kept[1] == max_depth:
        return kept[2]
    node = _Loader(text, filename, max_depth).load()
    _LAST_PARSED.pop(filename, None)
    if len(text) <= _KEPT_CHARACTERS:
        while _LAST_PARSED and sum(len(k[0]) for k in _LAST_PARSED.values()) + len(text) \
                > _KEPT_CHARACTERS:
            del _LAST_PARSED[next(iter(_LAST_PARSED))]  # the one parsed longest ago goes first
        _LAST_PARSED[filename] = (text, max_depth, node)
    return node


# Parsed files kept: a few megabytes of YAML (a project's hand-written files), not the
# generated data of a large dataset, whose nodes would stay in memory for the whole build.
_KEPT_CHARACTERS = 2_000_000
_LAST_PARSED: dict[str, tuple[str, int, Node]] = {}  # file name -> its last text, parsed


def load_bytes(
    data: bytes, filename: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Node:
    """Decode ``data`` as UTF-8 and parse it like :func:`load_text`."""
    if len(data) > max_bytes:
        raise _too_big(filename, len(data), max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        hint = "save it as UTF-8 without BOM"
        raise _error(Mark(filename, 1, 1), "file starts with a UTF-16 byte-order mark", hint)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # Everything before the bad byte decodes, so its column counts characters as usual.
        good = data[: error.start].decode("utf-8")
        raise _error(
            Mark(filename, *_position(good, len(good))),
            f"invalid UTF-8: byte 0x{data[error.start]:02X} cannot appear here",
            "save the file as UTF-8; it may be in GBK, Big5 or Latin-1",
        ) from None
    return load_text(text, filename, max_depth=max_depth)


def load_file(
    path: Path,
    *,
    display_name: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    folder: Path | None = None,
) -> Node:
    """Read the file at ``path`` and parse it like :func:`load_bytes`.

    The file is read through :mod:`reportgen.files`: it must be a regular file whose real
    path lies inside ``folder`` (default: the folder it is listed in).
    """
    name = display_name if display_name is not None else str(path)
    path = Path(path)
    data = read_bytes(path, folder if folder is not None else path.parent, name, max_bytes)
    return load_bytes(data, name, max_bytes=max_bytes, max_depth=max_depth)
