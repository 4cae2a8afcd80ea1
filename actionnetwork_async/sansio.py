"""Protocol logic without I/O: request headers, and (status, headers, body) -> JSON or an exception.

Modelled on gidgethub's ``sansio``: everything here is a plain function, testable with no network.
"""

from __future__ import annotations

import gc
import json
import math
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin

from yarl import URL

from . import errors

__all__ = [
    "API_KEY_HEADER",
    "MAX_JSON_DEPTH",
    "REDIRECT_STATUSES",
    "Expect",
    "ServerClock",
    "build_headers",
    "check_json_depth",
    "decode_json",
    "decode_response",
    "origin",
    "parse_http_date",
    "parse_retry_after",
    "redact",
    "redact_pieces",
    "redirect_location",
    "status_error",
]

API_KEY_HEADER = "OSDI-API-Token"
REDACTED = "***"
#: Longest excerpt of a non-JSON error body put into a message (after the key is masked).
MAX_ERROR_TEXT = 200
#: Shortest run of the key's characters that ``redact_pieces`` masks on its own.
KEY_PIECE = 8
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Deepest nesting of arrays and objects accepted in any JSON from outside (API answers, webhook
#: deliveries). Real documents are under 10 levels deep; the bound keeps a hostile body from
#: exhausting the stack in any parser or in code that later walks the data.
MAX_JSON_DEPTH = 64

#: What a request must answer: ``None`` anything (an empty body too), ``"document"`` a JSON
#: object that is no error document (every GET of the walker), ``"answer"`` a non-empty JSON
#: object (a helper that answers with a message, such as a message's send helper),
#: ``"resource"`` a JSON object with an ``action_network:`` identifier (a write that creates or
#: changes a resource), ``"item"`` a document with an ``action_network:`` identifier (a GET of
#: one resource by a facade).
Expect = Literal["document", "answer", "resource", "item"] | None


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute URL, the port filled in from the scheme; else None
    (a relative or malformed URL too).

    Two URLs share an origin when these are equal: the API key is only ever sent within one.
    """
    try:
        parsed = URL(url)
    except (TypeError, ValueError):  # not a string, or a malformed authority ("http://[::1")
        return None
    if not parsed.is_absolute() or parsed.host is None or parsed.port is None:
        return None
    return parsed.scheme.lower(), parsed.host.lower(), parsed.port


def redirect_location(status: int, headers: Mapping[str, str], url: str) -> str | None:
    """The absolute URL a redirect answer points to, or None when it is not a redirect."""
    if status not in REDIRECT_STATUSES:
        return None
    location = headers.get("Location")
    if not location:
        return None
    try:
        return urljoin(url, location)
    except ValueError:  # malformed: returned as is, so it fails the origin check
        return location


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


def redact_pieces(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` masked, and every run of ``KEY_PIECE`` or more of its characters
    too: for text that another library cut short, such as aiohttp's excerpt of a malformed line
    the server sent, which can end part-way through an echoed key."""
    if not secret:
        return text
    text = text.replace(secret, REDACTED)
    size = min(KEY_PIECE, len(secret))
    pieces = {secret[i : i + size] for i in range(len(secret) - size + 1)}
    masked = [False] * len(text)
    for start in range(len(text) - size + 1):
        if text[start : start + size] in pieces:
            masked[start : start + size] = [True] * size
    if not any(masked):
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if not masked[index]:
            out.append(char)
        elif index == 0 or not masked[index - 1]:
            out.append(REDACTED)
    return "".join(out)


def parse_http_date(value: str | None) -> float | None:
    """An HTTP-date header (``Date``, ``Retry-After``) as a POSIX timestamp, or None."""
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None.

    None too for what is no number of seconds (``inf``, ``nan``): the limiter pauses every
    request until the time this gives, so an endless one would stop the client for ever.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, when - (time.time() if now is None else now))


