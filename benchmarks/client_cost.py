"""Scenario 4, speed: what the client costs per record with every limit off.

One server (the emulator in a child process, no rate limit, no latency) and, in this one
process and one run, each client streams every person, several times, interleaved:

* typed: ``an.people.list()`` (``Person`` models), this library's everyday call;
* raw HAL: ``an.hal.iterate("people")`` (HAL resources);
* plain JSON: a hand-written aiohttp + ``json`` loop that only decodes pages (the floor);
* Parsons' ``get_people()`` (the ``bench`` extra), which builds a petl Table;
* typed again with OpenTelemetry (the ``otel`` extra) not importable, and with the SDK
  recording every span and metric: the first shows that the instrumentation costs nothing
  when it is off (``typed`` above runs with the API installed and no provider set), the
  second what it costs when it is on.

Reported: records per second (wall) and CPU milliseconds per 1,000 records of this process
(``time.process_time``; the server's CPU is its own), medians over the rounds after one
warm-up round, and the ratio to the plain loop. No tracing: memory is ``memory.py``'s job.
The target for typed streaming is at most 3x the plain loop's CPU.

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
    ours_raw,
    ours_typed,
    parsons_installed,
    parsons_people,
    peer_version,
    table,
    timed,
)

from actionnetwork_async.testing import Seed

TARGET = 3.0  # typed streaming: at most this many times the plain loop's CPU
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.people, args.rounds = 1_000, 1
    clients: list[tuple[str, Callable[[str, str], int] | None]] = [
        ("plain JSON (aiohttp + json)", partial(aiohttp_loop, pause=0.0)),
        ("actionnetwork-async, raw HAL", partial(ours_raw, rate_limit=None)),
        ("actionnetwork-async, typed", partial(ours_typed, rate_limit=None)),
        (
            f"Parsons {peer_version('parsons') or ''}".strip(),
            parsons_people if parsons_installed() else None,
        ),
        (OFF, typed_without_otel if otel_installed() else None),
        (ON, typed_with_otel if otel_installed() else None),
    ]
    header("Client cost with limits off", args.quick)
    print(
        f"{args.people:,} people (25 per page), {args.rounds} round(s) per client after a "
        "warm-up, interleaved; server in a child process, no rate limit, no latency\n",
        flush=True,
    )
    runs: dict[str, list[Run]] = {name: [] for name, _ in clients}
    with Server(seed=Seed(people=args.people), rate_limit=None) as server:
        for round_ in range(args.rounds + 1):
            for name, client in clients:
                if client is not None:
                    run = timed(partial(client, server.base_url, server.api_key), Run(name))
                    if round_:  # round 0 warms up: imports, generated hooks, the server
                        runs[name].append(run)
    cpu_per_k = {
        name: statistics.median(r.cpu / r.items * 1000 * 1000 for r in rs if r.items)
        for name, rs in runs.items()
        if rs and all(r.error is None and r.items == args.people for r in rs)
    }
    floor = cpu_per_k.get(clients[0][0])
    rows = []
    for name, client in clients:
        if client is None:
            rows.append([name, "not installed", "", "", ""])
            continue
        done = runs[name]
        if name not in cpu_per_k:
            errors = {r.error or f"{r.items} records" for r in done}
            rows.append([name, f"failed: {', '.join(sorted(errors))}", "", "", ""])
            continue
        speed = statistics.median(r.items / r.elapsed for r in done)
        ratio = f"{cpu_per_k[name] / floor:.2f}x" if floor else "n/a"
        rows.append([name, "ok", f"{speed:,.0f}", f"{cpu_per_k[name]:.1f}", ratio])
    print(
        table(
            ["client", "outcome", "records/s", "CPU ms per 1,000 records", "CPU vs plain JSON"],
            rows,
        )
    )
    typed = cpu_per_k.get(clients[2][0])
    if typed is not None and floor:
        verdict = "MET" if typed <= TARGET * floor else "MISSED"
        print(
            f"\nTarget, typed streaming at most {TARGET:g}x the plain loop's CPU: {verdict} "
            f"({typed / floor:.2f}x: {typed:.1f} vs {floor:.1f} ms per 1,000 records)"
        )
    if typed is not None and OFF in cpu_per_k and ON in cpu_per_k:
        print(
            f"OpenTelemetry: installed but not set up {typed / cpu_per_k[OFF] - 1:+.1%} CPU "
            f"against not installed (noise: the code path is the same after the first "
            f"request); recording {cpu_per_k[ON] / typed - 1:+.1%}"
        )


if __name__ == "__main__":
    main()
