"""Streaming pagination over HAL collections, with pipelined page prefetch.

Pages are fetched through a ``fetch(url)`` callable (the walker's GET, hence the client's one
limiter); items are yielded as pages arrive, a page's items together, and at most ``prefetch``
pages are held at once.

Stopping rules, from the API reference: stop at the first page with no embedded items (the
people collection has no totals and keeps a ``next`` link on its last page), at a page with no
``next`` link, and never ask beyond ``total_pages`` when the page states it.

Filters on every page: every query parameter of the first page's URL (``filter``, ``per_page``
...) that a ``next`` link leaves out is put back before the link is followed, so a server that
drops the filter from its ``next`` links cannot turn a filtered stream into the whole collection.

No endless streams: a ``next`` link that leads back to a page already read (the same URL up to
the order of its query parameters) raises ``UnexpectedResponseError`` instead of reading the
collection again and again. The pages read are remembered as runs of consecutive page numbers,
so this costs no memory per page on a collection read in order. A ``next`` link that changes
only a parameter the server ignores gets past that check, so the items of every page are
compared too: a page holding the same items as one of the last ``PAGES_COMPARED`` pages read
(a 16-byte digest each) raises ``UnexpectedResponseError`` before its items are handed on.

Pipelining: when the ``next`` href differs from the current page's URL only by its ``page`` query
parameter, pages ``n+1 .. n+prefetch`` are requested concurrently, consumed strictly in order,
and any speculative page past the end is cancelled and dropped. Otherwise ``next`` links are
followed one at a time.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Coroutine,
    Iterator,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import Any, Generic, TypeVar, cast
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

import attrs

from .errors import ConfigurationError, UnexpectedResponseError
from .hal import Resource

__all__ = [
    "MAX_PER_PAGE",
    "PAGES_COMPARED",
    "Fetch",
    "Page",
    "Stream",
    "each_alone",
    "iter_batches",
    "iter_pages",
    "page_number",
    "restore_query",
    "successor_page",
    "with_page",
    "with_query",
]

T = TypeVar("T")
U = TypeVar("U")

#: The most items a page of the API holds (its ``per_page`` default and limit).
MAX_PER_PAGE = 25


@attrs.frozen
class Page(Generic[T]):
    """One page of a collection, read with the API's own page numbers (``page``, ``per_page``;
    https://actionnetwork.org/docs/v2/#pagination): its items, and whether a next page exists.

    ``total_pages`` and ``total_records`` are what the API said (None when it did not).
    """

    items: tuple[T, ...]
    number: int
    per_page: int
    has_next: bool
    total_pages: int | None = None
    total_records: int | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def read(
        cls, answer: Resource, number: int, per_page: int, item: Callable[[Resource], T]
    ) -> Page[T]:
        """Page ``number`` as the API answered it, each item made by ``item``. A page past the
        end has no items. Where the API sends no ``total_pages`` (people) and links every page
        to a next one, a page shorter than ``per_page`` is the last; a full last page says
        ``has_next`` and the page after it is empty."""
        items = tuple(item(each) for each in answer.items())
        total_pages = _count(answer.get("total_pages"))
        has_next = bool(items) and answer.has_link("next")
        if total_pages is not None:
            has_next = has_next and number < total_pages
        else:  # people's last page links a next one too: a short page is the last
            has_next = has_next and len(items) >= per_page
        total_records = _count(answer.get("total_records"))
        return cls(items, number, per_page, has_next, total_pages, total_records)


def _count(value: Any) -> int | None:
    """A count the API sent (``total_pages`` ...), None when absent or not a whole number."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


Fetch = Callable[[str], Coroutine[Any, Any, Resource]]
#: How many of the last pages a stream read a new page is compared with (by their items).
PAGES_COMPARED = 1_000


# -- pure URL helpers ------------------------------------------------------------------------
def _split(url: str) -> SplitResult:
    """``urlsplit``, with a malformed URL (``http://[::1``) as a ``ConfigurationError``."""
    try:
        return urlsplit(url)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"not a usable URL: {exc}") from None


def _split_page(url: str) -> tuple[tuple[str, ...], int | None]:
    """(the URL without its page parameter, as a comparable key; the page number or None).

    A stream asks it of every page's URL three times (as the next link, as the page read, as
    a page visited): a URL ``with_page`` built is answered from what it was built from, and
    the last few others are kept parsed.
    """
    built = _BUILT.get(url)
    if built is not None:
        return built[0].key, built[1]
    return _parse_page(url)


