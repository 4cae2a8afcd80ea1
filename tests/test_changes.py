"""Incremental pulls across runs: nothing lost, nothing doubled, on the server's clock.

The emulator's clock is driven by the loop's (fast-forwarded) time and starts on a day far from
this machine's, so a watermark taken from the local clock would visibly lose every change.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import ActionNetwork, ConfigurationError, NotFoundError, Watermark
from actionnetwork_async.models import Person
from actionnetwork_async.testing import Emulator, Seed, Timing

from .conftest import ClientFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.looptime]

#: The server's time when the loop's clock reads 0: this machine's time when the test starts,
#: as a pull refuses a server clock far from the local one (ClockSkewError).
BASE = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _server_starts_now() -> None:
    global BASE
    BASE = datetime.now(timezone.utc).replace(microsecond=0)


def server_clock() -> Callable[[], datetime]:
    loop = asyncio.get_running_loop()
    return lambda: BASE + timedelta(seconds=loop.time())


def edit(emu: Emulator, index: int, name: str) -> str:
    """Change a person as someone else would, meanwhile; returns their id."""
    key = emu.ids("people")[index]
    emu.state.update_person(key, {"given_name": name})
    return key


async def pull(an: ActionNetwork, watermark: Watermark) -> list[Person]:
    return [person async for person in an.people.changes(since=watermark)]


def version(person: Person) -> tuple[str | None, Any, str | None]:
    return person.id, person.modified_date, person.given_name


async def test_changes_in_the_same_second_and_during_the_pull_are_neither_lost_nor_doubled(
    make_client: ClientFactory,
) -> None:
    async with Emulator(
        seed=Seed(people=60), timing=Timing(latency=0.2), rate_limit=4, clock=server_clock()
    ) as emu:
        an = make_client(emu, rate_limit=4.0)
        watermark = Watermark()
        twice = edit(emu, 20, "First edit")  # 12:00:00, before the pull starts

        # run 1: everything; meanwhile (12:00:00 still) people change on pages already read
        # and on pages not read yet, one of them twice within the second, and someone joins
        first: list[Person] = []
        async with an.people.changes(since=watermark) as stream:
            async for person in stream:
                first.append(person)
                if len(first) == 25:  # page 1 delivered; pages 2 and 3 not served yet
                    read_page = edit(emu, 3, "Changed after its page was read")
                    unread_page = edit(emu, 55, "Changed before its page was read")
                    edit(emu, 20, "Second edit, same second")
                    emu.state.signup({"person": {"email_addresses": [{"address": "n@x.org"}]}})
        assert watermark.clock == "server"
        # the server's time when the pull began (12:00:00, less the 0.2 s its Date may hide),
        # less the overlap: not this machine's clock
        assert watermark.since == BASE - timedelta(minutes=5, seconds=1)
        assert len(first) == 61
        assert len({p.id for p in first}) == 61  # once each
        delivered = {p.id: p for p in first}
        assert delivered[unread_page].given_name == "Changed before its page was read"
        assert delivered[read_page].given_name != "Changed after its page was read"
        assert delivered[twice].given_name == "First edit"

        await asyncio.sleep(30)
        later = edit(emu, 10, "Changed between runs")
        # a read that lags behind what run 1 delivered: an older version is not a change
        stale = {"given_name": "Stale", "modified_date": "2026-03-01T11:59:00Z"}
        emu.state["people"].get(unread_page).update(stale)

        # run 2: the changes run 1 could not see, once each; what it delivered, never again
        second = await pull(an, watermark)
        assert sorted(p.id or "" for p in second) == sorted([read_page, twice, later])
        names = {p.id: p.given_name for p in second}
        assert names[read_page] == "Changed after its page was read"
        assert names[twice] == "Second edit, same second"  # same modified_date, new content
        assert await pull(an, watermark) == []  # run 3: nothing changed

        every = Counter(version(p) for p in [*first, *second])
        assert max(every.values()) == 1  # no version of any record delivered twice


async def test_the_watermark_is_kept_until_a_pull_completes_and_saved_atomically(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    async with Emulator(seed=Seed(people=60), rate_limit=4, clock=server_clock()) as emu:
        an = make_client(emu, rate_limit=4.0)
        path = tmp_path / "people.watermark"
        watermark = Watermark.load(path)  # no file yet: everything
        assert len(await pull(an, watermark)) == 60
        watermark.save(path)
        saved = path.read_text()
        assert "@" not in saved  # ids, dates and digests: no personal data
        assert json.loads(saved)["collection"] == "osdi:people"

        await asyncio.sleep(20)
        changed = edit(emu, 30, "Changed")
        emu.add_fault("status", path="people", status=404, method="GET")
        resumed = Watermark.load(path)
        with pytest.raises(NotFoundError):
            await pull(an, resumed)
        assert resumed == Watermark.load(path)  # a failed pull leaves it as it was
        assert [p.id for p in await pull(an, resumed)] == [changed]

        with pytest.raises(ConfigurationError, match="for osdi:people"):
            an.events.changes(since=resumed)
        with pytest.raises(ConfigurationError, match="overlap"):
            an.people.changes(since=Watermark(), overlap=timedelta(seconds=1))
        path.write_text("{}")
        with pytest.raises(ConfigurationError, match="not a watermark"):
            Watermark.load(path)


async def test_events_changes(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(events=30), timing=Timing(latency=0.1), rate_limit=4, clock=server_clock()
    ) as emu:
        an = make_client(emu, rate_limit=4.0)
        watermark = Watermark(since=BASE - timedelta(days=1))  # a first pull from a date
        assert await pull_events(an, watermark) == []  # seeded events are older
        await asyncio.sleep(10)
        event_id = emu.ids("events")[4]
        await an.events.update(event_id, title="Moved")
        assert await pull_events(an, watermark) == [event_id]
        assert await pull_events(an, watermark) == []


async def pull_events(an: ActionNetwork, watermark: Watermark) -> list[str | None]:
    return [event.id async for event in an.events.changes(since=watermark)]
