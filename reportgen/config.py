"""Declare the project configuration and read it from ``reportgen.yaml``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .problems import Problem, ReportError
from .yamlload import Map, Node, Scalar, Seq, load_file

__all__ = ["CONFIG_FILE", "Config", "config_help", "load_config"]

CONFIG_FILE = "reportgen.yaml"


def _opt(default: Any, help: str, kind: str) -> Any:
    """Declare one configuration key: its default, its help line and its YAML kind."""
    if isinstance(default, list | dict):
        return field(default_factory=lambda: _copy(default), metadata={"help": help, "kind": kind})
    return field(default=default, metadata={"help": help, "kind": kind})


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@dataclass(frozen=True)
class Config:
    """Every setting of a project, with its default and help, in one place."""

    root: Path = field(default=Path("."), metadata={"help": "project folder", "kind": "internal"})
    data: Path = _opt(Path("data"), "folder of YAML data files and their schema.yaml", "path")
    seeds: Path = _opt(Path("seeds"), "folder of source texts that quotes are checked against", "path")
    templates: Path = _opt(Path("templates"), "folder of Jinja templates, CSS and assets", "path")
    out: Path = _opt(Path("out"), "folder the outputs are written to", "path")
    template: str = _opt("report.html.j2", "entry template, relative to the templates folder", "str")
    basename: str = _opt("report", "output file name stem: <basename>.<lang>.pdf", "str")
    languages: list[str] = _opt(["en"], "edition languages, in build order", "languages")
    html_lang: dict[str, str] = _opt({}, "BCP 47 tag per edition for the lang attribute", "language-map")
    author: dict[str, str] = _opt({}, "who prepared the report, per language", "map")
    date: str = _opt("", "report date YYYY-MM-DD; default SOURCE_DATE_EPOCH, else today", "str")
    fonts: list[str] = _opt(
        ["Noto Sans CJK SC"], "font families every character must be covered by", "list"
    )
    font_packages: str = _opt(
        "fonts-noto-cjk", "system package that provides the fonts (named in errors)", "str"
    )
    # --- numbers: how sources print them, how editions print them (see numbers.py) ---
    source_language: str = _opt(
        "", "BCP 47 tag of the language the seeds are written in; default: the first edition "
        "language", "language"
    )
    seed_languages: dict[str, str] = _opt(
        {}, "per seed file name, its language where it is not source_language", "language-map"
    )
    scale_words: dict[str, float] = _opt(
        {}, "words that multiply the number before them, added to CLDR's for every source "
        "language, e.g. bn: 1.0e9", "numbers"
    )
    numerals: dict[str, dict[str, dict[str, float]]] = _opt(
        {}, "per language, numerals written with characters: {digits, units, groups}, "
        "e.g. zh: {digits: {一: 1}, units: {十: 10}, groups: {万: 1.0e4}}", "numerals"
    )
    number_format: dict[str, list[list[Any]]] = _opt(
        {}, "per language, [threshold, word] pairs that replace CLDR's compact form "
        "(a house style, e.g. en: [[1.0e9, bn]])", "number-format"
    )
    pdf_variant: str = _opt("", "WeasyPrint PDF variant, e.g. pdf/a-3b or pdf/ua-1", "str")
    page_limit: int = _opt(300, "a PDF with more pages than this fails the build", "int")
    render_timeout: int = _opt(300, "seconds one edition may take to lay out and write", "int")
    memory_limit_mb: int = _opt(2048, "address-space limit of the rendering process, MiB", "int")

    def path(self, name: str) -> Path:
        """Return the configured folder ``name`` resolved against the project root."""
        value: Path = getattr(self, name)
        return value if value.is_absolute() else self.root / value


def config_help() -> list[tuple[str, str, str]]:
    """Return (key, default, help) for every user-settable key."""
    rows = []
    for f in fields(Config):
        if f.metadata.get("kind") == "internal":
            continue
        default = f.default if f.default_factory is MISSING else f.default_factory()
        rows.append((f.name, repr(default), f.metadata["help"]))
    return rows


def load_config(root: Path, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read ``root/reportgen.yaml`` (if present) and apply command-line overrides."""
    config = Config(root=root)
    path = root / CONFIG_FILE
    if path.is_file():
        config = _apply(config, load_file(path, display_name=CONFIG_FILE))
    if overrides:
        config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    return config


