"""The one place that does HTTP: session, auth header, rate limiter, retries and error mapping.

It is also where the API key is guarded: a request is sent only to the origin (scheme, host,
port) of the client's base URL, refused with ``ForeignOriginError`` before it reaches the rate
limiter otherwise. aiohttp's automatic redirects are off: a redirect of a GET (or HEAD) within
the origin is followed as a new attempt through the limiter (at most ``MAX_REDIRECTS``); any
other redirect raises ``UnexpectedResponseError``, so the key never follows one to another host.

No error carries the key, including the aiohttp error kept as its cause: a server can echo the
key in its status line, a malformed header or a chunk, and aiohttp quotes those in its messages,
so the key (and any long run of it, in an excerpt cut part-way) is masked in every exception of
the chain. An answer larger than ``max_response_bytes`` is refused as it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json as jsonlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

import aiohttp
import attrs
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from . import _telemetry, sansio
from ._log import getLogger
from ._validate import non_negative_number, positive_int, positive_number
from .errors import (
    ActionNetworkError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ForeignOriginError,
    LimiterTimeoutError,
    OutcomeUnknownError,
    RequestTimeoutError,
    ResponseTooLargeError,
    TransportError,
    UnexpectedResponseError,
)
from .limiter import UNSET, RateLimiter, RateLimitFeedback, RemembersStarts, _Unset
from .pagination import with_query
from .retry import RetryPolicy

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "MAX_REDIRECTS", "Transport", "TransportStats"]

log = getLogger("actionnetwork_async.transport")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Redirects followed (within the origin, GET and HEAD only) before the answer is an error.
MAX_REDIRECTS = 5
#: Largest answer read (32 MiB): a page of 25 people is about 20 KiB, the largest documents
#: the API sends a few hundred KiB; past this the answer is a ``ResponseTooLargeError``.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
USER_AGENT = "actionnetwork-async/0.1 (+aiohttp)"

# Raised when the connection could not even be opened: the request certainly was not sent.
_NOT_SENT: tuple[type[BaseException], ...] = (aiohttp.ClientConnectorError,)
if hasattr(aiohttp, "ConnectionTimeoutError"):  # aiohttp >= 3.10
    _NOT_SENT = (*_NOT_SENT, aiohttp.ConnectionTimeoutError)


@attrs.define
class TransportStats:
    """Counters of what the transport did, for progress displays and benchmarks."""

    #: Requests sent, retries and redirect hops included.
    attempts: int = 0
    #: Attempts that were failures retried (each went through the limiter again).
    retries: int = 0
    #: Attempts abandoned by their caller (a stream closed early, a task cancelled).
    cancelled: int = 0
    #: How many answers came back with each HTTP status.
    statuses: Counter[int] = attrs.field(factory=Counter)
    #: Attempts that got no answer: connection failures, timeouts, dropped connections.
    transport_errors: int = 0

    @property
    def rate_limited(self) -> int:
        """How many 429 answers arrived (each one was retried or raised)."""
        return self.statuses[429]


class StartsStore(Protocol):
    """Where the recent starts of a key are left for its next client (``EntryCache``)."""

    async def load_starts(self, digest: str) -> list[float]:
        """Seconds since each start the last client of the key left (empty: none)."""
        ...

    async def save_starts(self, digest: str, ages: list[float]) -> None:
        """Leave the starts made ``ages`` seconds ago for the next client of the key."""
        ...


class Transport:
    """Sends requests through one shared limiter, retrying as ``RetryPolicy`` decides.

    ``max_response_bytes`` (default ``DEFAULT_MAX_RESPONSE_BYTES``, 32 MiB) bounds what one
    answer may hold: a larger ``Content-Length``, or a body that grows past it while it is read
    (chunked, compressed), raises ``ResponseTooLargeError`` without reading the rest.
    """

    # OpenTelemetry, resolved at the first request (_telemetry.for_transport): None is off
    _otel: _telemetry.Telemetry | None = None
    _otel_resolved = False

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        limiter: RateLimiter,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        max_connections: int = 16,
        user_agent: str = USER_AGENT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        starts: tuple[StartsStore, str] | None = None,
    ) -> None:
        if not api_key or not isinstance(api_key, str):
            raise ConfigurationError("an API key (a non-empty string) is required")
        _check_key(api_key)
        home = sansio.origin(base_url)
        if home is None or home[0] not in ("http", "https"):
            raise ConfigurationError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError(f"session must be an aiohttp.ClientSession, got {session!r}")
        if not isinstance(limiter, RateLimiter):
            raise ConfigurationError(f"limiter must have an async acquire(), got {limiter!r}")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {retry!r}")
        if not isinstance(user_agent, str) or not user_agent.strip():
            raise ConfigurationError(f"user_agent must be a non-empty string, got {user_agent!r}")
        self._api_key = api_key
        self._home = home
        #: The API's base URL; requests go only to its origin.
        self.base_url = base_url
        #: The limiter every attempt waits on (retries and prefetches included).
        self.limiter = limiter
        #: The retry rule every request follows.
        self.retry = retry or RetryPolicy()
        self._session = session
        self._owns_session = session is None
        # 0 would mean "no timeout" and "no limit" to aiohttp: refused rather than guessed at
        self._timeout = aiohttp.ClientTimeout(total=positive_number(timeout, "timeout"))
        self._max_connections = positive_int(max_connections, "max_connections")
        self._user_agent = user_agent
        #: Largest answer body read, in bytes; a larger one raises ``ResponseTooLargeError``.
        self.max_response_bytes = positive_int(max_response_bytes, "max_response_bytes")
        #: What this transport did so far: attempts, retries, statuses, 429s (progress displays).
        self.stats = TransportStats()
        #: The server's time, read from the ``Date`` header of every answer.
        self.server_clock = sansio.ServerClock()
        self._last_date: str | None = None  # the last Date header given to server_clock
        #: Requests on the wire right now.
        self.in_flight = 0
        #: True once ``aclose()`` ran; every later request raises ``ClientClosedError``.
        self.closed = False
        # ``derive``: the transport whose session this one uses, and its own limiter bound
        self._parent: Transport | None = None
        self._max_wait: float | _Unset | None = UNSET
        # Recent starts left by the key's last client (``starts``: a store and the key's
        # digest), counted before this one's first request and left for the next at close.
        self._starts = starts if isinstance(limiter, RemembersStarts) else None
        self._recalled: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        return f"<Transport limiter={self.limiter!r} api_key={sansio.REDACTED}>"

    def derive(
        self,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        max_wait: float | _Unset | None = UNSET,
    ) -> Transport:
        """A transport with other options over this one's session, key and limiter: what it
        sends is limited together with what this one sends. It never closes the session."""
        derived = copy.copy(self)
        if timeout is not None:
            derived._timeout = aiohttp.ClientTimeout(total=positive_number(timeout, "timeout"))
        if retry is not None:
            if not isinstance(retry, RetryPolicy):
                raise ConfigurationError(f"retry must be a RetryPolicy, got {retry!r}")
            derived.retry = retry
        if not isinstance(max_wait, _Unset):
            bound = None if max_wait is None else non_negative_number(max_wait, "max_wait")
            derived._max_wait = bound
        derived._parent = self
        derived._owns_session = False
        derived.stats = TransportStats()
        derived.in_flight = 0
        return derived

    async def _recall(self) -> None:
        """Count the starts the key's last client left, once, before the first request."""
        assert self._starts is not None
        store, digest = self._starts
        ages = await store.load_starts(digest)
        if ages:
            cast(RemembersStarts, self.limiter).recall_starts(ages)

    async def _acquire(self) -> None:
        """Wait for the limiter: with this transport's own ``max_wait`` when it has one."""
        if self._starts is not None:
            owner = self._parent or self  # clients made by with_options share one limiter
            if owner._recalled is None:
                owner._recalled = asyncio.ensure_future(owner._recall())
            if not owner._recalled.done():
                await asyncio.shield(owner._recalled)  # one read, whichever caller gives up
        if isinstance(self._max_wait, _Unset):
            await self.limiter.acquire()
        elif getattr(self.limiter, "takes_max_wait", False):  # the built-in limiters
            await self.limiter.acquire(max_wait=self._max_wait)  # type: ignore[call-arg, unused-ignore]
        elif self._max_wait is None:
            await self.limiter.acquire()
        else:
            try:
                await asyncio.wait_for(self.limiter.acquire(), self._max_wait)
            except asyncio.TimeoutError:
                raise LimiterTimeoutError(
                    f"no request slot within max_wait={self._max_wait:g}s"
                ) from None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use inside the running loop."""
        if self.closed:
            raise ClientClosedError("this client is closed; create a new one")
        if self._parent is not None:  # derived: the session of the transport it came from
            return self._parent.session
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
        """Close the session if this transport created it; later requests are refused. The
        limiter's recent starts are left for the key's next client (``starts``)."""
        already = self.closed
        self.closed = True
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        if self._starts is not None and self._parent is None and not already:
            store, digest = self._starts
            ages = cast(RemembersStarts, self.limiter).recent_starts()
            if ages:
                await store.save_starts(digest, ages)

    def redact(self, text: str) -> str:
        """``text`` with the API key masked."""
        return sansio.redact(text, self._api_key)

    def check_origin(self, url: str) -> None:
        """Raise ``ForeignOriginError`` unless ``url`` is on the API's origin (the key's only home).

        A link in a document, or a URL in a webhook payload anyone can post, may point anywhere.
        """
        if sansio.origin(url) != self._home:
            scheme, host, port = self._home
            home = f"{scheme}://{host}:{port}"
            raise ForeignOriginError(
                f"refusing to send the API key to {self.redact(url)}: only {home} "
                "(the base URL's origin) gets it. Look things up by id through the client "
                "instead (an.people.get(event.person_id))"
            )

    def _for_log(self, url: str) -> str:
        """A URL for a log line: no query string (a filter can hold someone's email)."""
        bare = str(URL(url).with_query(None).with_fragment(None))
        return self.redact(bare + ("?..." if "?" in url else ""))

    def _path_for_log(self, url: str) -> str:
        """A URL's path for a log record's ``url_path``: no query, no host, the key masked."""
        return self.redact(URL(url).raw_path)

    def _resolve_telemetry(self) -> None:
        """Decide once whether this transport records OpenTelemetry spans and metrics."""
        scheme, host, port = self._home
        self._otel = _telemetry.for_transport(scheme, host, port, self.redact)
        self._otel_resolved = True

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        idempotent: bool | None = None,
        expect: sansio.Expect = None,
    ) -> Any:
        """Send one request with retries; return its decoded JSON body (None when empty).

        ``idempotent`` defaults by method (POST is not); a non-idempotent request is retried
        only when it certainly was not processed, and one that failed after it may have been
        sent raises ``OutcomeUnknownError``. ``expect`` says what the answer must hold
        (``sansio.Expect``). A closed client or a URL off the API's origin is refused before
        the rate limiter.
        """
        if self.closed:
            raise ClientClosedError("this client is closed; create a new one")
        if not isinstance(method, str) or not method.isalpha():
            raise ConfigurationError(f"not an HTTP method: {method!r}")
        method = method.upper()
        self.check_origin(url)
        if params:
            url = with_query(url, params)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        body = None if json is None else _encode(json)
        if not self._otel_resolved:
            self._resolve_telemetry()
        trace = None if self._otel is None else self._otel.request(method)
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._exchange(method, url, body, expect, attempt, trace)
            except ActionNetworkError as error:
                decision = self.retry.decide(
                    error, attempt, idempotent=idempotent, elapsed=loop.time() - started
                )
                if not decision.retry:
                    if not idempotent and isinstance(error, TransportError) and error.request_sent:
                        raise OutcomeUnknownError(
                            f"{method} may have been processed: {type(error).__name__} after it "
                            "was sent. It was not re-sent, so it cannot run twice; check whether "
                            "it landed before sending it again",
                            url=error.url,
                        ) from error
                    raise
                self.stats.retries += 1
                if trace is not None:
                    trace.retrying(error, decision.delay, decision.reason)
                log.warning(
                    "%s %s failed (%s); retry %d in %.2fs",
                    method,
                    self._for_log(url),
                    decision.reason,
                    attempt,
                    decision.delay,
                    extra={
                        "method": method,
                        "url_path": self._path_for_log(url),
                        "status": getattr(error, "status", None),
                        "attempt": attempt,
                        "wait": decision.delay,
                    },
                )
            await asyncio.sleep(decision.delay)

    async def _exchange(
        self,
        method: str,
        url: str,
        body: bytes | None,
        expect: sansio.Expect,
        attempt: int = 1,
        trace: _telemetry.RequestTrace | None = None,
    ) -> Any:
        """One try of a request: an attempt, then redirects of a GET within the origin (each a
        new attempt through the limiter), then the answer decoded."""
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, payload, reason = await self._attempt(
                method, url, body, attempt, trace
            )
            location = sansio.redirect_location(status, headers, url)
            if location is None or method not in ("GET", "HEAD"):
                break
            if sansio.origin(location) != self._home:
                raise UnexpectedResponseError(
                    f"redirected to another origin ({self.redact(location)}); not followed, so "
                    "the API key is not sent there",
                    status=status,
                    url=self.redact(url),
                )
            url = location
        return sansio.decode_response(
            status, headers, payload, url=url, secret=self._api_key, reason=reason, expect=expect
        )

    async def _attempt(
        self,
        method: str,
        url: str,
        body: bytes | None,
        attempt: int = 1,
        trace: _telemetry.RequestTrace | None = None,
    ) -> tuple[int, Mapping[str, str], bytes, str]:
        """One attempt: wait for the limiter, send (no automatic redirect), map failures.
        ``attempt`` is the try's number (1 for the first), for the log; ``trace`` records the
        attempt in OpenTelemetry (None when that is off)."""
        loop = asyncio.get_running_loop()
        asked_at = loop.time()
        await self._acquire()
        sent_at = loop.time()
        headers = sansio.build_headers(
            self._api_key, user_agent=self._user_agent, has_body=body is not None
        )
        self.stats.attempts += 1
        if trace is not None:
            trace.start(url, sent_at - asked_at)
        self.in_flight += 1
        # Failures are raised after the except clauses, so the aiohttp error is only ever the
        # masked cause (or none), never an unmasked __context__.
        failure: tuple[type[TransportError], str] | None = None
        cause: BaseException | None = None
        try:
            async with self.session.request(
                method, url, data=body, headers=headers, allow_redirects=False
            ) as resp:
                status, resp_headers, reason = resp.status, resp.headers, resp.reason or ""
                payload = await self._read_body(resp)
        except _NOT_SENT as exc:
            self.stats.transport_errors += 1
            failure, cause = (ConnectError, f"could not connect: {self._mask(str(exc))}"), exc
        except asyncio.TimeoutError as exc:
            self.stats.transport_errors += 1
            failure, cause = (RequestTimeoutError, "timed out"), exc
        # HttpProcessingError: a body aiohttp's pure-Python parser could not read escapes as is
        except (aiohttp.ClientError, HttpProcessingError) as exc:
            self.stats.transport_errors += 1
            failure, cause = (TransportError, f"{type(exc).__name__}: {self._mask(str(exc))}"), exc
        except BaseException as exc:  # cancelled (the caller gave up on it), or unforeseen
            if isinstance(exc, asyncio.CancelledError):
                self.stats.cancelled += 1
            if trace is not None:
                trace.end(None, _telemetry.error_type(exc))
            raise
        finally:
            self.in_flight -= 1
        if failure is not None:
            kind, message = failure
            if trace is not None:
                trace.end(None, _telemetry.error_type(kind))
            raise kind(message, url=self.redact(url)) from self._masked_cause(cause)
        self.stats.statuses[status] += 1
        if trace is not None:  # ended first: nothing below can leave the span open
            trace.answered(status, resp_headers, too_large=payload is None)
        date = resp_headers.get("Date")
        if date != self._last_date:  # the same Date again bounds the clock no tighter
            self._last_date = date
            self.server_clock.observe(date, loop.time())
        if payload is None:
            raise ResponseTooLargeError(
                f"the answer is larger than max_response_bytes ({self.max_response_bytes} "
                "bytes); it was not read further",
                status=status,
                url=self.redact(url),
                limit=self.max_response_bytes,
            )
        if log.isEnabledFor(logging.DEBUG):  # _for_log parses the URL: not for every page
            log.debug(
                "%s %s -> %d (%d bytes)",
                method,
                self._for_log(url),
                status,
                len(payload),
                extra={
                    "method": method,
                    "url_path": self._path_for_log(url),
                    "status": status,
                    "attempt": attempt,
                    "wait": sent_at - asked_at,
                },
            )
        if status == 429 and isinstance(self.limiter, RateLimitFeedback):
            # The limiter hears of it, if it wants to (third-party ones only have acquire()).
            # A Retry-After past max_retry_after is capped there: the call that got it raises
            # at once (RetryPolicy), and the others wait no longer than a retry would.
            retry_after = sansio.parse_retry_after(resp_headers.get("Retry-After"))
            if retry_after is not None:
                retry_after = min(retry_after, self.retry.max_retry_after)
            self.limiter.on_rate_limited(retry_after, sent_at=sent_at)
        return status, resp_headers, payload, reason

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes | None:
        """The answer's body, or None when it is larger than ``max_response_bytes``: refused on
        its ``Content-Length`` before any of it is read, else as soon as it grows past the limit
        (the connection is then closed, not drained)."""
        limit = self.max_response_bytes
        declared = resp.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while chunk := await resp.content.readany():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _mask(self, text: str) -> str:
        """``text`` from aiohttp (which may quote what the server sent) with the key and any
        long run of it masked."""
        return sansio.redact_pieces(text, self._api_key)

    def _masked_cause(self, error: BaseException | None) -> BaseException | None:
        """``error`` with the key masked in it and in every exception chained to it; None (so
        the chain is dropped) if its traceback would still show any of the key."""
        if error is None:
            return None
        _mask_chain(error, self._mask)
        shown = _messages(error)
        return error if self._mask(shown) == shown else None


