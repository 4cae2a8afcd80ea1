"""OpenTelemetry spans and metrics of the transport, and the structured fields of its log
records (docs/telemetry.md, docs/logging.md), against the emulator.

The SDK's in-memory exporter and reader are handed to ``_telemetry.set_providers`` (the global
providers can be set only once per process); each test undoes it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from actionnetwork_async import ActionNetworkError, _telemetry
from actionnetwork_async.limits import RetryPolicy
from actionnetwork_async.testing import Emulator, Seed

from .conftest import ClientFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.looptime]

KEY = "telemetry-test-key-5b0e7d1c93a2f864"
EMAIL = "private.person@example.org"
# a value of url.full: the query keeps its parameter names, never a value
URL_FULL = re.compile(r"https?://[^?#@\s]+(\?\w+=REDACTED(&\w+=REDACTED)*)?")


class Otel:
    """SDK providers with in-memory export, used by transports resolved while it is on."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def points(self) -> dict[str, list[Any]]:
        """Every metric's data points, by metric name."""
        found: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture
def otel() -> Iterator[Otel]:
    providers = Otel()
    _telemetry.set_providers(providers.tracer_provider, providers.meter_provider)
    yield providers
    _telemetry.set_providers()
    providers.tracer_provider.shutdown()
    providers.meter_provider.shutdown()


def every_value(otel: Otel) -> list[Any]:
    """Every attribute value of every span, span event and metric point."""
    values: list[Any] = []
    for span in otel.spans():
        values += list((span.attributes or {}).values())
        for event in span.events:
            values += list((event.attributes or {}).values())
        values.append(span.name)
    for points in otel.points().values():
        for point in points:
            values += list(point.attributes.values())
    return values


async def test_a_stream_with_a_429_shows_each_attempt_the_retry_and_the_limiter(
    otel: Otel, make_client: ClientFactory
) -> None:
    async with Emulator(seed=Seed(people=60), rate_limit=4, api_key=KEY) as emu:
        emu.add_fault("status", path="people", status=429, retry_after="2", count=1)
        emu.add_fault("reset", path="people", count=1)
        an = make_client(emu, rate_limit=4.0)
        tracer = otel.tracer_provider.get_tracer("the caller")
        with tracer.start_as_current_span("sync job") as job:
            people = [p async for p in an.people.list()]
            assert await an.people.find_by_email(EMAIL) is None
            await an.people.signup(email=EMAIL, given_name="Private", family_name="Person")
        sent = len(emu.log)
    assert len(people) == 60
    # the entry point, 4 pages (the last one empty), the 429 and the reset retried, the find
    # by email and the signup
    assert sent == 1 + 4 + 2 + 1 + 1

    spans = [s for s in otel.spans() if s.name != "sync job"]
    assert len(spans) == sent  # one span per attempt
    for span in spans:
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None
        assert span.parent.span_id == job.get_span_context().span_id
        assert span.context is not None
        assert span.context.trace_id == job.get_span_context().trace_id
        attributes = span.attributes or {}
        assert span.name == attributes["http.request.method"]
        assert attributes["server.address"] == "127.0.0.1"
        assert attributes["server.port"] == int(emu.base_url.split(":")[2].split("/")[0])
        assert URL_FULL.fullmatch(str(attributes["url.full"])), attributes["url.full"]
        assert isinstance(attributes["actionnetwork.limiter.wait"], float)
    assert [s.name for s in spans].count("POST") == 1

    refused = next(s for s in spans if (s.attributes or {}).get("http.response.status_code") == 429)
    assert refused.attributes is not None
    assert refused.attributes["error.type"] == "429"
    assert refused.attributes["actionnetwork.retry_after"] == 2.0
    assert refused.status.status_code is StatusCode.ERROR
    at = spans.index(refused)
    first, second, third = (s.attributes or {} for s in spans[at : at + 3])
    assert first["http.response.status_code"] == 429
    assert "http.request.resend_count" not in first
    # the reset: no answer, so no status code; the error's class, not its message
    assert second["http.request.resend_count"] == 1
    assert second["actionnetwork.retry.error_type"] == "429"
    assert second["actionnetwork.retry.delay"] == 2.0  # the Retry-After, honoured
    assert "429" in str(second["actionnetwork.retry.reason"])
    assert "http.response.status_code" not in second
    assert str(second["error.type"]).startswith("actionnetwork_async.errors.")
    assert third["http.request.resend_count"] == 2
    assert third["actionnetwork.retry.error_type"] == second["error.type"]
    assert third["http.response.status_code"] == 200
    assert "error.type" not in third
    # 4 a second: the fifth request at the same time waited for the limiter
    assert max(float(str((s.attributes or {})["actionnetwork.limiter.wait"])) for s in spans) > 0.5
    found = next(s for s in spans if "filter" in str((s.attributes or {})["url.full"]))
    assert str((found.attributes or {})["url.full"]).endswith("/people?filter=REDACTED")

    points = otel.points()
    requests = points["actionnetwork.requests"]
    assert sum(p.value for p in requests) == sent
    assert {p.attributes.get("http.response.status_code"): p.value for p in requests}[429] == 1
    assert [p.value for p in points["actionnetwork.rate_limited"]] == [1]
    retries = points["actionnetwork.retries"]
    assert sum(p.value for p in retries) == 2 == an.stats.retries
    assert {p.attributes["error.type"] for p in retries} == {"429", second["error.type"]}
    (waits,) = points["actionnetwork.limiter.wait"]
    assert waits.count == sent
    assert waits.sum > 0.5
    assert sum(p.count for p in points["http.client.request.duration"]) == sent
    assert sum(p.value for p in points["http.client.active_requests"]) == 0

    for value in every_value(otel):
        text = str(value)
        assert KEY not in text
        assert "@" not in text
        assert "private" not in text.lower()
        if "?" in text:
            assert URL_FULL.fullmatch(text), text


