"""The default UI strings of the theme shipped with the engine (reportgen/theme/).

A project's ``templates/strings.yaml`` adds strings and overrides these, one language at a
time; the build merges the two (``stages.gather._load_strings``).
"""

from __future__ import annotations

import functools
from pathlib import Path

from .yamlload import Map, Scalar, load_file

__all__ = ["THEME_STRINGS", "theme_strings"]

THEME_STRINGS = Path(__file__).parent / "theme" / "strings.yaml"


@functools.cache
def _load() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    node = load_file(THEME_STRINGS, display_name="reportgen/theme/strings.yaml")
    assert isinstance(node, Map), "the theme's strings.yaml is a mapping"
    return tuple((key.value, tuple((lang.value, text.value) for lang, text in value.pairs
                                   if isinstance(text, Scalar)))
                 for key, value in node.pairs if isinstance(value, Map))


def theme_strings() -> dict[str, dict[str, str]]:
    """Return the theme's strings: name -> {language: text}, a fresh copy each call."""
    return {key: dict(entry) for key, entry in _load()}
