"""What the benchmark scripts share: a server in a child process, the peers, the figures.

The server (the emulator: a strict sliding-window counter of 4 requests per second that answers
429 above it) runs in its own process so that its CPU and memory are not the client's, and the
client is judged by the server's log. The child's loop clock is ``time.monotonic()``, the
same clock as the parent's, so times from both sides can be compared.

Peers: Parsons' ``ActionNetwork`` connector (``pip install -e ".[bench]"``) and a hand-written
aiohttp loop. A peer that is not installed is reported as such; a peer that crashes is
reported with its error, as a result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import aiohttp

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import EmulatorProcess, serve_in_process

LIMIT = 4.0  # the API's requests per second
PER_PAGE = 25  # the API's page size for people
TOKEN_HEADER = "OSDI-API-Token"


# -- the machine ---------------------------------------------------------------------------------
def load_average() -> str:
    """The 1, 5 and 15 minute load averages (``n/a`` where the system has none)."""
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def spread(values: Sequence[float], fmt: str = ".1f", unit: str = "") -> str:
    """``median (min to max)`` of the figures of several rounds."""
    low, mid, high = (format(v, fmt) for v in (min(values), statistics.median(values), max(values)))
    return f"{mid}{unit} ({low} to {high}{unit})"


def machine() -> str:
    """One line naming what the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            names = re.findall(r"model name\s*:\s*(.*)", info.read())
            cpu = names[0] if names else cpu
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"aiohttp {metadata.version('aiohttp')}, {platform.system()}; load average {load:.2f}"
    )


def peer_version(name: str) -> str | None:
    """The installed version of a peer's distribution, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# -- the server in a child process ----------------------------------------------------------------
@dataclass
class Hit:
    """One request as the server logged it (start on the shared monotonic clock)."""

    start: float
    status: int | None
    query: str


class Server:
    """``with Server(seed=Seed(people=1250), timing=Timing(latency=0.5)) as server:`` an
    emulator in a child process (``options`` are ``Emulator``'s keywords; the library's
    ``serve_in_process``)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self._stack = contextlib.ExitStack()
        self._process: EmulatorProcess | None = None
        self.base_url = self.api_key = ""

    def __enter__(self) -> Server:
        self._process = self._stack.enter_context(serve_in_process(**self.options))
        self.base_url, self.api_key = self._process.base_url, self._process.api_key
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def log(self) -> list[Hit]:
        """Every request the server has seen so far, in order of arrival."""
        assert self._process is not None, "use the server in a with block"
        return [Hit(r.start, r.status, r.query) for r in self._process.log]


# -- figures -------------------------------------------------------------------------------------
def max_in_window(starts: Sequence[float], window: float = 1.0) -> int:
    """The most arrivals in any sliding ``window`` seconds (the emulator's own rule)."""
    ordered = sorted(starts)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while t - ordered[lo] >= window - 1e-9:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def steady_rate(starts: Sequence[float], limit: int = int(LIMIT)) -> float | None:
    """Requests per second as a sliding window counts them: ``limit`` over the mean time that
    ``limit`` consecutive arrivals span. (First-to-last averages overrate bursts.)"""
    spans = [b - a for a, b in zip(starts, starts[limit:], strict=False)]
    return limit * len(spans) / sum(spans) if spans and sum(spans) > 0 else None


@dataclass
class Run:
    """What one client did against one server."""

    client: str
    items: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    error: str | None = None
    hits: list[Hit] = field(default_factory=list)
    started: float = 0.0  # monotonic clock, for plots

    @property
    def requests(self) -> int:
        """Requests the server saw."""
        return len(self.hits)

    @property
    def rate_limited(self) -> int:
        """429s the server answered."""
        return sum(1 for h in self.hits if h.status == 429)

    def outcome(self, expected: int) -> str:
        """``ok``, a crash, or a wrong count."""
        if self.error is not None:
            return f"crashed: {self.error}"
        return "ok" if self.items == expected else f"got {self.items} of {expected} records"


