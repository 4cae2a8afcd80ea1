"""The client: one transport (session + limiter + retries) and the HAL walker over it."""

from __future__ import annotations

import os
from types import TracebackType

import aiohttp
import attrs

from .errors import ConfigurationError
from .limiter import RateLimiter, SlidingWindowLimiter, Unlimited
from .redis import RedisRateLimiter, rate_limit_key
from .redis_lock import RedisLocks
from .resources import (
    DEFAULT_CHUNK_SIZE,
    AdvocacyCampaigns,
    Campaigns,
    Donations,
    EventCampaigns,
    Events,
    Forms,
    FundraisingPages,
    Lists,
    Messages,
    Metadata,
    People,
    Petitions,
    Queries,
    Surveys,
    Tags,
    UniqueIdLists,
    Wrappers,
)
from .retry import DEFAULT_MAX_RETRY_AFTER, RetryPolicy
from .sansio import REDACTED
from .transport import DEFAULT_MAX_RESPONSE_BYTES, USER_AGENT, Transport
from .walker import DEFAULT_PREFETCH, HalWalker

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_PREFETCH",
    "REDIS_URL_ENV",
    "ActionNetwork",
]

#: The real API's entry point; ``base_url`` and ``ACTION_NETWORK_BASE_URL`` override it.
DEFAULT_BASE_URL = "https://actionnetwork.org/api/v2/"
#: Where the key is read from when ``api_key`` is not passed (the client's and the CLI's).
API_KEY_ENV = "ACTION_NETWORK_API_KEY"
#: Read like the key when ``base_url`` is not passed: point a whole program at the emulator.
BASE_URL_ENV = "ACTION_NETWORK_BASE_URL"
#: Read when ``redis_url`` is not passed: every client of the key shares its limit through Redis.
REDIS_URL_ENV = "ACTION_NETWORK_REDIS_URL"


