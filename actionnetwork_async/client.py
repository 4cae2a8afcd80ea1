"""The client: one transport (session + limiter + retries) and the HAL walker over it."""

from __future__ import annotations

import asyncio
import copy
import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING, cast

import aiohttp
import attrs

from ._entrycache import DEFAULT_ENTRY_TTL, EntryCache, EntryPoint, entry_digest
from ._settings import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, REDIS_URL_ENV
from .errors import ConfigurationError
from .limiter import UNSET, RateLimiter, SlidingWindowLimiter, Unlimited, _Unset
from .resources._declare import DEFAULT_CHUNK_SIZE, Context
from .resources.catalog import Catalog
from .retry import DEFAULT_MAX_RETRY_AFTER, RetryPolicy
from .sansio import REDACTED
from .transport import DEFAULT_MAX_RESPONSE_BYTES, USER_AGENT, Transport, TransportStats
from .walker import DEFAULT_PREFETCH, HalWalker, collection_rels

if TYPE_CHECKING:
    from .redis import RedisRateLimiter
    from .redis_lock import RedisLocks

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_ENTRY_TTL",
    "DEFAULT_PREFETCH",
    "REDIS_URL_ENV",
    "ActionNetwork",
    "EntryCache",
    "Ping",
]


@attrs.frozen
class Ping:
    """What ``ActionNetwork.ping()`` found: the seconds the entry point took to answer, the
    client's collections the key can reach (``("people", "events", ...)``) and every
    collection rel the entry point listed."""

    latency: float
    collections: tuple[str, ...]
    rels: tuple[str, ...]


