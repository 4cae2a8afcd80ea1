"""Shared fixtures: every network test runs against the emulator on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from actionnetwork_async import ActionNetwork, RetryPolicy
from actionnetwork_async.testing import Emulator, RedisServer

from .redis_server import redis_servers

ClientFactory = Callable[..., ActionNetwork]


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with a few pages of each collection; rate limiting off unless a test sets it."""
    async with Emulator(people=60, events=30, unique_id_lists=30, rate_limit=None) as server:
        yield server


@pytest_asyncio.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """Builds clients for an emulator (fast rate, no jitter) and closes them afterwards."""
    clients: list[ActionNetwork] = []

    def factory(server: Emulator, **kw: Any) -> ActionNetwork:
        kw.setdefault("rate_limit", None)
        kw.setdefault("retry", RetryPolicy(jitter=lambda d: d))
        client = ActionNetwork(kw.pop("api_key", server.api_key), base_url=server.base_url, **kw)
        clients.append(client)
        return client

    yield factory
    await asyncio.gather(*(c.aclose() for c in clients))


@pytest.fixture(scope="session")
def shared_redis() -> Iterator[RedisServer]:
    """One redis-server for the session (tests keep apart by key); skips without redis-server."""
    yield from redis_servers()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of the test's own, to stop and restart; skips without redis-server."""
    yield from redis_servers()
