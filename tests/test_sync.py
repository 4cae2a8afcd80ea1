"""The blocking client against the emulator (run on its own loop in a thread): speed, threads,
running loops, cleanup, closing and errors."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from actionnetwork_async import ActionNetwork as AsyncActionNetwork
from actionnetwork_async import (
    ClientClosedError,
    ClientStateError,
    ConfigurationError,
    ModelError,
    NotFoundError,
    ValidationError,
)
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.models import Person
from actionnetwork_async.sync import ActionNetwork, Stream
from actionnetwork_async.testing import Emulator, Seed, Timing, serve_in_thread
from actionnetwork_async.walker import DEFAULT_PREFETCH


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with serve_in_thread(
        Emulator(seed=Seed(people=60, events=30, unique_id_lists=3), rate_limit=None)
    ) as e:
        yield e


def client(emu: Emulator, **kw: Any) -> ActionNetwork:
    kw.setdefault("rate_limit", None)
    return ActionNetwork(emu.api_key, base_url=emu.base_url, **kw)


def settle(an: ActionNetwork) -> dict[str, int]:
    """Wait for every other task on the client's loop to finish; what is left in flight."""

    async def wait(aio: AsyncActionNetwork) -> dict[str, int]:
        others = asyncio.all_tasks() - {asyncio.current_task()}
        if others:
            await asyncio.wait(others)
        connector = aio._transport.session.connector
        assert connector is not None
        return {
            "tasks": len(asyncio.all_tasks()) - 1,
            "in_flight": aio._transport.in_flight,
            "connections_held": len(connector._acquired),
        }

    return an.run(wait)


def prefetching(an: ActionNetwork) -> int:
    """How many page prefetches are running on the client's loop right now."""

    async def count(_: AsyncActionNetwork) -> int:
        return sum(
            not t.done() and t.get_name().startswith("actionnetwork-prefetch")
            for t in asyncio.all_tasks()
        )

    return an.run(count)


NOTHING_LEFT = {"tasks": 0, "in_flight": 0, "connections_held": 0}


# -- the same speed and requests as the async client ----------------------------------------
def test_a_large_collection_streams_as_fast_and_with_the_same_requests_as_async() -> None:
    # latency-bound on purpose: 0.1 s per page at 50 requests/s only keeps pace with 5 pages
    # in flight, so a blocking stream that lost the prefetch would be about 5x slower. Each
    # client gets a fresh emulator, so neither inherits the other's rate window.
    def server() -> Emulator:
        return Emulator(seed=Seed(people=500), timing=Timing(latency=0.1), rate_limit=50)

    with serve_in_thread(server()) as async_emu:

        async def async_run() -> list[str | None]:
            async with AsyncActionNetwork(
                async_emu.api_key, base_url=async_emu.base_url, rate_limit=50.0
            ) as aio:
                return [p.id async for p in aio.people.list()]

        async_ids = asyncio.run(async_run())

    with (
        serve_in_thread(server()) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=50.0) as an,
    ):
        people = an.people.list()
        ids = [p.id for p in people]

    assert ids == async_ids == emu.ids("people")
    assert people.pages == 20
    # the same requests: the entry point, pages 1 to 20 and the empty page 21, each once ...
    needed = ["", *(f"page={n}" for n in range(2, 22))]
    for server_log in (async_emu.log, emu.log):
        queries = [r.query for r in server_log if r.path.endswith("/people")]
        assert [q for q in queries if q in needed] == needed
        # ... and at most `prefetch` speculative pages past the end, cancelled when it shows
        assert len(queries) - len(needed) <= DEFAULT_PREFETCH
    assert emu.count(status=429) == async_emu.count(status=429) == 0
    # As fast as async, as the servers counted it rather than by the wall clock, which whatever
    # else runs on the machine stretches: each stream had its prefetch of pages in flight at
    # once (8; a few may be sent late on a busy machine), where one that lost the prefetch
    # would have one, one page per round trip.
    in_flight = (emu.max_in_flight, async_emu.max_in_flight)
    assert min(in_flight) > DEFAULT_PREFETCH // 2, in_flight