class ActionNetwork(Catalog):
    """An Action Network API v2 client; safe to share between many tasks.

    ``rate_limit`` is the one limiter every request of this client waits on: a number
    (requests per second, default the API's 4) builds a ``SlidingWindowLimiter``, or a
    ``RedisRateLimiter`` keyed by a hash of the API key when ``ACTION_NETWORK_REDIS_URL`` is
    set, so every process and machine using the key shares its limit (the ``redis`` extra;
    docs/redis.md); a limiter object is used as it is (``SlidingWindowLimiter(4,
    max_wait=0.5)`` to fail fast, ``RedisRateLimiter.for_api_key(url, key)``, or one shared
    between clients); None is no limit. ``retry`` is the ``RetryPolicy`` (default
    ``RetryPolicy()``). The API key comes from ``ACTION_NETWORK_API_KEY`` if omitted, the base
    URL from ``ACTION_NETWORK_BASE_URL`` (else the real API's). The key is only ever sent to
    the base URL's origin; a key no HTTP header can carry (a line break read with it from a
    file) is a ``ConfigurationError`` here. ``max_response_bytes`` (default 32 MiB) bounds one
    answer: a larger one raises ``ResponseTooLargeError`` as soon as its ``Content-Length`` or
    its body passes the bound, without reading it whole. ``entry_cache`` shares the API entry
    point's links between the clients of one key for 10 minutes, so each run does not spend a
    rate-limited request on them: a directory, a Redis URL, or an ``EntryCache`` (None: this
    client keeps them for its life only; docs/rate-limiting.md). A directory also carries the
    limiter's last second over: a client leaves its recent request starts there when it
    closes, and the key's next client counts them before its first request, so runs one after
    another keep the limit as the server counts it. docs/reference/client.md has a table of
    every option.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        rate_limit: float | RateLimiter | None = 4.0,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        prefetch: int = DEFAULT_PREFETCH,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 16,
        user_agent: str = USER_AGENT,
        list_chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        entry_cache: EntryCache | str | os.PathLike[str] | None = None,
    ) -> None:
        api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not api_key:
            raise ConfigurationError(
                f"no API key: pass api_key= or set the {API_KEY_ENV} environment variable"
            )
        if base_url is None:
            base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        if not isinstance(base_url, str):  # the transport checks that it is an http(s) URL
            raise ConfigurationError(f"base_url must be a URL string, got {base_url!r}")
        if not base_url.endswith("/"):
            base_url += "/"
        policy = RetryPolicy() if retry is None else retry  # the transport checks its type
        max_pause = (
            policy.max_retry_after if isinstance(policy, RetryPolicy) else DEFAULT_MAX_RETRY_AFTER
        )
        limiter = self._built_in_limiter(api_key, base_url, rate_limit, max_pause)
        if entry_cache is not None and not isinstance(entry_cache, EntryCache):
            entry_cache = EntryCache(entry_cache)
        digest = entry_digest(api_key, base_url)
        entry = EntryPoint(base_url, cache=entry_cache, digest=digest)
        #: The API's base URL, ending in ``/``: the key is only ever sent to its origin.
        self.base_url = base_url
        #: The one place doing HTTP: session, key, limiter, retries. ``stats`` counts what it
        #: did (attempts, retries, statuses) and ``server_clock`` is the server's time.
        self._transport = Transport(
            api_key,
            base_url=base_url,
            limiter=limiter,
            retry=policy,
            session=session,
            timeout=timeout,
            max_connections=max_connections,
            user_agent=user_agent,
            max_response_bytes=max_response_bytes,
            starts=None if entry_cache is None else (entry_cache, digest),
        )
        #: The generic HAL walker: follow any rel, stream any collection, write anywhere.
        self.hal = HalWalker(self._transport, base_url, prefetch=prefetch, entry=entry)
        #: Locks shared through the limiter's Redis (None without it): one change at a time
        #: to a unique ID list across every process and machine, not only within this client.
        self.shared_locks = _shared_locks(limiter)
        # with_options: the client this one shares its session and limiter with
        self._derived_from: ActionNetwork | None = None
        # The typed facades (``resources.catalog``) are made from this on first use.
        self._context = Context(
            self.hal, list_chunk_size=list_chunk_size, shared_locks=self.shared_locks
        )

    @staticmethod
    def _built_in_limiter(
        api_key: str, base_url: str, rate_limit: object, max_pause: float
    ) -> RateLimiter:
        """The limiter ``rate_limit`` asks for: a number builds one (shared through Redis when
        ``ACTION_NETWORK_REDIS_URL`` is set), a limiter is used as it is, None is no limit."""
        if rate_limit is None:
            return Unlimited()
        if isinstance(rate_limit, (int, float)) and not isinstance(rate_limit, bool):
            redis_url = os.environ.get(REDIS_URL_ENV)
            if redis_url:
                from .redis import RedisRateLimiter, rate_limit_key

                key = rate_limit_key(api_key, base_url)
                return RedisRateLimiter(redis_url, key=key, rate=rate_limit, max_pause=max_pause)
            return SlidingWindowLimiter(rate_limit)
        if isinstance(rate_limit, RateLimiter):
            return rate_limit
        raise ConfigurationError(
            "rate_limit must be a number of requests per second, a limiter (an object with "
            f"async acquire()) or None, got {type(rate_limit).__name__}"
        )

    def __repr__(self) -> str:
        return f"ActionNetwork(base_url={self.base_url!r}, api_key={REDACTED!r})"

    @property
    def stats(self) -> TransportStats:
        """What the client did so far: attempts, retries, statuses, rate limited waits."""
        return self._transport.stats

    @property
    def limiter(self) -> RateLimiter:
        """The limiter every request of this client waits on."""
        return self._transport.limiter

    def with_options(
        self,
        *,
        max_wait: float | _Unset | None = UNSET,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> ActionNetwork:
        """A client with other options that shares this one's session, key and one limiter:
        what the two send together stays within the limit. ``max_wait`` bounds how long a
        request of the new client waits for its slot (``LimiterTimeoutError`` past it; None:
        no bound), so a web handler can fail fast while a background job on this client
        queues; ``timeout`` and ``retry`` replace this client's. Closing it closes nothing
        shared; closing this client ends both.
        """
        derived = copy.copy(self)
        derived._transport = self._transport.derive(timeout=timeout, retry=retry, max_wait=max_wait)
        derived.hal = HalWalker(
            derived._transport, self.base_url, prefetch=self.hal.prefetch, entry=self.hal._entry
        )
        derived._context = Context(
            derived.hal,
            list_chunk_size=self._context.list_chunk_size,
            shared_locks=self.shared_locks,
        )
        derived._derived_from = self
        return derived

    async def ping(self) -> Ping:
        """Read the entry point afresh and check the key, for readiness probes: one request,
        through the limiter. Returns how long it took and what the key can reach; a key the
        API does not take raises ``AuthenticationError`` (the API answers it with 200 and no
        collection links: https://actionnetwork.org/docs/v2/)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = await self.hal.get(self.base_url)
        latency = loop.time() - started
        rels = tuple(collection_rels(answer, self.base_url))
        reachable = tuple(
            name for name, declared in self.declared().items() if declared.rel in rels
        )
        return Ping(latency=latency, collections=reachable, rels=rels)

    async def aclose(self) -> None:
        """Close the HTTP session (unless it was passed in) and the limiter's connections (a
        shared limiter's store; it reconnects if another client still uses it). A client made
        by ``with_options`` closes only itself."""
        if self._derived_from is not None:
            await self._transport.aclose()  # marks it closed; the session is the other's
            return
        await self._transport.aclose()
        close = getattr(self.limiter, "aclose", None)
        if close is not None:
            await close()
        if self.shared_locks is not None:
            await self.shared_locks.aclose()

    async def __aenter__(self) -> ActionNetwork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _shared_locks(limiter: RateLimiter) -> RedisLocks | None:
    """Locks through the Redis ``limiter`` shares its limit through; None for another limiter.
    Only ``actionnetwork_async.redis`` makes a ``RedisRateLimiter``: while nothing imported it,
    no limiter is one, and the client imports neither it nor ``redis_lock`` (start-up)."""
    module = sys.modules.get(f"{__package__}.redis")
    if module is None or not isinstance(limiter, module.RedisRateLimiter):
        return None
    from .redis_lock import RedisLocks

    redis = cast("RedisRateLimiter", limiter)
    return RedisLocks(redis._url, timeout=redis.timeout)  # the URL with its password
