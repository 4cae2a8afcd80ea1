"""A webhook receiver to mount in an aiohttp app (``app()``, ``routes()``) or any ASGI app
(``asgi()``, in ``asgi``): type routing, deduplication, safe answers.

The rules below are decided once, by ``WebhookReceiver``'s protocol-neutral core (``_respond``:
the secret, the body's limit and timeout, parsing, the idempotency store, the handlers and
their timeout, the status to answer); aiohttp's ``handle`` and ASGI's ``WebhookASGIApp`` are
thin adapters that only turn their request into its inputs and its answer into a response.

Action Network retries a delivery until it gets a 2xx, with the same ``idempotency_key`` per
element. The receiver's rules, so that no event is lost and none is handled twice at once:

* The body is read whole, up to ``max_body`` bytes: past it the answer is 413, whether or not
  the sender declared a length (chunked bodies included). A body that is not a delivery gets
  400. Neither reaches a handler, and neither answer quotes the body.
* Each element with a key is claimed in the idempotency store before its handlers run. The
  claim is a lease of ``handler_timeout + LEASE_MARGIN`` seconds, and the handlers get at most
  ``handler_timeout`` seconds, so a claim never runs out while its handler runs and a crashed
  receiver's claim frees itself.
* Handled (every handler returned): the key is marked done and later copies are skipped as
  duplicates. Failed, timed out or cancelled (the server shutting down): the claim is released,
  the answer is 500 and Action Network's retry is handled afresh.
* A copy that arrives while another attempt still holds the claim (Action Network re-sends
  when an answer is slow) is not handled and not acknowledged: the delivery is answered 503
  with ``Retry-After``, so it comes back once the first attempt has finished (then it is a
  duplicate) or failed (then the retry handles it). Waiting for the first attempt instead
  would hold connections open and work only within one process; this works for every receiver
  sharing a store.
* The answer is 200 only when every element was handled or was a duplicate.
* An ``idempotency_key`` over ``MAX_KEY_BYTES`` (256) bytes of UTF-8 is refused with 400
  before any element of the delivery runs: it is not stored, nor hashed into another key.
* An element without an ``idempotency_key`` cannot be told from an earlier copy of itself: it
  runs again every time its delivery is re-sent (after a 500, a 503 or a lost answer). Make
  the handlers of such elements idempotent themselves.
* Slow senders are timed out: a request whose headers are not complete within
  ``header_timeout`` seconds (the server's keep-alive timer, which also closes idle
  connections; aiohttp 3.14.4 and later arm it for a connection's first request too) has its
  connection closed, and a body not complete within ``body_timeout`` seconds is answered 408.
  Neither reaches a handler.
* ``MemoryIdempotencyStore`` keeps at most ``max_keys`` keys (``DEFAULT_MAX_KEYS``), the least
  recently used dropped first, so a flood of keys cannot exhaust memory.

Action Network cannot sign deliveries: a secret path segment or ``?token=`` is the protection,
and a wrong or missing one is answered 404, as if nothing were there.
"""

from __future__ import annotations

import asyncio
import enum
import hmac
import inspect
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from aiohttp import web

from .._log import getLogger
from .._validate import positive_int, positive_number
from ..errors import (
    ConfigurationError,
    WebhookError,
    WebhookFormatError,
    WebhookTooLargeError,
)
from .payloads import MAX_BODY, WebhookEvent, parse, safe_name

if TYPE_CHECKING:
    from .asgi import WebhookASGIApp

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_MAX_KEYS",
    "DEFAULT_TTL",
    "LEASE_MARGIN",
    "MAX_KEY_BYTES",
    "Claim",
    "Handler",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "WebhookReceiver",
    "receiver",
]

log = getLogger("actionnetwork_async.webhooks")

