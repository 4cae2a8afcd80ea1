"""Files the library writes for its users (reports, checkpoints, watermarks, exports): owner-only,
and either appended durably or replaced atomically; and the fingerprint checkpoints and
watermarks keep of a record instead of its content. One place, so each guarantee is made once.

Every such file may hold personal data, so:

* it is opened with ``O_NOFOLLOW``: a symbolic link at its path is an ``UnsafeFileError``, never
  followed (the link's target is never written), and so is anything but a regular file;
* its mode is set to 0600 on the descriptor, whatever mode an existing file had;
* an existing file is truncated, appended to or replaced only when its first bytes are the
  library's own format for it (``owns``): a file of another kind is an ``UnsafeFileError`` and
  stays as it was;
* a replaced file is written under a temporary name (``.NAME.xxxxxxxx.partial``) locked while it
  is written, so the next write of the same file can remove partials a killed run left behind
  without touching one a live run is writing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

from .errors import UnsafeFileError

__all__ = [
    "HEAD_LIMIT",
    "Owns",
    "atomic_write",
    "existing_file",
    "fingerprint",
    "first_line",
    "fsync_directory",
    "local_lock",
    "names_file",
    "private_open",
    "remove_stale_partials",
]

#: Bytes of an existing file read to tell whether the library wrote it (its first line).
HEAD_LIMIT = 1024 * 1024
#: Says from a file's first bytes (up to ``HEAD_LIMIT``, never empty) whether it is of the
#: library's own format for that path.
Owns = Callable[[bytes], bool]
_NOT_FOLLOWED = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # NONBLOCK: a FIFO does not hang
# tempfile.mkstemp's names: PREFIX + 8 of these characters + SUFFIX
_RANDOM_PART = r"[a-z0-9_]{8}"


def fingerprint(content: Any) -> str:
    """16 hex digits that change when JSON-able ``content`` does (keys in any order): what a
    checkpoint or a watermark records of a record, so the file holds no personal data. Files of
    earlier runs hold these: the recipe must not change."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def first_line(head: bytes) -> tuple[bytes, bool]:
    """The first line of ``head`` without its newline, and whether it is complete (a newline
    ends it) rather than cut short."""
    line, newline, _ = head.partition(b"\n")
    return line, bool(newline)


