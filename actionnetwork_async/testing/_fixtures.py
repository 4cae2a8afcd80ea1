"""The pytest plugin's fixtures, registered by ``pytest_plugin`` when pytest-asyncio is installed.

The emulator and the client are imported inside the fixtures, so a test run that uses neither
does not import aiohttp, cattrs or the emulator for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from ..client import ActionNetwork
    from .emulator import Emulator


@pytest_asyncio.fixture
async def an_emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A started emulator on a free loopback port, stopped after the test, configured by the
    ``an_emulator`` marker's keywords (``Emulator``'s); it seeds ``Seed.small()`` unless the
    marker gives ``seed=``."""
    from .config import Seed
    from .emulator import Emulator

    marker = request.node.get_closest_marker("an_emulator")
    if marker is not None and marker.args:
        raise TypeError("@pytest.mark.an_emulator takes keywords only (Emulator's)")
    options = {"seed": Seed.small(), **(marker.kwargs if marker else {})}
    try:
        emulator = Emulator(**options)
    except TypeError as exc:  # most likely a keyword of the old flat form (people=3)
        raise TypeError(
            f"@pytest.mark.an_emulator: {exc}; counts go in seed=Seed(...), switches in "
            "quirks=Quirks(...), timings in timing=Timing(...) (see Emulator)"
        ) from exc
    async with emulator:
        yield emulator


@pytest_asyncio.fixture
async def an_client(an_emulator: Emulator) -> AsyncIterator[ActionNetwork]:
    """An ``ActionNetwork`` client pointed at ``an_emulator``, closed after the test."""
    from ..client import ActionNetwork

    async with ActionNetwork(
        an_emulator.api_key,
        base_url=an_emulator.base_url,
        rate_limit=an_emulator.rate_limit,
    ) as client:
        yield client
