"""Fitting into a service: a client with other options over the same session and limiter
(``with_options``), and a readiness check (``ping``)."""

from __future__ import annotations

import asyncio

import pytest

from actionnetwork_async import (
    AuthenticationError,
    ClientClosedError,
    LimiterTimeoutError,
    StatusError,
)
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.sync import ActionNetwork as Blocking
from actionnetwork_async.testing import Emulator, Quirks, Seed, Timing, serve_in_thread

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio


@pytest.mark.looptime
async def test_with_options_fails_fast_on_the_busy_shared_limiter_while_the_base_queues(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=5), rate_limit=4.0, timing=Timing(arrival_jitter=0.05)
    ) as emu:
        an = make_client(emu, rate_limit=4.0)
        fast = an.with_options(max_wait=0.1)
        assert fast.limiter is an.limiter  # one limiter
        queued = [asyncio.ensure_future(an.hal.get("people")) for _ in range(12)]
        await asyncio.sleep(0)  # the base client's requests take their places in the queue
        loop = asyncio.get_running_loop()
        asked = loop.time()
        with pytest.raises(LimiterTimeoutError, match=r"max_wait=0\.1"):
            await fast.hal.get("people")
        assert loop.time() - asked < 0.1  # refused at once, taking no slot
        await asyncio.gather(*queued)  # the base client waited its turn
        assert len(emu.log) == 12  # the refused request took no slot and sent nothing
        assert all(r.status == 200 for r in emu.log)  # no 429: the server's count
        assert emu.max_in_window(1.0) <= 4


async def test_with_options_shares_the_session_and_keeps_its_own_retry_and_timeout(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=2), rate_limit=None) as emu:
        an = make_client(emu)
        once = an.with_options(retry=RetryPolicy(max_tries=1), timeout=5.0)
        await an.hal.get("people")
        assert once._transport.session is an._transport.session  # no second session
        emu.add_fault("status", path="people", status=503)
        with pytest.raises(StatusError):
            await once.hal.get("people")  # not retried
        emu.add_fault("status", path="people", status=503)
        await an.hal.get("people")  # the base client retries
        assert an.stats.retries == 1
        assert once.stats.retries == 0


async def test_closing_a_derived_client_closes_nothing_shared(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=2), rate_limit=None) as emu:
        an = make_client(emu)
        derived = an.with_options(max_wait=None)
        await derived.hal.get("people")
        await derived.aclose()
        with pytest.raises(ClientClosedError):
            await derived.hal.get("people")
        await an.hal.get("people")  # the base client and its session go on
        other = an.with_options(timeout=3.0)
        await an.aclose()
        with pytest.raises(ClientClosedError):
            await other.hal.get("people")  # closing the base ends every client made from it


async def test_ping_reads_the_entry_point_afresh_through_the_limiter(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=1), rate_limit=None) as emu:
        an = make_client(emu)
        await an.hal.entry_point()  # cached by the walker: ping does not use the cache
        before = len(emu.log)
        ready = await an.ping()
        assert len(emu.log) == before + 1
        assert ready.latency >= 0
        assert {"people", "events", "tags", "petitions"} <= set(ready.collections)
        assert "osdi:people" in ready.rels
        assert an.stats.attempts == 2  # the ping went through the transport and its limiter


async def test_ping_with_a_wrong_key_is_an_authentication_error(
    make_client: ClientFactory,
) -> None:
    async with Emulator(quirks=Quirks(lenient_entry_point=True), rate_limit=None) as emu:
        an = make_client(emu, api_key="not-the-key-0123456789")
        with pytest.raises(AuthenticationError):
            await an.ping()  # 200 with no collection links: the API's answer to a wrong key


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")
def test_the_blocking_client_has_with_options_and_ping() -> None:
    with (
        serve_in_thread(Emulator(seed=Seed(people=3), rate_limit=None)) as emu,
        Blocking(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        fast = an.with_options(max_wait=0.5)
        assert [p.id for p in fast.people.list()] == emu.ids("people")
        assert "people" in an.ping().collections
        fast.close()
        assert len(an.people.get(emu.ids("people")[0]).id) > 0  # the base goes on
