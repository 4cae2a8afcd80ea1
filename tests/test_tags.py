"""Tags people can use: a person's tag names, adding and removing by name, a tag's people, and
the person -> tags index at the request count it promises, counted in the emulator's log."""

from __future__ import annotations

import math

import pytest

from actionnetwork_async import ConfigurationError
from actionnetwork_async.models import Tag
from actionnetwork_async.testing import Emulator, Seed

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio


async def test_a_persons_tags_by_name(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=5, tags=3), rate_limit=None) as emu:
        an = make_client(emu)
        person = await an.people.get(emu.ids("people")[0])
        assert await an.people.tag_names(person) == []
        names = [t["name"] for t in emu.state["tags"].values()]
        made = await an.people.add_tags(person, [names[1], "brand new"])
        assert len(made) == 2
        assert len(emu.state["tags"]) == 4  # "brand new" was created, the other found
        assert await an.people.tag_names(person.id or "") == sorted([names[1], "brand new"])
        # adding again finds both tags and makes no second tagging (one per person and tag)
        await an.people.add_tags(person, ["brand new"])
        assert len(emu.state["tags"]) == 4
        assert len(emu.state.owned("taggings", "people", person.id or "")) == 2
        assert await an.people.remove_tags(person, ["brand new", "never had it"]) == 1
        assert await an.people.tag_names(person) == [names[1]]
        deletes = [r for r in emu.log if r.method == "DELETE"]
        assert [r.path.split("/")[-4] for r in deletes] == ["tags"]  # under the tag, documented
        with pytest.raises(ConfigurationError, match="tag names"):
            await an.people.add_tags(person, [""])


async def test_tag_names_are_read_once_per_client(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=30, tags=2, taggings=40), rate_limit=None) as emu:
        an = make_client(emu)
        people = emu.ids("people")
        for key in people[:10]:
            await an.people.tag_names(key)
        tag_pages = emu.count(path="tags", method="GET")
        assert tag_pages == 1  # one walk over the tags, then names come from memory
        assert emu.count(method="GET") == 1 + tag_pages + 10  # entry point, tags, taggings
        # a tag made elsewhere later is read when first met
        other = make_client(emu)
        new = await other.tags.create("made elsewhere")
        await other.tags.taggings.create(new, people[0])
        assert "made elsewhere" in await an.people.tag_names(people[0])


async def test_find_or_create_and_a_tags_people(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=20, tags=2, taggings=25), rate_limit=None) as emu:
        an = make_client(emu)
        first = emu.state["tags"].values()[0]
        found = await an.tags.find_or_create(first["name"])
        assert isinstance(found, Tag)
        assert found.name == first["name"]
        assert len(emu.state["tags"]) == 2
        tagged = [p async for p in an.tags.person_ids(found)]
        expected = [t["_person_id"] for t in emu.state.owned("taggings", "tags", found.id or "")]
        assert sorted(tagged) == sorted(expected)
        assert await an.tags.find("nobody has this") is None
        with pytest.raises(ConfigurationError, match="name"):
            await an.tags.create(" ")


async def test_the_index_matches_per_person_lookups_at_its_promised_cost(
    make_client: ClientFactory,
) -> None:
    async with Emulator(seed=Seed(people=200, tags=4, taggings=420), rate_limit=None) as emu:
        an = make_client(emu)
        index = await an.tags.index()
        requests = len(emu.log)
        tags = emu.ids("tags")
        per_tag = [len(emu.state.owned("taggings", "tags", tag)) for tag in tags]
        assert sum(per_tag) == 420
        promised = 1 + math.ceil(len(tags) / 25) + sum(max(1, math.ceil(n / 25)) for n in per_tag)
        assert requests == promised  # 1 + 1 + 19 = 21 requests, for 200 people
        assert requests < len(emu.ids("people")) / 5
        assert {r.method for r in emu.log} == {"GET"}
        one_by_one = make_client(emu)
        for key in emu.ids("people"):
            names = await one_by_one.people.tag_names(key)
            assert index.get(key, []) == names
        assert len(index) == len([k for k in emu.ids("people") if k in index])


async def test_the_index_refuses_a_progress_it_cannot_call(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=5, tags=2, taggings=4), rate_limit=None) as emu:
        an = make_client(emu)
        with pytest.raises(ConfigurationError, match="progress"):
            await an.tags.index(progress=5)  # type: ignore[arg-type]
        assert emu.log == []  # refused at once, not with a TypeError after the tags were read


@pytest.mark.looptime
async def test_the_index_keeps_the_rate_limit(make_client: ClientFactory) -> None:
    async with Emulator(seed=Seed(people=60, tags=6, taggings=200), rate_limit=4) as emu:
        an = make_client(emu, rate_limit=4.0)
        seen: list[int] = []
        index = await an.tags.index(progress=seen.append)
        assert sum(seen) == 200
        assert sum(len(names) for names in index.values()) == 200
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4
