"""Edits to a copy of a project, made to check what the build says of them.

Each helper returns a mutation: a function that changes the project folder it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["Mutation", "append", "both", "edit"]

Mutation = Callable[[Path], None]


def edit(old: str, new: str, name: str) -> Mutation:
    """Return a mutation replacing the first ``old`` by ``new`` in the file ``name``."""
    def apply(project: Path) -> None:
        path = project / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return apply


def append(text: str, name: str) -> Mutation:
    """Return a mutation adding ``text`` at the end of the file ``name``."""
    def apply(project: Path) -> None:
        path = project / name
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return apply


def both(*mutations: Mutation) -> Mutation:
    """Return a mutation applying each of ``mutations`` in turn."""
    def apply(project: Path) -> None:
        for mutate in mutations:
            mutate(project)
    return apply
