"""Issue 20, items 16, 17, 21, 22 and 24: a write either takes, or says what did not.

Tags named on a helper exist before it runs, an unapplied email or phone change raises,
background writes are offered wherever the API documents them, an event's organizer and
creator links merge with ``extra``'s, and a bulk write reports exactly the records the API
refused. All against the emulator, with the real-API switch where one applies.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from actionnetwork_async import (
    ConfigurationError,
    NotAppliedError,
    UnexpectedResponseError,
    ValidationError,
)
from actionnetwork_async._bodies import unapplied
from actionnetwork_async.models import EmailAddress, Person, PhoneNumber, Recipient
from actionnetwork_async.testing import Emulator, Quirks, Seed, Timing

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio

PEOPLE = "https://actionnetwork.org/api/v2/people"


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Emulator]:
    async with Emulator(
        seed=Seed(people=3, events=1), timing=Timing(background_delay=0.0), rate_limit=None
    ) as emulator:
        yield emulator


async def first_person(an: Any) -> Any:
    async with an.people.list() as people:
        async for person in people:
            return person
    raise AssertionError("no people")


async def first_event(an: Any) -> Any:
    async with an.events.list() as events:
        async for event in events:
            return event
    raise AssertionError("no events")


def sent(server: Emulator, method: str, path_part: str) -> list[Any]:
    """The bodies of the requests ``method`` to a path containing ``path_part``."""
    return [r.json() for r in server.log if r.method == method and path_part in r.path]


# -- 22. event organizers ------------------------------------------------------------------
async def test_an_event_is_created_with_its_organizer_link(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    person = await first_person(an)
    event = await an.events.create(title="Picnic", origin_system="tests", organizer=person)
    assert sent(server, "POST", "/events")[-1]["_links"] == {"osdi:organizer": {"href": person.url}}
    assert event.resource is not None
    assert event.resource.link("osdi:organizer").href.endswith(f"/people/{person.id}")


async def test_creator_organizer_and_extra_links_are_merged_not_overwritten(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    person = await first_person(an)
    other = f"{PEOPLE}/{person.id}"
    await an.events.create(
        title="Picnic",
        origin_system="tests",
        creator=person.id,
        extra={"_links": {"osdi:organizer": {"href": other}}},
    )
    assert sent(server, "POST", "/events")[-1]["_links"] == {
        "osdi:organizer": {"href": other},
        "osdi:creator": {"href": person.url},
    }
    await an.petitions.create(
        title="Sign",
        origin_system="tests",
        creator=person,
        extra={"_links": {"action_network:extra": {"href": other}}},
    )
    assert set(sent(server, "POST", "/petitions")[-1]["_links"]) == {
        "action_network:extra",
        "osdi:creator",
    }
    # the same rel given twice is a mistake, refused before any request
    before = len(server.log)
    with pytest.raises(ConfigurationError, match="osdi:creator"):
        await an.events.create(
            title="Picnic",
            origin_system="tests",
            creator=person,
            extra={"_links": {"osdi:creator": {"href": other}}},
        )
    assert len(server.log) == before


# -- 17. unapplied updates ------------------------------------------------------------------
async def test_an_email_change_the_api_does_not_apply_raises_not_applied(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    ann = await an.people.signup(email="ann@example.org", given_name="Ann")
    await an.people.signup(email="bob@example.org", given_name="Bob")
    # Bob's address: the API answers 200 with Ann unchanged (docs/v2/people)
    with pytest.raises(NotAppliedError) as raised:
        await an.people.update(ann, email_addresses=[EmailAddress(address="bob@example.org")])
    assert raised.value.fields == ["email_addresses"]
    assert raised.value.status == 200
    assert isinstance(raised.value.result, Person)
    assert raised.value.result.email == "ann@example.org"
    assert "bob@example.org" not in str(raised.value)
    # a change that takes, and the API's own formatting of a number, raise nothing
    moved = await an.people.update(
        ann,
        email_addresses=[EmailAddress(address="Ann.New@example.org")],
        phone_numbers=[PhoneNumber(number="(202) 555-0100")],
    )
    assert moved.email == "Ann.New@example.org"
    assert (
        unapplied(
            {"phone_numbers": [{"number": "(202) 555-0100"}]},
            {"phone_numbers": [{"number": "12025550100"}]},
        )
        == []
    )
    assert unapplied(
        {"phone_numbers": [{"number": "202-555-0199"}]},
        {"phone_numbers": [{"number": "12025550100"}]},
    ) == ["phone_numbers"]


async def test_not_applied_is_an_unexpected_response() -> None:
    assert issubclass(NotAppliedError, UnexpectedResponseError)


# -- 16. add_tags names tags that exist ----------------------------------------------------
def tag_names(server: Emulator) -> list[str]:
    return sorted(t["name"] for t in server.state["tags"].values())


async def test_signup_creates_the_missing_tags_so_the_person_is_tagged(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    ann = await an.people.signup(email="ann@example.org", add_tags=["volunteer"])
    assert await an.people.tag_names(ann) == ["volunteer"]
    bob = await an.people.signup(email="bob@example.org", add_tags=["volunteer", "donor"])
    assert await an.people.tag_names(bob) == ["donor", "volunteer"]
    # the group's tags are read once per client; each missing one is created once
    assert len([r for r in server.log if r.method == "GET" and r.path.endswith("/tags")]) == 1
    assert [b["name"] for b in sent(server, "POST", "/tags")] == ["volunteer", "donor"]
    assert tag_names(server) == ["donor", "volunteer"]


async def test_the_helper_ignores_unknown_tags_and_ensure_tags_false_leaves_it_so(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    ann = await an.people.signup(email="ann@example.org", add_tags=["volunteer"], ensure_tags=False)
    assert await an.people.tag_names(ann) == []  # "If not, the tag will be ignored"
    assert tag_names(server) == []
    assert sent(server, "POST", "/tags") == []


async def test_record_helpers_create_the_missing_tags(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    petition = await an.petitions.create(title="Sign", origin_system="tests")
    await an.petitions.signatures.record(petition, email="ann@example.org", add_tags=["signer"])
    event = await first_event(an)
    await an.events.attendances.record(event, email="bob@example.org", add_tags=["rsvp"])
    ann = await an.people.find_by_email("ann@example.org")
    bob = await an.people.find_by_email("bob@example.org")
    assert ann is not None
    assert bob is not None
    assert await an.people.tag_names(ann) == ["signer"]
    assert await an.people.tag_names(bob) == ["rsvp"]


async def test_upsert_many_creates_each_missing_tag_once_and_tags_everyone(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    records = [
        {"email": f"p{i}@example.org", "add_tags": ["bulk"] if i % 2 else []} for i in range(8)
    ]
    results = [r async for r in an.people.upsert_many(records, add_tags=["job"], concurrency=4)]
    assert all(r.ok for r in results)
    assert [b["name"] for b in sent(server, "POST", "/tags")] == ["job", "bulk"]
    for i in range(8):
        person = await an.people.find_by_email(f"p{i}@example.org")
        assert person is not None
        assert await an.people.tag_names(person) == (["bulk", "job"] if i % 2 else ["job"])
    # opted out: the names go as they are, and the helper ignores the unknown one
    out = an.people.upsert_many([{"email": "q@example.org"}], add_tags=["new"], ensure_tags=False)
    assert all([r.ok async for r in out])
    q = await an.people.find_by_email("q@example.org")
    assert q is not None
    assert await an.people.tag_names(q) == []


async def test_record_attendance_many_creates_the_missing_tags(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    event = await first_event(an)
    results = [
        r
        async for r in an.events.attendances.record_many(
            event, [{"email": "ann@example.org"}], add_tags=["rsvp"]
        )
    ]
    assert [r.ok for r in results] == [True]
    ann = await an.people.find_by_email("ann@example.org")
    assert ann is not None
    assert await an.people.tag_names(ann) == ["rsvp"]


# -- 24. malformed emails -------------------------------------------------------------------
MALFORMED = ["no-at-sign", "two@@example.org", "spaces in@example.org", "nodot@example"]


@pytest.mark.parametrize("refuse", [True, False], ids=["refused", "stored"])
async def test_upsert_many_reports_exactly_the_records_the_api_refused(
    refuse: bool, make_client: ClientFactory, tmp_path: Any
) -> None:
    good = [f"ok{i}@example.org" for i in range(4)]
    records = [{"email": e} for pair in zip(good, MALFORMED, strict=True) for e in pair]
    report = tmp_path / "failures.jsonl"
    async with Emulator(quirks=Quirks(refuse_malformed_emails=refuse), rate_limit=None) as server:
        an = make_client(server)
        results = [r async for r in an.people.upsert_many(records, report=report)]
        stored = sorted(
            e["address"] for p in server.state["people"].values() for e in p["email_addresses"]
        )
    by_index = {r.index: r for r in sorted(results, key=lambda r: r.index)}
    assert sorted(by_index) == list(range(len(records)))
    failed = [records[i]["email"] for i, r in by_index.items() if not r.ok]
    if refuse:
        # each refused record fails with the API's own answer; every other one landed
        assert failed == MALFORMED
        for result in by_index.values():
            if not result.ok:
                assert isinstance(result.error, ValidationError)
                assert result.error.status == 400
                assert "not valid" in str(result.error)
        assert stored == sorted(good)
        lines = report.read_text().splitlines()
        assert sorted(json.loads(line)["record"]["email"] for line in lines) == sorted(MALFORMED)
    else:
        # nothing the API took is reported as failed
        assert failed == []
        assert stored == sorted(good + MALFORMED)
        assert not report.exists() or report.read_text() == ""


async def test_the_switch_refuses_a_malformed_email_on_signup_record_helpers_and_put(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=1), quirks=Quirks(refuse_malformed_emails=True), rate_limit=None
    ) as server:
        an = make_client(server)
        with pytest.raises(ValidationError, match="not valid"):
            await an.people.signup(email="nope")
        petition = await an.petitions.create(title="Sign", origin_system="tests")
        with pytest.raises(ValidationError, match="not valid"):
            await an.petitions.signatures.record(petition, email="nope@nowhere")
        person = await first_person(an)
        with pytest.raises(ValidationError, match="not valid"):
            await an.people.update(person, email_addresses=[EmailAddress(address="x y@z.org")])
        assert (await an.people.signup(email="fine@example.org")).email == "fine@example.org"


# -- 21. background writes wherever the API documents them ----------------------------------
RECIPIENTS = [Recipient(display_name="Campaign to Elect Ann", amount="3.00")]
BACKGROUND = [
    # facade, records, singular, create fields, update fields (None: no PUT), helper fields
    ("petitions", "signatures", "signature", {"comments": "Yes"}, {"comments": "Changed"}, {}),
    ("forms", "submissions", "submission", {}, {"referrer_data": {"source": "web"}}, {}),
    ("surveys", "responses", "response", {}, {"referrer_data": {"source": "sms"}}, {}),
    ("events", "attendances", "attendance", {}, {"status": "declined"}, {}),
    ("fundraising_pages", "donations", "donation", {"recipients": RECIPIENTS}, None,
     {"recipients": RECIPIENTS}),
    ("advocacy_campaigns", "outreaches", "outreach", {"subject": "Yes"}, {"subject": "No"}, {}),
]  # fmt: skip


def queued(server: Emulator) -> bool:
    """Whether the last request asked for background processing."""
    return "background_request=true" in server.log[-1].query


@pytest.mark.parametrize("case", BACKGROUND, ids=[c[0] for c in BACKGROUND])
async def test_record_writes_take_background_and_return_none_at_once(
    case: tuple[str, str, str, dict[str, Any], dict[str, Any] | None, dict[str, Any]],
    server: Emulator,
    make_client: ClientFactory,
) -> None:
    attr, records, _singular, create_fields, update_fields, helper_fields = case
    an = make_client(server)
    facade = getattr(an, attr)
    action = await facade.create(title="API made", origin_system="tests")
    person = await an.people.signup(email="ann@example.org")
    create = getattr(facade, records).create
    assert await create.background(action, person, **create_fields) is None
    assert queued(server)
    await server.idle()
    made = [r async for r in getattr(facade, records).list(action)]
    assert [r.person_id for r in made] == [person.id]
    if update_fields is not None:
        update = getattr(facade, records).update
        assert await update.background(action, made[0], **update_fields) is None
        assert queued(server)
        body = server.log[-1].json()
        await server.idle()
        stored = server.state[records].get(made[0].id)
        assert {k: stored.get(k) for k in body} == body  # applied, later
    record = getattr(facade, records).record
    assert await record.background(action, email="bob@example.org", **helper_fields) is None
    assert queued(server)
    await server.idle()
    bob = await an.people.find_by_email("bob@example.org")
    assert bob is not None
    everyone = [r.person_id async for r in getattr(facade, records).list(action)]
    assert sorted(everyone) == sorted([person.id, bob.id])
    assert server.background_errors == []


async def test_taggings_are_made_and_deleted_in_the_background(
    server: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(server)
    person = await an.people.signup(email="ann@example.org")
    tag = await an.tags.create("later")
    assert await an.tags.taggings.create.background(tag, person) is None
    assert queued(server)
    await server.idle()
    [tagging] = [t async for t in an.people.taggings.list(person)]
    assert await an.people.tag_names(person) == ["later"]
    assert await an.tags.taggings.delete.background(tag, tagging) is None
    assert queued(server)
    await server.idle()
    assert await an.people.tag_names(person) == []
    assert server.background_errors == []
