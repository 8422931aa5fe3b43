"""Declare the project configuration and read it from ``reportgen.yaml``."""

from __future__ import annotations

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
    languages: list[str] = _opt(["en"], "edition languages, in build order", "list")
    html_lang: dict[str, str] = _opt({}, "BCP 47 tag per edition for the lang attribute", "map")
    author: dict[str, str] = _opt({}, "who prepared the report, per language", "map")
    date: str = _opt("", "report date YYYY-MM-DD; default SOURCE_DATE_EPOCH, else today", "str")
    fonts: list[str] = _opt(
        ["Noto Sans CJK SC"], "font families every character must be covered by", "list"
    )
    font_packages: str = _opt(
        "fonts-noto-cjk", "system package that provides the fonts (named in errors)", "str"
    )
    scale_words: dict[str, float] = _opt(
        {}, "characters that multiply a stated number, e.g. 万: 10000", "numbers"
    )
    number_format: dict[str, list[list[Any]]] = _opt(
        {}, "per language, [threshold, word] pairs for printing large numbers", "raw"
    )
    chart_theme: dict[str, Any] = _opt(
        {}, "chart look: palette, colours, sizes, widths (see docs/charts.md)", "chart_theme"
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
    try:
        return {k: float(v) for k, v in _map(node).items()}
    except ValueError as exc:
        raise ValueError(f"expected numbers ({exc})") from None


def _raw(node: Node) -> Any:
    if isinstance(node, Scalar):
        try:
            return float(node.value)
        except ValueError:
            return node.value
    if isinstance(node, Seq):
        return [_raw(item) for item in node.items]
    return {k.value: _raw(v) for k, v in node.pairs}


def _chart_theme(node: Node) -> dict[str, Any]:
    from .charts_model import parse_theme

    raw = _raw(node)
    parse_theme(raw)  # ValueError names the bad key; the value is kept as written
    return dict(raw)


_CONVERT: dict[str, Callable[[Node], Any]] = {
    "path": lambda node: Path(_scalar(node)),
    "str": _scalar,
    "int": _int,
    "list": _list,
    "map": _map,
    "numbers": _numbers,
    "raw": _raw,
    "chart_theme": _chart_theme,
}