def _apply(config: Config, node: Node) -> Config:
    if not isinstance(node, Map):
        raise ReportError(Problem(node.mark, "expected a mapping of configuration keys"))
    known = {f.name: f for f in fields(Config) if f.metadata.get("kind") != "internal"}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in node.pairs:
        spec = known.get(key.value)
        if spec is None:
            problems.append(
                Problem(
                    key.mark,
                    f"unknown configuration key {key.value!r}",
                    "known keys: " + ", ".join(sorted(known)),
                )
            )
            continue
        try:
            values[key.value] = _CONVERT[spec.metadata["kind"]](value)
        except ValueError as exc:
            problems.append(Problem(value.mark, f"{key.value}: {exc}", spec.metadata["help"]))
    if problems:
        raise ReportError(problems)
    return replace(config, **values)


def _scalar(node: Node) -> str:
    if not isinstance(node, Scalar):
        raise ValueError("expected a single value")
    return node.value


def _int(node: Node) -> int:
    text = _scalar(node)
    if not text.isdigit():
        raise ValueError(f"expected a whole number, got {text!r}")
    return int(text)


def _list(node: Node) -> list[str]:
    if not isinstance(node, Seq):
        raise ValueError("expected a list")
    return [_scalar(item) for item in node.items]


def _map(node: Node) -> dict[str, str]:
    if not isinstance(node, Map):
        raise ValueError("expected a mapping")
    return {k.value: _scalar(v) for k, v in node.pairs}


def _numbers(node: Node) -> dict[str, float]:
    out = {}
    for key, text in _map(node).items():
        out[key] = _factor(text, key)
    return out


def _factor(text: str, key: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{key}: expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{key}: expected a finite number above 0, got {text!r}")
    return value


def _language(node: Node) -> str:
    from .numbers import babel_locale

    tag = _scalar(node)
    babel_locale(tag)  # refuse a language Babel cannot print, with the reason
    return tag


def _languages(node: Node) -> list[str]:
    if not isinstance(node, Seq):
        raise ValueError("expected a list")
    return [_language(item) for item in node.items]


def _language_map(node: Node) -> dict[str, str]:
    if not isinstance(node, Map):
        raise ValueError("expected a mapping")
    return {k.value: _language(v) for k, v in node.pairs}


def _numerals(node: Node) -> dict[str, dict[str, dict[str, float]]]:
    if not isinstance(node, Map):
        raise ValueError("expected a mapping of language to {digits, units, groups}")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for lang, body in node.pairs:
        _language(lang)
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


def _number_format(node: Node) -> dict[str, list[list[Any]]]:
    if not isinstance(node, Map):
        raise ValueError("expected a mapping of language to [threshold, word] pairs")
    out: dict[str, list[list[Any]]] = {}
    for lang, steps in node.pairs:
        if not isinstance(steps, Seq):
            raise ValueError(f"{lang.value}: expected a list of [threshold, word] pairs")
        out[lang.value] = []
        for step in steps.items:
            if not (isinstance(step, Seq) and len(step.items) == 2
                    and all(isinstance(i, Scalar) for i in step.items)):
                raise ValueError(f"{lang.value}: expected [threshold, word], e.g. [1.0e9, bn]")
            threshold, word = (_scalar(i) for i in step.items)
            out[lang.value].append([_factor(threshold, lang.value), word])
    return out


def _raw(node: Node) -> Any:
    if isinstance(node, Scalar):
        try:
            return float(node.value)
        except ValueError:
            return node.value
    if isinstance(node, Seq):
        return [_raw(item) for item in node.items]
    return {k.value: _raw(v) for k, v in node.pairs}


_CONVERT: dict[str, Callable[[Node], Any]] = {
    "path": lambda node: Path(_scalar(node)),
    "str": _scalar,
    "int": _int,
    "list": _list,
    "map": _map,
    "numbers": _numbers,
    "raw": _raw,
    "language": _language,
    "languages": _languages,
    "language-map": _language_map,
    "numerals": _numerals,
    "number-format": _number_format,
}

