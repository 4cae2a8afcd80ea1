"""The main job, on the built-in emulator: stream people and events, build a targeting list,
then mirror the group into DuckDB and query it.

Run it with ``python -m actionnetwork_async demo``. The emulator enforces 4 requests/s, adds
latency and injects a few faults, so the summary shows the limiter and retries at work. The
last step syncs people, events, tags and taggings into a DuckDB file with dlt (the
``warehouse`` extra; skipped, with how to get it, when dlt is not installed) and prints the
people per tag. The file is written in a temporary folder, removed at the end.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any, TextIO

import attrs

from .client import DEFAULT_PREFETCH, ActionNetwork
from .models import UniqueIdList
from .testing import Emulator, Seed, Timing
from .testing.seed import TAG_NAMES

__all__ = ["DemoResult", "run_demo"]

API_LIMIT = 4.0
#: The collections the demo's last step mirrors into DuckDB.
WAREHOUSE_RESOURCES = ("people", "events", "tags", "taggings")
#: The query it answers from them.
PEOPLE_PER_TAG = """\
SELECT tags.name AS tag, count(DISTINCT taggings.action_network_person_id) AS people
FROM action_network.tags
LEFT JOIN action_network.taggings ON taggings.action_network_tag_id = tags.id
GROUP BY tags.name ORDER BY people DESC, tag"""


@attrs.define
class DemoResult:
    """What the demo did, as the client and the server both saw it."""

    people: int = 0
    events: int = 0
    listed: int = 0
    list_count: int = 0
    list_requests: int = 0
    requests: int = 0
    cancelled: int = 0
    server_requests: int = 0
    server_rate: float = 0.0
    rate_limited: int = 0
    retries: int = 0
    max_in_any_second: int = 0
    elapsed: float = 0.0
    #: The last step, mirroring into DuckDB: False when dlt is not installed (or not asked).
    warehouse: bool = False
    #: Rows loaded per table, child tables (``people__email_addresses``) included.
    warehouse_rows: dict[str, int] = attrs.Factory(dict)
    warehouse_requests: int = 0
    warehouse_elapsed: float = 0.0
    #: The query's answer: (tag name, people) pairs, most people first.
    people_per_tag: list[tuple[str, int]] = attrs.Factory(list)


class _Progress:
    """One status line, redrawn in place on a terminal and printed every few seconds otherwise."""

    def __init__(self, out: TextIO, result: DemoResult, an: ActionNetwork) -> None:
        self.out, self.result, self.an = out, result, an
        self.tty = out.isatty()
        self.started = time.monotonic()
        self.last = 0.0

    def line(self) -> str:
        stats = self.an.stats
        elapsed = time.monotonic() - self.started
        # the rate counts the gaps between requests (n - 1 of them), not the requests
        rate = max(stats.attempts - 1, 0) / max(elapsed, 1e-9)
        return (
            f"  people {self.result.people:>6}  events {self.result.events:>5}  "
            f"requests {stats.attempts:>4}  ({rate:.2f}/s)  "
            f"429s {stats.rate_limited}  retries {stats.retries}  {elapsed:5.1f}s"
        )

    def tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty and (force or now - self.last >= 0.1):
            self.out.write("\r" + self.line())
            self.out.flush()
            self.last = now
        elif not self.tty and (force or now - self.last >= 3.0):
            self.out.write(self.line() + "\n")
            self.last = now

    def done(self) -> None:
        self.tick(force=True)
        if self.tty:
            self.out.write("\n")


async def run_demo(
    *,
    people: int = 1000,
    events: int = 100,
    latency: float = 0.2,
    faults: bool = True,
    prefetch: int | None = None,
    chunk: int = 500,
    warehouse: bool = True,
    out: TextIO = sys.stdout,
) -> DemoResult:
    """Start a seeded emulator, run the sync job against it, print progress and a summary;
    then, with ``warehouse``, mirror the group into DuckDB and print people per tag."""
    result = DemoResult()
    async with Emulator(
        # every person tagged "volunteer", a quarter of them "donor": the last step's query
        seed=Seed(people=people, events=events, tags=len(TAG_NAMES), taggings=people * 5 // 4),
        timing=Timing(latency=latency),
        rate_limit=API_LIMIT,
    ) as emu:
        if faults:
            emu.add_fault("status", path="people", status=503)
            emu.add_fault("status", path="people", status=429, retry_after="1")
            emu.add_fault("reset", path="events")
        out.write(
            f"Action Network emulator at {emu.base_url}: {people} people, {events} events, "
            f"{API_LIMIT:g} requests/s limit, {latency:g}s latency"
            f"{', 3 injected faults' if faults else ''}\n"
        )
        async with ActionNetwork(
            emu.api_key, base_url=emu.base_url, prefetch=prefetch or DEFAULT_PREFETCH
        ) as an:
            progress = _Progress(out, result, an)
            started = time.monotonic()
            await an.hal.entry_point()

            target: UniqueIdList | None = None

            async def add_to_list(ids: list[str]) -> None:
                """Create the list with the first batch, append the rest (serialised per list)."""
                nonlocal target
                if target is None:
                    target = await an.unique_id_lists.create("Demo sync: everyone", ids)
                else:
                    await an.unique_id_lists.append(target, ids)
                result.listed += len(ids)
                result.list_requests += 1

            async def stream_people() -> None:
                batch: list[str] = []
                async for person in an.people.list():
                    result.people += 1
                    if person.id:
                        batch.append(person.id)
                    if len(batch) >= chunk:
                        await add_to_list(batch)
                        batch = []
                    progress.tick()
                if batch:
                    await add_to_list(batch)

            async def stream_events() -> None:
                async for _event in an.events.list():
                    result.events += 1
                    progress.tick()

            await asyncio.gather(stream_people(), stream_events())
            result.elapsed = time.monotonic() - started
            progress.done()
            stats = an.stats
            result.requests = stats.attempts
            result.cancelled = stats.cancelled
            result.rate_limited = stats.rate_limited
            result.retries = stats.retries
        result.server_requests = len(emu.log)
        starts = [r.start for r in emu.log]
        if len(starts) > 1 and starts[-1] > starts[0]:
            result.server_rate = (len(starts) - 1) / (starts[-1] - starts[0])
        if target is not None and target.id:
            result.list_count = emu.state["unique_id_lists"].get(target.id)["count"]
        result.max_in_any_second = emu.max_in_window(1.0)
        out.write(_summary(result))
        if warehouse:
            await _warehouse(emu, result, out)
    return result


async def _warehouse(emu: Emulator, result: DemoResult, out: TextIO) -> None:
    """The last step: people, events, tags and taggings mirrored into a DuckDB file by dlt
    (``actionnetwork_async.warehouse``), in a temporary folder, and one query answered."""
    try:
        import dlt
        import duckdb

        from .warehouse import actionnetwork_source
    except ImportError:
        out.write(
            "\nWarehouse: skipped, dlt is not installed. To see the group mirrored into DuckDB:\n"
            "  pip install 'actionnetwork-async[warehouse]'   (or, in a checkout: "
            "pip install -e '.[warehouse]')\n"
        )
        return
    # The demo talks to the loopback emulator only: no report to dlt's anonymous telemetry.
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    names = ", ".join(WAREHOUSE_RESOURCES)
    out.write(f"\nWarehouse: syncing {names} into DuckDB with dlt\n")
    with tempfile.TemporaryDirectory(prefix="actionnetwork-demo-") as folder:
        database = Path(folder) / "actionnetwork.duckdb"
        pipeline = dlt.pipeline(
            pipeline_name="actionnetwork_demo",
            destination=dlt.destinations.duckdb(str(database)),
            dataset_name="action_network",  # `actionnetwork sync`'s default
            pipelines_dir=str(Path(folder) / "pipelines"),
        )
        progress = _SyncProgress(out)
        source = actionnetwork_source(
            emu.api_key, emu.base_url, rate_limit=API_LIMIT, progress=progress.page
        ).with_resources(*WAREHOUSE_RESOURCES)
        before = len(emu.log)
        started = time.monotonic()
        # dlt runs the source on a loop of its own, in a thread: this loop keeps serving
        await asyncio.to_thread(pipeline.run, source)
        result.warehouse_elapsed = time.monotonic() - started
        progress.done()
        result.warehouse_requests = len(emu.log) - before
        trace = pipeline.last_trace
        normalized = trace.last_normalize_info if trace is not None else None
        counts: dict[str, int] = dict(normalized.row_counts) if normalized is not None else {}
        result.warehouse_rows = {
            table: counts[table] for table in sorted(counts) if not table.startswith("_dlt")
        }
        with duckdb.connect(str(database), read_only=True) as db:
            answer: list[Any] = db.sql(PEOPLE_PER_TAG).fetchall()
        result.people_per_tag = [(str(tag), int(people)) for tag, people in answer]
        result.warehouse = True
    out.write(_warehouse_summary(result))


class _SyncProgress:
    """Rows read per resource, from dlt's thread: one line redrawn on a terminal, a line every
    few seconds otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.tty = out, out.isatty()
        self.rows: dict[str, int] = {}
        self.started = self.last = time.monotonic()

    def line(self) -> str:
        counts = "  ".join(f"{name} {n}" for name, n in self.rows.items())
        return f"  {counts}  {time.monotonic() - self.started:5.1f}s"

    def page(self, resource: str, rows: int) -> None:
        self.rows[resource] = self.rows.get(resource, 0) + rows
        now = time.monotonic()
        if self.tty and now - self.last >= 0.1:
            self.out.write("\r" + self.line())
            self.out.flush()
            self.last = now
        elif not self.tty and now - self.last >= 3.0:
            self.out.write(self.line() + "\n")
            self.last = now

    def done(self) -> None:
        self.out.write(("\r" if self.tty else "") + self.line() + "\n")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(r: DemoResult) -> str:
    return (
        "\nSummary\n"
        f"  records streamed   {r.people} people + {r.events} events\n"
        f"  unique ID list     {r.listed} ids in {_n(r.list_requests, 'request')} "
        f"(server's count: {r.list_count})\n"
        f"  requests           {r.server_requests} served ({r.requests} started, "
        f"{r.cancelled} cancelled before its answer)\n"
        f"  achieved rate      {r.server_rate:.2f} requests/s on the server's clock = "
        f"{r.server_rate / API_LIMIT:.0%} of the {API_LIMIT:g}/s limit\n"
        f"  busiest second     {r.max_in_any_second} requests (server side)\n"
        f"  429s received      {r.rate_limited}\n"
        f"  retries survived   {r.retries}\n"
        f"  elapsed            {r.elapsed:.1f}s\n"
    )


