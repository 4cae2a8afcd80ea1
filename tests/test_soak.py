"""Soak: a large collection streamed through random faults, checked record by record.

The emulator hits about 10% of requests with a random fault (``FAULT_MIX``: 429 with and
without ``Retry-After``, 500, 502, 503, 504, dropped connections, bodies cut short, latency
spikes up to 8 s against a 5 s client timeout, and arrival jitter). The stream must yield
every record exactly once and in order, and the client must not accumulate open connections,
tasks or memory as it goes. The loop's clock is fast-forwarded (looptime), so hours of the
API's 4 requests per second take seconds.

Short form (3,000 people, seed 2, whose faults cover every kind), part of every run of the
suite: ``pytest -m soak``. Long form (100,000 people per seed, five seeds):
``pytest -m soak --soak=long``. docs/reliability.md has the figures.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import random
import tracemalloc
from collections import Counter
from statistics import median

import attrs
import pytest

from actionnetwork_async import ActionNetwork
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.testing import Emulator, RandomFaults, Seed

pytestmark = [pytest.mark.asyncio, pytest.mark.looptime, pytest.mark.soak, pytest.mark.slow]

FAULT_RATE = 0.10
FORMS = {"short": (3_000, (2,)), "long": (100_000, (1, 2, 3, 4, 5))}
CHECKPOINTS = 20


@attrs.define
class Sample:
    """What the client process holds at one checkpoint of the stream."""

    records: int
    fds: int | None  # open file descriptors: both ends of every connection
    tasks: int
    memory: int  # bytes allocated (tracemalloc), the emulator's request log excluded


def open_fds() -> int | None:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def soak_cases(form: str) -> list[tuple[int, int]]:
    people, seeds = FORMS[form]
    return [(people, seed) for seed in seeds]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "people" in metafunc.fixturenames:
        form = metafunc.config.getoption("soak")
        metafunc.parametrize(("people", "seed"), soak_cases(form), ids=lambda v: str(v))


async def test_a_faulty_stream_yields_every_record_once_and_holds_nothing(
    people: int, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    # pytest keeps every captured log record in memory: the retry warnings (one per fault)
    # would count as growth of the client's memory
    caplog.set_level(logging.ERROR, logger="actionnetwork_async")
    async with Emulator(
        seed=Seed(people=people),
        random_faults=RandomFaults(rate=FAULT_RATE, seed=seed),
        rate_limit=4,
    ) as emu:
        expected = emu.ids("people")
        position = {key: n for n, key in enumerate(expected)}
        seen = bytearray(people)  # times each record was yielded; allocated before tracing
        order_ok = True
        requests: Counter[int | None] = Counter()
        samples: list[Sample] = []
        jitter = random.Random(seed)
        retry = RetryPolicy(jitter=lambda delay: jitter.uniform(0, delay))
        tracemalloc.start()
        try:
            async with ActionNetwork(
                emu.api_key, base_url=emu.base_url, rate_limit=4.0, timeout=5.0, retry=retry
            ) as an:
                count = 0
                async for person in an.people.list():
                    index = position[person.id or ""]
                    order_ok = order_ok and index == count
                    seen[index] += 1
                    count += 1
                    if count % (people // CHECKPOINTS) == 0:
                        requests.update(r.status for r in emu.log)
                        emu.log.clear()  # the server's record, not the client's memory
                        gc.collect()
                        samples.append(
                            Sample(
                                count,
                                open_fds(),
                                len(asyncio.all_tasks()),
                                tracemalloc.get_traced_memory()[0],
                            )
                        )
                stats = an.stats
        finally:
            tracemalloc.stop()
        requests.update(r.status for r in emu.log)

    # every record exactly once, in the collection's order
    assert count == people
    assert set(seen) == {1}
    assert order_ok
    # about one request in ten was hit, and the retries got through every one of them
    total = sum(requests.values())
    injected = sum(emu.faults_injected.values())
    assert 0.05 * total <= injected <= 0.15 * total
    assert stats.retries > 0
    # nothing accumulates: the second half of the stream holds no more than the first half
    # (its first checkpoints, warming up, aside). Memory swings by the pages in flight on
    # both ends (about 40 KiB each), so halves are compared by their medians; a client that
    # kept its records would grow by about 1 KiB per record, far past the allowance.
    first, second = samples[2 : CHECKPOINTS // 2], samples[CHECKPOINTS // 2 :]
    if first[0].fds is not None:
        assert max(s.fds or 0 for s in second) <= max(s.fds or 0 for s in first) + 2
    assert max(s.tasks for s in second) <= max(s.tasks for s in first) + 2
    growth = median(s.memory for s in second) - median(s.memory for s in first)
    assert growth <= 512 * 1024
    report = (
        f"soak seed={seed}: {people} records, {total} requests, {injected} faults "
        f"{dict(sorted(emu.faults_injected.items()))}, {stats.retries} retries, statuses "
        f"{dict(sorted((k or 0, v) for k, v in requests.items()))}, memory "
        f"{[s.memory // 1024 for s in samples]} KiB (growth {growth / 1024:.0f} KiB), fds "
        f"{[s.fds for s in samples]}, tasks {[s.tasks for s in samples]}"
    )
    print(report)
