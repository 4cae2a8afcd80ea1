"""Start-up: how long a fresh process takes to import the library, and a command to send its first
request, beside ``python -c "import aiohttp"`` on the same machine at the same moment.

Each row runs in a fresh child process, and each figure is the child's wall time from its start
to its exit. Every round runs every row three times (``--repeat``), the rows one after another
and every other round in reverse order (interleaved, so a machine whose load changes weighs on
each row alike); a row's figure for the round is the median of its three runs, so one child
the machine held up for a moment does not decide a round alone. A command's "first
request" is read from the server's log instead: the emulator runs in a child process
(``_support.Server``) on the same monotonic clock, so the time is from the command's process
start to the moment the emulator received its first request. The table gives the median and
range over the rounds and the median of the per-round ratios to ``import aiohttp``. A target
is MET only when it holds in every round:

* ``from actionnetwork_async import ActionNetwork`` within 1.25x ``import aiohttp``;
* ``actionnetwork --help`` within 0.6x ``import aiohttp``;
* ``actionnetwork get people ID`` sends its first request within 0.25 s plus ``import aiohttp``.

Every child finds its modules' bytecode already compiled, as after ``pip install`` (which
compiles it) or a program's first run: the children write and read it in a scratch
``PYTHONPYCACHEPREFIX``, filled by one uncounted warm-up round, so aiohttp and the library
start alike even where ``PYTHONDONTWRITEBYTECODE`` is set or the package is an editable
checkout with no ``__pycache__`` (compiling its modules from source takes 30-60 ms a start).

With ``--export 1000 2000``, also the share of the limit a whole short command uses, start-up
included: ``actionnetwork export people`` of that many people from an emulator enforcing 4
requests/s with 30 ms of arrival jitter, three runs each sharing one entry-point cache (the
first run reads the entry point, the others take it from the cache, and the limiter's last
second from the run before), each run's requests (the server's log) over its process's wall
time x 4, and all the runs' together over their summed wall times.

    python benchmarks/startup.py [--quick] [--rounds 10] [--repeat 3] [--export 1000 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _support import LIMIT, TOKEN_HEADER, Server, header, table

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV
from actionnetwork_async.testing import Seed, Timing

PYTHON = sys.executable
#: The console script beside the interpreter (what a user runs), else ``python -m``.
SCRIPT = Path(PYTHON).with_name("actionnetwork")
CLI = [str(SCRIPT)] if SCRIPT.exists() else [PYTHON, "-m", "actionnetwork_async"]
BASELINE = "import aiohttp"


@dataclass
class Row:
    """One thing measured: its label, and the seconds it took in each round."""

    label: str
    run: Callable[[], float]
    times: list[float] = field(default_factory=list)


def wall(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Seconds from the start of a child process running ``argv`` to its exit."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def python(code: str) -> Callable[[], float]:
    return lambda: wall([PYTHON, "-c", code])


def first_request(server: Server, argv: Sequence[str]) -> Callable[[], float]:
    """Seconds from the start of the command's process to the server's first request from it."""
    env = {**os.environ, API_KEY_ENV: server.api_key, BASE_URL_ENV: server.base_url}

    def run() -> float:
        seen = len(server.log())
        started = time.monotonic()
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
        hits = server.log()[seen:]
        if not hits:
            raise RuntimeError(f"{' '.join(argv)} sent no request")
        return hits[0].start - started

    return run


def a_person(server: Server) -> str:
    """The id of a person of the server's group (read with urllib: no client in this process)."""
    request = urllib.request.Request(
        server.base_url + "people?per_page=1", headers={TOKEN_HEADER: server.api_key}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        person = json.load(answer)["_embedded"]["osdi:people"][0]
    return str(person["identifiers"][0]).removeprefix("action_network:")


def export_share(people: int, runs: int = 3) -> list[tuple[str, ...]]:
    """Rows of ``actionnetwork export people`` runs: requests, wall time, share of the limit."""
    rows: list[tuple[str, ...]] = []
    timing = Timing(arrival_jitter=0.03)
    with (
        Server(seed=Seed(people=people), rate_limit=LIMIT, timing=timing) as server,
        tempfile.TemporaryDirectory() as scratch,
    ):
        env = {
            **os.environ,
            API_KEY_ENV: server.api_key,
            BASE_URL_ENV: server.base_url,
            "XDG_CACHE_HOME": scratch,  # one entry-point cache for the runs, fresh at first
        }
        output = str(Path(scratch) / "people.jsonl")
        total, spent, refused = 0, 0.0, 0
        for number in range(runs):
            seen = len(server.log())
            elapsed = wall([*CLI, "export", "people", "-o", output], env=env)
            hits = server.log()[seen:]
            total, spent = total + len(hits), spent + elapsed
            refused += sum(1 for h in hits if h.status == 429)
            rows.append(
                (
                    f"{people:,}",
                    f"{number + 1}{' (entry point read)' if number == 0 else ' (cached)'}",
                    str(len(hits)),
                    str(sum(1 for h in hits if h.status == 429)),
                    f"{elapsed:.2f} s",
                    f"{len(hits) / (elapsed * LIMIT):.1%}",
                )
            )
        share = f"{total / (spent * LIMIT):.1%}"
        rows.append(
            (f"{people:,}", "all, back to back", str(total), str(refused), f"{spent:.2f} s", share)
        )
    return rows


def verdict(name: str, held: Sequence[bool]) -> str:
    """MET when the target held in every round, else in how many it held."""
    if all(held):
        return f"- {name}: **MET** (in all {len(held)} rounds)"
    return f"- {name}: **NOT MET** (held in {sum(held)} of {len(held)} rounds)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run for CI")
    parser.add_argument("--rounds", type=int, default=10, help="rounds, interleaved")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row in a round")
    parser.add_argument(
        "--export", type=int, nargs="*", default=[], help="people per export, end to end"
    )
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds

    header("Start-up: imports, --help, a command's first request", args.quick)
    with tempfile.TemporaryDirectory() as bytecode:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the children's bytecode: see above
        os.environ["PYTHONPYCACHEPREFIX"] = bytecode
        measure(rounds, 1 if args.quick else args.repeat, args.export)