# -- threads ----------------------------------------------------------------------------------
def test_four_threads_share_one_limiter_as_the_server_sees_it() -> None:
    # The client keeps 5 a second, the server allows 10: four threads on limiters of their own
    # would send 20 at once and get 429s (the control below), one shared limiter never comes
    # near. (At the server's own rate, one burst arriving late, with four worker threads, the
    # client's loop and the emulator taking turns at one interpreter lock on a busy machine,
    # could bunch up with the next and be counted over.)
    with (
        serve_in_thread(Emulator(seed=Seed(people=100, events=100), rate_limit=10)) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=5.0) as an,
    ):
        an.hal.entry_point()
        person = emu.ids("people")[0]
        results: list[object] = []

        def worker(n: int) -> None:
            if n % 2:
                results.extend(an.people.get(person).id for _ in range(3))
            else:
                results.append(sum(1 for _ in an.events.list()))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(map(str, results)) == sorted(["100", "100"] + [person] * 6)
    assert len(emu.log) == 1 + 2 * 4 + 6  # entry point, 4 event pages twice, 6 GETs
    assert emu.count(status=429) == 0
    assert 5 <= emu.max_in_window(1.0) <= 10  # the shared limiter's 5 at once, never over


def test_control_four_clients_with_their_own_limiters_overrun_the_server() -> None:
    """Without one shared limiter the same load does get 429s: the test above can fail."""
    with serve_in_thread(Emulator(seed=Seed(people=10), rate_limit=10)) as emu:
        clients = [
            ActionNetwork(
                emu.api_key, base_url=emu.base_url, rate_limit=5.0, retry=RetryPolicy(max_tries=1)
            )
            for _ in range(4)
        ]
        errors: list[BaseException] = []

        def worker(an: ActionNetwork) -> None:
            for _ in range(4):
                try:
                    an.hal.get()
                except Exception as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for an in clients:
            an.close()
    assert emu.count(status=429) > 0
    assert errors


# -- Jupyter: a loop already running in the calling thread --------------------------------------
@pytest.mark.asyncio
async def test_works_inside_a_running_event_loop(emu: Emulator) -> None:
    asyncio.get_running_loop()  # as in a notebook cell
    with client(emu) as an:
        people = list(an.people.list())
        assert [p.id for p in people] == emu.ids("people")
        assert an.people.get(emu.ids("people")[3]).id == emu.ids("people")[3]


# -- cleanup ----------------------------------------------------------------------------------
@pytest.fixture
def slow() -> Iterator[Emulator]:
    with serve_in_thread(
        Emulator(seed=Seed(people=500), timing=Timing(latency=0.1), rate_limit=None)
    ) as e:
        yield e


def test_leaving_a_with_block_half_way_cancels_the_prefetches_at_once(slow: Emulator) -> None:
    with client(slow) as an:
        with an.people.list() as people:
            for n, _ in enumerate(people):
                if n == 30:
                    assert prefetching(an) > 0  # pages were in flight when we left
                    break
        assert prefetching(an) == 0
        assert settle(an) == NOTHING_LEFT
        assert len(slow.log) < 1 + 21  # the rest of the collection was never asked for


def test_a_for_loop_abandoned_half_way_is_cleaned_up(slow: Emulator) -> None:
    with client(slow) as an:
        for n, _ in enumerate(an.people.list()):  # no with block: the stream is just dropped
            if n == 30:
                assert prefetching(an) > 0
                break
        assert settle(an) == NOTHING_LEFT
        assert an.people.get(slow.ids("people")[0]).id  # the client goes on working


def test_an_error_in_the_loop_body_closes_the_stream(slow: Emulator) -> None:
    def fail_on_the_first(people: Stream[Person]) -> None:
        with people:
            for _ in people:
                raise RuntimeError("boom")

    with client(slow) as an:
        with pytest.raises(RuntimeError, match="boom"):
            fail_on_the_first(an.people.list())
        assert prefetching(an) == 0
        assert settle(an) == NOTHING_LEFT


def test_a_dropped_client_stops_its_thread(emu: Emulator) -> None:
    an = client(emu)
    an.hal.get()
    del an
    gc.collect()
    assert not [t for t in threading.enumerate() if t.name == "actionnetwork-sync"]


# -- closing ----------------------------------------------------------------------------------
def test_after_close_every_call_raises_client_closed(emu: Emulator) -> None:
    an = client(emu)
    started = an.people.list()
    assert next(started).id == emu.ids("people")[0]
    unstarted = an.events.list()
    an.close()
    an.close()  # twice is fine
    assert an.closed
    with pytest.raises(ClientClosedError):
        an.hal.get()
    with pytest.raises(ClientClosedError):
        list(started)
    with pytest.raises(ClientClosedError):
        next(unstarted)
    with pytest.raises(ClientClosedError):
        an.run(lambda aio: aio.hal.get())
    assert not [t for t in threading.enumerate() if t.name == "actionnetwork-sync"]


def test_closing_from_another_thread_ends_a_stream_being_read(slow: Emulator) -> None:
    an = client(slow)
    people = an.people.list()
    next(people)
    closer = threading.Thread(target=an.close)
    closer.start()
    with pytest.raises(ClientClosedError):
        for _ in people:
            pass
    closer.join()


