"""pytest plugin (entry point ``pytest11``): the ``an_emulator`` and ``an_client`` fixtures.

Configure per test with ``@pytest.mark.an_emulator(people=100, rate_limit=None, ...)``; the
keywords are ``Emulator``'s. The fixtures need pytest-asyncio; without it they are not defined.

    @pytest.mark.asyncio
    async def test_my_sync(an_client):
        aep = await an_client.hal.get()
        ...
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ..client import ActionNetwork
from .emulator import Emulator

#: What ``an_emulator`` seeds unless the marker says otherwise: a little of every top-level
#: resource (records of actions taken, such as signatures, only when asked for: they need the
#: people and actions a marker may leave out).
DEFAULTS: dict[str, Any] = {
    "people": 50,
    "events": 10,
    "unique_id_lists": 3,
    "tags": 5,
    "event_campaigns": 2,
    "petitions": 3,
    "forms": 3,
    "fundraising_pages": 2,
    "advocacy_campaigns": 2,
    "surveys": 2,
    "campaigns": 2,
    "queries": 2,
    "wrappers": 2,
    "lists": 2,
    "messages": 2,
}


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that configures the emulator."""
    config.addinivalue_line(
        "markers", "an_emulator(**kwargs): Emulator keyword arguments for the an_emulator fixture"
    )


# Without pytest-asyncio the fixtures are not defined: the plugin must never break a user's pytest.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def an_emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
        """A started emulator on a free loopback port, stopped after the test."""
        marker = request.node.get_closest_marker("an_emulator")
        options = {**DEFAULTS, **(marker.kwargs if marker else {})}
        async with Emulator(**options) as emulator:
            yield emulator

    @pytest_asyncio.fixture
    async def an_client(an_emulator: Emulator) -> AsyncIterator[ActionNetwork]:
        """An ``ActionNetwork`` client pointed at ``an_emulator``, closed after the test."""
        async with ActionNetwork(
            an_emulator.api_key,
            base_url=an_emulator.base_url,
            rate_limit=an_emulator.rate_limit,
        ) as client:
            yield client
