"""The one exception tree of actionnetwork-async.

    ActionNetworkError                  every error this library raises
    ├── ConfigurationError              the caller's mistake: bad set-up or arguments (a ValueError)
    │   ├── ForeignOriginError          a URL outside the API's origin: the key is never sent there
    │   └── UnsafeFileError             a path the library will not write: a link, or not its file
    ├── ClientStateError                the client cannot do this in its present state
    │   ├── CheckpointLockedError       another run holds the checkpoint (.path)
    │   ├── ClientClosedError           the client was closed
    │   └── ClockSkewError              the server's and the local clock disagree too far
    ├── LimiterError                    the rate limiter could not grant a slot
    │   ├── LimiterTimeoutError         no slot within the allowed wait (back-pressure)
    │   └── LimiterUnavailableError     a shared limiter's store (Redis) cannot be reached
    ├── CollectionUnavailableError      this key cannot reach a collection (.collection)
    ├── ModelError                      a document does not fit its model (also a ValueError)
    ├── IncompleteWriteError            a write stopped part-way (.sent, .url, .cause, .result)
    ├── HALError                        a HAL document cannot answer what was asked
    │   ├── LinkNotFoundError           no such rel (names the rels that exist; also a KeyError)
    │   ├── AmbiguousRelError           an expanded rel matches two different compact rels
    │   └── TemplateError               a templated link could not be expanded
    ├── TransportError                  no HTTP answer, once retries are exhausted
    │   ├── ConnectError                the connection failed before the request was sent
    │   ├── RequestTimeoutError         no complete answer in time (the request may have run)
    │   └── OutcomeUnknownError         a write that may have been processed; not re-sent
    ├── UnexpectedResponseError         an answer the API does not document (.status, .url)
    │   ├── DecodeError                 an answer whose body is not valid JSON
    │   ├── NothingAcceptedError        a write answered without the resource it should create
    │   ├── ErrorAnswerError            a read answered 2xx with {"error": ...} (.message)
    │   ├── NotAppliedError             a write answered 200 without its change (.fields, .result)
    │   └── ResponseTooLargeError       an answer over max_response_bytes (.limit)
    ├── WebhookError                    a webhook delivery that cannot be read
    │   ├── WebhookTooLargeError        the body is over the size limit
    │   ├── WebhookDecodeError          the body is not JSON
    │   └── WebhookFormatError          JSON, but not an array of typed elements
    └── StatusError                     an HTTP error answer (.status .message .url .retry_after)
        ├── AuthenticationError         401 / 403 (Action Network answers a bad key with 403)
        ├── NotFoundError               404
        ├── ValidationError             400 / 422
        ├── RateLimitError              429 once retries are exhausted (.retry_after)
        └── ServerError                 5xx once retries are exhausted

Three families keep blame clear: ``ConfigurationError`` is the caller's mistake (fix the call),
``UnexpectedResponseError``, ``StatusError`` and ``TransportError`` come from the server or the
network, and ``ClientStateError`` / ``LimiterError`` describe the client's own state.

``StatusError.message`` is the server's ``{"error": "..."}`` text when it sent one. No exception
ever carries the API key: the transport redacts it from every message and URL.
"""

from __future__ import annotations

__all__ = [
    "ActionNetworkError",
    "AmbiguousRelError",
    "AuthenticationError",
    "CheckpointLockedError",
    "ClientClosedError",
    "ClientStateError",
    "ClockSkewError",
    "CollectionUnavailableError",
    "ConfigurationError",
    "ConnectError",
    "DecodeError",
    "ErrorAnswerError",
    "ForeignOriginError",
    "HALError",
    "IncompleteWriteError",
    "LimiterError",
    "LimiterTimeoutError",
    "LimiterUnavailableError",
    "LinkNotFoundError",
    "LockError",
    "LockLostError",
    "LockUnavailableError",
    "ModelError",
    "NotAppliedError",
    "NotFoundError",
    "NothingAcceptedError",
    "OutcomeUnknownError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ServerError",
    "StatusError",
    "TemplateError",
    "TransportError",
    "UnexpectedResponseError",
    "UnsafeFileError",
    "ValidationError",
    "WebhookDecodeError",
    "WebhookError",
    "WebhookFormatError",
    "WebhookTooLargeError",
]


