"""Hostile or broken server answers: each raises its typed error, nothing hangs or crashes.

Deep nesting, malformed hrefs, a ``next`` link that loops back, dates out of range and an empty
embedded array, each reproduced from the red-team pass of issue 9.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from actionnetwork_async import (
    ActionNetwork,
    ConfigurationError,
    F,
    ModelError,
    ServerError,
    UnexpectedResponseError,
    webhooks,
)
from actionnetwork_async.errors import DecodeError, HALError, LinkNotFoundError
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.models import Event, Person
from actionnetwork_async.models.base import format_datetime
from actionnetwork_async.sansio import (
    MAX_JSON_DEPTH,
    check_json_depth,
    decode_json,
    decode_response,
    origin,
    redirect_location,
)
from actionnetwork_async.testing import Emulator

from .conftest import ClientFactory, url_of

Serve = Callable[[web.Application], Any]


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve an aiohttp app on loopback; returns a client for its /api/v2/."""
    servers: list[TestServer] = []
    clients: list[ActionNetwork] = []

    async def start(app: web.Application) -> ActionNetwork:
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        client = ActionNetwork("k", base_url=str(server.make_url("/api/v2/")), rate_limit=None)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.close()


# -- 9: deep nesting ----------------------------------------------------------------------------
def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=3) | st.dictionaries(
        st.text(max_size=2), children, max_size=3
    )


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_json_is_a_decode_error_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(DecodeError, match="nested deeper"):
        decode_response(200, {}, nested(depth), url="http://x/")
    with pytest.raises(webhooks.WebhookDecodeError, match="nested deeper"):
        webhooks.parse(nested(depth), max_bytes=1 << 20)
    decode_response(200, {}, nested(MAX_JSON_DEPTH), url="http://x/")  # the limit itself is fine


def chain(shape: str, leaf: str) -> bytes:
    """JSON nesting one container per letter of ``shape`` (``o`` an object, ``a`` an array)
    around ``leaf``."""
    opening = "".join('{"k": ' if kind == "o" else "[" for kind in shape)
    closing = "".join("}" if kind == "o" else "]" for kind in reversed(shape))
    return (opening + leaf + closing).encode()


@pytest.mark.parametrize("leaf", ['{"s": 1}', "[1]", "{}", "[]"])
@pytest.mark.parametrize("kinds", ["o", "a", "oa"])
def test_the_depth_limit_is_exact_whatever_the_containers(kinds: str, leaf: str) -> None:
    # objects of scalars are the containers the collector may leave untracked: at the deepest
    # level, the one level the fast walk cannot see
    shape = (kinds * MAX_JSON_DEPTH)[: MAX_JSON_DEPTH - 1]
    decode_response(200, {}, b'{"x": %s}' % chain(shape[1:], leaf), url="http://x/")
    with pytest.raises(DecodeError, match="nested deeper"):
        decode_response(200, {}, b'{"x": %s}' % chain(shape, leaf), url="http://x/")


@given(st.recursive(st.none() | st.integers() | st.text(max_size=3), _containers, max_leaves=40))
@settings(max_examples=300, deadline=None)
def test_the_depth_limit_agrees_with_the_exact_walk(document: Any) -> None:
    body = json.dumps({"doc": document}).encode()
    for limit in range(1, 9):
        try:
            check_json_depth(json.loads(body), max_depth=limit)
        except ValueError:
            with pytest.raises(ValueError, match="nested deeper"):
                decode_json(body, max_depth=limit)
        else:
            assert decode_json(body, max_depth=limit) == json.loads(body)


def test_deep_decoded_input_is_refused_or_read_without_recursion() -> None:
    document: Any = []
    for _ in range(5_000):
        document = [document]
    with pytest.raises(webhooks.WebhookFormatError, match="nested deeper"):
        webhooks.parse(document)
    resource: dict[str, Any] = {}
    for _ in range(5_000):
        resource = {"_embedded": {"x": resource}}
    level = parse_resource(resource)  # embedded resources are parsed one level at a time,
    for _ in range(5_000):  # so even this depth never recurses
        level = level.embedded_for("x")[0]
    assert not level.embedded


def test_a_deep_error_body_still_gives_the_status_error() -> None:
    with pytest.raises(ServerError):
        decode_response(503, {}, nested(10_000), url="http://x/")


