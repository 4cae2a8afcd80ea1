"""The library stays quiet until the program configures logging (docs/logging.md).

Each run is a fresh interpreter, so no logging set-up of pytest's or of another test is there:
a program that uses the client against the emulator on loopback, with one answer a 503 that
is retried.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from actionnetwork_async.testing import Emulator, Seed, serve_in_thread

KEY = "logging-test-key-6a1f0d93c2b8e547"
PROGRAM = """
import asyncio
import logging
import os
import sys

from actionnetwork_async import ActionNetwork
from actionnetwork_async.limits import RetryPolicy

if sys.argv[1:] == ["configured"]:
    logging.basicConfig(level=logging.WARNING)


async def main() -> None:
    retry = RetryPolicy(factor=0.001)  # retry at once
    async with ActionNetwork(
        os.environ["KEY"], base_url=os.environ["URL"], rate_limit=None, retry=retry
    ) as an:
        event = await an.events.get(os.environ["EVENT"])
        print(event.title)


asyncio.run(main())
"""


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with serve_in_thread(Emulator(seed=Seed(events=3), rate_limit=None, api_key=KEY)) as running:
        yield running


def run_program(emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    event = emu.ids("events")[0]
    emu.add_fault("status", path=f"events/{event}", status=503)  # answered once, then retried
    environment = {**os.environ, "KEY": KEY, "URL": emu.base_url, "EVENT": event}
    environment.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_retry_prints_nothing_when_the_program_configures_no_logging(emu: Emulator) -> None:
    done = run_program(emu)
    assert done.stdout.strip() == emu.state["events"].values()[0]["title"]
    assert emu.count(path=f"events/{emu.ids('events')[0]}") == 2  # the retry happened
    assert done.stderr == ""  # was "GET ... failed (HTTP 503); retry 1 in ..." on stderr


def test_a_retry_is_logged_once_the_program_configures_logging(emu: Emulator) -> None:
    done = run_program(emu, "configured")
    assert "WARNING:actionnetwork_async.transport:" in done.stderr
    assert "HTTP 503" in done.stderr
    assert KEY not in done.stderr
