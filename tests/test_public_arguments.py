"""Public calls given values they cannot use (by the caller or in a server's document) raise a
typed error, never a plain ``KeyError``, ``ValueError``, ``AttributeError`` or ``TypeError`` from
deep inside."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actionnetwork_async import ActionNetwork, ConfigurationError, Watermark
from actionnetwork_async.errors import TemplateError
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.limiter import SlotSchedule
from actionnetwork_async.limits import DEFAULT_MARGIN
from actionnetwork_async.testing import Emulator
from actionnetwork_async.types import HalWalker
from actionnetwork_async.walker import DEFAULT_PREFETCH

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


def test_a_slot_schedule_takes_an_integer_rate_and_refuses_what_it_cannot_use() -> None:
    assert SlotSchedule.for_rate(4, DEFAULT_MARGIN) == SlotSchedule.for_rate(4.0, DEFAULT_MARGIN)
    assert SlotSchedule.for_rate(4, 0).window == 1.0
    for rate, margin in [(0, 0.04), (4, -1), ("4", 0.04), (float("inf"), 0.04)]:
        with pytest.raises(ConfigurationError):
            SlotSchedule.for_rate(rate, margin)  # type: ignore[arg-type]
    for limit, window in [(0, 1.0), (True, 1.0), (4, 0), (4, float("nan"))]:
        with pytest.raises(ConfigurationError):
            SlotSchedule(limit=limit, window=window)


@pytest.mark.asyncio
async def test_a_walker_built_directly_prefetches_as_the_client_does() -> None:
    async with ActionNetwork("key", base_url="http://127.0.0.1:9/api/v2/") as an:
        assert an.hal.prefetch == DEFAULT_PREFETCH
        assert HalWalker(an._transport, an.base_url).prefetch == DEFAULT_PREFETCH


def test_a_malformed_uri_template_in_a_document_is_a_template_error() -> None:
    broken = "https://api.example/v2/people{?page:abc}"
    resource = parse_resource(
        {
            "_links": {
                "search": {"href": broken, "templated": True},
                "curies": [{"name": "x", "href": broken, "templated": True}],
                "x:people": {"href": "https://api.example/v2/people"},
            }
        },
        url="https://api.example/v2/",
    )
    link = resource.link("search")
    for use in (lambda: link.variables, lambda: link.expand(), lambda: link.expand(page="2")):
        with pytest.raises(TemplateError, match="not a valid URI template"):
            use()
    with pytest.raises(TemplateError):  # the curie expands every compact rel it is asked about
        resource.has_link("https://api.example/rels/people")
    prefixed = parse_resource(
        {"_links": {"s": {"href": "https://api.example/v2/{q:2}", "templated": True}}}
    ).link("s")
    assert prefixed.expand(q="abc") == "https://api.example/v2/ab"
    with pytest.raises(TemplateError, match="cannot expand"):
        prefixed.expand(q=1.5)