class ServerClock:
    """What time it is on the server, as a lower bound, from the ``Date`` headers of its answers.

    An answer dated ``D`` (whole seconds, rounded down) that arrived at local time ``r`` was
    written while the server's clock read at least ``D``, at a local time no later than ``r``;
    so at any local time ``t`` the server's clock reads at least ``t + (D - r)``. Every answer
    gives such a bound and the tightest is kept. Local times are a monotonic clock's (the event
    loop's), so a change to this machine's wall clock changes nothing. Used where the server's
    own time matters more than ours: the watermark of an incremental pull.
    """

    def __init__(self) -> None:
        self._offset: float | None = None

    def observe(self, date: str | None, received: float) -> None:
        """Take the ``Date`` header of an answer that arrived at local time ``received``."""
        stamp = parse_http_date(date)
        if stamp is not None:
            offset = stamp - received
            self._offset = offset if self._offset is None else max(self._offset, offset)

    def at(self, local: float) -> datetime | None:
        """The earliest the server's clock can have read at local time ``local`` (None until an
        answer with a ``Date`` header has arrived)."""
        if self._offset is None:
            return None
        return datetime.fromtimestamp(local + self._offset, timezone.utc)


def decode_json(body: bytes | bytearray | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode JSON from outside; ``ValueError`` for anything that is not plain, shallow JSON.

    Refused besides malformed JSON: bytes that are not UTF-8 (or -16, -32) text, the constants
    ``NaN`` and ``Infinity`` (not JSON, though Python's json takes them), and nesting deeper than
    ``max_depth`` (``MAX_JSON_DEPTH``).
    """
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:  # deeper than the interpreter's stack: certainly over max_depth
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from None
    if not _shallow(document, max_depth):
        check_json_depth(document, max_depth=max_depth)
    return document


def _tracks_nesting() -> bool:
    """Whether this interpreter tracks, for its garbage collector, every decoded JSON array
    and object that holds an array or object (CPython does: only an object of scalars may be
    left untracked)."""
    samples = ('{"a": {"b": 1}}', '{"a": [1]}', "[[1]]", '[{"a": 1}]', '{"a": {}}', "[[]]")
    return all(gc.is_tracked(json.loads(sample)) for sample in samples)


#: ``_shallow`` may be trusted (probed once, at import).
_TRACKS_NESTING = _tracks_nesting()


def _shallow(document: Any, max_depth: int) -> bool:
    """True when ``document``, fresh from ``json.loads``, certainly nests at most ``max_depth``
    levels; False when only ``check_json_depth`` can tell.

    The walk is the collector's own, in C, level by level: ``gc.get_referents`` gives what the
    containers of a level hold, and ``gc.is_tracked`` keeps the arrays and objects among them
    (strings and numbers are never tracked). Only an object of scalars can be untracked, and it
    holds nothing deeper, so the true depth is at most one more than the levels walked. About
    4x faster than ``check_json_depth`` (25 µs for a page of 25 people), which is the share of
    a typed stream's CPU this saves.
    """
    if not _TRACKS_NESTING:
        return False
    level = [document]
    depth = 0
    while level:
        depth += 1
        if depth >= max_depth:  # the levels below may be one more than counted
            return False
        level = list(filter(gc.is_tracked, gc.get_referents(*level)))
    return True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: What most JSON values are: told apart by one set lookup instead of an isinstance() check.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def check_json_depth(document: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """``ValueError`` if decoded JSON nests arrays and objects deeper than ``max_depth``.

    Level by level, without recursion, so it is safe on any depth (about as fast as the
    ``json.loads`` of the document: 75 µs for a page of 25 people); also for JSON decoded
    elsewhere (a webhook body a web framework decoded).
    """
    level = [document] if isinstance(document, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise ValueError(f"JSON nested deeper than {max_depth} levels")
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if type(child) not in _SCALARS and isinstance(child, (dict, list))  # strings first
        ]


def _error_text(body: bytes, fallback: str, secret: str | None) -> str:
    """The server's ``{"error": ...}`` text, else a short excerpt of the body, else ``fallback``
    (the status line's reason phrase, which the server wrote too).

    The key is masked in the whole text before anything is cut, so no part of it survives.
    """
    try:
        decoded = decode_json(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, Mapping) and (message := _error_message(decoded, secret)) is not None:
        return message
    text = redact(body.decode("utf-8", "replace"), secret).strip()
    if len(text) > MAX_ERROR_TEXT:
        text = text[:MAX_ERROR_TEXT] + "..."
    return text or redact(fallback, secret)


def _error_message(document: Mapping[str, Any], secret: str | None) -> str | None:
    """The text of an error document's ``error`` (or ``message``, ``errors``), key masked."""
    for key in ("error", "message", "errors"):
        if key in document:
            value = document[key]
            return redact(value if isinstance(value, str) else json.dumps(value), secret)
    return None


def _is_error_document(document: Mapping[str, Any]) -> bool:
    """Whether a JSON object is the API's error document (``{"error": "..."}``) rather than a
    resource: it has ``error`` and neither links nor identifiers."""
    return "error" in document and "_links" not in document and "identifiers" not in document


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
    expect: Expect = None,
) -> Any:
    """Turn one HTTP answer into decoded JSON (None for an empty body) or raise its exception.

    ``secret`` (the API key) is redacted from any message or URL that goes into an exception.
    ``expect`` says what the request must answer (see ``Expect``): a ``200 {}`` to a write
    that should create something raises ``NothingAcceptedError`` instead of passing as success;
    a read answered with an error document (``200 {"error": "..."}``) raises
    ``ErrorAnswerError``, and a read of one resource (``"item"``) answered without its
    ``action_network:`` identifier ``UnexpectedResponseError``: neither becomes an empty model.
    A redirect reaching this point (not followed by the transport) is an unexpected answer.
    """
    safe_url = redact(url, secret)
    if status >= 400:
        message = _error_text(body, reason or f"HTTP {status}", secret)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        raise status_error(status, message, url=safe_url, retry_after=retry_after)
    if 300 <= status < 400:
        target = redact(headers.get("Location", "nowhere"), secret)
        raise errors.UnexpectedResponseError(
            f"redirect to {target} not followed", status=status, url=safe_url
        )
    document = _decode(body, status=status, url=safe_url)
    if expect is not None and not isinstance(document, Mapping):
        got = "an empty body" if document is None else f"JSON {type(document).__name__}"
        raise errors.UnexpectedResponseError(
            f"expected a JSON object, got {got}", status=status, url=safe_url
        )
    if expect in ("document", "item") and _is_error_document(document):
        message = _error_message(document, secret) or ""
        raise errors.ErrorAnswerError(message, status=status, url=safe_url)
    if expect == "item" and not _has_own_id(document):
        raise errors.UnexpectedResponseError(
            f"the answer is not the resource asked for ({_describe(document)})",
            status=status,
            url=safe_url,
        )
    if expect == "resource" and not _has_own_id(document):
        raise errors.NothingAcceptedError(
            "the write was answered without the resource it should create or change "
            f"({_describe(document)}): the API accepted nothing",
            status=status,
            url=safe_url,
        )
    if expect == "answer" and not document:
        raise errors.NothingAcceptedError(
            "the request was answered with an empty object: the API accepted nothing",
            status=status,
            url=safe_url,
        )
    return document


def _decode(body: bytes, *, status: int, url: str) -> Any:
    if not body.strip():
        return None
    try:
        return decode_json(body)
    except ValueError as exc:
        raise errors.DecodeError(
            f"invalid JSON in a {len(body)}-byte body: {exc}", status=status, url=url
        ) from None


def _has_own_id(document: Mapping[str, Any]) -> bool:
    identifiers = document.get("identifiers")
    return isinstance(identifiers, list) and any(
        isinstance(i, str) and i.startswith("action_network:") for i in identifiers
    )


def _describe(document: Mapping[str, Any]) -> str:
    return "an empty object" if not document else "no action_network: identifier"
