"""Incremental pulls, exactly once across runs: ``an.people.changes(since=watermark)``.

A pull streams the records of a collection changed since the last complete pull, then
advances the watermark it was given; the caller stores it (``watermark.save(path)``) once
everything is handled. The rule (docs/bulk.md has it with examples):

1. **Ask with an overlap.** The request is ``modified_date gt <since>``, where ``since`` is the
   start of the previous pull minus ``overlap``. Neither the order of the collection (people
   are not ordered by ``modified_date``) nor its pages can tell when a change happened during
   a pull, so every page is read and the next pull starts from before this one began.
2. **Start on the server's clock, bounded by the local one.** The start of a pull is the
   server's time when its first request left, as a lower bound from the ``Date`` headers of
   the answers (``sansio.ServerClock``); the local clock only when the server sends no
   ``Date``. A ``Date`` more than ``clock_tolerance`` (``DEFAULT_CLOCK_TOLERANCE``, 10
   minutes) away from the local clock is not trusted: one day ahead would move the watermark
   to tomorrow and lose every change made before then. The pull raises ``ClockSkewError``
   before it delivers anything and the watermark stays as it was. The saved watermark records
   which clock its ``since`` came from (``clock``: ``"server"`` or ``"local"``).
3. **Remove what the overlap brings back.** The watermark keeps, for every record delivered
   with a ``modified_date`` after ``since``, its id, that ``modified_date`` and a digest of its
   content. A record arriving again with the same three is dropped, and so is an older version
   of it (a lagging read). One with a later date, or the same date (``modified_date`` has
   whole seconds) but other content, is a new change and is delivered.
4. **Advance only at the end.** The watermark changes only when the stream has been read to
   its end; a pull that fails or is stopped leaves it as it was, so the next one delivers
   those records again (at least once, never lost).

So a change made in the same second as the previous pull's start, or while it ran (its page
already read, or not), is delivered once: by that pull if its page came after the change,
else by the next. What it cannot see: a change that became visible more than ``overlap`` after
the time its ``modified_date`` says (set ``overlap`` above the API's worst delay), and a
record the API's own paging skips when the collection shifts under it (a person deleted or
merged in the user interface during the pull).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs

from ._files import atomic_write, existing_file, fingerprint
from .errors import ClockSkewError, ConfigurationError
from .filters import F, Filter
from .hal import Resource
from .models.base import format_datetime, parse_datetime
from .pagination import Stream
from .sansio import ServerClock

__all__ = [
    "DEFAULT_CLOCK_TOLERANCE",
    "DEFAULT_OVERLAP",
    "MIN_OVERLAP",
    "Watermark",
    "pull_changes",
]

#: How far before the previous pull's start the next one asks from.
DEFAULT_OVERLAP = timedelta(minutes=5)
#: ``modified_date`` has whole seconds: less than this could miss a change in the same second.
MIN_OVERLAP = timedelta(seconds=2)
#: How far the server's ``Date`` may be from the local clock before a pull refuses to trust
#: either: well above a sane clock's drift and a slow answer, far below a lost day.
DEFAULT_CLOCK_TOLERANCE = timedelta(minutes=10)
_VERSION = 1
#: How a saved watermark starts (``save`` writes ``to_json()``, version first).
_SAVED = re.compile(rb'\{\s*"version"\s*:')


@attrs.define
class Watermark:
    """Where the next incremental pull starts, and the recent records it has delivered.

    ``Watermark()`` pulls everything the first time; ``Watermark(since=datetime)`` starts from
    a date. ``changes(since=watermark)`` advances it in place when its stream has been read to
    the end. Store it after handling every record: ``watermark.save(path)`` (atomic; or
    ``to_json()`` into a database), and ``Watermark.load(path)`` next time.

    The file holds the collection's rel, ``since``, whose clock it came from, and for each
    record changed in the overlap its id, ``modified_date`` and a 16-digit digest of its
    content: no personal data.
    """

    #: Pull records with ``modified_date`` after this (None: every record).
    since: datetime | None = None
    #: Id -> (``modified_date``, content digest) of the records delivered after ``since``.
    seen: dict[str, tuple[str, str]] = attrs.field(factory=dict, repr=False)
    #: The collection it belongs to (``osdi:people`` ...), set by the first pull.
    collection: str | None = None
    #: Whose clock ``since`` came from: ``"server"`` (the ``Date`` header) or ``"local"``.
    clock: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The watermark as a JSON object."""
        return {
            "version": _VERSION,
            "collection": self.collection,
            "since": None if self.since is None else format_datetime(self.since),
            "clock": self.clock,
            "seen": {key: list(value) for key, value in sorted(self.seen.items())},
        }

    @classmethod
    def from_json(cls, data: Any) -> Watermark:
        """A watermark from ``to_json()``'s object; ``ConfigurationError`` if it is not one."""
        try:
            if not isinstance(data, Mapping) or data.get("version") != _VERSION:
                raise ValueError(f"not a version {_VERSION} watermark")
            since = data.get("since")
            seen = {str(k): (str(v[0]), str(v[1])) for k, v in (data.get("seen") or {}).items()}
            collection, clock = data.get("collection"), data.get("clock")
            if not all(isinstance(v, (str, type(None))) for v in (since, collection, clock)):
                raise ValueError("since, collection and clock must be strings")
            return cls(
                since=None if since is None else parse_datetime(since),
                seen=seen,
                collection=collection,
                clock=clock,
            )
        except (ValueError, TypeError, LookupError, AttributeError) as exc:
            raise ConfigurationError(f"not a watermark: {exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Watermark:
        """The watermark saved at ``path``; a fresh one (pull everything) if there is none. A
        symbolic link at ``path`` is refused (``UnsafeFileError``), as ``save`` refuses it."""
        with existing_file(Path(path), what="a watermark", write=False) as file:
            if file is None:
                return cls()
            data = file.read()
        try:
            return cls.from_json(json.loads(data.decode("utf-8")))
        except (ValueError, ConfigurationError) as exc:
            raise ConfigurationError(f"{path} is not a watermark file ({exc})") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the watermark to ``path`` atomically: the old file or the new, never half.
        ``path`` must not be a symbolic link, and an existing file must be a saved watermark
        (else ``UnsafeFileError``, nothing written)."""
        with atomic_write(
            Path(path), owns=lambda head: bool(_SAVED.match(head)), what="a watermark", durable=True
        ) as out:
            json.dump(self.to_json(), out, indent=1)
            out.write("\n")


def _when(modified: Any) -> datetime | None:
    """A ``modified_date`` as a datetime; None when absent or unreadable."""
    try:
        return parse_datetime(modified) if isinstance(modified, str) else None
    except ValueError:
        return None


def _changed_after(modified: Any, horizon: datetime) -> bool:
    when = _when(modified)
    return when is not None and when > horizon


def _before(modified: Any, other: str) -> bool:
    when, then = _when(modified), _when(other)
    return when is not None and then is not None and when < then


def pull_changes(
    stream: Callable[[Filter | None], Stream[Resource]],
    since: Watermark,
    *,
    clock: ServerClock,
    collection: str,
    overlap: timedelta = DEFAULT_OVERLAP,
    clock_tolerance: timedelta = DEFAULT_CLOCK_TOLERANCE,
) -> Stream[Resource]:
    """The records of ``collection`` changed since ``since``, each change once (module doc).

    ``stream(filter)`` streams the collection's items; ``clock`` is the transport's reading of
    the server's time, trusted within ``clock_tolerance`` of the local clock (else
    ``ClockSkewError``). ``since`` is advanced in place when the stream is read to its end.
    """
    if not isinstance(clock_tolerance, timedelta) or clock_tolerance < timedelta(0):
        raise ConfigurationError("clock_tolerance must be a timedelta of at least 0")
    if not isinstance(since, Watermark):
        raise ConfigurationError(
            f"since must be a Watermark (Watermark() or Watermark.load(path)), got {since!r}"
        )
    if since.since is not None and not isinstance(since.since, datetime):
        raise ConfigurationError(f"the watermark's since must be a datetime, got {since.since!r}")
    if not isinstance(overlap, timedelta) or overlap < MIN_OVERLAP:
        raise ConfigurationError(f"overlap must be a timedelta of at least {MIN_OVERLAP}")
    if since.collection not in (None, collection):
        raise ConfigurationError(
            f"this watermark is for {since.collection}, not {collection}: keep one per collection"
        )

    async def batches() -> AsyncGenerator[Sequence[Resource], None]:
        asked_at = asyncio.get_running_loop().time()
        local_start = datetime.now(timezone.utc)
        seen = dict(since.seen)
        horizon: datetime | None = None
        source = "server"

        def begin() -> datetime:
            nonlocal source
            server_start = clock.at(asked_at)
            if server_start is None:
                source = "local"
            elif abs(server_start - local_start) > clock_tolerance:
                ahead = "ahead of" if server_start > local_start else "behind"
                raise ClockSkewError(
                    f"the server's Date ({format_datetime(server_start)}) is "
                    f"{abs(server_start - local_start)} {ahead} the local clock "
                    f"({format_datetime(local_start)}), more than the {clock_tolerance} "
                    "tolerated: a watermark on either could lose changes, so the pull stops "
                    "and the watermark stays as it was; fix the clock that is wrong"
                )
            start = server_start or local_start
            return (start - overlap).replace(microsecond=0)

        after = since.since
        if after is not None and after.tzinfo is None:
            after = after.replace(tzinfo=timezone.utc)  # naive means UTC, as everywhere
        query = None if after is None else F.modified_date > after
        async with stream(query) as items:
            async for batch in items.batches():
                if horizon is None:
                    horizon = begin()
                fresh = []
                for item in batch:
                    key, modified = item.identifier(), item.get("modified_date")
                    entry = (str(modified), fingerprint(item.data))  # links left out
                    known = seen.get(key) if key is not None else None
                    if known is not None and (known == entry or _before(modified, known[0])):
                        continue  # delivered already (brought back by the overlap), or older
                    fresh.append(item)
                    if key is not None and _changed_after(modified, horizon):
                        seen[key] = entry
                if fresh:
                    yield fresh
        if horizon is None:
            horizon = begin()
        if after is not None:
            horizon = max(horizon, after)
        since.since = horizon
        since.seen = {k: v for k, v in seen.items() if _changed_after(v[0], horizon)}
        since.collection = collection
        since.clock = source

    return Stream(batches())
