"""Public calls given values they cannot use raise ``ConfigurationError``, never a plain
``KeyError``, ``AttributeError`` or ``TypeError`` from deep inside."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actionnetwork_async import ConfigurationError, Watermark
from actionnetwork_async.testing import Emulator

from .conftest import ClientFactory


@pytest.mark.parametrize(
    "seen", [{"id": {"modified": "x"}}, {"id": 5}, [["id", "x"]], {"id": None}]
)
def test_a_watermark_with_a_broken_seen_table_is_not_a_watermark(seen: Any) -> None:
    with pytest.raises(ConfigurationError, match="not a watermark"):
        Watermark.from_json({"version": 1, "since": None, "seen": seen})


@pytest.mark.asyncio
@pytest.mark.parametrize("since", ["2024-01-01T00:00:00Z", date(2024, 1, 1), 1704067200])
async def test_a_watermark_whose_since_is_no_datetime_is_refused(
    since: Any, emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError, match="since"):
        async for _ in an.people.changes(since=Watermark(since=since)):
            pass
    assert emu.log == []
