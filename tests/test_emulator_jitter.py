"""The emulator's arrival jitter: requests are counted late by a random, seeded delay."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from actionnetwork_async.testing import Emulator, Seed, Timing

pytestmark = [pytest.mark.asyncio, pytest.mark.looptime]


async def arrivals(jitter: float, seed: int) -> list[float]:
    """Send 20 requests exactly 0.1 s apart; return how late the server logged each."""
    async with Emulator(
        seed=Seed(random_seed=seed), timing=Timing(arrival_jitter=jitter), rate_limit=None
    ) as emu:
        loop = asyncio.get_running_loop()
        sent: list[float] = []
        async with aiohttp.ClientSession(headers={"OSDI-API-Token": emu.api_key}) as session:

            async def get() -> None:
                sent.append(loop.time())
                async with session.get(emu.base_url) as response:
                    assert response.status == 200

            tasks = []
            for _ in range(20):
                tasks.append(asyncio.create_task(get()))
                await asyncio.sleep(0.1)
            await asyncio.gather(*tasks)
        await emu.idle()
        return [r.start - s for r, s in zip(emu.log, sent, strict=True)]


async def test_requests_are_counted_up_to_the_jitter_late_and_the_same_each_run() -> None:
    delays = await arrivals(0.03, seed=7)
    assert all(0 <= d <= 0.03 + 1e-3 for d in delays)
    assert max(delays) - min(delays) > 0.015  # really spread, not a constant delay
    assert delays == pytest.approx(await arrivals(0.03, seed=7), abs=1e-3)
    assert delays != pytest.approx(await arrivals(0.03, seed=8), abs=1e-3)


async def test_idle_waits_for_a_request_still_on_its_way() -> None:
    emu = Emulator(seed=Seed(random_seed=1), timing=Timing(arrival_jitter=5.0), rate_limit=None)
    headers = {"OSDI-API-Token": emu.api_key}
    async with emu, aiohttp.ClientSession(headers=headers) as session:
        request = asyncio.create_task(session.get(emu.base_url))
        await asyncio.sleep(0.01)
        assert emu.log == []  # not counted yet
        await emu.idle()
        assert len(emu.log) == 1
        (await request).release()
