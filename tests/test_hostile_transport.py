"""Hostile answers at the transport: headers and status lines no sane server sends must neither
stall the client nor leak the key."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from actionnetwork_async import ActionNetwork, RateLimitError, TransportError
from actionnetwork_async.limits import RetryPolicy, SlidingWindowLimiter
from actionnetwork_async.sansio import parse_retry_after

KEY = "hostile-test-key-0a1b2c3d4e5f"


@pytest_asyncio.fixture
async def server() -> AsyncIterator[TestServer]:
    """A loopback server whose first answer is a 429 with ``Retry-After: inf``, then ``{}``."""
    answers = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal answers
        answers += 1
        if answers == 1:
            return web.json_response(
                {"error": "slow down"}, status=429, headers={"Retry-After": "inf"}
            )
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/v2/", handle)
    test_server = TestServer(app)
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.mark.parametrize("value", ["inf", "Infinity", "1e400", "nan", "-inf"])
def test_a_retry_after_that_is_no_number_of_seconds_is_ignored(value: str) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.asyncio
async def test_a_retry_after_of_infinity_does_not_stop_the_client_for_ever(
    server: TestServer,
) -> None:
    base_url = str(server.make_url("/api/v2/"))
    limiter = SlidingWindowLimiter(max_wait=5.0)
    async with ActionNetwork(
        KEY, base_url=base_url, rate_limit=limiter, retry=RetryPolicy(max_tries=1)
    ) as an:
        with pytest.raises(RateLimitError):
            await an.hal.get()
        # The limiter heard of the 429; an endless pause would make this wait for ever (here,
        # past max_wait: LimiterTimeoutError at once).
        assert (await an.hal.get()).data == {}


@pytest.mark.asyncio
async def test_an_aiohttp_error_kept_as_the_cause_does_not_hold_the_key() -> None:
    """A broken status line makes aiohttp raise ClientResponseError, which keeps the request's
    headers (the key among them) and shows them in its repr."""

    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 abc Broken\r\nContent-Length: 2\r\n\r\n{}")
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(broken, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/api/v2/"
    try:
        async with ActionNetwork(
            KEY, base_url=base_url, rate_limit=None, retry=RetryPolicy(max_tries=1)
        ) as an:
            with pytest.raises(TransportError) as info:
                await an.hal.get()
    finally:
        listener.close()
        await listener.wait_closed()
    chain: list[BaseException] = []
    error: BaseException | None = info.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert len(chain) > 1  # the aiohttp error is still there, for debugging
    for error in chain:
        assert KEY not in str(error)
        assert KEY not in repr(error)
        assert all(KEY not in repr(arg) for arg in error.args)
    assert KEY not in "".join(traceback.format_exception(info.value))
