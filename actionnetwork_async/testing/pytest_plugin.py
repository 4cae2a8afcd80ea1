"""pytest plugin (entry point ``pytest11``): the ``an_emulator`` and ``an_client`` fixtures.

Configure per test with ``@pytest.mark.an_emulator(people=100, rate_limit=None, ...)``; the
keywords are ``Emulator``'s. The fixtures need pytest-asyncio; without it they are not defined.

    @pytest.mark.asyncio
    async def test_my_sync(an_client):
        aep = await an_client.hal.get()
        ...

Every pytest run of every project that installs the library imports this module, so it imports
pytest alone: the fixtures live in ``_fixtures``, registered at configure time, and import the
emulator and the client (aiohttp, cattrs ...) only when a test uses them.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

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
    """Register the marker that configures the emulator, and the fixtures if they can work."""
    config.addinivalue_line(
        "markers", "an_emulator(**kwargs): Emulator keyword arguments for the an_emulator fixture"
    )
    # Without pytest-asyncio the fixtures are not defined: the plugin must never break a user's
    # pytest. find_spec looks for it without importing it.
    if importlib.util.find_spec("pytest_asyncio") is not None:
        from . import _fixtures

        config.pluginmanager.register(_fixtures, "actionnetwork_async.fixtures")
