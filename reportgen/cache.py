"""Keep build products in out/.cache, addressed by a hash of everything they depend on."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Cache", "digest"]

_MAGIC = b"reportgen-cache-1\n"


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
            raw = self._path(key).read_bytes()
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
        path = self._path(key)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(_MAGIC + check + b"\n" + data)
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)

    def prune(self, used: Iterable[str] = ()) -> None:
        """Drop the least recently used entries beyond ``keep``, never one in ``used``."""
        keep = set(used)
        try:
            entries = sorted((p for p in self.folder.iterdir() if not p.name.startswith(".")),
                             key=lambda p: p.stat().st_mtime_ns, reverse=True)
        except OSError:
            return
        for path in entries[self.keep:]:
            if path.name not in keep:
                path.unlink(missing_ok=True)
