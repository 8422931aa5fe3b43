"""Say why Playwright's driver cannot start, in one line a newcomer can act on.

Playwright's Python package runs a Node.js binary of its own (``playwright/driver/node``).
On a minimal Debian it may miss a shared library (``libatomic.so.1`` at least); the
error is then a long traceback per test. ``diagnose`` names the missing libraries and
the ``apt-get`` line that installs them.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

__all__ = ["debian_package", "diagnose", "driver_binary", "missing_libraries"]

# Debian names most libraries after their soname (libfoo.so.1 -> libfoo1); these do not.
_PACKAGES = {
    "libgcc_s.so.1": "libgcc-s1",
    "libstdc++.so.6": "libstdc++6",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.M)


def driver_binary() -> Path | None:
    """Return the Node.js binary Playwright's Python package runs, if installed."""
    try:
        import playwright
    except ImportError:
        return None
    node = Path(playwright.__file__).parent / "driver" / "node"
    return node if node.exists() else None


def missing_libraries(ldd_output: str) -> list[str]:
    """Return the sonames ``ldd`` reports as 'not found', in order, without repeats."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def debian_package(soname: str) -> str:
    """Guess the Debian package that ships ``soname`` (libatomic.so.1 -> libatomic1)."""
    if soname in _PACKAGES:
        return _PACKAGES[soname]
    match = re.match(r"^(lib[\w+-]+?)\.so\.(\d+)", soname)
    if not match:
        return soname
    stem, version = match.groups()
    stem = stem.replace("_", "-").lower()
    return f"{stem}-{version}" if stem[-1].isdigit() else f"{stem}{version}"


def diagnose(error: BaseException, node: Path | None = None) -> str:
    """Explain a failed driver start: the missing libraries and how to install them."""
    node = node or driver_binary()
    missing: list[str] = []
    if node is not None:
        try:
            ldd = subprocess.run(["ldd", str(node)], capture_output=True, text=True,
                                 check=False, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            ldd = ""
        missing = missing_libraries(ldd)
    if missing:
        packages = " ".join(dict.fromkeys(debian_package(s) for s in missing))
        return (f"Playwright's driver ({node}) cannot start: missing shared "
                f"{'libraries' if len(missing) > 1 else 'library'} {', '.join(missing)}; "
                f"install with: apt-get install -y {packages} (`make test` does this)")
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"Playwright's driver cannot start: {first}"
