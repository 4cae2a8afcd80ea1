"""The one place that does HTTP: session, auth header, rate limiter, retries and error mapping."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
from yarl import URL

from . import sansio
from .errors import (
    ActionNetworkError,
    ConfigurationError,
    ConnectError,
    RateLimitError,
    RequestTimeoutError,
    TransportError,
)
from .limiter import RateLimiter, RateLimitFeedback
from .retry import RetryPolicy

__all__ = ["Transport", "TransportStats"]

log = logging.getLogger("actionnetwork_async.transport")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
USER_AGENT = "actionnetwork-async/0.1 (+aiohttp)"

# Raised when the connection could not even be opened: the request certainly was not sent.
_NOT_SENT: tuple[type[BaseException], ...] = (aiohttp.ClientConnectorError,)
if hasattr(aiohttp, "ConnectionTimeoutError"):  # aiohttp >= 3.10
    _NOT_SENT = (*_NOT_SENT, aiohttp.ConnectionTimeoutError)


@attrs.define
class TransportStats:
    """Counters of what the transport did, for progress displays and benchmarks."""

    attempts: int = 0
    retries: int = 0
    cancelled: int = 0  # attempts abandoned by their caller (a stream closed early ...)
    statuses: Counter[int] = attrs.field(factory=Counter)
    transport_errors: int = 0

    @property
    def rate_limited(self) -> int:
        """How many 429 answers arrived (each one was retried or raised)."""
        return self.statuses[429]


class Transport:
    """Sends requests through one shared limiter, retrying as ``RetryPolicy`` decides."""

    def __init__(
        self,
        api_key: str,
        *,
        limiter: RateLimiter,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        max_connections: int = 16,
        user_agent: str = USER_AGENT,
    ) -> None:
        if not api_key:
            raise ConfigurationError("an API key is required")
        self._api_key = api_key
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_connections = max_connections
        self._user_agent = user_agent
        self.stats = TransportStats()
        self.in_flight = 0
        self.closed = False

    def __repr__(self) -> str:
        return f"<Transport limiter={self.limiter!r} api_key={sansio.REDACTED}>"

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use inside the running loop."""
        if self.closed:
            raise ConfigurationError("this client is closed; create a new one")
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
            # aiohttp silently re-sends an idempotent request once when a reused keep-alive
            # connection drops; that hidden attempt would skip the limiter and the retry rule.
            # Same switch as aiohttp's own test_utils; a session passed in keeps aiohttp's default.
            if hasattr(self._session, "_retry_connection"):
                self._session._retry_connection = False
        return self._session

    async def aclose(self) -> None:
        """Close the session if this transport created it; later requests are refused."""
        self.closed = True
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()

    def redact(self, text: str) -> str:
        """``text`` with the API key masked."""
        return sansio.redact(text, self._api_key)

    def _for_log(self, url: str) -> str:
        """A URL for a log line: no query string (a filter can hold someone's email)."""
        bare = str(URL(url).with_query(None).with_fragment(None))
        return self.redact(bare + ("?..." if "?" in url else ""))

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request with retries; return its decoded JSON body (None when empty).

        ``idempotent`` defaults by method (POST is not); a non-idempotent request is retried
        only when it certainly was not processed.
        """
        method = method.upper()
        if params:
            url = str(URL(url).update_query({k: str(v) for k, v in params.items()}))
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        body = None if json is None else jsonlib.dumps(json).encode()
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, url, body)
            except ActionNetworkError as error:
                decision = self.retry.decide(
                    error, attempt, idempotent=idempotent, elapsed=loop.time() - started
                )
                if not decision.retry:
                    raise
                self.stats.retries += 1
                log.warning(
                    "%s %s failed (%s); retry %d in %.2fs",
                    method,
                    self._for_log(url),
                    decision.reason,
                    attempt,
                    decision.delay,
                )
            await asyncio.sleep(decision.delay)

    async def _attempt(self, method: str, url: str, body: bytes | None) -> Any:
        """One attempt: wait for the limiter, send, map failures, decode."""
        await self.limiter.acquire()
        sent_at = asyncio.get_running_loop().time()
        headers = sansio.build_headers(
            self._api_key, user_agent=self._user_agent, has_body=body is not None
        )
        self.stats.attempts += 1
        self.in_flight += 1
        try:
            async with self.session.request(method, url, data=body, headers=headers) as resp:
                payload = await resp.read()
                status, resp_headers, reason = resp.status, resp.headers, resp.reason or ""
        except _NOT_SENT as exc:
            self.stats.transport_errors += 1
            raise ConnectError(f"could not connect: {exc}", url=self.redact(url)) from exc
        except asyncio.TimeoutError as exc:
            self.stats.transport_errors += 1
            raise RequestTimeoutError("timed out", url=self.redact(url)) from exc
        except aiohttp.ClientError as exc:
            self.stats.transport_errors += 1
            raise TransportError(
                f"{type(exc).__name__}: {self.redact(str(exc))}", url=self.redact(url)
            ) from exc
        except asyncio.CancelledError:
            self.stats.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
        self.stats.statuses[status] += 1
        if log.isEnabledFor(logging.DEBUG):  # _for_log parses the URL: not for every page
            log.debug("%s %s -> %d (%d bytes)", method, self._for_log(url), status, len(payload))
        try:
            return sansio.decode_response(
                status, resp_headers, payload, url=url, secret=self._api_key, reason=reason
            )
        except RateLimitError as error:
            # The limiter hears of it, if it wants to (third-party ones only have acquire()).
            if isinstance(self.limiter, RateLimitFeedback):
                self.limiter.on_rate_limited(error.retry_after, sent_at=sent_at)
            raise
