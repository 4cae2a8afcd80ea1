"""RedisIdempotencyStore against a real redis-server: the store's contract, leases that expire,
and two receiver processes sharing one store."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from actionnetwork_async import webhooks
from actionnetwork_async.testing import RedisServer
from actionnetwork_async.testing.redis_server import free_port
from actionnetwork_async.webhooks import Claim, RedisIdempotencyStore

pytestmark = pytest.mark.asyncio

DELIVERY = json.loads((Path(__file__).parent / "data" / "webhook_action_example.json").read_text())[
    "delivery"
]

#: A receiver process: its handler counts in Redis, then holds its claim until the test lets
#: it go (an item pushed on "go"); it prints "ready" once it listens.
RECEIVER = """
import asyncio, sys
from aiohttp import web
from redis.asyncio import Redis
from actionnetwork_async import webhooks

async def main(url: str, port: int) -> None:
    redis = Redis.from_url(url)

    async def handle(event: webhooks.WebhookEvent) -> None:
        await redis.incr("handled")
        await redis.blpop(["go"], timeout=30)

    hooks = webhooks.receiver(handle, store=webhooks.RedisIdempotencyStore(url))
    runner = web.AppRunner(hooks.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest_asyncio.fixture
async def store(shared_redis: RedisServer) -> AsyncIterator[RedisIdempotencyStore]:
    """A store with keys of its own (the session's server is shared)."""
    made = RedisIdempotencyStore(shared_redis.url, prefix=f"test:{id(object())}:")
    yield made
    await made.aclose()


async def test_the_store_keeps_the_protocols_contract(store: RedisIdempotencyStore) -> None:
    assert isinstance(store, webhooks.IdempotencyStore)
    assert await store.claim("k", owner="a", lease=30) is Claim.CLAIMED
    assert await store.claim("k", owner="b", lease=30) is Claim.IN_PROGRESS
    await store.release("k", owner="b")  # not b's: nothing happens
    assert await store.claim("k", owner="c", lease=30) is Claim.IN_PROGRESS
    await store.release("k", owner="a")
    assert await store.claim("k", owner="b", lease=30) is Claim.CLAIMED
    await store.complete("k", owner="b")
    await store.release("k", owner="b")  # a done key stays done
    assert await store.claim("k", owner="c", lease=30) is Claim.DONE


async def test_a_crashed_receivers_claim_frees_itself_when_its_lease_runs_out(
    shared_redis: RedisServer, store: RedisIdempotencyStore
) -> None:
    assert await store.claim("crash", owner="gone", lease=0.2) is Claim.CLAIMED
    # "gone" never completes nor releases, as a process killed mid-handler would not.
    assert await store.claim("crash", owner="next", lease=30) is Claim.IN_PROGRESS
    async with Redis.from_url(shared_redis.url) as redis:
        ttl = await redis.pttl(store.prefix + "crash")
        assert 0 < ttl <= 200  # Redis expires it, whatever became of its owner

        async def expired() -> None:
            while await redis.exists(store.prefix + "crash"):  # noqa: ASYNC110 - in Redis
                await asyncio.sleep(0.02)

        await asyncio.wait_for(expired(), 5)
    assert await store.claim("crash", owner="next", lease=30) is Claim.CLAIMED


@pytest.fixture
def receivers(shared_redis: RedisServer) -> Iterator[list[str]]:
    """Two receiver processes sharing one Redis store; their URLs."""
    processes, urls = [], []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-c", RECEIVER, shared_redis.url, str(port)],
            stdout=subprocess.PIPE,
        )
        processes.append(process)
        urls.append(f"http://127.0.0.1:{port}/webhooks/action-network")
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline() == b"ready\n"
        yield urls
    finally:
        for process in processes:
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()


async def test_one_delivery_posted_to_two_receiver_processes_at_once_is_handled_once(
    shared_redis: RedisServer, receivers: list[str]
) -> None:
    async with Redis.from_url(shared_redis.url) as redis:
        key = "actionnetwork-async:webhook:" + DELIVERY[0]["idempotency_key"]
        await redis.delete("handled", "go", key)
        async with aiohttp.ClientSession() as session:

            async def post(url: str) -> tuple[int, dict[str, object]]:
                async with session.post(url, json=DELIVERY) as response:
                    return response.status, await response.json()

            first, second = (asyncio.create_task(post(url)) for url in receivers)
            done, pending = await asyncio.wait({first, second}, return_when="FIRST_COMPLETED")
            # One holds the claim in its handler; the other answers at once: in progress, retry.
            (busy,) = done
            assert busy.result()[0] == 503
            await redis.lpush("go", "1")  # let the handler finish
            (handling,) = pending
            assert await handling == (200, {"handled": 1, "duplicates": 0})
            # Action Network's retry of the busy one, to either process: a duplicate.
            for url in receivers:
                assert await post(url) == (200, {"handled": 0, "duplicates": 1})
        assert await redis.get("handled") == b"1"
