"""The pytest plugin's fixtures, registered by ``pytest_plugin`` when pytest-asyncio is installed.

The emulator and the client are imported inside the fixtures, so a test run that uses neither
does not import aiohttp, cattrs or the emulator for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from .pytest_plugin import DEFAULTS

if TYPE_CHECKING:
    from ..client import ActionNetwork
    from .emulator import Emulator


@pytest_asyncio.fixture
async def an_emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A started emulator on a free loopback port, stopped after the test."""
    from .emulator import Emulator

    marker = request.node.get_closest_marker("an_emulator")
    options = {**DEFAULTS, **(marker.kwargs if marker else {})}
    async with Emulator(**options) as emulator:
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