@functools.lru_cache(maxsize=64)
def _parse_page(url: str) -> tuple[tuple[str, ...], int | None]:
    """``_split_page`` of a URL parsed."""
    parts = _split(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    page: int | None = None
    rest = []
    for key, value in query:
        if key == "page":
            try:
                page = int(value)
            except ValueError:
                return (url,), None
        else:
            rest.append((key, value))
    key_parts = (
        parts.scheme,
        parts.netloc,
        parts.path.rstrip("/"),
        *sorted(f"{k}={v}" for k, v in rest),
    )
    return key_parts, page


def page_number(url: str) -> int | None:
    """The ``page`` query parameter of ``url`` as an int, or None."""
    return _split_page(url)[1]


def with_page(url: str, page: int) -> str:
    """``url`` with its ``page`` query parameter set (other parameters kept, in order)."""
    if type(page) is not int:
        return with_query(url, {"page": page})
    built = _BUILT.get(url)
    template = built[0] if built is not None else _template(url)
    if template is None:
        return with_query(url, {"page": page})
    made = f"{template.prefix}{page}{template.suffix}"
    if len(_BUILT) >= _BUILT_KEPT:
        _BUILT.clear()
    _BUILT[made] = (template, page)
    return made


class _Template:
    """Every ``with_page`` of one URL: ``prefix + str(page) + suffix``, and the ``key`` of
    ``_split_page`` they share."""

    __slots__ = ("key", "prefix", "suffix")

    def __init__(self, prefix: str, suffix: str, key: tuple[str, ...]) -> None:
        self.prefix = prefix
        self.suffix = suffix
        self.key = key


#: A page number no URL holds otherwise: ``with_query`` writes ``page`` last, its digits as
#: they are, so what is around it in the URL built is the same for every page.
_MARK = "7318046529173"
#: The URLs ``with_page`` built lately, with their template and page: a stream's next link is
#: usually the URL the stream built for that page ahead of time (the server writes the same
#: string), so it is not parsed again, nor is any URL built from it. Cleared when full.
_BUILT: dict[str, tuple[_Template, int]] = {}
_BUILT_KEPT = 256


@functools.lru_cache(maxsize=64)
def _template(url: str) -> _Template | None:
    """The template of ``with_page(url, ...)``, for URLs that ``with_page`` did not build;
    None for a URL it does not fit (one that holds the marker after its query)."""
    marked = with_query(url, {"page": _MARK})
    prefix, _, suffix = marked.rpartition(_MARK)
    if f"{prefix}2{suffix}" != with_query(url, {"page": 2}):
        return None
    return _Template(prefix, suffix, _parse_page(marked)[0])


def with_query(url: str, params: Mapping[str, str | int]) -> str:
    """``url`` with ``params`` set in its query (replacing those names, others kept in order).

    ``params`` maps names to strings or integers; anything else is a ``ConfigurationError``.
    """
    if not isinstance(params, Mapping) or not all(
        isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)
        for k, v in params.items()
    ):
        raise ConfigurationError(f"params must map names to strings or integers, got {params!r}")
    parts = _split(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def restore_query(url: str, carried: list[tuple[str, str]]) -> str:
    """``url`` with every ``carried`` parameter it lacks added back (those it has are kept)."""
    if not carried:  # a collection read without a filter: nothing to carry, nothing to parse
        return url
    parts = _split(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in query}
    missing = [(k, v) for k, v in carried if k not in present]
    if not missing:
        return url
    return urlunsplit(parts._replace(query=urlencode(query + missing, quote_via=quote)))


def _carried(url: str) -> list[tuple[str, str]]:
    """The query parameters of a first page that every later page must carry (all but page)."""
    return [(k, v) for k, v in parse_qsl(_split(url).query, keep_blank_values=True) if k != "page"]


def successor_page(current_url: str, next_url: str, current_page: int | None = None) -> int | None:
    """The next page's number when ``next_url`` is ``current_url`` with ``page`` + 1, else None.

    A URL without ``page`` is page 1 (or ``current_page``, when the document says so).
    """
    current_key, current = _split_page(current_url)
    next_key, following = _split_page(next_url)
    if current_key != next_key or following is None:
        return None
    current = current if current is not None else (current_page or 1)
    return following if following == current + 1 else None


class _Visited:
    """The pages a stream has read, to refuse a ``next`` link that loops back.

    Pages are identified by their URL without ``page`` (query in a canonical order) and their
    page number (none is page 1), and kept as runs of consecutive numbers: a collection read
    page after page is one run, so memory stays flat however long it is.
    """

    def __init__(self, first_url: str) -> None:
        self._runs: dict[tuple[str, ...], list[list[int]]] = {}
        self._current: tuple[tuple[str, ...], list[int]] | None = None
        self._enter(*self._identify(first_url))

    @staticmethod
    def _identify(url: str) -> tuple[tuple[str, ...], int]:
        key, page = _split_page(url)
        return key, 1 if page is None else page

    def _enter(self, key: tuple[str, ...], page: int) -> None:
        current = self._current
        if current is not None and current[0] == key and current[1][1] == page - 1:
            current[1][1] = page  # the next page of the run being read
            return
        run = [page, page]
        self._runs.setdefault(key, []).append(run)
        self._current = (key, run)

    def add(self, url: str, previous: str, redact: Callable[[str], str]) -> None:
        """Record that ``url`` (``previous``'s next link) is read next; raises
        ``UnexpectedResponseError`` if it was read already."""
        key, page = self._identify(url)
        if any(first <= page <= last for first, last in self._runs.get(key, ())):
            raise UnexpectedResponseError(
                f"the next link of {redact(previous)} leads back to a page already read; "
                "following it would never end the collection",
                status=200,
                url=redact(url),
            )
        self._enter(key, page)


_LISTS = {list}


class _SeenPages:
    """Digests of the items of the last ``PAGES_COMPARED`` pages a stream read, to refuse a
    page that repeats one (a ``next`` link that changes only a parameter the server ignores).

    A page's digest is taken over its items' identifiers (when one has none: their
    ``action_network:`` ids, else their self links, else their JSON), in order: the page's own
    links and numbers may differ each time.
    """

    def __init__(self) -> None:
        self._order: deque[int | bytes] = deque()
        self._digests: set[int | bytes] = set()

    @staticmethod
    def _digest(items: Sequence[Resource]) -> int | bytes:
        # the usual page: every item has a list of string identifiers, hashed as they are (a
        # 64-bit hash: two of a stream's pages share one by chance about once in 10**16)
        names: list[Any] = [item.document.get("identifiers") for item in items]
        if all(names) and {*map(type, names)} == _LISTS:
            try:
                return hash(tuple(map(tuple, names)))
            except TypeError:  # an identifier that is no string: the general way
                pass
        else:
            names = [
                item.identifier()
                or item.self_href
                or json.dumps(item.data, sort_keys=True, default=str)
                for item in items
            ]
        return hashlib.blake2b(json.dumps(names, default=str).encode(), digest_size=16).digest()

    def add(self, items: Sequence[Resource], url: str, redact: Callable[[str], str]) -> None:
        """Record the page at ``url``; raises ``UnexpectedResponseError`` if a page with the
        same items was read already."""
        digest = self._digest(items)
        if digest in self._digests:
            raise UnexpectedResponseError(
                f"the page at {redact(url)} holds the same {len(items)} items as a page already "
                "read: its next link goes round in a loop, which would never end the collection",
                status=200,
                url=redact(url),
            )
        self._digests.add(digest)
        self._order.append(digest)
        if len(self._order) > PAGES_COMPARED:
            self._digests.discard(self._order.popleft())


# -- streams ---------------------------------------------------------------------------------
_DONE: Any = object()


class Stream(AsyncIterator[T], Generic[T]):
    """An async iterator over a collection that is also an async context manager.

    Items arrive a page at a time: the stream is built on an async generator of batches (one
    per page) and ``batches()`` hands them on whole, which is how the blocking client moves a
    page across threads in one step. ``async with`` (or ``aclose()``) cancels in-flight
    prefetches at once; a plain ``break`` leaves that to the generator's finaliser, which
    CPython runs as soon as the stream is dropped.
    """

    def __init__(self, batches: AsyncGenerator[Sequence[T], None]) -> None:
        self._batches = batches
        self._pending: Iterator[T] = iter(())
        #: For a stream made by ``map``: the stream it maps and the function. The blocking
        #: client reads the source's pages and converts each item as its reader asks for it.
        self.mapped_from: tuple[Stream[Any], Callable[[Any], T]] | None = None

    def __aiter__(self) -> Stream[T]:
        return self

    async def __anext__(self) -> T:
        while (item := next(self._pending, _DONE)) is _DONE:
            self._pending = iter(await self._batches.__anext__())
        return cast(T, item)

    async def batches(self) -> AsyncGenerator[Sequence[T], None]:
        """The items in the groups they arrived in (one per page), from where the stream is."""
        if rest := list(self._pending):
            yield rest
            del rest
        async for batch in self._batches:
            yield batch
            # Dropped before the next page is made: a suspended generator's locals live on,
            # and two pages alive at once set off a garbage collection for every page.
            del batch

    async def aclose(self) -> None:
        """Stop the stream and cancel every request it still has in flight."""
        await self._batches.aclose()

    def map(self, convert: Callable[[T], U]) -> Stream[U]:
        """A stream of ``convert(item)``, a page at a time; closing it closes this one."""

        async def mapped() -> AsyncGenerator[Sequence[U], None]:
            try:
                async for batch in self.batches():
                    yield [convert(item) for item in batch]
                    del batch
            finally:
                await self.aclose()

        stream = Stream(mapped())
        stream.mapped_from = (self, convert)
        return stream

    async def __aenter__(self) -> Stream[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _discard(tasks: dict[int, asyncio.Task[Resource]], keep_below: int | None = None) -> None:
    """Cancel and reap the prefetch tasks (those at or past ``keep_below`` when given)."""
    doomed = [k for k in tasks if keep_below is None or k >= keep_below]
    victims = [tasks.pop(k) for k in doomed]
    for task in victims:
        task.cancel()
    if victims:
        await asyncio.gather(*victims, return_exceptions=True)


def _unchanged(text: str) -> str:
    return text


async def iter_pages(
    fetch: Fetch,
    first: Resource | str,
    *,
    rel: str | None = None,
    prefetch: int = 1,
    redact: Callable[[str], str] = _unchanged,
) -> AsyncGenerator[Resource, None]:
    """Yield every non-empty page of a collection, in order, pipelining when it safely can.

    A page that repeats one already read raises ``UnexpectedResponseError`` (the module's
    docstring says how it is told); ``redact`` masks the API key in the URLs it names.
    """
    page = first if isinstance(first, Resource) else await fetch(first)
    page_url = page.url or page.self_href or ""
    carried = _carried(page_url)
    visited = _Visited(page_url)
    seen = _SeenPages()
    ahead: dict[int, asyncio.Task[Resource]] = {}
    loop = asyncio.get_running_loop()
    try:
        while True:
            items = page.items(rel)
            if not items:
                return
            seen.add(items, page_url, redact)
            number = _count(page.get("page")) or page_number(page_url) or 1
            total = _count(page.get("total_pages"))
            per_page = _count(page.get("per_page"))
            nxt = page.link("next", index=0).href if page.has_link("next") else None
            if nxt is not None:
                nxt = restore_query(nxt, carried)
            if nxt is None or (total is not None and number >= total):
                await _discard(ahead)
                yield page
                return
            succ = successor_page(page_url, nxt, number) if prefetch > 1 else None
            if succ is None:
                await _discard(ahead)
                yield page
                del page, items  # not kept alive while the next one loads
                visited.add(nxt, page_url, redact)
                page, page_url = await fetch(nxt), nxt
                continue
            # Schedule pages succ .. succ+prefetch-1 before yielding, so they load meanwhile.
            # A short page is the last one: only its successor is fetched, to confirm the end.
            short = per_page is not None and len(items) < per_page
            horizon = succ + (1 if short else prefetch)
            if total is not None:
                horizon = min(horizon, total + 1)
            if ahead and max(ahead) >= horizon:  # the usual page cancels nothing
                await _discard(ahead, keep_below=horizon)
            for k in range(succ, horizon):
                if k not in ahead:
                    ahead[k] = loop.create_task(
                        fetch(with_page(nxt, k)), name=f"actionnetwork-prefetch-page-{k}"
                    )
            yield page
            del page, items
            succ_url = with_page(nxt, succ)
            visited.add(succ_url, page_url, redact)
            page, page_url = await ahead.pop(succ), succ_url
    finally:
        await _discard(ahead)


async def iter_batches(
    fetch: Fetch,
    first: Resource | str,
    *,
    rel: str | None = None,
    prefetch: int = 1,
    redact: Callable[[str], str] = _unchanged,
) -> AsyncGenerator[Sequence[Resource], None]:
    """Yield the embedded items of every page, a page at a time, holding at most ``prefetch``
    pages (``iter_pages`` has the rules)."""
    pages = iter_pages(fetch, first, rel=rel, prefetch=prefetch, redact=redact)
    try:
        async for page in pages:
            yield page.items(rel)
            del page  # not kept alive while the next one loads
    finally:
        await pages.aclose()


async def each_alone(items: AsyncGenerator[T, None]) -> AsyncGenerator[Sequence[T], None]:
    """Yield every item as a batch of its own (a stream of whole pages)."""
    try:
        async for item in items:
            yield (item,)
    finally:
        await items.aclose()
