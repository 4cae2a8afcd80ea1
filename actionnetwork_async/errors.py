"""The one exception tree of actionnetwork-async.

::

    ActionNetworkError                  every error this library raises
    ├── ConfigurationError              bad client set-up or arguments (also a ValueError)
    ├── ModelError                      a document does not fit its model (also a ValueError)
    ├── IncompleteWriteError            a chunked write stopped part-way (.sent, .url, .cause)
    ├── HALError                        a HAL document cannot answer what was asked
    │   ├── LinkNotFoundError           no such rel (names the rels that exist; also a KeyError)
    │   ├── AmbiguousRelError           an expanded rel matches two different compact rels
    │   └── TemplateError               a templated link could not be expanded
    ├── TransportError                  no HTTP answer, once retries are exhausted
    │   ├── ConnectError                the connection failed before the request was sent
    │   └── RequestTimeoutError         no complete answer in time (the request may have run)
    ├── DecodeError                     an answer whose body is not valid JSON (.status, .url)
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

``StatusError.message`` is the server's ``{"error": "..."}`` text when it sent one. No exception
ever carries the API key: the transport redacts it from every message and URL.
"""

from __future__ import annotations

__all__ = [
    "ActionNetworkError",
    "AmbiguousRelError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "DecodeError",
    "HALError",
    "IncompleteWriteError",
    "LinkNotFoundError",
    "ModelError",
    "NotFoundError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "StatusError",
    "TemplateError",
    "TransportError",
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


class ModelError(ActionNetworkError, ValueError):
    """A document has a known field with a value its model cannot hold."""


class IncompleteWriteError(ActionNetworkError):
    """A write sent in chunks failed part-way: ``sent`` ids went through before ``cause``."""

    def __init__(self, *, url: str, sent: int, cause: BaseException) -> None:
        self.url = url
        self.sent = sent
        self.cause = cause
        super().__init__(f"stopped after {sent} ids were sent to {url}: {cause}")


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


class DecodeError(ActionNetworkError):
    """The server answered with a body that is not valid JSON."""

    def __init__(self, message: str, *, status: int, url: str) -> None:
        self.status = status
        self.url = url
        super().__init__(f"{message} (HTTP {status}, {url})")


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
