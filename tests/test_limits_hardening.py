"""Issue 20, items 1, 20 and 4: no pause stalls the client, appends to one list from several
clients lose nothing, and slots of callers that gave up during a Redis stall are not wasted.
The emulator's log and state are the judge."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV, RateLimitError
from actionnetwork_async.client import REDIS_URL_ENV
from actionnetwork_async.errors import LimiterError
from actionnetwork_async.limits import DEFAULT_MARGIN, RedisRateLimiter, RetryPolicy
from actionnetwork_async.testing import Emulator, RedisServer, Seed, Timing, serve_in_thread
from actionnetwork_async.testing.emulator import RequestRecord

from .conftest import ClientFactory


def _shared(
    url: str, emu: Emulator, *, rate: float = 4.0, max_wait: float | None = None
) -> RedisRateLimiter:
    """The limiter every client of the emulator's key shares through the Redis at ``url``."""
    return RedisRateLimiter.for_api_key(
        url, emu.api_key, emu.base_url, rate=rate, max_wait=max_wait
    )


WINDOW = 1 + DEFAULT_MARGIN
HUGE_RETRY_AFTERS = ["99999999", "1e308", "Fri, 31 Dec 9999 23:59:59 GMT"]


def no_jitter(delay: float) -> float:
    return delay


# -- item 1: a huge Retry-After ---------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.looptime
@pytest.mark.parametrize("retry_after", HUGE_RETRY_AFTERS)
async def test_a_huge_retry_after_pauses_the_local_limiter_max_retry_after_at_most(
    make_client: ClientFactory, retry_after: str
) -> None:
    async with Emulator(seed=Seed(people=3), rate_limit=None) as emu:
        cap = 5.0
        an = make_client(
            emu, rate_limit=4.0, retry=RetryPolicy(max_retry_after=cap, jitter=no_jitter)
        )
        person = emu.ids("people")[0]
        emu.add_fault("status", status=429, retry_after=retry_after, path=f"people/{person}")
        loop = asyncio.get_running_loop()
        asked = loop.time()
        with pytest.raises(RateLimitError):
            await an.people.get(person)
        assert loop.time() - asked < 0.1  # raised at once, not waited out
        # A later request waits the capped pause, no more (bounded, so HEAD fails, not hangs).
        await asyncio.wait_for(an.people.get(person), timeout=cap + 30)
        refused, later = _to(emu, person)
        assert refused.status == 429
        assert later.status == 200
        assert later.start - refused.start <= cap + WINDOW


