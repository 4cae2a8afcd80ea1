"""(status, headers, body) -> JSON or exception, without a network."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from actionnetwork_async import (
    AuthenticationError,
    NotFoundError,
    NothingAcceptedError,
    RateLimitError,
    ServerError,
    StatusError,
    UnexpectedResponseError,
    ValidationError,
)
from actionnetwork_async.errors import DecodeError
from actionnetwork_async.sansio import (
    ServerClock,
    build_headers,
    decode_response,
    origin,
    parse_http_date,
    parse_retry_after,
    redirect_location,
)

URL = "https://actionnetwork.org/api/v2/people"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (405, StatusError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_maps_to_its_error_with_the_server_message(status: int, cls: type) -> None:
    with pytest.raises(cls) as info:
        decode_response(status, {}, b'{"error": "Nope"}', url=URL)
    assert type(info.value) is cls
    assert (info.value.status, info.value.message, info.value.url) == (status, "Nope", URL)


def test_error_without_json_uses_the_body_text_or_reason() -> None:
    with pytest.raises(ServerError) as info:
        decode_response(502, {}, b"<html>Bad gateway</html>", url=URL)
    assert info.value.message == "<html>Bad gateway</html>"
    with pytest.raises(ServerError) as info:
        decode_response(502, {}, b"", url=URL, reason="Bad Gateway")
    assert info.value.message == "Bad Gateway"


def test_retry_after_is_carried_on_the_error() -> None:
    with pytest.raises(RateLimitError) as info:
        decode_response(429, {"Retry-After": "3"}, b'{"error": "slow down"}', url=URL)
    assert info.value.retry_after == 3.0


def test_success_bodies() -> None:
    assert decode_response(200, {}, b'{"a": 1}', url=URL) == {"a": 1}
    assert decode_response(200, {}, b"", url=URL) is None
    assert decode_response(204, {}, b"  ", url=URL) is None
    with pytest.raises(DecodeError) as info:
        decode_response(200, {}, b'{"a": ', url=URL)
    assert info.value.status == 200


def test_the_key_is_redacted_from_messages_and_urls() -> None:
    key = "secret-key-123456"
    with pytest.raises(AuthenticationError) as info:
        decode_response(
            403, {}, b'{"error": "bad key secret-key-123456"}', url=URL + "?k=" + key, secret=key
        )
    assert key not in str(info.value)
    assert key not in repr(info.value)
    assert key not in info.value.url


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("soon") is None
    now = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    date = format_datetime(datetime(2026, 1, 1, 0, 0, 7, tzinfo=timezone.utc), usegmt=True)
    assert parse_retry_after(date, now=now) == 7.0


def test_headers() -> None:
    headers = build_headers("k", user_agent="ua", has_body=True)
    assert headers["OSDI-API-Token"] == "k"
    assert headers["Content-Type"] == "application/json"
    assert "Content-Type" not in build_headers("k", user_agent="ua", has_body=False)


def test_a_long_error_body_is_masked_before_it_is_cut() -> None:
    key = "k" * 8 + "0123456789abcdef0123456789"
    body = ("x" * 195 + key).encode()
    with pytest.raises(ServerError) as info:
        decode_response(500, {}, body, url=URL, secret=key)
    assert info.value.message.startswith("x" * 195 + "***")
    assert "kkkk" not in info.value.message


def test_what_a_request_expects() -> None:
    created = b'{"identifiers": ["action_network:1", "crm:2"]}'
    assert decode_response(200, {}, created, url=URL, expect="resource")["identifiers"]
    for body in (b"{}", b'{"identifiers": ["crm:2"]}'):
        with pytest.raises(NothingAcceptedError, match="accepted nothing") as info:
            decode_response(200, {}, body, url=URL, expect="resource")
        assert (info.value.status, info.value.url) == (200, URL)
    assert decode_response(200, {}, b"{}", url=URL, expect="document") == {}
    for body in (b"", b"[1]"):
        with pytest.raises(UnexpectedResponseError, match="expected a JSON object"):
            decode_response(200, {}, body, url=URL, expect="document")
    with pytest.raises(UnexpectedResponseError, match="not followed") as redirect:
        decode_response(302, {"Location": "https://elsewhere.example/"}, b"", url=URL)
    assert redirect.value.status == 302


def test_origins_and_redirect_locations() -> None:
    assert origin("https://ActionNetwork.org/api/v2/") == ("https", "actionnetwork.org", 443)
    assert origin("https://actionnetwork.org:443/x") == origin("https://actionnetwork.org/y")
    assert origin("http://actionnetwork.org/") != origin("https://actionnetwork.org/")
    assert origin("http://127.0.0.1:8080/") == ("http", "127.0.0.1", 8080)
    assert origin("people/1") is None
    assert redirect_location(301, {"Location": "/api/v2/x"}, URL) == (
        "https://actionnetwork.org/api/v2/x"
    )
    assert redirect_location(200, {"Location": "/x"}, URL) is None
    assert redirect_location(302, {}, URL) is None


def test_the_server_clock_is_a_lower_bound_from_date_headers() -> None:
    clock = ServerClock()
    assert clock.at(100.0) is None  # no answer yet
    clock.observe("not a date", 5.0)
    assert clock.at(100.0) is None
    # written at 12:00:00.xxx server time, received at local 10.0: at local 10.0 the server
    # read at least 12:00:00, at local 70.0 at least 12:01:00
    clock.observe("Sun, 01 Mar 2026 12:00:00 GMT", 10.0)
    assert clock.at(70.0) == datetime(2026, 3, 1, 12, 1, 0, tzinfo=timezone.utc)
    # a later answer that proves the server further ahead tightens it; a looser one does not
    clock.observe("Sun, 01 Mar 2026 12:00:20 GMT", 29.5)
    assert clock.at(29.5) == datetime(2026, 3, 1, 12, 0, 20, tzinfo=timezone.utc)
    clock.observe("Sun, 01 Mar 2026 12:00:20 GMT", 35.0)
    assert clock.at(29.5) == datetime(2026, 3, 1, 12, 0, 20, tzinfo=timezone.utc)


def test_http_dates() -> None:
    assert parse_http_date("Sun, 01 Mar 2026 12:00:00 GMT") == 1772366400.0
    assert parse_http_date(None) is None
    assert parse_http_date("yesterday") is None
