"""``an.unique_id_lists``: targeting lists of people ids, written in chunks, one change at a time.

The reference warns that concurrent appends to one list corrupt it, so every change to a list
takes that list's lock (one per list, per client), and with shared locks (``RedisLocks``, made
when the client shares its rate limit through Redis) its lock in Redis too, so other processes
wait as well. Ids may come from any iterable, a generator over millions included: they are
checked and sent in chunks as they are read, never held whole.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

from .._bodies import check_id, id_chunks
from .._validate import positive_int
from ..errors import (
    ActionNetworkError,
    ConfigurationError,
    IncompleteWriteError,
    LockUnavailableError,
)
from ..models import Notice, UniqueIdList
from ._declare import DEFAULT_CHUNK_SIZE
from .base import Collection, Context, Ref, _id_of

__all__ = ["DEFAULT_CHUNK_SIZE", "UniqueIdLists"]


class UniqueIdLists(Collection[UniqueIdList]):
    """The unique ID lists (ID targets) of the API key's group; ``get`` shows a list's
    ``count``, never its ids (https://actionnetwork.org/docs/v2/unique_id_lists)."""

    def __init__(self, context: Context, rel: str, model: type[UniqueIdList]) -> None:
        super().__init__(context, rel, model)
        self.chunk_size = positive_int(context.list_chunk_size or DEFAULT_CHUNK_SIZE, "chunk_size")
        self._locks: dict[str, asyncio.Lock] = {}
        #: Locks shared with other processes (Redis), or None: changes are safe within this
        #: client only.
        self.shared_locks = context.shared_locks

    def lock(self, unique_list: Ref[UniqueIdList]) -> asyncio.Lock:
        """The lock every change to this list takes (one per list, per client), however the
        list is named: ``" id"``, ``"id"`` and the ``UniqueIdList`` share one."""
        return self._locks.setdefault(_list_id(unique_list), asyncio.Lock())

    def shared_lock_name(self, unique_list: Ref[UniqueIdList]) -> str:
        """The name of the list's lock shared between processes: a hash of the API's base URL
        and the list's id (no key in it), the same for every client of that API."""
        digest = hashlib.sha256(f"{self.hal.base_url}\0{_list_id(unique_list)}".encode())
        from ..redis import KEY_PREFIX  # the locks are in the limiter's Redis

        return f"{KEY_PREFIX}lock:unique-id-list:{digest.hexdigest()[:32]}"

    @contextlib.asynccontextmanager
    async def _hold(self, unique_list: Ref[UniqueIdList]) -> AsyncIterator[Callable[[], None]]:
        """This client's lock on the list, then the shared one if any; yields a check to call
        before each request (it raises ``LockLostError`` once the shared lock is lost)."""
        async with self.lock(unique_list):
            if self.shared_locks is None:
                yield _still_held
                return
            async with self.shared_locks.lock(self.shared_lock_name(unique_list)) as shared:
                yield shared.check

    async def create(
        self, name: str, unique_ids: Iterable[str], *, chunk_size: int | None = None
    ) -> UniqueIdList:
        """Create a list from any iterable of people ids: the first chunk creates it, the
        rest are appended in order. If a later chunk fails (a request, or an id found bad once
        read), ``IncompleteWriteError`` says how many ids went in (``.sent``) and carries the
        list made (``.result``: the ``UniqueIdList``, or the API's raw ``Resource`` when its
        answer cannot be read as one).
        """
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError("a unique ID list needs a non-empty name")
        first, chunks = self._chunks(unique_ids, chunk_size)
        # Not idempotent: a POST re-sent after a timeout could create a second list.
        created = await self.hal.post(
            await self._collection_url(), {"name": name, "unique_ids": first}, expect="resource"
        )
        try:  # the list exists now: whatever fails next, the caller gets it back
            result = UniqueIdList.from_resource(created)
            _list_id(result)
        except ActionNetworkError as exc:
            url = created.self_href or created.url or ""
            raise IncompleteWriteError(url=url, sent=len(first), cause=exc, result=created) from exc
        url = result.url or created.url or ""
        try:
            async with self._hold(result) as check:
                return await self._send(url, chunks, result=result, sent=len(first), check=check)
        except LockUnavailableError as exc:  # not taken: the list exists, with `first` only
            raise IncompleteWriteError(url=url, sent=len(first), cause=exc, result=result) from exc

    async def append(
        self,
        unique_list: Ref[UniqueIdList],
        unique_ids: Iterable[str],
        *,
        chunk_size: int | None = None,
    ) -> UniqueIdList:
        """Append people ids (duplicates are kept by the API), one chunk at a time."""
        return await self._change(unique_list, unique_ids, "append", chunk_size)

    async def replace(
        self,
        unique_list: Ref[UniqueIdList],
        unique_ids: Iterable[str],
        *,
        chunk_size: int | None = None,
    ) -> UniqueIdList:
        """Replace the list's ids: the first chunk replaces, the rest are appended, in order."""
        return await self._change(unique_list, unique_ids, "replace", chunk_size)

    async def delete(self, unique_list: Ref[UniqueIdList]) -> Notice:
        """Delete a list; returns the API's notice."""
        async with self._hold(unique_list) as check:
            url = await self._url_of(unique_list)
            check()
            answer = await self.hal.delete(url)
        return Notice.of(answer)

    async def _change(
        self,
        unique_list: Ref[UniqueIdList],
        unique_ids: Iterable[str],
        operation: str,
        chunk_size: int | None,
    ) -> UniqueIdList:
        first, chunks = self._chunks(unique_ids, chunk_size)
        url = await self._url_of(unique_list)
        async with self._hold(unique_list) as check:
            # Nothing has landed before the first chunk: its failure is raised as it is.
            check()
            result = await self._put(url, first, operation)
            return await self._send(url, chunks, result=result, sent=len(first), check=check)

    def _chunks(
        self, unique_ids: Iterable[str], chunk_size: int | None
    ) -> tuple[builtins.list[str], Iterator[builtins.list[str]]]:
        """The first chunk of ids (there must be one), and an iterator of the others."""
        chunks = id_chunks(unique_ids, self.chunk_size if chunk_size is None else chunk_size)
        first = next(chunks, None)
        if first is None:
            raise ConfigurationError("unique_ids is empty: a list change needs at least one id")
        return first, chunks

    async def _put(self, url: str, chunk: builtins.list[str], operation: str) -> UniqueIdList:
        # An append re-sent after a timeout would add the ids twice: only a replace is
        # idempotent.
        answer = await self.hal.put(
            url,
            {"operation": operation, "unique_ids": chunk},
            idempotent=operation == "replace",
            expect="resource",
        )
        return UniqueIdList.from_resource(answer)

    async def _send(
        self,
        url: str,
        chunks: Iterator[builtins.list[str]],
        *,
        result: UniqueIdList,
        sent: int,
        check: Callable[[], None],
    ) -> UniqueIdList:
        """Append the remaining chunks in order, after ``sent`` ids landed; any failure (a
        request, or a bad id read from the iterable) raises ``IncompleteWriteError``."""
        while True:
            try:
                chunk = next(chunks, None)
                if chunk is None:
                    return result
                check()
                result = await self._put(url, chunk, "append")
            except Exception as exc:  # whatever stopped it, the caller needs to know what landed
                raise IncompleteWriteError(url=url, sent=sent, cause=exc, result=result) from exc
            sent += len(chunk)


def _still_held() -> None:
    """The check of a lock that cannot be lost (this client's own)."""


def _list_id(unique_list: Ref[UniqueIdList]) -> str:
    """The list's id as the API knows it (stripped, checked): one lock per list, whatever
    spelling (``" id"``, ``"id"``, a ``UniqueIdList`` or its ``Resource``) names it."""
    return check_id(_id_of(unique_list))
