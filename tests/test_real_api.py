"""The client on the real API's behaviours (issue 8), each on the emulator with its switch on.

One section per way the real API differs from a naive reading of it: the key's origin, helpers
that accept nothing, filters dropped from ``next`` links, a bad key at the entry point, local
event times, separate consents, read-only values, events' identifiers, webhook types, and the
error contract.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from aiohttp import web

from actionnetwork_async import (
    ActionNetwork,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    IncompleteWriteError,
    NothingAcceptedError,
    OutcomeUnknownError,
    RequestTimeoutError,
    ServerError,
    UnexpectedResponseError,
    webhooks,
)
from actionnetwork_async.errors import ForeignOriginError
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.testing import Emulator, Quirks, Seed, Timing, Webhooks

from .conftest import ClientFactory, url_of

pytestmark = pytest.mark.asyncio

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Server:
    """A loopback HTTP server of our own, recording every request it gets (and its headers)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.runner: web.AppRunner | None = None
        self.origin = ""

    async def start(self, routes: dict[str, Handler]) -> Server:
        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.requests.append((request.path_qs, dict(request.headers)))
            return await handler(request)

        app = web.Application(middlewares=[record])
        for path, handler in routes.items():
            app.router.add_route("*", path, handler)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.origin = f"http://127.0.0.1:{port}"
        return self


@pytest_asyncio.fixture
async def servers() -> AsyncIterator[Callable[[dict[str, Handler]], Awaitable[Server]]]:
    started: list[Server] = []

    async def start(routes: dict[str, Handler]) -> Server:
        started.append(await Server().start(routes))
        return started[-1]

    yield start
    for server in started:
        assert server.runner is not None
        await server.runner.cleanup()


async def json_answer(request: web.Request) -> web.Response:
    return web.json_response({"_links": {"self": {"href": str(url_of(request))}}})


# -- 1. the key only goes to the API's origin ---------------------------------------------------
async def test_1_the_key_never_leaves_the_api_origin(
    emu: Emulator,
    make_client: ClientFactory,
    servers: Callable[[dict[str, Handler]], Awaitable[Server]],
) -> None:
    attacker = await servers({"/{tail:.*}": json_answer})
    an = make_client(emu)
    person_id = emu.ids("people")[0]
    # A webhook payload anyone can post, whose person link points at the attacker's server.
    (event,) = webhooks.parse(
        [
            {
                "action_network:upload": {
                    "_links": {"osdi:person": {"href": f"{attacker.origin}/people/{person_id}"}}
                }
            }
        ]
    )
    with pytest.raises(ForeignOriginError, match="refusing to send the API key"):
        await an.hal.get(event.person_url)
    for other in (f"{attacker.origin}/api/v2/", emu.base_url.replace("http:", "https:")):
        with pytest.raises(ForeignOriginError):
            await an.hal.get(other)
    assert attacker.requests == []  # refused before any request (and before the limiter)
    assert emu.log == []
    # The bot's way: the id, looked up through the client, on the API whatever the payload says.
    assert event.person_id == person_id
    person = await an.people.get(event.person_id)
    assert person.id == person_id
    assert attacker.requests == []


async def test_1_redirects_are_followed_only_within_the_origin_and_through_the_limiter(
    servers: Callable[[dict[str, Handler]], Awaitable[Server]], make_client: ClientFactory
) -> None:
    attacker = await servers({"/{tail:.*}": json_answer})

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{attacker.origin}/collect")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/api/v2/here")

    api = await servers({"/api/v2/away": away, "/api/v2/moved": moved, "/api/v2/here": json_answer})
    key = "redirect-key-0123456789abcdef"
    async with ActionNetwork(key, base_url=f"{api.origin}/api/v2/", rate_limit=None) as an:
        with pytest.raises(UnexpectedResponseError, match="another origin") as info:
            await an.hal.get("away")
        assert info.value.status == 302
        assert attacker.requests == []  # the key did not follow the redirect
        here = await an.hal.get("moved")  # same origin: followed, as a new attempt
        assert here.self_href == f"{api.origin}/api/v2/here"
        assert an.stats.attempts == 3  # each hop went through the limiter
        with pytest.raises(UnexpectedResponseError, match="not followed"):
            await an.hal.post("moved", {})  # a write is never redirected
    assert [path for path, _ in api.requests] == [
        "/api/v2/away",
        "/api/v2/moved",
        "/api/v2/here",
        "/api/v2/moved",
    ]
    assert all(headers["OSDI-API-Token"] == key for _, headers in api.requests)


