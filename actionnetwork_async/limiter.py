"""Rate limiters: one is shared by every request of a client (and may be shared by clients).

The default, ``SlidingWindowLimiter``, holds the API's limit as the *server* counts it. Its
arithmetic is ``SlotSchedule``, a pure object with no clock and no I/O, so that a limiter shared
by several processes can run the same few lines elsewhere (for example in a Redis script):

* a request may start at ``slot = max(since, not_before, last_start, starts[-N] + window)``:
  at most ``N`` starts in any ``window`` seconds, where ``window = 1 s + margin`` (``N`` is the
  rate, 4 for Action Network);
* a start is recorded as its slot, never as the time the timer actually fired, so lateness
  does not accumulate into drift; only a start later than ``LATE_START_TOLERANCE`` (a blocked
  event loop) is recorded as it happened, so the next window is measured from it;
* a 429 pauses every start until its ``Retry-After`` and multiplies the window by
  ``BACKOFF_FACTOR`` (up to ``MAX_SLOWDOWN``); the extra halves every ``RECOVERY_HALF_LIFE``
  seconds, back to the configured rate.

Why the margin: the server counts arrivals, not starts. A request that starts on time can
arrive later than the one ``N`` before it by the spread of network delay, so ``margin`` must be
at least that spread (jitter, a first connection) plus ``LATE_START_TOLERANCE``. The default,
``DEFAULT_MARGIN`` (40 ms), covers 35 ms of spread at 96% of the limit.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from ._validate import non_negative_number, positive_int, positive_number
from .errors import LimiterTimeoutError

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

__all__ = [
    "BACKOFF_FACTOR",
    "DEFAULT_MARGIN",
    "LATE_START_TOLERANCE",
    "MAX_SLOWDOWN",
    "RECOVERY_HALF_LIFE",
    "AioRateLimiter",
    "RateLimitFeedback",
    "RateLimiter",
    "RemembersStarts",
    "SlidingWindowLimiter",
    "SlotSchedule",
    "Unlimited",
]

#: Seconds added to every one-second window: covers this much spread in arrival times.
DEFAULT_MARGIN = 0.040
#: A start this much later than its slot still counts as on time (timer and loop latency).
LATE_START_TOLERANCE = 0.005
#: Each 429 (one per batch of requests sent under the same regime) multiplies the window by this.
BACKOFF_FACTOR = 1.25
#: The window never grows beyond this many times its configured length.
MAX_SLOWDOWN = 8.0
#: Seconds for the slowdown left by 429s to halve, back towards the configured rate.
RECOVERY_HALF_LIFE = 5.0

_FLOAT_NOISE = 1e-9  # seconds


@runtime_checkable
class RateLimiter(Protocol):
    """What the transport needs of a limiter: wait until one more request may start."""

    async def acquire(self) -> None:
        """Return when one more request may start (raising ``LimiterError`` if it cannot)."""
        ...


@runtime_checkable
class RemembersStarts(Protocol):
    """Optional for a limiter: hand its recent starts to the next process of the same key, and
    take the previous one's (the client keeps them beside a directory ``entry_cache``)."""

    def recent_starts(self) -> list[float]:
        """Seconds since each start that still counts against the limit, oldest first."""
        ...

    def recall_starts(self, ages: Sequence[float]) -> None:
        """Count starts made ``ages`` seconds ago by another process."""
        ...


@runtime_checkable
class RateLimitFeedback(Protocol):
    """Optional for a limiter: hear about each 429 its requests got, to slow down.

    ``retry_after`` is the answer's ``Retry-After`` in seconds (None when absent); ``sent_at``
    is when the request started, on the event loop's clock.
    """

    def on_rate_limited(self, retry_after: float | None, *, sent_at: float) -> None:
        """A request that started at ``sent_at`` was answered 429."""
        ...


def _check_rate(rate: float) -> float:
    return positive_number(rate, "rate (requests per second)")


