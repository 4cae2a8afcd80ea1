"""Scenarios 1 and 3: stream 50+ pages of people at the 4 requests/s limit, us and the peers.

Each client streams the people collection from its own server (the emulator, in a child
process: it counts 4 requests in any sliding second and answers 429 above it). The server
answers page N after ``latency + growth * N`` seconds (deep pages are slower, as the API's
documentation warns) and counts each request up to ``jitter`` seconds late, as a real
network's varying delay does. Figures come from the server's log:

* elapsed: the client's wall time, from its first call to its last record (or its crash);
* achieved: the rate a sliding window sees, 4 / the mean time that 4 consecutive arrivals
  span, over the whole run, on the server's clock; and its ratio to 4/s. (Requests divided by
  elapsed time would flatter a client that starts 4 at once);
* steady: the same from the 3rd request on, once the client can know page 2 exists (for us,
  the entry point and page 1 come first);
* 429s and the most requests the server counted in any sliding second.

Peers: Parsons' ActionNetwork connector (the ``bench`` extra) and a hand-written aiohttp loop
that sleeps 1/4 s between requests. With the bench extra installed and without ``--quick``,
a PNG plot of requests over time is written (``--plot``).

Every case runs ``--rounds`` times (default 3), the rounds interleaved; the table gives
medians and, for the rates, their range over the rounds. Latency is fixed (growth 0) and
growing (10 ms per page) by default, side by side: a peer that reads one page after another
does better at a fixed latency. The target holds only if it holds in every run.

    python benchmarks/saturation.py [--quick] [--pages 50] [--latency 0 0.25 0.5 1.0]
        [--growth 0 0.01] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _support import (
    LIMIT,
    PER_PAGE,
    Run,
    Server,
    aiohttp_loop,
    fmt_rate,
    header,
    max_in_window,
    ours_typed,
    parsons_installed,
    parsons_people,
    peer_version,
    steady_rate,
    table,
    timed,
)

from actionnetwork_async.testing import Seed, Timing

DEFAULT_PLOT = Path(__file__).parent.parent / "docs" / "benchmarks-requests.png"
Client = Callable[[str, str], int]


def clients(latency: float, *, extra_prefetch: bool) -> list[tuple[str, Client | None]]:
    """Who runs at this latency; None marks a peer that is not installed."""
    parsons = peer_version("parsons")
    chosen: list[tuple[str, Client | None]] = [("actionnetwork-async", ours_typed)]
    if extra_prefetch:  # what the default was before deep pages were measured
        chosen.append(("actionnetwork-async, prefetch=5", partial(ours_typed, prefetch=5)))
    chosen.append(("aiohttp loop, sleep 0.25 s", aiohttp_loop))
    chosen.append(
        (f"Parsons {parsons}", parsons_people)
        if parsons_installed()
        else ("Parsons", None)  # not installed: the bench extra brings it
    )
    return chosen


def one_run(name: str, client: Client, options: dict[str, object]) -> Run:
    with Server(**options) as server:
        run = timed(lambda: client(server.base_url, server.api_key), Run(name))
        run.hits = server.log()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    parser.add_argument("--pages", type=int, default=50, help="full pages of people")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.25, 0.5, 1.0])
    parser.add_argument(
        "--growth",
        type=float,
        nargs="+",
        default=[0.0, 0.01],
        help="extra seconds per page; 0 is a fixed latency (rows for each value)",
    )
    parser.add_argument("--jitter", type=float, default=0.03, help="arrival jitter, seconds")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each case, interleaved")
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT, help="PNG to write")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.latency, args.growth, args.rounds = 5, [0.0, 0.25], [0.01], 1
    people = args.pages * PER_PAGE
    header("Saturation: us and the peers against the 4/s limit", args.quick)
    print(
        f"{people:,} people ({args.pages} full pages + the empty page that ends the "
        f"collection); page N takes latency + growth x N, growth "
        f"{' and '.join(f'{g:g} s' for g in args.growth)}; arrival jitter "
        f"0-{args.jitter * 1000:.0f} ms; server in a child process; {args.rounds} round(s), "
        "interleaved: medians [ranges]\n",
        flush=True,
    )
    cases = [(growth, latency) for growth in args.growth for latency in args.latency]
    results: dict[tuple[float, float, str], list[Run]] = {}
    for round_ in range(1, args.rounds + 1):
        for growth, latency in cases:
            options = {
                "seed": Seed(people=people),
                "timing": Timing(latency=latency, page_latency=growth, arrival_jitter=args.jitter),
                "rate_limit": LIMIT,
            }
            extra = latency >= 1.0 and not args.quick
            for name, client in clients(latency, extra_prefetch=extra):
                if client is None:
                    continue
                run = one_run(name, client, options)
                results.setdefault((growth, latency, name), []).append(run)
                print(
                    f"  round {round_}, {latency:g} s + {growth:g} s/page, {name}: "
                    f"{run.outcome(people)}",
                    flush=True,
                )
    rows: list[list[object]] = []
    for growth, latency in cases:
        where = f"{latency:g} -> {latency + growth * (args.pages + 1):.2f}"
        for name, client in clients(latency, extra_prefetch=latency >= 1.0 and not args.quick):
            if client is None:
                rows.append([where, name, "not installed", "", "", "", "", "", ""])
                continue
            rows.append([where, name, *summary(results[growth, latency, name], people)])
    print()
    print(
        table(
            [
                "latency s (page 1 -> last)",
                "client",
                "outcome",
                "requests",
                "elapsed s",
                "achieved, server (of 4/s)",
                "steady, server (of 4/s)",
                "429s (all rounds)",
                "max in any 1 s (server)",
            ],
            rows,
        )
    )
    ours = [r for (_, _, name), rs in results.items() if name == "actionnetwork-async" for r in rs]
    report_target(ours, args.jitter)
    if not args.quick:
        growth = max(args.growth)  # the first round of the slowest-growing case
        first = {
            latency: [rs[0] for (g, lat, _), rs in results.items() if (g, lat) == (growth, latency)]
            for latency in args.latency
        }
        title = (
            f"Streaming {args.pages} pages of people against a 4/s sliding window, "
            f"{args.jitter * 1000:.0f} ms of arrival jitter (x: a 429)"
        )
        plot(first, args.plot, title, growth)


def summary(runs: list[Run], people: int) -> list[object]:
    """One row's figures over its rounds: medians, ranges of the rates, totals of 429s."""
    outcomes = [run.outcome(people) for run in runs]
    if len(set(outcomes)) == 1:
        outcome = outcomes[0] + (f" ({len(runs)} of {len(runs)})" if len(runs) > 1 else "")
    else:
        outcome = "; ".join(f"{o} ({outcomes.count(o)} of {len(runs)})" for o in set(outcomes))
    ok = [run for run in runs if run.error is None]
    achieved = [r for run in ok if (r := steady_rate([h.start for h in run.hits])) is not None]
    steady = [r for run in ok if (r := steady_rate([h.start for h in run.hits][2:])) is not None]
    return [
        outcome,
        f"{statistics.median(run.requests for run in runs):g}",
        f"{statistics.median(run.elapsed for run in runs):.1f}",
        spread(achieved),
        spread(steady),
        sum(run.rate_limited for run in runs),
        max(max_in_window([h.start for h in run.hits]) for run in runs),
    ]


