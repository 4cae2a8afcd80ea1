"""People with their tags: the tag index against a lookup per person, at 4 requests per second.

Builds ``an.tags.index()`` against the emulator in a child process (4 requests/s enforced as a
sliding window, fixed latency per request) and prints its requests (as the server logged
them), its time and its rate against the 4/s limit. Then counts, against a second server with
the limit off, what the same answer costs one person at a time (``an.people.tag_names(id)`` for
each, tag names remembered by the client), and prints the time that many requests take at
4/s. Checks that both give the same answer.

    python benchmarks/tag_index.py [--quick] [--people 10000] [--taggings 12000] [--tags 40]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import Counter

from _support import LIMIT, Server, fmt_rate, header, max_in_window, steady_rate, table

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Seed, Timing


async def index(base_url: str, api_key: str) -> tuple[dict[str, list[str]], float]:
    async with ActionNetwork(api_key, base_url=base_url) as an:
        started = time.perf_counter()
        found = await an.tags.index()
        return found, time.perf_counter() - started


async def one_by_one(base_url: str, api_key: str) -> tuple[dict[str, list[str]], int]:
    async with ActionNetwork(api_key, base_url=base_url, rate_limit=None) as an:
        people = [p.id async for p in an.people.list() if p.id]
        before = an.stats.attempts
        found = {key: names for key in people if (names := await an.people.tag_names(key))}
        return found, an.stats.attempts - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--taggings", type=int, default=12_000)
    parser.add_argument("--tags", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    args = parser.parse_args()
    if args.quick:
        args.people, args.taggings, args.tags, args.latency = 150, 200, 5, 0.05
    seed = {"people": args.people, "tags": args.tags, "taggings": args.taggings}
    header("People with their tags: the tag index", args.quick)
    with Server(seed=Seed(**seed), timing=Timing(latency=args.latency), rate_limit=LIMIT) as server:
        by_tags, elapsed = asyncio.run(index(server.base_url, server.api_key))
        hits = server.log()
    per_tag = Counter(name for names in by_tags.values() for name in names)
    counts = [*per_tag.values(), *[0] * (args.tags - len(per_tag))]  # tags nobody carries
    promised = 1 + math.ceil(args.tags / 25) + sum(max(1, math.ceil(n / 25)) for n in counts)
    starts = [h.start for h in hits]
    limited = sum(1 for h in hits if h.status == 429)
    with Server(seed=Seed(**seed), rate_limit=None) as server:
        by_person, requests = asyncio.run(one_by_one(server.base_url, server.api_key))
    assert by_person == by_tags, "the index and the per-person lookups disagree"
    print(
        table(
            ["way", "people", "taggings", "tags", "requests (server)", "time", "rate (of 4/s)"],
            [
                [
                    "`tags.index()`",
                    args.people,
                    sum(counts),
                    args.tags,
                    f"{len(hits)} (promised {promised}; 429s {limited})",
                    f"{elapsed:.1f} s measured",
                    f"{fmt_rate(len(hits) / elapsed)} overall, "
                    f"{fmt_rate(steady_rate(starts))} steady; max in any 1 s "
                    f"{max_in_window(starts)}",
                ],
                [
                    "`people.tag_names(id)` each",
                    args.people,
                    sum(counts),
                    args.tags,
                    requests,
                    f"{requests / LIMIT / 60:.1f} min at 4/s (computed)",
                    "-",
                ],
            ],
        )
    )
    print(f"\none lookup per person / the index: {requests / len(hits):.1f}x the requests")


if __name__ == "__main__":
    main()
