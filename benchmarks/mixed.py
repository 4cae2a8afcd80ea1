"""Scenario 2: mixed load through one client, at the 4 requests/s limit.

At once, through one ``ActionNetwork`` client (one limiter): three streams (every person,
every event, and people changed since a date, an incremental sync), 50 concurrent ``get``s of
single people (what a web handler does) and an append of 25,000 ids to a unique ID list (3
chunked PUTs that must never overlap). The server (the emulator in a child process) adds
0.25 s of latency plus 10 ms per page number and up to 30 ms of arrival jitter. Figures come
from its log. The peer is the same work written by hand with aiohttp: every task paces itself
at 4/s (no shared limiter) and stops at its first error status. Parsons is not run: it is
synchronous, one call at a time, so it cannot be given this load.

    python benchmarks/mixed.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import aiohttp
from _support import (
    LIMIT,
    TOKEN_HEADER,
    Run,
    Server,
    describe,
    fmt_rate,
    header,
    max_in_window,
    steady_rate,
    table,
)

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Seed, Timing

SINCE = datetime(2014, 6, 1, tzinfo=timezone.utc)
SINCE_FILTER = "modified_date gt '2014-06-01'"


async def setup(server: Server, gets: int) -> tuple[list[str], str]:
    """Ids to get and the list to append to, read before the clock starts."""
    async with ActionNetwork(server.api_key, base_url=server.base_url) as an:
        ids: list[str] = []
        async with an.people.list() as people:
            async for person in people:
                ids.append(person.id)
                if len(ids) == gets:
                    break
        async with an.unique_id_lists.list() as lists:
            target = await anext(lists)
    await asyncio.sleep(1.1)  # let the server's window empty: the run starts fresh
    return ids, target.id


def new_ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=n + 1)) for n in range(count)]


async def ours(server: Server, ids: list[str], list_id: str, append: int) -> dict[str, Any]:
    """The whole load through one client; returns counts and the gets' latencies."""
    waits: list[float] = []
    async with ActionNetwork(server.api_key, base_url=server.base_url) as an:
        started = time.perf_counter()

        async def count(stream: Any) -> int:
            return len([item async for item in stream])

        async def get(person_id: str) -> None:
            await an.people.get(person_id)
            waits.append(time.perf_counter() - started)

        results = await asyncio.gather(
            count(an.people.list()),
            count(an.events.list()),
            count(an.people.modified_since(SINCE)),
            *(get(i) for i in ids),
            an.unique_id_lists.append(list_id, new_ids(append)),
        )
    return {"streams": results[:3], "gets": len(waits), "waits": waits, "list": results[-1]}


async def by_hand(server: Server, ids: list[str], list_id: str, append: int) -> dict[str, Any]:
    """The same load as people write it with aiohttp: each task sleeps 1/4 s between its
    requests, nothing is shared, an error status raises."""
    base = server.base_url
    waits: list[float] = []
    async with aiohttp.ClientSession(headers={TOKEN_HEADER: server.api_key}) as session:
        started = time.perf_counter()

        async def call(method: str, url: str, body: Any = None) -> Any:
            async with session.request(method, url, json=body) as response:
                response.raise_for_status()
                return json.loads(await response.read())

        async def stream(url: str, rel: str) -> int:
            count = 0
            while True:
                page = await call("GET", url)
                items = page["_embedded"][rel]
                if not items:
                    return count
                count += len(items)
                if "next" not in page["_links"]:
                    return count
                url = page["_links"]["next"]["href"]
                await asyncio.sleep(1 / LIMIT)

        async def get(person_id: str) -> None:
            await call("GET", f"{base}people/{person_id}")
            waits.append(time.perf_counter() - started)

        async def append_ids() -> None:
            chunk = new_ids(append)
            for i in range(0, len(chunk), 10_000):
                body = {"unique_ids": chunk[i : i + 10_000], "operation": "append"}
                await call("PUT", f"{base}unique_id_lists/{list_id}", body)
                await asyncio.sleep(1 / LIMIT)

        tasks = [
            asyncio.ensure_future(job)
            for job in (
                stream(f"{base}people", "osdi:people"),
                stream(f"{base}events", "osdi:events"),
                stream(f"{base}people?filter={SINCE_FILTER}", "osdi:people"),
                *(get(i) for i in ids),
                append_ids(),
            )
        ]
        try:  # the first error stops the job, as it would in a script
            results = await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return {"streams": results[:3], "gets": len(waits), "waits": waits, "list": None}


def one_run(
    name: str,
    load: Callable[[Server, list[str], str, int], Awaitable[dict[str, Any]]],
    options: dict[str, Any],
    gets: int,
    append: int,
) -> tuple[Run, dict[str, Any]]:
    with Server(**options) as server:
        ids, list_id = asyncio.run(setup(server, gets))
        before = len(server.log())
        run = Run(name)
        run.started = time.monotonic()
        wall = time.perf_counter()
        outcome: dict[str, Any] = {}
        try:
            outcome = asyncio.run(load(server, ids, list_id, append))
        except Exception as exc:  # a crash is a result
            run.error = describe(exc)
        run.elapsed = time.perf_counter() - wall
        run.hits = server.log()[before:]
    return run, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    args = parser.parse_args()
    people, events, gets, append = (100, 50, 10, 12_000) if args.quick else (1250, 250, 50, 25_000)
    options = {
        "seed": Seed(people=people, events=events, unique_id_lists=1),
        "timing": Timing(latency=0.25, page_latency=0.01, arrival_jitter=0.03),
        "rate_limit": LIMIT,
    }
    header("Mixed load through one client", args.quick)
    print(
        f"3 streams ({people:,} people, {events} events, people modified since "
        f"{SINCE:%Y-%m-%d}), {gets} concurrent gets, {append:,} ids appended to one list; "
        "latency 0.25 s + 10 ms x page, arrival jitter 0-30 ms\n",
        flush=True,
    )
    rows = []
    for name, load in (("actionnetwork-async, one client", ours), ("aiohttp by hand", by_hand)):
        run, outcome = one_run(name, load, options, gets, append)
        starts = [h.start for h in run.hits]
        waits = outcome.get("waits") or []
        outcome_text = "ok" if run.error is None else f"crashed: {run.error}"
        if run.error is None and outcome["streams"][:2] != [people, events]:
            outcome_text = f"wrong counts {outcome['streams']}"
        rows.append(
            [
                name,
                outcome_text,
                run.requests,
                f"{run.elapsed:.1f}",
                fmt_rate(steady_rate(starts) if run.error is None else None),
                run.rate_limited,
                max_in_window(starts),
                sum(1 for h in run.hits if h.status == 409),
                f"{statistics.median(waits):.1f} / {max(waits):.1f}" if waits else "n/a",
            ]
        )
        print(f"  {name}: {outcome_text}", flush=True)
    print()
    print(
        table(
            [
                "client",
                "outcome",
                "requests",
                "elapsed s",
                "achieved, server (of 4/s)",
                "429s",
                "max in any 1 s (server)",
                "409s (list changes overlapping)",
                "single gets done after s (median / last)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
