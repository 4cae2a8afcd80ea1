"""Files the library writes for its users (reports, checkpoints, watermarks, exports): owner-only,
and either appended durably or replaced atomically; and the fingerprint checkpoints and
watermarks keep of a record instead of its content. One place, so each guarantee is made once."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, TextIO

__all__ = ["atomic_write", "fingerprint", "fsync_directory", "private_open"]


def fingerprint(content: Any) -> str:
    """16 hex digits that change when JSON-able ``content`` does (keys in any order): what a
    checkpoint or a watermark records of a record, so the file holds no personal data. Files of
    earlier runs hold these: the recipe must not change."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def private_open(path: Path, mode: str) -> IO[str]:
    """Open ``path`` for writing (``"a"`` appends, ``"w"`` truncates), created readable by its
    owner only: these files hold personal data."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    return open(os.open(path, flags, 0o600), mode, encoding="utf-8")


def fsync_directory(path: Path) -> None:
    """Make a new or renamed file's name durable too (where the platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_write(
    path: Path, *, newline: str | None = None, durable: bool = False
) -> Iterator[TextIO]:
    """A file that replaces ``path`` only when the block completes: a reader sees the old file
    or the whole new one, never half. It is written under a temporary name in the same folder
    (owner-only, as ``mkstemp`` makes it) and removed if the block raises. ``durable`` also
    syncs the data and the rename to disk, for state a crash must not lose (a watermark)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with open(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if durable:
        fsync_directory(path)
