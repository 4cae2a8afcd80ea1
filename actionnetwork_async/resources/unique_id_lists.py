"""``an.unique_id_lists``: targeting lists of people ids, written in chunks, one change at a time.

The reference warns that concurrent appends to one list corrupt it, so every change to a list
takes that list's lock (one per list, shared by every task of the client). Ids may come from
any iterable, a generator over millions included: they are validated and sent in chunks as
they are read, never held whole.
"""

from __future__ import annotations

import asyncio
import builtins
import itertools
import re
from collections.abc import Iterable, Iterator

from ..errors import ConfigurationError, IncompleteWriteError
from ..models import UniqueIdList
from ..walker import HalWalker
from .base import Collection, Ref, _id_of, check_id

__all__ = ["DEFAULT_CHUNK_SIZE", "UniqueIdLists"]

#: Ids per request: about 390 KB of JSON, well inside the API's time to answer.
DEFAULT_CHUNK_SIZE = 10_000
_PERSON_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

ListRef = Ref[UniqueIdList]


class UniqueIdLists(Collection[UniqueIdList]):
    """The unique ID lists (ID targets) of the API key's group; ``get`` shows a list's
    ``count``, never its ids (https://actionnetwork.org/docs/v2/unique_id_lists)."""

    REL = "action_network:unique_id_lists"
    MODEL = UniqueIdList

    def __init__(self, hal: HalWalker, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        super().__init__(hal)
        self.chunk_size = _check_chunk(chunk_size)
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, list_id: str) -> asyncio.Lock:
        """The lock every change to this list takes (one per list, per client)."""
        return self._locks.setdefault(list_id, asyncio.Lock())

    async def create(
        self, name: str, unique_ids: Iterable[str], *, chunk_size: int | None = None
    ) -> UniqueIdList:
        """Create a list from any iterable of people ids: the first chunk creates it, the
        rest are appended in order. If a later chunk fails (a request, or an id found bad once
        read), ``IncompleteWriteError`` says how many ids went in (``.sent``) and carries the
        list made (``.result``).
        """
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError("a unique ID list needs a non-empty name")
        chunks = _chunks(
            unique_ids, _check_chunk(self.chunk_size if chunk_size is None else chunk_size)
        )
        first = next(chunks, None)
        if first is None:
            raise ConfigurationError("unique_ids is empty: a list needs at least one id")
        # Not idempotent: a POST re-sent after a timeout could create a second list.
        created = await self.hal.post(
            await self._collection_url(), {"name": name, "unique_ids": first}, expect="resource"
        )
        result = UniqueIdList.from_resource(created)
        url = result.url or created.url or ""
        async with self.lock(_list_id(result)):
            return await self._send(url, chunks, result=result, sent=len(first))

    async def append(
        self, unique_list: ListRef, unique_ids: Iterable[str], *, chunk_size: int | None = None
    ) -> UniqueIdList:
        """Append people ids (duplicates are kept by the API), one chunk at a time."""
        return await self._change(unique_list, unique_ids, "append", chunk_size)

    async def replace(
        self, unique_list: ListRef, unique_ids: Iterable[str], *, chunk_size: int | None = None
    ) -> UniqueIdList:
        """Replace the list's ids: the first chunk replaces, the rest are appended, in order."""
        return await self._change(unique_list, unique_ids, "replace", chunk_size)

    async def delete(self, unique_list: ListRef) -> str:
        """Delete a list; returns the API's notice."""
        list_id = _list_id(unique_list)
        async with self.lock(list_id):
            answer = await self.hal.delete(await self._url_of(unique_list))
        return str(answer.get("notice", "")) if answer is not None else ""

    async def _change(
        self,
        unique_list: ListRef,
        unique_ids: Iterable[str],
        operation: str,
        chunk_size: int | None,
    ) -> UniqueIdList:
        chunks = _chunks(
            unique_ids, _check_chunk(self.chunk_size if chunk_size is None else chunk_size)
        )
        first = next(chunks, None)
        if first is None:
            raise ConfigurationError("unique_ids is empty: nothing to send")
        list_id = _list_id(unique_list)
        url = await self._url_of(unique_list)
        async with self.lock(list_id):
            # Nothing has landed before the first chunk: its failure is raised as it is.
            result = await self._put(url, first, operation)
            return await self._send(url, chunks, result=result, sent=len(first))

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
    ) -> UniqueIdList:
        """Append the remaining chunks in order, after ``sent`` ids landed; any failure (a
        request, or a bad id read from the iterable) raises ``IncompleteWriteError``."""
        while True:
            try:
                chunk = next(chunks, None)
                if chunk is None:
                    return result
                result = await self._put(url, chunk, "append")
            except Exception as exc:  # whatever stopped it, the caller needs to know what landed
                raise IncompleteWriteError(url=url, sent=sent, cause=exc, result=result) from exc
            sent += len(chunk)


def _check_chunk(size: int) -> int:
    if not isinstance(size, int) or size < 1:
        raise ConfigurationError(f"chunk_size must be a positive integer, got {size!r}")
    return size


def _list_id(unique_list: ListRef) -> str:
    list_id = _id_of(unique_list)
    check_id(list_id)
    return list_id


def _chunks(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    """Validated chunks of ``size`` ids, read lazily from ``ids``."""
    if isinstance(ids, (str, bytes)):
        raise ConfigurationError("unique_ids must be an iterable of ids, not one string")
    iterator = iter(ids)
    position = 0
    while chunk := list(itertools.islice(iterator, size)):
        for offset, value in enumerate(chunk):
            if not isinstance(value, str) or not _PERSON_ID.match(value):
                raise ConfigurationError(
                    f"unique_ids[{position + offset}] is not a person unique id "
                    f"(a UUID such as d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3): {value!r}"
                )
        position += len(chunk)
        yield chunk
