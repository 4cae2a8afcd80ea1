"""Shared fixtures: every network test runs against the emulator on loopback."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings

from actionnetwork_async import ActionNetwork, RetryPolicy
from actionnetwork_async.testing import Emulator, RedisServer

from .redis_server import redis_servers

ClientFactory = Callable[..., ActionNetwork]

# Property-based tests (tests/test_fuzz.py). "ci", the default, is reproducible: derandomize
# fixes each test's seed, and the example count is bounded so the suite stays fast. "long" is
# the deep run: HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py (any seed, many examples).
settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=1_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--soak=long`` runs the long form of tests/test_soak.py."""
    parser.addoption(
        "--soak",
        choices=("short", "long"),
        default="short",
        help="size of the soak test (tests/test_soak.py): short (CI) or long",
    )


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