@attrs.define
class SlotSchedule:
    """When the next request may start: the whole rate-limit algorithm, without a clock.

    ``limit`` starts at most in any ``window`` seconds. Every time is passed in by the caller
    (the event loop's clock, or a Redis server's), so the schedule is plain arithmetic and
    deterministic under test.
    """

    limit: int = attrs.field(validator=lambda _, a, v: positive_int(v, a.name))
    window: float = attrs.field(validator=lambda _, a, v: positive_number(v, a.name))
    #: The last ``limit`` recorded starts, oldest first.
    starts: deque[float] = attrs.field(factory=deque)
    #: No start before this time (a server's Retry-After).
    not_before: float = float("-inf")
    #: The window's multiplier at ``penalized_at``; it decays back to 1 afterwards.
    slowdown: float = 1.0
    penalized_at: float = float("-inf")

    @classmethod
    def for_rate(cls, rate: float, margin: float) -> SlotSchedule:
        """The schedule of ``rate`` requests per second with ``margin`` seconds of slack.

        An integer rate ``N`` allows ``N`` starts in any ``1 + margin`` seconds; a fractional
        one spaces single starts ``(1 + margin) / rate`` apart.
        """
        rate = _check_rate(rate)  # a float from here: int.is_integer is Python 3.12's
        margin = non_negative_number(margin, "margin (seconds)")
        limit = int(rate) if rate.is_integer() else 1
        return cls(limit=limit, window=limit * (1.0 + margin) / rate)

    def window_at(self, now: float) -> float:
        """The window in force at ``now``: the configured one, stretched by recent 429s."""
        return self.window * self.slowdown_at(now)

    def slowdown_at(self, now: float) -> float:
        """How many times slower than configured the schedule runs at ``now`` (>= 1)."""
        if self.slowdown == 1.0:
            return 1.0
        decay: float = 0.5 ** (max(0.0, now - self.penalized_at) / RECOVERY_HALF_LIFE)
        return 1.0 + (self.slowdown - 1.0) * decay

    def next_slot(self, now: float, since: float) -> float:
        """The earliest start at or after ``since`` that keeps the limit, as of ``now``."""
        slot = max(since, self.not_before)
        if self.starts:
            slot = max(slot, self.starts[-1])  # first come, first served
            if len(self.starts) >= self.limit:
                slot = max(slot, self.starts[-self.limit] + self.window_at(now))
        return slot

    def record(self, slot: float, started: float) -> None:
        """Count a start granted at ``slot`` that really happened at ``started``."""
        self.starts.append(max(slot, started - LATE_START_TOLERANCE))
        while len(self.starts) > self.limit:
            self.starts.popleft()

    def recent(self, now: float) -> list[float]:
        """How long ago (seconds, oldest first) each recorded start inside the window at
        ``now`` happened: what a later process needs to keep the limit with these starts."""
        window = self.window_at(now)
        return [now - start for start in self.starts if now - start < window]

    def recall(self, now: float, ages: Sequence[float]) -> None:
        """Count starts that happened ``ages`` seconds before ``now`` (another process's, of
        the same key, just before this one started). Only into an empty schedule: a
        schedule that has counted starts of its own knows better."""
        if self.starts:
            return
        for age in sorted((a for a in ages if 0.0 <= a < self.window), reverse=True):
            self.record(now - age, now - age)  # the oldest first

    def project(self, now: float, ahead: int, horizon: float = float("inf")) -> float:
        """The slot of a request arriving at ``now`` behind ``ahead`` others, all on time.

        Stops early once a slot passes ``horizon`` (the caller only needs to know that much).
        """
        trial = attrs.evolve(self, starts=deque(self.starts))
        slot = trial.next_slot(now, now)
        for _ in range(ahead):
            if slot > horizon:
                break
            trial.record(slot, slot)
            slot = trial.next_slot(now, now)
        return slot

    def penalize(self, now: float, retry_after: float | None, sent_at: float) -> None:
        """A request started at ``sent_at`` got a 429 at ``now``: pause and slow down.

        Requests sent before the previous penalty were already covered by it, so a burst of
        429s for one burst of requests slows the schedule down once, not once per request.
        """
        if retry_after is not None:
            self.not_before = max(self.not_before, now + retry_after)
        if sent_at >= self.penalized_at:
            self.slowdown = min(MAX_SLOWDOWN, self.slowdown_at(now) * BACKOFF_FACTOR)
            self.penalized_at = now


class _Unset:
    """The type of ``UNSET``."""

    def __repr__(self) -> str:
        return "UNSET"


#: "Not given": keep the default (``None`` is a value of its own: no bound).
UNSET = _Unset()


