"""The generic walker against the emulator: GET, follow, iterate, pages, writes."""

from __future__ import annotations

import pytest

from actionnetwork_async import NotFoundError
from actionnetwork_async.errors import LinkNotFoundError
from actionnetwork_async.hal import parse_resource
from actionnetwork_async.testing import Emulator, Seed

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio


async def test_entry_point_and_follow_by_compact_or_expanded_rel(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    aep = await an.hal.get()
    assert aep.url == emu.base_url
    people = await an.hal.follow(aep, "osdi:people")
    events = await an.hal.follow(aep, "https://actionnetwork.org/docs/v2/events")
    assert len(people.items()) == 25
    assert events["total_records"] == 30
    # questions were removed in API v2 (https://actionnetwork.org/docs/): no such link
    with pytest.raises(LinkNotFoundError, match="osdi:questions"):
        await an.hal.follow(aep, "osdi:questions")


async def test_people_style_collection_streams_every_item_once_in_order(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu, prefetch=1)
    expected = emu.ids("people")
    got = [p.identifier() async for p in an.hal.iterate(await an.hal.get(), "osdi:people")]
    assert got == expected
    pages = [r.query for r in emu.log if r.path == "/api/v2/people"]
    # 60 people: pages 1..3 (the last one short, still with a next link), then one
    # request for page 4, which is empty and ends the stream.
    assert pages == ["", "page=2", "page=3", "page=4"]


async def test_people_collection_ending_on_a_full_page(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=50), rate_limit=None) as emu:
        an = make_client(emu, prefetch=1)
        got = [p.identifier() async for p in an.hal.iterate(emu.base_url + "people")]
        assert got == emu.ids("people")
        # page 2 is full and has a next link: only the empty page 3 says it is the end
        assert [r.query for r in emu.log] == ["", "page=2", "page=3"]


async def test_events_style_collection_never_asks_beyond_total_pages(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    got = [e["title"] async for e in an.hal.iterate("events")]
    assert got == [e["title"] for e in emu.state["events"].values()]
    assert max(int(r.query.partition("=")[2] or 1) for r in emu.log) == 2  # total_pages is 2


async def test_unique_id_lists_embedded_under_action_network_rel(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    aep = await an.hal.get()
    lists = [x async for x in an.hal.iterate(aep, "action_network:unique_id_lists")]
    assert [x["name"] for x in lists] == [x["name"] for x in emu.state["unique_id_lists"].values()]
    by_expanded_rel = an.hal.iterate(aep, "https://actionnetwork.org/docs/v2/unique_id_lists")
    assert len([x async for x in by_expanded_rel]) == 30


async def test_pages_yields_page_resources_and_params_reach_the_first_request(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    pages = [p async for p in an.hal.pages("people", params={"per_page": 20})]
    assert [len(p.items()) for p in pages] == [20, 20, 20]
    assert emu.log[0].query == "per_page=20"
    assert all("per_page=20" in r.query for r in emu.log)


async def test_iterate_from_a_page_already_fetched(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    first = await an.hal.get("events")
    titles = [e["title"] async for e in an.hal.iterate(first)]
    assert len(titles) == 30
    assert len(emu.log) == 2  # page 1 was not fetched again


async def test_empty_collection_yields_nothing(make_client: ClientFactory) -> None:
    async with Emulator(rate_limit=None) as emu:
        an = make_client(emu)
        assert [p async for p in an.hal.iterate("people")] == []
        assert [p async for p in an.hal.iterate("events")] == []


async def test_templated_link_is_expanded_and_followed(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    person_id = emu.ids("people")[0]
    finder = parse_resource(
        {"_links": {"osdi:person": {"href": "people/{id}", "templated": True}}}, url=emu.base_url
    )
    person = await an.hal.follow(finder, "osdi:person", id=person_id)
    assert person.identifier() == person_id
    taggings = person.link("osdi:taggings").href
    assert taggings == f"{emu.base_url}people/{person_id}/taggings"


async def test_follow_uses_embedded_copy_only_when_asked(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    page = await an.hal.get("people")
    before = len(emu.log)
    embedded = await an.hal.follow(page, "osdi:people", index=0, use_embedded=True)
    assert len(emu.log) == before
    fetched = await an.hal.follow(page, "osdi:people", index=0)
    assert len(emu.log) == before + 1
    assert fetched.identifier() == embedded.identifier()


async def test_post_put_delete(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    aep = await an.hal.get()
    body = {"name": "Volunteers", "unique_ids": emu.ids("people")[:2]}
    created = await an.hal.post(aep, body, rel="action_network:unique_id_lists")
    assert created is not None
    assert (created["name"], created["count"]) == ("Volunteers", 2)
    change = {"operation": "append", "unique_ids": emu.ids("people")[2:5]}
    updated = await an.hal.put(created, change, idempotent=False)
    assert updated is not None
    assert updated["count"] == 5
    assert emu.log[-1].method == "PUT"
    notice = await an.hal.delete(created)
    assert notice is not None
    assert notice["notice"] == "This unique id list was successfully deleted."
    with pytest.raises(NotFoundError) as info:
        await an.hal.get(created.self_href)
    assert info.value.status == 404
    assert "No unique_id_lists resource" in info.value.message


async def test_streams_hand_on_whole_pages_as_batches(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    async with an.people.list() as people:
        first = await anext(people)
        sizes = [len(batch) async for batch in people.batches()]
    assert first.id == emu.ids("people")[0]
    assert sizes == [24, 25, 10]  # the rest of page 1, then pages 2 and 3 whole
    pages = [len(batch) async for batch in an.hal.pages("people").batches()]
    assert pages == [1, 1, 1]  # a stream of pages hands on one page at a time
