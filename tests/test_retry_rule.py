"""The retry rule as a pure decision table."""

from __future__ import annotations

import pytest

from actionnetwork_async import (
    ConnectError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TransportError,
    ValidationError,
)
from actionnetwork_async.errors import DecodeError
from actionnetwork_async.limits import RetryPolicy

U = "http://x/"
policy = RetryPolicy(jitter=lambda d: d)  # no jitter: delays are exact


@pytest.mark.parametrize(
    ("error", "idempotent", "retry"),
    [
        (RateLimitError(429, "", url=U), True, True),
        (RateLimitError(429, "", url=U), False, True),  # 429: certainly not processed
        (ServerError(503, "", url=U), True, True),
        (ServerError(503, "", url=U), False, False),  # a POST may have been processed
        (ServerError(500, "", url=U), True, True),
        (ServerError(501, "", url=U), True, False),
        (ConnectError("refused", url=U), False, True),  # never sent
        (RequestTimeoutError("slow", url=U), True, True),
        (RequestTimeoutError("slow", url=U), False, False),
        (TransportError("reset", url=U), True, True),
        (TransportError("reset", url=U), False, False),
        (DecodeError("cut", status=200, url=U), True, True),
        (NotFoundError(404, "", url=U), True, False),
        (ValidationError(400, "", url=U), True, False),
        (ValueError("bug"), True, False),
    ],
)
def test_what_is_retried(error: BaseException, idempotent: bool, retry: bool) -> None:
    assert policy.decide(error, 1, idempotent=idempotent).retry is retry


def test_exponential_backoff_from_the_backoff_package() -> None:
    p = RetryPolicy(factor=0.5, base=2, max_delay=3, jitter=lambda d: d, max_tries=10)
    delays = [p.decide(ServerError(503, "", url=U), n).delay for n in range(1, 6)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_is_applied_to_the_backoff() -> None:
    p = RetryPolicy(jitter=lambda d: d / 10)
    assert p.decide(ServerError(503, "", url=U), 1).delay == pytest.approx(0.05)


def test_retry_after_replaces_the_backoff_and_a_longer_one_than_allowed_is_raised() -> None:
    assert policy.decide(RateLimitError(429, "", url=U, retry_after=7), 1).delay == 7
    capped = RetryPolicy(max_retry_after=5, max_time=600)
    assert capped.decide(RateLimitError(429, "", url=U, retry_after=5), 1).delay == 5
    # retrying after 5 s would only meet the limiter, which holds requests for the hour the
    # server asked: the caller hears at once, with error.retry_after
    decision = capped.decide(RateLimitError(429, "", url=U, retry_after=3600), 1)
    assert decision.retry is False
    assert "max_retry_after" in decision.reason


def test_bounded_by_max_tries_and_max_time() -> None:
    p = RetryPolicy(max_tries=3, max_time=10, jitter=lambda d: d)
    err = ServerError(503, "", url=U)
    assert p.decide(err, 2).retry is True
    assert p.decide(err, 3).retry is False
    assert p.decide(RateLimitError(429, "", url=U, retry_after=4), 1, elapsed=7).retry is False
    assert p.decide(RateLimitError(429, "", url=U, retry_after=4), 1, elapsed=5).retry is True
