"""Stage 1, plan: name every output, fingerprint the inputs, and find what is out of date.

Nothing here imports Jinja, WeasyPrint, matplotlib, fontTools or Babel: when every output
is still the one the manifest recorded, the build ends here, in a fraction of a second.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Config
from ..editions import FORMATS, Output, plan_outputs
from ..fonts import FontFile, find_fonts
from ..manifest import Inputs, Manifest, fingerprint, manifest_path
from ..problems import Mark, Problem, ReportError

__all__ = ["Plan", "display", "plan", "refuse_link_out", "report_date"]

_LOG = logging.getLogger(__name__)
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


@dataclass
class Plan:
    """What one build will do: the outputs to write and everything they are built from."""

    config: Config
    outputs: list[Output]  # to write, in the order they were asked for
    unchanged: list[Output]  # already in out/, built from these very inputs
    inputs: Inputs
    manifest: Manifest
    fonts: list[FontFile]
    meta: dict[str, Any]  # date, created, generator, version: what templates see as meta
    out: Path
    display: str  # the output folder as messages name it
    cache: Path | None = field(default=None)  # out/.cache, None when it cannot be used

    @property
    def up_to_date(self) -> bool:
        """True when there is nothing to write."""
        return not self.outputs


def refuse_link_out(config: Config) -> None:
    """Refuse an output folder that is a link leading out of the project.

    A folder named outside the project (``--out /tmp/x``, ``out: ../x``) is the user's
    choice; a link planted in the project (``out -> ~``) would have the build read its
    manifest and write there unseen, like the links of data, seeds and templates that
    ``files`` refuses.
    """
    out = config.path("out")
    if not out.is_symlink():
        return
    root, target = os.path.realpath(config.root), os.path.realpath(out)
    if os.path.commonpath([root, target]) != root:
        raise ReportError(Problem(Mark(display(config, "out")),
                                  f"the output folder links to {target}, outside the project",
                                  "outputs are written only inside the project or to a folder "
                                  "named with --out; remove the link, or name the folder itself"))


def plan(config: Config, languages: list[str] | None = None,
         formats: list[str] | None = None) -> Plan:
    """Decide what to build: raise on an unknown language; never write anything."""
    languages = list(languages or config.languages)
    unknown = [lang for lang in languages if lang not in config.languages]
    if unknown:
        raise ReportError(Problem(Mark(config.source), "unknown edition language "
                                  + ", ".join(unknown),
                                  "configured: " + ", ".join(config.languages)))
    wanted = plan_outputs(config, languages, list(formats or FORMATS))
    refuse_link_out(config)
    fonts, day = _fonts_and_date(config)
    meta = {"date": day.isoformat(), "created": f"{day.isoformat()}T00:00:00Z",
            "generator": f"reportgen {__version__}", "version": __version__}
    inputs = fingerprint(config, meta["date"], fonts)
    manifest = Manifest.load(manifest_path(config))
    out = config.path("out")
    stale = set(manifest.stale(out, [o.name for o in wanted], inputs))
    result = Plan(config, [o for o in wanted if o.name in stale],
                  [o for o in wanted if o.name not in stale], inputs, manifest, fonts, meta,
                  out, display(config, "out"), _cache_folder(out))
    _LOG.debug("plan: %d outputs asked for, %d to write (%s); report date %s",
               len(wanted), len(result.outputs), " ".join(o.name for o in result.outputs)
               or "none", meta["date"])
    return result


def _cache_folder(out: Path) -> Path | None:
    cache = out / ".cache"
    try:
        mode = cache.lstat().st_mode
    except FileNotFoundError:
        return cache
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return cache
    _LOG.warning("%s is not a folder: building without the cache (remove it to cache "
                 "charts and PDFs again)", cache)
    return None


def _fonts_and_date(config: Config) -> tuple[list[FontFile], _dt.date]:
    """Look up the fonts and the report date at once: the font lookup waits on fc-match."""
    # WeasyPrint's subsetter is checked where WeasyPrint is imported: in the PDF processes.
    found: list[tuple[list[FontFile], list[Problem]]] = []
    lookup = threading.Thread(target=lambda: found.append(
        find_fonts(config.fonts, config.font_packages, Mark(config.source))), daemon=True)
    lookup.start()
    try:
        day = report_date(config)
    finally:
        lookup.join()
    fonts, problems = found[0] if found else find_fonts(config.fonts, config.font_packages,
                                                        Mark(config.source))
    if problems:
        raise ReportError(problems)
    return fonts, day


def report_date(config: Config) -> _dt.date:
    """Pick the report date: configured, else SOURCE_DATE_EPOCH, else the newest data file.

    No program is run to learn it (a project's .git/config could name one to run), and
    never the clock while there is data: the same data gives the same bytes tomorrow.
    """
    if config.date:
        return _dt.date.fromisoformat(config.date)  # checked when the config was read
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.strip():  # set and not empty (an empty value means unset, as is customary)
        text = epoch.strip()
        if not text.isdigit() or len(text) > 12 or int(text) > _MAX_EPOCH:
            raise ReportError(Problem(
                Mark("SOURCE_DATE_EPOCH"), f"expected whole seconds since 1970-01-01 up to "
                f"{_MAX_EPOCH} (year 9999), got {epoch[:40]!r}",
                "set it to a commit's time, e.g. $(git log -1 --format=%ct), or unset it"))
        return _dt.datetime.fromtimestamp(int(text), _dt.UTC).date()
    newest = 0.0
    for top, dirs, files in os.walk(config.path("data")):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            try:
                info = os.lstat(os.path.join(top, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                newest = max(newest, info.st_mtime)
    if newest > 0:
        return _dt.datetime.fromtimestamp(int(min(newest, _MAX_EPOCH)), _dt.UTC).date()
    return _dt.datetime.now(_dt.UTC).date()


def display(config: Config, name: str) -> str:
    """Return the folder ``name`` as messages show it: relative to the project if inside."""
    path = config.path(name)
    try:
        return str(path.resolve().relative_to(config.root.resolve()))
    except (ValueError, OSError):
        return str(path)
