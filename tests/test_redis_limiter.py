"""RedisRateLimiter against a real redis-server: the shared schedule, feedback, back-pressure,
restarts, outages, and the clients' ways in. (Several processes: test_redis_processes.py.)"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from actionnetwork_async import ActionNetwork, ConfigurationError, LimiterTimeoutError, sync
from actionnetwork_async.client import REDIS_URL_ENV
from actionnetwork_async.errors import LimiterUnavailableError
from actionnetwork_async.limiter import BACKOFF_FACTOR
from actionnetwork_async.limits import DEFAULT_MARGIN, RedisRateLimiter, SlidingWindowLimiter
from actionnetwork_async.redis import CONFIRM_AHEAD, RECHECK_INTERVAL, rate_limit_key
from actionnetwork_async.testing import Emulator, RedisServer, Seed, serve_in_thread
from actionnetwork_async.testing.redis_server import free_port

from .redis_server import require_redis

WINDOW = 1 + DEFAULT_MARGIN
WINDOW_US = round(WINDOW * 1_000_000)
PASSWORD = "hunter2-not-for-logs"
_keys = itertools.count()


def new_key() -> str:
    """A key no other test uses (the session's server is shared)."""
    return f"test:rate:{next(_keys)}"


async def state(url: str, key: str) -> dict[str, str]:
    """The schedule as the script keeps it."""
    async with Redis.from_url(url, decode_responses=True) as client:
        found: dict[str, str] = await client.hgetall(key)
        return found


async def slots(url: str, key: str) -> list[int]:
    """The slots granted, in microseconds of the Redis server's clock."""
    return [int(s) for s in (await state(url, key)).get("starts", "").split()]


def keep_the_rule(started: list[float]) -> bool:
    """No 5 of these starts (this machine's clock) fall within one second: the API's rule. The
    schedule spaces them a window (1 s + DEFAULT_MARGIN) apart, to the microsecond on Redis's
    clock, which the tests check there; here the margin is left to this machine's scheduling
    noise (a timer firing late, a preempted process), as in use it is left to the network's."""
    started = sorted(started)
    return all(b - a >= WINDOW - DEFAULT_MARGIN for a, b in zip(started, started[4:], strict=False))


def given_up(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The debug log's line for each slot given up: its start would have come late, or it no
    longer stood when checked (the test sets ``actionnetwork_async.redis`` to DEBUG)."""
    return [m for m in caplog.messages if m.endswith("queueing again")]


def assert_one_window_apart(granted: list[int], caplog: pytest.LogCaptureFixture) -> None:
    """Each slot kept is one window after the one four before it, on Redis's clock: never
    sooner and, but for slots given up, to the microsecond. A start that would have come late
    (a busy machine) gives its slot up, which still counts, and queues again: behind the others
    (a window after the one four before, again) or, with none left, at once, which is later.
    So each slot given up makes one slot later than that, at most."""
    apart = [b - a for a, b in zip(granted, granted[4:], strict=False)]
    assert min(apart) >= WINDOW_US, apart
    assert sum(a != WINDOW_US for a in apart) <= len(given_up(caplog)), apart


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds, checked every 10 ms: what it watches lives in another
    process (Redis, a server's log), which has no event to wait on. The deadline is checked
    between tries, not enforced by cancelling one: redis-py can swallow a cancellation, and
    the wait then never ends."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, f"timed out after {timeout}s"
        await asyncio.sleep(0.01)


@pytest_asyncio.fixture
async def limiters() -> AsyncIterator[Callable[..., RedisRateLimiter]]:
    """Builds limiters and closes their connections afterwards."""
    made: list[RedisRateLimiter] = []

    def make(url: str, **kw: object) -> RedisRateLimiter:
        limiter = RedisRateLimiter(url, **kw)  # type: ignore[arg-type]
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


Make = Callable[..., RedisRateLimiter]


# -- the shared schedule ---------------------------------------------------------------------
@pytest.mark.asyncio
async def test_limiters_sharing_a_key_get_n_slots_per_window_between_them(
    shared_redis: RedisServer, limiters: Make, caplog: pytest.LogCaptureFixture
) -> None:
    key = new_key()
    a, b = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    loop = asyncio.get_running_loop()
    started: list[float] = []

    async def one(limiter: RedisRateLimiter) -> None:
        await limiter.acquire()
        started.append(loop.time())

    caplog.set_level(logging.DEBUG, "actionnetwork_async.redis")
    await asyncio.gather(*(one(a if i % 2 else b) for i in range(12)))
    granted = await slots(shared_redis.url, key)
    assert len(granted) == 8  # the last 2N are kept
    assert_one_window_apart(granted, caplog)  # all asked at once: the schedule is full
    assert keep_the_rule(started)  # and nobody started ahead of the schedule on this machine


@pytest.mark.asyncio
@pytest.mark.parametrize("per_call", [False, True], ids=["limiter's max_wait", "call's max_wait"])
async def test_max_wait_refuses_at_once_and_takes_no_slot(
    shared_redis: RedisServer, limiters: Make, per_call: bool
) -> None:
    """The limiter's own bound, or one call's (``with_options(max_wait=)`` passes it)."""
    key = new_key()
    busy = limiters(shared_redis.url, key=key)
    for _ in range(4):
        await busy.acquire()  # the next slot is a window away
    before = await slots(shared_redis.url, key)
    hurried = limiters(shared_redis.url, key=key, **({} if per_call else {"max_wait": 0.5}))
    loop = asyncio.get_running_loop()
    asked = loop.time()
    with pytest.raises(LimiterTimeoutError, match=r"max_wait=0\.5s"):
        await (hurried.acquire(max_wait=0.5) if per_call else hurried.acquire())
    # Refused on Redis's answer, not after waiting max_wait out (nor for the slot, a window on):
    # a round trip, however busy the machine.
    assert loop.time() - asked < 0.5
    assert await slots(shared_redis.url, key) == before


@pytest.mark.asyncio
async def test_a_429_in_one_process_pauses_and_slows_every_process(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    hit, other = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    await hit.acquire()
    loop = asyncio.get_running_loop()
    told = loop.time()  # Redis runs the feedback after this, on its own clock
    # Two 429s for one burst of requests, sent half a second ago: one step only, in whichever
    # order Redis runs the two (each is sent in the background, concurrently).
    hit.on_rate_limited(0.4, sent_at=told - 0.5)
    hit.on_rate_limited(None, sent_at=told - 0.5)
    await hit.aclose()  # feedback is sent in the background; this waits for it
    kept = await state(shared_redis.url, key)
    assert float(kept["slowdown"]) == pytest.approx(BACKOFF_FACTOR, rel=0.01)
    # Retry-After, from when Redis heard of it (the step may be the other 429's, heard first)
    assert int(kept["not_before"]) - int(kept["penalized_at"]) >= 400_000
    await other.acquire()
    # The other process's slot is after the pause, on Redis's clock, and so was its start on
    # this machine's: Redis heard of the 429 after `told`.
    assert (await slots(shared_redis.url, key))[-1] >= int(kept["not_before"])
    assert loop.time() - told >= 0.4


@pytest.mark.asyncio
async def test_a_slot_given_up_goes_to_the_next_request_not_to_waste(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    leaving, staying = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    for _ in range(4):
        await leaving.acquire()
    # Four slots, or more: a start that would have come late gave its slot up and queued again.
    warm = (await slots(shared_redis.url, key))[-1]
    # A Retry-After of a minute puts the waiters' slots that far on, so that they are still
    # ahead when cancelled, however slow the machine.
    leaving.on_rate_limited(60, sent_at=asyncio.get_running_loop().time())
    await leaving.aclose()  # feedback is sent in the background; this waits for it
    waiters = [asyncio.create_task(leaving.acquire()) for _ in range(4)]

    async def reserved() -> bool:
        return len([s for s in await slots(shared_redis.url, key) if s > warm]) == 4

    await until(reserved)
    granted = await slots(shared_redis.url, key)
    for waiter in waiters:  # a stream that ended: its prefetched pages are not needed
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    await leaving.aclose()  # the slots are given back in the background: wait for that
    assert sorted(int(h) for h in (await state(shared_redis.url, key))["holes"].split()) == [
        s for s in granted if s > warm
    ]
    taking = asyncio.create_task(staying.acquire())

    async def taken() -> bool:
        return len((await state(shared_redis.url, key))["holes"].split()) == 3

    await until(taken)  # it took a slot given up, not a new one after them
    assert await slots(shared_redis.url, key) == granted
    taking.cancel()  # (its slot is a minute away)
    await asyncio.gather(taking, return_exceptions=True)


@pytest.mark.asyncio
async def test_a_waiter_behind_a_slot_given_up_moves_into_it(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    leaving, staying = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    for _ in range(4):
        await leaving.acquire()
    warm = (await slots(shared_redis.url, key))[-1]  # (more than four if one queued again)
    # A Retry-After of a minute puts the next slots that far on, so that the one cancelled is
    # still ahead when cancelled, however slow the machine.
    leaving.on_rate_limited(60, sent_at=asyncio.get_running_loop().time())
    await leaving.aclose()  # feedback is sent in the background; this waits for it

    async def reserved(count: int) -> bool:
        return len([s for s in await slots(shared_redis.url, key) if s > warm]) == count

    ahead = asyncio.create_task(leaving.acquire())  # the first slot after the pause
    await until(lambda: reserved(1))
    behind = [asyncio.create_task(staying.acquire()) for _ in range(4)]  # one is a window on
    await until(lambda: reserved(5))
    latest = (await slots(shared_redis.url, key))[-1]

    async def listening() -> bool:  # the doorbell is subscribed once per limiter and loop
        async with Redis.from_url(shared_redis.url, decode_responses=True) as client:
            channel = f"{key}:holes"
            return dict(await client.pubsub_numsub(channel)).get(channel, 0) == 2

    await until(listening)
    ahead.cancel()  # its slot is announced; the waiter with the latest slot moves into it

    async def moved() -> bool:  # the slot left free is now that waiter's own
        return (await state(shared_redis.url, key))["holes"] == str(latest)

    await until(moved)
    for waiter in behind:  # (their slots are a minute away)
        waiter.cancel()
    await asyncio.gather(*behind, return_exceptions=True)


class SlowReplies:
    """A TCP proxy in front of Redis that holds every second reply back by ``delay`` seconds:
    a busy machine, or a congested network, between the limiters and Redis."""

    def __init__(self, url: str) -> None:
        self._target = urlsplit(url)
        self.delay = 0.0
        self._replies = itertools.count()
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()
        self.url = ""

    async def __aenter__(self) -> SlowReplies:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        netloc = self._target.netloc.replace(f":{self._target.port}", f":{port}")
        self.url = self._target._replace(netloc=netloc).geturl()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._target.hostname is not None
        assert self._target.port is not None
        up_reader, up_writer = await asyncio.open_connection(
            self._target.hostname, self._target.port
        )
        for pump in (self._pump(reader, up_writer, False), self._pump(up_reader, writer, True)):
            task = asyncio.create_task(pump)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, replies: bool
    ) -> None:
        try:
            while chunk := await source.read(65536):
                if replies and next(self._replies) % 2:
                    await asyncio.sleep(self.delay)  # in order: the next waits behind it
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.close()


@pytest.mark.asyncio
async def test_an_answer_held_back_but_read_before_its_slot_still_starts_on_time(
    shared_redis: RedisServer, limiters: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """Every recent round trip places Redis's clock on this machine's (``ServerClock``), so a
    slot read 18 ms late (more than the 5 ms tolerance), but before the slot (checked 20 ms
    ahead), is not lost for that. (On a busy machine a slot may still be lost to a timer that
    fires late: the debug log tells the two apart.)"""
    key = new_key()
    loop = asyncio.get_running_loop()
    started: list[float] = []

    async def one(limiter: RedisRateLimiter) -> None:
        await limiter.acquire()
        started.append(loop.time())

    caplog.set_level(logging.DEBUG, "actionnetwork_async.redis")
    async with SlowReplies(shared_redis.url) as proxy:
        a, b = limiters(proxy.url, key=key), limiters(proxy.url, key=key)
        await asyncio.gather(*(one(a if i % 2 else b) for i in range(4)))  # quick answers
        proxy.delay = 0.018
        await asyncio.gather(*(one(a if i % 2 else b) for i in range(8)))
    # Timed from each answer alone, every answer held back would count its 18 ms as uncertainty
    # about Redis's clock, and lose its slot. Placed by the quick round trips around it, what
    # stays uncertain is their spread: well under half of that, however busy the machine
    # (which does make timers late, and so costs slots: that share is not the clock's).
    lost = given_up(caplog)
    unsure = [float(ms) for m in lost for ms in re.findall(r"\(([\d.]+) ms of it uncertainty", m)]
    assert all(ms < proxy.delay * 1e3 / 2 for ms in unsure), lost
    assert_one_window_apart(await slots(shared_redis.url, key), caplog)
    assert keep_the_rule(started)


# -- restarts and outages -------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_restart_voids_reservations_and_keeps_a_window_of_silence(
    redis_server: RedisServer, limiters: Make
) -> None:
    key = new_key()
    limiter = limiters(redis_server.url, key=key)
    for _ in range(4):
        await limiter.acquire()
    loop = asyncio.get_running_loop()
    # A Retry-After of a minute puts the waiters' slots far past the restart, however slow the
    # machine: none can start on a slot of the old run.
    limiter.on_rate_limited(60, sent_at=loop.time())
    await limiter.aclose()  # feedback is sent in the background; this waits for it
    paused = int((await state(redis_server.url, key))["not_before"])
    waiters = [asyncio.create_task(limiter.acquire()) for _ in range(4)]

    async def reserved() -> bool:
        return len([s for s in await slots(redis_server.url, key) if s >= paused]) == 4

    await until(reserved)
    restarting = loop.time()  # the new run starts after this
    await asyncio.to_thread(redis_server.restart)  # every reservation is forgotten
    await asyncio.wait_for(asyncio.gather(*waiters), 30)  # not a minute: they reserved again
    # The restart forgot the four starts just before it too, so without the guard the waiters
    # would start at once. With it, no slot of the new run comes sooner than a window (and
    # CONFIRM_AHEAD) after its start. (Taking Redis's uptime, counted in whole seconds of its
    # clock, at its word let them through up to a second early.)
    assert loop.time() - restarting >= WINDOW + CONFIRM_AHEAD
    assert len(await slots(redis_server.url, key)) >= 4  # reserved again, under the new run


@pytest.mark.asyncio
async def test_after_a_restart_nothing_starts_within_a_window_of_it_whatever_uptime_says(
    redis_server: RedisServer, limiters: Make
) -> None:
    limiter = limiters(redis_server.url, key=new_key())
    await limiter.acquire()  # a start just before the restart, which forgets it
    loop = asyncio.get_running_loop()
    restarting = loop.time()  # the new run starts after this
    await asyncio.to_thread(redis_server.restart)
    async with Redis.from_url(redis_server.url, decode_responses=True) as client:

        async def uptime_says_one_second() -> bool:  # whole seconds of the clock: early
            return int((await client.info("server"))["uptime_in_seconds"]) >= 1

        await until(uptime_says_one_second)
    await limiter.acquire()
    # A window (and CONFIRM_AHEAD) after the restart at the earliest: the start before it
    # may have been that recent.
    assert loop.time() - restarting >= WINDOW + CONFIRM_AHEAD


@pytest.mark.asyncio
async def test_unreachable_redis_fails_closed_with_a_clear_error_and_no_password(
    limiters: Make,
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    limiter = limiters(url, key=new_key(), unavailable_after=0)
    assert PASSWORD not in repr(limiter)
    async with (
        Emulator(seed=Seed(people=3), rate_limit=None) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=limiter) as an,
    ):
        with pytest.raises(LimiterUnavailableError) as caught:
            await an.hal.entry_point()
        assert emu.log == []  # nothing was sent without a slot
    message = str(caught.value)
    assert PASSWORD not in message
    assert "127.0.0.1" in message
    assert "fallback=" in message
    assert limiter.unavailable_for is not None


@pytest.mark.asyncio
async def test_requests_wait_out_a_short_outage(redis_server: RedisServer, limiters: Make) -> None:
    limiter = limiters(redis_server.url, key=new_key(), unavailable_after=30)
    await limiter.acquire()
    redis_server.stop()
    waiting = asyncio.create_task(limiter.acquire())

    async def noticed() -> bool:
        return limiter.unavailable_for is not None

    await until(noticed)
    await asyncio.to_thread(redis_server.start)
    await waiting  # no error: the outage was shorter than unavailable_after
    assert limiter.unavailable_for is None


@pytest.mark.asyncio
async def test_fallback_goes_on_locally_with_a_warning_then_back_to_redis(
    limiters: Make, caplog: pytest.LogCaptureFixture
) -> None:
    require_redis()
    server = RedisServer(password=PASSWORD)  # not started yet: unreachable
    fallback = SlidingWindowLimiter(2.0)
    key = new_key()
    limiter = limiters(server.url, key=key, unavailable_after=0, fallback=fallback)
    caplog.set_level(logging.WARNING, logger="actionnetwork_async.redis")
    try:
        async with (
            Emulator(seed=Seed(people=3), rate_limit=None) as emu,
            ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=limiter) as an,
        ):
            await an.hal.entry_point()
            await an.hal.get("people")
            assert emu.count() == 2  # served by the fallback
            assert len(fallback.schedule.starts) == 2
            assert "fallback" in caplog.text
            assert PASSWORD not in caplog.text
            await asyncio.to_thread(server.start)

            async def back() -> bool:
                await an.hal.get("people")
                return "answers again" in caplog.text

            await until(back, timeout=5 * RECHECK_INTERVAL)
            assert await slots(server.url, key)  # the shared schedule is in use again
    finally:
        server.close()


# -- the clients' ways in --------------------------------------------------------------------
@pytest.mark.asyncio
async def test_the_redis_variable_shares_one_limit_per_api_key_without_naming_the_key(
    shared_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REDIS_URL_ENV, shared_redis.url)
    async with ActionNetwork("key-one", base_url="http://127.0.0.1:9/") as an:
        limiter = an.limiter
        assert isinstance(limiter, RedisRateLimiter)
        assert limiter.key == rate_limit_key("key-one", "http://127.0.0.1:9/")
        assert "key-one" not in limiter.key
        assert limiter.key != rate_limit_key("key-two", "http://127.0.0.1:9/")
        assert limiter.key != rate_limit_key("key-one", "http://127.0.0.1:10/")
    alone = RedisRateLimiter.for_api_key(
        shared_redis.url, "key-one", "http://127.0.0.1:9/api/v2/", max_wait=1.0
    )
    assert alone.key == limiter.key  # the same limit, built without a client
    async with ActionNetwork("key-one", base_url="http://127.0.0.1:9/", rate_limit=alone) as an:
        assert an.limiter is alone
        assert alone.max_wait == 1.0
    async with ActionNetwork("key-one", base_url="http://127.0.0.1:9/", rate_limit=None) as an:
        assert not isinstance(an.limiter, RedisRateLimiter)  # no limit: nothing to share


def test_misconfiguration_is_a_configuration_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="API key"):
        RedisRateLimiter.for_api_key("redis://localhost/0", "")
    with pytest.raises(ConfigurationError) as caught:
        RedisRateLimiter(f"http://:{PASSWORD}@localhost/", key="k")
    assert PASSWORD not in str(caught.value)
    with pytest.raises(ConfigurationError, match="key"):
        RedisRateLimiter("redis://localhost/0", key="")
    monkeypatch.setitem(sys.modules, "redis", None)  # as if the extra were not installed
    with pytest.raises(ConfigurationError, match=r"actionnetwork-async\[redis\]"):
        RedisRateLimiter("redis://localhost/0", key="k")


def test_the_core_never_imports_redis() -> None:
    code = "import sys, actionnetwork_async, actionnetwork_async.sync, actionnetwork_async.cli; "
    code += "sys.exit('redis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_blocking_clients_share_a_limiter_built_in_another_thread(
    shared_redis: RedisServer,
) -> None:
    with serve_in_thread(Emulator(seed=Seed(people=10), rate_limit=4.0)) as emu:
        # Built where no loop runs: it connects on each client's loop when first used. The
        # key is the one the variable makes a client derive, so the third shares the limit too.
        key = rate_limit_key(emu.api_key, emu.base_url)
        limiter = RedisRateLimiter(shared_redis.url, key=key)
        with (
            sync.ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=limiter) as one,
            sync.ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=limiter) as two,
        ):
            assert len(list(one.people.list())) == 10
            assert len(list(two.people.list())) == 10
        with pytest.MonkeyPatch.context() as env:
            env.setenv(REDIS_URL_ENV, shared_redis.url)
            with sync.ActionNetwork(emu.api_key, base_url=emu.base_url) as three:
                assert len(list(three.people.list())) == 10
        assert emu.count(status=429) == 0
    assert asyncio.run(slots(shared_redis.url, key))
