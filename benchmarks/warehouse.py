"""A group mirrored into DuckDB: the dlt source against a hand-written loop and Parsons.

The emulator runs in a child process (4 requests/s enforced as a sliding window, a fixed
latency per request), seeded with people, tags on them and some events. Each way copies the
same four collections (people, events, tags, taggings) into a fresh local file, one after the
other against the same server:

* the dlt source: ``pipeline.run(actionnetwork_source().with_resources(...))`` into an
  embedded DuckDB (``actionnetwork_async.warehouse``, the ``warehouse`` extra); its rows and
  child tables are dlt's (``people__email_addresses`` ...);
* a hand-written loop: this library's client streams the four collections at once and writes
  each page to DuckDB itself (``executemany`` into four flat tables);
* Parsons (the ``bench`` extra): ``get_people()``, ``get_events()``, ``get_tags()`` and
  ``get_taggings(tag)`` for each tag, written as CSV files (``Table.to_csv``). Reported as not
  installed when it is not.

Reported per way: requests (the server's log), elapsed time, the fraction of the limit used end
to end (requests / (elapsed x 4)), rows written to the four tables (and, for dlt, its child
tables), CPU seconds per 1,000 rows (this process's ``time.process_time``, dlt's threads
included; the server's CPU is its own), 429s. Real time.

    python benchmarks/warehouse.py [--quick] [--people 10000] [--taggings 12000] [--tags 40]
                                   [--events 100] [--latency 0.5]

``--quick`` seeds 100 people, 120 taggings on 4 tags and 10 events, with time scaled 10x (a
limit of 40/s, latency divided by 10): a few seconds per way. Its fractions compare with the
full run's; its rates are 10x.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _support import LIMIT, Run, Server, header, parsons_installed, peer_version, table

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Seed, Timing

RESOURCES = ("people", "events", "tags", "taggings")
# The emulator is on loopback: no run of this script reports to dlt's anonymous telemetry.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


class Way:
    """One way of copying the group: what it wrote, beside ``Run``'s figures."""

    def __init__(self, name: str, fn: Callable[[Path], int] | None) -> None:
        self.name, self.fn = name, fn
        self.child_rows = 0
        self.note = ""


def dlt_source(way: Way, base_url: str, api_key: str, limit: float, directory: Path) -> int:
    """The dlt source into an embedded DuckDB file; dlt's working folder beside it."""
    import dlt

    from actionnetwork_async.warehouse import actionnetwork_source

    pipeline = dlt.pipeline(
        pipeline_name="bench_warehouse",
        destination=dlt.destinations.duckdb(str(directory / "dlt.duckdb")),
        dataset_name="actionnetwork",
        pipelines_dir=str(directory / "pipelines"),
    )
    source = actionnetwork_source(api_key, base_url, rate_limit=limit)
    pipeline.run(source.with_resources(*RESOURCES))
    trace = pipeline.last_trace
    assert trace is not None
    assert trace.last_normalize_info is not None
    counts = trace.last_normalize_info.row_counts
    rows = sum(n for table, n in counts.items() if table in RESOURCES)
    way.child_rows = sum(
        n for table, n in counts.items() if "__" in table and table.split("__")[0] in RESOURCES
    )
    steps = [
        f"{step.step} {(step.finished_at - step.started_at).total_seconds():.1f} s"
        for step in trace.steps
        if step.step in ("extract", "normalize", "load") and step.finished_at is not None
    ]
    way.note = f"{way.name}: {', '.join(steps)} (reading the API is the extract step)"
    return rows


def hand_loop(base_url: str, api_key: str, limit: float, directory: Path) -> int:
    """This library's client, the four collections streamed at once through one client, each
    page written to DuckDB with ``executemany``: the loop people write without dlt."""
    import duckdb

    db = duckdb.connect(str(directory / "hand.duckdb"))
    db.execute(
        "create table people (id varchar primary key, email varchar, given_name varchar, "
        "family_name varchar, created_date varchar, modified_date varchar)"
    )
    db.execute(
        "create table events (id varchar primary key, title varchar, start_date varchar, "
        "modified_date varchar)"
    )
    db.execute("create table tags (id varchar primary key, name varchar)")
    db.execute(
        "create table taggings (id varchar primary key, tag_id varchar, person_id varchar, "
        "modified_date varchar)"
    )

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    async def run() -> int:
        rows = 0

        def write(sql: str, values: list[tuple[Any, ...]]) -> None:
            nonlocal rows
            if values:
                db.executemany(sql, values)
                rows += len(values)

        async with ActionNetwork(api_key, base_url=base_url, rate_limit=limit) as an:

            async def people() -> None:
                async with an.people.list() as stream:
                    async for page in stream.batches():
                        write(
                            "insert or replace into people values (?, ?, ?, ?, ?, ?)",
                            [
                                (
                                    p.id,
                                    p.email,
                                    p.given_name,
                                    p.family_name,
                                    text(p.created_date),
                                    text(p.modified_date),
                                )
                                for p in page
                            ],
                        )

            async def events() -> None:
                async with an.events.list() as stream:
                    async for page in stream.batches():
                        write(
                            "insert or replace into events values (?, ?, ?, ?)",
                            [
                                (e.id, e.title, text(e.start_date), text(e.modified_date))
                                for e in page
                            ],
                        )

            async def tags() -> None:
                async with an.tags.list() as stream:
                    async for page in stream.batches():
                        write(
                            "insert or replace into tags values (?, ?)",
                            [(t.id, t.name) for t in page],
                        )
                        for tag in page:
                            async with an.tags.taggings.list(tag) as taggings:
                                async for batch in taggings.batches():
                                    write(
                                        "insert or replace into taggings values (?, ?, ?, ?)",
                                        [
                                            (g.id, g.tag_id, g.person_id, text(g.modified_date))
                                            for g in batch
                                        ],
                                    )

            await asyncio.gather(people(), events(), tags())
        return rows

    try:
        return asyncio.run(run())
    finally:
        db.close()


