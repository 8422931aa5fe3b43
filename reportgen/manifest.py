"""Fingerprint a build's inputs cheaply and record what a build wrote from them.

Everything here runs before Jinja, WeasyPrint or matplotlib is imported: a rebuild with
nothing changed must be answered from file hashes alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import stat
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .cache import digest, read_regular
from .config import CONFIG_FILE, Config
from .fonts import FontFile

__all__ = ["TOOLS", "Inputs", "Manifest", "fingerprint", "manifest_path", "sha256_file"]

# Packages whose versions can change the bytes of an output: (import name, distribution).
TOOLS = (("weasyprint", "weasyprint"), ("pydyf", "pydyf"), ("matplotlib", "matplotlib"),
         ("jinja2", "jinja2"), ("yaml", "pyyaml"), ("fontTools", "fonttools"))
_SKIP_DIRS = {"__pycache__", "node_modules"}


@dataclass
class Inputs:
    """Hashes of every input of a build; ``digest`` changes when any of them does."""

    files: dict[str, str]
    settings: dict[str, Any]
    tools: dict[str, str]
    fonts: list[dict[str, Any]]
    digest: str = ""

    def as_json(self) -> dict[str, Any]:
        """Return the inputs as plain data, without absolute paths."""
        return dataclasses.asdict(self)


@dataclass
class Manifest:
    """What the last builds wrote: per output, its hash and the inputs it was built from."""

    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest; a missing, damaged or foreign one is empty (everything rebuilds).

        Entries of the wrong shape are dropped one by one: a manifest is only a record of
        what was written, and can make a build do more work, never fail.
        """
        try:
            data = json.loads(read_regular(path).decode("utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        inputs = data.get("inputs")
        outputs = data.get("outputs")
        manifest = cls(inputs if isinstance(inputs, dict) else {})
        for name, entry in (outputs.items() if isinstance(outputs, dict) else ()):
            if isinstance(entry, dict) and _entry_ok(entry):
                manifest.outputs[str(name)] = entry
        return manifest

    def pages(self, name: str) -> int:
        """Return the page count last recorded for the PDF ``name`` (0 when unknown)."""
        return int(self.outputs.get(name, {}).get("pages", 0))

    def stale(self, out: Path, names: Iterable[str], inputs: Inputs) -> list[str]:
        """Return the outputs that are missing, edited, or built from other inputs."""
        stale = []
        for name in names:
            entry = self.outputs.get(name, {})
            if entry.get("inputs") != inputs.digest or entry.get("sha256") != sha256_file(out / name):
                stale.append(name)
        return stale

    def record(self, inputs: Inputs, written: Mapping[str, dict[str, Any]]) -> None:
        """Note the outputs just written from ``inputs``."""
        self.inputs = inputs.as_json()
        self.outputs.update({name: {**entry, "inputs": inputs.digest}
                             for name, entry in written.items()})
        self.outputs = dict(sorted(self.outputs.items()))

    def text(self) -> str:
        """Return the manifest as stable, readable JSON."""
        return json.dumps({"generator": f"reportgen {__version__}", "inputs": self.inputs,
                           "outputs": self.outputs}, ensure_ascii=False, indent=1,
                          sort_keys=True) + "\n"


def _entry_ok(entry: dict[str, Any]) -> bool:
    pages = entry.get("pages", 0)
    return (isinstance(entry.get("sha256", ""), str) and isinstance(entry.get("inputs", ""), str)
            and isinstance(pages, int) and not isinstance(pages, bool) and pages >= 0)


def manifest_path(config: Config) -> Path:
    """Return where the manifest lives: beside the outputs."""
    return config.path("out") / f"{config.basename}.manifest.json"


def sha256_file(path: Path) -> str:
    """Return the sha256 of a regular file; '' when it cannot be read, 'special' for a
    device, pipe or socket (never read: it could block or never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return ""
    with open(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return "special"
            return hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return ""


def fingerprint(config: Config, report_date: str, fonts: Sequence[FontFile]) -> Inputs:
    """Hash the configuration, data, seeds, templates, fonts and tool versions."""
    files: dict[str, str] = {}
    if config.source_path is not None:
        files[CONFIG_FILE] = sha256_file(config.source_path)
    for name in ("data", "seeds", "templates"):
        folder = config.path(name)
        for path in _walk(folder):
            files[f"{name}/{path.relative_to(folder).as_posix()}"] = sha256_file(path)
    inputs = Inputs(files=dict(sorted(files.items())), settings=_settings(config, report_date),
                    tools=_tools(), fonts=[_font(f) for f in fonts])
    # Font files are identified by size and modification time (hashing 40 MB of fonts
    # would cost more than the whole no-change check); the digest includes their paths.
    inputs.digest = digest(inputs.as_json(), [f.identity() for f in fonts])
    return inputs


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        found += [Path(top) / n for n in sorted(names) if not n.startswith(".")]
    return found


def _settings(config: Config, report_date: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        if f.name in ("data", "seeds", "templates", "out") or f.metadata.get("kind") == "internal":
            continue  # folders are covered by the hashes of their files
        values[f.name] = getattr(config, f.name)
    values["report_date"] = report_date
    return json.loads(json.dumps(values, sort_keys=True, default=str))  # type: ignore[no-any-return]


def _tools() -> dict[str, str]:
    """Return the versions of reportgen, Python and the layout and drawing packages."""
    tools = {"reportgen": __version__, "engine": _engine_digest(),
             "python": f"{sys.version_info[0]}.{sys.version_info[1]}"}
    for module, dist in TOOLS:
        tools[dist] = _version(module, dist)
    return tools


def _engine_digest() -> str:
    # An edited engine module or theme file must not be answered with outputs of the old
    # engine: every file of the package counts, compiled caches excepted.
    folder = Path(__file__).parent
    h = hashlib.sha256()
    for path in _walk(folder):
        if path.suffix not in (".pyc", ".pyo"):
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes()
                     + b"\0")
    return h.hexdigest()[:16]


def _version(module: str, dist: str) -> str:
    """Read a package version from its dist-info folder name, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return "missing"
    site = Path(spec.origin).parent.parent
    want = dist.lower().replace("-", "_") + "-"
    try:
        names = os.listdir(site)
    except OSError:
        return "unknown"
    for name in names:
        if name.endswith(".dist-info") and name.lower().startswith(want):
            return name[len(want):-len(".dist-info")]
    return "unknown"


def _font(font: FontFile) -> dict[str, Any]:
    try:
        size = font.path.stat().st_size
    except OSError:
        size = -1
    return {"family": font.family, "file": font.path.name, "index": font.index, "size": size,
            "version": _font_revision(font)}


def _font_revision(font: FontFile) -> str:
    """Read fontRevision from the face's 'head' table (a few hundred bytes, no fontTools)."""
    try:
        with open(font.path, "rb") as handle:
            start = 0
            if handle.read(4) == b"ttcf":
                handle.seek(12 + 4 * font.index)
                start = struct.unpack(">I", handle.read(4))[0]
            handle.seek(start + 4)
            count = struct.unpack(">H", handle.read(2))[0]
            handle.seek(start + 12)
            for _ in range(count):
                tag, _check, offset, _length = struct.unpack(">4sIII", handle.read(16))
                if tag == b"head":
                    handle.seek(offset + 4)
                    return f"{struct.unpack('>i', handle.read(4))[0] / 65536:.3f}"
    except (OSError, struct.error):
        pass
    return "unknown"
