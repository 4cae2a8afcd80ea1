"""Scenario 4, speed: what the client costs per record with every limit off.

One server (the emulator in a child process, no rate limit, no latency) and, in this one
process and one run, each client streams every person, several times, interleaved:

* typed: ``an.people.list()`` (``Person`` models), this library's everyday call, with the
  default prefetch and with ``prefetch=1`` (one page at a time);
* typed through the blocking client (``actionnetwork_async.sync``: the async client on a loop
  in a thread of this process, whose CPU ``time.process_time`` counts too);
* raw HAL: ``an.hal.iterate("people")`` (HAL resources);
* plain JSON: a hand-written aiohttp + ``json`` loop that only decodes pages (the floor);
* Parsons' ``get_people()`` (the ``bench`` extra), which builds a petl Table;
* typed again with OpenTelemetry (the ``otel`` extra) not importable, and with the SDK
  recording every span and metric: the first shows that the instrumentation costs nothing
  when it is off (``typed`` above runs with the API installed and no provider set), the
  second what it costs when it is on.

Each round runs every client twice: once in order, then in reverse order, so a machine that
gets busier or quieter during the round weighs on each client alike (and on the two clients a
target compares, which run side by side). A client's figure for the round is its two runs
together. Reported: records per second (wall) and CPU milliseconds per 1,000 records of this
process (``time.process_time``, every thread; the server's CPU is its own), median and range
(min-max) over the rounds after one warm-up round, and the ratio to the plain loop of the same
round.
No tracing: memory is ``memory.py``'s job. The targets, each met only when it holds in every
round: typed streaming at most 2x the plain loop's CPU; the default prefetch within 5% of
``prefetch=1``; the blocking client within 1.25x the async client.

    python benchmarks/client_cost.py [--quick] [--people 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from collections.abc import Callable
from functools import partial

from _support import (
    Run,
    Server,
    aiohttp_loop,
    header,
    load_average,
    ours_blocking,
    ours_raw,
    ours_typed,
    parsons_installed,
    parsons_people,
    peer_version,
    spread,
    table,
    timed,
)

from actionnetwork_async.testing import Seed

TARGET = 2.0  # typed streaming: at most this many times the plain loop's CPU
PREFETCH_TARGET = 0.05  # the default prefetch: at most this much more CPU than prefetch=1
BLOCKING_TARGET = 1.25  # the blocking client: at most this many times the async client's CPU
PLAIN = "plain JSON (aiohttp + json)"
RAW = "actionnetwork-async, raw HAL"
TYPED = "actionnetwork-async, typed"
ONE_PAGE = "actionnetwork-async, typed, prefetch=1"
BLOCKING = "actionnetwork-async, typed, blocking client"
OFF = "actionnetwork-async, typed, OpenTelemetry absent"
ON = "actionnetwork-async, typed, OpenTelemetry SDK recording"


def otel_installed() -> bool:
    return importlib.util.find_spec("opentelemetry.sdk") is not None


def typed_without_otel(base_url: str, api_key: str) -> int:
    """Typed streaming in a process where ``import opentelemetry`` fails, as without the extra."""
    saved = {
        name: module
        for name, module in sys.modules.items()
        if name == "opentelemetry" or name.startswith("opentelemetry.")
    }
    for name in saved:
        del sys.modules[name]
    sys.modules["opentelemetry"] = None  # type: ignore[assignment]  # makes the import fail
    try:
        return ours_typed(base_url, api_key, rate_limit=None)
    finally:
        del sys.modules["opentelemetry"]
        sys.modules.update(saved)


def typed_with_otel(base_url: str, api_key: str) -> int:
    """Typed streaming with SDK providers recording every span (in memory) and metric."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from actionnetwork_async import _telemetry

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    reader = InMemoryMetricReader()
    _telemetry.set_providers(tracer_provider, MeterProvider(metric_readers=[reader]))
    try:
        return ours_typed(base_url, api_key, rate_limit=None)
    finally:
        _telemetry.set_providers()
        reader.get_metrics_data()


def together(runs: list[Run]) -> Run:
    """A client's runs of one round as one: records, wall and CPU time summed, the first error."""
    return Run(
        runs[0].client,
        items=sum(r.items for r in runs),
        elapsed=sum(r.elapsed for r in runs),
        cpu=sum(r.cpu for r in runs),
        error=next((r.error for r in runs if r.error is not None), None),
    )


def cpu_per_k(run: Run) -> float:
    """CPU milliseconds per 1,000 records of one run."""
    return run.cpu / run.items * 1000 * 1000


