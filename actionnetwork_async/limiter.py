"""Rate limiters: one is shared by every request of a client (and may be shared by clients)."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

from aiolimiter import AsyncLimiter

from .errors import ConfigurationError

__all__ = ["AioRateLimiter", "RateLimiter", "Unlimited"]


@runtime_checkable
class RateLimiter(Protocol):
    """What the transport needs of a limiter: wait until one more request may start."""

    async def acquire(self) -> None: ...


class AioRateLimiter:
    """At most ``rate`` requests in any sliding second, evenly spaced, with no bursts.

    Built on ``aiolimiter.AsyncLimiter(1, 1 / rate)``: a bucket of one, so starts are at least
    ``1 / rate`` seconds apart. ``AsyncLimiter(rate, 1)`` would let a burst of up to
    ``2 * rate`` through one window, which the API answers with 429.

    Slots are granted first come, first served: aiolimiter alone lets a newcomer overtake a
    waiter it has just woken, which sends prefetched pages out of order and stalls the stream.
    """

    def __init__(self, rate: float = 4.0) -> None:
        if not rate > 0:
            raise ConfigurationError(f"rate must be > 0 requests per second, got {rate!r}")
        self.rate = rate
        self._limiter = AsyncLimiter(1, 1.0 / rate)
        self._queue = asyncio.Lock()  # FIFO: one waiter at the bucket at a time, in order

    def __repr__(self) -> str:
        return f"AioRateLimiter(rate={self.rate})"

    async def acquire(self) -> None:
        """Wait for the next free slot, in order of arrival."""
        async with self._queue:
            await self._limiter.acquire()


class Unlimited:
    """No limit at all: for local servers that do not rate limit."""

    def __repr__(self) -> str:
        return "Unlimited()"

    async def acquire(self) -> None:
        """Return at once."""
        return None
