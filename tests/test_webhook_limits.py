"""Issue 20, item 14: the webhook receiver's resources are bounded (key length, the memory
store's size, slow senders), and an element without a key runs again on re-delivery."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from packaging.version import Version

from actionnetwork_async import webhooks
from actionnetwork_async.webhooks import Claim, MemoryIdempotencyStore

pytestmark = pytest.mark.asyncio

DELIVERY: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "webhook_action_example.json").read_text()
)["delivery"]
PATH = "/webhooks/action-network"
Serve = Callable[[webhooks.WebhookReceiver], Any]


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    runners: list[web.AppRunner] = []

    async def start(receiver: webhooks.WebhookReceiver) -> tuple[str, int]:
        runner = web.AppRunner(receiver.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return "127.0.0.1", site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    yield start
    for runner in runners:
        await runner.cleanup()


async def post(address: tuple[str, int], body: Any) -> tuple[int, str]:
    url = f"http://{address[0]}:{address[1]}{PATH}"
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as resp:
        return resp.status, await resp.text()


def with_key(key: str | None) -> list[dict[str, Any]]:
    delivery = copy.deepcopy(DELIVERY[:1])
    if key is None:
        delivery[0].pop("idempotency_key", None)
    else:
        delivery[0]["idempotency_key"] = key
    return delivery


async def test_a_key_over_256_bytes_is_refused_with_400_and_nothing_runs(serve: Serve) -> None:
    seen: list[webhooks.WebhookEvent] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        seen.append(event)

    store = MemoryIdempotencyStore()
    address = await serve(webhooks.receiver(handler, store=store))
    status, text = await post(address, [*with_key("a" * 200), *with_key("é" * 129)])  # 258 B
    assert status == 400
    assert "over 256 bytes" in text
    assert seen == []
    assert len(store) == 0
    assert (await post(address, with_key("é" * 128)))[0] == 200  # 256 bytes: accepted
    assert len(seen) == 1


async def test_the_memory_store_keeps_at_most_max_keys_dropping_the_least_recently_used() -> None:
    store = MemoryIdempotencyStore(max_keys=3)
    for key in ("a", "b", "c"):
        assert await store.claim(key, owner="o", lease=60) is Claim.CLAIMED
        await store.complete(key, owner="o")
    assert await store.claim("a", owner="o", lease=60) is Claim.DONE  # a is now the most recent
    assert await store.claim("d", owner="o", lease=60) is Claim.CLAIMED
    assert len(store) == 3
    assert await store.claim("b", owner="o", lease=60) is Claim.CLAIMED  # b was dropped
    assert await store.claim("a", owner="o", lease=60) is Claim.DONE
    assert len(store) == 3
    assert MemoryIdempotencyStore().max_keys == webhooks.DEFAULT_MAX_KEYS == 100_000


async def test_a_flood_of_keys_stays_within_the_bound() -> None:
    store = MemoryIdempotencyStore(max_keys=100)
    for n in range(5000):
        await store.claim(f"k{n}", owner="o", lease=60)
        await store.complete(f"k{n}", owner="o")
    assert len(store) == 100


# aiohttp arms its keep-alive timer for a connection's first request from 3.14.4 on; before, a
# first request whose headers never finish is not timed out (docs/webhooks.md says so).
@pytest.mark.skipif(
    Version(aiohttp.__version__) < Version("3.14.4"),
    reason="aiohttp before 3.14.4 does not time out a connection's first headers",
)
@pytest.mark.looptime
async def test_headers_that_never_finish_are_cut_off_at_header_timeout(serve: Serve) -> None:
    async def handler(event: webhooks.WebhookEvent) -> None:
        raise AssertionError("no handler may run")

    host, port = await serve(webhooks.receiver(handler, header_timeout=5))
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(host, port)
    start = loop.time()
    writer.write(f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 3600) == b""  # closed, never answered
    assert 5 <= loop.time() - start < 60
    writer.close()


@pytest.mark.looptime
async def test_a_body_that_never_finishes_is_answered_408_at_body_timeout(serve: Serve) -> None:
    async def handler(event: webhooks.WebhookEvent) -> None:
        raise AssertionError("no handler may run")

    host, port = await serve(webhooks.receiver(handler, body_timeout=7))
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(host, port)
    start = loop.time()
    writer.write(
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: 1000\r\n\r\n[{{".encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 3600)
    assert answer.startswith(b"HTTP/1.1 408")
    assert 7 <= loop.time() - start < 60
    writer.close()


async def test_an_element_without_a_key_runs_again_when_its_delivery_is_re_sent(
    serve: Serve,
) -> None:
    seen: list[webhooks.WebhookEvent] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        seen.append(event)

    address = await serve(webhooks.receiver(handler))
    for _ in range(2):
        status, text = await post(address, with_key(None))
        assert (status, json.loads(text)) == (200, {"handled": 1, "duplicates": 0})
    assert len(seen) == 2  # as docs/webhooks.md says: nothing tells the copy from the first
    text = (Path(__file__).parent.parent / "docs" / "webhooks.md").read_text()
    assert "elements without an `idempotency_key` run again on every re-delivery" in text
