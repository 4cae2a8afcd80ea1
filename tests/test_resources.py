"""Every resource's facade on the emulator: list, get, create and update where the API allows
them, the records of actions and their helpers, and the webhook each helper sends.

The cases are a table: one row per action and its records, so a facade added later is one row.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
import pytest_asyncio
from aiohttp import web

from actionnetwork_async import (
    ConfigurationError,
    NotFoundError,
    NothingAcceptedError,
    OutcomeUnknownError,
    ValidationError,
    webhooks,
)
from actionnetwork_async.models import (
    ActionTarget,
    Campaign,
    CustomField,
    Donation,
    Embed,
    Event,
    EventCampaign,
    ListItem,
    Message,
    MessageStatistics,
    Notice,
    PeopleList,
    Petition,
    Query,
    Recipient,
    Wrapper,
)
from actionnetwork_async.models.base import RENAMES
from actionnetwork_async.testing import Emulator, Quirks, Seed, Timing, Webhooks

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio


@attrs.frozen
class Case:
    """An action facade and the records people leave on it."""

    attr: str  # an.<attr>
    records: str  # the stream of an action's records: an.<attr>.<records>(action)
    singular: str  # get_<singular>, create_<singular>, update_<singular>, record_<singular>
    webhook: str  # the webhook type its helper sends
    payload: type[webhooks.Payload]
    helper_fields: dict[str, Any] = attrs.field(factory=dict)  # type-specific helper fields
    record_fields: dict[str, Any] = attrs.field(factory=dict)  # for create_/update_<singular>
    updatable_records: bool = True
    api_made_only: bool = False  # records only on actions made over the API


RECIPIENTS = [Recipient(display_name="Campaign to Elect Ann", amount="3.00")]
CASES = [
    Case("petitions", "signatures", "signature", "osdi:signature", webhooks.SignaturePayload,
         helper_fields={"comments": "Yes!"}, record_fields={"comments": "Indeed"}),
    Case("forms", "submissions", "submission", "osdi:submission", webhooks.SubmissionPayload,
         record_fields={"referrer_data": {"source": "email"}}),
    Case("surveys", "responses", "response", "action_network:response",
         webhooks.ResponsePayload, record_fields={"referrer_data": {"source": "sms"}}),
    Case("events", "attendances", "attendance", "osdi:attendance", webhooks.AttendancePayload,
         record_fields={"status": "declined"}),
    Case("fundraising_pages", "donations", "donation", "osdi:donation",
         webhooks.DonationPayload, helper_fields={"recipients": RECIPIENTS},
         record_fields={"recipients": RECIPIENTS}, updatable_records=False, api_made_only=True),
    Case("advocacy_campaigns", "outreaches", "outreach", "osdi:outreach",
         webhooks.OutreachPayload,
         helper_fields={"subject": "Vote no", "targets": [ActionTarget(title="Senator")]},
         record_fields={"subject": "Vote yes"}, api_made_only=True),
]  # fmt: skip
SEED = {
    "people": 6,
    "petitions": 2,
    "forms": 2,
    "surveys": 2,
    "events": 2,
    "fundraising_pages": 2,
    "advocacy_campaigns": 2,
    "event_campaigns": 2,
    "signatures": 3,
    "submissions": 3,
    "responses": 3,
    "attendances": 3,
    "donations": 3,
    "outreaches": 3,
}


async def items(stream: AsyncIterator[Any]) -> list[Any]:
    return [x async for x in stream]


@pytest_asyncio.fixture
async def seeded() -> AsyncIterator[Emulator]:
    async with Emulator(seed=Seed(**SEED), rate_limit=None) as server:
        yield server


# -- actions: list, get, create, update, embed ------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.attr for c in CASES])
async def test_an_action_lists_gets_creates_and_updates(
    case: Case, seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    facade = getattr(an, case.attr)
    listed = await items(facade.list())
    assert [a.id for a in listed] == seeded.ids(case.attr)
    model = listed[0]
    # get takes a model, a Resource or an id, and always reads the API afresh
    for target in (model, model.resource, model.id):
        again = await facade.get(target)
        assert (type(again), again.id, again.title) == (type(model), model.id, model.title)
    before = len(seeded.log)
    assert isinstance(await facade.embed(model), Embed)  # made in the user interface: has one
    assert len(seeded.log) == before + 1  # the model's link: no GET of the action first
    made = await facade.create(title="Made here", origin_system="tests", description="<p>x</p>")
    assert (made.title, made.description, made.origin_system) == (
        "Made here",
        "<p>x</p>",
        "tests",
    )
    assert seeded.log[-1].json() == {
        "title": "Made here",
        "origin_system": "tests",
        "description": "<p>x</p>",
    }
    changed = await facade.update(made.id, description="changed")
    assert changed.description == "changed"
    assert seeded.log[-1].json() == {"description": "changed"}
    # a whole model of changes: its read-only fields (counts, hidden ...) are never sent
    made.name = "admin name"
    assert (await facade.update(made)).name == "admin name"
    sent = seeded.log[-1].json()
    assert sent["name"] == "admin name"
    assert not {"action_network:hidden", "created_date", "identifiers", "tag_list"} & set(sent)
    with pytest.raises(ConfigurationError, match="not editable"):
        await facade.update(made, extra={"action_network:hidden": True})
    with pytest.raises(ConfigurationError, match="title"):
        await facade.create(title=" ", origin_system="tests")


@pytest.mark.looptime
async def test_a_create_without_an_identifier_is_never_sent_twice(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded, timeout=0.5, max_tries=3)
    seeded.add_fault("latency", path="petitions", method="POST", delay=2.0)
    with pytest.raises(OutcomeUnknownError, match=r"an.petitions.list\(F.title == 'Once'\)"):
        await an.petitions.create(title="Once", origin_system="tests")
    assert seeded.count(path="petitions", method="POST") == 1


# -- records of actions: list, get, create, update, helper ------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.attr for c in CASES])
async def test_records_of_an_action(
    case: Case, seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    facade = getattr(an, case.attr)
    action = (await items(facade.list()))[0]
    if case.api_made_only:  # donations and outreaches only go on actions made over the API
        action = await facade.create(title="API made", origin_system="tests")
    records = getattr(facade, case.records)
    person = await an.people.get(seeded.ids("people")[0])
    created = await getattr(facade, case.records).create(action, person, **case.record_fields)
    assert created.person_id == person.id
    assert seeded.log[-1].json()["_links"] == {"osdi:person": {"href": person.url}}
    # by model (its link) and by id (the documented URL), filtered or not
    by_model = [r.id for r in await items(records.list(action))]
    assert created.id in by_model
    assert [r.id for r in await items(records.list(action.id))] == by_model
    got = await getattr(facade, case.records).get(action.id, created.id)
    assert type(got) is type(created)
    assert got.id == created.id
    if case.updatable_records:
        field, value = next(iter(case.record_fields.items()))
        changed = {"status": "accepted"} if field == "status" else {field: value}
        updated = await getattr(facade, case.records).update(action, created, **changed)
        assert updated.id == created.id
        assert seeded.log[-1].json() == api_json(changed)
    else:
        assert not hasattr(records, "update")  # the API has no PUT for it
    recorded = await getattr(facade, case.records).record(
        action, email="new.person@example.org", given_name="New", **case.helper_fields
    )
    helper_body = seeded.log[-1].json()
    newcomer = await an.people.find_by_email("new.person@example.org")
    assert newcomer is not None
    assert recorded.person_id == newcomer.id
    assert helper_body["person"] == {
        "given_name": "New",
        "email_addresses": [{"address": "new.person@example.org", "primary": True}],
    }  # no status: nothing opted in that was not asked for
    assert recorded.id in [r.id for r in await items(records.list(action))]
    # the person's side of it
    mine = await items(getattr(an.people, case.records).list(newcomer))
    assert [r.id for r in mine] == [recorded.id]
    by_person = await getattr(an.people, case.records).get(newcomer.id, recorded.id)
    assert (type(by_person), by_person.id) == (type(recorded), recorded.id)


def api_json(fields: dict[str, Any]) -> dict[str, Any]:
    """What fields given by Python name look like in a request body."""
    return {
        RENAMES.get(k, k): [attrs.asdict(v) for v in x] if isinstance(x, list) else x
        for k, x in fields.items()
    }


@pytest.mark.parametrize("case", CASES, ids=[c.attr for c in CASES])
async def test_every_helper_raises_when_the_api_accepts_nothing(
    case: Case, make_client: ClientFactory
) -> None:
    async with Emulator(
        seed=Seed(**SEED), quirks=Quirks(empty_helper_answers=True), rate_limit=None
    ) as emu:
        an = make_client(emu)
        facade = getattr(an, case.attr)
        action = await facade.create(title="A", origin_system="tests")
        with pytest.raises(NothingAcceptedError):
            await getattr(facade, case.records).record(
                action, email="x@example.org", **case.helper_fields
            )


async def test_helpers_take_consent_as_asked_and_only_subscribed(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    petition = seeded.ids("petitions")[0]
    with pytest.raises(ConfigurationError, match="email_status must be 'subscribed'"):
        await an.petitions.signatures.record(
            petition, email="a@example.org", email_status="unsubscribed"
        )
    with pytest.raises(ConfigurationError, match="email address or a phone number"):
        await an.petitions.signatures.record(petition, given_name="Nobody")
    assert seeded.log == []  # refused before any request
    await an.petitions.signatures.record(
        petition,
        email="texter@example.org",
        phone="12025550123",
        phone_status="subscribed",
        add_tags=["texter"],
        autoresponse=True,
    )
    body = seeded.log[-1].json()
    assert body["person"]["phone_numbers"] == [
        {"number": "12025550123", "primary": True, "status": "subscribed"}
    ]  # the phone's consent is not the email's:
    assert body["person"]["email_addresses"] == [{"address": "texter@example.org", "primary": True}]
    assert body["triggers"] == {"autoresponse": {"enabled": True}}
    assert len(seeded.autoresponses) == 1  # a petition made in the user interface sends one


async def test_a_helper_url_is_read_once_per_action(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    form = seeded.ids("forms")[0]
    for n in range(3):
        await an.forms.submissions.record(form, email=f"p{n}@example.org")
    assert seeded.count(path=f"forms/{form}", method="GET") == 1
    assert seeded.count(path=f"forms/{form}/submissions", method="POST") == 3


@pytest.mark.looptime
async def test_a_donation_is_never_sent_twice_but_a_signature_is_retried(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded, timeout=1.0, max_tries=3)
    page = await an.fundraising_pages.create(title="F", origin_system="tests")
    seeded.add_fault("latency", path=f"fundraising_pages/{page.id}/donations", delay=5.0)
    with pytest.raises(OutcomeUnknownError):
        await an.fundraising_pages.donations.record(
            page, email="d@example.org", recipients=RECIPIENTS
        )
    petition = await an.petitions.get(seeded.ids("petitions")[0])
    seeded.add_fault("latency", path=f"petitions/{petition.id}/signatures", delay=5.0)
    signed = await an.petitions.signatures.record(petition, email="d@example.org")
    await seeded.idle()
    assert seeded.count(path=f"fundraising_pages/{page.id}/donations", method="POST") == 1
    assert seeded.count(path=f"petitions/{petition.id}/signatures", method="POST") == 2
    assert [s.id for s in await items(an.people.signatures.list(signed.person_id or ""))] == [
        signed.id
    ]  # one per person and petition: the re-sent POST made no second one


# -- webhooks: every helper's payload, typed, with the person and the action ------------------
async def test_every_helper_sends_its_typed_webhook(make_client: ClientFactory) -> None:
    received: list[webhooks.WebhookEvent] = []
    hooks = webhooks.receiver(secret="a-long-random-token-0123")
    hooks.on()(_collect(received))
    runner = web.AppRunner(hooks.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/webhooks/action-network/a-long-random-token-0123"
    expected = {}
    try:
        async with Emulator(seed=Seed(**SEED), webhooks=Webhooks(url=url), rate_limit=None) as emu:
            an = make_client(emu)
            for case in CASES:
                facade = getattr(an, case.attr)
                action = await facade.create(title="Hooked", origin_system="tests")
                record = await getattr(facade, case.records).record(
                    action, email="hooked@example.org", **case.helper_fields
                )
                expected[case.webhook] = (case, action.id, record)
            await emu.idle()
    finally:
        await runner.cleanup()
    assert sorted(e.type for e in received) == sorted(expected)
    for event in received:
        case, action_id, record = expected[event.type]
        assert type(event.payload) is case.payload
        assert event.person_id == record.person_id
        assert event.action_id == action_id
        assert event.payload.id == record.id
        assert event.person is not None
        assert event.person.email == "hooked@example.org"
    (donation,) = [e.payload for e in received if isinstance(e.payload, webhooks.DonationPayload)]
    assert donation.recipients == RECIPIENTS
    assert donation.amount == "3.00"
    (outreach,) = [e.payload for e in received if isinstance(e.payload, webhooks.OutreachPayload)]
    assert (outreach.subject, outreach.targets[0].title) == ("Vote no", "Senator")


def _collect(into: list[webhooks.WebhookEvent]) -> Callable[..., Any]:
    async def handler(event: webhooks.WebhookEvent) -> None:
        into.append(event)

    return handler


# -- event campaigns, campaigns, donations, lists, queries, wrappers, metadata ----------------
async def test_event_campaigns_full_crud_and_their_events(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    listed = await items(an.event_campaigns.list())
    assert [c.id for c in listed] == seeded.ids("event_campaigns")
    made = await an.event_campaigns.create(
        title="Week of action", origin_system="tests", host_pitch="Host one!"
    )
    assert isinstance(made, EventCampaign)
    assert made.host_pitch == "Host one!"
    changed = await an.event_campaigns.update(made, host_instructions="Bring signs")
    assert changed.host_instructions == "Bring signs"
    event = await an.events.create_in_campaign(made, title="Rally", origin_system="tests")
    assert [e.id for e in await items(an.events.in_campaign(made))] == [event.id]
    assert (await an.event_campaigns.get(made.id)).total_events == 1
    assert not hasattr(an.event_campaigns, "delete")


async def test_read_only_collections(make_client: ClientFactory) -> None:
    seed = Seed(
        people=30, campaigns=2, fundraising_pages=1, donations=4, lists=2, items=30,
        queries=2, wrappers=2,
    )  # fmt: skip
    async with Emulator(seed=seed, rate_limit=None) as emu:
        an = make_client(emu)
        for facade, model, name in (
            (an.campaigns, Campaign, "campaigns"),
            (an.donations, Donation, "donations"),
            (an.lists, PeopleList, "lists"),
            (an.queries, Query, "queries"),
            (an.wrappers, Wrapper, "wrappers"),
        ):
            listed = await items(facade.list())
            assert [x.id for x in listed] == emu.ids(name)
            one = await facade.get(listed[-1].id)
            assert isinstance(one, model)
            assert one.id == listed[-1].id
            for write in ("create", "update", "delete"):
                assert not hasattr(facade, write), f"{name} cannot be written over the API"
        donation = await an.donations.get(emu.ids("donations")[0])
        assert donation.recipients
        assert (
            donation.amount == str(sum(float(r.amount or 0) for r in donation.recipients))
            or donation.amount == f"{sum(float(r.amount or 0) for r in donation.recipients):.2f}"
        )
        report = (await items(an.lists.list()))[0]
        people = await items(an.lists.items.list(report))
        assert people
        assert all(isinstance(i, ListItem) and i.person_id for i in people)
        item = await an.lists.items.get(report.id, people[0].id)
        assert item.person_id == people[0].person_id
        fields = await an.metadata.custom_fields()
        assert fields
        assert all(isinstance(f, CustomField) and f.name for f in fields)


async def test_filters_go_only_where_the_api_takes_them(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    title = (await an.petitions.get(seeded.ids("petitions")[1])).title
    matched = await items(an.petitions.list(f"title eq '{title}'"))
    assert [p.id for p in matched] == [seeded.ids("petitions")[1]]
    # tags, messages, lists, queries, wrappers and unique ID lists take no filter
    for name in ("tags", "messages", "lists", "queries", "wrappers", "unique_id_lists"):
        assert "filter" not in inspect.signature(getattr(an, name).list).parameters


# -- messages ---------------------------------------------------------------------------------
@pytest.mark.looptime
async def test_a_message_from_draft_to_sent_with_statistics(make_client: ClientFactory) -> None:
    # Targeting takes 30 s of the loop's clock (fast-forwarded): the message is still being
    # targeted when it is sent too early, however busy the machine.
    async with Emulator(
        seed=Seed(people=12, queries=2, wrappers=1),
        timing=Timing(background_delay=30.0),
        rate_limit=None,
    ) as emu:
        an = make_client(emu)
        query = (await items(an.queries.list()))[0]
        wrapper = emu.ids("wrappers")[0]
        message = await an.messages.create(
            subject="Stop the bad thing",
            body="<p>Please.</p>",
            from_="Progressive Action Now",
            reply_to="jane@example.org",
            targets=[query],
            wrapper=wrapper,
        )
        sent = emu.log[-1].json()
        assert sent["from"] == "Progressive Action Now"
        assert sent["targets"] == [{"href": query.url}]
        assert sent["_links"]["osdi:wrapper"]["href"].endswith(f"wrappers/{wrapper}")
        assert message.status == "calculating"
        with pytest.raises(ValidationError):
            await an.messages.send(message)  # not a draft yet
        await emu.idle()
        draft = await an.messages.update(message, subject="Stop the bad thing now")
        assert (draft.subject, draft.from_) == ("Stop the bad thing now", "Progressive Action Now")
        await emu.idle()
        assert (await an.messages.get(message)).status == "draft"
        assert await an.messages.send(message.id) == Notice("Your email has been sent.")
        await emu.idle()
        statistics = await an.messages.statistics(message)
        assert isinstance(statistics, MessageStatistics)
        assert statistics.sent == (await an.messages.get(message)).total_targeted
        assert statistics.sent


async def test_a_message_scheduled_and_unscheduled(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=5), timing=Timing(background_delay=0.01), rate_limit=None
    ) as emu:
        an = make_client(emu)
        message = await an.messages.create(
            subject="S", body="B", from_="Me", reply_to="me@example.org"
        )
        await emu.idle()
        with pytest.raises(ConfigurationError, match="future"):
            await an.messages.schedule(message, datetime(2000, 1, 1, tzinfo=timezone.utc))
        when = datetime.now(timezone.utc) + timedelta(days=2)
        assert "scheduled" in (await an.messages.schedule(message, when)).message
        assert emu.log[-1].json() == {"scheduled_start_date": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
        assert (await an.messages.get(message)).status == "scheduled"
        await an.messages.unschedule(message)
        assert (await an.messages.get(message)).status == "draft"
        with pytest.raises(ConfigurationError, match="subject"):
            await an.messages.create(subject="", body="B", from_="Me", reply_to="m@example.org")


async def test_a_send_helper_answering_empty_raises(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=5),
        quirks=Quirks(empty_helper_answers=True),
        timing=Timing(background_delay=0.01),
        rate_limit=None,
    ) as emu:
        an = make_client(emu)
        message = await an.messages.create(subject="S", body="B", from_="M", reply_to="m@x.org")
        await emu.idle()
        with pytest.raises(NothingAcceptedError):
            await an.messages.send(message)


async def test_a_target_that_names_nothing_is_refused_at_the_call(
    seeded: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(seeded)
    with pytest.raises(ConfigurationError, match="not an Action Network id"):
        an.petitions.signatures.list("../people")
    with pytest.raises(ConfigurationError, match="no Action Network id"):
        await an.petitions.get(Petition(title="never saved"))
    with pytest.raises(NotFoundError):
        await an.events.get(Event.from_json({"identifiers": ["action_network:nope"]}))
    assert [r.method for r in seeded.log] == ["GET", "GET"]  # the entry point, the 404


async def test_messages_is_a_writable_facade(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=2, messages=1), rate_limit=None) as emu:
        an = make_client(emu)
        (message,) = await items(an.messages.list())
        assert isinstance(message, Message)
        assert message.statistics is not None