def measure(rounds: int, repeat: int, export: Sequence[int]) -> None:
    """Run the rounds and print the table, the verdicts and the export rows."""
    with Server(seed=Seed(people=100), rate_limit=None) as server:
        person = a_person(server)
        get = f"actionnetwork get people {person[:8]}..."
        rows = [
            Row(BASELINE, python(BASELINE)),
            Row("import actionnetwork_async", python("import actionnetwork_async")),
            Row(
                "from actionnetwork_async import ActionNetwork",
                python("from actionnetwork_async import ActionNetwork"),
            ),
            Row(
                "from actionnetwork_async.sync import ActionNetwork",
                python("from actionnetwork_async.sync import ActionNetwork"),
            ),
            Row("actionnetwork --help", lambda: wall([*CLI, "--help"])),
            Row(
                f"{get}: first request",
                first_request(server, [*CLI, "get", "people", person]),
            ),
        ]
        for row in rows:  # the warm-up round: compiles every module once, uncounted
            row.run()
        for number in range(rounds):
            runs: dict[str, list[float]] = {row.label: [] for row in rows}
            for _ in range(repeat):
                for row in rows if number % 2 == 0 else rows[::-1]:
                    runs[row.label].append(row.run())
            for row in rows:
                row.times.append(statistics.median(runs[row.label]))

    base = rows[0].times
    lines = []
    for row in rows:
        ratios = [t / b for t, b in zip(row.times, base, strict=True)]
        lines.append(
            (
                f"`{row.label}`",
                f"{statistics.median(row.times) * 1000:.0f} ms",
                f"{min(row.times) * 1000:.0f}-{max(row.times) * 1000:.0f} ms",
                f"{statistics.median(ratios):.2f}x",
            )
        )
    print(table(["what", "median", "range", f"ratio to `{BASELINE}`"], lines))
    print()
    client, help_, command = rows[2].times, rows[4].times, rows[5].times
    print(f"Targets, over {rounds} rounds:\n")
    print(
        verdict(
            "`from actionnetwork_async import ActionNetwork` <= 1.25x `import aiohttp`",
            [t <= 1.25 * b for t, b in zip(client, base, strict=True)],
        )
    )
    print(
        verdict(
            "`actionnetwork --help` <= 0.6x `import aiohttp`",
            [t <= 0.6 * b for t, b in zip(help_, base, strict=True)],
        )
    )
    print(
        verdict(
            "a command's first request <= 0.25 s + `import aiohttp`",
            [t <= 0.25 + b for t, b in zip(command, base, strict=True)],
        )
    )
    if export:
        print("\n### A whole export, start-up included\n")
        shares = [line for people in export for line in export_share(people)]
        headers = ["people", "run", "requests", "429s", "wall (process)", "share of 4/s"]
        print(table(headers, shares))


if __name__ == "__main__":
    main()
