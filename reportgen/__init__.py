"""Build sourced, bilingual PDF and HTML reports from YAML data and Jinja templates.

The data flow is one line: config → load and validate data → charts → render HTML →
write PDF and HTML → out/.
"""

__version__ = "0.1.0"

from .build import BuildResult, build, gather  # noqa: E402
from .config import Config, load_config  # noqa: E402
from .problems import Mark, Problem, ReportError  # noqa: E402

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