# -- errors -------------------------------------------------------------------------------------
def test_errors_are_the_async_clients_classes(emu: Emulator) -> None:
    with client(emu) as an:
        with pytest.raises(NotFoundError) as caught:
            an.people.get("no-such-person")
        assert caught.value.status == 404
        with pytest.raises(ValidationError):
            list(an.people.list("email_address eq"))  # raised from the stream
        with pytest.raises(ConfigurationError):
            an.events.in_campaign("../x")  # raised at the call, as the async facade does
        with pytest.raises(ConfigurationError):
            client(emu, prefetch=0)


def test_a_write_whose_ids_come_from_the_same_client_fails_instead_of_hanging(
    emu: Emulator,
) -> None:
    with client(emu) as an:
        with pytest.raises(ClientStateError, match="own event loop"):
            an.unique_id_lists.create("everyone", (p.id or "" for p in an.people.list()))
        ids = [p.id or "" for p in an.people.list()]  # the way that works: read them first
        created = an.unique_id_lists.create("everyone", ids)
        assert created.count == 60


def test_the_facades_and_walker_are_all_there(emu: Emulator) -> None:
    with client(emu) as an:
        people: Stream[Person] = an.people.list()
        first = next(people)
        people.close()
        assert an.people.find_by_email(first.email or "") == first
        updated = an.people.update(first, family_name="Lee")
        assert updated is not None
        assert updated.family_name == "Lee"
        event = an.events.create(title="Canvass", origin_system="test")
        an.events.attendances.record(event, email="ann@example.org")
        assert [a.person_id for a in an.events.attendances.list(event)]
        an.people.signup.background(email="later@example.org")  # a BlockingWrite's other way
        assert "background_request=true" in emu.log[-1].query
        assert emu.log[-1].method == "POST"
        aep = an.hal.get()
        assert [len(page.items()) for page in an.hal.pages(aep, "osdi:events")] == [25, 6]
        assert an.stats.attempts >= len(emu.log) > 0
        assert "emulator-key" not in repr(an)


def test_the_models_of_a_stream_are_made_and_freed_in_the_callers_thread(emu: Emulator) -> None:
    """A page's HAL resources are made on the loop thread, and freed there once the page is
    read; the typed models are made in the caller's thread, one at a time as it asks, and
    freed there: nothing made by one thread is freed, one by one, by the other."""
    freed_in: list[str] = []
    with client(emu) as an, an.people.list() as people:
        for index, person in enumerate(people):
            if index in (0, 10):  # of the first page, and not its last (the loop's variable)
                weakref.finalize(person, lambda: freed_in.append(threading.current_thread().name))
        settle(an)
    assert freed_in == ["MainThread", "MainThread"]


def test_a_started_stream_reads_in_the_background_before_it_is_iterated() -> None:
    """``start()``: the second stream's first page is asked for while the first is being read,
    not after it, and each still yields its own records, in order."""
    seed = Seed(people=30, events=2, attendances=60)  # 30 on each event: two pages each
    emulator = Emulator(seed=seed, rate_limit=None, timing=Timing(latency=0.1))
    with serve_in_thread(emulator) as emu, client(emu) as an:
        first, second = list(an.events.list())
        streams = [an.events.attendances.list(e).start() for e in (first, second)]
        with streams[0] as one, streams[1] as two:
            read = [[a.id for a in one], [a.id for a in two]]
        assert settle(an)["in_flight"] == 0  # nothing left for the server to answer at its close
        pages = [
            (n, r.query)
            for r in emu.log
            for n, event in enumerate((first, second))
            if r.path.endswith(f"events/{event.id}/attendances")
        ]
    assert len(set(read[0] + read[1])) == len(emu.state["attendances"]) == 60
    order = [n for n, _ in pages]
    assert order.count(0) >= 2  # the first stream has a page after its first
    last_of_first = max(i for i, n in enumerate(order) if n == 0)
    assert order.index(1) < last_of_first  # the second asked before the first was done


def test_a_record_that_cannot_be_read_raises_in_the_caller_at_that_record(emu: Emulator) -> None:
    """The models are made as they are asked for: the records before a malformed one are
    handed out, then its ``ModelError`` is raised in the caller's thread, and the stream ends
    cleanly (its requests cancelled)."""
    fourth = emu.ids("people")[3]
    emu.state["people"].items[fourth]["created_date"] = 12  # a number where a date must be
    read: list[str | None] = []
    with client(emu) as an:
        with pytest.raises(ModelError, match="Person") as info, an.people.list() as people:
            read.extend(person.id for person in people)
        assert read == emu.ids("people")[:3]
        assert settle(an)["in_flight"] == 0
    assert "created_date" in str(info.value)  # says which field
