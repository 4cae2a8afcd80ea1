"""OpenTelemetry spans and metrics of the transport, when the application configured them.

The transport resolves its ``Telemetry`` once, at its first request (``for_transport``): None
when ``opentelemetry-api`` is not installed, or when neither a tracer provider nor a meter
provider is configured (the API's proxy or no-op defaults), so that the request path then
costs one ``is None`` test per attempt. A provider configured after a transport's first request
is not seen by that transport (make the client after setting up OpenTelemetry).

One span per attempt, as the HTTP client semantic conventions ask
(https://opentelemetry.io/docs/specs/semconv/http/http-spans/): a retry, and a redirect hop,
is a span of its own with ``http.request.resend_count``; the retry that led to it (the failed
attempt's ``error.type``, the reason, the delay waited: a ``Retry-After`` honoured) is on it as
``actionnetwork.retry.*`` attributes. The span starts once the rate limiter let the attempt go;
the time it waited there is ``actionnetwork.limiter.wait``.

What is recorded holds no personal data and never the key: ``url.full`` keeps the query's
parameter names only (``?filter=REDACTED``: an OData filter can hold an email address), the
key is masked in it as in every log line, no header or body is read, and an exception is
recorded by its class (``error.type``), never its message (which quotes the URL and query).
docs/telemetry.md lists every span attribute and metric.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import sansio
from .errors import ResponseTooLargeError

if TYPE_CHECKING:
    from opentelemetry.metrics import Histogram, Meter, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["RequestTrace", "Telemetry", "error_type", "for_transport", "set_providers"]

#: The instrumentation scope: the library's name.
SCOPE = "actionnetwork_async"
#: The semantic conventions the attribute names follow.
SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"
#: ``http.client.request.duration``'s buckets, as the semantic conventions advise (seconds).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
#: ``actionnetwork.limiter.wait``'s buckets (seconds): most waits are under a second.
WAIT_BUCKETS = (0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
REDACTED = "REDACTED"
# a query parameter's name kept in url.full: a plain word (filter, page, per_page)
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")

# (tracer provider, meter provider) used instead of the global ones: see set_providers()
_providers: tuple[TracerProvider | None, MeterProvider | None] | None = None


def set_providers(
    tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None
) -> None:
    """Use these providers, not the global ones, in transports resolved from now on (tests set
    SDK providers here, which they can undo, unlike ``trace.set_tracer_provider``). A provider
    left None means none (no spans, or no metrics); ``set_providers()`` with neither goes back
    to the global providers."""
    global _providers
    both = (tracer_provider, meter_provider)
    _providers = None if both == (None, None) else both


def for_transport(
    scheme: str, host: str, port: int, redact: Callable[[str], str]
) -> Telemetry | None:
    """The telemetry of a transport talking to ``scheme://host:port``, or None when nothing
    would be recorded (no ``opentelemetry-api``, or no provider configured). ``redact`` masks
    the API key in a URL."""
    try:
        from opentelemetry import metrics, trace
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider
    except ImportError:
        return None
    if _providers is not None:
        tracer_provider, meter_provider = _providers
    else:
        tracer_provider, meter_provider = trace.get_tracer_provider(), metrics.get_meter_provider()
    if isinstance(tracer_provider, (ProxyTracerProvider, NoOpTracerProvider)):
        tracer_provider = None
    # the proxy a program gets before it sets one is private (_ProxyMeterProvider): by name
    if isinstance(meter_provider, NoOpMeterProvider) or (
        type(meter_provider).__name__ == "_ProxyMeterProvider"
    ):
        meter_provider = None
    if tracer_provider is None and meter_provider is None:
        return None
    return Telemetry(tracer_provider, meter_provider, scheme, host, port, redact)


def error_type(error: BaseException | type[BaseException]) -> str:
    """``error.type`` of a failure: the status for an HTTP error, else the exception's class
    (fully qualified). Never its message, which can quote the URL and its query."""
    status = getattr(error, "status", None)
    if isinstance(status, int) and status >= 400:
        return str(status)
    kind = error if isinstance(error, type) else type(error)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def scrub_url(url: str) -> str:
    """``url`` without its fragment, user and password, and with each query parameter's value
    replaced by ``REDACTED`` (the names stay: ``?filter=REDACTED&page=REDACTED``; a "name"
    that is not a plain word, as in ``?ann@example.org``, is ``REDACTED`` too)."""
    url, _, _ = url.partition("#")
    base, mark, query = url.partition("?")
    scheme, sep, rest = base.partition("://")
    netloc, slash, path = rest.partition("/")
    if sep and "@" in netloc:  # user:password@host
        base = f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"
    if not mark:
        return base
    names = (part.partition("=")[0] for part in query.split("&") if part)
    kept = (name if _PARAMETER_NAME.fullmatch(name) else REDACTED for name in names)
    return f"{base}?{'&'.join(f'{name}={REDACTED}' for name in kept)}"


def _histogram(meter: Meter, name: str, description: str, buckets: Sequence[float]) -> Histogram:
    """A histogram in seconds, with ``buckets`` advised where the API takes advice (1.30+)."""
    try:
        return meter.create_histogram(
            name, unit="s", description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # opentelemetry-api before 1.30: the SDK's default buckets (or a View)
        return meter.create_histogram(name, unit="s", description=description)


class Telemetry:
    """What one transport records: a tracer (None without a tracer provider) and the metric
    instruments (no-op ones without a meter provider)."""

    def __init__(
        self,
        tracer_provider: TracerProvider | None,
        meter_provider: MeterProvider | None,
        scheme: str,
        host: str,
        port: int,
        redact: Callable[[str], str],
    ) -> None:
        from opentelemetry.metrics import NoOpMeter
        from opentelemetry.trace import SpanKind, Status, StatusCode

        from . import __version__

        self._kind = SpanKind.CLIENT
        self._error = Status(StatusCode.ERROR)
        self._redact = redact
        self.tracer: Tracer | None = None
        if tracer_provider is not None:
            self.tracer = tracer_provider.get_tracer(SCOPE, __version__, schema_url=SCHEMA_URL)
        meter = (
            meter_provider.get_meter(SCOPE, __version__, schema_url=SCHEMA_URL)
            if meter_provider is not None
            else NoOpMeter(SCOPE)
        )
        self.server: dict[str, Any] = {
            "server.address": host,
            "server.port": port,
            "url.scheme": scheme,
        }
        self.duration = _histogram(
            meter,
            "http.client.request.duration",
            "Duration of HTTP client requests (each attempt).",
            DURATION_BUCKETS,
        )
        self.active = meter.create_up_down_counter(
            "http.client.active_requests",
            unit="{request}",
            description="Requests on the wire (sent, not yet answered).",
        )
        self.requests = meter.create_counter(
            "actionnetwork.requests",
            unit="{request}",
            description="Attempts sent, by answer status or error type.",
        )
        self.rate_limited = meter.create_counter(
            "actionnetwork.rate_limited",
            unit="{response}",
            description="429 answers received.",
        )
        self.retries = meter.create_counter(
            "actionnetwork.retries",
            unit="{retry}",
            description="Failed attempts retried, by the failure's error type.",
        )
        self.limiter_wait = _histogram(
            meter,
            "actionnetwork.limiter.wait",
            "Time each attempt waited for the rate limiter.",
            WAIT_BUCKETS,
        )
        self._method_attributes: dict[str, dict[str, Any]] = {}

    def request(self, method: str) -> RequestTrace:
        """The telemetry of one request (its attempts, retries and redirect hops)."""
        attributes = self._method_attributes.get(method)
        if attributes is None:
            attributes = {"http.request.method": method, **self.server}
            self._method_attributes[method] = attributes
        return RequestTrace(self, method, attributes)

    def start_span(self, method: str, url: str, attributes: dict[str, Any]) -> Span | None:
        if self.tracer is None:
            return None
        attributes["url.full"] = self._redact(scrub_url(url))
        return self.tracer.start_span(method, kind=self._kind, attributes=attributes)

    def end_span(self, span: Span, status: int | None, failure: str | None) -> None:
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if failure is not None:
            span.set_attribute("error.type", failure)
            span.set_status(self._error)
        span.end()


class RequestTrace:
    """One request as the transport sends it: ``start()`` each attempt once the limiter let
    it go, ``end()`` it, and ``retrying()`` before the next one."""

    __slots__ = ("_attributes", "_method", "_retry", "_span", "_started", "_telemetry", "resends")

    def __init__(self, telemetry: Telemetry, method: str, attributes: dict[str, Any]) -> None:
        self._telemetry = telemetry
        self._method = method
        self._attributes = attributes  # shared by the transport's requests of this method
        #: Attempts sent after the first (retries and redirect hops).
        self.resends = -1
        self._retry: dict[str, Any] | None = None
        self._span: Span | None = None
        self._started = 0.0

    def start(self, url: str, limiter_wait: float) -> None:
        """An attempt of ``url`` goes on the wire, after ``limiter_wait`` seconds waiting for
        the rate limiter."""
        telemetry = self._telemetry
        self.resends += 1
        telemetry.limiter_wait.record(limiter_wait, telemetry.server)
        telemetry.active.add(1, self._attributes)
        if telemetry.tracer is not None:
            attributes = {**self._attributes, "actionnetwork.limiter.wait": limiter_wait}
            if self.resends:
                attributes["http.request.resend_count"] = self.resends
            if self._retry is not None:
                attributes.update(self._retry)
                self._retry = None
            self._span = telemetry.start_span(self._method, url, attributes)
        self._started = time.perf_counter()

    def end(
        self, status: int | None, failure: str | None = None, retry_after: float | None = None
    ) -> None:
        """The attempt got an answer (``status``) or failed (``failure``, an ``error.type``);
        ``retry_after`` is a 429's ``Retry-After`` in seconds."""
        telemetry = self._telemetry
        elapsed = time.perf_counter() - self._started
        telemetry.active.add(-1, self._attributes)
        if failure is None and status is not None and status >= 400:
            failure = str(status)
        outcome = dict(self._attributes)
        if status is not None:
            outcome["http.response.status_code"] = status
        if failure is not None:
            outcome["error.type"] = failure
        telemetry.duration.record(elapsed, outcome)
        counted: dict[str, Any] = {"http.request.method": self._method}
        if status is not None:
            counted["http.response.status_code"] = status
        if failure is not None:
            counted["error.type"] = failure
        telemetry.requests.add(1, counted)
        if status == 429:
            telemetry.rate_limited.add(1, {"http.request.method": self._method})
        span, self._span = self._span, None
        if span is not None:
            if retry_after is not None:
                span.set_attribute("actionnetwork.retry_after", retry_after)
            telemetry.end_span(span, status, failure)

    def answered(self, status: int, headers: Mapping[str, str], *, too_large: bool) -> None:
        """The attempt got an answer: ``end()`` with its status, the ``Retry-After`` of a 429,
        and ``ResponseTooLargeError`` as the failure when the body was over the limit."""
        retry_after = None
        if status == 429:
            retry_after = sansio.parse_retry_after(headers.get("Retry-After"))
        failure = error_type(ResponseTooLargeError) if too_large else None
        self.end(status, failure, retry_after)

    def retrying(self, error: BaseException, delay: float, reason: str) -> None:
        """The last attempt failed with ``error`` and is retried in ``delay`` seconds."""
        failed = error_type(error)
        self._telemetry.retries.add(1, {"http.request.method": self._method, "error.type": failed})
        if self._telemetry.tracer is not None:
            self._retry = {
                "actionnetwork.retry.error_type": failed,
                "actionnetwork.retry.reason": reason,
                "actionnetwork.retry.delay": delay,
            }
