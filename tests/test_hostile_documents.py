"""Answers that parse but are not what was asked for: a ``next`` link that serves the same page
again, an error inside a 200, a resource without its own identifier. Each raises its typed
error instead of streaming for ever or passing off as an empty model.

Items 12 and 18 of issue 20.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from actionnetwork_async import (
    ActionNetwork,
    NotFoundError,
    NothingAcceptedError,
    UnexpectedResponseError,
)
from actionnetwork_async.errors import ErrorAnswerError
from actionnetwork_async.sansio import decode_response
from actionnetwork_async.testing import Emulator, Quirks, Seed
from actionnetwork_async.testing.state import an_id

from .conftest import ClientFactory

KEY = "documents-key-5e1d9c3b7a20"
Serve = Callable[[web.Application], Awaitable[ActionNetwork]]


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve an aiohttp app on loopback; returns a client (key ``KEY``) for its /api/v2/."""
    servers: list[TestServer] = []
    clients: list[ActionNetwork] = []

    async def start(app: web.Application) -> ActionNetwork:
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        client = ActionNetwork(KEY, base_url=str(server.make_url("/api/v2/")), rate_limit=None)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.close()


# -- 12: a next link that serves the same page again ----------------------------------------
@pytest.mark.asyncio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_a_next_link_changing_only_an_ignored_parameter_ends_the_stream(
    make_client: ClientFactory, prefetch: int
) -> None:
    async with Emulator(
        seed=Seed(people=60), quirks=Quirks(next_link_loops=True), rate_limit=None
    ) as emu:
        an = make_client(emu, prefetch=prefetch)
        seen: list[str] = []

        async def read_all() -> None:
            async for person in an.people.list():
                seen.append(person.id)
                assert len(seen) <= 50  # before the fix: page 2, again and again

        with pytest.raises(UnexpectedResponseError, match="same 25 items") as info:
            await read_all()
    # pages 1 and 2, each once; page 2's next link (page=2&loop=1) is refused when it arrives
    assert seen == emu.ids("people")[:50]
    assert "page=2" in info.value.url
    assert "loop=1" in info.value.url
    assert emu.count(path="people", method="GET") <= 2 + prefetch


def ignores_pages_past(last: int, *, echo: str = "") -> web.Application:
    """A collection whose pages past ``last`` are ``last`` again (the server ignores the page
    number there), each with a ``next`` link to the following page; ``echo`` goes into every
    link's query, as a server that echoes what it was sent would do."""

    async def page(request: web.Request) -> web.Response:
        asked = int(request.query.get("page", "1"))
        n = min(asked, last)
        items = [{"identifiers": [f"action_network:{n}-{i}"]} for i in range(2)]
        query = {"page": str(asked + 1), **({"echo": echo} if echo else {})}
        # built from the Host header: aiohttp before 3.10.7 cannot build request.url here
        here = f"{request.scheme}://{request.host}{request.path}"
        return web.json_response(
            {
                "page": asked,
                "_links": {
                    "self": {"href": f"{here}?{request.query_string}"},
                    "next": {"href": f"{here}?{urlencode(query)}"},
                },
                "_embedded": {"osdi:people": items},
            }
        )

    app = web.Application()
    app.router.add_get("/api/v2/people", page)
    return app


@pytest.mark.asyncio
@pytest.mark.parametrize("prefetch", [1, 4])
async def test_a_page_repeated_under_new_page_numbers_ends_the_stream_with_prefetch_on(
    serve: Serve, prefetch: int
) -> None:
    an = await serve(ignores_pages_past(2))
    seen: list[str | None] = []

    async def read_all() -> None:
        async for item in an.hal.iterate("people", prefetch=prefetch):
            seen.append(item.identifier())
            assert len(seen) <= 4  # before the fix: page 2's items under every page number

    with pytest.raises(UnexpectedResponseError, match="same 2 items") as info:
        await read_all()
    assert seen == ["1-0", "1-1", "2-0", "2-1"]
    assert "page=3" in info.value.url
    running = [t.get_name() for t in asyncio.all_tasks() if "prefetch" in t.get_name()]
    assert running == []


