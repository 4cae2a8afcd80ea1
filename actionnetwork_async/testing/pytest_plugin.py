"""pytest plugin (entry point ``pytest11``): the ``an_emulator`` and ``an_client`` fixtures.

Configure per test with ``Emulator``'s keywords, which take the option objects of
``actionnetwork_async.testing``: ``@pytest.mark.an_emulator(seed=Seed.small(people=100),
quirks=Quirks(next_drops_filter=True), rate_limit=None)``. Without ``seed=`` the emulator seeds
``Seed.small()`` (a little of every top-level resource); a ``seed=`` replaces it whole. The
fixtures need pytest-asyncio; without it they are not defined.

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

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that configures the emulator, and the fixtures if they can work."""
    config.addinivalue_line(
        "markers",
        "an_emulator(**kwargs): Emulator keyword arguments (seed=Seed(...), quirks=Quirks(...), "
        "timing=, webhooks=, random_faults=, rate_limit= ...) for the an_emulator fixture",
    )
    # Without pytest-asyncio the fixtures are not defined: the plugin must never break a user's
    # pytest. find_spec looks for it without importing it.
    if importlib.util.find_spec("pytest_asyncio") is not None:
        from . import _fixtures

        config.pluginmanager.register(_fixtures, "actionnetwork_async.fixtures")
