"""Bulk write throughput against the API's limit of 4 requests per second.

The emulator runs in a child process (the limit enforced, a fixed latency per request); this
process upserts new people with ``an.people.upsert_many``, and the child reports what its log
saw: the POSTs it received, writes per second from the first successful POST to the last and
the ratio to the limit, the most requests in any second (refused ones included), 429s (each
retried by the client), and the people stored. Concurrency 1 is a plain ``signup`` loop.
Real time.

    python benchmarks/bulk_writes.py [--records 100] [--latency 0 0.25 0.5 1.0]
                                     [--concurrency 1 8] [--quick]

``--quick`` runs 40 records per latency at concurrency 8 with time scaled 10x (a limit of 40/s,
each latency divided by 10): as many requests in flight as the real run needs, a second or so
per latency. Its ratios compare with the real run's; its rates are 10x.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import time
from multiprocessing.connection import Connection
from typing import Any

from actionnetwork_async import ActionNetwork, WriteSummary
from actionnetwork_async.testing import Emulator, Timing

LIMIT = 4.0


def serve(rate: float, latency: float, conn: Connection) -> None:
    """Child process: run an empty emulator; on "stop", reply with what its log saw."""

    async def run() -> None:
        async with Emulator(timing=Timing(latency=latency), rate_limit=rate) as emu:
            conn.send((emu.base_url, emu.api_key))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)
            posts = [r for r in emu.log if r.method == "POST"]
            written = [r.start for r in posts if r.status == 200]
            conn.send(
                {
                    "posts": len(posts),
                    "written": len(written),
                    "span": written[-1] - written[0] if len(written) > 1 else 0.0,
                    "max_in_second": emu.max_in_window(1.0),
                    "429s": emu.count(status=429),
                    "people": len(emu.state["people"]),
                }
            )

    asyncio.run(run())


async def upsert(base_url: str, api_key: str, rate: float, records: int, concurrency: int) -> Any:
    people = ({"email": f"bench-{i}@example.org", "given_name": "Bench"} for i in range(records))
    async with ActionNetwork(api_key, base_url=base_url, rate_limit=rate) as an:
        await an.hal.entry_point()  # the helper's URL: not a write
        started = time.perf_counter()
        summary = await WriteSummary.collect(an.people.upsert_many(people, concurrency=concurrency))
        return summary, time.perf_counter() - started


def one_run(records: int, latency: float, concurrency: int, scale: float) -> str:
    rate = LIMIT * scale
    parent, child = mp.Pipe()
    server = mp.Process(target=serve, args=(rate, latency / scale, child), daemon=True)
    server.start()
    try:
        base_url, api_key = parent.recv()
        summary, elapsed = asyncio.run(upsert(base_url, api_key, rate, records, concurrency))
        parent.send("stop")
        seen = parent.recv()
    finally:
        server.join(timeout=60)
    assert summary.landed == records == seen["written"] == seen["people"], (summary, seen)
    per_second = (seen["written"] - 1) / seen["span"]
    return (
        f"| {records} | {latency:.2f} | {concurrency} | {seen['posts']} | {elapsed:.2f} | "
        f"{per_second:.2f} | {per_second / rate:.0%} | {seen['max_in_second']} | {seen['429s']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.25, 0.5, 1.0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--quick", action="store_true", help="40 records, time scaled 10x")
    args = parser.parse_args()
    scale = 10.0 if args.quick else 1.0
    records = 40 if args.quick else args.records
    concurrency = [8] if args.quick else args.concurrency
    if args.quick:
        print("quick: time scaled 10x (limit 40/s, latencies / 10); ratios compare, rates do not")
    logging.getLogger("actionnetwork_async").setLevel(logging.ERROR)  # retries: counted below
    print(
        "| records | latency s | concurrency | POSTs (server) | elapsed s | writes/s (server) "
        f"| of the {LIMIT * scale:g}/s limit | max in any 1 s (server) | 429s (retried) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for latency in args.latency:
        for n in concurrency:
            print(one_run(records, latency, n, scale), flush=True)


if __name__ == "__main__":
    main()
