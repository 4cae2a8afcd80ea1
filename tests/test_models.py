"""Models: the reference's example documents round-trip; unknown fields survive; renames."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import ModelError
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.models import Event, Person, Record, ResourceModel, UniqueIdList

EXAMPLES = json.loads((Path(__file__).parent / "data" / "reference_examples.json").read_text())


def props(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("_links", "_embedded")}


def without(document: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in props(document).items() if k not in fields}


def writable(document: dict[str, Any], read_only: frozenset[str]) -> dict[str, Any]:
    """What a write may send back, by the people reference's rules: no read-only field, no
    action_network: identifier, and only the statuses subscribed/unsubscribed."""
    out = without(document, read_only)
    ids = [i for i in out.get("identifiers", []) if not i.startswith("action_network:")]
    out.pop("identifiers", None)
    if ids:
        out["identifiers"] = ids
    for key in ("email_addresses", "phone_numbers"):
        if key in out:
            out[key] = [
                {
                    k: v
                    for k, v in entry.items()
                    if k != "status" or v in ("subscribed", "unsubscribed")
                }
                for entry in out[key]
            ]
    return out


def people_examples() -> list[dict[str, Any]]:
    return [
        *EXAMPLES["people_collection"]["_embedded"]["osdi:people"],
        EXAMPLES["person"],
        EXAMPLES["person_after_put"],
    ]


def event_examples() -> list[dict[str, Any]]:
    return [
        *EXAMPLES["events_collection"]["_embedded"]["osdi:events"],
        EXAMPLES["event"],
        EXAMPLES["event_after_post"],
        EXAMPLES["event_after_put"],
    ]


def list_examples() -> list[dict[str, Any]]:
    return [
        *EXAMPLES["unique_id_lists_collection"]["_embedded"]["action_network:unique_id_lists"],
        EXAMPLES["unique_id_list"],
        EXAMPLES["unique_id_list_after_post"],
        EXAMPLES["unique_id_list_after_put"],
    ]


@pytest.mark.parametrize(
    ("model", "document"),
    [(Person, d) for d in people_examples()]
    + [(Event, d) for d in event_examples()]
    + [(UniqueIdList, d) for d in list_examples()],
)
def test_reference_examples_round_trip(
    model: type[ResourceModel], document: dict[str, Any]
) -> None:
    resource = parse_resource(document, url="https://actionnetwork.org/api/v2/")
    parsed = model.from_resource(resource)
    assert parsed.id is not None
    assert parsed.id == resource.identifier()
    assert parsed.links is resource.links
    # everything comes back except what the API says cannot be written
    assert parsed.to_json() == writable(document, model.READ_ONLY)
    # and reading what we would send gives the same model back (read-only fields aside)
    again = model.from_json(parsed.to_json())
    assert again.to_json() == parsed.to_json()


def test_person_fields_are_typed() -> None:
    person = Person.from_json(props(EXAMPLES["person"]))
    assert person.id == "d32fcdd6-7366-466d-a3b8-7e0d87c3cd8b"
    assert person.created_date == datetime(2014, 3, 25, 17, 9, 57, tzinfo=timezone.utc)
    assert person.email_addresses[0].address == "johndoe@mail.com"
    assert person.email == "johndoe@mail.com"
    assert person.phone == "12021234444"
    location = person.postal_addresses[0].location
    assert location is not None
    assert (location.latitude, location.accuracy) == (38.919, "Approximate")
    assert person.custom_fields == {"phone": "310.753.8209", "I am a parent": "1"}


def test_renames_live_in_the_converter() -> None:
    event = Event.from_json(props(EXAMPLES["events_collection"]["_embedded"]["osdi:events"][1]))
    assert event.sponsor is not None
    assert event.sponsor.title == "Progressive Action Now"
    assert event.hidden is False
    assert event.start_date == datetime(2014, 3, 22, 17, 45)  # local wall time: naive
    assert event.reminders[0].minutes == 1440
    assert "action_network:sponsor" not in event.extra
    campaign = Event.from_json({"title": "x", "action_network:event_campaign_id": "c1"})
    assert campaign.event_campaign_id == "c1"


def test_unknown_fields_are_kept_at_every_level_and_sent_back() -> None:
    document = {
        **props(EXAMPLES["person"]),
        "future_field": {"a": [1, 2]},
        "email_addresses": [{"address": "x@y.org", "primary": True, "verified_at": "soon"}],
    }
    person = Person.from_json(document)
    assert person.extra == {"future_field": {"a": [1, 2]}}
    assert person.email_addresses[0].extra == {"verified_at": "soon"}
    sent = person.to_json()
    assert sent["future_field"] == {"a": [1, 2]}
    assert sent["email_addresses"][0]["verified_at"] == "soon"


def test_missing_and_null_optional_fields_are_fine() -> None:
    person = Person.from_json({})
    assert (person.id, person.email, person.email_addresses) == ("", None, [])  # id: a str
    event = Event.from_json({"title": None, "capacity": None, "location": None, "reminders": None})
    assert (event.title, event.capacity, event.location, event.reminders) == (None, None, None, [])


def test_writing_omits_unset_and_read_only_fields() -> None:
    assert Person(given_name="Ann").to_json() == {"given_name": "Ann"}
    event = Event(
        title="T",
        total_accepted=5,
        status="confirmed",
        capacity=10,
        created_date=datetime(2020, 1, 1, tzinfo=timezone.utc),
        start_date=datetime(2026, 5, 1, 18, 0, tzinfo=timezone.utc),
    )
    assert event.to_json() == {"title": "T", "start_date": "2026-05-01T18:00:00Z"}


def test_impossible_values_raise_a_model_error() -> None:
    with pytest.raises(ModelError, match="Event"):
        Event.from_json({"capacity": "lots"})
    with pytest.raises(ModelError):
        Person.from_json({"created_date": "last tuesday"})
    with pytest.raises(ModelError):
        Person.from_json(["not", "an", "object"])  # type: ignore[arg-type]


def test_every_model_is_a_record() -> None:
    assert issubclass(Person, Record)
    assert Person().links == {}
    assert Person().url is None