class SlidingWindowLimiter:
    """At most ``rate`` request starts in any ``1 s + margin``, in order of arrival.

    The default limiter (see the module docstring for the algorithm). ``margin`` (seconds,
    default ``DEFAULT_MARGIN``) absorbs the spread of delays between client and server, so the
    server never counts more than ``rate`` in its sliding second; raise it for a network with
    more jitter. A fractional ``rate`` spaces single starts ``(1 + margin) / rate`` apart.

    ``max_wait`` (seconds, default None: no bound) is back-pressure for services: a request
    whose slot lies further ahead raises ``LimiterTimeoutError`` at once, without taking a slot,
    instead of queueing. Waiters are served first come, first served; one that is cancelled
    or times out leaves the queue without holding anything up. A 429 reported through
    ``on_rate_limited`` pauses and slows the schedule, which then recovers by itself.
    """

    def __init__(
        self, rate: float = 4.0, *, margin: float = DEFAULT_MARGIN, max_wait: float | None = None
    ) -> None:
        self.rate = _check_rate(rate)
        self.margin = non_negative_number(margin, "margin (seconds)")
        self.max_wait = None if max_wait is None else non_negative_number(max_wait, "max_wait")
        self.schedule = SlotSchedule.for_rate(self.rate, self.margin)
        self._queue = asyncio.Lock()  # FIFO
        self._waiting = 0

    def __repr__(self) -> str:
        return (
            f"SlidingWindowLimiter(rate={self.rate}, margin={self.margin}, "
            f"max_wait={self.max_wait})"
        )

    @property
    def effective_rate(self) -> float:
        """Starts per second the schedule allows in steady state, with no recent 429."""
        return self.schedule.limit / self.schedule.window

    #: ``acquire`` takes a ``max_wait`` of its own (``ActionNetwork.with_options``).
    takes_max_wait = True

    async def acquire(self, *, max_wait: float | _Unset | None = UNSET) -> None:
        """Wait for this request's slot; raise ``LimiterTimeoutError`` past ``max_wait`` (this
        call's, when given: a client made by ``with_options`` sharing this limiter)."""
        bound = self.max_wait if isinstance(max_wait, _Unset) else max_wait
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        deadline = None
        if bound is not None:
            deadline = arrived + bound
            expected = self.schedule.project(arrived, self._waiting, horizon=deadline)
            if expected > deadline + _FLOAT_NOISE:
                raise self._timeout(expected - arrived, bound)
        self._waiting += 1
        try:
            async with self._queue:
                while True:
                    now = loop.time()
                    slot = self.schedule.next_slot(now, arrived)
                    if deadline is not None and slot > deadline + _FLOAT_NOISE:
                        raise self._timeout(slot - arrived, bound)  # a 429 pushed it back
                    # asyncio may fire a timer up to one clock tick early: re-check, never
                    # start early. A wait under a nanosecond is float noise, which a
                    # quantised test clock would never fire.
                    if slot - now <= _FLOAT_NOISE:
                        break
                    await asyncio.sleep(slot - now)
                self.schedule.record(slot, loop.time())
        finally:
            self._waiting -= 1

    def _timeout(self, wait: float, bound: float | None) -> LimiterTimeoutError:
        return LimiterTimeoutError(
            f"no request slot within max_wait={bound or 0:g}s (the next is {wait:.2f}s "
            f"away, {self._waiting} request(s) queued, {self.rate:g}/s)"
        )

    def on_rate_limited(self, retry_after: float | None, *, sent_at: float) -> None:
        """A request started at ``sent_at`` got a 429: pause until ``retry_after``, slow down."""
        self.schedule.penalize(asyncio.get_running_loop().time(), retry_after, sent_at)

    def recent_starts(self) -> list[float]:
        """Seconds since each start still inside the window, oldest first (``SlotSchedule``)."""
        return self.schedule.recent(asyncio.get_running_loop().time())

    def recall_starts(self, ages: Sequence[float]) -> None:
        """Count another process's starts, ``ages`` seconds ago, before any of this one's."""
        self.schedule.recall(asyncio.get_running_loop().time(), ages)


class AioRateLimiter:
    """An ``aiolimiter.AsyncLimiter`` behind the ``RateLimiter`` protocol.

    For sharing one ``AsyncLimiter`` with other code. Built from ``rate`` it is
    ``AsyncLimiter(1, 1 / rate)``: a bucket of one, so no bursts (``AsyncLimiter(rate, 1)``
    would let up to ``2 * rate`` through one window, which the API answers with 429). A FIFO
    lock in front keeps waiters in order. It has no margin for network jitter and ignores
    429s; prefer ``SlidingWindowLimiter``, also under a fast-forwarded test clock: aiolimiter's
    bucket keeps float residue (1e-15) and then schedules its wake-up at exactly "now", which
    such clocks can miss.
    """

    def __init__(self, rate: float = 4.0, *, limiter: AsyncLimiter | None = None) -> None:
        from aiolimiter import AsyncLimiter  # imported by the one limiter that uses it

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