@pytest.mark.asyncio
@pytest.mark.parametrize("retry_after", HUGE_RETRY_AFTERS)
async def test_a_huge_retry_after_pauses_every_client_sharing_redis_max_retry_after_at_most(
    make_client: ClientFactory,
    shared_redis: RedisServer,
    retry_after: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The built-in Redis limiter (the variable set): its pause is capped by the retry policy's.
    monkeypatch.setenv(REDIS_URL_ENV, shared_redis.url)
    async with Emulator(seed=Seed(people=3), rate_limit=None) as emu:
        cap = 1.0
        policy = RetryPolicy(max_retry_after=cap, jitter=no_jitter)
        first = make_client(emu, rate_limit=4.0, retry=policy)
        person = emu.ids("people")[0]
        emu.add_fault("status", status=429, retry_after=retry_after, path=f"people/{person}")
        with pytest.raises(RateLimitError):
            await first.people.get(person)
        assert isinstance(first.limiter, RedisRateLimiter)
        await first.limiter.aclose()  # the pause reaches Redis (sent in the background)
        kept = await _state(shared_redis.url, first.limiter.key)
        paused_for = (int(kept["not_before"]) - int(kept["penalized_at"])) / 1e6
        assert paused_for <= cap + 0.01  # capped in Redis too, not ~31 years
        # A client started later on the same key, and the first one again: both proceed.
        later = make_client(emu, rate_limit=4.0, retry=policy)
        await asyncio.wait_for(
            asyncio.gather(later.people.get(person), first.people.get(person)), timeout=30
        )
        refused, *after = _to(emu, person)
        assert refused.status == 429
        assert [r.status for r in after] == [200, 200]
        assert max(r.start for r in after) - refused.start <= cap + 2 * WINDOW + 0.5


@pytest.mark.asyncio
async def test_a_huge_pause_kept_through_a_redis_restart_is_capped(
    shared_redis: RedisServer,
) -> None:
    key = "test:hardening:restart-pause"
    async with Redis.from_url(shared_redis.url, decode_responses=True) as redis:
        seconds, _ = await redis.time()
        # Written by another server run (an epoch not this server's), 31 years ahead.
        await redis.hset(
            key,
            mapping={
                "epoch": "0" * 40,
                "starts": "",
                "not_before": str((seconds + 10**9) * 1_000_000),
                "slowdown": "1",
                "penalized_at": "0",
                "holes": "",
            },
        )
    limiter = RedisRateLimiter(shared_redis.url, key=key, max_pause=1.0)
    try:
        loop = asyncio.get_running_loop()
        asked = loop.time()
        await asyncio.wait_for(limiter.acquire(), timeout=30)
        assert loop.time() - asked <= 1.0 + WINDOW + 0.5
    finally:
        await limiter.aclose()


def _to(emu: Emulator, person: str) -> list[RequestRecord]:
    """The emulator's log of the requests for one person, in order."""
    return [r for r in emu.log if r.path.endswith(f"/people/{person}")]


async def _state(url: str, key: str) -> dict[str, str]:
    async with Redis.from_url(url, decode_responses=True) as client:
        return {str(k): str(v) for k, v in (await client.hgetall(key)).items()}


# -- item 20: appends to one list from several clients ----------------------------------------
@pytest.mark.asyncio
async def test_two_clients_sharing_redis_append_to_one_list_at_once_and_lose_no_id(
    make_client: ClientFactory, shared_redis: RedisServer
) -> None:
    async with Emulator(
        seed=Seed(people=40, unique_id_lists=1), timing=Timing(list_latency=0.05), rate_limit=None
    ) as emu:
        target = emu.ids("unique_id_lists")[0]
        before = list(emu.state.list_ids[target])
        people = emu.ids("people")
        one = make_client(emu, rate_limit=_shared(shared_redis.url, emu, rate=1000.0))
        two = make_client(emu, rate_limit=_shared(shared_redis.url, emu, rate=1000.0))
        await asyncio.wait_for(
            asyncio.gather(
                one.unique_id_lists.append(target, people[:20], chunk_size=4),
                two.unique_id_lists.append(target, people[20:], chunk_size=4),
            ),
            timeout=60,
        )
        assert emu.list_conflicts == 0
        assert emu.max_list_changes_at_once == 1
        kept = emu.state.list_ids[target]
        assert sorted(kept) == sorted(before + people)
        # Each client's chunks landed in its own order, one change after another.
        added = kept[len(before) :]
        assert [i for i in added if i in people[:20]] == people[:20]
        assert [i for i in added if i in people[20:]] == people[20:]


@pytest.mark.asyncio
async def test_a_shared_list_lock_lost_while_held_stops_the_holder(
    shared_redis: RedisServer,
) -> None:
    from actionnetwork_async.errors import LockLostError
    from actionnetwork_async.redis_lock import RedisLocks

    locks = RedisLocks(shared_redis.url, lease=0.5)
    other = RedisLocks(shared_redis.url, lease=0.5)
    name = "test:hardening:lost-lock"
    try:
        async with locks.lock(name) as held:
            held.check()  # held: no error
            # The key is taken away (as a restart that lost it, then another holder, would).
            async with Redis.from_url(shared_redis.url) as redis:
                await redis.set(name, "someone-else")
            # The next renewal notices, within a third of the lease.
            await asyncio.wait_for(held.lost_event.wait(), timeout=5)
            with pytest.raises(LockLostError):
                held.check()
        # Leaving did not delete someone else's lock.
        async with Redis.from_url(shared_redis.url, decode_responses=True) as redis:
            assert await redis.get(name) == "someone-else"
            await redis.delete(name)
        async with other.lock(name) as second:
            second.check()
    finally:
        await locks.aclose()
        await other.aclose()


GATED_CLI = (
    "import sys; from actionnetwork_async.cli import main; "
    "print('ready', flush=True); sys.stdin.readline(); sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_two_command_line_appends_to_one_list_at_once_lose_no_id(tmp_path: Path) -> None:
    # Each append is one request the emulator takes a second over: started together, the two
    # overlap unless one waits for the other.
    emulator = Emulator(
        seed=Seed(people=40, unique_id_lists=1), timing=Timing(list_latency=1.0), rate_limit=None
    )
    with serve_in_thread(emulator) as emu:
        target = emu.ids("unique_id_lists")[0]
        before = list(emu.state.list_ids[target])
        people = emu.ids("people")
        halves = [people[:20], people[20:]]
        env = {k: v for k, v in os.environ.items() if k != REDIS_URL_ENV}
        env |= {API_KEY_ENV: emu.api_key, BASE_URL_ENV: emu.base_url}
        env |= {"XDG_RUNTIME_DIR": str(tmp_path), "TMPDIR": str(tmp_path)}
        processes = []
        for n, ids in enumerate(halves):
            source = tmp_path / f"{n}.txt"
            source.write_text("\n".join(ids) + "\n")
            processes.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-c", GATED_CLI, "unique-id-lists", "append", target),
                        *("--from", str(source), "--quiet"),
                    ],
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline() == b"ready\n"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            process.stdin.flush()
        for process in processes:
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err.decode()
        assert emu.list_conflicts == 0
        assert sorted(emu.state.list_ids[target]) == sorted(before + people)
        # The lock file is this user's, named by a hash: neither the key nor the list id.
        (directory,) = tmp_path.glob("actionnetwork-async-*")
        assert directory.stat().st_mode & 0o777 == 0o700
        for lock in directory.iterdir():
            assert emu.api_key not in lock.name
            assert target not in lock.name


# -- item 4: a Redis stall leaves no dead bookings ---------------------------------------------
@pytest.mark.asyncio
@pytest.mark.slow  # real time, judged to the second: run where nothing else competes
@pytest.mark.xdist_group("processes")
async def test_slots_of_callers_that_gave_up_during_a_redis_stall_are_not_booked(
    make_client: ClientFactory, redis_server: RedisServer
) -> None:
    # The limit is judged on the log (a 429 from this machine's scheduling noise would add a
    # retry's delay and blur what is measured).
    async with Emulator(seed=Seed(people=3), rate_limit=None) as emu:
        person = emu.ids("people")[0]
        url = redis_server.url
        hurried = make_client(emu, rate_limit=_shared(url, emu, max_wait=1.5))
        impatient = make_client(emu, rate_limit=_shared(url, emu))
        # Both know where Redis's clock stands before it stalls, and have connections open to
        # it (one per request at once), so each caller's call reaches the stalled server.
        await asyncio.gather(*(hurried.people.get(person) for _ in range(4)))
        await asyncio.gather(*(impatient.people.get(person) for _ in range(6)))
        loop = asyncio.get_running_loop()
        redis_server.pause()
        try:
            # Six callers are cancelled after half a second, four more give up at max_wait:
            # each sent calls that Redis will run only when it resumes.
            cancelled = [
                asyncio.wait_for(impatient.people.get(person), timeout=0.5) for _ in range(6)
            ]
            bounded = [hurried.people.get(person) for _ in range(4)]
            outcomes = await asyncio.wait_for(
                asyncio.gather(*cancelled, *bounded, return_exceptions=True), timeout=30
            )
            assert all(isinstance(o, (asyncio.TimeoutError, LimiterError)) for o in outcomes)
        finally:
            redis_server.resume()
        resumed = loop.time()
        before = len(emu.log)
        # A process started now gets the full rate at once: nothing booked for those that left.
        fresh = make_client(emu, rate_limit=_shared(url, emu))
        await asyncio.wait_for(
            asyncio.gather(*(fresh.people.get(person) for _ in range(8))), timeout=30
        )
        starts = sorted(r.start for r in emu.log[before:])
        assert len(starts) == 9  # the new client reads the entry point first
        assert starts[3] - resumed <= 1.5, [round(s - resumed, 3) for s in starts]
        assert starts[4] - starts[0] >= 1.0  # and the limit held: 4 in any second
