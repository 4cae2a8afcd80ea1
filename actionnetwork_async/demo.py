"""The main job, on the built-in emulator: stream people and events, build a targeting list.

Run it with ``python -m actionnetwork_async demo``. The emulator enforces 4 requests/s, adds
latency and injects a few faults, so the summary shows the limiter and retries at work.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

import attrs

from .client import DEFAULT_PREFETCH, ActionNetwork
from .models import UniqueIdList
from .testing import Emulator, Seed, Timing

__all__ = ["DemoResult", "run_demo"]

API_LIMIT = 4.0


@attrs.define
class DemoResult:
    """What the demo did, as the client and the server both saw it."""

    people: int = 0
    events: int = 0
    listed: int = 0
    list_count: int = 0
    list_requests: int = 0
    requests: int = 0
    cancelled: int = 0
    server_requests: int = 0
    server_rate: float = 0.0
    rate_limited: int = 0
    retries: int = 0
    max_in_any_second: int = 0
    elapsed: float = 0.0


class _Progress:
    """One status line, redrawn in place on a terminal and printed every few seconds otherwise."""

    def __init__(self, out: TextIO, result: DemoResult, an: ActionNetwork) -> None:
        self.out, self.result, self.an = out, result, an
        self.tty = out.isatty()
        self.started = time.monotonic()
        self.last = 0.0

    def line(self) -> str:
        stats = self.an.stats
        elapsed = time.monotonic() - self.started
        # the rate counts the gaps between requests (n - 1 of them), not the requests
        rate = max(stats.attempts - 1, 0) / max(elapsed, 1e-9)
        return (
            f"  people {self.result.people:>6}  events {self.result.events:>5}  "
            f"requests {stats.attempts:>4}  ({rate:.2f}/s)  "
            f"429s {stats.rate_limited}  retries {stats.retries}  {elapsed:5.1f}s"
        )

    def tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty and (force or now - self.last >= 0.1):
            self.out.write("\r" + self.line())
            self.out.flush()
            self.last = now
        elif not self.tty and (force or now - self.last >= 3.0):
            self.out.write(self.line() + "\n")
            self.last = now

    def done(self) -> None:
        self.tick(force=True)
        if self.tty:
            self.out.write("\n")


async def run_demo(
    *,
    people: int = 1000,
    events: int = 100,
    latency: float = 0.2,
    faults: bool = True,
    prefetch: int | None = None,
    chunk: int = 500,
    out: TextIO = sys.stdout,
) -> DemoResult:
    """Start a seeded emulator, run the sync job against it, print progress and a summary."""
    result = DemoResult()
    async with Emulator(
        seed=Seed(people=people, events=events),
        timing=Timing(latency=latency),
        rate_limit=API_LIMIT,
    ) as emu:
        if faults:
            emu.add_fault("status", path="people", status=503)
            emu.add_fault("status", path="people", status=429, retry_after="1")
            emu.add_fault("reset", path="events")
        out.write(
            f"Action Network emulator at {emu.base_url}: {people} people, {events} events, "
            f"{API_LIMIT:g} requests/s limit, {latency:g}s latency"
            f"{', 3 injected faults' if faults else ''}\n"
        )
        async with ActionNetwork(
            emu.api_key, base_url=emu.base_url, prefetch=prefetch or DEFAULT_PREFETCH
        ) as an:
            progress = _Progress(out, result, an)
            started = time.monotonic()
            await an.hal.entry_point()

            target: UniqueIdList | None = None

            async def add_to_list(ids: list[str]) -> None:
                """Create the list with the first batch, append the rest (serialised per list)."""
                nonlocal target
                if target is None:
                    target = await an.unique_id_lists.create("Demo sync: everyone", ids)
                else:
                    await an.unique_id_lists.append(target, ids)
                result.listed += len(ids)
                result.list_requests += 1

            async def stream_people() -> None:
                batch: list[str] = []
                async for person in an.people.list():
                    result.people += 1
                    if person.id:
                        batch.append(person.id)
                    if len(batch) >= chunk:
                        await add_to_list(batch)
                        batch = []
                    progress.tick()
                if batch:
                    await add_to_list(batch)

            async def stream_events() -> None:
                async for _event in an.events.list():
                    result.events += 1
                    progress.tick()

            await asyncio.gather(stream_people(), stream_events())
            result.elapsed = time.monotonic() - started
            progress.done()
            stats = an.stats
            result.requests = stats.attempts
            result.cancelled = stats.cancelled
            result.rate_limited = stats.rate_limited
            result.retries = stats.retries
        result.server_requests = len(emu.log)
        starts = [r.start for r in emu.log]
        if len(starts) > 1 and starts[-1] > starts[0]:
            result.server_rate = (len(starts) - 1) / (starts[-1] - starts[0])
        if target is not None and target.id:
            result.list_count = emu.state["unique_id_lists"].get(target.id)["count"]
        result.max_in_any_second = emu.max_in_window(1.0)
    out.write(_summary(result))
    return result


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(r: DemoResult) -> str:
    return (
        "\nSummary\n"
        f"  records streamed   {r.people} people + {r.events} events\n"
        f"  unique ID list     {r.listed} ids in {_n(r.list_requests, 'request')} "
        f"(server's count: {r.list_count})\n"
        f"  requests           {r.server_requests} served ({r.requests} started, "
        f"{r.cancelled} cancelled before its answer)\n"
        f"  achieved rate      {r.server_rate:.2f} requests/s on the server's clock = "
        f"{r.server_rate / API_LIMIT:.0%} of the {API_LIMIT:g}/s limit\n"
        f"  busiest second     {r.max_in_any_second} requests (server side)\n"
        f"  429s received      {r.rate_limited}\n"
        f"  retries survived   {r.retries}\n"
        f"  elapsed            {r.elapsed:.1f}s\n"
    )
