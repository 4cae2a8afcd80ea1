"""The retry rule, as a pure function: (error, attempt) -> retry or not, and how long to wait.

The rule:

* retried: 429, 500, 502, 503, 504, connection failures, timeouts and unreadable (truncated)
  bodies, with exponential backoff and full jitter (``backoff.expo`` + ``backoff.full_jitter``);
* a ``Retry-After`` header (seconds or HTTP date) replaces the computed delay; one longer than
  ``max_retry_after`` is not waited out here: the error is raised at once with its
  ``.retry_after``, and the caller decides (the client's limiter still holds its other
  requests that long, as the server asked);
* never retried: any other 4xx (400, 401, 403, 404, 422 ...);
* a request that is not idempotent (POST by default) is retried only when it certainly was not
  processed: a 429, or a connection that failed before the request was sent. A timed-out POST
  may have created its event already, and events are not deduplicated;
* bounded by ``max_tries`` attempts and ``max_time`` seconds in all.

Sleeping is the transport's job; every retry goes through the rate limiter again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from ._validate import positive_int, positive_number
from .errors import (
    ConfigurationError,
    ConnectError,
    DecodeError,
    RateLimitError,
    StatusError,
    TransportError,
)

__all__ = ["DEFAULT_MAX_RETRY_AFTER", "RETRY_STATUSES", "RetryDecision", "RetryPolicy"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The longest ``Retry-After`` waited out (seconds), and the longest pause a 429 puts on a limiter.
DEFAULT_MAX_RETRY_AFTER = 60.0


@attrs.frozen
class RetryDecision:
    """Whether to try again, after how many seconds, and why (for logs)."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    positive_number(value, attribute.name)


def _callable(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise ConfigurationError(f"{attribute.name} must be callable, got {value!r}")


def _statuses(value: Iterable[int]) -> frozenset[int]:
    """HTTP statuses to retry, as a frozenset; anything else is a ``ConfigurationError``."""
    wrong = ConfigurationError(f"retry_statuses must be HTTP status codes, got {value!r}")
    if isinstance(value, (str, bytes)):
        raise wrong
    try:
        statuses = frozenset(value)
    except TypeError:
        raise wrong from None
    if not all(
        isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses
    ):
        raise wrong
    return statuses


def full_jitter(value: float) -> float:
    """The default jitter, ``backoff.full_jitter``: a random delay from 0 to ``value``
    (backoff is imported by the first retry, not by the client's import)."""
    import backoff

    return float(backoff.full_jitter(value))


@attrs.frozen
class RetryPolicy:
    """How many times and how long to retry; ``decide`` is the whole rule."""

    max_tries: int = attrs.field(default=6, validator=lambda _, a, v: positive_int(v, a.name))
    max_time: float = attrs.field(default=120.0, validator=_positive)
    base: float = attrs.field(default=2.0, validator=_positive)
    factor: float = attrs.field(default=0.5, validator=_positive)
    max_delay: float = attrs.field(default=30.0, validator=_positive)
    max_retry_after: float = attrs.field(default=DEFAULT_MAX_RETRY_AFTER, validator=_positive)
    retry_statuses: frozenset[int] = attrs.field(default=RETRY_STATUSES, converter=_statuses)
    jitter: Callable[[float], float] = attrs.field(default=full_jitter, validator=_callable)

    def backoff_delay(self, attempt: int) -> float:
        """The un-jittered delay after failed attempt number ``attempt`` (1-based)."""
        import backoff  # imported by the first retry, not by the client's import

        waits = backoff.expo(base=self.base, factor=self.factor, max_value=self.max_delay)
        return float(next(itertools.islice(waits, attempt, None)))

    def decide(
        self, error: BaseException, attempt: int, *, idempotent: bool = True, elapsed: float = 0.0
    ) -> RetryDecision:
        """Decide what to do after attempt number ``attempt`` (1-based) failed with ``error``.

        ``elapsed`` is the time spent since the first attempt started; ``idempotent`` is False
        for a request that must not run twice (a POST).
        """
        reason = self._retryable(error, idempotent)
        if reason is None:
            return RetryDecision(False, reason="not retryable")
        if attempt >= self.max_tries:
            return RetryDecision(False, reason=f"{attempt} tries made (max_tries)")
        retry_after = error.retry_after if isinstance(error, StatusError) else None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return RetryDecision(
                    False, reason=f"Retry-After {retry_after:g}s is over max_retry_after"
                )
            delay = retry_after
        else:
            delay = self.jitter(self.backoff_delay(attempt))
        if elapsed + delay > self.max_time:
            return RetryDecision(False, reason=f"would pass max_time {self.max_time}s")
        return RetryDecision(True, delay, reason)

    def _retryable(self, error: BaseException, idempotent: bool) -> str | None:
        if isinstance(error, RateLimitError):
            return "rate limited (429): not processed" if 429 in self.retry_statuses else None
        if isinstance(error, StatusError):
            if error.status in self.retry_statuses and idempotent:
                return f"HTTP {error.status}"
            return None
        if isinstance(error, ConnectError):
            return "connection failed before sending"
        if isinstance(error, (TransportError, DecodeError)) and idempotent:
            return type(error).__name__
        return None
