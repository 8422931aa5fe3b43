"""Load templates and assets for Jinja through :mod:`reportgen.files`.

Jinja's own FileSystemLoader follows links: a template linked to ``~/secret.txt`` or a
folder linked to ``/`` would be read into the report. This loader reads a template only
when its real path lies inside the templates folder and it is a regular file of bounded
size; anything else is refused with a message naming the file and where it points.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path

from .files import MAX_TEMPLATE_BYTES, read_text

__all__ = ["SafeLoader"]


class SafeLoader(jinja2.BaseLoader):
    """Load templates from one folder, refusing links out of it and special files."""

    def __init__(self, folder: Path, display: str | None = None) -> None:
        self.folder = Path(folder)
        self.display = display if display is not None else self.folder.name

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        """Return the template's text, its path and an up-to-date check."""
        pieces = split_template_path(template)  # refuses '..'
        path = self.folder.joinpath(*pieces)
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        display = "/".join([self.display, *pieces])
        source = read_text(path, self.folder, display, MAX_TEMPLATE_BYTES)
        mtime = _mtime(path)
        return source, str(path), lambda: _mtime(path) == mtime

    def list_templates(self) -> list[str]:
        """Return every file name below the folder (links out of it left out)."""
        found = []
        base = os.path.realpath(self.folder)
        for top, dirs, names in os.walk(self.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in names:
                path = os.path.join(top, name)
                if os.path.realpath(path).startswith(base + os.sep):
                    found.append(Path(path).relative_to(self.folder).as_posix())
        return sorted(found)


def _mtime(path: Path) -> Any:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
