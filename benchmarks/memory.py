"""Scenario 4, memory: the client's peak while reading every person, for us and for Parsons.

Each client reads the whole people collection from its own server (the emulator in a child
process, no rate limit, so its data is not counted) with ``tracemalloc`` on, and the peak of
memory allocated during the read is reported, for growing collections. A streaming client
keeps a flat peak; one that collects every record grows with the collection. Tracing slows
Python several times over, so no speed is reported here: that is ``client_cost.py``'s job.

    python benchmarks/memory.py [--quick] [--people 10000 100000] [--prefetch 8]
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections.abc import Callable
from functools import partial

from _support import (
    Run,
    Server,
    header,
    ours_typed,
    parsons_installed,
    parsons_people,
    peer_version,
    table,
    timed,
)

from actionnetwork_async.testing import Seed
from actionnetwork_async.walker import DEFAULT_PREFETCH


def traced_peak(client: Callable[[], int], run: Run) -> float:
    """MiB allocated at the peak of ``client()``, over what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    timed(client, run)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--prefetch", type=int, default=DEFAULT_PREFETCH)
    args = parser.parse_args()
    if args.quick:
        args.people = [500, 2_000]
    clients: list[tuple[str, Callable[[str, str], int] | None]] = [
        (
            f"actionnetwork-async, typed, prefetch={args.prefetch}",
            partial(ours_typed, rate_limit=None, prefetch=args.prefetch),
        ),
        (
            f"Parsons {peer_version('parsons')}" if parsons_installed() else "Parsons",
            parsons_people if parsons_installed() else None,
        ),
    ]
    header("Client memory while reading every person (tracemalloc)", args.quick)
    print("25 people per page; each client against its own server in a child process\n")
    peaks: dict[str, list[float]] = {}
    rows = []
    for people in args.people:
        for name, client in clients:
            if client is None:
                rows.append([f"{people:,}", name, "not installed", ""])
                continue
            with Server(seed=Seed(people=people), rate_limit=None) as server:
                run = Run(name)
                peak = traced_peak(partial(client, server.base_url, server.api_key), run)
            outcome = run.outcome(people)
            rows.append([f"{people:,}", name, outcome, f"{peak:.1f}"])
            if outcome == "ok":
                peaks.setdefault(name, []).append(peak)
            print(f"  {people:,} people, {name}: {outcome}", flush=True)
    print()
    print(table(["people", "client", "outcome", "client peak during the read (MiB)"], rows))
    growth = len(args.people) > 1 and args.people[-1] / args.people[0]
    for name, values in peaks.items():
        if growth and len(values) == len(args.people) and values[0] > 0:
            print(f"\n{name}: {values[-1] / values[0]:.1f}x the peak for {growth:g}x the people")


if __name__ == "__main__":
    main()
