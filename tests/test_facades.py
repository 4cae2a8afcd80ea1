"""The typed facades against the emulator: every operation, and the API's rules enforced."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from actionnetwork_async import (
    ActionNetwork,
    ConfigurationError,
    F,
    IncompleteWriteError,
    ModelError,
    NotFoundError,
    Resource,
)
from actionnetwork_async.models import Person, UniqueIdList
from actionnetwork_async.testing import Emulator, Seed, Timing

from .conftest import ClientFactory, url_of

pytestmark = pytest.mark.asyncio


# -- people ---------------------------------------------------------------------------------
async def test_people_list_get_and_filters(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    people = [p async for p in an.people.list()]
    assert [p.id for p in people] == emu.ids("people")
    assert all(isinstance(p, Person) and p.email for p in people)
    one = await an.people.get(people[5].id or "")
    assert one.email == people[5].email
    assert one.links["osdi:taggings"][0].href.endswith(f"{one.id}/taggings")
    matched = [p async for p in an.people.list(F.email_address == people[9].email)]
    assert [p.id for p in matched] == [people[9].id]
    with pytest.raises(NotFoundError):
        await an.people.get("no-such-person")
    with pytest.raises(ConfigurationError):
        await an.people.get("../events")


async def test_find_by_email_and_phone(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    target = emu.state["people"].values()[12]
    found = await an.people.find_by_email(target["email_addresses"][0]["address"].upper())
    assert found is not None
    assert found.id == emu.ids("people")[12]
    by_phone = await an.people.find_by_phone(target["phone_numbers"][0]["number"])
    assert by_phone is not None
    assert by_phone.id == found.id
    assert await an.people.find_by_email("nobody@nowhere.org") is None


async def test_modified_since(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    cutoff = datetime(2014, 9, 1, tzinfo=timezone.utc)
    got = [p.id async for p in an.people.modified_since(cutoff)]
    expected = [
        k
        for k, r in emu.state["people"].items.items()
        if r["modified_date"] > "2014-09-01T00:00:00Z"
    ]
    assert got == expected
    assert 0 < len(got) < 60
    assert "modified_date gt '2014-09-01T00:00:00Z'" in emu.log[-1].query.replace(
        "%20", " "
    ).replace("%27", "'")


async def test_signup_creates_updates_and_tags(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=3, tags=3), rate_limit=None) as emu:
        an = make_client(emu)
        person = await an.people.signup(
            email="ann@example.org",
            given_name="Ann",
            postal_code="20009",
            custom_fields={"volunteer": "yes"},
            add_tags=["volunteer"],
            email_status="subscribed",
        )
        assert (person.email, person.given_name) == ("ann@example.org", "Ann")
        assert person.custom_fields == {"volunteer": "yes"}
        assert person.postal_addresses[0].postal_code == "20009"
        assert person.email_addresses[0].status == "subscribed"
        taggings = [t async for t in an.people.taggings.list(person)]
        assert len(taggings) == 1
        again = await an.people.signup(
            email="ann@example.org", family_name="Lee", remove_tags=["volunteer"]
        )
        assert again.id == person.id
        assert again.given_name == "Ann"
        assert [t async for t in an.people.taggings.list(person.id or "")] == []
        phone_only = await an.people.signup(phone="12025550123", phone_status="unsubscribed")
        assert phone_only.phone == "12025550123"
        assert phone_only.phone_numbers[0].status == "unsubscribed"
        assert len(emu.state["people"]) == 5


async def test_signup_refuses_before_sending(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError, match="email address or a phone number"):
        await an.people.signup(given_name="Nobody")
    with pytest.raises(ConfigurationError, match="email_status"):
        await an.people.signup(email="a@b.org", email_status="maybe")
    with pytest.raises(ConfigurationError, match="phone_status"):
        await an.people.signup(email="a@b.org", phone_status="bouncing")
    with pytest.raises(ConfigurationError, match="tag"):
        await an.people.signup(email="a@b.org", add_tags=[""])
    assert emu.log == []


async def test_signup_from_a_person_model_does_not_change_it(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    model = Person(given_name="Bo", extra={"future_field": "kept"})
    created = await an.people.signup(
        person=model, email="bo@example.org", email_status="subscribed"
    )
    assert created.email == "bo@example.org"
    assert model.email_addresses == []  # the caller's model is untouched
    assert emu.log[-1].json()["person"]["future_field"] == "kept"


async def test_update_fields_whole_person_and_background(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    key = emu.ids("people")[0]
    emu.state["people"].get(key)["future_field"] = {"x": 1}  # something this library does not know
    updated = await an.people.update(key, languages_spoken=["fr"])
    assert updated.languages_spoken == ["fr"]
    assert emu.log[-1].json() == {"languages_spoken": ["fr"]}
    person = await an.people.get(key)
    person.family_name = "Changed"
    again = await an.people.update(person)
    assert again.family_name == "Changed"
    sent = emu.log[-1].json()
    assert sent["future_field"] == {"x": 1}  # unknown fields go back unchanged
    assert "created_date" not in sent
    assert "modified_date" not in sent
    with pytest.raises(ConfigurationError, match="not editable"):
        await an.people.update(key, created_date=datetime.now(timezone.utc))
    with pytest.raises(ConfigurationError, match="no field"):
        await an.people.update(key, nickname="x")
    await an.people.update(key, extra={"nickname": "x"})
    assert emu.log[-1].json() == {"nickname": "x"}


@pytest.mark.looptime
async def test_background_update_returns_at_once(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    key = emu.ids("people")[1]
    assert await an.people.update.background(key, family_name="Later") is None
    assert "background_request=true" in emu.log[-1].query
    await emu.idle()
    assert (await an.people.get(key)).family_name == "Later"


async def test_people_cannot_be_deleted_so_there_is_no_delete(make_client: ClientFactory) -> None:
    async with Emulator(rate_limit=None) as emu:
        an = make_client(emu)
        assert not hasattr(an.people, "delete")


async def test_per_person_collections_follow_the_persons_links(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=2, events=1), rate_limit=None) as emu:
        an = make_client(emu)
        person = await an.people.get(emu.ids("people")[0])
        event = await an.events.get(emu.ids("events")[0])
        attendance = await an.events.attendances.record(event, email=person.email)
        before = len(emu.log)
        rsvps = [a async for a in an.people.attendances.list(person)]
        assert [a.id for a in rsvps] == [attendance.id]
        assert len(emu.log) == before + 1  # a Person brings its links: no extra GET
        for stream in (
            an.people.signatures.list(person),
            an.people.submissions.list(person),
            an.people.donations.list(person),
            an.people.outreaches.list(person.id or ""),
        ):
            assert [r async for r in stream] == []


# -- events ---------------------------------------------------------------------------------
async def test_events_list_get_and_date_bounds(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    events = [e async for e in an.events.list()]
    assert [e.id for e in events] == emu.ids("events")
    one = await an.events.get(events[3].id or "")
    assert one.title == events[3].title
    assert one.sponsor is None or one.sponsor.title
    after = datetime(2014, 4, 3)  # wall-clock times, like the events' own
    before = datetime(2014, 4, 4)
    window = [e async for e in an.events.list(starts_after=after, starts_before=before)]
    assert window
    assert all(e.start_date and after < e.start_date < before for e in window)
    assert len(window) < len(events)


async def test_create_requires_title_and_origin_system(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError, match="title"):
        await an.events.create(title="", origin_system="x")
    with pytest.raises(ConfigurationError, match="origin_system"):
        await an.events.create(title="x", origin_system=" ")
    with pytest.raises(ConfigurationError, match="not editable"):
        await an.events.create(title="x", origin_system="y", total_accepted=3)
    assert emu.log == []


async def test_create_with_fields_creator_and_identifier(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    creator = await an.people.get(emu.ids("people")[0])
    start = datetime(2026, 6, 1, 18, 0)
    event = await an.events.create(
        title="Canvass",
        origin_system="My Sync",
        start_date=start,
        description="<p>Hi</p>",
        creator=creator,
    )
    assert (event.title, event.start_date, event.description) == ("Canvass", start, "<p>Hi</p>")
    assert emu.log[-1].json()["_links"]["osdi:creator"]["href"] == creator.url
    custom = await an.events.create(title="B", origin_system="x", identifier="crm:777")
    assert "crm:777" in custom.identifiers
    for bad in ("crm", "action_network:777", ":7"):
        with pytest.raises(ConfigurationError, match="identifier"):
            await an.events.create(title="B", origin_system="x", identifier=bad)


@pytest.mark.looptime
async def test_a_create_retried_after_a_timeout_makes_one_event(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu, timeout=1.0)
    emu.add_fault("latency", path="events", method="POST", delay=5.0)
    # an identifier makes the create safe to re-send: the API deduplicates on it
    event = await an.events.create(title="Once", origin_system="sync", identifier="sync:once")
    await emu.idle()  # the first, timed-out POST has finished on the server too
    assert emu.count(path="events", method="POST") == 2
    titles = [e["title"] for e in emu.state["events"].values()]
    assert titles.count("Once") == 1
    assert event.title == "Once"


async def test_update_refuses_system_fields(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    event = await an.events.get(emu.ids("events")[0])
    before = len(emu.log)
    for field in ("total_accepted", "status", "sponsor", "hidden", "capacity", "reminders"):
        with pytest.raises(ConfigurationError, match="not editable"):
            await an.events.update(event, **{field: None})
    with pytest.raises(ConfigurationError, match="not editable"):
        await an.events.update(event, extra={"action_network:sponsor": {}})
    assert len(emu.log) == before  # refused without a request
    changed = await an.events.update(event, title="New title", description="Now with words")
    assert (changed.title, changed.description) == ("New title", "Now with words")
    assert emu.log[-1].json() == {"title": "New title", "description": "Now with words"}


async def test_event_campaigns_and_attendances(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=3, event_campaigns=1), rate_limit=None) as emu:
        an = make_client(emu)
        campaign = emu.ids("event_campaigns")[0]
        created = await an.events.create_in_campaign(campaign, title="Rally", origin_system="x")
        assert created.event_campaign_id == campaign
        assert [e.id async for e in an.events.in_campaign(campaign)] == [created.id]
        attendance = await an.events.attendances.record(
            created, email="new@example.org", given_name="New", add_tags=["x"]
        )
        assert attendance.status == "accepted"
        assert attendance.event_id == created.id
        person = await an.people.find_by_email("new@example.org")
        assert person is not None
        assert attendance.person_id == person.id
        assert [a.id async for a in an.events.attendances.list(created.id or "")] == [attendance.id]
        with pytest.raises(ConfigurationError):
            await an.events.attendances.record(created, given_name="No contact")


async def test_events_cannot_be_deleted_so_there_is_no_delete(
    emu: Emulator, make_client: ClientFactory
) -> None:
    assert not hasattr(make_client(emu).events, "delete")


# -- unique ID lists --------------------------------------------------------------------------
async def test_list_lifecycle(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    ids = emu.ids("people")
    made = await an.unique_id_lists.create("Volunteers", ids[:10])
    assert (made.name, made.count) == ("Volunteers", 10)
    assert made.id in [x.id async for x in an.unique_id_lists.list()]
    fetched = await an.unique_id_lists.get(made.id or "")
    assert fetched.count == 10
    grown = await an.unique_id_lists.append(made, ids[10:15])
    assert grown.count == 15
    replaced = await an.unique_id_lists.replace(made.id or "", ids[:3])
    assert replaced.count == 3
    notice = await an.unique_id_lists.delete(made)
    assert notice.message == "This unique id list was successfully deleted."
    with pytest.raises(NotFoundError):
        await an.unique_id_lists.get(made.id or "")


async def test_list_input_is_checked_before_sending(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    with pytest.raises(ConfigurationError, match="empty"):
        await an.unique_id_lists.create("Empty", [])
    with pytest.raises(ConfigurationError, match="empty"):
        await an.unique_id_lists.append(emu.ids("unique_id_lists")[0], iter([]))
    with pytest.raises(ConfigurationError, match=r"unique_ids\[1\] is not a person unique id"):
        await an.unique_id_lists.create("Bad", [emu.ids("people")[0], "bob@example.org"])
    with pytest.raises(ConfigurationError, match="not one string"):
        await an.unique_id_lists.create("Str", emu.ids("people")[0])
    with pytest.raises(ConfigurationError, match="name"):
        await an.unique_id_lists.create(" ", emu.ids("people"))
    with pytest.raises(ConfigurationError, match="chunk_size"):
        await an.unique_id_lists.create("L", emu.ids("people"), chunk_size=0)
    assert emu.log == []


async def test_multi_chunk_replace_replaces_then_appends_in_order(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    ids = emu.ids("people")
    target = emu.ids("unique_id_lists")[0]
    result = await an.unique_id_lists.replace(target, ids[:25], chunk_size=10)
    assert result.count == 25
    writes = [r.json() for r in emu.log if r.method == "PUT"]
    operations = [(w["operation"], len(w["unique_ids"])) for w in writes]
    assert operations == [("replace", 10), ("append", 10), ("append", 5)]
    assert emu.state.list_ids[target] == ids[:25]


async def test_create_from_a_generator_in_chunks(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    made = await an.unique_id_lists.create("Gen", (i for i in emu.ids("people")), chunk_size=25)
    assert made.count == 60
    methods = [(r.method, len(r.json()["unique_ids"])) for r in emu.log[1:]]
    assert methods == [("POST", 25), ("PUT", 25), ("PUT", 10)]


@pytest.mark.looptime
async def test_ten_concurrent_appends_to_one_list_never_overlap(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=100, unique_id_lists=1), timing=Timing(list_latency=0.5), rate_limit=4
    ) as emu:
        an = make_client(emu, rate_limit=4.0)
        target = emu.ids("unique_id_lists")[0]
        ids = emu.ids("people")
        await asyncio.gather(
            *(
                an.unique_id_lists.append(target, ids[i * 10 : (i + 1) * 10], chunk_size=4)
                for i in range(10)
            )
        )
        assert emu.list_conflicts == 0
        assert emu.max_list_changes_at_once == 1
        assert sorted(emu.state.list_ids[target]) == sorted(ids)
        puts = [r for r in emu.log if r.method == "PUT"]
        assert len(puts) == 30
        for earlier, later in itertools.pairwise(puts):
            assert earlier.end is not None
            assert later.start >= earlier.end  # one change at a time, as the server saw it


@pytest.mark.looptime
async def test_a_120000_id_append_from_a_generator_is_sent_lazily(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(unique_id_lists=1), rate_limit=None) as emu:
        an = make_client(emu)
        target = emu.ids("unique_id_lists")[0]
        chunk = 10_000
        received = emu.state.list_ids[target]
        most_ahead = 0

        def ids() -> Iterator[str]:
            nonlocal most_ahead
            for n in range(120_000):
                # how far the generator has run ahead of what the server already has
                most_ahead = max(most_ahead, n - len(received))
                yield str(uuid.UUID(int=n))

        result = await an.unique_id_lists.append(target, ids(), chunk_size=chunk)
        assert result.count == 120_000
        puts = [r.json() for r in emu.log if r.method == "PUT"]
        assert [len(put["unique_ids"]) for put in puts] == [chunk] * 12
        assert most_ahead <= chunk  # never more than one chunk held: flat memory


@pytest.mark.looptime
async def test_a_failed_chunk_says_how_much_was_sent(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu, max_tries=1)
    target = emu.ids("unique_id_lists")[0]
    emu.add_fault("status", path=f"unique_id_lists/{target}", status=503, count=1)
    emu.faults[-1].count = 0  # armed below, after the first chunk went through
    ids = emu.ids("people")

    def arm_after_first_chunk() -> Iterator[str]:
        for n, key in enumerate(ids):
            if n == 20:
                emu.faults[-1].count = 1
            yield key

    with pytest.raises(IncompleteWriteError) as info:
        await an.unique_id_lists.append(target, arm_after_first_chunk(), chunk_size=20)
    assert info.value.sent == 20
    assert emu.state.list_ids[target] == ids[:20]


@pytest.mark.parametrize("bad", ["not-a-uuid", None])
async def test_a_create_stopped_by_a_bad_later_id_returns_the_list_it_made(
    emu: Emulator, make_client: ClientFactory, bad: str | None
) -> None:
    an = make_client(emu)
    ids = emu.ids("people")
    with pytest.raises(IncompleteWriteError) as info:
        await an.unique_id_lists.create("Half", [*ids[:25], bad], chunk_size=20)  # type: ignore[list-item]
    made = info.value.result
    assert isinstance(made, UniqueIdList)
    assert info.value.sent == 20
    assert isinstance(info.value.cause, ConfigurationError)
    assert emu.state.list_ids[made.id or ""] == ids[:20]  # the caller knows the list's id


async def test_an_id_generator_that_raises_part_way_is_an_incomplete_write(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    ids = emu.ids("people")

    def failing() -> Iterator[str]:
        yield from ids[:30]
        raise RuntimeError("the CRM export broke")

    with pytest.raises(IncompleteWriteError) as info:
        await an.unique_id_lists.create("Gen", failing(), chunk_size=20)
    made = info.value.result
    assert isinstance(made, UniqueIdList)
    assert (info.value.sent, str(info.value.cause)) == (20, "the CRM export broke")
    assert emu.state.list_ids[made.id or ""] == ids[:20]
    target = emu.ids("unique_id_lists")[1]
    with pytest.raises(IncompleteWriteError) as info:
        await an.unique_id_lists.append(target, failing(), chunk_size=20)
    assert info.value.sent == 20
    assert emu.state.list_ids[target][-20:] == ids[:20]


async def test_a_create_whose_answer_cannot_be_read_still_names_the_list() -> None:
    """The list exists once the POST succeeded: an unreadable answer must not hide its id."""
    created = {
        "identifiers": ["action_network:made-1"],
        "count": "many",  # not an integer: the model cannot hold it
        "_links": {"self": {"href": "/api/v2/unique_id_lists/made-1"}},
    }

    async def entry(request: web.Request) -> web.Response:
        href = str(url_of(request).join(request.app.router["lists"].url_for()))
        return web.json_response({"_links": {"action_network:unique_id_lists": {"href": href}}})

    async def create(request: web.Request) -> web.Response:
        return web.json_response(created)

    app = web.Application()
    app.router.add_get("/api/v2/", entry)
    app.router.add_post("/api/v2/unique_id_lists", create, name="lists")
    async with (
        TestServer(app) as server,
        ActionNetwork("k", base_url=str(server.make_url("/api/v2/"))) as an,
    ):
        with pytest.raises(IncompleteWriteError) as info:
            await an.unique_id_lists.create("L", [str(uuid.UUID(int=1))])
    assert isinstance(info.value.cause, ModelError)
    assert info.value.sent == 1
    assert isinstance(info.value.result, Resource)
    assert info.value.result.identifier() == "made-1"


@pytest.mark.looptime
async def test_one_list_spelled_two_ways_takes_one_lock(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=40, unique_id_lists=1), timing=Timing(list_latency=0.5), rate_limit=None
    ) as emu:
        an = make_client(emu)
        target = emu.ids("unique_id_lists")[0]
        ids = emu.ids("people")
        model = await an.unique_id_lists.get(target)
        await asyncio.gather(
            an.unique_id_lists.append(target, ids[:20], chunk_size=5),
            an.unique_id_lists.append(f" {target} ", ids[20:], chunk_size=5),
            an.unique_id_lists.append(model, ids[:5], chunk_size=5),
        )
        assert emu.list_conflicts == 0
        assert emu.max_list_changes_at_once == 1
        assert an.unique_id_lists.lock(f"{target} ") is an.unique_id_lists.lock(model)