def parsons_csv(base_url: str, api_key: str, directory: Path) -> int:
    """Parsons' connector, pointed at the server, each collection written as a CSV file."""
    with warnings.catch_warnings():  # its notice about 'pip install parsons' extras
        warnings.simplefilter("ignore", RuntimeWarning)
        from parsons import ActionNetwork as ParsonsActionNetwork  # the bench extra
        from parsons import Table

    connector = ParsonsActionNetwork(api_token=api_key)
    connector.api.uri = base_url  # its APIConnector joins every path onto this base
    rows = 0
    people, events, tags = connector.get_people(), connector.get_events(), connector.get_tags()
    for name, found in (("people", people), ("events", events), ("tags", tags)):
        found.to_csv(str(directory / f"{name}.csv"))
        rows += found.num_rows
    taggings: list[dict[str, Any]] = []
    for tag in tags:
        ids = [i for i in tag.get("identifiers") or () if str(i).startswith("action_network:")]
        if ids:
            taggings.extend(connector.get_taggings(ids[0].split(":", 1)[1]))
    Table(taggings).to_csv(str(directory / "taggings.csv"))
    return rows + len(taggings)


def measure(way: Way, server: Server, limit: float) -> Run:
    """One way, timed, in a folder of its own removed afterwards; its requests are the ones
    the server logged meanwhile."""
    run = Run(way.name)
    if way.fn is None:
        run.error = "not installed"
        return run
    fn = way.fn
    before = len(server.log())
    time.sleep(1.5 * LIMIT / limit)  # the previous way's requests out of the sliding window
    with tempfile.TemporaryDirectory(prefix="an-bench-") as folder:
        run.started = time.monotonic()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            run.items = fn(Path(folder))
        except Exception as exc:  # a peer's crash is a result, not a benchmark failure
            run.error = f"{type(exc).__name__}: {exc}"[:120]
        run.elapsed = time.perf_counter() - wall
        run.cpu = time.process_time() - cpu
    run.hits = server.log()[before:]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--taggings", type=int, default=12_000)
    parser.add_argument("--tags", type=int, default=40)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    args = parser.parse_args()
    limit = LIMIT
    if args.quick:  # time scaled 10x: the limit 10x higher, the latency 10x lower
        args.people, args.taggings, args.tags, args.events = 100, 120, 4, 10
        limit, args.latency = LIMIT * 10, args.latency / 10
    header("The group mirrored into DuckDB: dlt source, hand-written loop, Parsons", args.quick)
    seed = Seed(people=args.people, tags=args.tags, taggings=args.taggings, events=args.events)
    print(
        f"{args.people:,} people, {args.taggings:,} taggings on {args.tags} tags, "
        f"{args.events} events; {args.latency:g} s per request, {limit:g} requests/s limit\n",
        flush=True,
    )
    try:
        import dlt  # noqa: F401  # imported before the clock starts, as a service would

        dlt_version: str | None = peer_version("dlt")
    except ImportError:
        dlt_version = None
    parsons = peer_version("parsons")
    expected = args.people + args.events + args.tags + args.taggings  # rows of the 4 tables
    rows: list[list[object]] = []
    with Server(seed=seed, timing=Timing(latency=args.latency), rate_limit=limit) as server:
        url, key = server.base_url, server.api_key
        ways = [Way(f"dlt {dlt_version} source -> DuckDB", None)]
        if dlt_version is not None:
            ways[0].fn = partial(dlt_source, ways[0], url, key, limit)
        ways.append(Way("hand-written loop, this client -> DuckDB executemany", None))
        ways[1].fn = partial(hand_loop, url, key, limit)
        ways.append(Way(f"Parsons {parsons} -> CSV" if parsons else "Parsons -> CSV", None))
        if parsons_installed():
            ways[2].fn = partial(parsons_csv, url, key)
        for way in ways:
            run = measure(way, server, limit)
            if run.error is not None:
                note = "not installed (the bench extra)" if run.error == "not installed" else ""
                rows.append([way.name, note or f"crashed: {run.error}", *["n/a"] * 6])
                continue
            used = run.requests / (run.elapsed * limit) if run.elapsed else 0.0
            written = f"{run.items:,}" + (f" (+{way.child_rows:,} child)" if way.child_rows else "")
            per_1000 = run.cpu / max(run.items, 1) * 1000
            rows.append(
                [
                    way.name,
                    run.outcome(expected),
                    run.requests,
                    f"{run.elapsed:.1f}",
                    f"{used:.0%}",
                    written,
                    f"{per_1000:.3f}",
                    run.rate_limited,
                ]
            )
    print(
        table(
            [
                "way",
                "outcome",
                "requests (server)",
                "elapsed s",
                f"limit used (requests / (elapsed x {limit:g}))",
                "rows written",
                "CPU s per 1,000 rows",
                "429s",
            ],
            rows,
        )
    )
    for way in ways:
        if way.note:
            print(f"\n{way.note}")
    if parsons is None:
        print("\nParsons is not installed (pip install -e '.[bench]'): its row is skipped.")


if __name__ == "__main__":
    main()
