"""Retries, typed errors and secrets, against injected faults on loopback."""

from __future__ import annotations

import logging

import pytest

from actionnetwork_async import (
    AuthenticationError,
    ConnectError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
)
from actionnetwork_async.errors import DecodeError
from actionnetwork_async.testing import Emulator, Seed

from .conftest import ClientFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.looptime]


async def test_faults_mid_stream_still_yield_every_item_exactly_once(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=100), rate_limit=4) as emu:
        emu.add_fault("status", path="people", status=429, retry_after="2", count=1)
        emu.add_fault("status", path="people", status=503, count=1)
        emu.add_fault("reset", path="people", count=1)
        an = make_client(emu, rate_limit=4.0, prefetch=3)
        first = await an.hal.get("people")  # clean: the faults hit the pages after it
        got = [p.identifier() async for p in an.hal.iterate(first)]
        assert got == emu.ids("people")
        assert emu.count(status=429) == 1  # the injected one: retries never overran the limit
        assert emu.count(status=503) == 1
        assert emu.max_in_window(1.0) <= 4
        assert an.stats.retries == 3
        assert an.stats.transport_errors == 1
        # Retry-After: 2 was honoured: the retry of that page came >= 2 s after the 429
        refused = next(r for r in emu.log if r.status == 429)
        again = next(r for r in emu.log if r.start > refused.start and r.query == refused.query)
        assert again.start - refused.start >= 2.0


async def test_404_raises_after_exactly_one_request(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    with pytest.raises(NotFoundError) as info:
        await an.hal.get("people/does-not-exist")
    assert len(emu.log) == 1
    assert info.value.status == 404
    assert info.value.url == emu.base_url + "people/does-not-exist"
    assert "does-not-exist" in info.value.message


async def test_bad_key_raises_authentication_error_without_the_key(
    emu: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "wrong-key-0a1b2c3d4e5f6a7b"
    an = make_client(emu, api_key=secret)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as info:
        await an.hal.get()
    assert info.value.status == 403
    assert info.value.message == "API Key invalid or not present"
    assert len(emu.log) == 1  # never retried
    for text in (str(info.value), repr(info.value), repr(an), repr(an._transport), caplog.text):
        assert secret not in text


async def test_exhausted_retries_raise_the_typed_error(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu, max_tries=3)
    emu.add_fault("status", status=429, count=3)
    with pytest.raises(RateLimitError):
        await an.hal.get()
    emu.add_fault("status", status=502, count=3)
    with pytest.raises(ServerError) as info:
        await an.hal.get()
    assert info.value.status == 502
    emu.add_fault("reset", count=3)
    with pytest.raises(TransportError):
        await an.hal.get()
    emu.add_fault("truncate", count=3)
    with pytest.raises(DecodeError):
        await an.hal.get()
    assert len(emu.log) == 12


async def test_truncated_body_on_get_is_retried(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    emu.add_fault("truncate", count=1)
    aep = await an.hal.get()
    assert aep.has_link("osdi:people")
    assert len(emu.log) == 2


async def test_post_is_not_retried_after_a_5xx_or_reset_but_is_after_a_429(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    emu.add_fault("status", path="tags", status=503)
    with pytest.raises(ServerError):
        await an.hal.post("tags", {"name": "a"})
    assert len(emu.log) == 1
    emu.add_fault("reset", path="tags")
    with pytest.raises(OutcomeUnknownError) as info:
        await an.hal.post("tags", {"name": "b"})
    assert info.value.request_sent is True
    assert len(emu.log) == 2
    emu.add_fault("status", path="tags", status=429, retry_after="1")
    created = await an.hal.post("tags", {"name": "c"})
    assert created is not None
    assert len(emu.log) == 4
    assert [t["name"] for t in emu.state["tags"].values()] == ["c"]


async def test_connection_refused_is_a_connect_error(make_client: ClientFactory) -> None:
    async with Emulator() as emu:
        port_url = emu.base_url
    an = make_client(emu, max_tries=2)  # the server is gone: nothing listens on that port
    assert an.base_url == port_url
    with pytest.raises(ConnectError) as info:
        await an.hal.post("tags", {"name": "x"})
    assert info.value.request_sent is False
    assert an.stats.retries == 1  # a POST that was never sent is safe to retry


async def test_timeouts_retry_a_get_but_never_a_post(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu, timeout=1.0, max_tries=2)
    emu.add_fault("latency", delay=5.0, count=1)
    aep = await an.hal.get()  # the first attempt times out, the retry succeeds
    assert aep.has_link("osdi:people")
    assert an.stats.retries == 1
    emu.add_fault("latency", path="tags", delay=5.0, count=2)
    with pytest.raises(OutcomeUnknownError, match="may have been processed") as info:
        await an.hal.post("tags", {"name": "maybe created"})
    assert isinstance(info.value.__cause__, RequestTimeoutError)
    assert info.value.request_sent is True
    assert an.stats.retries == 1  # a timed-out POST may have run: not re-sent


async def test_retry_log_lines_leave_out_the_query(
    emu: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    an = make_client(emu)
    emu.add_fault("status", path="people", status=503)
    with caplog.at_level(logging.DEBUG, logger="actionnetwork_async"):
        person = await an.people.find_by_email("private.person@example.org")
    assert person is None
    assert "retry 1" in caplog.text
    assert "/api/v2/people?..." in caplog.text
    assert "private.person" not in caplog.text
