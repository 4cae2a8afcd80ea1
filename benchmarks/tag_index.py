"""People with their tags: the tag index against a lookup per person, at 4 requests per second.

Builds ``an.tags.index()`` on the emulator (4 requests/s enforced, fixed latency per request)
and prints its requests, its time, and its rate against the 4/s limit. Then counts, with the
limit off, what the same answer costs one person at a time (``an.people.tags(id)`` for each),
and prints the time that many requests take at 4/s. Real time for the index.

    python benchmarks/tag_index.py [--people 10000] [--taggings 12000] [--tags 40]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Emulator

LIMIT = 4.0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--taggings", type=int, default=12_000)
    parser.add_argument("--tags", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    seed = {"people": args.people, "tags": args.tags, "taggings": args.taggings}
    async with Emulator(**seed, rate_limit=LIMIT, latency=args.latency) as emu:
        async with ActionNetwork(emu.api_key, base_url=emu.base_url) as an:
            started = time.perf_counter()
            index = await an.tags.index()
            elapsed = time.perf_counter() - started
        per_tag = [len(emu.state.owned("taggings", "tags", tag)) for tag in emu.ids("tags")]
        promised = (
            1 + math.ceil(len(per_tag) / 25) + sum(max(1, math.ceil(n / 25)) for n in per_tag)
        )
        requests = len(emu.log)
        rate = requests / elapsed
        print("| way | people | taggings | tags | requests | time | requests/s (of 4/s) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print(
            f"| `tags.index()` | {args.people} | {sum(per_tag)} | {len(per_tag)} | {requests} "
            f"(promised {promised}) | {elapsed:.1f} s measured | {rate:.2f} ({rate / LIMIT:.0%}); "
            f"max in any 1 s (server) {emu.max_in_window(1.0)}, 429s {emu.count(status=429)} |",
            flush=True,
        )
    async with Emulator(**seed, rate_limit=None) as emu:
        async with ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an:
            one_by_one = {}
            for key in emu.ids("people"):
                if names := await an.people.tags(key):
                    one_by_one[key] = names
        requests = len(emu.log)
        print(
            f"| `people.tags(id)` each | {args.people} | {args.taggings} | {args.tags} | "
            f"{requests} | {requests / LIMIT / 60:.0f} min at 4/s (computed) | - |"
        )
    assert one_by_one == index, "the index and the per-person lookups disagree"


if __name__ == "__main__":
    asyncio.run(main())
