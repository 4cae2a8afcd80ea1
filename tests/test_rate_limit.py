"""One limiter per client, shared by every request: the server's own log is the judge."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiolimiter import AsyncLimiter

from actionnetwork_async import ActionNetwork, LimiterTimeoutError
from actionnetwork_async.limiter import (
    BACKOFF_FACTOR,
    LATE_START_TOLERANCE,
    RECOVERY_HALF_LIFE,
    SlotSchedule,
)
from actionnetwork_async.limits import DEFAULT_MARGIN, AioRateLimiter, SlidingWindowLimiter
from actionnetwork_async.testing import Emulator, Seed, Timing

from .conftest import ClientFactory

WINDOW = 1 + DEFAULT_MARGIN


def steady_rate(starts: list[float], limit: int = 4) -> float:
    """Requests per second as a sliding window sees them: ``limit`` over the mean time that
    ``limit`` consecutive starts span (a first-to-last average overrates bursts)."""
    spans = [b - a for a, b in zip(starts, starts[limit:], strict=False)]
    return limit * len(spans) / sum(spans)


# -- the pure schedule -----------------------------------------------------------------------
def test_schedule_allows_n_starts_per_window_computed_from_slots_not_wake_ups() -> None:
    schedule = SlotSchedule(limit=4, window=WINDOW)
    slots = []
    for _ in range(400):  # everyone asks at 0 and wakes 3 ms late: no drift comes of it
        slot = schedule.next_slot(0.0, since=0.0)
        schedule.record(slot, started=slot + 0.003)
        slots.append(slot)
    assert slots == pytest.approx([(k // 4) * WINDOW for k in range(400)], abs=1e-9)
    assert all(b - a >= WINDOW - 1e-9 for a, b in zip(slots, slots[4:], strict=False))


def test_schedule_measures_from_a_start_that_was_very_late() -> None:
    schedule = SlotSchedule(limit=1, window=1.0)
    schedule.record(0.0, started=0.300)  # a blocked loop: the request really left at 0.3
    assert schedule.next_slot(0.3, since=0.3) == pytest.approx(1.3 - LATE_START_TOLERANCE)


def test_schedule_counts_the_recent_starts_of_the_keys_last_process_first() -> None:
    """What one process leaves (``recent``: ages of the starts inside the window) the next
    counts (``recall``) before any start of its own, and not once it has its own."""
    before = SlotSchedule(limit=4, window=1.04)
    for t in (99.1, 99.5, 99.8, 99.9):
        before.record(t, t)
    assert before.recent(100.5) == pytest.approx([1.0, 0.7, 0.6])  # 99.1 is out of the window
    after = SlotSchedule(limit=4, window=1.04)
    after.recall(50.0, [0.9, 5.0, 0.5, 0.2, 0.1])  # on its own clock; 5 s ago counts no more
    assert list(after.starts) == pytest.approx([49.1, 49.5, 49.8, 49.9])
    assert after.next_slot(50.0, since=50.0) == pytest.approx(49.1 + 1.04)  # not at once
    after.recall(51.0, [0.05])  # it has starts of its own now: nothing more is counted
    assert len(after.starts) == 4


def test_schedule_is_first_come_first_served_and_projects_queued_slots() -> None:
    schedule = SlotSchedule(limit=2, window=1.0)
    schedule.record(5.0, 5.0)
    schedule.record(5.5, 5.5)
    assert schedule.next_slot(5.6, since=5.2) == 6.0  # not before the window allows
    assert schedule.project(5.6, ahead=0) == 6.0
    assert schedule.project(5.6, ahead=1) == 6.5
    assert schedule.project(5.6, ahead=3) == 7.5
    assert schedule.project(5.6, ahead=1000, horizon=6.6) == 7.0  # stops past the horizon
    assert list(schedule.starts) == [5.0, 5.5]  # projecting reserves nothing


def test_schedule_backs_off_after_a_429_then_recovers() -> None:
    schedule = SlotSchedule(limit=4, window=1.0)
    schedule.penalize(10.0, retry_after=2.0, sent_at=9.5)
    assert schedule.next_slot(10.0, since=10.0) == 12.0  # Retry-After holds for every request
    assert schedule.window_at(10.0) == pytest.approx(BACKOFF_FACTOR)
    schedule.penalize(10.1, retry_after=None, sent_at=9.6)  # same burst: no second step
    assert schedule.window_at(10.1) < BACKOFF_FACTOR
    schedule.penalize(13.0, retry_after=None, sent_at=12.5)  # sent after the first: a step
    assert schedule.window_at(13.0) > BACKOFF_FACTOR
    half = 1 + (schedule.window_at(13.0) - 1) / 2
    assert schedule.window_at(13.0 + RECOVERY_HALF_LIFE) == pytest.approx(half)
    assert schedule.window_at(13.0 + 20 * RECOVERY_HALF_LIFE) == pytest.approx(1.0, abs=1e-5)


def test_limiter_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="rate"):
        SlidingWindowLimiter(0)
    with pytest.raises(ValueError, match="margin"):
        SlidingWindowLimiter(4, margin=-0.1)
    with pytest.raises(ValueError, match="max_wait"):
        SlidingWindowLimiter(4, max_wait=-1)
    with pytest.raises(ValueError, match="rate"):
        AioRateLimiter(0)
    with pytest.raises(ValueError, match="rate"):
        ActionNetwork("k", rate_limit=-1)
    with pytest.raises(ValueError, match="rate_limit must be"):  # a ConfigurationError
        ActionNetwork("k", rate_limit="4")  # type: ignore[arg-type]
    assert SlidingWindowLimiter(4).effective_rate == pytest.approx(4 / WINDOW)
    assert SlidingWindowLimiter(2.5, margin=0).effective_rate == pytest.approx(2.5)


# -- against the emulator, judged by its log -------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.looptime
async def test_ten_tasks_forty_requests_stay_within_four_per_second(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=30), rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0)
        person_url = f"{emu.base_url}people/{emu.ids('people')[0]}"

        async def worker() -> None:
            for _ in range(4):
                await an.hal.get(person_url)

        await asyncio.gather(*(worker() for _ in range(10)))
        assert len(emu.log) == 40
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4
        # and it is not needlessly slow: 4 at once, then 4 more every 1 s + margin
        span = emu.log[-1].start - emu.log[0].start
        assert span == pytest.approx(9 * WINDOW, abs=0.01)


@pytest.mark.asyncio
@pytest.mark.looptime
@pytest.mark.parametrize("latency", [0.0, 0.5])
async def test_thirty_ms_of_arrival_jitter_gets_no_429_at_over_95_percent(
    make_client: ClientFactory, latency: float
) -> None:
    async with Emulator(
        seed=Seed(people=60 * 25), timing=Timing(latency=latency, arrival_jitter=0.03), rate_limit=4
    ) as emu:
        an = make_client(emu, rate_limit=4.0)
        assert len([p async for p in an.people.list()]) == 1500
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4
        rate = steady_rate([r.start for r in emu.log][1:])  # from page 2 on
        assert 0.95 * 4 <= rate <= 4


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_without_a_margin_the_same_jitter_gets_429s(make_client: ClientFactory) -> None:
    """Control: the jitter switch does push arrivals together, so the test above can fail."""
    async with Emulator(
        seed=Seed(people=60 * 25), timing=Timing(arrival_jitter=0.03), rate_limit=4
    ) as emu:
        an = make_client(emu, rate_limit=SlidingWindowLimiter(4, margin=0.0))
        assert len([p async for p in an.people.list()]) == 1500
        assert emu.count(status=429) > 0


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_a_429_pauses_every_request_until_retry_after_then_the_rate_recovers(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=4000), rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0)
        first = await an.hal.get("people")
        emu.add_fault("status", path="people", status=429, retry_after="3")
        assert len([p async for p in an.hal.iterate(first)]) == 4000
        refused = next(r for r in emu.log if r.status == 429)
        after = [r.start for r in emu.log if r.start > refused.start]
        assert after[0] - refused.start >= 3.0  # nobody went in the pause, prefetches included
        assert emu.count(status=429) == 1
        # slower just after the 429, back to the configured rate a few half-lives later
        late = [t for t in after if t > after[0] + 5 * RECOVERY_HALF_LIFE]
        assert len(late) > 12
        assert steady_rate(after[:9]) < 0.9 * 4 / WINDOW
        assert steady_rate(late) == pytest.approx(4 / WINDOW, rel=0.01)


class OnlyAcquire:
    """A third-party limiter: nothing but ``acquire``."""

    def __init__(self) -> None:
        self.calls = 0

    async def acquire(self) -> None:
        self.calls += 1


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_a_limiter_with_only_acquire_still_works_through_a_429(
    make_client: ClientFactory,
) -> None:
    async with Emulator(rate_limit=None) as emu:
        emu.add_fault("status", status=429, retry_after="1")
        limiter = OnlyAcquire()
        an = make_client(emu, rate_limit=limiter)
        await an.hal.get()
        assert (limiter.calls, emu.count(status=429), emu.count(status=200)) == (2, 1, 1)


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_max_wait_fails_fast_without_taking_a_slot(make_client: ClientFactory) -> None:
    async with Emulator(rate_limit=4) as emu:
        an = make_client(emu, rate_limit=SlidingWindowLimiter(4.0, max_wait=1.5))
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await asyncio.gather(*(an.hal.get() for _ in range(12)), return_exceptions=True)
        failed = [r for r in results if isinstance(r, LimiterTimeoutError)]
        # 4 now and 4 after one window fit in 1.5 s; the other 4 are refused at once
        assert (len(failed), len(emu.log), emu.count(status=429)) == (4, 8, 0)
        assert "max_wait=1.5s" in str(failed[0])
        # the refused ones took nothing: the next request gets the slot after the 8 served
        await an.hal.get()
        assert emu.log[-1].start - started == pytest.approx(2 * WINDOW, abs=0.01)


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_max_wait_also_bounds_a_wait_that_a_429_stretched(
    make_client: ClientFactory,
) -> None:
    async with Emulator(rate_limit=4) as emu:
        an = make_client(emu, rate_limit=SlidingWindowLimiter(4.0, max_wait=1.0), max_tries=1)
        emu.add_fault("status", status=429, retry_after="30")
        first = asyncio.create_task(an.hal.get())
        await asyncio.sleep(0.1)
        waiting = [asyncio.create_task(an.hal.get()) for _ in range(3)]
        with pytest.raises(Exception, match="429"):
            await first
        for task in waiting:  # admitted at once, then the 429's pause passed their deadline
            with pytest.raises(LimiterTimeoutError):
                await task
        assert len(emu.log) <= 4


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_cancelled_waiters_hold_up_nobody(make_client: ClientFactory) -> None:
    async with Emulator(rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        tasks = [asyncio.create_task(an.hal.get()) for _ in range(16)]
        await asyncio.sleep(0.5)  # 4 served; 12 queued, up to 3 windows ahead
        for task in tasks[4:]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await an.hal.get()  # the next window, not the end of the cancelled ones' queue
        assert len(emu.log) == 5
        assert emu.log[-1].start - started == pytest.approx(WINDOW, abs=0.01)


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_streams_and_single_gets_share_the_limiter(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=120, events=60), rate_limit=4) as emu:
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
    async with Emulator(seed=Seed(people=10), rate_limit=4) as emu:
        shared = SlidingWindowLimiter(4)
        a = make_client(emu, rate_limit=shared)
        b = make_client(emu, rate_limit=shared)
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
        bucket = _CountingBucket(1, 0.02)  # 50 requests/s
        an = make_client(emu, rate_limit=AioRateLimiter(50, limiter=bucket))
        started = time.monotonic()
        await asyncio.gather(*(an.hal.get() for _ in range(11)))
        assert time.monotonic() - started >= 10 * 0.02 * 0.9
        # The client really drew from this bucket, once per request. (Asking the bucket for
        # capacity afterwards races its leak on a busy machine.)
        assert bucket.acquired == 11
        assert len(emu.log) == 11


class _CountingBucket(AsyncLimiter):
    """A caller's own bucket that counts what is drawn from it."""

    acquired = 0

    async def acquire(self, amount: float = 1) -> None:
        self.acquired += 1
        await super().acquire(amount)
