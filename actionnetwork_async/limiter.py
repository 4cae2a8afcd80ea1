"""Rate limiters: one is shared by every request of a client (and may be shared by clients)."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

from aiolimiter import AsyncLimiter

from ._validate import positive_number

__all__ = ["AioRateLimiter", "RateLimiter", "SpacedRateLimiter", "Unlimited"]


@runtime_checkable
class RateLimiter(Protocol):
    """What the transport needs of a limiter: wait until one more request may start."""

    async def acquire(self) -> None: ...


_FLOAT_NOISE = 1e-9  # seconds


def _check_rate(rate: float) -> float:
    return positive_number(rate, "rate (requests per second)")


class SpacedRateLimiter:
    """At most ``rate`` requests in any sliding second: starts are ``1 / rate`` s apart, in order.

    The default limiter. Waiters are served first come, first served (prefetched pages go out
    in page order) and a waiter cancelled while waiting gives its turn to the next one. The next
    slot is plain arithmetic on the loop clock, so it also behaves under a fast-forwarded test
    clock such as looptime's.
    """

    def __init__(self, rate: float = 4.0) -> None:
        self.rate = _check_rate(rate)
        self.interval = 1.0 / self.rate
        self._queue = asyncio.Lock()  # FIFO
        self._next_slot: float | None = None

    def __repr__(self) -> str:
        return f"SpacedRateLimiter(rate={self.rate})"

    async def acquire(self) -> None:
        """Wait for the next free slot, in order of arrival."""
        async with self._queue:
            loop = asyncio.get_running_loop()
            # asyncio runs timers up to one clock resolution early: re-check, never start early.
            # A wait under a nanosecond is float noise (0.843449 + 0.25 = 1.0934490000000001);
            # sleeping it would hang a quantised test clock, which never fires a sub-tick timer.
            while (  # noqa: ASYNC110 - a bounded re-check of one timed wait, not polling
                self._next_slot is not None
                and (delay := self._next_slot - loop.time()) > _FLOAT_NOISE
            ):
                await asyncio.sleep(delay)
            self._next_slot = loop.time() + self.interval


class AioRateLimiter:
    """An ``aiolimiter.AsyncLimiter`` behind the ``RateLimiter`` protocol.

    For sharing one ``AsyncLimiter`` with other code. Built from ``rate`` it is
    ``AsyncLimiter(1, 1 / rate)``: a bucket of one, so no bursts (``AsyncLimiter(rate, 1)``
    would let up to ``2 * rate`` through one window, which the API answers with 429). A FIFO
    lock in front keeps waiters in order. Prefer ``SpacedRateLimiter`` under a fast-forwarded
    test clock: aiolimiter's bucket keeps float residue (1e-15) and then schedules its wake-up
    at exactly "now", which such clocks can miss.
    """

    def __init__(self, rate: float = 4.0, *, limiter: AsyncLimiter | None = None) -> None:
        self.rate = _check_rate(rate)
        self.limiter = limiter or AsyncLimiter(1, 1.0 / self.rate)
        self._queue = asyncio.Lock()

    def __repr__(self) -> str:
        return f"AioRateLimiter(rate={self.rate})"

    async def acquire(self) -> None:
        """Wait for capacity in the bucket, in order of arrival."""
        async with self._queue:
            await self.limiter.acquire()


class Unlimited:
    """No limit at all: for local servers that do not rate limit."""

    def __repr__(self) -> str:
        return "Unlimited()"

    async def acquire(self) -> None:
        """Return at once."""
        return None