@pytest.mark.asyncio
async def test_the_repeated_page_error_does_not_quote_the_key(serve: Serve) -> None:
    an = await serve(ignores_pages_past(1, echo=KEY))
    seen: list[str | None] = []

    async def read_all() -> None:
        async for item in an.hal.iterate("people"):
            seen.append(item.identifier())
            assert len(seen) <= 2

    with pytest.raises(UnexpectedResponseError) as info:
        await read_all()
    assert "echo=***" in str(info.value)
    assert KEY not in str(info.value)
    assert KEY not in info.value.url


# -- 18: an error in a 200, a resource without its own identifier ---------------------------
@pytest.mark.asyncio
async def test_a_get_answered_200_with_an_error_raises_it(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    person_id = emu.ids("people")[0]
    emu.add_fault("status", status=200, path=f"people/{person_id}")  # 200 {"error": ...}
    with pytest.raises(ErrorAnswerError) as info:
        await an.people.get(person_id)
    assert (info.value.status, info.value.message) == (200, "Injected failure")
    assert "Injected failure" in str(info.value)
    emu.add_fault("status", status=200, path="people")
    with pytest.raises(ErrorAnswerError):  # before the fix: an empty stream, no error
        await an.people.list().__anext__()
    emu.add_fault("status", status=200, path="events")
    with pytest.raises(ErrorAnswerError):  # the walker's GET too
        await an.hal.get("events")
    assert (await an.people.get(person_id)).id == person_id  # the faults are used up


@pytest.mark.asyncio
async def test_a_get_of_one_resource_answered_without_its_identifier_is_an_error(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=3, petitions=1, signatures=2, tags=1, taggings=2), rate_limit=None
    ) as emu:
        an = make_client(emu)
        petition = emu.ids("petitions")[0]
        signature = an_id(emu.state.owned("signatures", "petitions", petition)[0])
        tag = emu.ids("tags")[0]
        tagging = an_id(emu.state.owned("taggings", "tags", tag)[0])
        person = emu.ids("people")[0]
        reads: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            (f"people/{person}", lambda: an.people.get(person)),
            (f"petitions/{petition}", lambda: an.petitions.get(petition)),
            (
                f"petitions/{petition}/signatures/{signature}",
                lambda: an.petitions.signatures.get(petition, signature),
            ),
            (f"tags/{tag}/taggings/{tagging}", lambda: an.tags.taggings.get(tag, tagging)),
        ]
        for path, read in reads:
            assert await read()  # the real answer is a model
            emu.add_fault("empty", path=path)  # 200 {}: before the fix an empty model
            with pytest.raises(UnexpectedResponseError, match="not the resource asked for"):
                await read()
        with pytest.raises(NotFoundError):  # a real error stays what it is
            await an.people.get("no-such-person")


def test_only_an_error_document_is_an_error_answer() -> None:
    url = "http://x/api/v2/people/1"
    body = b'{"error": "Server busy key-123"}'
    with pytest.raises(ErrorAnswerError) as info:
        decode_response(200, {}, body, url=url, secret="key-123", expect="document")
    assert info.value.message == "Server busy ***"
    # a resource may hold a field called error: it has links or identifiers, so it is kept
    for body in (
        b'{"error": "x", "_links": {"self": {"href": "people/1"}}}',
        b'{"error": "x", "identifiers": ["action_network:1"]}',
    ):
        assert decode_response(200, {}, body, url=url, expect="document")["error"] == "x"
    # writes keep their own rule; expect=None takes any JSON
    with pytest.raises(NothingAcceptedError):
        decode_response(200, {}, b'{"error": "x"}', url=url, expect="resource")
    assert decode_response(200, {}, b'{"error": "x"}', url=url) == {"error": "x"}
    # one resource: its identifier is required
    one = b'{"identifiers": ["action_network:1"]}'
    assert decode_response(200, {}, one, url=url, expect="item")["identifiers"]
    with pytest.raises(UnexpectedResponseError, match="not the resource asked for"):
        decode_response(200, {}, b'{"identifiers": ["crm:2"]}', url=url, expect="item")