def spread(rates: list[float]) -> str:
    """The median rate and, over several rounds, the range of its share of the limit."""
    if not rates:
        return fmt_rate(None)
    text = fmt_rate(statistics.median(rates))
    if len(rates) > 1:
        text += f" [{min(rates) / LIMIT:.0%}-{max(rates) / LIMIT:.0%}]"
    return text


def report_target(ours: list[Run], jitter: float) -> None:
    """Zero 429s at >= 0.95 of the limit under the jitter: met or missed, with the numbers."""
    if not ours:
        return
    steady = [steady_rate([h.start for h in r.hits][2:]) or 0.0 for r in ours]
    limited = sum(r.rate_limited for r in ours)
    met = limited == 0 and all(r.error is None for r in ours) and min(steady) >= 0.95 * LIMIT
    print(
        f"\nTarget, zero 429s at >= 95% of the limit under {jitter * 1000:.0f} ms of jitter: "
        f"{'MET in every run' if met else 'MISSED'} ({limited} 429s in {len(ours)} runs; "
        "steady rate "
        f"{min(steady):.2f}-{max(steady):.2f}/s = {min(steady) / LIMIT:.0%}-"
        f"{max(steady) / LIMIT:.0%} of the limit)"
    )


def plot(runs: dict[float, list[Run]], path: Path, title: str, growth: float) -> None:
    """Requests over time, one panel per latency, a line per client (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(no plot: matplotlib is in the bench extra)")
        return
    columns = 2 if len(runs) > 1 else 1
    rows = -(-len(runs) // columns)
    fig, grid = plt.subplots(rows, columns, figsize=(6 * columns, 4 * rows), squeeze=False)
    names = sorted({run.client for group in runs.values() for run in group})
    colours = {name: f"C{n}" for n, name in enumerate(names)}
    for ax, (latency, group) in zip(grid.flat, runs.items(), strict=False):
        most = max(len(run.hits) for run in group)
        for run in group:
            times = [h.start - run.started for h in run.hits]
            if not times:
                continue
            label = run.client + (" (crashed)" if run.error else "")
            ax.step(
                times,
                range(1, len(times) + 1),
                where="post",
                label=label,
                color=colours[run.client],
            )
            refused = [
                (t, n)
                for n, (t, h) in enumerate(zip(times, run.hits, strict=True), 1)
                if h.status == 429
            ]
            if refused:
                ax.plot([t for t, _ in refused], [n for _, n in refused], "kx", markersize=9)
        ax.plot([0, most / LIMIT], [0, most], "k:", linewidth=1, label="4 requests/s")
        ax.set_title(f"page N answered after {latency:g} s + {growth * 1000:g} ms x N")
        ax.set_xlabel("seconds since the client started")
        ax.set_ylabel("requests the server received")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    for ax in list(grid.flat)[len(runs) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"\nplot written to {path}")


if __name__ == "__main__":
    main()
