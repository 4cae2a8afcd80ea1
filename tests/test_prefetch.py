"""Pipelined prefetch: several pages in flight, items in order, clean cancellation."""

from __future__ import annotations

import asyncio

import pytest

from actionnetwork_async import ActionNetwork, ServerError
from actionnetwork_async.limits import DEFAULT_MARGIN
from actionnetwork_async.testing import Emulator, Seed, Timing

from .conftest import ClientFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.looptime]


def prefetch_tasks() -> list[asyncio.Task[object]]:
    return [
        t
        for t in asyncio.all_tasks()
        if t.get_name().startswith("actionnetwork-prefetch") and not t.done()
    ]


def assert_saturated(starts: list[float]) -> None:
    """Each request started one window (1 s + margin) after the one 4 before it."""
    assert len(starts) > 8
    spans = [b - a for a, b in zip(starts, starts[4:], strict=False)]
    assert spans == pytest.approx([1 + DEFAULT_MARGIN] * len(spans), abs=0.01)


def assert_nothing_left(an: ActionNetwork) -> None:
    assert prefetch_tasks() == []
    assert an._transport.in_flight == 0
    connector = an._transport.session.connector
    assert connector is not None
    assert len(connector._acquired) == 0  # no connection held by a request


async def test_with_half_second_latency_several_pages_are_in_flight(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=250), timing=Timing(latency=0.5), rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0, prefetch=5)
        got = [p.identifier() async for p in an.hal.iterate("people")]
        assert got == emu.ids("people")
        # 4 requests per window of 1 s + margin, 0.5 s each: pages overlap, as the server saw it
        assert 2 <= emu.max_in_flight <= 4
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4
        # once page 1 has shown the next link, the limiter stays saturated: every request
        # starts one window after the one 4 before it, not one per 0.5 s round trip
        assert_saturated([r.start for r in emu.log][1:])


async def test_prefetch_bounds_the_overlap_when_the_rate_allows_more(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=500), timing=Timing(latency=0.5), rate_limit=None) as emu:
        an = make_client(emu, prefetch=5)
        assert len([p async for p in an.hal.iterate("people")]) == 500
        assert emu.max_in_flight == 5


async def test_default_prefetch_saturates_the_limiter_at_one_second_latency(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=500), timing=Timing(latency=1.0), rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0)  # default prefetch
        assert len([p async for p in an.hal.iterate("people")]) == 500
        pages = [int(r.query.removeprefix("page=") or 1) for r in emu.log]
        assert pages[:21] == list(range(1, 22))  # requested strictly in page order
        assert_saturated([r.start for r in emu.log][1:21])  # never idle: at the limit
        assert emu.count(status=429) == 0


async def test_default_prefetch_keeps_the_limit_when_deep_pages_slow_down(
    make_client: ClientFactory,
) -> None:
    # 1 s for page 1, 1.5 s for page 50; jitter on: at least 95% of the limit, no 429
    async with Emulator(
        seed=Seed(people=50 * 25),
        timing=Timing(latency=1.0, page_latency=0.01, arrival_jitter=0.03),
        rate_limit=4,
    ) as emu:
        an = make_client(emu, rate_limit=4.0)  # default prefetch
        assert len([p async for p in an.people.list()]) == 50 * 25
        assert emu.count(status=429) == 0
        starts = [r.start for r in emu.log][2:]  # once page 1 has shown the next link
        spans = [b - a for a, b in zip(starts, starts[4:], strict=False)]
        assert 4 * len(spans) / sum(spans) >= 0.95 * 4


async def test_without_prefetch_requests_never_overlap(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=100), timing=Timing(latency=0.5), rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0, prefetch=1)
        assert len([p async for p in an.hal.iterate("people")]) == 100
        assert emu.max_in_flight == 1


async def test_speculative_pages_past_the_end_are_dropped(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=75), timing=Timing(latency=0.5), rate_limit=None) as emu:
        an = make_client(emu, prefetch=8)
        got = [p.identifier() async for p in an.hal.iterate("people")]
        assert got == emu.ids("people")  # nothing from the empty pages, nothing twice
        pages = sorted({r.query for r in emu.log})
        assert "page=4" in pages  # the empty page that proves the end
        assert len(emu.log) <= 1 + 8  # page 1 plus at most `prefetch` speculative pages


async def test_events_prefetch_never_asks_beyond_total_pages(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(events=60), timing=Timing(latency=0.5), rate_limit=None) as emu:
        an = make_client(emu, prefetch=10)
        assert len([e async for e in an.hal.iterate("events")]) == 60
        assert sorted(r.query for r in emu.log) == ["", "page=2", "page=3"]


async def test_at_most_prefetch_pages_are_buffered_for_a_slow_consumer(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=500), rate_limit=None) as emu:
        an = make_client(emu, prefetch=3)
        async with an.hal.pages("people") as pages:
            await anext(pages)
            await asyncio.sleep(60)  # a consumer that stalls for a minute of loop time
            assert len(emu.log) == 1 + 3  # page 1 and three pages ahead, no more
            await anext(pages)
            await asyncio.sleep(60)
            assert len(emu.log) == 1 + 4


async def test_breaking_out_of_a_stream_leaves_nothing_running(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=500), timing=Timing(latency=1.0), rate_limit=None) as emu:
        an = make_client(emu, prefetch=5)
        async with an.hal.iterate("people") as people:
            async for n, _ in aenumerate(people):
                if n == 30:
                    assert prefetch_tasks()  # pages were in flight when we broke out
                    break
        assert_nothing_left(an)


async def test_cancelling_the_consuming_task_cancels_prefetches(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=500), timing=Timing(latency=1.0), rate_limit=None) as emu:
        an = make_client(emu, prefetch=5)
        started = asyncio.Event()

        async def consume() -> None:
            async for _ in an.hal.iterate("people"):
                started.set()

        task = asyncio.create_task(consume())
        await started.wait()
        assert prefetch_tasks()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert_nothing_left(an)


async def test_a_failed_page_raises_in_order_and_stops_prefetches(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=300), timing=Timing(latency=0.5), rate_limit=None) as emu:
        an = make_client(emu, prefetch=4, max_tries=1)
        first = await an.hal.get("people")  # a clean first page; then every page fails
        emu.add_fault("status", path="people", status=500, count=100)
        seen: list[object] = []

        async def consume() -> None:
            async for person in an.hal.iterate(first):
                seen.append(person)

        with pytest.raises(ServerError):
            await consume()
        assert len(seen) == 25  # the first page's items came out before the error
        assert_nothing_left(an)


async def aenumerate(it):  # type: ignore[no-untyped-def]
    n = 0
    async for x in it:
        yield n, x
        n += 1