def _open_regular(path: Path, flags: int, what: str) -> int:
    """A descriptor of the regular file at ``path``, never opened through a symbolic link."""
    try:
        fd = os.open(path, flags | _NOT_FOLLOWED, 0o600)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise UnsafeFileError(
                f"{path} is a symbolic link: {what} is never written through a link (it may "
                "hold personal data); remove the link or choose another path"
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeFileError(f"{path} is not a regular file: it cannot be {what}")
    return fd


def _check_owned(fd: int, path: Path, owns: Owns, what: str) -> None:
    head = os.pread(fd, HEAD_LIMIT, 0)
    if head and not owns(head):
        raise UnsafeFileError(
            f"{path} exists and is not {what}: it is left as it is; remove it or choose "
            "another path"
        )


def private_open(path: Path, mode: str, *, owns: Owns, what: str) -> IO[str]:
    """Open ``path`` for writing (``"a"`` appends, ``"w"`` empties it), as described in the
    module's docstring: never through a link, mode 0600 on the descriptor, and an existing
    file only when ``owns`` recognises it as ``what`` (else ``UnsafeFileError``, the file
    untouched)."""
    flags = os.O_RDWR | os.O_CREAT | (os.O_APPEND if mode == "a" else 0)
    fd = _open_regular(path, flags, what)
    try:
        _check_owned(fd, path, owns, what)
        os.fchmod(fd, 0o600)
        if mode == "w":
            os.ftruncate(fd, 0)
        return open(fd, mode, encoding="utf-8")  # an open descriptor: "w" truncates nothing
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def existing_file(path: Path, *, what: str, write: bool = True) -> Iterator[BinaryIO | None]:
    """The regular file at ``path`` opened to read (and to write, unless ``write`` is False),
    or None when there is none; never opened through a symbolic link (``UnsafeFileError``)."""
    try:
        fd = _open_regular(path, os.O_RDWR if write else os.O_RDONLY, what)
    except FileNotFoundError:
        yield None
        return
    with open(fd, "r+b" if write else "rb") as file:
        yield file


@contextlib.contextmanager
def names_file(path: str | os.PathLike[str]) -> Iterator[None]:
    """An ``OSError`` raised inside (a write on a full disk: ``ENOSPC`` has no file name) names
    ``path``, so its one-line message says which file could not be written."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = os.fspath(path)
        raise


def fsync_directory(path: Path) -> None:
    """Make a new or renamed file's name durable too (where the platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _partial_names(path: Path) -> re.Pattern[str]:
    prefix, suffix = re.escape(f".{path.name}."), re.escape(".partial")
    return re.compile(f"{prefix}{_RANDOM_PART}{suffix}")


def remove_stale_partials(path: Path) -> int:
    """Remove the partial files of ``path`` (``.NAME.xxxxxxxx.partial``) that no live write
    holds: those a run killed before its rename left. A partial is removed only if it is a
    regular file of this user's and its lock can be taken (a run writing it holds the lock);
    returns how many were removed."""
    names = _partial_names(path)
    removed = 0
    try:
        entries = [e.name for e in os.scandir(path.parent) if names.fullmatch(e.name)]
    except OSError:
        return 0
    for name in entries:
        candidate = path.parent / name
        try:
            fd = os.open(candidate, os.O_RDONLY | _NOT_FOLLOWED)
        except OSError:  # a link, gone already, unreadable: not ours to remove
            continue
        try:
            held = os.fstat(fd)
            if not stat.S_ISREG(held.st_mode) or held.st_uid != os.geteuid():
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError: a live run writes it
            now = os.stat(candidate, follow_symlinks=False)
            if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                os.unlink(candidate)
                removed += 1
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


def _new_partial(path: Path) -> tuple[int, str]:
    """A new partial file of ``path``: created owner-only and locked for as long as it is open.
    A clean-up of another run may remove it in the moment before the lock is taken; then
    another name is taken."""
    while True:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        try:
            os.fchmod(fd, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)  # a clean-up holds it only while it removes the file
            held = os.fstat(fd)
            try:
                now = os.stat(name, follow_symlinks=False)
            except FileNotFoundError:
                now = None
        except BaseException:
            os.close(fd)
            raise
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            return fd, name
        os.close(fd)


@contextlib.contextmanager
def atomic_write(
    path: Path,
    *,
    owns: Owns,
    what: str,
    newline: str | None = None,
    durable: bool = False,
) -> Iterator[TextIO]:
    """A file that replaces ``path`` only when the block completes: a reader sees the old file
    or the whole new one, never half. ``path`` must not be a symbolic link, and an existing
    file is replaced only when ``owns`` recognises it as ``what`` (else ``UnsafeFileError``,
    before anything is written). The new file is written under a partial name in the same
    folder (owner-only and locked; partials of ``path`` that killed runs left are removed
    first) and removed if the block raises. ``durable`` also syncs the data and the rename to
    disk, for state a crash must not lose (a watermark)."""
    try:
        fd = _open_regular(path, os.O_RDONLY, what)
    except FileNotFoundError:
        pass
    else:
        try:
            _check_owned(fd, path, owns, what)
        finally:
            os.close(fd)
    remove_stale_partials(path)
    fd, temporary = _new_partial(path)
    try:
        with open(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
            if durable:
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)  # still locked: a clean-up never takes it meanwhile
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if durable:
        fsync_directory(path)


def lock_directory() -> Path:
    """This user's directory for lock files: under ``$XDG_RUNTIME_DIR`` when set, else under
    the temporary directory; made owner-only, and refused (``UnsafeFileError``) when it is a
    link, or someone else's, or others may write in it."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and os.path.isdir(runtime) else Path(tempfile.gettempdir())
    directory = base / f"actionnetwork-async-{os.geteuid()}"
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700)
    found = os.lstat(directory)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid() or found.st_mode & 0o077:
        raise UnsafeFileError(
            f"{directory} is not a directory of this user's only: no lock file is made there"
        )
    return directory


@contextlib.contextmanager
def local_lock(*names: str) -> Iterator[Path]:
    """An exclusive ``flock`` held for the block, on a lock file of this user's (see
    ``lock_directory``) named by a hash of ``names``, so no name (nor secret) shows in it.
    Waits while another process holds it; the kernel frees it when its holder dies."""
    digest = hashlib.sha256("\0".join(names).encode()).hexdigest()[:32]
    path = lock_directory() / f"{digest}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(fd)  # frees the lock
