"""Every documented scenario of the reference, through the walker, against the emulator."""

from __future__ import annotations

import asyncio

import pytest

from actionnetwork_async import (
    ActionNetwork,
    NotFoundError,
    Resource,
    StatusError,
    ValidationError,
)
from actionnetwork_async.testing import Emulator, Quirks, Seed, Timing

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio

SIGNUP = {
    "person": {
        "given_name": "Jane",
        "family_name": "Doe",
        "email_addresses": [{"address": "jane@example.org"}],
        "postal_addresses": [{"postal_code": "20009"}],
        "custom_fields": {"volunteer": "yes"},
    }
}


async def entry(an: ActionNetwork) -> Resource:
    return await an.hal.get()


# -- people ---------------------------------------------------------------------------------
async def test_people_collection_has_no_totals_and_the_quirky_last_page(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    pages = [p async for p in an.hal.pages("people")]
    assert [len(p.items()) for p in pages] == [25, 25, 10]
    assert all("total_pages" not in p and "total_records" not in p for p in pages)
    assert pages[-1].has_link("next")  # the last page still points on
    past_end = await an.hal.follow(pages[-1], "next")
    assert past_end.items() == ()
    assert not past_end.has_link("next")  # an empty page has no next link


async def test_get_one_person_with_its_links(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    key = emu.ids("people")[0]
    person = await an.hal.get(f"people/{key}")
    assert person.identifier() == key
    for rel in ("attendances", "signatures", "submissions", "donations", "outreaches", "taggings"):
        assert person.link(f"osdi:{rel}").href == f"{emu.base_url}people/{key}/{rel}"
    assert person.curies["osdi"].href == "https://actionnetwork.org/docs/v2/{rel}"
    with pytest.raises(NotFoundError):
        await an.hal.get("people/nobody")


async def test_person_signup_helper_creates_then_updates_by_email_then_phone(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    aep = await entry(an)
    before = len(emu.state["people"])
    created = await an.hal.post(aep, SIGNUP, rel="osdi:person_signup_helper")
    assert created is not None
    assert len(emu.state["people"]) == before + 1
    again = {"person": {"email_addresses": [{"address": "JANE@example.org"}], "given_name": "J"}}
    updated = await an.hal.post(aep, again, rel="osdi:person_signup_helper")
    assert updated is not None
    assert updated.identifier() == created.identifier()  # deduplicated on email
    assert updated["given_name"] == "J"
    assert updated["custom_fields"] == {"volunteer": "yes"}
    seeded = emu.state["people"].values()[0]
    by_phone = {"person": {"phone_numbers": [{"number": seeded["phone_numbers"][0]["number"]}]}}
    same = await an.hal.post(aep, by_phone, rel="osdi:person_signup_helper")
    assert same is not None
    assert same.identifier() == emu.ids("people")[0]  # deduplicated on phone
    assert len(emu.state["people"]) == before + 1
    with pytest.raises(ValidationError, match="email address or phone number"):
        await an.hal.post(
            aep, {"person": {"given_name": "Nobody"}}, rel="osdi:person_signup_helper"
        )


async def test_put_merges_and_ignores_system_fields(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    key = emu.ids("people")[0]
    before = emu.state["people"].get(key)["created_date"]
    change = {"languages_spoken": ["fr"], "created_date": "2000-01-01T00:00:00Z"}
    person = await an.hal.put(f"people/{key}", change)
    assert person is not None
    assert person["languages_spoken"] == ["fr"]
    assert person["created_date"] == before
    assert (
        person["given_name"] == emu.state["people"].get(key)["given_name"]
    )  # merged, not replaced


async def test_put_cannot_take_an_email_another_person_has(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    first, second = emu.state["people"].values()[:2]
    taken = second["email_addresses"][0]["address"]
    person = await an.hal.put(
        f"people/{first['identifiers'][0].split(':')[1]}", {"email_addresses": [{"address": taken}]}
    )
    assert person is not None
    assert person["email_addresses"][0]["address"] != taken


@pytest.mark.looptime
async def test_background_request_answers_at_once_and_applies_later(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    key = emu.ids("people")[0]
    answer = await an.hal.put(
        f"people/{key}", {"family_name": "Later"}, params={"background_request": "true"}
    )
    assert answer is not None
    assert answer.data == {}
    assert emu.state["people"].get(key)["family_name"] != "Later"
    await emu.idle()
    assert (await an.hal.get(f"people/{key}"))["family_name"] == "Later"


async def test_people_cannot_be_deleted(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    with pytest.raises(StatusError) as info:
        await an.hal.delete(f"people/{emu.ids('people')[0]}")
    assert info.value.status == 405
    assert "not allowed" in info.value.message


# -- events ---------------------------------------------------------------------------------
async def test_events_collection_get_post_put_and_no_delete(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    aep = await entry(an)
    first = await an.hal.follow(aep, "osdi:events")
    assert (first["total_pages"], first["total_records"], first["per_page"]) == (2, 30, 25)
    event = await an.hal.post(
        aep, {"title": "My Free Event", "origin_system": "FreeEvents.com"}, rel="osdi:events"
    )
    assert event is not None
    assert event["status"] == "confirmed"
    assert event["total_accepted"] == 0
    assert event["action_network:sponsor"]["title"] == "Progressive Action Now"
    fetched = await an.hal.get(event.self_href)
    assert fetched["title"] == "My Free Event"
    edited = await an.hal.put(
        event, {"title": "My Free Event With A New Name", "total_accepted": 99, "status": "x"}
    )
    assert edited is not None
    assert edited["title"] == "My Free Event With A New Name"
    assert (edited["total_accepted"], edited["status"]) == (0, "confirmed")  # system fields
    with pytest.raises(StatusError) as info:
        await an.hal.delete(event)
    assert info.value.status == 405


async def test_event_post_requires_title_and_origin_system(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    with pytest.raises(ValidationError, match="title"):
        await an.hal.post("events", {"origin_system": "x"})
    with pytest.raises(ValidationError, match="origin_system"):
        await an.hal.post("events", {"title": "x"})
    assert len(emu.state["events"]) == 30


async def test_event_identifiers_are_deduplicated_globally(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    body = {"title": "T", "origin_system": "sync", "identifiers": ["sync:42"]}
    first = await an.hal.post("events", body)
    second = await an.hal.post("events", body)
    assert first is not None
    assert second is not None
    assert first.identifier() == second.identifier()
    assert len(emu.state["events"]) == 31


async def test_event_with_creator_link(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    person = f"{emu.base_url}people/{emu.ids('people')[0]}"
    body = {"title": "T", "origin_system": "s", "_links": {"osdi:creator": {"href": person}}}
    event = await an.hal.post("events", body)
    assert event is not None
    creator = await an.hal.follow(event, "osdi:creator")
    assert creator.identifier() == emu.ids("people")[0]


async def test_event_campaign_events_and_attendances(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=5, event_campaigns=1), rate_limit=None) as emu:
        an = make_client(emu)
        aep = await entry(an)
        campaign = (await an.hal.follow(aep, "action_network:event_campaigns")).items()[0]
        created = await an.hal.post(
            campaign, {"title": "Canvass", "origin_system": "x"}, rel="osdi:events"
        )
        assert created is not None
        assert created["action_network:event_campaign_id"] == campaign.identifier()
        in_campaign = [e async for e in an.hal.iterate(campaign, "osdi:events")]
        assert [e.identifier() for e in in_campaign] == [created.identifier()]
        back = await an.hal.follow(created, "action_network:event_campaign")
        assert back.identifier() == campaign.identifier()

        rsvp = await an.hal.post(created, SIGNUP, rel="osdi:record_attendance_helper")
        assert rsvp is not None
        assert rsvp["status"] == "accepted"
        attendee = await an.hal.follow(rsvp, "osdi:person")
        assert attendee["email_addresses"][0]["address"] == "jane@example.org"
        attendances = [a async for a in an.hal.iterate(created, "osdi:attendances")]
        assert [a.identifier() for a in attendances] == [rsvp.identifier()]
        assert (await an.hal.get(created.self_href))["total_accepted"] == 1
        by_person = [a async for a in an.hal.iterate(attendee, "osdi:attendances")]
        assert [a.identifier() for a in by_person] == [rsvp.identifier()]


# -- unique ID lists --------------------------------------------------------------------------
async def test_unique_id_lists_never_show_their_ids(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    aep = await entry(an)
    made = await an.hal.post(
        aep,
        {"name": "Volunteers", "unique_ids": emu.ids("people")[:3]},
        rel="action_network:unique_id_lists",
    )
    assert made is not None
    fetched = await an.hal.get(made.self_href)
    assert fetched["count"] == 3
    assert "unique_ids" not in fetched
    assert fetched["origin_system"] == "Action Network"


async def test_unique_id_list_rules(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    ids = emu.ids("people")
    with pytest.raises(ValidationError, match="at least one"):
        await an.hal.post("unique_id_lists", {"name": "Empty", "unique_ids": []})
    with pytest.raises(ValidationError, match="name"):
        await an.hal.post("unique_id_lists", {"unique_ids": ids[:1]})
    made = await an.hal.post("unique_id_lists", {"name": "L", "unique_ids": ids[:2]})
    assert made is not None
    with pytest.raises(ValidationError, match="operation"):
        await an.hal.put(made, {"unique_ids": ids[:1]})
    appended = await an.hal.put(
        made, {"operation": "append", "unique_ids": ids[:2]}, idempotent=False
    )
    assert appended is not None
    assert appended["count"] == 4  # appending keeps duplicates, as in the reference
    replaced = await an.hal.put(made, {"operation": "replace", "unique_ids": ids[5:6], "name": "R"})
    assert replaced is not None
    assert (replaced["count"], replaced["name"]) == (1, "R")
    assert emu.state.list_ids[made.identifier() or ""] == ids[5:6]


@pytest.mark.looptime
async def test_concurrent_changes_to_one_list_are_rejected(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=30, unique_id_lists=1), timing=Timing(list_latency=1.0), rate_limit=None
    ) as emu:
        an = make_client(emu, max_tries=1)
        target = f"unique_id_lists/{emu.ids('unique_id_lists')[0]}"
        change = {"operation": "append", "unique_ids": emu.ids("people")[:10]}
        results = await asyncio.gather(
            an.hal.put(target, change, idempotent=False),
            an.hal.put(target, change, idempotent=False),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, StatusError)]
        assert len(errors) == 1
        assert errors[0].status == 409
        assert emu.list_conflicts == 1
        assert emu.state["unique_id_lists"].values()[0]["count"] == 10


# -- tags and taggings ------------------------------------------------------------------------
async def test_tags_and_taggings(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=3, tags=2), rate_limit=None) as emu:
        an = make_client(emu)
        aep = await entry(an)
        tag = await an.hal.post(aep, {"name": "volunteer"}, rel="osdi:tags")  # exists already
        assert tag is not None
        assert len(emu.state["tags"]) == 2
        body = {**SIGNUP, "add_tags": ["volunteer", "no such tag"]}
        person = await an.hal.post(aep, body, rel="osdi:person_signup_helper")
        assert person is not None
        taggings = [t async for t in an.hal.iterate(person, "osdi:taggings")]
        assert len(taggings) == 1
        assert (await an.hal.follow(taggings[0], "osdi:tag"))["name"] == "volunteer"
        by_tag = [t async for t in an.hal.iterate(tag, "osdi:taggings")]
        assert [t.identifier() for t in by_tag] == [taggings[0].identifier()]
        body = {**SIGNUP, "remove_tags": ["volunteer"]}
        await an.hal.post(aep, body, rel="osdi:person_signup_helper")
        assert [t async for t in an.hal.iterate(person, "osdi:taggings")] == []
        link = {"_links": {"osdi:person": {"href": person.self_href}}}
        tagging = await an.hal.post(tag, link, rel="osdi:taggings")
        assert tagging is not None
        assert (await an.hal.follow(tagging, "osdi:person")).identifier() == person.identifier()


# -- filters and paging -----------------------------------------------------------------------
async def test_odata_filters_through_the_walker(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    target = emu.state["people"].values()[7]
    email = target["email_addresses"][0]["address"]
    found = [
        p async for p in an.hal.iterate("people", params={"filter": f"email_address eq '{email}'"})
    ]
    assert [p.identifier() for p in found] == [emu.ids("people")[7]]
    cutoff = "2014-06-01T00:00:00Z"
    recent = [
        p.identifier()
        async for p in an.hal.iterate("people", params={"filter": f"modified_date gt '{cutoff}'"})
    ]
    expected = [k for k, r in emu.state["people"].items.items() if r["modified_date"] > cutoff]
    assert recent == expected
    assert 0 < len(recent) < 60
    with pytest.raises(ValidationError, match="filter"):
        await an.hal.get("people", params={"filter": "modified_date gt"})


async def test_filter_is_carried_by_next_links(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=200), rate_limit=None) as emu:
        an = make_client(emu, prefetch=1)
        query = {"filter": "modified_date gt '2014-01-01'", "per_page": 10}
        got = [p async for p in an.hal.iterate("people", params=query)]
        assert len(got) == 200
        assert all("filter=modified_date" in r.query for r in emu.log)


async def test_only_documented_filter_fields_and_operators_unless_lenient(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=30, events=5, tags=2), rate_limit=None) as emu:
        an = make_client(emu)
        person = emu.state["people"].values()[4]

        async def count(path: str, text: str) -> int:
            return len([p async for p in an.hal.iterate(path, params={"filter": text})])

        # every field the reference lists for people, and eq, gt, lt
        assert await count("people", f"given_name eq '{person['given_name']}'") >= 1
        assert await count("people", f"family_name eq '{person['family_name']}'") >= 1
        assert await count("people", f"identifier eq '{person['identifiers'][0]}'") == 1
        assert await count("people", "region eq 'DC'") >= 1
        assert await count("people", "postal_code gt '0'") == 30
        assert await count("people", "created_date lt '2000-01-01'") == 0
        title = emu.state["events"].values()[0]["title"]
        assert await count("events", f"title eq '{title}'") >= 1
        assert await count("events", "origin_system eq 'nowhere'") == 0
        for path, text in (
            ("people", "modified_date ge '2014-01-01'"),  # ge, le, ne are not documented
            ("people", "email_address ne 'a@b.org'"),
            ("people", "custom_fields eq 'x'"),  # not a filterable field
            ("events", "email_address eq 'a@b.org'"),
            ("tags", "created_date gt '2014-01-01'"),  # tags take no filter
        ):
            with pytest.raises(ValidationError, match="filter"):
                await count(path, text)
    async with Emulator(
        seed=Seed(people=30), quirks=Quirks(strict_filters=False), rate_limit=None
    ) as lenient:
        an = make_client(lenient)
        got = [
            p
            async for p in an.hal.iterate(
                "people",
                params={"filter": "modified_date ge '2014-01-01' and languages_spoken ne 'x'"},
            )
        ]
        assert len(got) == 30


async def test_next_drops_filter_switch(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=60), quirks=Quirks(next_drops_filter=True), rate_limit=None
    ) as emu:
        an = make_client(emu)
        page = await an.hal.get("people", params={"filter": "modified_date gt '2014-01-01'"})
        for rel in ("self", "next"):
            assert "filter" not in page.link(rel).href
        assert "filter" in (page.url or "")


async def test_empty_helper_answers_switch(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=1, events=1), quirks=Quirks(empty_helper_answers=True), rate_limit=None
    ) as emu:
        an = make_client(emu)
        aep = await an.hal.get()
        assert await an.hal.post(aep, SIGNUP, rel="osdi:person_signup_helper") is not None
        assert emu.log[-1].status == 200
        event = await an.hal.get(f"events/{emu.ids('events')[0]}")
        answer = await an.hal.post(event, SIGNUP, rel="osdi:record_attendance_helper")
        assert answer is not None
        assert answer.data == {}
        assert len(emu.state["people"]) == 1
        assert len(emu.state["attendances"]) == 0


async def test_lenient_entry_point_switch(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=1), quirks=Quirks(lenient_entry_point=True), rate_limit=None
    ) as emu:
        stranger = make_client(emu, api_key="not-the-key-0123456789")
        aep = await stranger.hal.get()
        assert sorted(aep.links) == ["self"]  # no collection links
        with pytest.raises(StatusError) as info:
            await stranger.hal.get("people")
        assert info.value.status == 403  # every other path still refuses, as documented
        keyless = make_client(emu, api_key="-")
        assert sorted((await keyless.hal.get()).links) == ["self"]
        assert "osdi:people" in (await make_client(emu).hal.get()).links


async def test_status_only_puts_and_statuses_that_cannot_be_set(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    key = emu.ids("people")[2]
    person = await an.hal.put(f"people/{key}", {"email_addresses": [{"status": "unsubscribed"}]})
    assert person is not None
    assert person["email_addresses"][0]["status"] == "unsubscribed"
    assert person["phone_numbers"][0]["status"] == "subscribed"  # the other consent is untouched
    await an.hal.put(f"people/{key}", {"phone_numbers": [{"status": "unsubscribed"}]})
    assert emu.state["people"].get(key)["phone_numbers"][0]["status"] == "unsubscribed"
    for body in (
        {"email_addresses": [{"status": "bouncing"}]},
        {"phone_numbers": [{"number": "12025550100", "status": "previous bounce"}]},
    ):
        with pytest.raises(ValidationError, match="cannot be set"):
            await an.hal.put(f"people/{key}", body)
    aep = await an.hal.get()
    bad = {"person": {"email_addresses": [{"address": "z@x.org", "status": "spam complaint"}]}}
    with pytest.raises(ValidationError, match="cannot be set"):
        await an.hal.post(aep, bad, rel="osdi:person_signup_helper")


async def test_per_page_is_capped_at_25(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    page = await an.hal.get("people", params={"per_page": 100})
    assert page["per_page"] == 25
    assert len(page.items()) == 25


# -- faults and observation -------------------------------------------------------------------
@pytest.mark.looptime
@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_status_faults_are_served_once_per_count(
    emu: Emulator, make_client: ClientFactory, status: int
) -> None:
    an = make_client(emu, max_tries=1)
    emu.add_fault("status", path="events", status=status, count=2, method="GET")
    for _ in range(2):
        with pytest.raises(StatusError) as info:
            await an.hal.get("events")
        assert info.value.status == status
        assert info.value.message == "Injected failure"
    assert (await an.hal.get("events"))["total_records"] == 30
    assert emu.count(status=status, path="events") == 2


@pytest.mark.looptime
async def test_page_latency_grows_with_the_page_number(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=100), timing=Timing(page_latency=0.5), rate_limit=None
    ) as emu:
        an = make_client(emu, prefetch=1)
        assert len([p async for p in an.hal.iterate("people")]) == 100
        took = [round((r.end or 0) - r.start, 2) for r in emu.log]
        assert took == [0.5, 1.0, 1.5, 2.0, 2.5]


async def test_request_log_records_what_happened(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    await an.hal.get("people")
    record = emu.log[0]
    assert (record.method, record.path, record.status) == ("GET", "/api/v2/people", 200)
    assert record.size > 1000
    assert record.end is not None
    assert record.end >= record.start