def verdict(ratios: list[float], limit: float) -> str:
    """MET when every round's ratio is within ``limit``, else in how many rounds it held."""
    held = sum(1 for r in ratios if r <= limit)
    return "MET" if held == len(ratios) else f"held in {held} of {len(ratios)} rounds"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.people, args.rounds = 1_000, 1
    clients: list[tuple[str, Callable[[str, str], int] | None]] = [
        # the pairs a target compares run next to each other: plain and typed, typed and
        # prefetch=1, typed and blocking
        (PLAIN, partial(aiohttp_loop, pause=0.0)),
        (TYPED, partial(ours_typed, rate_limit=None)),
        (ONE_PAGE, partial(ours_typed, rate_limit=None, prefetch=1)),
        (BLOCKING, partial(ours_blocking, rate_limit=None)),
        (RAW, partial(ours_raw, rate_limit=None)),
        (
            f"Parsons {peer_version('parsons') or ''}".strip(),
            parsons_people if parsons_installed() else None,
        ),
        (OFF, typed_without_otel if otel_installed() else None),
        (ON, typed_with_otel if otel_installed() else None),
    ]
    header("Client cost with limits off", args.quick)
    print(
        f"{args.people:,} people (25 per page), {args.rounds} round(s) after a warm-up, "
        "each client twice a round (in order, then reversed); server in a child process, "
        "no rate limit, no latency\n",
        flush=True,
    )
    load_before = load_average()
    runs: dict[str, list[Run]] = {name: [] for name, _ in clients}
    with Server(seed=Seed(people=args.people), rate_limit=None) as server:
        for round_ in range(args.rounds + 1):
            this: dict[str, list[Run]] = {name: [] for name, _ in clients}
            # round 0 warms up (imports, generated readers, the server) with one pass; then
            # in order and in reverse: the round's middle is the same for every client
            for name, client in [*clients, *clients[::-1]] if round_ else clients:
                if client is not None:
                    run = timed(partial(client, server.base_url, server.api_key), Run(name))
                    this[name].append(run)
            for name, done in this.items():
                if round_ and done:
                    runs[name].append(together(done))
    load_after = load_average()
    cpu = {
        name: [cpu_per_k(r) for r in rs]
        for name, rs in runs.items()
        if rs and all(r.error is None and r.items == 2 * args.people for r in rs)
    }

    def ratios(name: str, base: str) -> list[float] | None:
        """Per round, ``name``'s CPU over ``base``'s (None unless both ran every round)."""
        if name not in cpu or base not in cpu:
            return None
        return [a / b for a, b in zip(cpu[name], cpu[base], strict=True)]

    rows = []
    for name, client in clients:
        if client is None:
            rows.append([name, "not installed", "", "", ""])
            continue
        done = runs[name]
        if name not in cpu:
            errors = {r.error or f"{r.items} records" for r in done}
            rows.append([name, f"failed: {', '.join(sorted(errors))}", "", "", ""])
            continue
        speed = statistics.median(r.items / r.elapsed for r in done)
        against = ratios(name, PLAIN)
        rows.append(
            [
                name,
                "ok",
                f"{speed:,.0f}",
                spread(cpu[name]),
                spread(against, ".2f", "x") if against else "n/a",
            ]
        )
    print(
        table(
            [
                "client",
                "outcome",
                "records/s (median)",
                "CPU ms per 1,000 records, median (range)",
                "CPU vs plain JSON, median (range)",
            ],
            rows,
        )
    )
    print(f"\nLoad average (1, 5, 15 min): {load_before} before, {load_after} after")
    typed = ratios(TYPED, PLAIN)
    if typed:
        print(
            f"Target, typed streaming at most {TARGET:g}x the plain loop's CPU: "
            f"{verdict(typed, TARGET)} ({spread(typed, '.2f', 'x')})"
        )
    prefetch = ratios(TYPED, ONE_PAGE)
    if prefetch:
        print(
            f"Target, the default prefetch at most {PREFETCH_TARGET:.0%} more CPU than "
            f"prefetch=1: {verdict(prefetch, 1 + PREFETCH_TARGET)} "
            f"({spread([(r - 1) * 100 for r in prefetch], '+.1f', '%')})"
        )
    blocking = ratios(BLOCKING, TYPED)
    if blocking:
        print(
            f"Target, the blocking client at most {BLOCKING_TARGET:g}x the async client's "
            f"CPU: {verdict(blocking, BLOCKING_TARGET)} ({spread(blocking, '.2f', 'x')})"
        )
    if TYPED in cpu and OFF in cpu and ON in cpu:
        typed_cpu, off, on = (statistics.median(cpu[n]) for n in (TYPED, OFF, ON))
        print(
            f"OpenTelemetry: installed but not set up {typed_cpu / off - 1:+.1%} CPU "
            f"against not installed (noise: the code path is the same after the first "
            f"request); recording {on / typed_cpu - 1:+.1%}"
        )


if __name__ == "__main__":
    main()
