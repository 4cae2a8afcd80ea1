"""One API key, 1 to 8 processes, one limit shared through Redis: the server's count.

Each process has its own client with ``RedisRateLimiter.for_api_key`` (its own limiter, keyed by
the API key) and streams the people collection from one server (the emulator, in a child
process: 4 requests in any sliding second, 429 above, each request counted 0-30 ms late).
The processes are started, import everything, and are then let go together. Process ``n``
filters on ``modified_date gt '19nn-01-01'`` (every person matches), so the server's log
tells them apart. Figures, all from the server's log:

* achieved: the rate a sliding window sees (4 / the mean time 4 consecutive arrivals span)
  over the whole run, and its ratio to 4/s;
* 429s, and the most requests in any sliding second (the limit is 4);
* fairness: each process's own rate (its requests over the time from its first to its last)
  and Jain's index of those rates (1.0: equal shares; 1/n: one process has everything),
  and the longest any process went between two of its requests (starvation would show
  there).

For comparison, a last row runs 4 processes on their own limiters (no Redis): what the
shared limit replaces (a process whose stream fails, its retries of 429s exhausted, counts as
failed).

With ``--busy K``, K more processes spin on the CPU throughout (a machine busy with other
jobs): every timer then fires later, and a start more than 5 ms late gives its slot up.

    python benchmarks/redis_limit.py [--quick] [--pages 15] [--processes 1 2 4 8] [--busy 0]

It needs redis-server (Debian: apt-get install redis-server); without it, it says so.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import multiprocessing as mp
import shutil
import sys
import time
from multiprocessing.synchronize import Event

from _support import (
    LIMIT,
    PER_PAGE,
    Hit,
    Server,
    fmt_rate,
    header,
    max_in_window,
    steady_rate,
    table,
)

from actionnetwork_async import ActionNetwork, ActionNetworkError
from actionnetwork_async.limits import RedisRateLimiter, SlidingWindowLimiter
from actionnetwork_async.testing import RedisServer, Seed, Timing


def marker(n: int) -> str:
    """What process ``n``'s requests carry in their query string."""
    return f"19{n:02d}-01-01"


def _stream(base_url: str, api_key: str, redis_url: str, n: int, ready: Event, go: Event) -> None:
    """Child process: import, say ready, wait for the start, stream every person."""

    async def run() -> None:
        limiter = (
            RedisRateLimiter.for_api_key(redis_url, api_key, base_url)
            if redis_url
            else SlidingWindowLimiter()
        )
        async with ActionNetwork(api_key, base_url=base_url, rate_limit=limiter) as an:
            params = {"filter": f"modified_date gt '{marker(n)}'"}
            async for _ in an.hal.iterate("people", params=params):
                pass

    logging.getLogger("actionnetwork_async").setLevel(logging.CRITICAL)  # 429s are counted
    ready.set()
    go.wait()
    try:
        asyncio.run(run())
    except ActionNetworkError:
        sys.exit(1)  # its stream failed (429s past its retries): counted by the parent


def one_run(processes: int, people: int, redis_url: str) -> tuple[list[Hit], int]:
    """``processes`` processes stream ``people`` each: the server's log, and how many
    processes failed."""
    context = mp.get_context("spawn")
    options = {
        "seed": Seed(people=people),
        "timing": Timing(arrival_jitter=0.03),
        "rate_limit": LIMIT,
    }
    with Server(**options) as server:
        go = context.Event()
        readies = [context.Event() for _ in range(processes)]
        children = [
            context.Process(
                target=_stream,
                args=(server.base_url, server.api_key, redis_url, n, readies[n], go),
            )
            for n in range(processes)
        ]
        for child in children:
            child.start()
        for ready in readies:
            ready.wait(timeout=60)
        go.set()
        for child in children:
            child.join(timeout=300)
        return server.log(), sum(1 for child in children if child.exitcode != 0)


def _spin() -> None:
    """Child process: keep one core busy until terminated."""
    while True:
        pass


def fairness(hits: list[Hit], processes: int) -> tuple[float, float]:
    """Jain's index of the processes' own rates, and the longest gap of any process."""
    mine = [sorted(h.start for h in hits if marker(n) in h.query) for n in range(processes)]
    rates = [(len(m) - 1) / (m[-1] - m[0]) for m in mine if len(m) > 1 and m[-1] > m[0]]
    jain = sum(rates) ** 2 / (len(rates) * sum(r * r for r in rates)) if rates else 1.0
    gap = max((b - a for m in mine for a, b in itertools.pairwise(m)), default=0.0)
    return jain, gap


def measure(counts: list[int], people: int, *, compare: bool) -> list[list[object]]:
    """A row per count of processes on one shared limit (and, if ``compare``, one row of 4
    processes on their own limiters)."""
    rows: list[list[object]] = []
    with RedisServer() as redis:
        runs = [(str(n), n, redis.url) for n in counts]
        if compare:
            runs.append(("4, no Redis", 4, ""))  # no Redis URL: each client its own limiter
        for name, processes, url in runs:
            started = time.perf_counter()
            hits, failed = one_run(processes, people, url)
            elapsed = time.perf_counter() - started
            starts = sorted(h.start for h in hits)
            jain, gap = fairness(hits, processes)
            rows.append(
                [
                    name,
                    len(hits),
                    f"{elapsed:.1f}",
                    fmt_rate(steady_rate(starts)),
                    sum(1 for h in hits if h.status == 429),
                    max_in_window(starts),
                    f"{jain:.3f}",
                    f"{gap:.1f}",
                    failed,
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    parser.add_argument("--pages", type=int, default=15, help="full pages of people per process")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes running beside")
    args = parser.parse_args()
    if args.quick:
        args.pages = 3
    header("One key's limit shared through Redis by 1 to 8 processes", args.quick)
    if args.busy:
        print(f"{args.busy} CPU-bound processes run beside, all along\n")
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (Debian: apt-get install redis-server): skipped")
        return
    people = args.pages * PER_PAGE
    print(
        f"Each process streams {people:,} people ({args.pages} full pages + the empty page "
        "that ends the collection, prefetch 8) with its own client and RedisRateLimiter; "
        "server in a child process, arrival jitter 0-30 ms\n",
        flush=True,
    )
    spinners = [mp.get_context("spawn").Process(target=_spin) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()
    try:
        rows = measure(args.processes, people, compare=args.busy == 0)
    finally:
        for spinner in spinners:
            spinner.terminate()
    headers = [
        "processes",
        "requests",
        "wall s",
        "achieved (ratio to 4/s)",
        "429s",
        "max in any 1 s",
        "fairness (Jain)",
        "longest gap s",
        "processes failed",
    ]
    print(table(headers, rows))
    command = "python benchmarks/redis_limit.py" + (" --quick" if args.quick else "")
    if args.processes != [1, 2, 4, 8]:
        command += " --processes " + " ".join(map(str, args.processes))
    print(f"\nCommand: {command}" + (f" --busy {args.busy}" if args.busy else ""))


if __name__ == "__main__":
    main()
