"""Find the configured fonts and check that they cover every character drawn."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .problems import Mark, Problem

__all__ = ["FontFile", "check_coverage", "find_fonts", "harfbuzz_subset_available"]


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


def find_fonts(families: Sequence[str], package: str) -> tuple[list[FontFile], list[Problem]]:
    """Locate each family with fontconfig; report the ones that are not installed."""
    where = Mark("reportgen.yaml")
    if shutil.which("fc-match") is None:
        return [], [Problem(where, "fontconfig (fc-match) is not installed",
                            "install the 'fontconfig' package; run 'make build'")]
    found, problems = [], []
    for family in families:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{family}:style=Regular"],
            capture_output=True, text=True, check=False,
        ).stdout.split("\n")
        names = [n.strip() for n in out[0].split(",")] if out else []
        if len(out) < 3 or family not in names:
            problems.append(Problem(where, f"font {family!r} is not installed",
                                    f"install the '{package}' package (Debian/Ubuntu: "
                                    f"apt-get install {package}), or run 'make build'"))
            continue
        found.append(FontFile(family, Path(out[1]), int(out[2] or 0)))
    return found, problems


def _codepoints(font: FontFile, cache: Path | None) -> set[int]:
    """Return the code points ``font`` has glyphs for, cached by file identity."""
    key = font.identity()
    cache_file = cache / "cmaps.json" if cache else None
    stored: dict[str, list[int]] = {}
    if cache_file and cache_file.is_file():
        try:
            stored = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
    if key in stored:
        return set(stored[key])
    from fontTools.ttLib import TTFont

    with TTFont(str(font.path), fontNumber=font.index, lazy=True) as tt:
        points = set(tt.getBestCmap())
    if cache_file:
        stored[key] = sorted(points)
        tmp = cache_file.with_suffix(".tmp")
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(stored), encoding="utf-8")
            tmp.replace(cache_file)
        except OSError:
            # The cache only saves time: a full or read-only disk must not fail the check.
            tmp.unlink(missing_ok=True)
    return points


def _drawn(char: str) -> bool:
    # Spaces, controls and format characters draw nothing, so need no glyph.
    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def check_coverage(texts: Mapping[str, str], fonts: Sequence[FontFile],
                   cache: Path | None = None) -> list[Problem]:
    """Report characters of ``texts`` (where → text) that no font has a glyph for."""
    covered: set[int] = set()
    for font in fonts:
        covered |= _codepoints(font, cache)
    missing: dict[str, list[str]] = {}
    for where, text in texts.items():
        for char in sorted(set(text)):
            if _drawn(char) and ord(char) not in covered:
                missing.setdefault(char, []).append(where)
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
