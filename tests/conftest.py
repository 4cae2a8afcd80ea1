"""Shared fixtures: every network test runs against the emulator on loopback."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from importlib.metadata import version
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from hypothesis import HealthCheck, settings
from packaging.version import Version
from yarl import URL

from actionnetwork_async import ActionNetwork
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.testing import Emulator, RedisServer, Seed

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


def url_of(request: web.Request) -> URL:
    """The absolute URL a test server was asked for. Not ``request.url``: aiohttp before 3.10.7
    builds it with the port inside the host, which yarl 1.13 and later refuse (aiohttp #9309)."""
    return URL(f"{request.scheme}://{request.host}").join(request.rel_url)


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--soak=long`` runs the long form of tests/test_soak.py."""
    parser.addoption(
        "--soak",
        choices=("short", "long"),
        default="short",
        help="size of the soak test (tests/test_soak.py): short (CI) or long",
    )


# looptime before 0.9 (0.7 is the newest for Python 3.10) keeps its clock in whole microseconds
# and rounds each step to one: a timer set less than half a microsecond past a tick is never
# reached, and the loop spins forever (looptime issue #35, fixed in 0.9). The rate limiter's
# slots after a 429 fall anywhere, so there the clock ticks in nanoseconds: a step then misses
# its timer by less than asyncio's clock resolution, which counts as reached.
_LOOPTIME_MISSES_NEAR_TIMERS = Version(version("looptime")) < Version("0.9")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On an older looptime, a nanosecond clock for every test that fast-forwards time."""
    if not _LOOPTIME_MISSES_NEAR_TIMERS:
        return
    for item in items:
        if item.get_closest_marker("looptime") is not None:
            # first of the item's markers, so it wins over the test's own options
            item.add_marker(pytest.mark.looptime(resolution=1e-9), append=False)


@pytest.fixture(autouse=True)
def _own_cache_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache directory per test: command line runs share entry points within a test only."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with a few pages of each collection; rate limiting off unless a test sets it."""
    async with Emulator(
        seed=Seed(people=60, events=30, unique_id_lists=30), rate_limit=None
    ) as server:
        yield server


@pytest_asyncio.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """Builds clients for an emulator (fast rate, no jitter) and closes them afterwards."""
    clients: list[ActionNetwork] = []

    def factory(server: Emulator, **kw: Any) -> ActionNetwork:
        kw.setdefault("rate_limit", None)
        # max_tries= is the factory's own: the default policy's bound (the client has retry= only)
        tries = {"max_tries": kw.pop("max_tries")} if "max_tries" in kw else {}
        kw.setdefault("retry", RetryPolicy(jitter=lambda d: d, **tries))
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
