"""Memory of a unique ID list append fed by a generator: flat, whatever the number of ids.

The emulator runs in a child process (it stores the ids, we do not count that); this process
appends N generated people ids to one list with tracemalloc on and reports its peak, for
growing N. Chunks of 10,000 ids: a client that materialised the ids would grow linearly.

    python benchmarks/list_append.py [--quick] [--ids 120000 1200000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc
import uuid
from collections.abc import Iterator

from _support import Server, header

from actionnetwork_async import ActionNetwork


def ids(count: int) -> Iterator[str]:
    for n in range(count):
        yield str(uuid.UUID(int=n))


async def append(base_url: str, api_key: str, count: int) -> tuple[int, float, float, int]:
    async with ActionNetwork(api_key, base_url=base_url, rate_limit=None) as an:
        target = await an.unique_id_lists.create("bench", [str(uuid.UUID(int=10**12))])
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        started = time.perf_counter()
        result = await an.unique_id_lists.append(target, ids(count))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        requests = an.stats.attempts
    return result.count or 0, (peak - base) / 2**20, elapsed, requests


def one_run(count: int) -> tuple[int, float, float, int]:
    with Server(rate_limit=None) as server:
        return asyncio.run(append(server.base_url, server.api_key, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ids", type=int, nargs="+", default=[120_000, 1_200_000])
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    args = parser.parse_args()
    if args.quick:
        args.ids = [30_000, 60_000]
    header("Appending to a unique ID list from a generator", args.quick)
    print("| ids appended | list count (server) | requests | client peak (MiB) | seconds |")
    print("| --- | --- | --- | --- | --- |")
    peaks = []
    for count in args.ids:
        listed, peak, elapsed, requests = one_run(count)
        assert listed == count + 1, (listed, count)
        peaks.append(peak)
        print(f"| {count:,} | {listed:,} | {requests} | {peak:.2f} | {elapsed:.1f} |", flush=True)
    print(
        f"\nclient peak, largest/smallest: {peaks[-1] / peaks[0]:.2f}x for "
        f"{args.ids[-1] / args.ids[0]:.0f}x the ids (a materialised list of "
        f"{args.ids[-1]:,} ids alone is about {args.ids[-1] * 85 / 2**20:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
