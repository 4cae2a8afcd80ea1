"""``serve_in_process``: the emulator in a child process enforces and logs as in-process."""

from __future__ import annotations

import asyncio

import aiohttp

from actionnetwork_async.testing import Seed, serve_in_process


def test_a_server_in_a_child_process_counts_limits_and_reports() -> None:
    """Six requests at once against 4 a second: the child answers four, refuses two with a
    429, and its log, counts, sliding window and collection sizes come back to the parent."""

    async def burst(base_url: str, key: str) -> list[int]:
        async with aiohttp.ClientSession(headers={"OSDI-API-Token": key}) as session:

            async def get() -> int:
                async with session.get(base_url + "people") as resp:
                    await resp.read()
                    return resp.status

            return await asyncio.gather(*(get() for _ in range(6)))

    with serve_in_process(seed=Seed(people=3, events=2), rate_limit=4.0) as emu:
        statuses = asyncio.run(burst(emu.base_url, emu.api_key))
        assert sorted(statuses) == [200] * 4 + [429] * 2
        assert sorted(r.status for r in emu.log) == sorted(statuses)
        assert emu.count(status=429) == 2
        assert emu.count(path="people", method="GET") == 6
        assert emu.max_in_window(1.0) == 6
        assert emu.rate_limit == 4.0
        sizes = emu.sizes()
        assert (sizes["people"], sizes["events"]) == (3, 2)
