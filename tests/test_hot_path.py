"""The streaming hot path's shortcuts give the same results as the long way round."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime
from typing import Any, TypeVar

import pytest

from actionnetwork_async.errors import HALError, ModelError
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.models import (
    AdvocacyCampaign,
    EmailAddress,
    Event,
    EventCampaign,
    Form,
    FundraisingPage,
    Location,
    PeopleList,
    Person,
    Petition,
    PhoneNumber,
    Tag,
    UniqueIdList,
)
from actionnetwork_async.models.base import Record, _describe, converter
from actionnetwork_async.testing import Emulator

from .conftest import ClientFactory

R = TypeVar("R", bound=Record)

BASE = "https://actionnetwork.org/api/v2/people?page=2"


def test_optional_fields_are_coerced_as_cattrs_coerces_them() -> None:
    # the shortcut for X | None must keep cattrs' X(value), not just pass values through
    where = Location.from_json({"latitude": 38, "longitude": "-77.5"})
    assert (where.latitude, where.longitude) == (38.0, -77.5)
    assert type(where.latitude) is float
    event = Event.from_json({"capacity": "12", "title": 7, "start_date": None})
    assert (event.capacity, event.title, event.start_date) == (12, "7", None)


def test_optional_fields_use_the_hook_registered_for_their_type() -> None:
    person = Person.from_json({"created_date": "2014-03-20T21:04:31Z", "modified_date": None})
    assert person.created_date is not None
    assert person.created_date.isoformat() == "2014-03-20T21:04:31+00:00"
    assert converter.structure(None, Location | None) is None


def test_absolute_and_relative_hrefs_resolve_as_before() -> None:
    doc: dict[str, Any] = {
        "_links": {
            "self": {"href": "https://actionnetwork.org/api/v2/people/1"},
            "next": {"href": "people?page=3"},
            "other": {"href": "//example.org/x"},
        }
    }
    res = parse_resource(doc, url=BASE)
    assert res.self_href == "https://actionnetwork.org/api/v2/people/1"
    assert res.link("next").href == "https://actionnetwork.org/api/v2/people?page=3"
    assert res.link("other").href == "https://example.org/x"


def test_items_of_a_page_read_their_links_only_when_asked() -> None:
    page = {
        "_links": {"curies": [{"name": "osdi", "href": "https://d/{rel}", "templated": True}]},
        "_embedded": {
            "osdi:people": [
                {"given_name": "A", "_links": {"self": {"href": "people/1"}, "bad": 5}},
                {"given_name": "B", "_links": {"self": {"href": "people/2"}}},
            ]
        },
    }
    first, second = parse_resource(page, url=BASE).items()
    assert [first["given_name"], second["given_name"]] == ["A", "B"]
    assert first.self_href == "https://actionnetwork.org/api/v2/people/1"
    assert sorted(first.links) == ["bad", "self"]
    assert first.curies is second.curies  # shared, not copied per item
    with pytest.raises(HALError, match="href"):
        first.link("bad")


# -- the generated readers against cattrs ------------------------------------------------------
COLLECTIONS = {
    "osdi:people": Person,
    "osdi:events": Event,
    "osdi:petitions": Petition,
    "osdi:forms": Form,
    "osdi:fundraising_pages": FundraisingPage,
    "osdi:advocacy_campaigns": AdvocacyCampaign,
    "osdi:tags": Tag,
    "osdi:lists": PeopleList,
    "action_network:event_campaigns": EventCampaign,
    "action_network:unique_id_lists": UniqueIdList,
}


def slow(cls: type[R], data: Any) -> R:
    """A model read by cattrs alone (the road a document takes when the reader refuses it)."""
    return converter.structure(data, cls)


@pytest.mark.asyncio
async def test_every_record_the_emulator_serves_reads_as_cattrs_reads_it(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    entry = await an.hal.entry_point()
    read = 0
    for rel, model in COLLECTIONS.items():
        if not entry.has_link(rel):
            continue
        async for item in an.hal.iterate(entry, rel):
            fast = model.from_resource(item)
            assert fast == slow(model, dict(item.data)), rel
            assert fast.resource is item
            assert fast.to_json() == slow(model, dict(item.data)).to_json()
            read += 1
    assert read > 100


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"given_name": None, "email_addresses": None, "custom_fields": None},
        {"given_name": 7, "family_name": 1.5, "custom_fields": {"seq": 3}},
        {"email_addresses": {"address": "a@example.org", "primary": "TRUE"}},
        {
            "email_addresses": [{"address": "a@example.org", "primary": "false"}],
            "phone_numbers": [],
        },
        {"identifiers": "action_network:1", "languages_spoken": ["en", 4]},
        {"postal_addresses": [{"location": {"latitude": 38, "longitude": "-77"}, "x": 1}]},
        {"created_date": "2014-03-20T21:04:31+02:00", "unknown": {"deep": [1, {"x": None}]}},
        {"_links": {"self": {"href": "people/1"}}, "_embedded": {}, "extra": 1, "resource": 2},
    ],
)
def test_unusual_documents_read_as_cattrs_reads_them(document: dict[str, Any]) -> None:
    fast = Person.from_json(document)
    assert fast == slow(Person, document)
    assert fast.to_json() == slow(Person, document).to_json()
    assert "_links" not in fast.extra


def test_alias_and_wall_clock_fields_read_as_cattrs_reads_them() -> None:
    for document in (
        {"url": "https://x/1", "title": "T"},
        {"browser_url": None, "url": "https://x/2"},
        {"browser_url": "https://x/3", "url": "https://x/4"},
    ):
        assert Petition.from_json(document) == slow(Petition, document)
    event = {"start_date": "2014-03-22T17:45:00Z", "end_date": "2014-03-22T19:00:00-05:00"}
    assert Event.from_json(event) == slow(Event, event)
    assert Event.from_json(event).start_date == datetime(2014, 3, 22, 17, 45)


@pytest.mark.parametrize(
    "document",
    [
        {"given_name": ["a"]},
        {"email_addresses": [5]},
        {"created_date": "yesterday"},
        {"custom_fields": {"a": [1]}},
        [],
    ],
)
def test_what_the_reader_refuses_still_fails_as_before(document: Any) -> None:
    with pytest.raises(ModelError, match="cannot read a Person") as caught:
        Person.from_json(document)
    with pytest.raises(Exception) as before:  # noqa: PT011 - cattrs' own error, whichever
        slow(Person, document)
    assert str(caught.value) == f"cannot read a Person: {_describe(before.value)}"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"postal_addresses": [{"location": "here"}]}, "postal_addresses"),
        ({"email_addresses": [{"address": ["here"]}]}, "email_addresses"),
        ({"phone_numbers": [{"primary": "here"}]}, "phone_numbers"),
    ],
)
def test_a_nested_record_that_cannot_be_read_raises_where_it_is_first_read(
    document: dict[str, Any], field: str
) -> None:
    person = Person.from_resource(parse_resource({"given_name": "Ada", **document}, url=BASE))
    assert person.given_name == "Ada"  # the rest of the record reads
    for _ in range(2):  # and the field raises each time it is read, never a half-made value
        with pytest.raises(ModelError, match=f"cannot read the {field} of a Person") as caught:
            getattr(person, field)
        assert "here" not in str(caught.value)  # the message never quotes the data
    with pytest.raises(ModelError):
        person.to_json()
    with pytest.raises(ModelError, match="cannot read a Person"):  # all at once: at the record
        Person.from_json(document)


def test_nested_records_are_read_once_and_can_be_replaced() -> None:
    document = {
        "email_addresses": [{"address": "a@example.org", "primary": True}],
        "postal_addresses": [{"locality": "Austin", "location": {"latitude": 30.2}}],
    }

    def read() -> Person:
        return Person.from_resource(parse_resource(document, url=BASE))

    person = read()
    emails = person.email_addresses
    assert emails is person.email_addresses  # made on the first read, then kept
    assert emails == [EmailAddress(address="a@example.org", primary=True)]
    assert person.postal_addresses[0].location == Location(latitude=30.2)
    assert person == slow(Person, document)
    assert repr(person) == repr(slow(Person, document))
    person.phone_numbers = [PhoneNumber(number="1")]
    del person.email_addresses
    with pytest.raises(AttributeError):
        person.email_addresses  # noqa: B018 - deleted like any attrs field
    assert copy.deepcopy(read()) == slow(Person, document)
    again = pickle.loads(pickle.dumps(read()))
    assert again == slow(Person, document)
    assert again.url == read().url


def test_models_read_from_a_resource_share_no_list_or_dict_with_it() -> None:
    document = {"identifiers": ["a:1"], "custom_fields": {"k": "v"}, "languages_spoken": ["en"]}
    person = Person.from_resource(parse_resource(document, url=BASE))
    person.identifiers.append("b:2")
    person.custom_fields["k"] = "changed"
    person.languages_spoken.clear()
    assert document == {
        "identifiers": ["a:1"],
        "custom_fields": {"k": "v"},
        "languages_spoken": ["en"],
    }
