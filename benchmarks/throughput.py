"""Streaming throughput against the API's physical limit of 4 requests per second.

Streams the people collection from the emulator (4 requests/s enforced, fixed latency per
request) with and without prefetch, and prints requests/s and the ratio to 4/s. Real time.

    python benchmarks/throughput.py [--people 1000] [--latency 0.2 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Emulator

LIMIT = 4.0


async def one_run(people: int, latency: float, prefetch: int) -> str:
    async with Emulator(people=people, rate_limit=LIMIT, latency=latency) as emu:
        async with ActionNetwork(emu.api_key, base_url=emu.base_url, prefetch=prefetch) as an:
            started = time.perf_counter()
            count = 0
            async for _ in an.hal.iterate("people"):
                count += 1
            elapsed = time.perf_counter() - started
            stats = an.transport.stats
        assert count == people, (count, people)
        rate = stats.attempts / elapsed
        # steady state, on the server's clock: from the 2nd request (the first page must arrive
        # before its next link can be extrapolated) to the last
        starts = [r.start for r in emu.log][1:]
        steady = (len(starts) - 1) / (starts[-1] - starts[0]) if len(starts) > 1 else rate
        return (
            f"| {people} | {latency:.1f} | {prefetch} | {stats.attempts} | {elapsed:.2f} | "
            f"{rate:.2f} ({rate / LIMIT:.0%}) | {steady:.2f} ({steady / LIMIT:.0%}) | "
            f"{emu.max_in_window(1.0)} | {stats.rate_limited} |"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.0])
    parser.add_argument("--prefetch", type=int, nargs="+", default=[1, 5])
    args = parser.parse_args()
    print(
        "| people | latency s | prefetch | requests | elapsed s | requests/s overall (of 4/s) "
        "| requests/s steady (of 4/s) | max in any 1 s (server) | 429s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for latency in args.latency:
        for prefetch in args.prefetch:
            print(await one_run(args.people, latency, prefetch), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
