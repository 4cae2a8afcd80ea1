"""One API key's rate limit shared through Redis by every process and machine that uses it.

``RedisRateLimiter`` is ``SlidingWindowLimiter``'s schedule (``SlotSchedule``: at most ``N``
starts in any ``1 s + margin``, 429 feedback, ``max_wait``) kept in one Redis hash and run by
one small Lua script (``SCRIPT``, explained line by line), atomically and on the Redis
server's clock, so the clocks of the machines never meet. A request *reserves* the next slot
in a single round trip and sleeps until shortly before it, when a second round trip confirms
it (and finds out whether Redis restarted meanwhile, or the slot came too late to use); it then
starts at the slot. Slots are handed out in the order requests reach Redis, so processes share
the limit first come, first served, and nobody polls. A waiter cancelled before its slot gives
it back, and a waiter behind it moves in (a pub/sub doorbell wakes it).

Failures are explicit: while Redis cannot be reached, requests wait for it up to
``unavailable_after`` seconds; past that the limiter fails closed with
``LimiterUnavailableError`` or, if given a ``fallback``, goes on with that local limiter (with
a warning) and returns to Redis when it answers again. A restart of Redis loses the state;
the script notices (the state records the run id of the server that wrote it) and grants no
slot for one window, so the starts it forgot cannot be followed by a burst. Also exported:
the helpers the Redis idempotency store of the webhook receiver shares.

The ``redis`` package (``pip install "actionnetwork-async[redis]"``) is imported only when a
limiter is built, so the core never needs it. docs/redis.md says when to use this and what it
guarantees.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import random
import time
import weakref
from collections import deque
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ._settings import BASE_URL_ENV, DEFAULT_BASE_URL
from ._validate import non_negative_number, positive_number
from .errors import ConfigurationError, LimiterTimeoutError, LimiterUnavailableError
from .limiter import (
    BACKOFF_FACTOR,
    DEFAULT_MARGIN,
    LATE_START_TOLERANCE,
    MAX_SLOWDOWN,
    RECOVERY_HALF_LIFE,
    UNSET,
    SlidingWindowLimiter,
    SlotSchedule,
    _Unset,
)
from .retry import DEFAULT_MAX_RETRY_AFTER
from .sansio import REDACTED, origin

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = [
    "CONFIRM_AHEAD",
    "KEY_PREFIX",
    "MAX_DRIFT",
    "RECHECK_INTERVAL",
    "REDIS_EXTRA",
    "SCRIPT",
    "RedisRateLimiter",
    "ServerClock",
    "rate_limit_key",
]

log = logging.getLogger("actionnetwork_async.redis")

#: What to install for this module.
REDIS_EXTRA = 'pip install "actionnetwork-async[redis]"'
#: Every key this library writes in Redis starts with this.
KEY_PREFIX = "actionnetwork-async:"
#: On the fallback limiter, Redis is tried again after this many seconds.
RECHECK_INTERVAL = 1.0
#: An idle schedule is kept this long past its last slot (then nothing in it matters).
IDLE_TTL = 3600.0
#: A slot this close (seconds) is confirmed at once: its waiter starts at it with no further
#: call to Redis, so the delays of a call never make it late. (A restart's silence is this much
#: longer than a window, for slots confirmed just before it.)
CONFIRM_AHEAD = 0.025
#: A waiter checks back this long before its slot (less than CONFIRM_AHEAD, so it is confirmed
#: then), so that a wake-up up to about as late still finds its slot standing.
_CHECK_LEAD = 0.020
#: How fast two machines' clocks may run apart (seconds per second): NTP slews by 500 ppm at most.
MAX_DRIFT = 500e-6
_CLOCK_SAMPLES = 16  # round trips that ServerClock keeps

_US = 1_000_000  # the script counts microseconds: exact in a double for centuries
_RECONNECT_FIRST, _RECONNECT_MAX = 0.05, 0.5  # seconds between tries while Redis is down

#: The whole shared algorithm. ``SlotSchedule`` (limiter.py) in Lua, on one hash, atomically.
SCRIPT = """
-- KEYS[1]: a hash, the schedule of one API key. Its fields:
--   epoch          run_id of the Redis server that wrote it (every restart changes it)
--   starts         the last 2N slots granted, oldest first (microseconds, server clock)
--   not_before     no slot before this (a server's Retry-After, or a reset's silence)
--   slowdown, penalized_at   the 429 back-off, as SlotSchedule.penalize keeps it
--   holes          slots granted, then given up unused by cancelled waiters, still ahead
-- ARGV: op, N, window, half-life, backoff factor, max slowdown, idle ttl (ms), then
--   reserve   max_wait (-1: none), quiet_ago (-1: none)
--   check     max_wait, quiet_ago, epoch, slot: a waiter with a slot reserved earlier
--             checking back (once a window, and shortly before its slot)
--   release   -, -, epoch, slot: a waiter gave its slot up unused: it becomes a hole
--   penalize  retry_after (-1: none), sent_ago: a request got a 429
-- and last the late-start tolerance, the confirm-ahead time, the longest pause (a
-- Retry-After is capped at it, and so is a pause already kept, however it was written) and
-- when a reserve or check expires (-1: never; the server's clock): its caller stops waiting
-- for the reply then. Durations are microseconds; other times passed in are ages ("sent this
-- long ago"), never a machine's own clock. Replies: {0 refused / 1 reserved / 2 confirmed,
-- wait, epoch, slot}, or {3 expired, 0, epoch, now}: nothing booked for a caller gone.
local op, limit, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ahead = tonumber(ARGV[13])  -- a slot this close is confirmed, not checked again
local tolerance = tonumber(ARGV[12])  -- a slot this far past can still be used
local half_life, factor, max_slowdown = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local max_pause = tonumber(ARGV[14])

-- The server's clock and identity: one clock for every machine, and a restart detector.
local clock = redis.call('TIME')
local now = clock[1] * 1000000 + clock[2]
local info = redis.call('INFO', 'server')
local epoch = string.match(info, 'run_id:(%x+)')

local state = redis.call('HMGET', KEYS[1], 'epoch', 'starts', 'not_before', 'slowdown',
  'penalized_at', 'holes')
local starts, holes = {}, {}
-- A pause kept longer than the longest one allowed (a huge Retry-After written by an older
-- version, or through a restart that kept the data) is cut back to it: no pause stalls all.
local not_before = math.min(tonumber(state[3]) or 0, now + math.max(max_pause, window + ahead))
local slowdown = tonumber(state[4]) or 1
local penalized_at = tonumber(state[5]) or 0
if state[1] == epoch then
  for slot in string.gmatch(state[2], '%d+') do starts[#starts + 1] = tonumber(slot) end
  for slot in string.gmatch(state[6] or '', '%d+') do
    slot = tonumber(slot)  -- holes too far past to be used on time are forgotten
    if slot >= now - tolerance then holes[#holes + 1] = slot end
  end
elseif state[1] then
  -- Written by another server run (a restart that reloaded its data, a fail-over): slots
  -- granted since were lost. Their holders had them confirmed at most `ahead` before they
  -- started, so whatever started did so before now + ahead: a window of silence after that
  -- and nothing can add up with them.
  not_before = math.max(not_before, now + window + ahead)
else
  -- No state: unused since this server started, or before it started (a restart that lost
  -- everything). Then nothing before one window after its start (and `ahead`: slots
  -- confirmed just before). Redis counts its uptime as a difference of whole seconds of the
  -- clock, up to a second more than has passed: a second less is taken, to err late.
  local uptime = tonumber(string.match(info, 'uptime_in_seconds:(%d+)'))
  not_before = now - math.max(0, uptime - 1) * 1000000 + window + ahead
end

local function fmt(t) return string.format('%.0f', t) end

-- A reserve or check that ran after its caller gave up on the reply books nothing: its slot
-- would go unused (a stalled Redis runs every call that queued up when it resumes).
local expires = tonumber(ARGV[15])
if (op == 'reserve' or op == 'check') and expires >= 0 and now > expires then
  return {3, 0, epoch, fmt(now)}
end

-- 2: the slot is confirmed, start at it; 1: reserved, check back shortly before it.
local function granted(slot) if slot - now <= ahead then return 2 end return 1 end

-- SlotSchedule.slowdown_at: 429s stretch the window, and the stretch halves every half-life.
local function slowdown_now()
  if slowdown <= 1 then return 1 end
  return 1 + (slowdown - 1) * 0.5 ^ (math.max(0, now - penalized_at) / half_life)
end

local function save()
  local kept, free = {}, {}
  for i, slot in ipairs(starts) do kept[i] = fmt(slot) end
  for i, slot in ipairs(holes) do free[i] = fmt(slot) end
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'starts', table.concat(kept, ' '),
    'not_before', fmt(not_before), 'slowdown', string.format('%.17g', slowdown),
    'penalized_at', fmt(penalized_at), 'holes', table.concat(free, ' '))
  local last = math.max(not_before, starts[#starts] or 0)
  redis.call('PEXPIREAT', KEYS[1], fmt(math.floor(last / 1000) + tonumber(ARGV[7])))
end

if op == 'penalize' then  -- SlotSchedule.penalize
  local retry_after, sent_at = tonumber(ARGV[8]), now - tonumber(ARGV[9])
  if retry_after >= 0 then
    not_before = math.max(not_before, now + math.min(retry_after, max_pause))
  end
  if sent_at >= penalized_at then  -- one step per burst of requests sent under one regime
    slowdown = math.min(max_slowdown, slowdown_now() * factor)
    penalized_at = now
  end
  save()
  return {1, 0, epoch, ''}
end

if op == 'release' then
  -- The slot stays in the schedule (others were placed around it) and goes to the next
  -- request that asks: giving a valid schedule's slot to someone else keeps it valid.
  local slot = tonumber(ARGV[11])
  if state[1] == epoch and ARGV[10] == epoch and slot >= now - tolerance then
    holes[#holes + 1] = slot
    table.sort(holes)
    save()
    redis.call('PUBLISH', KEYS[1] .. ':holes', ARGV[11])  -- wakes a waiter behind it
  end
  return {1, 0, epoch, ''}
end

-- check: the slot stands if this server granted it, no Retry-After came since, and it is
-- not over: a start later than its slot by more than the tolerance would come closer than a
-- window to the start N after it, so such a slot is left unused (it still counts). A slot
-- given up ahead of it is taken instead (and this one given up in turn).
local mine = tonumber(ARGV[11])
if op == 'check' and state[1] == epoch and ARGV[10] == epoch and mine >= not_before
    and now - mine <= tolerance then
  if holes[1] and holes[1] < mine and holes[1] >= not_before then
    local hole = table.remove(holes, 1)
    holes[#holes + 1] = mine
    table.sort(holes)
    save()
    redis.call('PUBLISH', KEYS[1] .. ':holes', ARGV[11])
    return {granted(hole), hole - now, epoch, fmt(hole)}
  end
  return {granted(mine), mine - now, epoch, ARGV[11]}
end

-- reserve (or a check that failed): SlotSchedule.next_slot, the slot recorded at once.
local quiet_ago = tonumber(ARGV[9])
if quiet_ago >= 0 then  -- starts this client made on its fallback limiter, outside the books
  not_before = math.max(not_before, now - quiet_ago + window)
end
local max_wait = tonumber(ARGV[8])
for i, hole in ipairs(holes) do  -- the earliest slot given up, if it is still allowed
  if hole >= not_before then
    if max_wait >= 0 and hole - now > max_wait then break end
    table.remove(holes, i)
    save()
    return {granted(hole), hole - now, epoch, fmt(hole)}
  end
end
local n = #starts
local slot = math.max(now, not_before)
if n > 0 then slot = math.max(slot, starts[n]) end  -- first come, first served
if n >= limit then  -- at most N starts in any window
  slot = math.max(slot, math.ceil(starts[n - limit + 1] + window * slowdown_now()))
end
if max_wait >= 0 and slot - now > max_wait then  -- back-pressure: refuse, take nothing
  save()
  return {0, slot - now, epoch, ''}
end
starts[n + 1] = slot
if n + 1 > 2 * limit then table.remove(starts, 1) end
save()
return {granted(slot), slot - now, epoch, fmt(slot)}
"""


def rate_limit_key(api_key: str, base_url: str) -> str:
    """The Redis key of ``api_key``'s schedule at ``base_url``'s origin.

    Every client of one key (at one API) derives the same name, so they share one limit with
    no configuration. The key itself never reaches Redis: the name holds 128 bits of a salted
    SHA-256 of it, which cannot be turned back into a random API key.
    """
    scheme, host, port = origin(base_url) or ("", base_url, 0)
    digest = hashlib.sha256(
        f"actionnetwork-async rate limit\n{scheme}://{host}:{port}\n{api_key}".encode()
    ).hexdigest()
    return f"{KEY_PREFIX}rate-limit:{digest[:32]}"


def redacted_url(url: str) -> str:
    """``url`` without its password or query string, for messages and reprs."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<an invalid URL>"
    user = parts.username or ""
    userinfo = f"{user}:{REDACTED}@" if parts.password else (f"{user}@" if user else "")
    return f"{parts.scheme}://{userinfo}{host}{port}{parts.path}"


def import_redis() -> Any:
    """The ``redis`` package, or ``ConfigurationError`` naming the extra to install."""
    try:
        import redis.asyncio
    except ImportError as exc:
        raise ConfigurationError(f"Redis support needs the redis package: {REDIS_EXTRA}") from exc
    return redis


def connect(url: str, timeout: float) -> Redis:
    """A redis-py asyncio client for ``url`` (connecting on first use), as this library uses
    them: ``timeout`` seconds per connect and per command, text replies, and one immediate
    retry, so a pooled connection a restart broke is replaced at once. Waiting for a Redis
    that is down is the caller's business, not redis-py's."""
    redis = import_redis()
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    client: Redis = redis.asyncio.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
        decode_responses=True,
    )
    return client


def check_url(url: object, what: str) -> str:
    """``url`` if redis-py can connect with it; else ``ConfigurationError`` (no password in
    it), saying that ``what`` needs one."""
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"{what} needs a Redis URL such as redis://localhost:6379/0")
    from redis.asyncio.connection import parse_url

    try:
        parse_url(url)
    except ValueError:
        raise ConfigurationError(
            f"not a Redis URL: {redacted_url(url)} (redis://, rediss:// or unix://)"
        ) from None
    return url


class ServerClock:
    """Where the Redis server's clock stands against this event loop's (``loop.time()``), from
    the round trips seen: Cristian's algorithm, with error bounds. Pure: no clock of its own.

    A reply that Redis stamped ``server``, to a call sent at ``sent`` and read at ``received``
    (loop time), puts the offset ``server - local`` in ``[server - received, server - sent]``.
    The intersection of the last few such intervals, each widened by ``MAX_DRIFT`` per second
    of age, is as narrow as the fastest of those round trips: a reply held back by a busy
    machine (or a slow network) is placed by the others, so a waiter that reads its slot late,
    but before the slot, still starts on time. Timing from the latest local time the slot can
    be (the interval's low end) never starts early. An interval that misses the others (the
    server's clock was stepped) replaces them.
    """

    def __init__(self) -> None:
        self._samples: deque[tuple[float, float, float]] = deque(maxlen=_CLOCK_SAMPLES)

    def observe(self, server: float, sent: float, received: float) -> None:
        """A reply stamped ``server`` (seconds, Redis's clock) to a call sent at ``sent`` and
        read at ``received`` (seconds, loop time)."""
        low, high = server - received, server - sent
        if self._samples:
            known_low, known_high = self.bounds(received)
            if low > known_high or high < known_low:
                self._samples.clear()
        self._samples.append((low, high, received))

    @property
    def known(self) -> bool:
        """True once a round trip was seen: ``bounds`` and ``local`` need one."""
        return bool(self._samples)

    def bounds(self, now: float) -> tuple[float, float]:
        """The offset ``server - local`` lies in this interval at loop time ``now``."""
        low = max(lo - MAX_DRIFT * (now - at) for lo, _, at in self._samples)
        high = min(hi + MAX_DRIFT * (now - at) for _, hi, at in self._samples)
        return low, high

    def local(self, server: float, now: float) -> tuple[float, float]:
        """The latest loop time at which Redis's clock may read ``server``, and how much
        earlier it may have read it (the uncertainty); ``observe`` must have been called."""
        low, high = self.bounds(now)
        return server - low, max(0.0, high - low)


class _Link:
    """A limiter's link to Redis from one event loop: a redis-py client with the script on it,
    and a doorbell for the waiters sleeping on that loop.

    The doorbell is a subscription to ``<key>:holes``, where the script announces every slot
    given up ahead of time (a cancelled waiter's). Each process wakes its waiter with the
    latest slot after it, which moves into it; slots therefore do not go unused while others
    wait behind them. A bell that cannot ring (Redis restarting) only costs that: waiters also
    check back once a window.
    """

    def __init__(self, client: Redis, key: str) -> None:
        self.client = client
        self.script: AsyncScript = client.register_script(SCRIPT)
        self.channel = f"{key}:holes"
        self.sleeping: dict[asyncio.Event, int] = {}  # a waiter's bell -> its slot
        self.clock = ServerClock()  # Redis's clock against this loop's
        self._listener: asyncio.Task[None] | None = None

    def bell(self, slot: int) -> asyncio.Event:
        """A bell for a waiter of ``slot`` (remove it from ``sleeping`` when done)."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        bell = asyncio.Event()
        self.sleeping[bell] = slot
        return bell

    def ring(self, hole: int) -> None:
        """A slot was given up at ``hole``: wake the waiter with the latest slot after it."""
        later = [(slot, bell) for bell, slot in self.sleeping.items() if slot > hole]
        if later:
            max(later, key=lambda pair: pair[0])[1].set()

    async def _listen(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            async for message in pubsub.listen():
                if message["type"] == "message":
                    self.ring(int(message["data"]))
        except errors() as exc:
            log.debug("doorbell of %s stopped: %s", self.channel, type(exc).__name__)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # typed from redis 8.2

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self.client.aclose()


class RedisRateLimiter:
    """At most ``rate`` request starts in any ``1 s + margin``, across every process (on any
    machine) that uses the same Redis ``key``; a drop-in for ``SlidingWindowLimiter``.

    ``ActionNetwork(key, rate_limit=RedisRateLimiter.for_api_key(url, key))``, whose Redis key
    is derived from the API key so every client of that key shares one limit (what a client
    builds by itself when ``ACTION_NETWORK_REDIS_URL`` is set), or
    ``RedisRateLimiter(url, key=...)`` with a key of your choosing. ``url`` is a redis-py URL
    (``redis://user:password@host:6379/0``, ``rediss://`` for TLS); the connection is made on
    first use, on the event loop that uses it.

    ``rate``, ``margin`` and ``max_wait`` mean what they mean for ``SlidingWindowLimiter``
    (``max_wait`` refuses at once, without taking a slot, a request whose slot lies further
    ahead). ``timeout`` bounds each call to Redis (seconds). If Redis cannot be reached,
    requests wait for it up to ``unavailable_after`` seconds of outage (bounded by
    ``max_wait``); then the limiter fails closed with ``LimiterUnavailableError``, unless a
    ``fallback`` (a local ``SlidingWindowLimiter``, with a share of the rate) is given: then it
    warns, uses the fallback, and tries Redis again every ``RECHECK_INTERVAL`` seconds.
    ``max_pause`` caps the pause a 429's ``Retry-After`` puts on every process (seconds).
    """

    def __init__(
        self,
        url: str,
        *,
        key: str,
        rate: float = 4.0,
        margin: float = DEFAULT_MARGIN,
        max_wait: float | None = None,
        fallback: SlidingWindowLimiter | None = None,
        unavailable_after: float = 5.0,
        timeout: float = 1.0,
        max_pause: float = DEFAULT_MAX_RETRY_AFTER,
    ) -> None:
        import_redis()
        self._url = check_url(url, "RedisRateLimiter")
        if not isinstance(key, str) or not key:
            raise ConfigurationError(f"key must be a non-empty string, got {key!r}")
        # The same checks as the local limiter, and the same schedule arithmetic.
        local = SlidingWindowLimiter(rate, margin=margin, max_wait=max_wait)
        if fallback is not None and not isinstance(fallback, SlidingWindowLimiter):
            raise ConfigurationError(f"fallback must be a SlidingWindowLimiter, got {fallback!r}")
        self.key = key
        self.rate, self.margin, self.max_wait = local.rate, local.margin, local.max_wait
        self.schedule: SlotSchedule = local.schedule
        self.fallback = fallback
        self.unavailable_after = non_negative_number(unavailable_after, "unavailable_after")
        self.timeout = positive_number(timeout, "timeout")
        #: The longest pause a 429 puts on every process (the client passes its retry policy's
        #: ``max_retry_after``); a longer pause found in Redis is cut back to it too.
        self.max_pause = positive_number(max_pause, "max_pause")
        self.url = redacted_url(url)
        self._password = urlsplit(url).password
        self._links: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Link] = (
            weakref.WeakKeyDictionary()
        )
        self._down_since: float | None = None  # time.monotonic() of the outage's first failure
        self._on_fallback = False
        self._recheck_at = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self._fastest = float("inf")  # the fastest round trip to Redis seen (seconds)

    @classmethod
    def for_api_key(
        cls,
        url: str,
        api_key: str,
        base_url: str | None = None,
        *,
        rate: float = 4.0,
        margin: float = DEFAULT_MARGIN,
        max_wait: float | None = None,
        fallback: SlidingWindowLimiter | None = None,
        unavailable_after: float = 5.0,
        timeout: float = 1.0,
        max_pause: float = DEFAULT_MAX_RETRY_AFTER,
    ) -> RedisRateLimiter:
        """The limiter every client of ``api_key`` at ``base_url`` shares: its Redis key is
        ``rate_limit_key(api_key, base_url)``, the one a client derives by itself when
        ``ACTION_NETWORK_REDIS_URL`` is set. ``base_url`` defaults as the client's does
        (``ACTION_NETWORK_BASE_URL``, else the real API's). The API key itself is kept
        nowhere: only its salted hash is. The other options are the constructor's."""
        if not isinstance(api_key, str) or not api_key:
            raise ConfigurationError("for_api_key needs the API key, a non-empty string")
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        if not isinstance(base_url, str):
            kind = type(base_url).__name__
            raise ConfigurationError(f"base_url must be a URL string, got a {kind}")
        return cls(
            url,
            key=rate_limit_key(api_key, base_url),
            rate=rate,
            margin=margin,
            max_wait=max_wait,
            fallback=fallback,
            unavailable_after=unavailable_after,
            timeout=timeout,
            max_pause=max_pause,
        )

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter({self.url!r}, key={self.key!r}, rate={self.rate}, "
            f"margin={self.margin}, max_wait={self.max_wait}, fallback={self.fallback!r})"
        )

    @property
    def unavailable_for(self) -> float | None:
        """Seconds since Redis stopped answering (None while it answers): for health checks."""
        return None if self._down_since is None else time.monotonic() - self._down_since

    # -- the protocol ---------------------------------------------------------------------------
    #: ``acquire`` takes a ``max_wait`` of its own (``ActionNetwork.with_options``).
    takes_max_wait = True

    async def acquire(self, *, max_wait: float | _Unset | None = UNSET) -> None:
        """Wait for this request's slot in the shared schedule.

        Raises ``LimiterTimeoutError`` (the slot lies past ``max_wait``, this call's when
        given: nothing is taken) or ``LimiterUnavailableError`` (Redis out of reach for
        ``unavailable_after``, no fallback).
        """
        bound = self.max_wait if isinstance(max_wait, _Unset) else max_wait
        loop = asyncio.get_running_loop()
        deadline = None if bound is None else loop.time() + bound
        if self._on_fallback and time.monotonic() < self._recheck_at:
            await self._fallback_acquire(max_wait)
            return
        result = await self._call("reserve", deadline)
        while result is not None:  # None: Redis is out of reach and the fallback granted it
            code, wait, epoch, slot = int(result[0]), int(result[1]) / _US, result[2], result[3]
            if not code:
                raise self._timeout(wait, bound)
            if code == 2 or wait <= 0:
                # Confirmed (the slot is now, or at most CONFIRM_AHEAD away): start at it, if
                # on time. A start later than its slot would come closer than a window to the
                # start N after it. The slot is placed on this loop's clock by every recent
                # round trip (ServerClock), not by this one's answer alone, which a busy
                # machine may have held back; what that placement leaves uncertain beyond the
                # fastest round trip seen counts as late too, like the timer's own lateness.
                due, uncertain = self._link().clock.local(int(slot) / _US, loop.time())
                unsure = max(0.0, uncertain - self._fastest)
                if due > loop.time():
                    try:
                        await asyncio.sleep(due - loop.time())
                    except asyncio.CancelledError:
                        self._spawn(self._once("release", epoch=epoch, slot=slot))
                        raise
                late = unsure + max(0.0, loop.time() - due)
                if late <= LATE_START_TOLERANCE:
                    return
                # Late: the slot is left unused (it still counts), the request queues again.
                # The log tells the placement's share from the timer's (a busy machine's).
                log.debug(
                    "a slot would start %.1f ms late (%.1f ms of it uncertainty about Redis's "
                    "clock): queueing again",
                    late * 1e3,
                    unsure * 1e3,
                )
                result = await self._call("reserve", deadline)
                continue
            # Reserved: sleep until shortly before the slot, or until the doorbell says a slot
            # ahead was given up (a cancelled waiter's), or a window at most; then check back.
            # The check finds out whether the slot still stands (no restart, no Retry-After
            # since, not too late to use); if not, its answer is a new reservation. "Shortly
            # before" on the clock every round trip agrees on: an answer held back must not
            # delay the check as well.
            link = self._link()
            due, _ = link.clock.local(int(slot) / _US, loop.time())
            nap = min(max(0.0, due - _CHECK_LEAD - loop.time()), self.schedule.window)
            bell = link.bell(int(slot))
            try:
                await asyncio.wait_for(bell.wait(), nap)
            except asyncio.TimeoutError:
                pass
            except asyncio.CancelledError:
                self._spawn(self._once("release", epoch=epoch, slot=slot))
                raise
            finally:
                del link.sleeping[bell]
            result = await self._call("check", deadline, epoch=epoch, slot=slot)
            if result is not None and result[3] and int(result[3]) > int(slot):
                log.debug(
                    "a slot no longer stood when checked (too late to use, a restart or a 429 "
                    "since): queueing again"
                )

    def on_rate_limited(self, retry_after: float | None, *, sent_at: float) -> None:
        """A request started at ``sent_at`` got a 429: every process pauses and slows down."""
        loop = asyncio.get_running_loop()
        if self._on_fallback and self.fallback is not None:
            self.fallback.on_rate_limited(retry_after, sent_at=sent_at)
        pause = -1 if retry_after is None else math.ceil(min(retry_after, self.max_pause) * _US)
        sent_ago = max(0, round((loop.time() - sent_at) * _US))
        self._spawn(self._once("penalize", pause, sent_ago))

    async def aclose(self) -> None:
        """Let feedback still on its way reach Redis, then close this event loop's connection
        to it (a later request opens a new one). The client's ``aclose`` calls this."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(t for t in self._tasks if t.get_loop() is loop))
        link = self._links.pop(loop, None)
        if link is not None:
            await link.aclose()

    # -- talking to Redis -----------------------------------------------------------------------
    async def _run(
        self, op: str, first: int, second: int, epoch: str, slot: str, *, expire: bool = False
    ) -> list[str]:
        """One run of the script (``SCRIPT`` documents the arguments): its reply. A reply with
        a slot also tells where Redis's clock stands (``ServerClock``). With ``expire``, the
        call books nothing if Redis runs it after redis-py stops waiting for its reply
        (``timeout``), on the earliest reading of Redis's clock the round trips allow."""
        loop = asyncio.get_running_loop()
        link = self._link()
        sent = loop.time()
        expires = -1
        if expire and link.clock.known:
            low, _ = link.clock.bounds(sent)
            expires = math.floor((sent + low + self.timeout) * _US)
        args: list[str | int | float] = [
            op,
            self.schedule.limit,
            math.ceil(self.schedule.window * _US),
            round(RECOVERY_HALF_LIFE * _US),
            BACKOFF_FACTOR,
            MAX_SLOWDOWN,
            round(IDLE_TTL * 1000),
            first,
            second,
            epoch,
            slot,
            round(LATE_START_TOLERANCE * _US),
            round(CONFIRM_AHEAD * _US),
            math.ceil(self.max_pause * _US),
            expires,
        ]
        reply: list[str] = await link.script(keys=[self.key], args=args)
        received = loop.time()
        self._fastest = min(self._fastest, received - sent)
        if reply[3]:  # the slot minus its wait: the server's clock when the script ran
            link.clock.observe((int(reply[3]) - int(reply[1])) / _US, sent, received)
        return reply

    def _link(self) -> _Link:
        """The link from the running loop, made on first use there: a limiter built in one
        thread can serve a blocking client's private loop, or several loops at once."""
        loop = asyncio.get_running_loop()
        link = self._links.get(loop)
        if link is None:
            link = self._links[loop] = _Link(connect(self._url, self.timeout), self.key)
        return link

    async def _call(
        self, op: str, deadline: float | None, *, epoch: str = "", slot: str = ""
    ) -> list[str] | None:
        """Reserve or check a slot (``_run``'s answer); wait out a short outage; None once
        the fallback took over.

        While Redis is unreachable the call is tried again (pauses of 50 to 500 ms) until the
        outage is ``unavailable_after`` old or ``deadline`` passes; then it fails closed or
        falls back. On the fallback, one try: the outage is old already.
        """
        loop = asyncio.get_running_loop()
        failures = errors()
        pause = _RECONNECT_FIRST
        expired = 0
        while True:
            max_wait = -1 if deadline is None else max(0, round((deadline - loop.time()) * _US))
            try:
                # A call Redis runs after its reply is given up on books nothing. Twice
                # expired on arrival: the clock estimate was off (the reply corrected it);
                # the third try does without.
                result = await self._run(
                    op, max_wait, self._quiet_ago(loop), epoch, slot, expire=expired < 2
                )
            except failures as exc:
                error: BaseException = exc
            else:
                self._recovered()
                if int(result[0]) == 3:
                    expired += 1
                    continue
                return result
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
            left = self._down_since + self.unavailable_after - now
            if deadline is not None:
                left = min(left, deadline - loop.time())
            if self._on_fallback or left <= 0:
                await self._unavailable(error)
                return None
            await asyncio.sleep(min(left, pause * random.uniform(0.5, 1.0)))
            pause = min(2 * pause, _RECONNECT_MAX)

    async def _once(
        self, op: str, first: int = -1, second: int = -1, *, epoch: str = "", slot: str = ""
    ) -> None:
        """Feedback that nothing waits for (a 429, a slot given up): one try, never raises."""
        try:
            await self._run(op, first, second, epoch, slot)
        except errors() as exc:
            log.warning("could not tell Redis at %s (%s): %s", self.url, op, self._describe(exc))

    def _quiet_ago(self, loop: asyncio.AbstractEventLoop) -> int:
        """On the fallback: how long ago it last let a request start (microseconds), so that
        the shared schedule, which never saw those starts, keeps a window clear after them."""
        if not self._on_fallback or self.fallback is None or not self.fallback.schedule.starts:
            return -1
        return max(0, round((loop.time() - self.fallback.schedule.starts[-1]) * _US))

    # -- outages --------------------------------------------------------------------------------
    async def _unavailable(self, error: BaseException) -> None:
        """Redis stayed out of reach: fail closed, or go on with the fallback."""
        if self.fallback is None:
            raise LimiterUnavailableError(
                f"the shared rate limit in Redis at {self.url} cannot be reached "
                f"({self._describe(error)}); failing closed so that no process exceeds the "
                "API key's limit. Pass fallback=SlidingWindowLimiter(...) to go on with a "
                "local limit instead"
            ) from error
        if not self._on_fallback:
            self._on_fallback = True
            log.warning(
                "Redis at %s cannot be reached (%s): requests now wait on the local fallback "
                "limiter %r, whose limit is not shared; trying Redis again every %gs",
                self.url,
                self._describe(error),
                self.fallback,
                RECHECK_INTERVAL,
            )
        self._recheck_at = time.monotonic() + RECHECK_INTERVAL
        await self._fallback_acquire()

    def _recovered(self) -> None:
        self._down_since = None
        if self._on_fallback:
            self._on_fallback = False
            log.warning("Redis at %s answers again: the shared limit applies again", self.url)

    async def _fallback_acquire(self, bound: float | _Unset | None = UNSET) -> None:
        assert self.fallback is not None
        if not isinstance(bound, _Unset) and getattr(self.fallback, "takes_max_wait", False):
            await self.fallback.acquire(max_wait=bound)  # type: ignore[call-arg, unused-ignore]
        else:
            await self.fallback.acquire()

    # -- helpers --------------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _describe(self, error: BaseException) -> str:
        """An error of redis-py in a few words, with no password in them."""
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return redact_password(text, self._password)

    def _timeout(self, wait: float, bound: float | None) -> LimiterTimeoutError:
        return LimiterTimeoutError(
            f"no request slot within max_wait={bound or 0:g}s (the next slot shared through "
            f"Redis is {wait:.2f}s away, {self.rate:g}/s)"
        )


def errors() -> tuple[type[BaseException], ...]:
    """What redis-py raises when Redis cannot do what was asked (imported lazily)."""
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def redact_password(text: str, password: str | None) -> str:
    """``text`` without ``password`` (as written in a URL, or decoded)."""
    if not password:
        return text
    for form in {password, unquote(password)}:
        text = text.replace(form, REDACTED)
    return text
