"""The browser tests' set-up message: a missing library is named with its apt-get line."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from browser_setup import debian_package, diagnose, missing_libraries

# What ldd printed for Playwright's driver on a minimal Debian bookworm (issue: libatomic1).
LDD_MINIMAL_DEBIAN = """\
\tlinux-vdso.so.1 (0x00007ffc6a5f2000)
\tlibatomic.so.1 => not found
\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f0d2a3f0000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0d2a000000)
"""


def test_missing_libraries_are_read_from_ldd() -> None:
    assert missing_libraries(LDD_MINIMAL_DEBIAN) == ["libatomic.so.1"]
    assert missing_libraries(LDD_MINIMAL_DEBIAN + "\tlibatomic.so.1 => not found\n") == [
        "libatomic.so.1"]


def test_sonames_map_to_debian_packages() -> None:
    assert debian_package("libatomic.so.1") == "libatomic1"
    assert debian_package("libgcc_s.so.1") == "libgcc-s1"
    assert debian_package("libnss3.so") == "libnss3.so"
    assert debian_package("libxcb-shm.so.0") == "libxcb-shm0"
    assert debian_package("libsqlite3.so.0") == "libsqlite3-0"


def test_the_message_names_the_library_and_the_install_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for ldd on PATH, printing what a minimal Debian prints for the driver.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ldd = bin_dir / "ldd"
    ldd.write_text(f"#!/bin/sh\ncat <<'OUT'\n{LDD_MINIMAL_DEBIAN}OUT\n")
    ldd.chmod(ldd.stat().st_mode | stat.S_IXUSR)
    node = tmp_path / "node"
    node.write_bytes(b"")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    message = diagnose(RuntimeError("error while loading shared libraries"), node)
    assert "missing shared library libatomic.so.1" in message
    assert "apt-get install -y libatomic1" in message
    assert "\n" not in message


def test_without_ldd_findings_the_first_line_of_the_error_is_kept(tmp_path: Path) -> None:
    message = diagnose(RuntimeError("Connection closed\nlong driver log"), None)
    assert message.startswith("Playwright's driver")
    assert "long driver log" not in message
