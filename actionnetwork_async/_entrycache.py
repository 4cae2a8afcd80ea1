"""The API entry point's links, read once per client and optionally shared between the clients
of one key (``EntryCache``: a directory or a Redis), so a fleet of short runs does not spend a
rate-limited request each on them.

An entry is named by a hash of the API key and the base URL together (``entry_digest``); the
key itself is in no file name, file, Redis key or log line. An entry holds only the entry
point's links (no personal data) and the time it was written; a reader takes it only when it
names the same hash, is younger than the reader's ``ttl``, lists at least one collection, and
every link lies on the base URL's origin. Anything else (corrupt, foreign, expired, a link, an
unreachable Redis) is a miss: the client reads the entry point itself, as it would without a
cache. A request that 404s under a link read from the cache drops the entry and reads the entry
point afresh, once per client (``EntryPoint.relinked``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from ._files import atomic_write, existing_file
from ._validate import positive_number
from .errors import ConfigurationError
from .hal import Resource, parse_resource
from .sansio import origin

__all__ = ["DEFAULT_ENTRY_TTL", "EntryCache", "EntryPoint", "default_cache_dir", "entry_digest"]

log = logging.getLogger("actionnetwork_async.hal")

#: Seconds a shared entry is used after it was written (10 minutes).
DEFAULT_ENTRY_TTL = 600.0
#: How far in the future an entry's time may lie (another machine's clock) and still be taken.
CLOCK_SKEW = 60.0
_FORMAT = "actionnetwork-async entry point links 1"
_HEAD = b'{"format":"actionnetwork-async entry point links'
_STARTS_FORMAT = "actionnetwork-async recent starts 1"
_STARTS_HEAD = b'{"format":"actionnetwork-async recent starts'
#: Starts older than this (seconds) are of no use to the next process: no window is as long.
_STARTS_KEPT = 10.0
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
#: The prefixes of the entry point's collection and helper rels (not ``self``, ``curies``).
COLLECTION_RELS = ("osdi:", "action_network:")
_NOT_SHARED = ("self", "curies")
_WHAT = "an entry point cache file"


def entry_digest(api_key: str, base_url: str) -> str:
    """32 hex digits naming the entries of ``api_key`` at ``base_url``: a salted SHA-256 of
    both, which cannot be turned back into a random API key."""
    text = f"actionnetwork-async entry point\n{base_url}\n{api_key}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def default_cache_dir() -> Path | None:
    """This user's cache directory for the library (``$XDG_CACHE_HOME/actionnetwork-async``,
    else ``~/.cache/actionnetwork-async``); None when there is no home to find it in."""
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:  # no home directory
        return None
    return root / "actionnetwork-async"


def _owns(head: bytes) -> bool:
    return head.startswith(_HEAD)


def _owns_starts(head: bytes) -> bool:
    return head.startswith(_STARTS_HEAD)


class EntryCache:
    """Where the clients of one key share the API entry point's links for ``ttl`` seconds
    (default 10 minutes): a directory (``str`` or ``os.PathLike``; made owner-only if missing)
    or a Redis URL (``redis://``, ``rediss://``, ``unix://``; the ``redis`` extra).

    ``ActionNetwork(entry_cache=...)`` takes one, or a directory or URL to make one. ``clock``
    gives the wall-clock time in seconds (``time.time``), for tests.
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        ttl: float = DEFAULT_ENTRY_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl = positive_number(ttl, "ttl")
        self._clock = clock
        self._redis_url: str | None = None
        self.directory: Path | None = None
        if isinstance(location, str) and location.startswith(_REDIS_SCHEMES):
            from .redis import check_url, import_redis, redacted_url

            import_redis()
            self._redis_url = check_url(location, "entry_cache")
            self._where = redacted_url(location)
        elif isinstance(location, (str, os.PathLike)) and os.fspath(location):
            self.directory = Path(location).expanduser()
            self._where = str(self.directory)
        else:
            raise ConfigurationError(
                "entry_cache must be a directory, a Redis URL or an EntryCache, got "
                f"{type(location).__name__}"
            )

    def __repr__(self) -> str:
        return f"EntryCache({self._where!r}, ttl={self.ttl:g})"

    async def load(self, digest: str, base_url: str) -> dict[str, Any] | None:
        """The ``_links`` of the entry ``digest`` names, or None (a miss, whatever the cause)."""
        try:
            if self._redis_url is not None:
                text: str | bytes | None = await self._redis("get", digest)
            else:
                text = await asyncio.to_thread(self._read_file, digest)
            return None if text is None else self._valid(text, digest, base_url)
        except Exception as exc:  # a cache that fails is a miss, never the client's failure
            log.debug("entry point cache %s not read: %s", self._where, type(exc).__name__)
            return None

    async def save(self, digest: str, links: Mapping[str, Any]) -> None:
        """Share ``links`` (an entry point's ``_links``) under ``digest``; failures are logged
        (debug) and otherwise ignored."""
        entry = {"format": _FORMAT, "for": digest, "written": self._clock(), "_links": links}
        text = json.dumps(entry, separators=(",", ":"))
        try:
            if self._redis_url is not None:
                await self._redis("set", digest, text)
            else:
                await asyncio.to_thread(self._write_file, digest, text)
        except Exception as exc:
            log.debug("entry point cache %s not written: %s", self._where, type(exc).__name__)

    async def drop(self, digest: str) -> None:
        """Forget the entry ``digest`` names (its links went stale)."""
        try:
            if self._redis_url is not None:
                await self._redis("delete", digest)
            else:
                await asyncio.to_thread(self._remove_file, digest)
        except Exception as exc:
            log.debug("entry point cache %s not dropped: %s", self._where, type(exc).__name__)

    async def load_starts(self, digest: str) -> list[float]:
        """Seconds since each recent start the last client of ``digest``'s key left here, when
        it closed (a directory only; empty on any miss). A client of the key that starts right
        after another counts them, so the two together keep the limit as the server counts
        it: the server's window does not end when a process does."""
        if self.directory is None:
            return []
        try:
            text = await asyncio.to_thread(self._read_file, digest, "starts")
            entry = None if text is None else json.loads(text)
            if not isinstance(entry, dict) or entry.get("format") != _STARTS_FORMAT:
                return []
            starts = entry.get("starts")
            if entry.get("for") != digest or not isinstance(starts, list):
                return []
            now = self._clock()
            ages = [
                now - t
                for t in starts[-64:]
                if isinstance(t, (int, float)) and not isinstance(t, bool)
            ]
            return [age for age in ages if 0.0 <= age < _STARTS_KEPT]
        except Exception as exc:  # a record that cannot be read is no record
            log.debug("recent starts in %s not read: %s", self._where, type(exc).__name__)
            return []

    async def save_starts(self, digest: str, ages: list[float]) -> None:
        """Leave the starts made ``ages`` seconds ago for the next client of ``digest``'s key
        (a directory only; failures are logged, debug, and otherwise ignored)."""
        if self.directory is None or not ages:
            return
        now = self._clock()
        entry = {"format": _STARTS_FORMAT, "for": digest, "starts": [now - a for a in ages]}
        try:
            text = json.dumps(entry, separators=(",", ":"))
            await asyncio.to_thread(self._write_file, digest, text, "starts")
        except Exception as exc:
            log.debug("recent starts in %s not written: %s", self._where, type(exc).__name__)

    def _valid(self, text: str | bytes, digest: str, base_url: str) -> dict[str, Any] | None:
        entry = json.loads(text)
        if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
            return None
        written, links = entry.get("written"), entry.get("_links")
        if entry.get("for") != digest or not isinstance(links, dict):
            return None
        if not isinstance(written, (int, float)) or isinstance(written, bool):
            return None
        age = self._clock() - written
        if not -CLOCK_SKEW <= age < self.ttl:
            return None
        return links if shareable_links(links, base_url) else None

    # -- a directory ------------------------------------------------------------------------------
    def _path(self, digest: str, kind: str = "entry") -> Path:
        assert self.directory is not None
        return self.directory / f"{kind}-{digest}.json"

    def _read_file(self, digest: str, kind: str = "entry") -> bytes | None:
        with existing_file(self._path(digest, kind), what=_WHAT, write=False) as file:
            return None if file is None else file.read(1024 * 1024)

    def _write_file(self, digest: str, text: str, kind: str = "entry") -> None:
        assert self.directory is not None
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        owns = _owns if kind == "entry" else _owns_starts
        with atomic_write(self._path(digest, kind), owns=owns, what=_WHAT) as out:
            out.write(text + "\n")

    def _remove_file(self, digest: str) -> None:
        path = self._path(digest)
        with existing_file(path, what=_WHAT, write=False) as file:
            if file is not None and _owns(file.read(len(_HEAD))):
                path.unlink()

    # -- a Redis ----------------------------------------------------------------------------------
    async def _redis(self, command: str, digest: str, value: str = "") -> str | None:
        from .redis import KEY_PREFIX, connect

        assert self._redis_url is not None
        client = connect(self._redis_url, 1.0)
        key = f"{KEY_PREFIX}entry-point:{digest}"
        try:
            if command == "get":
                found: Any = await client.get(key)
                return found if isinstance(found, str) else None
            if command == "set":
                await client.set(key, value, px=max(1, round(self.ttl * 1000)))
            else:
                await client.delete(key)
            return None
        finally:
            await client.aclose()


def shareable_links(links: Mapping[str, Any], base_url: str) -> bool:
    """Whether ``links`` (a ``_links`` object) may be shared: at least one collection, and
    every link but the curies (documentation) on ``base_url``'s origin."""
    home = origin(base_url)
    if home is None or not any(rel.startswith(COLLECTION_RELS) for rel in links):
        return False
    for rel, value in links.items():
        if rel == "curies":
            continue
        for link in value if isinstance(value, list) else [value]:
            href = link.get("href") if isinstance(link, dict) else None
            if not isinstance(href, str) or origin(href) != home:
                return False
    return True


def _raw_links(resource: Resource) -> dict[str, Any]:
    """``resource``'s links (and curies) as a ``_links`` object."""
    raw: dict[str, Any] = {}
    for rel, group in resource.links.items():
        items = [
            {"href": link.href, **({"templated": True} if link.templated else {})} for link in group
        ]
        raw[rel] = items if group.is_array else items[0]
    curies = [
        {"name": name, "href": link.href, "templated": link.templated}
        for name, link in resource.curies.items()
    ]
    if curies:
        raw["curies"] = curies
    return raw


class EntryPoint:
    """The entry point of one client (and of those ``with_options`` derives from it): read
    once and kept for the client's life, from ``cache`` when it holds a fresh entry."""

    def __init__(self, base_url: str, *, cache: EntryCache | None, digest: str) -> None:
        self.base_url = base_url
        self.cache = cache
        self._digest = digest
        self.resource: Resource | None = None
        #: The resource when it came from the cache (None: read by this client).
        self._from_cache: Resource | None = None
        self._lock = asyncio.Lock()
        self._relink_lock = asyncio.Lock()

    async def get(self, fetch: Callable[[], Awaitable[Resource]]) -> Resource:
        """The entry point: kept, else the cache's, else ``fetch()``'s (then shared)."""
        if self.resource is None:
            async with self._lock:
                if self.resource is None:
                    self.resource = await self._read(fetch)
        return self.resource

    async def _read(self, fetch: Callable[[], Awaitable[Resource]]) -> Resource:
        if self.cache is not None:
            links = await self.cache.load(self._digest, self.base_url)
            if links is not None:
                resource = parse_resource({"_links": links}, url=self.base_url)
                self._from_cache = resource
                return resource
        return await self._fetch(fetch)

    async def _fetch(self, fetch: Callable[[], Awaitable[Resource]]) -> Resource:
        resource = await fetch()
        if self.cache is not None:
            links = _raw_links(resource)
            if shareable_links(links, self.base_url):  # never a wrong key's empty entry point
                await self.cache.save(self._digest, links)
        return resource

    async def relinked(self, url: str, fetch: Callable[[], Awaitable[Resource]]) -> str | None:
        """After a 404 at ``url``: when ``url`` lies under a link of an entry point read from
        the cache, drop the entry, read the entry point afresh (once per client) and return
        ``url`` under that link's new href; None when the 404 stands."""
        stale = self._from_cache
        if stale is None:
            return None
        found = _under(stale, url, self.base_url)
        if found is None:
            return None
        rel, href = found
        async with self._relink_lock:
            if self._from_cache is stale:
                self._from_cache = None  # whatever happens: once per client
                if self.cache is not None:
                    await self.cache.drop(self._digest)
                self.resource = await self._fetch(fetch)
        fresh = self.resource
        if fresh is None or not fresh.has_link(rel):
            return None
        new = fresh.link(rel, index=0)
        if new.templated or new.href == href:
            return None
        return new.href + url[len(href) :]


def _under(resource: Resource, url: str, base_url: str) -> tuple[str, str] | None:
    """The rel and href of ``resource``'s link that ``url`` lies under (the longest), if any."""
    best: tuple[str, str] | None = None
    for rel, group in resource.links.items():
        if rel in _NOT_SHARED or not group:
            continue
        link = group[0]
        href = link.href
        if link.templated or href.rstrip("/") == base_url.rstrip("/"):
            continue
        stem = href.rstrip("/")
        if (url in (href, stem) or url.startswith((stem + "/", stem + "?"))) and (
            best is None or len(href) > len(best[1])
        ):
            best = (rel, href)
    return best
