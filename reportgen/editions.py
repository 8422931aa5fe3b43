"""Name every output of a build, and carry each one from the plan to the disk.

An *edition* is the report in one language; an *output* is one edition in one format (a
PDF or an HTML page). File names are decided here and only here: the plan, the templates'
links between editions, the manifest and the summary all read them from an ``Output``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .problems import Mark, Problem, ReportError

if TYPE_CHECKING:
    from .config import Config
    from .pdf import PdfResult
    from .render import EditionLink, Rendered

__all__ = ["FORMATS", "Output", "edition_files", "edition_links", "file_name", "plan_outputs", "stem"]

FORMATS = ("pdf", "html")


def stem(config: Config, lang: str) -> str:
    """Return the file name of ``lang``'s edition without extension.

    ``output_name`` decides; by default a one-language report is ``<basename>`` and a
    report in several languages ``<basename>.<lang>``.
    """
    pattern = config.output_name or (
        "{basename}.{lang}" if len(config.languages) > 1 else "{basename}")
    return pattern.format(basename=config.basename, lang=lang)


def file_name(config: Config, lang: str, fmt: str) -> str:
    """Return the file name of ``lang``'s edition in format ``fmt``: parks.en.pdf."""
    return f"{stem(config, lang)}.{fmt}"


def edition_files(config: Config) -> dict[str, dict[str, str]]:
    """Return, for every configured edition, its file name per format."""
    return {lang: {fmt: file_name(config, lang, fmt) for fmt in FORMATS}
            for lang in config.languages}


def edition_links(config: Config, current: str) -> tuple[EditionLink, ...]:
    """Describe every edition for the templates: language, its own name, its files."""
    from babel import Locale, UnknownLocaleError

    from .render import EditionLink

    links = []
    for lang, files in edition_files(config).items():
        tag = config.html_lang.get(lang, lang)
        try:
            name = Locale.parse(tag.replace("-", "_")).get_display_name() or lang
        except (ValueError, UnknownLocaleError):
            name = lang
        links.append(EditionLink(lang, tag, name, files, lang == current))
    return tuple(links)


@dataclass
class Output:
    """One file a build writes, from its plan to the disk.

    The plan fills the first fields; rendering adds ``html``; layout adds ``pdf`` (laid out
    or taken from the cache); writing fills ``tmp`` and ``entry`` and moves the file into
    place.
    """

    lang: str
    fmt: str
    html_lang: str
    path: Path  # where it ends up: always directly inside the output folder
    # --- filled as the build goes on ---
    rendered: Rendered | None = None
    pdf: PdfResult | None = None
    from_cache: bool = False  # the PDF came from out/.cache instead of a layout
    cache_key: str = ""
    tmp: Path | None = None  # the temporary file it is written to first
    entry: dict[str, Any] = field(default_factory=dict)  # its manifest entry

    @property
    def name(self) -> str:
        """The file name, e.g. parks.en.pdf."""
        return self.path.name

    @property
    def html(self) -> str:
        """The rendered HTML (for a PDF: what is laid out)."""
        if self.rendered is None:
            raise RuntimeError(f"{self.name} is not rendered yet")
        return self.rendered.html


def plan_outputs(config: Config, languages: list[str], formats: list[str]) -> list[Output]:
    """Return the outputs asked for, each checked to land directly in the output folder."""
    out = config.path("out")
    try:
        folder = out.resolve()
    except OSError as exc:
        raise ReportError(Problem(Mark(str(out)), f"cannot resolve the output folder: "
                                  f"{exc.strerror or exc}")) from None
    outputs = []
    for lang in languages:
        for fmt in formats:
            name = file_name(config, lang, fmt)
            # The names are plain by construction (config checks basename, languages and the
            # pattern); this makes sure no future change can write outside the folder.
            if Path(os.path.abspath(folder / name)).parent != folder or name in (".", ".."):
                raise ReportError(Problem(Mark(config.source), f"output {name!r} would be "
                                          f"written outside {out}"))
            outputs.append(Output(lang, fmt, config.html_lang.get(lang, lang), out / name))
    return outputs