# -- 10: malformed hrefs -----------------------------------------------------------------------
@pytest.mark.parametrize("href", ["http://[::1", "http://a:99999/x", "http://a:port/"])
def test_a_malformed_href_is_a_hal_error(href: str) -> None:
    document = {"_links": {"self": {"href": href}, "t": {"href": href + "{?q}", "templated": True}}}
    for url in ("http://api.example/v2/", None):
        resource = parse_resource({"_links": {"self": {"href": href}}}, url=url)
        with pytest.raises(HALError, match="malformed URL"):  # links parse when first used
            resource.link("self")
    templated = parse_resource({"_links": {"t": document["_links"]["t"]}}, url="http://a/")
    with pytest.raises(HALError, match="malformed URL"):
        templated.link("t").expand(q="x")


@pytest.mark.asyncio
async def test_a_malformed_url_from_the_caller_or_a_redirect_is_typed(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError):
        await an.hal.get("http://[::1")
    assert redirect_location(302, {"Location": "http://[::1"}, "http://a/") == "http://[::1"
    assert origin("http://[::1") is None  # so the transport refuses to follow it
    assert emu.log == []


# -- 11: a next link that loops back -----------------------------------------------------------
def looping_collection(next_of: Callable[[int], int]) -> web.Application:
    """Pages of two items; page n's next link goes to page next_of(n)."""

    async def page(request: web.Request) -> web.Response:
        n = int(request.query.get("page", "1"))
        items = [{"identifiers": [f"action_network:{n}-{i}"]} for i in range(2)]
        href = str(url_of(request).with_query({"page": str(next_of(n))}))
        return web.json_response(
            {
                "page": n,
                "_links": {"self": {"href": str(url_of(request))}, "next": {"href": href}},
                "_embedded": {"osdi:people": items},
            }
        )

    app = web.Application()
    app.router.add_get("/api/v2/people", page)
    return app


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("next_of", "distinct"),
    [
        (lambda n: 1 if n == 3 else n + 1, 6),  # 1 -> 2 -> 3 -> 1: the red team's case
        (lambda n: n, 2),  # a page whose next link is itself
        (lambda n: 2 if n == 4 else n + 1, 8),  # a loop that does not start at page 1
    ],
)
@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_next_link_back_to_a_page_already_read_ends_the_stream(
    serve: Serve, next_of: Callable[[int], int], distinct: int, prefetch: int
) -> None:
    an = await serve(looping_collection(next_of))
    seen: list[str | None] = []

    async def read_all() -> None:
        async for item in an.hal.iterate("people", prefetch=prefetch):
            seen.append(item.identifier())
            assert len(seen) <= distinct  # before the fix: endless

    with pytest.raises(UnexpectedResponseError, match="leads back to a page already read"):
        await read_all()
    assert len(seen) == len(set(seen)) == distinct


# -- 12: dates out of range --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T05:00:00+05:01"]
)
def test_a_date_that_leaves_the_calendar_in_utc_fails_at_parse_time(text: str) -> None:
    with pytest.raises(ModelError, match="out of range"):
        Person.from_json({"created_date": text})


def test_dates_at_the_edges_round_trip() -> None:
    person = Person.from_json(
        {"created_date": "0001-01-01T00:00:00Z", "modified_date": "9999-12-31T10:00:00-13:00"}
    )
    assert person.created_date == datetime(1, 1, 1, tzinfo=timezone.utc)
    assert person.modified_date == datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc)
    assert format_datetime(datetime(1, 1, 1)) == "0001-01-01T00:00:00Z"  # four-digit year
    event = Event.from_json({"start_date": "0009-03-04T05:06:07Z"})
    assert event.to_json()["start_date"] == "0009-03-04T05:06:07Z"


def test_a_filter_on_an_impossible_utc_time_is_a_configuration_error() -> None:
    far_east = timezone(timedelta(hours=5))
    with pytest.raises(ConfigurationError, match="cannot filter"):
        str(F.modified_date > datetime(1, 1, 1, tzinfo=far_east))
    # wall-clock fields are not converted, so the same time is fine there
    assert str(F.start_date > datetime(1, 1, 1, tzinfo=far_east)) == (
        "start_date gt '0001-01-01T00:00:00Z'"
    )


# -- 13: use_embedded on an empty array --------------------------------------------------------
@pytest.mark.asyncio
async def test_use_embedded_with_no_copy_at_the_index_follows_the_link(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    empty = parse_resource(
        {
            "_links": {"osdi:people": {"href": emu.base_url + "people"}},
            "_embedded": {"osdi:people": []},
        },
        url=emu.base_url,
    )
    followed = await an.hal.follow(empty, "osdi:people", use_embedded=True)
    assert len(followed.items()) == 25
    one = parse_resource({"_embedded": {"osdi:people": [{"name": "only"}]}})
    assert (await an.hal.follow(one, "osdi:people", index=-1, use_embedded=True))["name"] == "only"
    with pytest.raises(LinkNotFoundError):
        await an.hal.follow(one, "osdi:people", index=1, use_embedded=True)
