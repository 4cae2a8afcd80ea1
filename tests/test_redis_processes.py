"""Several processes, one API key, one limit shared through a real redis-server: judged by the
emulator's log, with 0-30 ms of arrival jitter, as the API would count.

Each process is the command line (``actionnetwork export people --redis-url ...``), each with
its own blocking client; each asks for a different filter, so the log tells them apart.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from actionnetwork_async import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_MARGIN,
    DEFAULT_PREFETCH,
    REDIS_URL_ENV,
)
from actionnetwork_async.testing import Emulator, RedisServer, serve_in_thread
from actionnetwork_async.testing.redis_server import free_port

PEOPLE = 250  # 10 pages: with the entry point and the empty last page, 12 requests or more each
LIMIT = 4
PASSWORD = "hunter2-not-for-logs"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """The API as it counts: 4 per sliding second, 429 above, requests 0-30 ms late."""
    with serve_in_thread(Emulator(people=PEOPLE, rate_limit=LIMIT, arrival_jitter=0.03)) as running:
        yield running


#: The command line, imported first, then held until a line arrives on stdin, so that
#: processes that take different times to start (imports on a busy machine) stream together.
GATED_CLI = (
    "import sys; from actionnetwork_async.cli import main; print('ready', flush=True); "
    "sys.stdin.readline(); sys.exit(main(sys.argv[1:]))"
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
            env=env,
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


def steady_rate(starts: list[float]) -> float:
    """Requests per second as a sliding window counts them: 4 over the mean time that 4
    consecutive arrivals span (first-to-last would overrate bursts)."""
    spans = [b - a for a, b in zip(starts, starts[LIMIT:], strict=False)]
    return LIMIT * len(spans) / sum(spans)


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
    assert len(starts) >= 4 * 12
    assert emu.count(status=429) == 0
    assert emu.max_in_window() <= LIMIT
    assert steady_rate(starts) >= 0.90 * LIMIT
    # Nobody starved. Requests are served first come, first served, whoever sends them, so no
    # request waits longer than the whole queue ahead of it: each process's 8 prefetched pages.
    queue = 4 * DEFAULT_PREFETCH / (LIMIT / (1 + DEFAULT_MARGIN))
    for n in range(4):
        mine = [r.start for r in emu.log if f"190{n}" in r.query]
        assert max(b - a for a, b in itertools.pairwise(mine)) < queue + 1.0


def test_without_redis_the_same_processes_exceed_the_limit(emu: Emulator, tmp_path: Path) -> None:
    """The problem the shared limiter solves, shown by the same run on local limiters."""
    finish(exporters(emu, tmp_path, 2, None), tmp_path)  # each recovers through its 429s
    assert emu.count(status=429) > 0


def test_a_redis_restart_mid_run_is_survived_within_the_limit(
    emu: Emulator, redis_server: RedisServer, tmp_path: Path
) -> None:
    processes = exporters(emu, tmp_path, 2, redis_server.url)
    wait_until(lambda: len(emu.log) >= 8)  # both under way
    redis_server.restart()  # every slot reserved so far is forgotten
    restarted_after = len(emu.log)
    finish(processes, tmp_path)  # nobody failed: the outage was shorter than 5 s
    assert restarted_after < len(emu.log) - 4  # requests went on after the restart
    assert emu.count(status=429) == 0
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
