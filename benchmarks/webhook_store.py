"""Time per delivery of the webhook receiver's in-memory idempotency store, by keys held.

Each delivery is what the receiver does for one element: claim its key, then record it done.
The store holds N keys from earlier deliveries (a day of traffic). A store that scans its keys
to expire them slows down linearly with N (the old one took 32 ms per delivery at 1 M keys);
this one queues expiries in due order, so the time per delivery is flat. The store keeps at
most ``max_keys`` (100,000 by default): the sizes are measured with the cap above them, and
the largest once more at the default cap, where every new key drops the least recently used.

Each store size is measured in every round (every other round in reverse order, so a change of
the machine's load weighs on each size alike); the table gives the median and range over the
rounds, and the ratio to the smallest size is taken round by round.

    python benchmarks/webhook_store.py [--keys 1000 100000 1000000] [--deliveries 20000]
                                       [--rounds 3]
    python benchmarks/webhook_store.py --quick   # what scripts/test.sh runs: 1,000 and 10,000
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _support import header, load_average, spread

from actionnetwork_async.webhooks import DEFAULT_MAX_KEYS, Claim, MemoryIdempotencyStore


async def per_delivery(keys: int, deliveries: int, max_keys: int | None = None) -> float:
    """Microseconds per delivery with ``keys`` keys arriving over a day, expiring as the clock
    moves: all held (``max_keys`` above them), or at most ``max_keys``, the least recently used
    dropped as each new one comes."""
    now = 0.0
    cap = max_keys or 2 * keys + deliveries
    store = MemoryIdempotencyStore(ttl=24 * 3600, clock=lambda: now, max_keys=cap)
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
    assert len(store) <= min(keys + 1, cap)
    return elapsed / deliveries * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds, interleaved")
    parser.add_argument("--quick", action="store_true", help="a smoke run, for CI")
    args = parser.parse_args()
    if args.quick:
        args.keys, args.deliveries, args.rounds = [1_000, 10_000], 2_000, 1
    header("The webhook receiver's idempotency store", args.quick)
    before = load_average()
    # the sizes held, then the largest arriving at the default cap: each new key drops one
    cases: list[tuple[str, int, int | None]] = [(f"{k:,}", k, None) for k in args.keys]
    largest = max(args.keys)
    if largest > DEFAULT_MAX_KEYS:
        label = f"{DEFAULT_MAX_KEYS:,} of {largest:,} (default max_keys: one dropped per key)"
        cases.append((label, largest, DEFAULT_MAX_KEYS))
    micros: dict[str, list[float]] = {label: [] for label, _, _ in cases}
    for number in range(args.rounds):
        for label, keys, cap in cases if number % 2 == 0 else cases[::-1]:
            micros[label].append(await per_delivery(keys, args.deliveries, cap))
    smallest = micros[cases[0][0]]
    print(f"{args.rounds} round(s), {args.deliveries:,} deliveries each; median (range)\n")
    print("| keys held | µs per delivery | deliveries/s | vs the smallest |")
    print("| --- | --- | --- | --- |")
    for label, times in micros.items():
        rates = [1e6 / t for t in times]
        ratios = [t / s for t, s in zip(times, smallest, strict=True)]
        print(
            f"| {label} | {spread(times, '.1f')} | {spread(rates, ',.0f')} "
            f"| {spread(ratios, '.2f', 'x')} |"
        )
    print(f"\nLoad average (1, 5, 15 min): {before} before, {load_average()} after")


if __name__ == "__main__":
    asyncio.run(main())
