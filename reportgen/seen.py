"""What a warm session last read of the project: a digest per file, folder and link.

``snapshot`` digests everything below the watched folders; ``digest`` one path. A regular
file is known by its bytes (a large one by its size, times and inode), and a link also by
where it points; a folder, a dangling link or anything else by its kind. Two digests are
equal exactly when a build would read the same thing there. ``files.recording`` gives the
bytes a build actually read, which ``digest_of`` turns into the same digests.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = ["HASHED_BYTES", "digest", "digest_of", "snapshot"]

HASHED_BYTES = 4 << 20  # a larger file is known by its size, times and inode, not its bytes


def _hash(*parts: bytes) -> bytes:
    return hashlib.blake2b(b"\0".join(parts), digest_size=16).digest()


def digest(path: Path) -> bytes | None:
    """The digest of what is at ``path``; None when nothing is."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    link = b""
    if stat.S_ISLNK(info.st_mode):
        try:
            link = os.fsencode(os.readlink(path))
            info = os.stat(path)
        except OSError:
            return _hash(b"dangling", link)
    if stat.S_ISDIR(info.st_mode):
        return _hash(b"folder", link)
    if not stat.S_ISREG(info.st_mode):
        return _hash(b"other", link, b"%o" % stat.S_IFMT(info.st_mode))
    if info.st_size > HASHED_BYTES:
        return _hash(b"large", link, f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} "
                     f"{info.st_ino}".encode())
    try:
        data = Path(path).read_bytes()
    except OSError:
        return _hash(b"unreadable", link)
    return _hash(b"file", link, data)


def digest_of(path: Path, data: bytes) -> bytes | None:
    """The digest ``digest(path)`` gives while ``path`` holds ``data`` (None: not known)."""
    if len(data) > HASHED_BYTES:
        return None
    try:
        link = os.fsencode(os.readlink(path)) if os.path.islink(path) else b""
    except OSError:
        return None
    return _hash(b"file", link, data)


def snapshot(folders: Iterable[Path]) -> dict[Path, bytes]:
    """The digest of every entry below ``folders``: files, folders and links (not followed)."""
    found: dict[Path, bytes] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for top, dirs, names in os.walk(folder):
            for name in (*dirs, *names):
                path = Path(top, name)
                known = digest(path)
                if known is not None:
                    found[path] = known
    return found