#: A webhook handler: an async function of one ``WebhookEvent``; what it returns is ignored,
#: what it raises makes the delivery answer 500 so Action Network sends it again.
Handler = Callable[[WebhookEvent], Awaitable[object]]
DEFAULT_PATH = "/webhooks/action-network"
#: How long a handled key is remembered: longer than Action Network goes on retrying.
DEFAULT_TTL = 24 * 3600.0
#: Seconds a claim outlives the longest a handler may run, for recording the outcome.
LEASE_MARGIN = 30.0
#: ``Retry-After`` of a 503 answered while another attempt holds an element's claim.
BUSY_RETRY_AFTER = 30
#: The longest ``idempotency_key`` accepted, in bytes of UTF-8 (Action Network's are far
#: shorter); a longer one gets 400.
MAX_KEY_BYTES = 256
#: Keys a ``MemoryIdempotencyStore`` holds at most (a day of 1 delivery a second, with room).
DEFAULT_MAX_KEYS = 100_000
#: Seconds a request's headers may take to arrive whole.
DEFAULT_HEADER_TIMEOUT = 15.0
#: Seconds a request's body may take to arrive whole, once its headers have.
DEFAULT_BODY_TIMEOUT = 30.0


class Claim(enum.Enum):
    """What ``IdempotencyStore.claim`` found."""

    CLAIMED = "claimed"  #: the key is now held by the caller: handle the event
    IN_PROGRESS = "in progress"  #: another attempt holds an unexpired claim on it
    DONE = "done"  #: the event was handled already


@runtime_checkable
class IdempotencyStore(Protocol):
    """Which events are being handled or were handled, shared by every receiver that uses it.

    A key is in one of three states: absent, *in progress* (claimed by one attempt, its
    ``owner``, until a lease expires) or *done* (until the store's retention expires).

    * ``claim(key, owner=, lease=)`` must be atomic across every process sharing the store:
      absent, or in progress with an expired lease -> now in progress, held by ``owner`` for
      ``lease`` seconds, and ``Claim.CLAIMED``; in progress under an unexpired lease ->
      ``Claim.IN_PROGRESS``; done -> ``Claim.DONE``. Two callers never both get ``CLAIMED``
      for one key while its lease runs.
    * ``complete(key, owner=)``: the event was handled; the key is done for the store's
      retention (counted from now), whoever holds it (a completion that comes after the lease
      ran out still means the event was handled).
    * ``release(key, owner=)``: handling failed; the key becomes absent, but only while
      ``owner`` still holds it: after its lease ran out another attempt may hold it, and
      releasing that claim would let a third one start. A done key stays done.

    Expiry is the store's job and must not depend on the process that claimed: a receiver that
    crashes mid-handler leaves an in-progress key that frees itself when its lease runs out.
    Retention should outlast Action Network's retries (a day, ``DEFAULT_TTL``). A method that
    raises makes the receiver answer 503 (claim) or log it (complete, release); the store is
    never bypassed.

    A Redis store maps this onto single commands: ``claim`` is ``SET key "pending:<owner>" NX
    PX <lease>`` and, when that fails, a ``GET`` telling ``done`` from ``pending:...``;
    ``complete`` is ``SET key done PX <retention>``; ``release`` deletes the key only if it
    still holds ``pending:<owner>`` (a compare-and-delete script).
    """

    async def claim(self, key: str, *, owner: str, lease: float) -> Claim:
        """Take ``key`` for ``owner`` for ``lease`` seconds, unless it is in progress or done."""
        ...

    async def complete(self, key: str, *, owner: str) -> None:
        """``key`` was handled: remember it as done for the store's retention."""
        ...

    async def release(self, key: str, *, owner: str) -> None:
        """Handling ``key`` failed: forget the claim, if ``owner`` still holds it."""
        ...


class _Entry(NamedTuple):
    owner: str | None  # None: done
    expires: float


