"""Several processes, one API key, one limit shared through a real redis-server: judged by the
emulator's log, as the API would count.

Each process is the command line (``actionnetwork export people --redis-url ...``), each with
its own blocking client; each asks for a different filter, so the log tells them apart.

The limiter's 40 ms margin covers 35 ms of spread in arrival times. Here the emulator adds no
jitter of its own: the spread is this machine's scheduling (client processes, the emulator and
Redis on two cores, maybe beside other tests), which on a busy machine takes tens of
milliseconds. test_rate_limit.py shows 30 ms of jitter on the loop's clock, where there is no
such noise.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV
from actionnetwork_async.client import REDIS_URL_ENV
from actionnetwork_async.limits import DEFAULT_MARGIN
from actionnetwork_async.testing import Emulator, RedisServer, Seed, serve_in_thread
from actionnetwork_async.testing.redis_server import free_port
from actionnetwork_async.walker import DEFAULT_PREFETCH

# Slow, and one at a time: each test runs several processes that share the limit, and two such
# tests side by side on a 2-core machine are arrival noise the server counts (--dist loadgroup).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]

# 10 pages: with the empty last page, 11 requests or more each, plus the entry point, which
# processes sharing Redis share (read once, or by each that started before it was cached)
PEOPLE = 250
LIMIT = 4
PASSWORD = "hunter2-not-for-logs"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """The API as it counts: 4 per sliding second, 429 above."""
    with serve_in_thread(Emulator(seed=Seed(people=PEOPLE), rate_limit=LIMIT)) as running:
        yield running


#: The command line, imported first, then held until a line arrives on stdin, so that
#: processes that take different times to start (imports on a busy machine) stream together.
#: The shared limiter's debug log (each slot it gives up) goes to the file $SLOTS_LOG.
GATED_CLI = (
    "import logging, os, sys; from actionnetwork_async.cli import main; "
    "slots = logging.getLogger('actionnetwork_async.redis'); slots.setLevel(logging.DEBUG); "
    "slots.addHandler(logging.FileHandler(os.environ['SLOTS_LOG'])); slots.propagate = False; "
    "print('ready', flush=True); sys.stdin.readline(); sys.exit(main(sys.argv[1:]))"
)


def exporters(
    emu: Emulator, tmp_path: Path, count: int, redis_url: str | None, *extra: str
) -> list[subprocess.Popen[bytes]]:
    """``count`` command-line exports of people, let go at once; process ``n`` filters on
    ``modified_date gt '190n-01-01'`` (every person matches)."""
    env = {**os.environ, API_KEY_ENV: emu.api_key, BASE_URL_ENV: emu.base_url}
    if redis_url is not None:
        env[REDIS_URL_ENV] = redis_url
    processes = [
        subprocess.Popen(
            [
                *(sys.executable, "-c", GATED_CLI, "export", "people", "--quiet"),
                *("--filter", f"modified_date gt '190{n}-01-01'"),
                *("-o", str(tmp_path / f"{n}.jsonl"), *extra),
            ],
            env={**env, "SLOTS_LOG": str(tmp_path / f"{n}.slots.log")},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        process.stdin.flush()
    return processes


def finish(processes: list[subprocess.Popen[bytes]], tmp_path: Path) -> None:
    """Wait for every export; each must end well with every person."""
    for n, process in enumerate(processes):
        _, err = process.communicate(timeout=60)  # closes stdin too
        assert process.returncode == 0, err.decode()
        lines = (tmp_path / f"{n}.jsonl").read_text().splitlines()
        assert len(lines) == PEOPLE
        assert len({json.loads(line)["identifiers"][0] for line in lines}) == PEOPLE


def given_up(tmp_path: Path, n: int) -> int:
    """How many slots process ``n`` gave up: a start that would have come late (a timer firing
    late on a busy machine), or a slot that no longer stood when checked. Each such slot still
    counts against the limit, and its request queues again, behind the others."""
    log = (tmp_path / f"{n}.slots.log").read_text()
    return sum("queueing again" in line for line in log.splitlines())


def crowded(emu: Emulator) -> str:
    """For a failure's message: each 429 and the requests that arrived in the second before it
    (arrival time, query, status), one a line."""
    lines = []
    for refused in (r for r in emu.log if r.status == 429):
        lines.append(f"429 at {refused.start:.4f}, after:")
        lines += [
            f"  {r.start:.4f} {r.query} {r.status}"
            for r in emu.log
            if refused.start - 1.0 < r.start < refused.start
        ]
    return "\n".join(lines)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for ``condition()``, checked every 20 ms (the server's log has no event)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_four_processes_sharing_a_key_keep_the_limit_as_the_server_counts_it(
    emu: Emulator, shared_redis: RedisServer, tmp_path: Path
) -> None:
    finish(exporters(emu, tmp_path, 4, shared_redis.url), tmp_path)
    starts = sorted(r.start for r in emu.log)
    assert len(starts) >= 4 * 11 + 1
    assert emu.count(status=429) == 0, crowded(emu)
    assert emu.max_in_window() <= LIMIT
    # The shared schedule hands out the whole limit, 4 slots a window (1 s + margin): each
    # either took a request to the server or was given up by its process. (How many are given
    # up depends on the machine: on a busy one, timers fire late.)
    lost = [given_up(tmp_path, n) for n in range(4)]
    window = 1 + DEFAULT_MARGIN
    assert len(starts) + sum(lost) >= 0.9 * LIMIT * (starts[-1] - starts[0]) / window, lost
    # Nobody starved. Requests are served first come, first served, whoever sends them, so no
    # request waits longer than the whole queue ahead of it (each process's 8 prefetched pages)
    # each time it queues: once, and once more for each slot its process gave up.
    queue = 4 * DEFAULT_PREFETCH / (LIMIT / window)
    for n in range(4):
        mine = [r.start for r in emu.log if f"190{n}" in r.query]
        assert max(b - a for a, b in itertools.pairwise(mine)) < queue * (1 + lost[n]) + 1.0


def test_without_redis_the_same_processes_exceed_the_limit(emu: Emulator, tmp_path: Path) -> None:
    """The problem the shared limiter solves, shown by the same run on local limiters."""
    finish(exporters(emu, tmp_path, 2, None), tmp_path)  # each recovers through its 429s
    assert emu.count(status=429) > 0


# With redis-py 5.0 (the lowest the redis extra allows), about one run in eight sees one 429 in
# the second after the restart; with the locked and latest redis-py, none in every run so far.
# Known and open: the test still runs there, and an unexpected pass is reported.
@pytest.mark.xfail(
    Version(version("redis")) < Version("5.1"),
    reason="redis-py 5.0: an occasional 429 just after a Redis restart (open)",
    strict=False,
)
def test_a_redis_restart_mid_run_is_survived_within_the_limit(
    emu: Emulator, redis_server: RedisServer, tmp_path: Path
) -> None:
    processes = exporters(emu, tmp_path, 2, redis_server.url)
    wait_until(lambda: len(emu.log) >= 8)  # both under way
    restarting = time.monotonic()  # the emulator's clock too (its loop's, in a thread)
    redis_server.restart()  # every slot reserved so far is forgotten
    restarted_after = len(emu.log)
    finish(processes, tmp_path)  # nobody failed: the outage was shorter than 5 s
    assert restarted_after < len(emu.log) - 4  # requests went on after the restart
    assert emu.count(status=429) == 0, (restarting, crowded(emu))
    assert emu.max_in_window() <= LIMIT


def test_the_command_line_fails_closed_when_redis_is_unreachable(
    emu: Emulator, tmp_path: Path
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    for process in [
        *exporters(emu, tmp_path, 1, url),  # from ACTION_NETWORK_REDIS_URL
        *exporters(emu, tmp_path, 1, None, "--redis-url", url),
    ]:
        _, err = process.communicate(timeout=60)
        message = err.decode()
        assert process.returncode == 1
        assert message.startswith("actionnetwork: error: the shared rate limit in Redis")
        assert len(message.splitlines()) == 1
        assert PASSWORD not in message
    assert emu.log == []  # nothing was sent