def _warehouse_summary(r: DemoResult) -> str:
    rows = r.warehouse_rows
    tables = [f"{table} {rows[table]}" for table in rows if "__" not in table]
    children = textwrap.fill(
        ", ".join(table for table in rows if "__" in table) or "none",
        width=96,
        initial_indent="  child tables       ",
        subsequent_indent=" " * 21,
        break_on_hyphens=False,
    )
    used = r.warehouse_requests / max(r.warehouse_elapsed * API_LIMIT, 1e-9)
    width = max([len(tag) for tag, _ in r.people_per_tag] + [3])
    answer = "".join(f"  {tag:<{width}}  {people}\n" for tag, people in r.people_per_tag)
    return (
        "\nWarehouse summary (dlt into DuckDB)\n"
        f"  rows loaded        {', '.join(tables)}\n"
        f"{children}\n"
        f"  requests           {r.warehouse_requests} in {r.warehouse_elapsed:.1f}s = "
        f"{used:.0%} of the {API_LIMIT:g}/s limit\n"
        "\nPeople per tag, from DuckDB:\n\n"
        + "".join(f"  {line}\n" for line in PEOPLE_PER_TAG.splitlines())
        + "\n"
        + answer
        + "\n(The DuckDB file was written in a temporary folder, removed now; "
        "`actionnetwork sync` keeps one.)\n"
    )