def fmt_rate(rate: float | None) -> str:
    """``3.85/s (96%)``: a rate and its ratio to the API's limit (n/a for a crashed run)."""
    return "n/a" if rate is None else f"{rate:.2f}/s ({rate / LIMIT:.0%})"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def timed(fn: Callable[[], Any], run: Run) -> Run:
    """Run ``fn`` (it returns the item count), filling in wall time, CPU time and any crash."""
    run.started = time.monotonic()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        run.items = fn()
    except Exception as exc:  # a peer's crash is a result, not a benchmark failure
        run.error = describe(exc)
    run.elapsed = time.perf_counter() - wall
    run.cpu = time.process_time() - cpu
    return run


def describe(exc: BaseException) -> str:
    """An exception in a few words, with the HTTP status and page when it names them."""
    text = str(exc)
    status = re.search(r"\b(4\d\d|5\d\d)\b", text)
    page = re.search(r"[?&]page=(\d+)", text)
    where = f" ({status.group(1)}" if status else ""
    where += f" on page {page.group(1)})" if status and page else (")" if status else "")
    return f"{type(exc).__name__}{where}"


# -- the clients ---------------------------------------------------------------------------------
def ours_typed(base_url: str, api_key: str, **client: Any) -> int:
    """This library: ``an.people.list()``, typed ``Person`` models, default limiter."""

    async def run() -> int:
        count = 0
        async with ActionNetwork(api_key, base_url=base_url, **client) as an:
            async for _person in an.people.list():
                count += 1
        return count

    return asyncio.run(run())


def ours_blocking(base_url: str, api_key: str, **client: Any) -> int:
    """This library's blocking client: ``an.people.list()`` from ``actionnetwork_async.sync``
    (the async client on a loop in a thread of this process)."""
    from actionnetwork_async.sync import ActionNetwork as BlockingActionNetwork

    with BlockingActionNetwork(api_key, base_url=base_url, **client) as an:
        return sum(1 for _person in an.people.list())


def ours_raw(base_url: str, api_key: str, **client: Any) -> int:
    """This library: ``an.hal.iterate("people")``, HAL resources."""

    async def run() -> int:
        count = 0
        async with ActionNetwork(api_key, base_url=base_url, **client) as an:
            async for _resource in an.hal.iterate("people"):
                count += 1
        return count

    return asyncio.run(run())


def aiohttp_loop(base_url: str, api_key: str, pause: float = 1 / LIMIT) -> int:
    """The loop people write by hand: follow ``next``, sleep 1/4 s between requests, stop at
    an empty page, raise on an error status."""

    async def run() -> int:
        count = 0
        url = base_url + "people"
        async with aiohttp.ClientSession(headers={TOKEN_HEADER: api_key}) as session:
            while True:
                async with session.get(url) as response:
                    response.raise_for_status()
                    page = json.loads(await response.read())
                people = page["_embedded"]["osdi:people"]
                if not people:
                    return count
                count += len(people)
                url = page["_links"]["next"]["href"]
                if pause:
                    await asyncio.sleep(pause)

    return asyncio.run(run())


def parsons_people(base_url: str, api_key: str) -> int:
    """Parsons' connector, pointed at the server: ``get_people()`` returns a petl Table."""
    with warnings.catch_warnings():  # its notice about 'pip install parsons' extras
        warnings.simplefilter("ignore", RuntimeWarning)
        from parsons import ActionNetwork as ParsonsActionNetwork  # the bench extra

    connector = ParsonsActionNetwork(api_token=api_key)
    connector.api.uri = base_url  # its APIConnector joins every path onto this base
    return len(connector.get_people())


def parsons_installed() -> bool:
    """Whether the bench extra's Parsons is importable."""
    return peer_version("parsons") is not None


def header(title: str, quick: bool) -> None:
    """Print a scenario's title and the machine."""
    print(f"\n## {title}{' (quick)' if quick else ''}\n", flush=True)
    print(f"Machine: {machine()}\n", flush=True)