async def test_1_the_key_is_masked_before_an_error_text_is_cut(
    servers: Callable[[dict[str, Handler]], Awaitable[Server]],
) -> None:
    async def echo(request: web.Request) -> web.Response:
        # A proxy's error page that quotes the request headers, key included, near the cut.
        text = "x" * 190 + request.headers["OSDI-API-Token"] + " more diagnostics"
        return web.Response(status=500, text=text)

    api = await servers({"/api/v2/": echo})
    key = "0123456789abcdef0123456789abcdef"
    async with ActionNetwork(
        key, base_url=f"{api.origin}/api/v2/", retry=RetryPolicy(max_tries=1)
    ) as an:
        with pytest.raises(ServerError) as info:
            await an.hal.get()
    shown = str(info.value)
    assert all(key[i : i + 6] not in shown for i in range(len(key) - 5))
    assert "***" in shown


# -- 2. helpers that accept nothing -------------------------------------------------------------
async def test_2_a_helper_answering_200_empty_raises_nothing_accepted(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=2, events=1), quirks=Quirks(empty_helper_answers=True), rate_limit=None
    ) as emu:
        an = make_client(emu)
        with pytest.raises(NothingAcceptedError, match="accepted nothing") as info:
            await an.people.signup(email="new@example.org", given_name="New")
        assert info.value.status == 200
        with pytest.raises(NothingAcceptedError):
            await an.events.attendances.record(emu.ids("events")[0], email="new@example.org")
        assert len(emu.state["people"]) == 2  # indeed nothing was stored
        assert len(emu.state["attendances"]) == 0
        # asked for background processing, {} is the documented answer: no error
        assert await an.people.signup.background(email="later@example.org") is None


# -- 3. filters on every page -------------------------------------------------------------------
@pytest.mark.looptime
async def test_3_a_next_link_that_drops_the_filter_gets_it_back_and_prefetch_still_works(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=200),
        quirks=Quirks(next_drops_filter=True),
        timing=Timing(latency=0.2),
        rate_limit=None,
    ) as emu:
        an = make_client(emu, prefetch=4)
        cutoff = datetime(2014, 9, 1, tzinfo=timezone.utc)
        expected = [
            k
            for k, r in emu.state["people"].items.items()
            if r["modified_date"] > "2014-09-01T00:00:00Z"
        ]
        assert 75 < len(expected) < 200  # more than three pages, fewer than everyone
        got = [p.id async for p in an.people.modified_since(cutoff)]
        assert got == expected
        pages = [r for r in emu.log if r.path.endswith("/people")]
        assert len(pages) > 3
        assert all("filter=" in r.query for r in pages)  # every page asked with the filter
        assert emu.max_in_flight > 1  # pages were prefetched concurrently
        match = await an.people.find_by_email(
            emu.state["people"].values()[150]["email_addresses"][0]["address"]
        )
        assert match is not None
        assert match.id == emu.ids("people")[150]


