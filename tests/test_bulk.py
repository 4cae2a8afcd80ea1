"""Bulk writes on the emulator: the limit reached at real latencies, a result for every record,
failures reported while the rest land, unknown outcomes never re-sent, and resumable runs.

The server's log is the judge: its request times (on the loop's clock, fast-forwarded by
looptime) and the bodies it received.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import (
    AuthenticationError,
    CheckpointFile,
    ConfigurationError,
    NotFoundError,
    Outcome,
    OutcomeUnknownError,
    ValidationError,
    WriteResult,
    WriteSummary,
)
from actionnetwork_async.testing import Emulator, Seed, Timing, serve_in_thread

from .conftest import ClientFactory

LIMIT = 4.0


def person(i: int) -> dict[str, Any]:
    return {"email": f"bulk-{i}@example.org", "given_name": f"Bulk {i}"}


def posts(emu: Emulator, path: str = "people") -> list[Any]:
    """The requests that POSTed to ``path``, as the server logged them."""
    return [r for r in emu.log if r.method == "POST" and r.path.endswith(f"/api/v2/{path}")]


def emails_in(emu: Emulator) -> set[str]:
    return {
        e["address"] for p in emu.state["people"].values() for e in p.get("email_addresses") or ()
    }


def rate(requests: list[Any]) -> float:
    """Requests per second as the server saw them arrive."""
    return (len(requests) - 1) / (requests[-1].start - requests[0].start)


def email_of(request: Any) -> str:
    return str(request.json()["person"]["email_addresses"][0]["address"])


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_500_upserts_at_half_second_latency_run_at_the_limit_and_report_the_400s(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    async with Emulator(timing=Timing(latency=0.5), rate_limit=LIMIT) as emu:
        # faults, in the order requests arrive: 400s here and there, a 503 and a dropped
        # connection (both retried: the signup helper is safe to send twice)
        plan = [(40, "status", 400), (1, "status", 503), (60, "reset", 0), (99, "status", 400)]
        plan += [(150, "status", 400), (3, "status", 400)]
        for passed, kind, status in plan:
            emu.add_fault("latency", path="people", method="POST", count=passed, delay=0.0)
            emu.add_fault(kind, path="people", method="POST", status=status)
        an = make_client(emu, rate_limit=LIMIT)
        records = [person(i) for i in range(500)]
        records[123] = {"given_name": "no email, no phone"}  # refused before any request
        report = tmp_path / "failures.jsonl"

        results: list[WriteResult] = []
        async with an.people.upsert_many(iter(records), report=report) as stream:
            async for result in stream:
                results.append(result)

        writes = posts(emu)
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= LIMIT
        assert rate(writes) / LIMIT >= 0.9  # 8 in flight cover the 0.5 s round trips
        # every record has exactly one result
        assert sorted(r.index for r in results) == list(range(500))
        refused = {email_of(r) for r in writes if r.status == 400}
        assert len(refused) == 4
        failed = {r.index for r in results if r.outcome is Outcome.FAILED}
        assert failed == {123} | {i for i, rec in enumerate(records) if rec.get("email") in refused}
        errors = {r.index: r.error for r in results}
        assert all(isinstance(errors[i], ValidationError) for i in failed - {123})
        assert isinstance(errors[123], ConfigurationError)
        # the rest landed, each once, and each result says so
        landed = {r.index for r in results if r.outcome is Outcome.UPSERTED}
        assert landed == set(range(500)) - failed
        assert {records[i]["email"] for i in landed} <= emails_in(emu)
        assert not refused & emails_in(emu)
        assert all(r.id in emu.state["people"] for r in results if r.index in landed)
        # the report holds every failed record, as given, and no key
        text = report.read_text()
        assert emu.api_key not in text
        lines = [json.loads(line) for line in text.splitlines()]
        assert {line["index"] for line in lines} == failed
        assert {line["record"]["email"] for line in lines if line["status"] == 400} == refused
        assert all(line["outcome"] == "failed" for line in lines)
        assert report.stat().st_mode & 0o077 == 0  # personal data: the owner's only


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_a_job_killed_half_way_resumes_without_sending_a_confirmed_record_twice(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    records = [person(i) for i in range(200)]
    checkpoint = tmp_path / "job.checkpoint"
    async with Emulator(timing=Timing(latency=0.5), rate_limit=LIMIT) as emu:
        first = make_client(emu, rate_limit=LIMIT)
        seen: list[WriteResult] = []

        async def job() -> None:
            async for result in first.people.upsert_many(records, checkpoint=checkpoint):
                seen.append(result)
                if len(seen) == 100:
                    running.cancel()  # killed: requests in flight never get their answer

        running = asyncio.create_task(job())
        # a job that fails or ends before half-way fails the test here instead of leaving it waiting
        with pytest.raises(asyncio.CancelledError):
            await running
        await first.aclose()
        confirmed = CheckpointFile(checkpoint).load().confirmed
        confirmed_emails = {records[int(key.split(":")[0])]["email"] for key in confirmed}
        assert len(confirmed) >= 100
        sent_before = Counter(email_of(r) for r in posts(emu))
        assert len(sent_before) > len(confirmed)  # some were in flight when it died

        second = make_client(emu, rate_limit=LIMIT)
        summary = await WriteSummary.collect(
            second.people.upsert_many(records, checkpoint=checkpoint)
        )
        assert summary.total == 200
        assert summary.counts[Outcome.SKIPPED] == len(confirmed)
        assert summary.landed == 200
        sent = Counter(email_of(r) for r in posts(emu))
        assert all(sent[email] == 1 for email in confirmed_emails)  # never twice
        assert set(sent) == {r["email"] for r in records}
        assert {r["email"] for r in records} <= emails_in(emu)


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_a_write_that_may_have_landed_is_never_sent_again(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    """Events are not deduplicated: a POST whose connection dropped is UNKNOWN, in this run and
    in a resumed one, and never re-sent."""
    checkpoint, report = tmp_path / "events.checkpoint", tmp_path / "events.failures.jsonl"
    events = [{"title": f"Event {i}", "origin_system": "bulk test"} for i in range(12)]
    async with Emulator(timing=Timing(latency=0.2), rate_limit=LIMIT) as emu:
        emu.add_fault("latency", path="events", method="POST", count=5, delay=0.0)
        emu.add_fault("reset", path="events", method="POST")
        an = make_client(emu, rate_limit=LIMIT)
        stream = an.hal.post_many("events", events, checkpoint=checkpoint, report=report)
        results = [r async for r in stream]
        unknown = [r for r in results if r.outcome is Outcome.UNKNOWN]
        assert len(unknown) == 1
        assert isinstance(unknown[0].error, OutcomeUnknownError)
        title = unknown[0].record["title"]
        assert [r.json()["title"] for r in posts(emu, "events")].count(title) == 1
        assert sum(r.outcome is Outcome.CREATED for r in results) == 11
        assert json.loads(report.read_text())["outcome"] == "unknown"

        again = [r async for r in an.hal.post_many("events", events, checkpoint=checkpoint)]
        assert Counter(r.outcome for r in again) == {Outcome.SKIPPED: 11, Outcome.UNKNOWN: 1}
        assert len(posts(emu, "events")) == 12  # the second run sent nothing


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_attendances_put_many_and_lazy_input(make_client: ClientFactory) -> None:
    async with Emulator(
        seed=Seed(people=20, events=2), timing=Timing(latency=0.3), rate_limit=LIMIT
    ) as emu:
        an = make_client(emu, rate_limit=LIMIT)
        event_id = emu.ids("events")[0]
        people = emu.state["people"].values()
        read = 0

        async def attendees() -> AsyncIterator[dict[str, Any]]:
            nonlocal read
            for p in people[:10]:
                read += 1
                yield {"email": p["email_addresses"][0]["address"]}
            yield {"email": "new-attendee@example.org", "given_name": "New"}

        results = [r async for r in an.events.attendances.record_many(event_id, attendees())]
        assert [r.outcome for r in results] == [Outcome.UPSERTED] * 11
        assert emu.count(method="GET", path=f"events/{event_id}") == 1  # the event, once
        rsvps = emu.state.owned("attendances", "events", event_id)
        assert len(rsvps) == 11
        assert {r.id for r in results} == {a["identifiers"][0].split(":")[1] for a in rsvps}

        # put_many: a URL per record; a 404 fails that record only
        ids = [*emu.ids("people")[:6], "00000000-0000-0000-0000-000000000000"]
        reads: list[int] = []

        def rows() -> Iterator[dict[str, str]]:
            for n, key in enumerate(ids):
                reads.append(n)
                yield {"id": key, "name": f"Renamed {n}"}

        stream = an.hal.put_many(
            lambda row: f"people/{row['id']}",
            rows(),
            body=lambda row: {"given_name": row["name"]},
            concurrency=2,
        )
        first = await anext(stream)
        assert len(reads) <= 3  # read as requests start, never all at once
        rest = [r async for r in stream]
        outcomes = Counter(r.outcome for r in [first, *rest])
        assert outcomes == {Outcome.UPDATED: 6, Outcome.FAILED: 1}
        assert isinstance(next(r for r in [*rest, first] if not r.ok).error, NotFoundError)
        assert emu.state["people"].get(ids[3])["given_name"] == "Renamed 3"


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_a_refused_key_stops_the_run_instead_of_failing_every_record(
    make_client: ClientFactory,
) -> None:
    async with Emulator(rate_limit=LIMIT) as emu:
        an = make_client(emu, rate_limit=LIMIT, api_key="wrong-key-0123456789")
        url = f"{emu.base_url}people"
        results: list[WriteResult] = []

        async def run() -> None:
            async for result in an.hal.post_many(url, ({"person": person(i)} for i in range(1000))):
                results.append(result)

        with pytest.raises(AuthenticationError):
            await run()
        assert len(emu.log) <= 8  # what was in flight, no more
        assert 1 <= len(results) <= 8
        # the facade finds the helper through the entry point first: refused there at once
        with pytest.raises(AuthenticationError):
            await anext(an.people.upsert_many([person(1)]))


def test_a_checkpoint_torn_by_a_crash_loses_only_the_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "torn.checkpoint"
    path.write_text('{"c": "0:aa"}\n{"s": "1:bb"}\n{"c": "2:c')
    state = CheckpointFile(path).load()
    assert state.confirmed == {"0:aa"}
    assert state.started == {"1:bb"}
    assert path.read_text() == '{"c": "0:aa"}\n{"s": "1:bb"}\n'  # cut, so appends stay whole
    store = CheckpointFile(path)
    store.confirmed("1:bb")
    store.close()
    assert CheckpointFile(path).load().started == frozenset()
    path.write_text("name,email\n")
    with pytest.raises(ConfigurationError, match="is it a checkpoint"):
        CheckpointFile(path).load()


def test_the_blocking_client_streams_results(tmp_path: Path) -> None:
    from actionnetwork_async.sync import ActionNetwork

    with (
        serve_in_thread(Emulator(rate_limit=None)) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        records = [person(i) for i in range(30)] + [{"email": 42}]
        summary = WriteSummary.of(an.people.upsert_many(records, add_tags=["imported"]))
        assert (summary.total, summary.landed, summary.failed) == (31, 30, 1)
        assert str(summary) == "31 records: 30 upserted, 1 failed"
        body = posts(emu)[0].json()
        assert body["add_tags"] == ["imported"]


ROOT = Path(__file__).parent.parent


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_the_documented_sync_job_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = "docs/bulk.md"
    (code,) = [
        block
        for block in re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.S)
        if "async def nightly(" in block
    ]
    monkeypatch.chdir(tmp_path)
    async with Emulator(seed=Seed(people=10), rate_limit=LIMIT) as emu:
        namespace: dict[str, Any] = {}
        code = code.replace(
            "ActionNetwork()", f"ActionNetwork({emu.api_key!r}, base_url={emu.base_url!r})"
        )
        exec(compile(code, doc, "exec"), namespace)
        rows = [{"email": f"doc-{i}@example.org", "name": "Doc", "first": "Doc"} for i in range(5)]
        await namespace["nightly"]([*rows, {"email": "", "name": "", "first": ""}])
        out = capsys.readouterr().out
        assert "6 records: 5 upserted, 1 failed" in out
        assert {r["email"] for r in rows} <= emails_in(emu)
        assert len(json.loads((tmp_path / "people.watermark").read_text())["seen"]) == 5
        assert len((tmp_path / "failures.jsonl").read_text().splitlines()) == 1


def test_arguments_are_checked_at_the_call() -> None:
    from actionnetwork_async import ActionNetwork

    an = ActionNetwork("k" * 20, base_url="http://127.0.0.1:9/api/v2/")
    for bad in ("ann@example.org", {"email": "ann@example.org"}, 42):
        with pytest.raises(ConfigurationError, match="iterable"):
            an.people.upsert_many(bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="concurrency"):
        an.events.attendances.record_many("event-id", [], concurrency=0)
    with pytest.raises(ConfigurationError, match="outcome"):
        an.hal.post_many("people", [], outcome=Outcome.FAILED)
    with pytest.raises(ConfigurationError, match="add_tags"):
        an.people.upsert_many([], add_tags=[""])


@pytest.mark.asyncio
async def test_records_take_one_way_read_once_and_checked_once_at_the_call(
    make_client: ClientFactory,
) -> None:
    """The records of a bulk write go from the facade to the engine once: the arguments are
    checked when the call is made, the input is read once, as requests start."""

    class Counted:
        def __init__(self, records: list[dict[str, str]]) -> None:
            self.records, self.reads = records, 0

        def __iter__(self) -> Iterator[dict[str, str]]:
            self.reads += 1
            return iter(self.records)

    async with Emulator(rate_limit=None) as emu:
        an = make_client(emu)
        source = Counted([{"email": f"p{n}@example.org"} for n in range(5)])
        with pytest.raises(ConfigurationError, match="concurrency"):
            an.people.upsert_many(source, concurrency=0)
        assert source.reads == 0  # refused at the call, nothing read
        stream = an.people.upsert_many(source, ensure_tags=False)
        assert source.reads == 0  # nothing read before the stream is
        results = [r async for r in stream]
        assert source.reads == 1
        assert [r.outcome for r in results] == [Outcome.UPSERTED] * 5