def _check_key(api_key: str) -> None:
    """Refuse a key that no header can carry as given (a line break, another control character,
    a character outside ASCII, spaces around it); the message never quotes the key."""
    if api_key != api_key.strip(" ") or not all(" " <= char <= "~" for char in api_key):
        raise ConfigurationError(
            "the API key holds a character an HTTP header cannot carry (a line break, a control "
            "character, a character outside ASCII, or spaces around it): was it read from a "
            "file with its line end? Pass the key alone"
        )


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception chained to it (causes and contexts), each once."""
    found: dict[int, BaseException] = {}
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) not in found:
            found[id(current)] = current
            pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return list(found.values())


def _messages(error: BaseException) -> str:
    """What a traceback of ``error`` prints but its frames (source lines hold no key), and the
    ``repr`` of each exception: every chained exception's text and notes. Built here rather
    than by ``traceback``, which reads every frame's source into ``linecache`` to do it."""
    parts: list[str] = []
    for current in _chain(error):
        for show in (str, repr):
            try:
                parts.append(show(current))
            except Exception:  # traceback prints a placeholder then, as here
                parts.append("<exception str() failed>")
        parts.extend(str(note) for note in getattr(current, "__notes__", None) or ())
    return "\n".join(parts)


def _mask_chain(error: BaseException, mask: Callable[[str], str]) -> None:
    """Apply ``mask`` to the text of ``error`` and of every exception chained to it (cause,
    context, exceptions held in arguments): arguments, text and bytes attributes (aiohttp's
    ``message``, ``line``), headers and request info, notes."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        args = _masked(current.args, mask, pending)
        if args != current.args:
            current.args = args
        for name, value in list(vars(current).items()):
            masked = _masked(value, mask, pending)
            if masked != value:
                with contextlib.suppress(AttributeError, TypeError):  # read-only: left as is
                    setattr(current, name, masked)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _masked(value: Any, mask: Callable[[str], str], pending: list[BaseException]) -> Any:
    """``value`` with ``mask`` applied to the text in it (what holds no text is returned as it
    is); exceptions found are queued on ``pending``, to be masked in turn."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, (bytes, bytearray)):  # the raw line aiohttp could not parse
        return mask(bytes(value).decode("latin-1")).encode("latin-1", "replace")
    if isinstance(value, BaseException):
        pending.append(value)
        return value
    if isinstance(value, URL):
        return URL(mask(str(value)), encoded=True)
    if isinstance(value, aiohttp.RequestInfo):  # its headers hold the key
        return aiohttp.RequestInfo(
            _masked(value.url, mask, pending),
            value.method,
            _masked(value.headers, mask, pending),
            _masked(value.real_url, mask, pending),
        )
    if isinstance(value, (CIMultiDict, CIMultiDictProxy)):
        headers = CIMultiDict((k, _masked(v, mask, pending)) for k, v in value.items())
        return CIMultiDictProxy(headers) if isinstance(value, CIMultiDictProxy) else headers
    if type(value) in (list, tuple):  # not a named tuple: it would lose its type
        items = [_masked(item, mask, pending) for item in value]
        return items if type(value) is list else tuple(items)
    return value


def _encode(document: Any) -> bytes:
    """A request body as JSON; what JSON cannot hold (an object, NaN, a cycle) is the caller's
    mistake, refused before any request."""
    try:
        return jsonlib.dumps(document, allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"the request body cannot be sent as JSON: {exc}") from None
