"""Kinds of configuration values: how a YAML node becomes a typed, checked setting.

Each kind is one function from a node to a value that raises ``ValueError`` with what was
expected; ``config.py`` names a kind per key. Everything here is cheap: the configuration
is read on every build, also on the no-change path.
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import math
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .yamlload import Map, Node, Scalar, Seq

__all__ = ["KINDS", "babel_knows", "check_language", "check_plain_name", "check_text",
           "parse_date"]

# A language code as it appears in file names and data keys: en, zh, de, zh-Hant, pt_BR.
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*\Z")
_NOT_IN_NAMES = re.compile(r"[\x00-\x1f\x7f/\\]")
_NAME_MAX = 100


def check_text(text: str) -> str:
    """Refuse text that cannot be written as UTF-8 (a lone surrogate) or holds a NUL."""
    for char in text:
        if "\ud800" <= char <= "\udfff":
            raise ValueError(f"contains a lone surrogate U+{ord(char):04X}, which no file can "
                             "hold (write the character itself, not a \\u escape)")
        if char == "\x00":
            raise ValueError("contains a NUL character")
    return text


def check_plain_name(text: str, what: str = "a file name") -> str:
    """Refuse a name that is not one plain path component (no folders, no leading dot)."""
    check_text(text)
    if not text or text.strip() != text:
        raise ValueError(f"expected {what}, got {text!r} (no leading or trailing spaces)")
    bad = _NOT_IN_NAMES.search(text)
    if bad:
        raise ValueError(f"expected {what}, got {text!r}: {bad.group(0)!r} cannot appear in "
                         "a file name (outputs are written only into the output folder)")
    if text.startswith((".", "-")):
        raise ValueError(f"expected {what}, got {text!r}: a name may not start with "
                         f"{text[0]!r}")
    if len(text.encode("utf-8")) > _NAME_MAX:
        raise ValueError(f"expected {what} of at most {_NAME_MAX} bytes")
    return text


def babel_knows(tag: str) -> bool:
    """Return whether Babel ships CLDR data for the language of ``tag`` (without importing it)."""
    spec = importlib.util.find_spec("babel")
    if spec is None or not spec.submodule_search_locations:
        return False
    data = Path(next(iter(spec.submodule_search_locations))) / "locale-data"
    parts = tag.replace("-", "_").split("_")
    candidates = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    # CLDR spells the language in lower case and scripts in title case (zh_Hans).
    candidates += [parts[0].lower()]
    return any((data / f"{name}.dat").is_file() for name in candidates if name)


def check_language(code: str, what: str = "language") -> str:
    """Refuse a language code that is not a plain tag, or that Babel (CLDR) does not know."""
    check_text(code)
    if not _LANGUAGE.match(code):
        raise ValueError(f"{what} {code!r} is not a language code (expected letters such as "
                         "en, de or zh, optionally with a subtag: zh-Hant)")
    if not babel_knows(code):
        raise ValueError(f"{what} {code!r} cannot be served: Babel has no CLDR locale data "
                         "for it, so its numbers and dates cannot be written (use an ISO 639 "
                         "code such as en, de or zh)")
    return code


def parse_date(text: str, what: str = "date") -> _dt.date:
    """Read an ISO date YYYY-MM-DD, naming what is wrong with an impossible one."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError(f"{what}: expected a date YYYY-MM-DD, got {text!r}")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {text!r} is not a date in the calendar ({exc})") from None


def _scalar(node: Node) -> str:
    if not isinstance(node, Scalar):
        raise ValueError("expected a single value, got a " +
                         ("list" if isinstance(node, Seq) else "mapping"))
    return check_text(node.value)


def _int(node: Node, low: int, high: int) -> int:
    text = _scalar(node)
    if not text.isdigit():
        raise ValueError(f"expected a whole number, got {text!r}")
    if len(text) > 12 or not low <= int(text) <= high:
        raise ValueError(f"expected a whole number from {low:,} to {high:,}, got {text}")
    return int(text)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def _list(node: Node) -> list[str]:
    if not isinstance(node, Seq):
        raise ValueError("expected a list")
    return [_scalar(item) for item in node.items]


def _map(node: Node) -> dict[str, str]:
    if not isinstance(node, Map):
        raise ValueError("expected a mapping")
    return {check_text(k.value): _scalar(v) for k, v in node.pairs}


def _families(node: Node) -> list[str]:
    """Font family names, as fontconfig takes them: no pattern syntax, no option look-alikes."""
    names = _list(node)
    if not names:
        raise ValueError("expected at least one font family")
    for name in names:
        if not name.strip() or name.startswith("-") or re.search(r"[:,=\\\x00-\x1f]", name):
            raise ValueError(f"expected a font family name such as 'Noto Sans CJK SC', got "
                             f"{name!r}")
    return names


def _languages(node: Node) -> list[str]:
    codes = _list(node)
    if not codes:
        raise ValueError("expected at least one language")
    for code in codes:
        check_language(code)
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed more than once (each edition once)")
    return codes


