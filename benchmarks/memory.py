"""Streaming memory: what the client holds must not grow with the collection.

The emulator runs in a child process (so its data is not counted); this process streams every
person with tracemalloc on and reports the peak allocated during the stream, for growing
collection sizes. A streaming client shows a flat peak; one that collects pages grows linearly.
The API's 4/s limit is off here: this measures memory, not rate.

    python benchmarks/memory.py [--people 2000 20000 100000] [--prefetch 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import time
import tracemalloc
from multiprocessing.connection import Connection

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Emulator


def serve(people: int, conn: Connection) -> None:
    """Child process: run a seeded emulator until the parent says stop."""

    async def run() -> None:
        async with Emulator(people=people, rate_limit=None) as emu:
            conn.send((emu.base_url, emu.api_key))
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)

    asyncio.run(run())


async def stream(base_url: str, api_key: str, prefetch: int) -> tuple[int, float, float]:
    async with ActionNetwork(api_key, base_url=base_url, rate_limit=None, prefetch=prefetch) as an:
        await an.hal.get()  # open the session before measuring
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        started = time.perf_counter()
        count = 0
        async for _ in an.hal.iterate("people"):
            count += 1
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return count, (peak - base) / 2**20, elapsed


def one_run(people: int, prefetch: int) -> tuple[int, float, float]:
    parent, child = mp.Pipe()
    server = mp.Process(target=serve, args=(people, child), daemon=True)
    server.start()
    try:
        base_url, api_key = parent.recv()
        result = asyncio.run(stream(base_url, api_key, prefetch))
    finally:
        parent.send("stop")
        server.join(timeout=30)
    assert result[0] == people, result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--prefetch", type=int, default=5)
    args = parser.parse_args()
    print(f"prefetch={args.prefetch}, page size 25, emulator in a child process")
    print("| people streamed | client peak during stream (MiB) | items/s (no rate limit) |")
    print("| --- | --- | --- |")
    peaks = []
    for n in args.people:
        count, peak, elapsed = one_run(n, args.prefetch)
        peaks.append(peak)
        print(f"| {count} | {peak:.2f} | {count / elapsed:,.0f} |", flush=True)
    print(
        f"\nclient peak, largest/smallest collection: {peaks[-1] / peaks[0]:.2f}x "
        f"for {args.people[-1] / args.people[0]:.0f}x the records"
    )


if __name__ == "__main__":
    main()
