"""The pure HAL layer: links, curies, templates, embedded resources. No network here."""

from __future__ import annotations

import logging

import pytest

from actionnetwork_async.errors import (
    AmbiguousRelError,
    HALError,
    LinkNotFoundError,
    TemplateError,
)
from actionnetwork_async.hal import parse_resource

DOCS = "https://actionnetwork.org/docs/v2/{rel}"
CURIES = [
    {"name": "osdi", "href": DOCS, "templated": True},
    {"name": "action_network", "href": DOCS, "templated": True},
]
BASE = "https://actionnetwork.org/api/v2/"


def page(**links: object) -> dict[str, object]:
    return {"_links": {**links, "curies": CURIES}}


def test_compact_and_expanded_rels_find_the_same_link() -> None:
    res = parse_resource(page(**{"osdi:people": {"href": "people"}}), url=BASE)
    assert res.link("osdi:people").href == BASE + "people"
    assert res.link("https://actionnetwork.org/docs/v2/people").href == BASE + "people"
    # action_network: expands to the same template, so it names the same rel
    assert res.link("action_network:people").href == BASE + "people"


def test_expanded_rel_matching_two_compact_rels_is_ambiguous() -> None:
    doc = page(
        **{
            "osdi:record_attendance_helper": {"href": "events/1/attendances"},
            "action_network:record_attendance_helper": {"href": "events/1/other"},
        }
    )
    res = parse_resource(doc, url=BASE)
    with pytest.raises(AmbiguousRelError) as info:
        res.link("https://actionnetwork.org/docs/v2/record_attendance_helper")
    assert "osdi:record_attendance_helper" in str(info.value)
    assert "action_network:record_attendance_helper" in str(info.value)
    # the literal rel is matched first, so compact lookups stay unambiguous
    assert res.link("osdi:record_attendance_helper").href.endswith("/attendances")


def test_missing_rel_names_the_rel_and_those_present() -> None:
    res = parse_resource(page(self={"href": "x"}, next={"href": "y"}), url=BASE)
    with pytest.raises(LinkNotFoundError) as info:
        res.link("osdi:events")
    assert "'osdi:events'" in str(info.value)
    assert "next, self" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_relative_hrefs_resolve_against_the_document_url() -> None:
    res = parse_resource(
        {"_links": {"self": {"href": "/api/v2/people/abc"}, "up": {"href": "../events"}}},
        url="https://example.org/api/v2/people/abc",
    )
    assert res.self_href == "https://example.org/api/v2/people/abc"
    assert res.link("up").href == "https://example.org/api/v2/events"


def test_single_link_and_array_are_told_apart() -> None:
    doc = page(self={"href": "people"}, **{"osdi:people": [{"href": "people/1"}]})
    res = parse_resource(doc, url=BASE)
    assert res.links["self"].is_array is False
    assert res.links["osdi:people"].is_array is True
    assert [link.href for link in res.links_for("osdi:people")] == [BASE + "people/1"]


def test_array_rel_with_several_links_needs_an_index_or_name() -> None:
    doc = page(
        **{"osdi:people": [{"href": "people/1", "name": "a"}, {"href": "people/2", "name": "b"}]}
    )
    res = parse_resource(doc, url=BASE)
    with pytest.raises(HALError, match="2 links"):
        res.link("osdi:people")
    assert res.link("osdi:people", index=1).href == BASE + "people/2"
    assert res.link("osdi:people", name="a").href == BASE + "people/1"


def test_templated_links_expand_with_rfc6570() -> None:
    doc = {"_links": {"find": {"href": "people{?filter,page}", "templated": True}}}
    res = parse_resource(doc, url=BASE)
    link = res.link("find")
    assert link.variables == {"filter", "page"}
    url = link.expand(filter="email_address eq 'a@b.org'", page=2)
    assert url == BASE + "people?filter=email_address%20eq%20%27a%40b.org%27&page=2"
    with pytest.raises(TemplateError, match="no variable"):
        link.expand(pgae=2)


def test_only_templated_true_exactly_makes_a_template() -> None:
    doc = {"_links": {"odd": {"href": "people/{id}", "templated": "true"}}}
    link = parse_resource(doc, url=BASE).link("odd")
    assert link.templated is False
    assert link.href == BASE + "people/{id}"
    with pytest.raises(TemplateError, match="not templated"):
        link.expand(id="1")


def test_embedded_resources_inherit_curies_unless_they_carry_their_own() -> None:
    doc = {
        "_links": {"curies": CURIES},
        "_embedded": {
            "osdi:people": [
                {"_links": {"osdi:taggings": {"href": "people/1/taggings"}}},
                {
                    "_links": {
                        "curies": [
                            {"name": "osdi", "href": "https://other/{rel}", "templated": True}
                        ],
                        "osdi:taggings": {"href": "people/2/taggings"},
                    }
                },
            ]
        },
    }
    res = parse_resource(doc, url=BASE)
    inherited, own = res.items()
    assert inherited.link("https://actionnetwork.org/docs/v2/taggings").href.endswith("1/taggings")
    assert own.link("https://other/taggings").href == BASE + "people/2/taggings"
    assert not own.has_link("https://actionnetwork.org/docs/v2/taggings")
    assert res.embedded["osdi:people"].is_array is True


def test_items_reads_the_single_embedded_rel_whatever_its_name() -> None:
    doc = {"_embedded": {"action_network:unique_id_lists": [{"name": "a"}, {"name": "b"}]}}
    res = parse_resource(doc, url=BASE)
    assert [r["name"] for r in res.items()] == ["a", "b"]
    assert [r["name"] for r in res.items("action_network:unique_id_lists")] == ["a", "b"]
    assert res.items("osdi:people") == ()
    assert parse_resource({"page": 9}, url=BASE).items() == ()
    two = parse_resource({"_embedded": {"a": [], "b": []}}, url=BASE)
    with pytest.raises(HALError, match="several rels"):
        two.items()


def test_deprecated_link_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    doc = {"_links": {"old": {"href": "x", "deprecation": "https://docs/old-gone"}}}
    res = parse_resource(doc, url=BASE)
    with caplog.at_level(logging.WARNING, logger="actionnetwork_async.hal"):
        res.link("old")
        res.link("old")
    warnings = [r for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warnings) == 1
    assert "https://docs/old-gone" in warnings[0].getMessage()


def test_properties_identifier_and_bad_documents() -> None:
    res = parse_resource(
        {"identifiers": ["foreign:1", "action_network:abc"], "name": "x", "_links": {}}, url=BASE
    )
    assert res["name"] == "x"
    assert res.identifier() == "abc"
    assert res.identifier("foreign") == "1"
    assert "_links" not in res.data
    with pytest.raises(HALError):
        parse_resource([1, 2], url=BASE)
    # links are read when used: a malformed one fails then, and only the rel it is under
    broken = parse_resource({"_links": {"self": {"nohref": 1}, "up": {"href": "x"}}}, url=BASE)
    assert broken.link("up").href == BASE + "x"
    with pytest.raises(HALError, match="href"):
        broken.link("self")
