"""Find the configured fonts and check that they cover every character drawn."""

from __future__ import annotations

import contextlib
import json
import shutil
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import read_regular, write_atomic
from .fontconfig import match
from .problems import Mark, Problem

__all__ = ["Families", "FontFile", "check_coverage", "find_fonts", "harfbuzz_subset_available",
           "missing_glyphs"]


@dataclass(frozen=True)
class FontFile:
    """A font face: family name, file and index within a collection."""

    family: str
    path: Path
    index: int

    def identity(self) -> str:
        """Return a string that changes whenever the font file changes."""
        stat = self.path.stat()
        return f"{self.path}:{self.index}:{stat.st_size}:{stat.st_mtime_ns}"


class Families(tuple[str, ...]):
    """The configured font families, as templates see them (``fonts`` in the context).

    Iterating gives the names; ``fonts.css`` is a CSS font-family value naming them in
    order, each quoted and escaped, so a theme's stylesheet sets text in exactly the fonts
    the glyph check used: ``font-family: {{ fonts.css }}, sans-serif``.
    """

    @property
    def css(self) -> Any:
        """Return the families as a CSS font-family list (safe inside <style>)."""
        from markupsafe import Markup

        return Markup(", ".join(_css_string(name) for name in self))


def _css_string(text: str) -> str:
    escaped = []
    for char in text:
        if char in "\\\"<>&'" or ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):X} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def find_fonts(families: Sequence[str], package: str,
               where: Mark | None = None) -> tuple[list[FontFile], list[Problem]]:
    """Locate each family with fontconfig; report the ones that are not installed."""
    where = where or Mark("reportgen.yaml")
    if shutil.which("fc-match") is None:
        return [], [Problem(where, "fontconfig (fc-match) is not installed",
                            "install the 'fontconfig' package; run 'make build'")]
    found, problems = [], []
    for family, answer in zip(families, match(families), strict=True):
        out = answer.split("\n")
        names = [n.strip() for n in out[0].split(",")] if out else []
        if len(out) < 3 or family not in names:
            problems.append(Problem(where, f"font {family!r} is not installed",
                                    f"install the '{package}' package (Debian/Ubuntu: "
                                    f"apt-get install {package}), or run 'make build'"))
            continue
        found.append(FontFile(family, Path(out[1]), int(out[2] or 0)))
    return found, problems


def _stored_cmaps(cache_file: Path) -> dict[str, list[int]]:
    """Read the glyph cache; anything damaged or of another shape reads as empty."""
    try:
        stored = json.loads(read_regular(cache_file).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {k: v for k, v in stored.items() if isinstance(k, str) and isinstance(v, list)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in v)}


def _codepoints(font: FontFile, cache: Path | None) -> set[int]:
    """Return the code points ``font`` has glyphs for, cached by file identity."""
    key = font.identity()
    cache_file = cache / "cmaps.json" if cache else None
    stored = _stored_cmaps(cache_file) if cache_file else {}
    if key in stored:
        return set(stored[key])
    from fontTools.ttLib import TTFont

    with TTFont(str(font.path), fontNumber=font.index, lazy=True) as tt:
        points = set(tt.getBestCmap())
    if cache_file:
        stored[key] = sorted(points)
        # The cache only saves time: a full or read-only disk must not fail the check.
        with contextlib.suppress(OSError):
            write_atomic(cache_file, json.dumps(stored).encode("utf-8"))
    return points


def _drawn(char: str) -> bool:
    # Spaces, controls and format characters draw nothing, so need no glyph.
    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def missing_glyphs(texts: Mapping[str, str], fonts: Sequence[FontFile],
                   cache: Path | None = None) -> dict[str, list[str]]:
    """Return each character of ``texts`` (where → text) that no font has, with its places."""
    covered: set[int] = set()
    for font in fonts:
        covered |= _codepoints(font, cache)
    missing: dict[str, list[str]] = {}
    for where, text in texts.items():
        for char in sorted(set(text)):
            if _drawn(char) and ord(char) not in covered:
                missing.setdefault(char, []).append(where)
    return missing


def check_coverage(texts: Mapping[str, str], fonts: Sequence[FontFile],
                   cache: Path | None = None) -> list[Problem]:
    """Report characters of ``texts`` (where → text) that no font has a glyph for."""
    missing = missing_glyphs(texts, fonts, cache)
    names = ", ".join(f.family for f in fonts)
    return [
        Problem(Mark(places[0]), f"character {char!r} (U+{ord(char):04X}, "
                f"{unicodedata.name(char, 'unnamed')}) has no glyph in {names}",
                "also in " + ", ".join(places[1:4]) if len(places) > 1 else
                "change the text or add a font that covers it")
        for char, places in sorted(missing.items())
    ]


def harfbuzz_subset_available() -> bool:
    """Return whether WeasyPrint found libharfbuzz-subset (fast font subsetting)."""
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except (ImportError, OSError):
        return False
    return harfbuzz_subset is not None
