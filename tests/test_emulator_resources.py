"""Every resource the emulator serves, over raw HTTP: the server's contract, without the client.

Each test speaks to the emulator with a bare aiohttp session, as a third-party client would,
and checks a rule of the API's documentation (https://actionnetwork.org/docs/v2/<resource>).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import attrs
import pytest
import pytest_asyncio
from aiohttp import web

from actionnetwork_async.testing import Emulator, Quirks, Seed, Timing, Webhooks

pytestmark = pytest.mark.asyncio

SEEDS: dict[str, Any] = {
    "people": 12,
    "events": 2,
    "event_campaigns": 2,
    "tags": 3,
    "petitions": 2,
    "forms": 2,
    "fundraising_pages": 2,
    "advocacy_campaigns": 2,
    "surveys": 2,
    "campaigns": 2,
    "queries": 2,
    "wrappers": 2,
    "lists": 2,
    "messages": 2,
    "attendances": 6,
    "signatures": 10,
    "submissions": 6,
    "donations": 5,
    "outreaches": 4,
    "responses": 4,
    "taggings": 9,
    "items": 30,
}
JANE = {"given_name": "Jane", "email_addresses": [{"address": "jane@example.org"}]}


class Api:
    """A bare HTTP client for the emulator: (status, decoded body) for each call."""

    def __init__(self, emu: Emulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.emu.base_url + path

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = "default",
        **params: Any,
    ) -> tuple[int, Any]:
        headers = {} if key is None else {"OSDI-API-Token": self.emu.api_key}
        if key not in (None, "default"):
            headers["OSDI-API-Token"] = key
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self.session.request(
            method, self.url(path), data=data, headers=headers, params=params or None
        ) as resp:
            return resp.status, await resp.json(content_type=None)

    async def get(self, path: str, **params: Any) -> Any:
        status, body = await self.call("GET", path, **params)
        assert status == 200, (path, status, body)
        return body

    async def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        status, answer = await self.call(method, path, body, **params)
        assert status == 200, (method, path, status, answer)
        return answer

    async def error(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, str]:
        status, answer = await self.call(method, path, body, **kw)
        assert status >= 400, (method, path, status, answer)
        return status, answer["error"]


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(
        seed=Seed(**SEEDS), timing=Timing(background_delay=0.01), rate_limit=None
    ) as server:
        yield server


@pytest_asyncio.fixture
async def api(emu: Emulator) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(emu, session)


class Hooks:
    """A webhook endpoint on loopback that keeps every payload element it gets."""

    def __init__(self) -> None:
        self.elements: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # on the loop's clock
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.elements.extend(json.loads(await request.read()))
        self.arrivals.append(asyncio.get_running_loop().time())
        return web.Response(status=200)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.elements if kind in e]


@pytest_asyncio.fixture
async def hooks() -> AsyncIterator[Hooks]:
    receiver = Hooks()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.url = f"http://127.0.0.1:{port}/hook"
    yield receiver
    await runner.cleanup()


Started = Callable[..., Awaitable[tuple[Emulator, Api]]]


@pytest_asyncio.fixture
async def started() -> AsyncIterator[Started]:
    """Starts emulators configured by the test, with a session each; stops them afterwards."""
    running: list[tuple[Emulator, aiohttp.ClientSession]] = []

    async def start(**kw: Any) -> tuple[Emulator, Api]:
        kw.setdefault("rate_limit", None)
        kw.setdefault("timing", Timing(background_delay=0.01))
        emu = await Emulator(**kw).start()
        session = aiohttp.ClientSession()
        running.append((emu, session))
        return emu, Api(emu, session)

    yield start
    for emu, session in running:
        await session.close()
        await emu.stop()


def href_id(href: str) -> str:
    return href.rstrip("/").rsplit("/", 1)[-1]


# -- the entry point ----------------------------------------------------------------------------
async def test_the_entry_point_links_every_collection(emu: Emulator, api: Api) -> None:
    aep = await api.get("")
    assert (aep["osdi_version"], aep["namespace"], aep["max_page_size"]) == (
        "1.1.1",
        "action_network",
        25,
    )
    expected = {
        "osdi:people": "people",
        "osdi:events": "events",
        "action_network:event_campaigns": "event_campaigns",
        "action_network:campaigns": "campaigns",
        "osdi:petitions": "petitions",
        "osdi:forms": "forms",
        "osdi:fundraising_pages": "fundraising_pages",
        "osdi:donations": "donations",
        "osdi:advocacy_campaigns": "advocacy_campaigns",
        "action_network:surveys": "surveys",
        "osdi:tags": "tags",
        "osdi:messages": "messages",
        "osdi:lists": "lists",
        "osdi:queries": "queries",
        "osdi:wrappers": "wrappers",
        "action_network:unique_id_lists": "unique_id_lists",
    }
    for rel, name in expected.items():
        page = await api.get(aep["_links"][rel]["href"])
        assert rel in page["_embedded"], rel
        assert len(page["_embedded"][rel]) == len(emu.state[name]), rel
    assert aep["_links"]["osdi:person_signup_helper"]["href"] == api.url("people")
    metadata = await api.get(aep["_links"]["action_network:metadata"]["href"])
    assert metadata["name"] == "Action Network"


# -- action pages -----------------------------------------------------------------------------
ACTIONS = [
    ("petitions", "osdi:petitions", "osdi:signatures", "total_signatures"),
    ("forms", "osdi:forms", "osdi:submissions", "total_submissions"),
    ("fundraising_pages", "osdi:fundraising_pages", "osdi:donations", "total_donations"),
    ("advocacy_campaigns", "osdi:advocacy_campaigns", "osdi:outreaches", "total_outreaches"),
    ("surveys", "action_network:surveys", "action_network:responses", "total_responses"),
    ("event_campaigns", "action_network:event_campaigns", "osdi:events", "total_events"),
]


@pytest.mark.parametrize(("name", "rel", "child_rel", "counter"), ACTIONS)
async def test_action_pages_list_get_create_update_and_never_delete(
    emu: Emulator, api: Api, name: str, rel: str, child_rel: str, counter: str
) -> None:
    page = await api.get(name)
    assert (page["total_records"], page["total_pages"]) == (len(emu.state[name]), 1)
    first = page["_embedded"][rel][0]
    assert (
        first["_links"][child_rel]["href"]
        == first["_links"]["self"]["href"] + "/" + child_rel.split(":")[1]
    )
    assert first["_links"]["action_network:embed"]
    children = await api.get(first["_links"][child_rel]["href"])
    assert children["total_records"] == first[counter]  # the count is the collection's size

    status, message = await api.error("POST", name, {"title": "No origin"})
    assert (status, message) == (400, "The origin_system field is required")
    body = {
        "title": "Save the Park",
        "origin_system": "MyCMS",
        "identifiers": ["mycms:1"],
        counter: 99,  # computed by the API: ignored
    }
    made = await api.ok("POST", name, body)
    assert (made["title"], made["origin_system"], made[counter]) == ("Save the Park", "MyCMS", 0)
    assert made["action_network:hidden"] is False
    again = await api.ok("POST", name, body)  # identifiers are unique: the same one comes back
    assert again["identifiers"] == made["identifiers"]
    assert len(emu.state[name]) == len(page["_embedded"][rel]) + 1

    changed = await api.ok(
        "PUT", made["_links"]["self"]["href"], {"title": "Save Two Parks", counter: 5}
    )
    assert (changed["title"], changed[counter]) == ("Save Two Parks", 0)
    found = await api.get(name, filter="title eq 'Save Two Parks'")
    assert [r["identifiers"] for r in found["_embedded"][rel]] == [made["identifiers"]]
    status, message = await api.error("DELETE", made["_links"]["self"]["href"])
    assert status == 405
    assert "not allowed" in message


async def test_campaigns_queries_wrappers_and_lists_are_read_only(emu: Emulator, api: Api) -> None:
    for name in ("campaigns", "queries", "wrappers", "lists"):
        page = await api.get(name)
        one = page["_embedded"][next(iter(page["_embedded"]))][0]
        assert (await api.get(one["_links"]["self"]["href"]))["identifiers"] == one["identifiers"]
        assert (await api.error("POST", name, {"name": "x"}))[0] == 405
        assert (await api.error("PUT", one["_links"]["self"]["href"], {"name": "x"}))[0] == 405
        assert (await api.error("DELETE", one["_links"]["self"]["href"]))[0] == 405
    wrapper = (await api.get("wrappers"))["_embedded"]["osdi:wrappers"][0]
    assert {"name", "header", "footer"} <= set(wrapper)
    query = (await api.get("queries"))["_embedded"]["osdi:queries"][0]
    assert query["browser_url"].startswith("https://actionnetwork.org/queries/")


# -- record helpers ---------------------------------------------------------------------------
@attrs.frozen
class Helper:
    """A record helper as its page documents it."""

    home: str  # the action it records on
    records: str  # what it records
    rel: str  # the rel of those records' collection
    helper: str  # the helper's rel on the action
    hook: str  # the webhook type it sends
    dedupes: bool  # one per person and action: a repeat updates it
    extra: dict[str, Any] = attrs.field(factory=dict)  # fields the record needs


HELPERS = [
    Helper(
        "petitions",
        "signatures",
        "osdi:signatures",
        "osdi:record_signature_helper",
        "osdi:signature",
        True,
        {"comments": "Yes"},
    ),
    Helper(
        "forms",
        "submissions",
        "osdi:submissions",
        "osdi:record_submission_helper",
        "osdi:submission",
        True,
    ),
    Helper(
        "fundraising_pages",
        "donations",
        "osdi:donations",
        "osdi:record_donation_helper",
        "osdi:donation",
        False,
        {
            "recipients": [
                {"display_name": "A", "amount": "7.50"},
                {"display_name": "B", "amount": "2.5"},
            ]
        },
    ),
    Helper(
        "advocacy_campaigns",
        "outreaches",
        "osdi:outreaches",
        "osdi:record_outreach_helper",
        "osdi:outreach",
        False,
        {"type": "email"},
    ),
    Helper(
        "surveys",
        "responses",
        "action_network:responses",
        "action_network:record_response_helper",
        "action_network:response",
        True,
    ),
    Helper(
        "events",
        "attendances",
        "osdi:attendances",
        "osdi:record_attendance_helper",
        "osdi:attendance",
        True,
    ),
]


@pytest.mark.parametrize("case", HELPERS, ids=lambda h: h.records)
async def test_record_helpers_match_the_person_tag_count_and_send_their_webhook(
    started: Started, hooks: Hooks, case: Helper
) -> None:
    emu, api = await started(seed=Seed(people=3, tags=2), webhooks=Webhooks(url=hooks.url))
    # donations and outreaches go only to actions made over the API: make one of each kind
    page = await api.ok("POST", case.home, {"title": "API page", "origin_system": "test"})
    page_url, helper = page["_links"]["self"]["href"], page["_links"][case.helper]["href"]
    counter = "total_accepted" if case.home == "events" else f"total_{case.records}"
    existing = emu.state["people"].values()[1]["email_addresses"][0]["address"]
    body = {
        "person": {"given_name": "Kim", "email_addresses": [{"address": existing.upper()}]},
        "add_tags": ["volunteer", "no such tag"],
        **case.extra,
    }
    made = await api.ok("POST", helper, body)
    assert len(emu.state["people"]) == 3  # matched by email, case aside
    person_url = made["_links"]["osdi:person"]["href"]
    assert href_id(person_url) == emu.ids("people")[1]
    assert (await api.get(person_url))["given_name"] == "Kim"
    assert made["_links"]["self"]["href"].startswith(f"{page_url}/{case.records}/")
    assert (await api.get(page_url))[counter] == 1
    taggings = await api.get(f"{person_url}/taggings")
    assert len(taggings["_embedded"]["osdi:taggings"]) == 1  # the unknown tag is ignored
    mine = (await api.get(f"{person_url}/{case.records}"))["_embedded"][case.rel]
    assert [r["identifiers"] for r in mine] == [made["identifiers"]]

    second = await api.ok("POST", helper, body)
    assert (second["identifiers"] == made["identifiers"]) is case.dedupes
    assert (await api.get(page_url))[counter] == (1 if case.dedupes else 2)

    await emu.idle()
    first_hook, second_hook = hooks.of(case.hook)
    payload = first_hook[case.hook]
    assert payload["identifiers"] == made["identifiers"]
    assert payload["person"] == body["person"]  # the fields entered, not the whole record
    assert payload["add_tags"] == ["volunteer", "no such tag"]
    assert payload["_links"]["osdi:person"]["href"] == person_url
    assert first_hook["action_network:sponsor"]["url"].startswith("https://actionnetwork.org/")
    assert len(first_hook["idempotency_key"]) == 32
    assert first_hook["idempotency_key"] != second_hook["idempotency_key"]

    unsubscribed = {"email_addresses": [{"address": "a@b.org", "status": "unsubscribed"}]}
    status, message = await api.error("POST", helper, {"person": unsubscribed, **case.extra})
    assert status == 400
    assert "cannot be set" in message  # only "subscribed" on the helpers of actions


async def test_records_posted_with_a_person_link_changed_and_never_deleted(
    emu: Emulator, api: Api, hooks: Hooks
) -> None:
    person = emu.ids("people")[4]
    petition = emu.ids("petitions")[1]
    link = {"_links": {"osdi:person": {"href": api.url(f"people/{person}")}}}
    status, message = await api.error(
        "POST", f"petitions/{petition}/signatures", {"comments": "hi"}
    )
    assert (status, message) == (400, "Adding signatures needs an osdi:person link")
    signature = await api.ok("POST", f"petitions/{petition}/signatures", {**link, "comments": "hi"})
    assert signature["action_network:person_id"] == person
    url = signature["_links"]["self"]["href"]
    changed = await api.ok("PUT", url, {"comments": "changed", "action_network:person_id": "x"})
    assert (changed["comments"], changed["action_network:person_id"]) == ("changed", person)
    same = await api.get(f"people/{person}/signatures/{href_id(url)}")
    assert same["comments"] == "changed"
    assert (await api.error("DELETE", url))[0] == 405
    status, _ = await api.error(
        "GET", f"petitions/{emu.ids('petitions')[0]}/signatures/{href_id(url)}"
    )
    assert status == 404  # it is not that petition's
    # signatures are POSTed to a petition, not to a person
    assert (await api.error("POST", f"people/{person}/signatures", link))[0] == 405


async def test_donations_are_a_top_level_collection_and_only_go_to_api_pages(
    emu: Emulator, api: Api
) -> None:
    everything = await api.get("donations")
    assert everything["total_records"] == 5
    assert (await api.error("POST", "donations", {"recipients": []}))[0] == 405
    ui_page = emu.ids("fundraising_pages")[0]
    person = {"person": JANE, "recipients": [{"display_name": "PAN", "amount": "5"}]}
    status, message = await api.error("POST", f"fundraising_pages/{ui_page}/donations", person)
    assert status == 400
    assert "created via the API" in message
    assert len(emu.state["people"]) == 12  # refused before the person was added
    page = await api.ok("POST", "fundraising_pages", {"title": "T", "origin_system": "o"})
    url = page["_links"]["osdi:record_donation_helper"]["href"]
    _, message = await api.error("POST", url, {"person": JANE})
    assert message == "A donation needs a recipients array"
    donation = await api.ok(
        "POST",
        url,
        {
            **person,
            "recipients": [
                {"display_name": "A", "amount": "5"},
                {"display_name": "B", "amount": "2.25"},
            ],
        },
    )
    assert (donation["amount"], donation["currency"]) == ("7.25", "USD")
    assert (await api.get(page["_links"]["self"]["href"]))["total_amount"] == "7.25"
    one = await api.get(f"donations/{href_id(donation['_links']['self']['href'])}")
    assert one["identifiers"] == donation["identifiers"]
    assert (await api.error("PUT", donation["_links"]["self"]["href"], {"amount": "1"}))[0] == 405
    assert (await api.get("donations"))["total_records"] == 6


# -- per-person collections -------------------------------------------------------------------
async def test_every_per_person_collection_holds_that_persons_records(
    emu: Emulator, api: Api
) -> None:
    person = emu.ids("people")[0]
    links = (await api.get(f"people/{person}"))["_links"]
    expected = {
        "osdi:attendances": ("attendances", "action_network:person_id"),
        "osdi:signatures": ("signatures", "action_network:person_id"),
        "osdi:submissions": ("submissions", "action_network:person_id"),
        "osdi:donations": ("donations", "action_network:person_id"),
        "osdi:outreaches": ("outreaches", "action_network:person_id"),
        "action_network:responses": ("responses", "action_network:person_id"),
        "osdi:taggings": ("taggings", "_person_id"),
    }
    for rel, (name, field) in expected.items():
        page = await api.get(links[rel]["href"])
        mine = [r for r in emu.state[name].values() if r.get(field) == person]
        assert mine, rel  # the seeds give the first person one of each
        got = page["_embedded"][rel]
        assert [g["identifiers"] for g in got] == [r["identifiers"] for r in mine], rel
        assert all(g["_links"]["osdi:person"]["href"] == api.url(f"people/{person}") for g in got)
        one = await api.get(f"{links[rel]['href']}/{href_id(got[0]['_links']['self']['href'])}")
        assert one["identifiers"] == got[0]["identifiers"]
    cutoff = "2014-04-19T21:05:00Z"
    later = await api.get(links["osdi:signatures"]["href"], filter=f"created_date gt '{cutoff}'")
    assert all(s["created_date"] > cutoff for s in later["_embedded"]["osdi:signatures"])


async def test_attendances_keep_their_documented_link_quirks(emu: Emulator, api: Api) -> None:
    event = await api.get(f"events/{emu.ids('events')[0]}")
    helper = event["_links"]["osdi:record_attendance_helper"]["href"]
    assert event["_links"]["record_attendance_helper"]["href"] == helper  # unprefixed, too
    attendance = (await api.get(event["_links"]["osdi:attendances"]["href"]))["_embedded"][
        "osdi:attendances"
    ][0]
    assert attendance["_links"]["osdi:people"] == attendance["_links"]["osdi:person"]
    changed = await api.ok("PUT", attendance["_links"]["self"]["href"], {"status": "declined"})
    assert changed["status"] == "declined"


# -- tags and taggings ------------------------------------------------------------------------
async def test_tags_lead_to_taggings_and_taggings_to_people(emu: Emulator, api: Api) -> None:
    tags = (await api.get("tags"))["_embedded"]["osdi:tags"]
    tag = tags[0]
    taggings = (await api.get(tag["_links"]["osdi:taggings"]["href"]))["_embedded"]["osdi:taggings"]
    assert taggings
    for tagging in taggings:
        assert tagging["item_type"] == "osdi:person"
        assert tagging["_links"]["osdi:tag"]["href"] == tag["_links"]["self"]["href"]
        person = await api.get(tagging["_links"]["osdi:person"]["href"])
        mine = await api.get(person["_links"]["osdi:taggings"]["href"])
        assert tagging["identifiers"] in [
            t["identifiers"] for t in mine["_embedded"]["osdi:taggings"]
        ]
    assert (await api.error("PUT", tag["_links"]["self"]["href"], {"name": "x"}))[0] == 405
    assert (await api.error("DELETE", tag["_links"]["self"]["href"]))[0] == 405
    assert (await api.error("GET", "tags", filter="name eq 'x'"))[0] == 400  # no filter on tags

    person = emu.ids("people")[11]
    link = {"_links": {"osdi:person": {"href": api.url(f"people/{person}")}}}
    made = await api.ok("POST", tag["_links"]["osdi:taggings"]["href"], link)
    again = await api.ok("POST", tag["_links"]["osdi:taggings"]["href"], link)
    assert again["identifiers"] == made["identifiers"]  # one tagging per person and tag
    assert (await api.error("PUT", made["_links"]["self"]["href"], {}))[0] == 405
    gone = await api.ok("DELETE", made["_links"]["self"]["href"])
    assert gone == {"notice": "This tagging was successfully deleted."}
    assert (await api.error("GET", made["_links"]["self"]["href"]))[0] == 404


@pytest.mark.looptime
async def test_taggings_post_and_delete_in_the_background(started: Started) -> None:
    # The writes wait 30 s of the loop's clock (fast-forwarded): not yet done when the answer
    # is read, however busy the machine.
    emu, api = await started(seed=Seed(**SEEDS), timing=Timing(background_delay=30.0))
    tag, person = emu.ids("tags")[2], emu.ids("people")[10]
    link = {"_links": {"osdi:person": {"href": api.url(f"people/{person}")}}}
    before = len(emu.state["taggings"])
    assert await api.ok("POST", f"tags/{tag}/taggings", link, background_request="true") == {}
    assert len(emu.state["taggings"]) == before
    await emu.idle()
    assert len(emu.state["taggings"]) == before + 1
    made = emu.state["taggings"].values()[-1]
    key = made["identifiers"][0].split(":")[1]
    assert await api.ok("DELETE", f"tags/{tag}/taggings/{key}", background_request="true") == {}
    await emu.idle()
    assert len(emu.state["taggings"]) == before


# -- messages ---------------------------------------------------------------------------------
MESSAGE = {"subject": "Rally Saturday", "body": "<p>Come</p>", "from": "PAN", "reply_to": "a@b.org"}


@pytest.mark.looptime
async def test_messages_are_targeted_then_sent_with_statistics_and_a_recipients_list(
    started: Started,
) -> None:
    # Targeting and sending take 30 s of the loop's clock (fast-forwarded), so each state is
    # still there when the next request looks, however busy the machine.
    emu, api = await started(seed=Seed(**SEEDS), timing=Timing(background_delay=30.0))
    assert (await api.error("POST", "messages", {"subject": "x"}))[
        1
    ] == "The body field is required"
    bad = {**MESSAGE, "targets": [{"href": api.url(f"lists/{emu.ids('lists')[0]}")}]}
    assert (await api.error("POST", "messages", bad))[0] == 400  # targets are queries
    wrapper = api.url(f"wrappers/{emu.ids('wrappers')[0]}")
    message = await api.ok(
        "POST", "messages", {**MESSAGE, "_links": {"osdi:wrapper": {"href": wrapper}}}
    )
    assert (message["status"], message["total_targeted"], message["type"]) == (
        "calculating",
        0,
        "email",
    )
    assert message["_links"]["osdi:wrapper"]["href"] == wrapper
    url = message["_links"]["self"]["href"]
    await emu.idle()
    draft = await api.get(url)
    assert (draft["status"], draft["total_targeted"]) == ("draft", 12)  # everyone subscribed

    query = emu.ids("queries")[0]  # every 2nd person
    targeted = await api.ok(
        "PUT", url, {"targets": [{"href": api.url(f"queries/{query}")}], "subject": "New"}
    )
    assert (targeted["status"], targeted["subject"]) == ("calculating", "New")
    await emu.idle()
    assert (await api.get(url))["total_targeted"] == 6
    assert (await api.error("DELETE", url))[0] == 405

    sent = await api.ok("POST", draft["_links"]["osdi:send_helper"]["href"], {})
    assert sent == {"message": "Your email has been sent."}
    assert (await api.get(url))["status"] == "sending"
    await emu.idle()
    done = await api.get(url)
    assert (done["status"], done["statistics"]["sent"]) == ("sent", 6)
    recipients = await api.get(done["_links"]["osdi:recipients"]["href"])
    assert recipients["description"] == "Email"
    items = await api.get(recipients["_links"]["osdi:items"]["href"])
    people = {href_id(i["_links"]["osdi:person"]["href"]) for i in items["_embedded"]["osdi:items"]}
    assert people == set(emu.ids("people")[::2])
    status, error = await api.error("PUT", url, {"subject": "Too late"})
    assert (status, error) == (400, "A message in sent status cannot be changed")
    assert (await api.error("POST", draft["_links"]["osdi:send_helper"]["href"], {}))[0] == 400


@pytest.mark.looptime
async def test_messages_are_scheduled_unscheduled_sent_on_time_and_stopped(
    started: Started,
) -> None:
    emu, api = await started(seed=Seed(people=5), timing=Timing(background_delay=30.0))
    message = await api.ok("POST", "messages", MESSAGE)
    url = message["_links"]["self"]["href"]
    schedule = message["_links"]["osdi:schedule_helper"]["href"]
    assert (await api.error("POST", schedule, {"scheduled_start_date": "2030-01-01T00:00:00Z"}))[
        0
    ] == 400  # still calculating
    await emu.idle()
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "future" in (await api.error("POST", schedule, {"scheduled_start_date": past}))[1]
    soon = (datetime.now(timezone.utc) + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert await api.ok("POST", schedule, {"scheduled_start_date": soon}) == {
        "message": "Your message has been scheduled"
    }
    assert (await api.get(url))["status"] == "scheduled"
    assert (await api.error("PUT", url, {"subject": "x"}))[0] == 400
    assert (await api.ok("DELETE", schedule))["message"]
    assert (await api.get(url))["status"] == "draft"
    assert await api.ok("POST", schedule, {"scheduled_start_date": soon})
    await emu.idle()  # a send scheduled for later is not waited for
    assert (await api.get(url))["status"] == "scheduled"
    await asyncio.sleep(95)  # the loop's clock: looptime fast-forwards
    assert (await api.get(url))["status"] == "sending"
    await emu.idle()
    assert (await api.get(url))["status"] == "sent"

    other = await api.ok("POST", "messages", MESSAGE)
    await emu.idle()
    send = other["_links"]["osdi:send_helper"]["href"]
    await api.ok("POST", send, {})
    assert (await api.ok("DELETE", send))["message"] == "Your email has been stopped."
    await emu.idle()
    stopped = await api.get(other["_links"]["self"]["href"])
    assert stopped["status"] == "stopped"
    assert "_links" not in stopped or "osdi:recipients" not in stopped["_links"]
    assert (await api.error("DELETE", send))[0] == 400  # nothing is sending


# -- lists and items --------------------------------------------------------------------------
async def test_items_have_no_totals_and_the_people_paging(emu: Emulator, api: Api) -> None:
    listed = emu.ids("lists")[0]
    first = await api.get(f"lists/{listed}/items", per_page=10)
    assert "total_records" not in first
    assert "total_pages" not in first
    pages = [first]
    while pages[-1]["_embedded"]["osdi:items"]:
        assert "next" in pages[-1]["_links"]  # a next link on every page with items, the last too
        pages.append(await api.get(pages[-1]["_links"]["next"]["href"]))
    assert "next" not in pages[-1]["_links"]
    items = [i for p in pages for i in p["_embedded"]["osdi:items"]]
    assert len(items) == len(emu.state.owned("items", "lists", listed)) == 18  # 12 + 6 of 30
    assert {i["action_network:list_id"] for i in items} == {listed}
    assert (await api.error("POST", f"lists/{listed}/items", {}))[0] == 405
    assert (await api.error("GET", f"people/{emu.ids('people')[0]}/items"))[0] == 404


# -- metadata, custom fields and embeds -------------------------------------------------------
async def test_custom_fields_are_the_names_people_carry(emu: Emulator, api: Api) -> None:
    metadata = await api.get("metadata")
    fields = await api.get(metadata["_links"]["action_network:custom_fields"]["href"])
    names = [f["name"] for f in fields["action_network:custom_fields"]]
    assert names == ["volunteer", "seq"]
    assert all(
        {"created_date", "modified_date", "numeric_id"} <= set(f)
        for f in fields["action_network:custom_fields"]
    )
    await api.ok("POST", "people", {"person": {**JANE, "custom_fields": {"shirt_size": "M"}}})
    fields = await api.get("metadata/custom_fields")
    assert [f["name"] for f in fields["action_network:custom_fields"]][-1] == "shirt_size"
    assert (await api.error("POST", "metadata", {}))[0] == 405
    assert (await api.error("PUT", "metadata/custom_fields", {}))[0] == 405


async def test_embed_codes_exist_for_actions_made_in_the_user_interface(
    emu: Emulator, api: Api
) -> None:
    for name in (
        "petitions",
        "forms",
        "fundraising_pages",
        "advocacy_campaigns",
        "surveys",
        "events",
        "event_campaigns",
    ):
        action = await api.get(f"{name}/{emu.ids(name)[0]}")
        codes = await api.get(action["_links"]["action_network:embed"]["href"])
        styles = [
            f"embed_{size}_{style}"
            for size in ("standard", "full")
            for style in ("default_styles", "layout_only_styles", "no_styles")
        ]
        assert sorted(k for k in codes if k != "_links") == sorted(styles), name
        assert action["browser_url"].rsplit("/", 1)[-1] in codes["embed_full_no_styles"]
        assert (await api.error("POST", action["_links"]["action_network:embed"]["href"], {}))[
            0
        ] == 405
    made = await api.ok("POST", "petitions", {"title": "API made", "origin_system": "x"})
    assert (await api.error("GET", made["_links"]["action_network:embed"]["href"]))[0] == 404
    assert (await api.error("GET", f"campaigns/{emu.ids('campaigns')[0]}/embed"))[0] == 404


# -- switches and documented extras -----------------------------------------------------------
HELPER_POSTS = [
    ("petitions", "signatures", {}),
    ("forms", "submissions", {}),
    ("surveys", "responses", {}),
    ("events", "attendances", {}),
]


async def test_empty_helper_answers_covers_every_helper(started: Started) -> None:
    emu, api = await started(
        seed=Seed(people=2, petitions=1, forms=1, surveys=1, events=1, messages=2),
        quirks=Quirks(empty_helper_answers=True),
    )
    fundraiser = await api.ok("POST", "fundraising_pages", {"title": "t", "origin_system": "o"})
    advocacy = await api.ok("POST", "advocacy_campaigns", {"title": "t", "origin_system": "o"})
    urls = [f"{home}/{emu.ids(home)[0]}/{records}" for home, records, _ in HELPER_POSTS]
    urls += [
        fundraiser["_links"]["osdi:record_donation_helper"]["href"],
        advocacy["_links"]["osdi:record_outreach_helper"]["href"],
    ]
    for url in urls:
        body = {"person": JANE, "recipients": [{"display_name": "x", "amount": "1"}]}
        assert await api.ok("POST", url, body) == {}
    assert await api.ok("POST", "people", {"person": JANE}) == {}
    assert len(emu.state["people"]) == 2
    assert (
        sum(
            len(emu.state[n])
            for n in (
                "signatures",
                "submissions",
                "responses",
                "attendances",
                "donations",
                "outreaches",
            )
        )
        == 0
    )
    draft = next(m for m in emu.state["messages"].values() if m["status"] == "draft")
    key = draft["identifiers"][0].split(":")[1]
    assert await api.ok("POST", f"messages/{key}/send", {}) == {}
    assert (
        await api.ok(
            "POST", f"messages/{key}/schedule", {"scheduled_start_date": "2040-01-01T00:00:00Z"}
        )
        == {}
    )
    assert emu.state["messages"].get(key)["status"] == "draft"
    # input is still checked
    assert (await api.error("POST", urls[0], {"person": {"given_name": "No contact"}}))[0] == 400


async def test_helpers_take_posts_without_a_key_and_answer_no_data(emu: Emulator, api: Api) -> None:
    petition = emu.ids("petitions")[0]
    url = f"petitions/{petition}/signatures"
    before = len(emu.state["signatures"])
    status, answer = await api.call("POST", url, {"person": JANE}, key=None)
    assert (status, answer) == (200, {})
    assert len(emu.state["signatures"]) == before + 1
    link = {"_links": {"osdi:person": {"href": api.url(f"people/{emu.ids('people')[0]}")}}}
    assert (await api.call("POST", url, link, key=None))[0] == 403  # not a helper POST
    assert (await api.call("POST", url, {"person": JANE}, key="wrong-key-0123456789"))[0] == 403
    assert (await api.call("GET", url, key=None))[0] == 403
    assert (await api.call("POST", "people", {"person": JANE}, key=None))[0] == 403


@pytest.mark.looptime
async def test_record_helpers_queue_in_the_background(started: Started) -> None:
    # The writes wait 30 s of the loop's clock (fast-forwarded): not yet done when the answer
    # is read, however busy the machine.
    emu, api = await started(seed=Seed(**SEEDS), timing=Timing(background_delay=30.0))
    form = emu.ids("forms")[0]
    before = len(emu.state["submissions"])
    assert (
        await api.ok(
            "POST", f"forms/{form}/submissions", {"person": JANE}, background_request="true"
        )
        == {}
    )
    assert len(emu.state["submissions"]) == before
    await emu.idle()
    assert len(emu.state["submissions"]) == before + 1
    # a queued write the API refuses fails later, unseen by the client
    person = emu.ids("people")[0]
    bad = {"email_addresses": [{"status": "bouncing"}]}
    assert await api.ok("PUT", f"people/{person}", bad, background_request="true") == {}
    await emu.idle()
    assert [e.status for e in emu.background_errors] == [400]
    # what the API does not queue answers at once
    petition = await api.ok(
        "POST", "petitions", {"title": "t", "origin_system": "o"}, background_request="true"
    )
    assert petition["title"] == "t"


async def test_autoresponses_only_from_pages_made_in_the_user_interface(
    emu: Emulator, api: Api
) -> None:
    triggers = {"triggers": {"autoresponse": {"enabled": True}}}
    ui = emu.ids("petitions")[0]
    await api.ok("POST", f"petitions/{ui}/signatures", {"person": JANE, **triggers})
    made = await api.ok("POST", "petitions", {"title": "t", "origin_system": "o"})
    await api.ok(
        "POST", made["_links"]["osdi:record_signature_helper"]["href"], {"person": JANE, **triggers}
    )
    await api.ok(
        "POST",
        f"petitions/{ui}/signatures",
        {"person": {"email_addresses": [{"address": "b@x.org"}]}},
    )
    assert emu.autoresponses == [("petitions", ui, "jane@example.org")]


async def test_strict_filters_follow_the_documented_table_per_collection(
    emu: Emulator, api: Api
) -> None:
    assert (await api.get("advocacy_campaigns", filter="title eq 'Write Your Senator #1'"))[
        "total_records"
    ] == 1
    assert (await api.get("surveys", filter="origin_system eq 'Action Network'"))[
        "total_records"
    ] == 2
    assert (await api.get("donations", filter="created_date gt '2014-01-01'"))["total_records"] == 5
    for path, text in (
        ("messages", "subject eq 'x'"),  # not in the table
        ("lists", "name eq 'x'"),
        ("queries", "name eq 'x'"),
        ("donations", "amount eq '5.00'"),  # records: identifier and dates only
        ("petitions", "name eq 'x'"),  # not a listed field
    ):
        assert (await api.error("GET", path, filter=text))[0] == 400, path


@pytest.mark.looptime
async def test_webhooks_arrive_late_and_only_of_the_types_the_trigger_selects(
    started: Started, hooks: Hooks
) -> None:
    emu, api = await started(
        seed=Seed(petitions=1),
        webhooks=Webhooks(url=hooks.url, delay=120, types=["osdi:signature"]),
    )
    posted = asyncio.get_running_loop().time()
    await api.ok("POST", "people", {"person": JANE})  # an upload: not selected
    await api.ok("POST", f"petitions/{emu.ids('petitions')[0]}/signatures", {"person": JANE})
    await emu.idle()
    assert [next(iter(e)) for e in hooks.elements] == ["osdi:signature"]
    assert hooks.arrivals[0] - posted >= 120


async def test_manual_additions_send_the_action_webhook(started: Started, hooks: Hooks) -> None:
    emu, api = await started(seed=Seed(tags=1), webhooks=Webhooks(url=hooks.url))
    key = emu.add_manually(
        {
            "given_name": "Ann",
            "email_addresses": [{"address": "ann@example.org"}],
            "custom_fields": {"x": "1"},
        },
        add_tags=["volunteer"],
    )
    await emu.idle()
    (element,) = hooks.of("action_network:action")
    action = element["action_network:action"]
    assert action["_links"]["osdi:person"]["href"] == api.url(f"people/{key}")
    assert action["person"]["email_addresses"] == [
        {"primary": True, "address": "ann@example.org"}
    ]  # no status
    assert "custom_fields" not in action["person"]
    assert action["add_tags"] == ["volunteer"]
    assert len(emu.state.owned("taggings", "people", key)) == 1
