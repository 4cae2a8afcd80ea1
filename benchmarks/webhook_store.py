"""Time per delivery of the webhook receiver's in-memory idempotency store, by keys held.

Each delivery is what the receiver does for one element: claim its key, then record it done.
The store holds N keys from earlier deliveries (a day of traffic). A store that scans its keys
to expire them slows down linearly with N (the old one took 32 ms per delivery at 1 M keys);
this one queues expiries in due order, so the time per delivery is flat.

    python benchmarks/webhook_store.py [--keys 1000 100000 1000000] [--deliveries 20000]
    python benchmarks/webhook_store.py --quick   # what scripts/test.sh runs: 1,000 and 10,000
"""

from __future__ import annotations

import argparse
import asyncio
import time

from actionnetwork_async.webhooks import Claim, MemoryIdempotencyStore


async def per_delivery(keys: int, deliveries: int) -> float:
    """Microseconds per delivery with ``keys`` live keys, expiring as the clock moves."""
    now = 0.0
    store = MemoryIdempotencyStore(ttl=24 * 3600, clock=lambda: now)
    step = 24 * 3600 / keys  # the held keys arrived evenly over the last day
    for n in range(keys):
        now = n * step
        await store.claim(f"old-{n}", owner="o", lease=330)
        await store.complete(f"old-{n}", owner="o")
    started = time.perf_counter()
    for n in range(deliveries):
        now += step  # time moves on: one old key falls due per new one
        assert await store.claim(f"new-{n}", owner="o", lease=330) is Claim.CLAIMED
        await store.complete(f"new-{n}", owner="o")
    elapsed = time.perf_counter() - started
    assert len(store) <= keys + 1
    return elapsed / deliveries * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="a smoke run, for CI")
    args = parser.parse_args()
    if args.quick:
        args.keys, args.deliveries = [1_000, 10_000], 2_000
    print("| keys held | µs per delivery | deliveries/s | vs the smallest |")
    print("| --- | --- | --- | --- |")
    first: float | None = None
    for keys in args.keys:
        micros = await per_delivery(keys, args.deliveries)
        first = first or micros
        print(f"| {keys:,} | {micros:.1f} | {1e6 / micros:,.0f} | {micros / first:.2f}x |")


if __name__ == "__main__":
    asyncio.run(main())