def _html_lang(node: Node) -> dict[str, str]:
    tags = _map(node)
    for lang, tag in tags.items():
        check_language(tag, f"tag for {lang}")
    return tags


def _factor(text: str, what: str) -> float:
    try:
        value = _number(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{what}: expected a finite number above 0, got {text!r}")
    return value


def _factors(node: Node) -> dict[str, float]:
    """Words (or characters) and the positive factor each multiplies a number by."""
    return {k: _factor(v, k) for k, v in _map(node).items()}


def _language_map(node: Node) -> dict[str, str]:
    """A language per key (a seed file name): each a code Babel knows."""
    return {k: check_language(v, f"language of {k}") for k, v in _map(node).items()}


def _numerals(node: Node) -> dict[str, dict[str, dict[str, float]]]:
    """Per language, numerals written with characters: digits, units and group words."""
    if not isinstance(node, Map):
        raise ValueError("expected a mapping of language to {digits, units, groups}")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for lang, body in node.pairs:
        check_language(lang.value)
        if not isinstance(body, Map):
            raise ValueError(f"{lang.value}: expected a mapping with digits, units, groups")
        out[lang.value] = {}
        for part, table in body.pairs:
            if part.value not in ("digits", "units", "groups"):
                raise ValueError(f"{lang.value}: unknown key {part.value!r} "
                                 "(expected digits, units, groups)")
            values: dict[str, float] = {}
            for char, text in _map(table).items():
                where = f"{lang.value}.{part.value}.{char}"
                if len(char) != 1:
                    raise ValueError(f"{where}: expected one character")
                values[char] = 0.0 if part.value == "digits" and text in ("0", "0.0") \
                    else _factor(text, where)
            out[lang.value][part.value] = values
    return out


def _steps(node: Node) -> dict[str, list[list[Any]]]:
    """Per language, [threshold, word] pairs: thresholds positive, words text."""
    if not isinstance(node, Map):
        raise ValueError("expected a mapping of language to [threshold, word] pairs")
    out: dict[str, list[list[Any]]] = {}
    for key, value in node.pairs:
        if not isinstance(value, Seq):
            raise ValueError(f"{key.value}: expected a list of [threshold, word] pairs")
        pairs: list[list[Any]] = []
        for item in value.items:
            if not (isinstance(item, Seq) and len(item.items) == 2
                    and all(isinstance(x, Scalar) for x in item.items)):
                raise ValueError(f"{key.value}: expected [threshold, word] pairs such as "
                                 '[1.0e6, " million"]')
            threshold = _number(_scalar(item.items[0]))
            if threshold <= 0:
                raise ValueError(f"{key.value}: threshold {threshold:g} must be above 0")
            pairs.append([threshold, _scalar(item.items[1])])
        out[check_text(key.value)] = pairs
    return out


def _date(node: Node) -> str:
    text = _scalar(node)
    if text:
        parse_date(text)
    return text


def _pattern(node: Node) -> str:
    text = _scalar(node)
    if text:
        wrong = ValueError(f"expected a name pattern using {{basename}} and {{lang}}, got "
                           f"{text!r}")
        try:
            fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text)
                      if name is not None]
        except ValueError:
            raise wrong from None
        if any(name not in ("basename", "lang") or spec or conv for name, spec, conv in fields):
            raise wrong
        check_plain_name(text.format(basename="b", lang="en"), "a file name pattern")
    return text


def _raw(node: Node) -> Any:
    if isinstance(node, Scalar):
        return check_text(node.value)
    if isinstance(node, Seq):
        return [_raw(item) for item in node.items]
    return {check_text(k.value): _raw(v) for k, v in node.pairs}


def _chart_theme(node: Node) -> dict[str, Any]:
    """A chart theme: checked by the chart model (cheap), kept as written."""
    from .charts_model import parse_theme

    def value(item: Node) -> Any:
        if isinstance(item, Scalar):
            try:
                return float(item.value) if not item.value.startswith("#") else item.value
            except ValueError:
                return check_text(item.value)
        if isinstance(item, Seq):
            return [value(i) for i in item.items]
        return {check_text(k.value): value(v) for k, v in item.pairs}

    raw = value(node)
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping of chart theme keys")
    parse_theme(raw)
    return raw


KINDS: dict[str, Callable[[Node], Any]] = {
    "path": lambda node: Path(_scalar(node)),
    "str": _scalar,
    "name": lambda node: check_plain_name(_scalar(node)),
    "pattern": _pattern,
    "date": _date,
    "languages": _languages,
    "html_lang": _html_lang,
    "list": _list,
    "families": _families,
    "map": _map,
    "factors": _factors,
    "language": lambda node: check_language(_scalar(node)) if _scalar(node) else "",
    "language-map": _language_map,
    "numerals": _numerals,
    "steps": _steps,
    "pages": lambda node: _int(node, 1, 100_000),
    "seconds": lambda node: _int(node, 1, 86_400),
    "megabytes": lambda node: _int(node, 64, 1 << 20),
    "raw": _raw,
    "chart_theme": _chart_theme,
}