class ActionNetwork:
    """An Action Network API v2 client; safe to share between many tasks.

    ``rate_limit`` (requests per second, default the API's 4) builds the one limiter every
    request of this client waits on, a ``SlidingWindowLimiter``; pass ``limiter=`` instead to
    share one between clients, or ``rate_limit=None`` for none. ``redis_url`` (or the
    ``ACTION_NETWORK_REDIS_URL`` variable) makes it a ``RedisRateLimiter`` instead, keyed by a
    hash of the API key, so every process and machine using the key shares its limit (the
    ``redis`` extra; docs/redis.md). ``max_wait`` (seconds) bounds
    how long a request may wait for its slot: past it, ``LimiterTimeoutError`` is raised at
    once (for web handlers that should fail fast; off by default, as batch jobs want to
    queue). The API key comes from ``ACTION_NETWORK_API_KEY`` if omitted, the base URL from
    ``ACTION_NETWORK_BASE_URL`` (else the real API's). The key is only ever sent to the base
    URL's origin; a key no HTTP header can carry (a line break read with it from a file) is a
    ``ConfigurationError`` here. ``max_response_bytes`` (default 32 MiB) bounds one answer: a
    larger one raises ``ResponseTooLargeError`` as soon as its ``Content-Length`` or its body
    passes the bound, without reading it whole.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        rate_limit: float | None = 4.0,
        limiter: RateLimiter | None = None,
        redis_url: str | None = None,
        max_wait: float | None = None,
        retry: RetryPolicy | None = None,
        max_tries: int | None = None,
        max_time: float | None = None,
        timeout: float = 30.0,
        prefetch: int = DEFAULT_PREFETCH,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 16,
        user_agent: str = USER_AGENT,
        list_chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
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
        if isinstance(policy, RetryPolicy) and (max_tries is not None or max_time is not None):
            policy = attrs.evolve(
                policy,
                max_tries=max_tries if max_tries is not None else policy.max_tries,
                max_time=max_time if max_time is not None else policy.max_time,
            )
        if limiter is None:
            max_pause = (
                policy.max_retry_after
                if isinstance(policy, RetryPolicy)
                else DEFAULT_MAX_RETRY_AFTER
            )
            limiter = self._built_in_limiter(
                api_key, base_url, rate_limit, redis_url, max_wait, max_pause
            )
        elif max_wait is not None or redis_url is not None:
            raise ConfigurationError(
                "max_wait= and redis_url= configure the built-in limiter; give them to yours"
            )
        #: The API's base URL, ending in ``/``: the key is only ever sent to its origin.
        self.base_url = base_url
        #: The one place doing HTTP: session, key, limiter, retries. ``stats`` counts what it
        #: did (attempts, retries, statuses) and ``server_clock`` is the server's time.
        self.transport = Transport(
            api_key,
            base_url=base_url,
            limiter=limiter,
            retry=policy,
            session=session,
            timeout=timeout,
            max_connections=max_connections,
            user_agent=user_agent,
            max_response_bytes=max_response_bytes,
        )
        #: The generic HAL walker: follow any rel, stream any collection, write anywhere.
        self.hal = HalWalker(self.transport, base_url, prefetch=prefetch)
        # Typed facades, one per collection of the API; each is a thin layer over ``hal``.
        #: Tags and taggings; its tag names are shared with ``people``.
        self.tags = Tags(self.hal)
        #: People: list, get, update, the signup helper, tags and their actions.
        self.people = People(self.hal, tags=self.tags)
        #: Events, their attendances and the record attendance helper.
        self.events = Events(self.hal, tags=self.tags)
        #: Event campaigns (their events are ``events.in_campaign``).
        self.event_campaigns = EventCampaigns(self.hal)
        #: Petitions, signatures and the record signature helper.
        self.petitions = Petitions(self.hal, tags=self.tags)
        #: Forms, submissions and the record submission helper.
        self.forms = Forms(self.hal, tags=self.tags)
        #: Fundraising pages, donations and the record donation helper.
        self.fundraising_pages = FundraisingPages(self.hal, tags=self.tags)
        #: Every donation of the group (read only).
        self.donations = Donations(self.hal)
        #: Advocacy campaigns, outreaches and the record outreach helper.
        self.advocacy_campaigns = AdvocacyCampaigns(self.hal, tags=self.tags)
        #: Surveys, responses and the record response helper.
        self.surveys = Surveys(self.hal, tags=self.tags)
        #: Campaigns (read only).
        self.campaigns = Campaigns(self.hal)
        #: Mass emails: create, update, send, schedule, statistics.
        self.messages = Messages(self.hal)
        #: Saved queries, to target messages (read only).
        self.queries = Queries(self.hal)
        #: Email wrappers (read only).
        self.wrappers = Wrappers(self.hal)
        #: Reports and email recipient lists, and their items (read only).
        self.lists = Lists(self.hal)
        #: Custom field names (read only).
        self.metadata = Metadata(self.hal)
        #: Locks shared through the limiter's Redis (None without it): one change at a time
        #: to a unique ID list across every process and machine, not only within this client.
        self.shared_locks = (
            RedisLocks(limiter._url, timeout=limiter.timeout)  # the URL with its password
            if isinstance(limiter, RedisRateLimiter)
            else None
        )
        #: Unique ID lists (ID targets), written in chunks, one change at a time.
        self.unique_id_lists = UniqueIdLists(
            self.hal, chunk_size=list_chunk_size, shared_locks=self.shared_locks
        )

    @staticmethod
    def _built_in_limiter(
        api_key: str,
        base_url: str,
        rate_limit: float | None,
        redis_url: str | None,
        max_wait: float | None,
        max_pause: float,
    ) -> RateLimiter:
        if rate_limit is None:
            if redis_url is not None:
                raise ConfigurationError("redis_url= shares a rate limit; rate_limit=None has none")
            return Unlimited()
        redis_url = redis_url if redis_url is not None else os.environ.get(REDIS_URL_ENV)
        if redis_url:
            key = rate_limit_key(api_key, base_url)
            return RedisRateLimiter(
                redis_url, key=key, rate=rate_limit, max_wait=max_wait, max_pause=max_pause
            )
        return SlidingWindowLimiter(rate_limit, max_wait=max_wait)

    def __repr__(self) -> str:
        return f"ActionNetwork(base_url={self.base_url!r}, api_key={REDACTED!r})"

    @property
    def limiter(self) -> RateLimiter:
        """The limiter every request of this client waits on."""
        return self.transport.limiter

    async def aclose(self) -> None:
        """Close the HTTP session (unless it was passed in) and the limiter's connections (a
        shared limiter's store; it reconnects if another client still uses it)."""
        await self.transport.aclose()
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
