"""RedisRateLimiter against a real redis-server: the shared schedule, feedback, back-pressure,
restarts, outages, and the clients' ways in. (Several processes: test_redis_processes.py.)"""

from __future__ import annotations

import asyncio
import itertools
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from actionnetwork_async import (
    DEFAULT_MARGIN,
    REDIS_URL_ENV,
    ActionNetwork,
    ConfigurationError,
    LimiterTimeoutError,
    LimiterUnavailableError,
    RedisRateLimiter,
    SlidingWindowLimiter,
    rate_limit_key,
    sync,
)
from actionnetwork_async.limiter import BACKOFF_FACTOR, LATE_START_TOLERANCE
from actionnetwork_async.redis import CONFIRM_AHEAD, RECHECK_INTERVAL
from actionnetwork_async.testing import Emulator, RedisServer, serve_in_thread
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


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds, checked every 10 ms: what it watches lives in another
    process (Redis, a server's log), which has no event to wait on."""

    async def poll() -> None:
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


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
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    a, b = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    loop = asyncio.get_running_loop()
    started: list[float] = []

    async def one(limiter: RedisRateLimiter) -> None:
        await limiter.acquire()
        started.append(loop.time())

    await asyncio.gather(*(one(a if i % 2 else b) for i in range(12)))
    granted = await slots(shared_redis.url, key)
    assert len(granted) == 8  # the last 2N are kept
    # All asked at once: each of the last four is one window after the one four before it
    # (Redis's clock, to the microsecond).
    assert [b - a for a, b in zip(granted, granted[4:], strict=False)] == [WINDOW_US] * 4
    started.sort()  # and nobody started before its slot, on this machine's clock either
    assert all(
        b - a >= WINDOW - LATE_START_TOLERANCE for a, b in zip(started, started[4:], strict=False)
    )


@pytest.mark.asyncio
async def test_max_wait_refuses_at_once_and_takes_no_slot(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    busy = limiters(shared_redis.url, key=key)
    for _ in range(4):
        await busy.acquire()  # the next slot is a window away
    before = await slots(shared_redis.url, key)
    hurried = limiters(shared_redis.url, key=key, max_wait=0.5)
    loop = asyncio.get_running_loop()
    asked = loop.time()
    with pytest.raises(LimiterTimeoutError, match=r"max_wait=0\.5s"):
        await hurried.acquire()
    assert loop.time() - asked < 0.2
    assert await slots(shared_redis.url, key) == before


@pytest.mark.asyncio
async def test_a_429_in_one_process_pauses_and_slows_every_process(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    hit, other = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    await hit.acquire()
    loop = asyncio.get_running_loop()
    hit.on_rate_limited(0.4, sent_at=loop.time() - 0.05)
    hit.on_rate_limited(None, sent_at=loop.time() - 0.06)  # the same burst: one step only
    await hit.aclose()  # feedback is sent in the background; this waits for it
    kept = await state(shared_redis.url, key)
    assert float(kept["slowdown"]) == pytest.approx(BACKOFF_FACTOR, rel=0.01)
    asked = loop.time()
    await other.acquire()
    assert loop.time() - asked >= 0.4 - LATE_START_TOLERANCE  # Retry-After held for it too


@pytest.mark.asyncio
async def test_a_slot_given_up_goes_to_the_next_request_not_to_waste(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    leaving, staying = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    for _ in range(4):
        await leaving.acquire()
    waiters = [asyncio.create_task(leaving.acquire()) for _ in range(4)]

    async def reserved() -> bool:
        return len(await slots(shared_redis.url, key)) == 8

    await until(reserved)
    granted = await slots(shared_redis.url, key)
    for waiter in waiters:  # a stream that ended: its prefetched pages are not needed
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)
    await leaving.aclose()  # the slots are given back in the background: wait for that
    assert (
        sorted(int(h) for h in (await state(shared_redis.url, key))["holes"].split())
        == (granted[4:])
    )
    await staying.acquire()  # takes a slot given up, not a new one after them
    assert await slots(shared_redis.url, key) == granted
    assert len((await state(shared_redis.url, key))["holes"].split()) == 3


@pytest.mark.asyncio
async def test_a_waiter_behind_a_slot_given_up_moves_into_it(
    shared_redis: RedisServer, limiters: Make
) -> None:
    key = new_key()
    leaving, staying = limiters(shared_redis.url, key=key), limiters(shared_redis.url, key=key)
    for _ in range(4):
        await leaving.acquire()
    first = (await slots(shared_redis.url, key))[0]

    async def reserved(windows: int) -> bool:
        return (await slots(shared_redis.url, key))[-1] == first + windows * WINDOW_US

    ahead = asyncio.create_task(leaving.acquire())  # the slot one window on
    await until(lambda: reserved(1))
    behind = [asyncio.create_task(staying.acquire()) for _ in range(4)]  # one is 2 windows on
    await until(lambda: reserved(2))

    async def listening() -> bool:  # the doorbell is subscribed once per limiter and loop
        async with Redis.from_url(shared_redis.url, decode_responses=True) as client:
            channel = f"{key}:holes"
            return dict(await client.pubsub_numsub(channel)).get(channel, 0) == 2

    await until(listening)
    ahead.cancel()  # its slot is announced; the waiter two windows on moves into it

    async def moved() -> bool:  # the slot left free is now the one two windows on
        return (await state(shared_redis.url, key))["holes"] == str(first + 2 * WINDOW_US)

    await until(moved)
    await asyncio.gather(*behind)


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
    slot read 12 ms late (more than the 5 ms tolerance), but before the slot, is not lost."""
    key = new_key()
    loop = asyncio.get_running_loop()
    started: list[float] = []

    async def one(limiter: RedisRateLimiter) -> None:
        await limiter.acquire()
        started.append(loop.time())

    async with SlowReplies(shared_redis.url) as proxy:
        a, b = limiters(proxy.url, key=key), limiters(proxy.url, key=key)
        await asyncio.gather(*(one(a if i % 2 else b) for i in range(4)))  # quick answers
        last = (await slots(shared_redis.url, key))[-1]
        proxy.delay = 0.012
        caplog.set_level(logging.DEBUG, "actionnetwork_async.redis")
        await asyncio.gather(*(one(a if i % 2 else b) for i in range(8)))
    assert [r.getMessage() for r in caplog.records if "late" in r.getMessage()] == []
    # No slot was given up: the eight took the next two windows, to the microsecond.
    assert (await slots(shared_redis.url, key))[-1] == last + 2 * WINDOW_US
    started.sort()
    assert all(
        b - a >= WINDOW - LATE_START_TOLERANCE for a, b in zip(started, started[4:], strict=False)
    )


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
    waiters = [asyncio.create_task(limiter.acquire()) for _ in range(4)]

    async def reserved() -> bool:
        return len(await slots(redis_server.url, key)) == 8

    await until(reserved)
    await asyncio.to_thread(redis_server.restart)  # every reservation is forgotten
    restarted = loop.time()
    await asyncio.gather(*waiters)
    # The waiters' slots were a window after the first four; the restart forgot both, so
    # without the guard they would start at once, or the next four with them. (Taking Redis's
    # uptime, counted in whole seconds of its clock, at its word let them through up to a
    # second early.)
    assert loop.time() - restarted >= WINDOW + CONFIRM_AHEAD - LATE_START_TOLERANCE
    assert len(await slots(redis_server.url, key)) == 4  # reserved again, under the new run


@pytest.mark.asyncio
async def test_after_a_restart_nothing_starts_within_a_window_of_it_whatever_uptime_says(
    redis_server: RedisServer, limiters: Make
) -> None:
    limiter = limiters(redis_server.url, key=new_key())
    await limiter.acquire()  # a start just before the restart, which forgets it
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(redis_server.restart)
    restarted = loop.time()
    async with Redis.from_url(redis_server.url, decode_responses=True) as client:

        async def uptime_says_one_second() -> bool:  # whole seconds of the clock: early
            return int((await client.info("server"))["uptime_in_seconds"]) >= 1

        await until(uptime_says_one_second)
    await limiter.acquire()
    # A window (and CONFIRM_AHEAD) after the restart at the earliest: the start before it
    # may have been that recent.
    assert loop.time() - restarted >= WINDOW + CONFIRM_AHEAD - LATE_START_TOLERANCE


@pytest.mark.asyncio
async def test_unreachable_redis_fails_closed_with_a_clear_error_and_no_password(
    limiters: Make,
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    limiter = limiters(url, key=new_key(), unavailable_after=0)
    assert PASSWORD not in repr(limiter)
    async with (
        Emulator(people=3, rate_limit=None) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, limiter=limiter) as an,
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
            Emulator(people=3, rate_limit=None) as emu,
            ActionNetwork(emu.api_key, base_url=emu.base_url, limiter=limiter) as an,
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
async def test_redis_url_shares_one_limit_per_api_key_without_naming_the_key(
    shared_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ActionNetwork(
        "key-one", base_url="http://127.0.0.1:9/", redis_url=shared_redis.url
    ) as an:
        limiter = an.limiter
        assert isinstance(limiter, RedisRateLimiter)
        assert limiter.key == rate_limit_key("key-one", "http://127.0.0.1:9/")
        assert "key-one" not in limiter.key
        assert limiter.key != rate_limit_key("key-two", "http://127.0.0.1:9/")
        assert limiter.key != rate_limit_key("key-one", "http://127.0.0.1:10/")
    monkeypatch.setenv(REDIS_URL_ENV, shared_redis.url)
    async with ActionNetwork("key-one", base_url="http://127.0.0.1:9/", max_wait=1.0) as an:
        assert isinstance(an.limiter, RedisRateLimiter)
        assert an.limiter.max_wait == 1.0
    async with ActionNetwork("key-one", base_url="http://127.0.0.1:9/", rate_limit=None) as an:
        assert not isinstance(an.limiter, RedisRateLimiter)  # no limit: nothing to share


def test_misconfiguration_is_a_configuration_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="redis_url"):
        ActionNetwork("k", limiter=SlidingWindowLimiter(), redis_url="redis://localhost/0")
    with pytest.raises(ConfigurationError, match="rate_limit=None"):
        ActionNetwork("k", rate_limit=None, redis_url="redis://localhost/0")
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
    with serve_in_thread(Emulator(people=10, rate_limit=4.0)) as emu:
        # Built where no loop runs: it connects on each client's loop when first used. The
        # key is the one redis_url= derives, so the third client shares the limit too.
        key = rate_limit_key(emu.api_key, emu.base_url)
        limiter = RedisRateLimiter(shared_redis.url, key=key)
        with (
            sync.ActionNetwork(emu.api_key, base_url=emu.base_url, limiter=limiter) as one,
            sync.ActionNetwork(emu.api_key, base_url=emu.base_url, limiter=limiter) as two,
        ):
            assert len(list(one.people.list())) == 10
            assert len(list(two.people.list())) == 10
        with sync.ActionNetwork(
            emu.api_key, base_url=emu.base_url, redis_url=shared_redis.url
        ) as three:
            assert len(list(three.people.list())) == 10
        assert emu.count(status=429) == 0
    assert asyncio.run(slots(shared_redis.url, key))
