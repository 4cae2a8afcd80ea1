"""The blocking client against the async one: requests, time and memory for the same stream.

Throughput: the people collection from the emulator (4 requests/s enforced, fixed latency per
request), streamed by the async client and then by the blocking one, with the ratio to 4/s.
Memory: the blocking client streams from an emulator in a child process with tracemalloc on
(every thread of this process is traced, the client's loop thread included); rate limit off.

    python benchmarks/sync.py [--quick] [--people 1000] [--latency 0.2 1.0]
                              [--memory 2000 20000 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc

from _support import Server, fmt_rate, steady_rate  # the emulator in a child process

from actionnetwork_async import ActionNetwork as AsyncActionNetwork
from actionnetwork_async.sync import ActionNetwork
from actionnetwork_async.testing import Emulator, Seed, Timing, serve_in_thread

LIMIT = 4.0


def row(
    kind: str, people: int, latency: float, requests: int, elapsed: float, emu: Emulator
) -> str:
    rate = steady_rate([r.start for r in emu.log])  # on the server's clock, as it counts
    return (
        f"| {kind} | {people} | {latency:.2f} | {requests} | {elapsed:.2f} | "
        f"{fmt_rate(rate)} | {emu.max_in_window(1.0)} | {emu.count(status=429)} |"
    )


def throughput(people: int, latency: float) -> list[str]:
    """The same stream by each client, each against a fresh emulator (a fresh rate window)."""

    async def async_stream(emu: Emulator) -> tuple[int, float]:
        async with AsyncActionNetwork(emu.api_key, base_url=emu.base_url) as an:
            started = time.perf_counter()
            assert sum([1 async for _ in an.people.list()]) == people
            return an.stats.attempts, time.perf_counter() - started

    def blocking_stream(emu: Emulator) -> tuple[int, float]:
        with ActionNetwork(emu.api_key, base_url=emu.base_url) as an:
            started = time.perf_counter()
            assert sum(1 for _ in an.people.list()) == people
            return an.stats.attempts, time.perf_counter() - started

    rows, times = [], []
    for kind in ("async", "blocking"):
        with serve_in_thread(
            Emulator(seed=Seed(people=people), timing=Timing(latency=latency), rate_limit=LIMIT)
        ) as emu:
            if kind == "async":
                requests, elapsed = asyncio.run(async_stream(emu))
            else:
                requests, elapsed = blocking_stream(emu)
        times.append(elapsed)
        rows.append(row(kind, people, latency, requests, elapsed, emu))
    rows.append(f"|  |  |  | blocking/async time: {times[1] / times[0]:.3f} |  |  |  |  |")
    return rows


def memory(people: int) -> tuple[int, float, float]:
    with (
        Server(seed=Seed(people=people), rate_limit=None) as server,
        ActionNetwork(server.api_key, base_url=server.base_url, rate_limit=None) as an,
    ):
        an.hal.get()  # the session is open before measuring
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        started = time.perf_counter()
        count = sum(1 for _ in an.people.list())
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == people, (count, people)
    return count, (peak - base) / 2**20, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.0])
    parser.add_argument("--memory", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    args = parser.parse_args()
    if args.quick:
        args.people, args.latency, args.memory = 100, [0.05], [500, 1000]
    print(
        "| client | people | latency s | requests | elapsed s | steady rate, server (of 4/s) "
        "| max in any 1 s (server) | 429s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for latency in args.latency:
        for line in throughput(args.people, latency):
            print(line, flush=True)
    print("\n| people streamed (blocking) | client peak during stream (MiB) | items/s |")
    print("| --- | --- | --- |")
    peaks = []
    for people in args.memory:
        count, peak, elapsed = memory(people)
        peaks.append(peak)
        print(f"| {count} | {peak:.2f} | {count / elapsed:,.0f} |", flush=True)
    if len(peaks) > 1:
        print(
            f"\nclient peak, largest/smallest collection: {peaks[-1] / peaks[0]:.2f}x "
            f"for {args.memory[-1] / args.memory[0]:.0f}x the records"
        )


if __name__ == "__main__":
    main()