class ActionNetworkError(Exception):
    """Root of every error raised by actionnetwork-async."""


class ConfigurationError(ActionNetworkError, ValueError):
    """The client or a call was given something it cannot work with."""


class ForeignOriginError(ConfigurationError):
    """A URL on another origin than the API's: refused before any request, so the key stays home."""


class UnsafeFileError(ConfigurationError):
    """A file the library was asked to write and will not: the path is a symbolic link or not
    a regular file, or it holds something the library did not write (it would be lost).

    Files the library writes may hold personal data, so they are never written through a link
    and never overwrite a file of another kind; remove it or choose another path.
    """


class ClientStateError(ActionNetworkError):
    """The client cannot do this in its present state."""


class ClientClosedError(ClientStateError):
    """The client was closed; create a new one."""


class CheckpointLockedError(ClientStateError):
    """Another run holds this checkpoint: two runs on one checkpoint would both send its
    records. Raised at once, before anything is sent; wait for the other run to end."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is in use by another run: two runs on one checkpoint would send records "
            "twice; wait for it to end"
        )


class ClockSkewError(ClientStateError):
    """The server's clock (its ``Date`` header) and the local clock disagree by more than the
    tolerance, so a watermark taken on either could lose changes: the pull stops instead."""


class LimiterError(ActionNetworkError):
    """The rate limiter could not grant a slot for a request."""


class LimiterTimeoutError(LimiterError):
    """No slot became free within the allowed wait: fail fast instead of queueing."""


class LimiterUnavailableError(LimiterError):
    """A shared limiter's store (Redis) cannot be reached, and the limiter fails closed."""


class LockError(ActionNetworkError):
    """A lock shared between processes (through Redis) could not be taken or kept."""


class LockUnavailableError(LockError):
    """The shared lock's store (Redis) cannot be reached: nothing was done under the lock."""


class LockLostError(LockError):
    """A shared lock's lease ran out while held (Redis stalled or restarted): the holder
    stopped before its next step, so that two holders never overlap."""


class CollectionUnavailableError(ActionNetworkError):
    """The key works, but the API entry point lists no link to this collection: the key has no
    access to it (tags, for one, exist only for group keys). A wrong key is an
    ``AuthenticationError`` instead (403, or an entry point with no collection at all)."""

    def __init__(self, collection: str, *, url: str, available: list[str]) -> None:
        self.collection = collection
        self.url = url
        self.available = available
        shown = ", ".join(available) or "none"
        super().__init__(
            f"this API key cannot reach the {collection!r} collection: the entry point does not "
            f"list it (collections it lists: {shown}) ({url})"
        )


class ModelError(ActionNetworkError, ValueError):
    """A document has a known field with a value its model cannot hold."""


class IncompleteWriteError(ActionNetworkError):
    """A write in several requests failed part-way: ``sent`` items went through before ``cause``.

    ``result`` is what the last successful request returned (for example the list a chunked
    ``create`` made), so the caller can resume from it; None when nothing landed.
    """

    def __init__(
        self, *, url: str, sent: int, cause: BaseException, result: object | None = None
    ) -> None:
        self.url = url
        self.sent = sent
        self.cause = cause
        self.result = result
        super().__init__(f"stopped after {sent} items were sent to {url}: {cause}")


class HALError(ActionNetworkError):
    """A HAL document cannot answer what was asked of it."""


class LinkNotFoundError(HALError, KeyError):
    """The resource has no link (or embedded resource) with the requested rel."""

    def __init__(self, rel: str, available: list[str], *, where: str = "links") -> None:
        self.rel = rel
        self.available = available
        shown = ", ".join(available) if available else "none"
        super().__init__(f"no rel {rel!r} in {where}; rels present: {shown}")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class AmbiguousRelError(HALError):
    """An expanded rel matches two different compact rels (osdi: and action_network: alike)."""

    def __init__(self, rel: str, candidates: list[str]) -> None:
        self.rel = rel
        self.candidates = candidates
        super().__init__(
            f"rel {rel!r} matches several compact rels ({', '.join(candidates)}); "
            "ask for one of them by its compact name"
        )


