"""Webhook payloads: the reference example, mixed types, every bad-body class."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import webhooks
from actionnetwork_async.errors import ActionNetworkError
from actionnetwork_async.models import Person

REFERENCE = json.loads((Path(__file__).parent / "data" / "webhook_action_example.json").read_text())
DELIVERY: list[dict[str, Any]] = REFERENCE["delivery"]
SPONSOR = {"title": "Progressive Action Now", "url": "https://actionnetwork.org/groups/pan"}


def element(kind: str, data: dict[str, Any], key: str | None = "k1") -> dict[str, Any]:
    out: dict[str, Any] = {kind: data, "action_network:sponsor": SPONSOR}
    if key is not None:
        out["idempotency_key"] = key
    return out


@pytest.mark.parametrize("form", ["bytes", "str", "decoded"])
def test_the_reference_example_exactly(form: str) -> None:
    text = json.dumps(DELIVERY)
    body: Any = {"bytes": text.encode(), "str": text, "decoded": DELIVERY}[form]
    (event,) = webhooks.parse(body)
    assert event.type == "action_network:action"
    assert event.idempotency_key == "1679091c5a880faf6fb5e6087eb1b2da"
    assert event.sponsor is not None
    assert event.sponsor.title == "Progressive Action Now"
    # the example's sponsor says url where the field table says browser_url: both are read
    assert event.sponsor.browser_url == "https://actionnetwork.org/groups/progressive-action-now"
    assert isinstance(event.payload, webhooks.ActionPayload)
    person = event.payload.person
    assert isinstance(person, Person)
    assert person.email == "jsmith@mail.com"
    assert person.family_name == "Smith"
    assert person.postal_addresses[0].region == "District of Columbia"
    assert event.person is person
    assert event.payload.referrer_data == {}
    assert event.payload.created_date is not None
    assert event.payload.created_date.isoformat() == "2018-11-07T19:49:26+00:00"
    assert event.person_url == (
        "https://actionnetwork.org/api/v2/people/0df69aaf-3614-4315-b73a-088866b404e8"
    )
    assert event.raw == DELIVERY[0]


def test_a_mixed_delivery_with_an_unknown_type() -> None:
    delivery = [
        element("osdi:signature", {"comments": "Yes!", "person": {"given_name": "A"}}, "k1"),
        element("osdi:attendance", {"status": "accepted", "add_tags": ["rsvp"]}, "k2"),
        element(
            "osdi:donation", {"amount": "25.00", "recipients": [{"display_name": "PAN"}]}, "k3"
        ),
        element("osdi:submission", {"identifiers": ["action_network:s1"]}, "k4"),
        element("osdi:outreach", {"subject": "Vote", "targets": [{"title": "Senator"}]}, "k5"),
        element("action_network:future_thing", {"rows": 3, "future": True}, "k6"),
    ]
    events = webhooks.parse(delivery)
    assert [e.type for e in events] == [
        "osdi:signature",
        "osdi:attendance",
        "osdi:donation",
        "osdi:submission",
        "osdi:outreach",
        "action_network:future_thing",
    ]
    signature, attendance, donation, submission, outreach, unknown = (e.payload for e in events)
    assert isinstance(signature, webhooks.SignaturePayload)
    assert signature.comments == "Yes!"
    assert isinstance(attendance, webhooks.AttendancePayload)
    assert (attendance.status, attendance.add_tags) == ("accepted", ["rsvp"])
    assert isinstance(donation, webhooks.DonationPayload)
    assert donation.amount == "25.00"
    assert donation.recipients[0].display_name == "PAN"  # typed: a Recipient
    assert isinstance(submission, webhooks.SubmissionPayload)
    assert submission.identifiers == ["action_network:s1"]
    assert isinstance(outreach, webhooks.OutreachPayload)
    assert [t.title for t in outreach.targets] == ["Senator"]  # typed: ActionTargets
    assert isinstance(unknown, webhooks.UnknownPayload)
    assert unknown.data == {"rows": 3, "future": True}
    assert events[5].person is None
    assert [e.idempotency_key for e in events] == ["k1", "k2", "k3", "k4", "k5", "k6"]


@pytest.mark.parametrize(
    ("body", "error", "says"),
    [
        (b"{not json", webhooks.WebhookDecodeError, "not valid JSON"),
        (b"\xff\xfe", webhooks.WebhookDecodeError, "not valid JSON"),
        ({"action_network:action": {}}, webhooks.WebhookFormatError, "JSON array"),
        (b'"a string"', webhooks.WebhookFormatError, "JSON array"),
        ([1], webhooks.WebhookFormatError, "element 0 is a int"),
        ([{"idempotency_key": "k"}], webhooks.WebhookFormatError, "found none"),
        ([{"a": {}, "b": {}}], webhooks.WebhookFormatError, "found a, b"),
        ([{"osdi:signature": "yes"}], webhooks.WebhookFormatError, "not an object"),
        (
            [{"osdi:signature": {}, "idempotency_key": 5}],
            webhooks.WebhookFormatError,
            "idempotency_key",
        ),
        (
            [{"osdi:signature": {"created_date": "someday"}}],
            webhooks.WebhookFormatError,
            "cannot be read",
        ),
        (b"[" + b" " * (1024 * 1024) + b"]", webhooks.WebhookTooLargeError, "over"),
    ],
)
def test_every_bad_body_raises_its_error(body: Any, error: type[Exception], says: str) -> None:
    with pytest.raises(error, match=says) as info:
        webhooks.parse(body)
    assert isinstance(info.value, webhooks.WebhookError)
    assert isinstance(info.value, ActionNetworkError)


def test_nothing_partial_is_returned() -> None:
    good = element("osdi:signature", {}, "k1")
    with pytest.raises(webhooks.WebhookFormatError, match="element 1"):
        webhooks.parse([good, {"nothing": 1, "else": 2}])