class MemoryIdempotencyStore:
    """The ``IdempotencyStore`` of one receiver process: keys in memory, done ones for ``ttl``
    seconds (a day by default), at most ``max_keys`` (``DEFAULT_MAX_KEYS``): past it the least
    recently used key is dropped, so memory stays bounded. A dropped done key lets a later
    copy of its element run again: keep ``max_keys`` above the keys a ``ttl`` brings.

    Expired keys are dropped as time passes at an amortised O(1) per call: every expiry is
    queued in the order it falls due (one queue per duration, so each stays sorted), and each
    call drops the expired ones from the queues' fronts. The keys are kept least recently used
    first in an ``OrderedDict``, whose oldest key is dropped in O(1) (a plain dict's first key
    is found by scanning past the slots its earlier deletions left).
    """

    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        self.ttl = positive_number(ttl, "ttl")
        self.clock = clock
        self.max_keys = positive_int(max_keys, "max_keys")
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._due: dict[float, deque[tuple[float, str]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _expire(self, now: float) -> None:
        for duration, queue in list(self._due.items()):
            while queue and queue[0][0] <= now:
                expires, key = queue.popleft()
                entry = self._entries.get(key)
                if entry is not None and entry.expires == expires:
                    del self._entries[key]
            if not queue:
                del self._due[duration]

    def _set(self, key: str, owner: str | None, duration: float, now: float) -> None:
        expires = now + duration
        self._entries[key] = _Entry(owner, expires)
        self._entries.move_to_end(key)  # the order is least recently used first
        self._due.setdefault(duration, deque()).append((expires, key))
        while len(self._entries) > self.max_keys:  # the queued expiry of a dropped key is skipped
            self._entries.popitem(last=False)

    async def claim(self, key: str, *, owner: str, lease: float) -> Claim:
        """See ``IdempotencyStore.claim``."""
        now = self.clock()
        self._expire(now)
        entry = self._entries.get(key)
        if entry is not None and entry.expires > now:
            self._entries.move_to_end(key)  # used: now the most recent
            return Claim.DONE if entry.owner is None else Claim.IN_PROGRESS
        self._set(key, owner, lease, now)
        return Claim.CLAIMED

    async def complete(self, key: str, *, owner: str) -> None:
        """See ``IdempotencyStore.complete``."""
        now = self.clock()
        self._expire(now)
        self._set(key, None, self.ttl, now)

    async def release(self, key: str, *, owner: str) -> None:
        """See ``IdempotencyStore.release``."""
        self._expire(self.clock())
        entry = self._entries.get(key)
        if entry is not None and entry.owner == owner:
            del self._entries[key]


def _is_async(handler: object) -> bool:
    """Whether calling ``handler`` gives a coroutine: an ``async def`` function or method, a
    ``functools.partial`` of one, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - the method itself is inspected
    )


def _check_handler(handler: object) -> Handler:
    if not _is_async(handler):
        raise ConfigurationError(
            f"a webhook handler must be an async def function, got {handler!r}: a blocking one "
            "would stall every delivery, and its side effects could not be awaited"
        )
    return handler  # type: ignore[return-value]


class _Outcome(enum.Enum):
    HANDLED = enum.auto()
    DUPLICATE = enum.auto()
    BUSY = enum.auto()


class _HandlerFailed(Exception):
    """An element's handlers raised or timed out; its claim was released."""


class WebhookReceiver:
    """Receives Action Network webhooks; route events to handlers with ``@receiver.on(type)``.

    ``store`` is the ``IdempotencyStore`` (in memory by default; share one between processes).
    ``handler_timeout`` bounds each element's handlers, ``header_timeout`` and ``body_timeout``
    a slow sender (see the module's rules; ``header_timeout`` needs the server of ``app()``,
    or ``keepalive_timeout`` set alike on yours; under ASGI it is the server's to enforce).
    Serve it with aiohttp (``app()``, ``routes()``) or mount ``asgi()`` in FastAPI or Starlette.
    ``log_personal_data`` lets the log show deliveries and handler tracebacks, which can hold
    personal data; off, logs show types, keys and counts only.
    """

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        path: str = DEFAULT_PATH,
        secret: str | None = None,
        max_body: int = MAX_BODY,
        store: IdempotencyStore | None = None,
        handler_timeout: float = 300.0,
        log_personal_data: bool = False,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
            raise ConfigurationError("a webhook secret should be a string of 16 characters or more")
        if not isinstance(path, str):
            raise ConfigurationError(f"path must be a string, got {path!r}")
        if store is not None and not isinstance(store, IdempotencyStore):
            raise ConfigurationError(
                f"store must have async claim, complete and release methods, got {store!r}"
            )
        self.path = "/" + path.strip("/")
        self.secret = secret
        self.max_body = positive_int(max_body, "max_body")
        self.store: IdempotencyStore = store if store is not None else MemoryIdempotencyStore()
        self.handler_timeout = positive_number(handler_timeout, "handler_timeout")
        self.log_personal_data = log_personal_data
        self.header_timeout = positive_number(header_timeout, "header_timeout")
        self.body_timeout = positive_number(body_timeout, "body_timeout")
        self._handlers: dict[str, list[Handler]] = {}
        if handler is not None:
            self._handlers["*"] = [_check_handler(handler)]

    def on(self, event_type: str = "*") -> Callable[[Handler], Handler]:
        """Register an async handler for one type (``"osdi:attendance"``) or ``"*"`` for all.

        A handler that is not ``async def`` is refused with ``ConfigurationError``.
        """
        if not isinstance(event_type, str):
            raise ConfigurationError(f"an event type is a string, got {event_type!r}")

        def register(handler: Handler) -> Handler:
            self._handlers.setdefault(event_type, []).append(_check_handler(handler))
            return handler

        return register

    def routes(self) -> list[web.RouteDef]:
        """Route definitions, for ``app.add_routes(receiver.routes())``."""
        routes = [web.post(self.path, self.handle)]
        if self.secret is not None:
            routes.append(web.post(self.path + "/{token}", self.handle))
        return routes

    def app(self) -> web.Application:
        """A ready aiohttp application serving only this receiver."""
        # aiohttp's keep-alive timer runs from the connection's start until a request's
        # headers are complete: it is the header timeout (and closes idle connections)
        app = web.Application(
            client_max_size=self.max_body + 1,
            handler_args={"keepalive_timeout": self.header_timeout},
        )
        app.add_routes(self.routes())
        return app

    def asgi(self) -> WebhookASGIApp:
        """An ASGI 3 application serving this receiver, for FastAPI, Starlette or any ASGI
        server: ``app.mount("/webhooks", hooks.asgi())``.

        It answers at its mount point (``path`` is the aiohttp routes'), and with a secret at
        ``<mount point>/<secret>`` or ``?token=<secret>``; its rules and answers are this
        receiver's, decided by the same code as ``handle``'s. ``header_timeout`` is the
        server's to enforce (see ``WebhookASGIApp``).
        """
        from .asgi import WebhookASGIApp

        return WebhookASGIApp(self)

    # -- the decisions, shared by the aiohttp and ASGI adapters (no I/O of their own) --------
    def _authorised(self, token: str | None, query_token: str | None) -> bool:
        """Whether the path's ``token`` segment (None: the path has none) or ``?token=``
        holds the secret, compared in constant time; without a secret, no path token."""
        if self.secret is None:
            return token is None
        given = token or query_token or ""
        return hmac.compare_digest(given.encode(), self.secret.encode())

    async def _respond(
        self,
        *,
        method: str,
        token: str | None,
        query_token: str | None,
        length: int | None,
        read: Callable[[int], Awaitable[bytes]],
    ) -> _Answer:
        """Check, read, parse, deduplicate, dispatch: the answer to one request.

        ``token`` is the path's segment after the receiver's path (None: none), ``length`` the
        declared ``Content-Length`` (None: none, chunked), ``read(n)`` the next bytes of the
        body (``n`` is a hint: at most that many are needed), ``b""`` at its end.
        """
        if not self._authorised(token, query_token):
            return _NOT_FOUND
        if method != "POST":
            return _NOT_ALLOWED
        try:
            body = await asyncio.wait_for(self._read(length, read), self.body_timeout)
        except asyncio.TimeoutError:
            log.warning("webhook refused: its body took over %ss", self.body_timeout)
            message = f"the body did not arrive within {self.body_timeout}s"
            return _Answer(408, {"error": message}, _CLOSE)
        except WebhookTooLargeError as exc:
            log.warning("webhook refused: %s", exc)
            return _Answer(413, {"error": str(exc)})
        return await self._deliver(body)

    async def _read(self, length: int | None, read: Callable[[int], Awaitable[bytes]]) -> bytes:
        """The whole body, however many reads it arrives in; over ``max_body`` bytes it raises
        ``WebhookTooLargeError`` as soon as that is known (the declared length, or the bytes
        read), without reading further."""
        if length is not None and length > self.max_body:
            raise WebhookTooLargeError(f"webhook body of {length} bytes is over {self.max_body}")
        body = bytearray()
        while chunk := await read(self.max_body + 1 - len(body)):
            body += chunk
            if len(body) > self.max_body:
                raise WebhookTooLargeError(f"webhook body is over {self.max_body} bytes")
        return bytes(body)

    async def _deliver(self, body: bytes) -> _Answer:
        """Parse a whole body and handle its elements: the answer (see the module's rules)."""
        try:
            events = parse(body, max_bytes=self.max_body)
            _check_keys(events)
        except WebhookTooLargeError as exc:
            log.warning("webhook refused: %s", exc)
            return _Answer(413, {"error": str(exc)})
        except WebhookError as exc:
            log.warning("webhook refused: %s", exc)
            return _Answer(400, {"error": str(exc)})
        outcomes: list[_Outcome] = []
        for event in events:
            try:
                outcomes.append(await self._process(event))
            except _HandlerFailed:
                return _Answer(500, {"error": "a handler failed; retry"})
            except _StoreFailed:
                return _busy({"error": "the idempotency store failed; retry"})
        handled, duplicates, busy = (outcomes.count(o) for o in _Outcome)
        log.info(
            "webhook delivery: %d handled, %d duplicates, %d in progress elsewhere",
            handled,
            duplicates,
            busy,
        )
        counts: dict[str, object] = {"handled": handled, "duplicates": duplicates}
        if busy:
            message = "another attempt is handling part of this delivery; retry"
            return _busy({"error": message, **counts, "in_progress": busy})
        return _Answer(200, counts)

    # -- the aiohttp adapter -----------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        """The aiohttp request handler: check, read, parse, deduplicate, dispatch, answer."""
        answer = await self._respond(
            method=request.method,
            token=request.match_info.get("token"),
            query_token=request.query.get("token"),
            length=request.content_length,
            read=request.content.read,
        )
        if answer.body is None:  # nothing here: aiohttp's own answer, as for any other path
            if answer.status == 405:
                raise web.HTTPMethodNotAllowed(request.method, ["POST"])
            raise web.HTTPNotFound()
        return web.json_response(answer.body, status=answer.status, headers=dict(answer.headers))

    async def _process(self, event: WebhookEvent) -> _Outcome:
        """Claim, handle and record one element (see the module's rules)."""
        key = event.idempotency_key
        if key is None:
            await self._run(event, key=None, owner="")
            return _Outcome.HANDLED
        owner = secrets.token_hex(16)
        lease = self.handler_timeout + LEASE_MARGIN
        try:
            claim = await self.store.claim(key, owner=owner, lease=lease)
        except Exception as exc:
            log.error("idempotency store failed to claim key %s: %s", safe_name(key), _kind(exc))
            raise _StoreFailed from None
        if claim is Claim.DONE:
            return _Outcome.DUPLICATE
        if claim is Claim.IN_PROGRESS:
            return _Outcome.BUSY
        await self._run(event, key=key, owner=owner)
        # shielded: once the handlers succeeded, a cancellation must not leave the key to be
        # claimed (and handled) again when its lease runs out
        await asyncio.shield(self._complete(key, owner))
        return _Outcome.HANDLED

    async def _complete(self, key: str, owner: str) -> None:
        try:
            await self.store.complete(key, owner=owner)
        except Exception as exc:  # handled all the same; only a retry after the lease reruns it
            log.error("idempotency store failed to record key %s: %s", safe_name(key), _kind(exc))

    async def _run(self, event: WebhookEvent, *, key: str | None, owner: str) -> None:
        """Run the element's handlers within ``handler_timeout``; on any failure (cancellation
        included) release its claim first."""
        try:
            await asyncio.wait_for(self._dispatch(event), self.handler_timeout)
        except BaseException as exc:
            if key is not None:  # shielded: a second cancellation cannot skip the release
                await asyncio.shield(self._release(key, owner))
            if not isinstance(exc, Exception):
                raise  # cancelled: the claim is released, the cancellation goes on
            self._log_failure(event, exc)
            raise _HandlerFailed from None

    async def _release(self, key: str, owner: str) -> None:
        try:
            await self.store.release(key, owner=owner)
        except Exception as exc:  # the claim's lease frees it later
            log.error("idempotency store failed to release key %s: %s", safe_name(key), _kind(exc))

    def _log_failure(self, event: WebhookEvent, exc: Exception) -> None:
        what, key = safe_name(event.type), safe_name(event.idempotency_key or "none")
        if isinstance(exc, asyncio.TimeoutError):
            log.error(
                "webhook handler for %s (key %s) ran past %ss", what, key, self.handler_timeout
            )
        elif self.log_personal_data:
            log.error("webhook handler failed for %s (key %s)", what, key, exc_info=exc)
        else:  # the exception's text may quote the payload: only its type is logged
            log.error("webhook handler failed for %s (key %s): %s", what, key, _kind(exc))

    async def _dispatch(self, event: WebhookEvent) -> None:
        handlers = [*self._handlers.get(event.type, ()), *self._handlers.get("*", ())]
        if self.log_personal_data:
            log.debug("webhook %s: %r", safe_name(event.type), event.raw)
        else:
            log.debug(
                "webhook %s (key %s)",
                safe_name(event.type),
                safe_name(event.idempotency_key or "none"),
            )
        for handler in handlers:
            await handler(event)


class _Answer(NamedTuple):
    """What to answer a request, whatever serves it: a status, a JSON body (None: no body of
    ours, the server's own answer for the status: 404, 405) and headers."""

    status: int
    body: dict[str, object] | None
    headers: tuple[tuple[str, str], ...] = ()


#: Headers that end the connection: a timed-out body's remaining bytes are never read.
_CLOSE = (("Connection", "close"),)
_NOT_FOUND = _Answer(404, None)
_NOT_ALLOWED = _Answer(405, None, (("Allow", "POST"),))


def _check_keys(events: list[WebhookEvent]) -> None:
    """Refuse a delivery with an ``idempotency_key`` over ``MAX_KEY_BYTES`` bytes."""
    for event in events:
        key = event.idempotency_key
        if key is not None and len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
            raise WebhookFormatError(
                f"an idempotency_key is over {MAX_KEY_BYTES} bytes: refused, not stored"
            )


class _StoreFailed(Exception):
    """The idempotency store could not claim a key: nothing is handled without a claim."""


def _kind(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def _busy(body: dict[str, object]) -> _Answer:
    """503 with ``Retry-After``: Action Network sends the delivery again later."""
    return _Answer(503, body, (("Retry-After", str(BUSY_RETRY_AFTER)),))


def receiver(
    handler: Handler | None = None,
    *,
    path: str = DEFAULT_PATH,
    secret: str | None = None,
    max_body: int = MAX_BODY,
    store: IdempotencyStore | None = None,
    handler_timeout: float = 300.0,
    log_personal_data: bool = False,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> WebhookReceiver:
    """A webhook receiver: ``web.run_app(receiver(handle).app())``, or add its ``routes()``."""
    return WebhookReceiver(
        handler,
        path=path,
        secret=secret,
        max_body=max_body,
        store=store,
        handler_timeout=handler_timeout,
        log_personal_data=log_personal_data,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
    )
