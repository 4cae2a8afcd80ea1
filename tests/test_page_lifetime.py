"""A page read is freed before the next one is made: a stream holds one page at a time.

A suspended generator keeps its locals; a page kept in one while the next is fetched and built
doubles what a stream holds, and with a page of records past the collector's threshold (700
new containers) it sets off a garbage collection for every page. Each test gives the stream a
source of its own that checks, when it makes page ``k + 1``, that page ``k`` is gone.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import pytest

from actionnetwork_async.hal import Resource, parse_resource
from actionnetwork_async.pagination import Stream, iter_batches

pytestmark = pytest.mark.asyncio

BASE = "http://api.test/api/v2/people"


class Item:
    """A stand-in record (weak-referenceable)."""

    def __init__(self, k: int) -> None:
        self.k = k


class Watch:
    """Weak references to the pages made so far, to check that earlier ones are gone."""

    def __init__(self) -> None:
        self.made: list[weakref.ref[Any]] = []
        self.alive_at_next: list[int] = []

    def making(self, obj: Any) -> None:
        """Called as a new page is made: counts the earlier pages still alive."""
        self.alive_at_next.append(sum(ref() is not None for ref in self.made))
        self.made.append(weakref.ref(obj))


async def test_a_mapped_stream_frees_each_page_before_making_the_next() -> None:
    raw, typed = Watch(), Watch()

    async def source() -> AsyncGenerator[Sequence[Item], None]:
        for k in range(4):
            page = [Item(k)]
            raw.making(page[0])
            yield page
            del page

    def convert(item: Item) -> Item:
        made = Item(item.k)
        if item.k != getattr(convert, "last", None):  # the first item of a page
            typed.making(made)
            convert.last = item.k  # type: ignore[attr-defined]
        return made

    ks = []
    async for batch in Stream(source()).map(convert).batches():
        ks.append(batch[0].k)
        del batch
    assert ks == [0, 1, 2, 3]
    assert raw.alive_at_next == [0, 0, 0, 0]
    assert typed.alive_at_next == [0, 0, 0, 0]


def _page(k: int, last: int) -> dict[str, Any]:
    document: dict[str, Any] = {
        "page": k,
        "total_pages": last,
        "marker": Item(k),  # kept by the parsed page, which holds its document
        "_embedded": {"osdi:people": [{"given_name": f"p{k}"}]},
        "_links": {"self": {"href": f"{BASE}?page={k}"}},
    }
    if k < last:
        document["_links"]["next"] = {"href": f"{BASE}?page={k + 1}"}
    return document


@pytest.mark.parametrize("prefetch", [1, 3])
async def test_pages_are_freed_before_the_next_is_fetched(prefetch: int) -> None:
    pages = Watch()

    async def fetch(url: str) -> Resource:
        k = int(url.rsplit("=", 1)[1])
        document = _page(k, 5)
        pages.making(document["marker"])
        return parse_resource(document, url=url)

    seen = []
    first = f"{BASE}?page=1"
    async for batch in iter_batches(fetch, first, rel="osdi:people", prefetch=prefetch):
        seen.append(batch[0]["given_name"])
        del batch
    assert seen == ["p1", "p2", "p3", "p4", "p5"]
    if prefetch == 1:  # one page after another: none is alive when the next is fetched
        assert pages.alive_at_next == [0, 0, 0, 0, 0]
    else:  # the pages fetched ahead are alive by design, the page read before them is not
        assert pages.alive_at_next == [0, 0, 1, 2, 0]
