"""Declare the project configuration and read it from ``reportgen.yaml``.

``Config`` is the schema: one line per key with its default, its help and its kind (how
``settings.py`` reads and checks it). ``reportgen.yaml``, ``--config FILE`` and
``--set key=value`` all go through the same kinds, so a value is typed and checked the
same way wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .problems import Mark, Problem, ReportError
from .settings import KINDS
from .yamlload import Map, Node, Scalar, load_bytes, load_file

__all__ = ["CONFIG_FILE", "Config", "config_help", "load_config", "parse_set"]

CONFIG_FILE = "reportgen.yaml"


def _opt(default: Any, help: str, kind: str) -> Any:
    """Declare one configuration key: its default, its help line and its kind."""
    assert kind in KINDS, kind
    if isinstance(default, list | dict):
        return field(default_factory=lambda: _copy(default), metadata={"help": help, "kind": kind})
    return field(default=default, metadata={"help": help, "kind": kind})


def _internal(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help, "kind": "internal"})


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@dataclass(frozen=True)
class Config:
    """Every setting of a project, with its default and help, in one place."""

    root: Path = _internal(Path("."), "project folder")
    source: str = _internal(CONFIG_FILE, "the configuration file, as errors name it")
    source_path: Path | None = _internal(None, "the configuration file read, if any")
    marks: Mapping[str, Mark] = field(default_factory=dict, compare=False, metadata={
        "help": "where each key was set, for messages", "kind": "internal"})
    data: Path = _opt(Path("data"), "folder of YAML data files and their schema.yaml", "path")
    seeds: Path = _opt(Path("seeds"), "folder of source texts that quotes are checked against", "path")
    templates: Path = _opt(Path("templates"), "folder of Jinja templates, CSS and assets", "path")
    out: Path = _opt(Path("out"), "folder the outputs are written to", "path")
    template: str = _opt("report.html.j2", "entry template, relative to the templates folder", "str")
    basename: str = _opt("report", "output file name stem, a plain name (no folders)", "name")
    output_name: str = _opt(
        "", "output file name pattern without extension, from {basename} and {lang}; default "
        "{basename}.{lang} with several languages, {basename} with one", "pattern")
    languages: list[str] = _opt(["en"], "edition languages, in build order (Babel must know each)",
                                "languages")
    html_lang: dict[str, str] = _opt({}, "BCP 47 tag per edition for the lang attribute", "html_lang")
    author: dict[str, str] = _opt({}, "who prepared the report, per language", "map")
    date: str = _opt("", "report date YYYY-MM-DD; default SOURCE_DATE_EPOCH, else the newest "
                     "data file's date", "date")
    fonts: list[str] = _opt(
        ["Noto Sans CJK SC"], "font families every character must be covered by; templates "
        "get them as fonts", "families")
    font_packages: str = _opt(
        "fonts-noto-cjk", "system package that provides the fonts (named in errors)", "str")
    # --- numbers: how sources print them, how editions print them (see numbers.py) ---
    source_language: str = _opt(
        "", "BCP 47 tag of the language the seeds are written in; default: the first edition "
        "language", "language")
    seed_languages: dict[str, str] = _opt(
        {}, "per seed file name, its language where it is not source_language", "language-map")
    scale_words: dict[str, float] = _opt(
        {}, "words that multiply the number before them, added to CLDR's for every source "
        "language, e.g. bn: 1.0e9", "factors")
    numerals: dict[str, dict[str, dict[str, float]]] = _opt(
        {}, "per language, numerals written with characters: {digits, units, groups}, "
        "e.g. zh: {digits: {一: 1}, units: {十: 10}, groups: {万: 1.0e4}}", "numerals")
    number_format: dict[str, list[list[Any]]] = _opt(
        {}, "per language, [threshold, word] pairs that replace CLDR's compact form "
        "(a house style, e.g. en: [[1.0e9, bn]])", "steps")
    chart_theme: dict[str, Any] = _opt(
        {}, "chart look: palette, colours, text sizes, print and screen widths, most items "
        "per chart (docs/charts.md)", "chart_theme")
    pdf_variant: str = _opt("", "WeasyPrint PDF variant, e.g. pdf/a-3b or pdf/ua-1", "str")
    page_limit: int = _opt(300, "a PDF with more pages than this fails the build (1-100000)",
                           "pages")
    render_timeout: int = _opt(300, "seconds one edition may take to render or lay out "
                               "(1-86400)", "seconds")
    memory_limit_mb: int = _opt(2048, "address-space limit of the build and its rendering "
                                "processes, MiB (64-1048576)", "megabytes")

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


def parse_set(item: str) -> tuple[str, Node]:
    """Read one ``--set key=value``; the value is YAML, as it would be in the file."""
    key, sep, value = item.partition("=")
    where = f"--set {key.strip()}"
    if not sep or not key.strip():
        raise ReportError(Problem(Mark("--set"), f"expected key=value, got {item!r}",
                                  "e.g. --set basename=summary or --set 'languages=[en, de]'"))
    return key.strip(), load_bytes(value.encode("utf-8", "surrogatepass"), where)


def load_config(root: Path, overrides: Mapping[str, Any] | None = None, *,
                config_file: Path | None = None,
                sets: Sequence[tuple[str, Node]] = ()) -> Config:
    """Read the configuration, then apply ``--set`` values and command-line overrides.

    The file is ``config_file`` if given, else ``root/reportgen.yaml`` when it exists;
    paths in it are relative to ``root``.
    """
    path = config_file if config_file is not None else root / CONFIG_FILE
    display = str(config_file) if config_file is not None else CONFIG_FILE
    config = Config(root=root, source=display)
    pairs: list[tuple[Scalar, Node]] = []
    # A pipe or a link out of the project is refused by load_file, not skipped.
    if config_file is not None or path.exists() or path.is_symlink():
        node = load_file(path, display_name=display)
        if not isinstance(node, Map):
            raise ReportError(Problem(node.mark, "expected a mapping of configuration keys"))
        pairs += node.pairs
        config = replace(config, source_path=path)
    pairs += [(Scalar(key, True, node.mark), node) for key, node in sets]
    config = _apply(config, pairs)
    if overrides:
        config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    problems = _agree(config)
    if problems:
        raise ReportError(problems)
    return config


def _apply(config: Config, pairs: Sequence[tuple[Scalar, Node]]) -> Config:
    known = {f.name: f for f in fields(Config) if f.metadata.get("kind") != "internal"}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    marks: dict[str, Mark] = {}
    for key, value in pairs:
        spec = known.get(key.value)
        if spec is None:
            problems.append(Problem(key.mark, f"unknown configuration key {key.value!r}",
                                    "known keys: " + ", ".join(sorted(known))))
            continue
        try:
            values[key.value] = KINDS[spec.metadata["kind"]](value)
            marks[key.value] = value.mark
        except ValueError as exc:
            problems.append(Problem(value.mark, f"{key.value}: {exc}", spec.metadata["help"]))
    if problems:
        raise ReportError(problems)
    return replace(config, **values, marks={**config.marks, **marks})


def _mark(config: Config, key: str) -> Mark:
    return config.marks.get(key, Mark(config.source))


def _agree(config: Config) -> list[Problem]:
    """Check the keys that depend on each other: the name pattern and the languages."""
    problems = []
    pattern = config.output_name
    if pattern and len(config.languages) > 1 and "{lang}" not in pattern:
        problems.append(Problem(_mark(config, "output_name"), f"output_name: {pattern!r} gives "
                                "every edition the same file name", "add {lang} to the pattern"))
    return problems
