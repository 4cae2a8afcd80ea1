"""Locks shared through Redis by every process and machine: one holder at a time per name.

``RedisLocks(url).lock(name)`` is an async context manager. Taking it is ``SET key token NX
PX lease`` with a random token; while held, a background task renews the lease (every third of
it) with a script that extends the key only if it still holds this token; leaving deletes the
key with a compare-and-delete script, so a holder whose lease ran out never frees someone
else's lock. If renewal fails until the lease runs out (Redis stalled or gone, or the key was
lost in a restart), the lock is *lost*: ``check()`` raises ``LockLostError``, and a holder
calls it before each step it must not take unlocked. While Redis cannot be reached, taking a
lock waits up to ``unavailable_after`` seconds, then raises ``LockUnavailableError``.

The client uses these for the unique ID lists when it shares its rate limit through Redis
(a ``RedisRateLimiter``), so two processes never change one list at once (docs/resources.md).
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
import weakref
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._validate import positive_number
from .errors import LockLostError, LockUnavailableError
from .redis import check_url, connect, errors, redact_password, redacted_url

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DEFAULT_LEASE", "RedisLock", "RedisLocks"]

log = logging.getLogger("actionnetwork_async.redis_lock")

#: How long a lock outlives its holder's last renewal (seconds): a crashed holder's lock frees
#: itself this long after the crash.
DEFAULT_LEASE = 10.0
_POLL_FIRST, _POLL_MAX = 0.02, 0.25  # seconds between tries of a lock someone holds

# Extend (or delete) the key only while it holds this holder's token.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLocks:
    """Locks by name in the Redis at ``url``; ``lease``, ``timeout`` (per call to Redis) and
    ``unavailable_after`` are seconds. Connections are made per event loop, on first use."""

    def __init__(
        self,
        url: str,
        *,
        lease: float = DEFAULT_LEASE,
        timeout: float = 1.0,
        unavailable_after: float = 5.0,
    ) -> None:
        self._url = check_url(url, "RedisLocks")
        self.url = redacted_url(url)
        self.lease = positive_number(lease, "lease")
        self.timeout = positive_number(timeout, "timeout")
        self.unavailable_after = positive_number(unavailable_after, "unavailable_after")
        self._password = urlsplit(url).password  # check_url parsed it already
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"RedisLocks({self.url!r}, lease={self.lease})"

    def lock(self, name: str) -> RedisLock:
        """The lock called ``name`` (a Redis key; it should hold no secret)."""
        return RedisLock(self, name)

    async def aclose(self) -> None:
        """Let releases on their way reach Redis, then close this loop's connection."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(t for t in self._tasks if t.get_loop() is loop))
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()

    def _client(self) -> Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = connect(self._url, self.timeout)
        return client

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _describe(self, error: BaseException) -> str:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        return redact_password(text, self._password)


class RedisLock:
    """One lock of a ``RedisLocks``: ``async with locks.lock(name) as held: ... held.check()``."""

    def __init__(self, locks: RedisLocks, name: str) -> None:
        self.name = name
        self._locks = locks
        self._token = ""
        self._renewer: asyncio.Task[None] | None = None
        #: Loop time until which the lease is known to stand (0: not held).
        self._good_until = 0.0
        #: True once the lease ran out while held: the holder must stop.
        self.lost = False
        #: Set when the lock is found lost (for a holder that waits for it rather than checks).
        self.lost_event = asyncio.Event()

    def __repr__(self) -> str:
        return f"<RedisLock {self.name!r} lost={self.lost}>"

    def check(self) -> None:
        """Raise ``LockLostError`` if the lease may have run out: another holder may be in."""
        if self.lost or asyncio.get_running_loop().time() >= self._good_until:
            self.lost = True
            self.lost_event.set()
            raise LockLostError(
                f"the lock {self.name!r} in Redis at {self._locks.url} was lost while held "
                "(its lease ran out unrenewed): stopped, so that two holders never overlap"
            )

    async def __aenter__(self) -> RedisLock:
        locks, loop = self._locks, asyncio.get_running_loop()
        token = secrets.token_hex(16)
        lease_ms = round(locks.lease * 1000)
        pause, down_since = _POLL_FIRST, None
        while True:
            asked = loop.time()
            try:
                taken = await locks._client().set(self.name, token, nx=True, px=lease_ms)
            except asyncio.CancelledError:
                # It may have been taken: free it (only if it holds this token).
                locks._spawn(self._release(token))
                raise
            except errors() as exc:
                now = time.monotonic()
                down_since = now if down_since is None else down_since
                if now - down_since >= locks.unavailable_after:
                    raise LockUnavailableError(
                        f"the lock {self.name!r} cannot be taken: Redis at {locks.url} "
                        f"cannot be reached ({locks._describe(exc)})"
                    ) from None
                taken = False
            else:
                down_since = None
            if taken:
                self._token, self._good_until, self.lost = token, asked + locks.lease, False
                self.lost_event.clear()
                self._renewer = loop.create_task(self._renew())
                return self
            await asyncio.sleep(pause * random.uniform(0.5, 1.0))
            pause = min(2 * pause, _POLL_MAX)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        token, self._token, self._good_until = self._token, "", 0.0
        if token:
            self._locks._spawn(self._release(token))

    async def _renew(self) -> None:
        """Extend the lease every third of it while held; on a failure try again sooner, and
        mark the lock lost once the lease may have run out, or the key no longer holds it."""
        locks, loop = self._locks, asyncio.get_running_loop()
        lease_ms = round(locks.lease * 1000)
        while not self.lost:
            await asyncio.sleep(
                locks.lease / 3 if loop.time() + locks.lease / 2 < self._good_until else 0.05
            )
            asked = loop.time()
            try:
                kept = await locks._client().eval(_RENEW, 1, self.name, self._token, lease_ms)
            except errors() as exc:
                log.debug("could not renew lock %s: %s", self.name, locks._describe(exc))
                if loop.time() >= self._good_until:
                    self._lose()
                continue
            if not int(kept):
                self._lose()
            else:
                self._good_until = asked + locks.lease

    def _lose(self) -> None:
        self.lost = True
        self.lost_event.set()
        log.warning("lost the lock %s in Redis at %s", self.name, self._locks.url)

    async def _release(self, token: str) -> None:
        """Delete the key if it still holds ``token``; one try (the lease frees it anyway)."""
        try:
            await self._locks._client().eval(_RELEASE, 1, self.name, token)
        except errors() as exc:
            log.warning(
                "could not release lock %s (%s); it frees itself when its lease runs out",
                self.name,
                self._locks._describe(exc),
            )
