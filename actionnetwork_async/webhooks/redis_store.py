"""The webhook receiver's idempotency store in Redis: several receiver processes behind one URL
handle each delivery once.

``RedisIdempotencyStore`` implements ``IdempotencyStore`` (see its rules in ``receiver``) with
one Redis key per idempotency key, whose value is ``pending:<owner>`` while an attempt holds
it and ``done`` once handled:

* ``claim``: one small script, atomic across every process: no key -> ``SET pending:<owner>``
  with the lease as its expiry, ``CLAIMED``; ``done`` -> ``DONE``; ``pending:...`` ->
  ``IN_PROGRESS``. The lease is Redis's expiry, so the claim of a receiver that crashed
  mid-handler frees itself when it runs out, whatever became of that process.
* ``complete``: ``SET done`` with the store's retention (a day by default, longer than Action
  Network retries a delivery).
* ``release``: compare-and-delete, one script: the key is deleted only while it still holds
  ``pending:<owner>``; a claim that ran out and was taken by another attempt is left alone,
  and a done key stays done.

Redis errors (unreachable, timed out) propagate: the receiver answers a delivery it could not
claim with 503, so Action Network sends it again later, and nothing is handled unclaimed.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from typing import TYPE_CHECKING

from .._validate import positive_number
from ..errors import ConfigurationError
from ..redis import KEY_PREFIX, check_url, connect, redacted_url
from .receiver import DEFAULT_TTL, Claim

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = ["CLAIM_SCRIPT", "RELEASE_SCRIPT", "RedisIdempotencyStore"]

#: Take the key for ARGV[1] (an owner) for ARGV[2] ms, unless it is in progress or done.
CLAIM_SCRIPT = """
local value = redis.call('GET', KEYS[1])
if value == 'done' then return 'done' end
if value then return 'in progress' end  -- pending:<owner>, its lease (expiry) still running
redis.call('SET', KEYS[1], 'pending:' .. ARGV[1], 'PX', ARGV[2])
return 'claimed'
"""

#: Delete the key only while ARGV[1] (an owner) still holds it.
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == 'pending:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_CLAIMS = {"claimed": Claim.CLAIMED, "in progress": Claim.IN_PROGRESS, "done": Claim.DONE}


class RedisIdempotencyStore:
    """Which webhook deliveries are being handled or were handled, kept in Redis for every
    receiver that shares ``url`` (``receiver(handle, store=RedisIdempotencyStore(url))``).

    Keys are ``prefix`` + the delivery's idempotency key; handled keys are kept ``ttl`` seconds
    (a day). ``timeout`` bounds each call to Redis. The connection is made on first use, on
    the event loop that uses the store; ``aclose()`` closes it.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = f"{KEY_PREFIX}webhook:",
        ttl: float = DEFAULT_TTL,
        timeout: float = 1.0,
    ) -> None:
        self._url = check_url(url, "RedisIdempotencyStore")
        if not isinstance(prefix, str):
            raise ConfigurationError(f"prefix must be a string, got {prefix!r}")
        self.prefix = prefix
        self.ttl = positive_number(ttl, "ttl")
        self.timeout = positive_number(timeout, "timeout")
        self.url = redacted_url(url)
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[Redis, AsyncScript, AsyncScript]
        ] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"RedisIdempotencyStore({self.url!r}, prefix={self.prefix!r}, ttl={self.ttl:g})"

    def _connection(self) -> tuple[Redis, AsyncScript, AsyncScript]:
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is None:
            client = connect(self._url, self.timeout)
            entry = (
                client,
                client.register_script(CLAIM_SCRIPT),
                client.register_script(RELEASE_SCRIPT),
            )
            self._clients[loop] = entry
        return entry

    async def claim(self, key: str, *, owner: str, lease: float) -> Claim:
        """See ``IdempotencyStore.claim``: atomic across every process sharing the store."""
        _, claim, _ = self._connection()
        lease_ms = max(1, math.ceil(lease * 1000))
        found = await claim(keys=[self.prefix + key], args=[owner, lease_ms])
        return _CLAIMS[found]

    async def complete(self, key: str, *, owner: str) -> None:
        """See ``IdempotencyStore.complete``: the key is done for ``ttl`` seconds."""
        client, _, _ = self._connection()
        await client.set(self.prefix + key, "done", px=math.ceil(self.ttl * 1000))

    async def release(self, key: str, *, owner: str) -> None:
        """See ``IdempotencyStore.release``: deleted only while ``owner`` still holds it."""
        _, _, release = self._connection()
        await release(keys=[self.prefix + key], args=[owner])

    async def aclose(self) -> None:
        """Close this event loop's connection to Redis (a later call opens a new one)."""
        entry = self._clients.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[0].aclose()
