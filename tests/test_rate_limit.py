"""One limiter per client, shared by every request: the server's own log is the judge."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiolimiter import AsyncLimiter

from actionnetwork_async import ActionNetwork, AioRateLimiter, SpacedRateLimiter
from actionnetwork_async.testing import Emulator

from .conftest import ClientFactory


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_ten_tasks_forty_requests_stay_within_four_per_second(
    make_client: ClientFactory,
) -> None:
    async with Emulator(people=30, rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0)
        person_url = f"{emu.base_url}people/{emu.ids('people')[0]}"

        async def worker() -> None:
            for _ in range(4):
                await an.hal.get(person_url)

        await asyncio.gather(*(worker() for _ in range(10)))
        assert len(emu.log) == 40
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4
        # and it is not needlessly slow: 40 requests at 4/s take just under 10 s
        span = emu.log[-1].start - emu.log[0].start
        assert 9.7 <= span <= 10.5


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_streams_and_single_gets_share_the_limiter(make_client: ClientFactory) -> None:
    async with Emulator(people=120, events=60, rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0, prefetch=6)
        people = [p async for p in an.hal.iterate("people")]

        async def events() -> int:
            return len([e async for e in an.hal.iterate("events")])

        counts = await asyncio.gather(events(), events(), an.hal.get())
        assert len(people) == 120
        assert counts[:2] == [60, 60]
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_one_limiter_can_be_shared_by_several_clients(make_client: ClientFactory) -> None:
    async with Emulator(people=10, rate_limit=4) as emu:
        shared = SpacedRateLimiter(4)
        a = make_client(emu, limiter=shared)
        b = make_client(emu, limiter=shared)
        assert a.limiter is b.limiter is shared
        await asyncio.gather(*(c.hal.get() for c in (a, b) for _ in range(6)))
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_without_the_limiter_the_emulator_says_429(make_client: ClientFactory) -> None:
    """Control: the emulator does enforce the limit, so the tests above can fail."""
    async with Emulator(rate_limit=4) as emu:
        an = make_client(emu, rate_limit=None, max_tries=1)
        results = await asyncio.gather(*(an.hal.get() for _ in range(8)), return_exceptions=True)
        assert emu.count(status=429) >= 4
        assert sum(isinstance(r, Exception) for r in results) >= 4


@pytest.mark.asyncio
async def test_an_aiolimiter_can_be_plugged_in(make_client: ClientFactory) -> None:
    """Real clock, high rate: aiolimiter is not looptime-safe (see AioRateLimiter)."""
    async with Emulator(rate_limit=None) as emu:
        bucket = AsyncLimiter(1, 0.02)  # 50 requests/s
        an = make_client(emu, limiter=AioRateLimiter(50, limiter=bucket))
        started = time.monotonic()
        await asyncio.gather(*(an.hal.get() for _ in range(11)))
        assert time.monotonic() - started >= 10 * 0.02 * 0.9
        assert not bucket.has_capacity()  # the client really drew from this bucket
        assert len(emu.log) == 11


def test_limiter_rejects_nonsense_rates() -> None:
    with pytest.raises(ValueError, match="rate"):
        SpacedRateLimiter(0)
    with pytest.raises(ValueError, match="rate"):
        AioRateLimiter(0)
    with pytest.raises(ValueError, match="rate"):
        ActionNetwork("k", rate_limit=-1)