# -- 4. a bad key at the entry point ------------------------------------------------------------
async def test_4_an_entry_point_without_links_is_reported_as_a_bad_key(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=3), quirks=Quirks(lenient_entry_point=True), rate_limit=None
    ) as emu:
        key = "wrong-key-0a1b2c3d4e5f6a7b"
        an = make_client(emu, api_key=key)
        with pytest.raises(AuthenticationError, match="key is probably wrong") as info:
            await an.people.get(emu.ids("people")[0])
        assert key not in str(info.value)
        with pytest.raises(AuthenticationError, match="osdi:person_signup_helper"):
            await an.people.signup(email="a@example.org")
        with pytest.raises(AuthenticationError):
            _ = [e async for e in an.events.list()]
        assert [r.status for r in emu.log] == [200]  # only the entry point was asked, once
        good = make_client(emu)
        assert (await good.people.get(emu.ids("people")[0])).id == emu.ids("people")[0]


# -- 5. event times are local wall-clock times --------------------------------------------------
async def test_5_event_times_keep_their_wall_time(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    new_york = ZoneInfo("America/New_York")
    evening = datetime(2026, 11, 5, 19, 0, tzinfo=new_york)
    event = await an.events.create(
        title="Rally", origin_system="x", start_date=evening, end_date=evening + timedelta(hours=2)
    )
    stored = emu.state["events"].get(event.id or "")
    assert (stored["start_date"], stored["end_date"]) == (
        "2026-11-05T19:00:00Z",
        "2026-11-05T21:00:00Z",
    )
    assert event.start_date == datetime(2026, 11, 5, 19, 0)  # read back as naive wall time
    assert event.created_date is not None
    assert event.created_date.tzinfo is not None  # system dates stay UTC
    found = [e.id async for e in an.events.list(starts_after=evening - timedelta(hours=1))]
    assert found == [event.id]
    assert "start_date gt '2026-11-05T18:00:00Z'" in emu.log[-1].query.replace("%20", " ").replace(
        "%27", "'"
    )


# -- 6. email and SMS consent are separate ------------------------------------------------------
async def test_6_email_and_phone_statuses_are_separate_consents(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    person = await an.people.signup(
        email="sam@example.org", phone="12025550199", email_status="subscribed"
    )
    sent = emu.log[-1].json()["person"]
    assert sent["email_addresses"][0]["status"] == "subscribed"
    assert "status" not in sent["phone_numbers"][0]  # the phone was not opted in
    texted = await an.people.update(person, phone_status="subscribed")  # explicitly, on its own
    assert emu.log[-1].json() == {"phone_numbers": [{"status": "subscribed"}]}
    assert texted.phone_numbers[0].status == "subscribed"
    quiet = await an.people.update(person.id or "", email_status="unsubscribed")
    assert (quiet.email_addresses[0].status, quiet.phone_numbers[0].status) == (
        "unsubscribed",
        "subscribed",
    )


# -- 7. writes send only what the API takes -----------------------------------------------------
async def test_7_writing_a_fetched_person_back_sends_nothing_the_api_refuses(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    key = emu.ids("people")[3]
    record = emu.state["people"].get(key)
    record["email_addresses"][0]["status"] = "bouncing"
    record["phone_numbers"][0]["status"] = "previous bounce"
    person = await an.people.get(key)
    person.given_name = "Renamed"
    updated = await an.people.update(person)  # the emulator answers 400 to a read status
    assert updated.given_name == "Renamed"
    sent = emu.log[-1].json()
    assert "status" not in sent["email_addresses"][0]
    assert "status" not in sent["phone_numbers"][0]
    assert not [i for i in sent["identifiers"] if i.startswith("action_network:")]
    assert "created_date" not in sent
    assert "modified_date" not in sent
    assert emu.state["people"].get(key)["email_addresses"][0]["status"] == "bouncing"
    with pytest.raises(ConfigurationError, match="not editable"):
        await an.people.update(key, identifiers=[f"action_network:{key}"])


# -- 8. events carry no identifier unless asked, and a lost create is not re-sent ---------------
@pytest.mark.looptime
async def test_8_a_create_whose_outcome_is_unknown_is_not_resent(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu, timeout=1.0)
    emu.add_fault("latency", path="events", method="POST", delay=5.0)
    with pytest.raises(
        OutcomeUnknownError, match=r"an\.events\.list\(F\.title == 'Vigil'\)"
    ) as info:
        await an.events.create(title="Vigil", origin_system="sync")
    assert isinstance(info.value.__cause__, OutcomeUnknownError)
    assert isinstance(info.value.__cause__.__cause__, RequestTimeoutError)
    await emu.idle()
    posts = [r for r in emu.log if r.method == "POST"]
    assert len(posts) == 1  # not re-sent
    assert "identifiers" not in posts[0].json()  # no identifier was made up
    vigils = [e for e in emu.state["events"].values() if e["title"] == "Vigil"]
    assert len(vigils) == 1  # it had landed: the error said to check
    plain = await an.events.create(title="Plain", origin_system="sync")
    assert [i for i in plain.identifiers if not i.startswith("action_network:")] == []


# -- 9. webhooks: upload and response types, person_id ------------------------------------------
@pytest.mark.looptime
async def test_9_an_api_signup_reaches_an_upload_handler_with_the_person_id(
    make_client: ClientFactory,
    servers: Callable[[dict[str, Handler]], Awaitable[Server]],
) -> None:
    greeted: list[tuple[str, str | None]] = []
    hooks = webhooks.receiver(secret="a-long-random-token-0123")
    an: ActionNetwork | None = None

    @hooks.on("action_network:upload")
    async def new_signup(event: webhooks.WebhookEvent) -> None:
        assert an is not None
        assert event.person_id is not None
        assert isinstance(event.payload, webhooks.UploadPayload)
        person = await an.people.get(event.person_id)
        greeted.append((event.type, person.email))

    runner = web.AppRunner(hooks.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        hook = f"http://127.0.0.1:{port}/webhooks/action-network/a-long-random-token-0123"
        async with Emulator(webhooks=Webhooks(url=hook), rate_limit=None) as emu:
            an = make_client(emu)
            await an.people.signup(email="ann@example.org", given_name="Ann")
            await emu.idle()
    finally:
        await runner.cleanup()
    assert greeted == [("action_network:upload", "ann@example.org")]
    survey = {"identifiers": ["action_network:r1"], "person": {"given_name": "Q"}}
    (response,) = webhooks.parse([{"action_network:response": survey}])
    assert isinstance(response.payload, webhooks.ResponsePayload)
    assert response.person_id is None  # no link, no identifier: nothing to look up


# -- 10. one error tree ------------------------------------------------------------------------
async def test_10_errors_come_from_the_one_tree(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError, match="nothing to update"):
        await an.people.update(emu.ids("people")[0])
    with pytest.raises(ConfigurationError, match="16 characters"):
        webhooks.receiver(secret="short")
    # an answer without the resource a write should return
    event_id = emu.ids("events")[0]
    emu.add_fault("empty", path=f"events/{event_id}", method="PUT")
    with pytest.raises(NothingAcceptedError):
        await an.events.update(event_id, title="x")
    emu.add_fault("empty", path="unique_id_lists", method="POST")
    with pytest.raises(NothingAcceptedError):
        await an.unique_id_lists.create("L", emu.ids("people")[:3])
    # a chunked write whose second chunk holds a bad id: the first chunk had landed
    good = emu.ids("people")[:5]
    with pytest.raises(IncompleteWriteError) as info:
        await an.unique_id_lists.create("Part", [*good, "not-an-id"], chunk_size=5)
    assert info.value.sent == 5
    assert isinstance(info.value.cause, ConfigurationError)
    assert info.value.result is not None
    assert info.value.result.count == 5
    assert emu.state.list_ids[info.value.result.id or ""] == good
    await an.aclose()
    with pytest.raises(ClientClosedError):
        await an.people.get(emu.ids("people")[0])