class TemplateError(HALError):
    """A templated link could not be expanded with the given variables."""


class TransportError(ActionNetworkError):
    """No usable HTTP answer (connection failure or timeout), once retries are exhausted."""

    #: True when the request certainly never reached the server, so a retry cannot duplicate it.
    request_sent: bool = True

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(f"{message} ({url})")


class ConnectError(TransportError):
    """The connection could not be opened: the request was never sent."""

    request_sent = False


class RequestTimeoutError(TransportError):
    """No complete answer arrived in time; the server may have processed the request."""


class OutcomeUnknownError(TransportError):
    """A write failed after it was sent: the server may have processed it, so it was not re-sent.

    Check whether it landed (for example by listing what it would have created) before
    sending it again.
    """


class UnexpectedResponseError(ActionNetworkError):
    """The server answered with something the API does not document for this request."""

    def __init__(self, message: str, *, status: int, url: str) -> None:
        self.status = status
        self.url = url
        super().__init__(f"{message} (HTTP {status}, {url})")


class DecodeError(UnexpectedResponseError):
    """The server answered with a body that is not valid JSON."""


class NothingAcceptedError(UnexpectedResponseError):
    """A write was answered without the resource it should create or change (``200 {}``).

    Action Network's helpers answer this way when they accepted nothing.
    """


class ErrorAnswerError(UnexpectedResponseError):
    """A read answered with a success status and the API's error document (``200 {"error":
    "..."}``): ``message`` is the server's text, the key masked. Read as a resource, it would be
    an empty model passed off as data.
    """

    def __init__(self, message: str, *, status: int, url: str) -> None:
        self.message = message
        super().__init__(f"the answer is an error: {message}", status=status, url=url)


class NotAppliedError(UnexpectedResponseError):
    """A write was answered with success, but the resource it returned does not hold what was
    sent: ``fields`` names what did not take (``email_addresses``, ``phone_numbers``) and
    ``result`` is the resource as the API answered it.

    The API answers this way, for example, to a PUT that gives a person an email address
    another person has: "the change will not be allowed and the person resource will be
    returned in the response without the change having been made"
    (https://actionnetwork.org/docs/v2/people).
    """

    def __init__(
        self, message: str, *, status: int, url: str, fields: list[str], result: object
    ) -> None:
        self.fields = fields
        self.result = result
        super().__init__(message, status=status, url=url)


class ResponseTooLargeError(UnexpectedResponseError):
    """An answer larger than the client's ``max_response_bytes`` (``limit``): refused when its
    ``Content-Length`` says so, or as soon as its body grows past it, never read whole.
    """

    def __init__(self, message: str, *, status: int, url: str, limit: int) -> None:
        self.limit = limit
        super().__init__(message, status=status, url=url)


class StatusError(ActionNetworkError):
    """An HTTP error answer; base of the per-status classes, raised itself for other codes."""

    def __init__(
        self, status: int, message: str, *, url: str, retry_after: float | None = None
    ) -> None:
        self.status = status
        self.message = message
        self.url = url
        #: Seconds the server asked us to wait (its ``Retry-After`` header), if it said.
        self.retry_after = retry_after
        super().__init__(f"HTTP {status}: {message} ({url})")


class AuthenticationError(StatusError):
    """401 or 403: the API key is missing, wrong or revoked."""


class NotFoundError(StatusError):
    """404: no resource at that URL."""


class ValidationError(StatusError):
    """400 or 422: the server refused the request's content."""


class RateLimitError(StatusError):
    """429: too many requests, still refused after every retry."""


class ServerError(StatusError):
    """5xx: the server failed, still failing after every retry."""


class WebhookError(ActionNetworkError):
    """A webhook delivery that cannot be read; nothing of it is returned."""


class WebhookTooLargeError(WebhookError):
    """The delivery's body is larger than the receiver accepts."""


class WebhookDecodeError(WebhookError):
    """The delivery's body is not JSON (or not UTF-8)."""


class WebhookFormatError(WebhookError):
    """The delivery is JSON but not an array of objects each with one type key."""