async def test_the_key_is_masked_in_a_url_that_holds_it(
    otel: Otel, make_client: ClientFactory
) -> None:
    async with Emulator(seed=Seed(people=3), rate_limit=None, api_key=KEY) as emu:
        an = make_client(emu)
        with pytest.raises(ActionNetworkError):  # the emulator knows no such person
            await an.hal.get(f"people/{KEY}?email={EMAIL}")
    (span,) = otel.spans()
    url = str((span.attributes or {})["url.full"])
    assert KEY not in url
    assert url.endswith("/people/***?email=REDACTED")


@pytest.mark.parametrize(
    ("url", "recorded"),
    [
        ("https://a.org/api/v2/people", "https://a.org/api/v2/people"),
        (
            "https://a.org/api/v2/people?filter=email_address eq 'ann@example.org'&page=2#top",
            "https://a.org/api/v2/people?filter=REDACTED&page=REDACTED",
        ),
        ("https://a.org/p?ann@example.org&x", "https://a.org/p?REDACTED=REDACTED&x=REDACTED"),
        ("https://ann:secret@a.org:8443/p?", "https://a.org:8443/p?"),
    ],
)
async def test_url_full_keeps_no_query_value_and_no_credentials(url: str, recorded: str) -> None:
    assert _telemetry.scrub_url(url) == recorded


async def test_nothing_is_recorded_without_a_configured_provider(
    emu: Emulator, make_client: ClientFactory
) -> None:
    # the API's defaults (proxies to nothing): the transport takes the no-op path
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    an = make_client(emu)
    await an.people.find_by_email(EMAIL)
    assert an._transport._otel_resolved
    assert an._transport._otel is None
    # a provider configured after the first request is not picked up (docs/telemetry.md)
    late = Otel()
    _telemetry.set_providers(late.tracer_provider, late.meter_provider)
    try:
        await an.people.find_by_email(EMAIL)
        assert an._transport._otel is None
        assert late.spans() == []
        assert late.points() == {}
    finally:
        _telemetry.set_providers()


async def test_no_op_providers_and_a_missing_api_turn_it_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def resolve() -> _telemetry.Telemetry | None:
        return _telemetry.for_transport("https", "actionnetwork.org", 443, str)

    assert resolve() is None  # the proxies
    _telemetry.set_providers(trace.NoOpTracerProvider(), metrics.NoOpMeterProvider())
    try:
        assert resolve() is None
    finally:
        _telemetry.set_providers()
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # not installed: ImportError
    _telemetry.set_providers(TracerProvider(), None)
    try:
        assert resolve() is None
    finally:
        _telemetry.set_providers()


async def test_histograms_are_made_without_bucket_advice_by_an_api_before_1_30() -> None:
    class OldMeter(metrics.NoOpMeter):  # create_histogram as opentelemetry-api 1.24 has it
        def create_histogram(  # type: ignore[override]
            self, name: str, unit: str = "", description: str = ""
        ) -> metrics.Histogram:
            return super().create_histogram(name, unit, description)

    made = _telemetry._histogram(OldMeter("old"), "actionnetwork.limiter.wait", "waits", (1.0,))
    assert isinstance(made, metrics.NoOpHistogram)


async def test_a_tracer_provider_alone_gives_spans_and_no_metrics(
    make_client: ClientFactory,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    _telemetry.set_providers(provider, None)
    try:
        async with Emulator(seed=Seed(people=3), rate_limit=None) as emu:
            an = make_client(emu)
            await an.people.find_by_email(EMAIL)
            sent = len(emu.log)
    finally:
        _telemetry.set_providers()
    spans = exporter.get_finished_spans()
    assert len(spans) == sent
    assert all((s.attributes or {})["http.response.status_code"] == 200 for s in spans)
    assert an._transport._otel is not None
    assert isinstance(an._transport._otel.requests, metrics.NoOpCounter)


async def test_log_records_carry_structured_fields(
    emu: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    an = make_client(emu, rate_limit=4.0)
    emu.add_fault("status", path="people", status=503)
    with caplog.at_level(logging.DEBUG, logger="actionnetwork_async.transport"):
        assert await an.people.find_by_email(EMAIL) is None
    # the extra fields, as a JSON formatter reading record.__dict__ sees them
    fields = ("method", "url_path", "status", "attempt", "wait")
    records = [
        (r.levelno, r.getMessage(), {f: r.__dict__[f] for f in fields})
        for r in caplog.records
        if r.name == "actionnetwork_async.transport"
    ]
    entry_point, answered_503, retry, answered_200 = records
    assert entry_point[2]["url_path"] == "/api/v2/"
    level, message, extra = retry
    assert level == logging.WARNING
    assert message.endswith(f"failed (HTTP 503); retry 1 in {extra['wait']:.2f}s")
    assert extra == {
        "method": "GET",
        "url_path": "/api/v2/people",
        "status": 503,
        "attempt": 1,
        "wait": RetryPolicy(jitter=lambda d: d).backoff_delay(1),
    }
    for (level, _, extra), status, attempt in ((answered_503, 503, 1), (answered_200, 200, 2)):
        assert level == logging.DEBUG
        assert extra["method"] == "GET"
        assert extra["url_path"] == "/api/v2/people"
        assert (extra["status"], extra["attempt"]) == (status, attempt)
        assert isinstance(extra["wait"], float)
        assert extra["wait"] >= 0
    for _, _, extra in records:
        line = json.dumps(extra)
        assert "private" not in line
        assert "?" not in line
