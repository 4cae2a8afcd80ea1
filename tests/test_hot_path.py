"""The streaming hot path's shortcuts give the same results as the long way round."""

from __future__ import annotations

from typing import Any

import pytest

from actionnetwork_async.errors import HALError
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.models import Event, Location, Person
from actionnetwork_async.models.base import converter

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
