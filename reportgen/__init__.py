"""Build sourced, bilingual PDF and HTML reports from YAML data and Jinja templates.

A build runs five stages (``reportgen.stages``): plan → gather → render → layout → write.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing is not imported: the package's import stays cheap
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .build import BuildResult, build, gather
    from .config import Config, load_config
    from .problems import Mark, Problem, ReportError

__all__ = [
    "BuildResult",
    "Config",
    "Mark",
    "Problem",
    "ReportError",
    "__version__",
    "build",
    "gather",
    "load_config",
]

# Importing the package stays cheap: a no-change rebuild must answer before Jinja,
# WeasyPrint or matplotlib are loaded, so public names are imported on first use.
_HOMES = {
    "BuildResult": "build", "build": "build", "gather": "build",
    "Config": "config", "load_config": "config",
    "Mark": "problems", "Problem": "problems", "ReportError": "problems",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'reportgen' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)
