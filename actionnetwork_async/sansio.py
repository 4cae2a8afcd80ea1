"""Protocol logic without I/O: request headers, and (status, headers, body) -> JSON or an exception.

Modelled on gidgethub's ``sansio``: everything here is a plain function, testable with no network.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from . import errors

__all__ = [
    "API_KEY_HEADER",
    "build_headers",
    "decode_response",
    "parse_retry_after",
    "redact",
    "status_error",
]

API_KEY_HEADER = "OSDI-API-Token"
REDACTED = "***"


def build_headers(api_key: str, *, user_agent: str, has_body: bool) -> dict[str, str]:
    """Headers for one request: the API key, JSON accept and, with a body, its content type."""
    headers = {
        API_KEY_HEADER: api_key,
        "Accept": "application/hal+json, application/json",
        "User-Agent": user_agent,
    }
    if has_body:
        headers["Content-Type"] = "application/json"
    return headers


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced, so a key never reaches a message."""
    return text.replace(secret, REDACTED) if secret else text


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _error_text(body: bytes, fallback: str) -> str:
    """The server's ``{"error": ...}`` text, else a short excerpt of the body, else ``fallback``."""
    try:
        decoded = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if isinstance(decoded, Mapping):
        for key in ("error", "message", "errors"):
            if key in decoded:
                value = decoded[key]
                return value if isinstance(value, str) else json.dumps(value)
    text = body[:200].decode("utf-8", "replace").strip()
    return text or fallback


_STATUS_CLASSES: dict[int, type[errors.StatusError]] = {
    400: errors.ValidationError,
    401: errors.AuthenticationError,
    403: errors.AuthenticationError,
    404: errors.NotFoundError,
    422: errors.ValidationError,
}


def status_error(
    status: int, message: str, *, url: str, retry_after: float | None = None
) -> errors.StatusError:
    """The exception for an HTTP error status."""
    if status == 429:
        cls: type[errors.StatusError] = errors.RateLimitError
    elif status >= 500:
        cls = errors.ServerError
    else:
        cls = _STATUS_CLASSES.get(status, errors.StatusError)
    return cls(status, message, url=url, retry_after=retry_after)


def decode_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    url: str,
    secret: str | None = None,
    reason: str = "",
) -> Any:
    """Turn one HTTP answer into decoded JSON (None for an empty body) or raise its exception.

    ``secret`` (the API key) is redacted from any message or URL that goes into an exception.
    """
    safe_url = redact(url, secret)
    if status >= 400:
        message = redact(_error_text(body, reason or f"HTTP {status}"), secret)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        raise status_error(status, message, url=safe_url, retry_after=retry_after)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.DecodeError(
            f"invalid JSON in a {len(body)}-byte body: {exc}", status=status, url=safe_url
        ) from None
