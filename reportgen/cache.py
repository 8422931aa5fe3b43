"""Keep build products in out/.cache, addressed by a hash of everything they depend on.

The cache is as trusted as the output folder it lives in (see docs/hardening.md): its
checksums catch damage, not forgery. Whoever can write out/.cache can write out/ itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Cache", "digest", "read_regular", "write_atomic"]

_MAGIC = b"reportgen-cache-1\n"
_STALE_TEMP_SECONDS = 3600


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` through a temporary file created exclusively beside it, then rename.

    The temporary name is random (``mkstemp``): a link planted in the folder is never
    followed. Raises OSError; callers that only save time ignore it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def digest(*parts: Any) -> str:
    """Return a sha256 hex digest of ``parts`` in canonical JSON (bytes are hashed as is)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            h.update(b"b%d:" % len(part))
            h.update(part)
        else:
            text = json.dumps(part, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                              default=str).encode("utf-8")
            h.update(b"j%d:" % len(text))
            h.update(text)
    return h.hexdigest()


_MAX_ENTRY = 256 * 1024 * 1024


def read_regular(path: Path) -> bytes:
    """Read a regular file, never a link, device or pipe, and never more than an entry may be."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_ENTRY:
            raise OSError(f"{path.name}: not a cache entry")
        return handle.read(_MAX_ENTRY + 1)


class Cache:
    """A folder of entries named by content key; each entry carries its own checksum.

    An entry that is missing, truncated or altered reads as a miss, so the cache can
    make a build slower but never wrong.
    """

    def __init__(self, folder: Path, kind: str, keep: int = 64) -> None:
        self.folder = folder / kind
        self.keep = keep
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key

    def get(self, key: str) -> bytes | None:
        """Return the stored bytes for ``key``, or None when absent or corrupt."""
        try:
            raw = read_regular(self._path(key))
        except OSError:
            self.misses += 1
            return None
        payload = raw[len(_MAGIC):]
        if (not raw.startswith(_MAGIC) or payload[64:65] != b"\n"
                or payload[:64] != hashlib.sha256(payload[65:]).hexdigest().encode("ascii")):
            self.misses += 1
            return None
        self.hits += 1
        with contextlib.suppress(OSError):
            os.utime(self._path(key))  # recently used entries survive pruning
        return payload[65:]

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically; a failure to store is not an error."""
        check = hashlib.sha256(data).hexdigest().encode("ascii")
        with contextlib.suppress(OSError):
            write_atomic(self._path(key), _MAGIC + check + b"\n" + data)

    def prune(self, used: Iterable[str] = ()) -> None:
        """Drop the least recently used entries beyond ``keep``, never one in ``used``."""
        keep = set(used)
        try:
            names = list(self.folder.iterdir())
            entries = sorted((p for p in names if not p.name.startswith(".")),
                             key=lambda p: p.stat().st_mtime_ns, reverse=True)
            # Temporary files of a writer that was killed; a live one is seconds old.
            old = time.time() - _STALE_TEMP_SECONDS
            entries += [p for p in names if p.name.startswith(".") and p.name.endswith(".tmp")
                        and p.stat().st_mtime < old]
        except OSError:
            return
        for path in entries[self.keep:]:
            if path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
