"""The webhook receiver as an ASGI 3 application: ``app.mount("/webhooks", hooks.asgi())``.

A thin adapter, like the aiohttp one (``WebhookReceiver.handle``): it turns an ASGI request
into the receiver's inputs (the path's secret, ``?token=``, the declared length, a way to read
the body) and the receiver's answer into ASGI messages. Every decision (the secret, the body's
limit and timeout, parsing, idempotency, handlers and their timeout, the status codes) is the
receiver's own code, shared with aiohttp, so both answer alike. No web framework is needed:
Starlette, FastAPI or any ASGI server (uvicorn, hypercorn, granian) can serve or mount it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .receiver import WebhookReceiver

__all__ = ["WebhookASGIApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Disconnected(Exception):
    """The sender hung up before its body was whole: nothing to answer."""


class WebhookASGIApp:
    """A ``WebhookReceiver`` as an ASGI 3 application (``receiver.asgi()``).

    It serves its mount point, where Starlette's and FastAPI's ``app.mount(prefix, ...)``
    puts it (the scope's ``root_path``): POST to ``<prefix>/`` without a secret, with one to
    ``<prefix>/<secret>`` or ``<prefix>/?token=<secret>``. Other paths, and a wrong or missing
    secret, are answered 404; other methods 405.

    The receiver's rules hold as they do under aiohttp: 404 on a wrong secret (compared in
    constant time), 413 past ``max_body`` (a declared length is checked before any byte is
    read, and reading stops as soon as the limit is passed), 400 on a bad body, 408 when the
    body takes over ``body_timeout``, a replayed delivery answered 200 without running its
    handlers again, 503 for a copy of a delivery still in flight, 500 for a handler that raised
    or ran past ``handler_timeout``. ``header_timeout`` cannot be kept by an application (its
    request starts once the headers are in): it is the server's, or its proxy's, to enforce.

    ``lifespan`` scopes are acknowledged (the receiver holds nothing to open or close), and a
    websocket is refused.
    """

    def __init__(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    def __repr__(self) -> str:
        return f"WebhookASGIApp({self.receiver!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI 3 entry point."""
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # the server answers 403
        else:
            raise ValueError(f"the webhook receiver serves no {kind!r} scope")

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        if path in ("", "/"):
            token = None
        elif path.count("/") == 1:  # "/<secret>", as aiohttp's "/{token}" route matches it
            token = path[1:]
        else:
            await _send(send, 404, None, ())
            return
        more = True

        async def read(_: int) -> bytes:
            """The next piece of the body, b"" at its end."""
            nonlocal more
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    more = False
                    raise _Disconnected
                more = bool(message.get("more_body", False))
                chunk = bytes(message.get("body", b""))
                if chunk:
                    return chunk
            return b""

        try:
            answer = await self.receiver._respond(
                method=str(scope["method"]).upper(),
                token=token,
                query_token=_query_token(scope),
                length=_content_length(scope),
                read=read,
            )
        except _Disconnected:
            return  # no one to answer; nothing was handled
        await _send(send, answer.status, answer.body, answer.headers)


def _route_path(scope: Scope) -> str:
    """The request's path under the mount point: ``path`` without ``root_path`` when it starts
    with it (ASGI's convention, Starlette's mounts) and as it is otherwise (older mounts strip
    it themselves)."""
    path = str(scope["path"])
    root = str(scope.get("root_path", ""))
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


def _query_token(scope: Scope) -> str | None:
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return next(
        (value for name, value in parse_qsl(query, keep_blank_values=True) if name == "token"), None
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if bytes(name).lower() == b"content-length":
            text = bytes(value).strip()
            return int(text) if text.isdigit() else None
    return None


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _send(
    send: Send, status: int, body: dict[str, object] | None, headers: tuple[tuple[str, str], ...]
) -> None:
    """Answer ``body`` as JSON, or, without one, the status's reason as plain text (what a
    server answers for a path it does not have)."""
    if body is None:
        content, kind = HTTPStatus(status).phrase.encode(), b"text/plain; charset=utf-8"
    else:
        content, kind = json.dumps(body).encode(), b"application/json; charset=utf-8"
    raw = [
        (b"content-type", kind),
        (b"content-length", str(len(content)).encode()),
        *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})
