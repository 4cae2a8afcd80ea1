"""A webhook receiver to mount in an aiohttp app: type routing, deduplication, safe answers.

Action Network retries a delivery until it gets a 2xx, with the same ``idempotency_key``. So the
receiver answers 200 only once every handler of the delivery succeeded, remembers the keys it
handled (an in-memory TTL store by default; plug a shared one through ``IdempotencyStore``),
and hands a key back when its handler failed so the retry is processed. Action Network cannot
sign deliveries: a secret path segment or ``?token=`` is the protection, and a wrong or missing
one is answered 404, as if nothing were there.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from aiohttp import web

from ..errors import ConfigurationError, WebhookError, WebhookTooLargeError
from .payloads import MAX_BODY, WebhookEvent, parse

__all__ = ["Handler", "IdempotencyStore", "MemoryIdempotencyStore", "WebhookReceiver", "receiver"]

log = logging.getLogger("actionnetwork_async.webhooks")

#: A webhook handler: an async function of one ``WebhookEvent``; what it returns is ignored,
#: what it raises makes the delivery answer 500 so Action Network sends it again.
Handler = Callable[[WebhookEvent], Awaitable[object]]
DEFAULT_PATH = "/webhooks/action-network"


@runtime_checkable
class IdempotencyStore(Protocol):
    """Which idempotency keys were handled. ``claim`` must be atomic across receivers."""

    async def claim(self, key: str) -> bool:
        """Take ``key`` for handling; False if it is handled or being handled already."""
        ...

    async def complete(self, key: str) -> None:
        """``key`` was handled: remember it."""
        ...

    async def release(self, key: str) -> None:
        """Handling ``key`` failed: forget the claim so a retry is handled."""
        ...


class MemoryIdempotencyStore:
    """Keys in memory for ``ttl`` seconds (a day by default); for one receiver process."""

    def __init__(self, ttl: float = 24 * 3600, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._expiry: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._expiry)

    def _purge(self, now: float) -> None:
        for key in [k for k, until in self._expiry.items() if until <= now]:
            del self._expiry[key]

    async def claim(self, key: str) -> bool:
        """Take ``key`` unless it is held or was handled within ``ttl``."""
        now = self.clock()
        self._purge(now)
        if key in self._expiry:
            return False
        self._expiry[key] = now + self.ttl
        return True

    async def complete(self, key: str) -> None:
        """Remember ``key`` as handled for ``ttl`` seconds."""
        self._expiry[key] = self.clock() + self.ttl

    async def release(self, key: str) -> None:
        """Forget ``key``, so a retry of its delivery is handled."""
        self._expiry.pop(key, None)


class WebhookReceiver:
    """Receives Action Network webhooks; route events to handlers with ``@receiver.on(type)``."""

    def __init__(
        self,
        handler: Handler | None = None,
        *,
        path: str = DEFAULT_PATH,
        secret: str | None = None,
        max_body: int = MAX_BODY,
        store: IdempotencyStore | None = None,
        log_personal_data: bool = False,
    ) -> None:
        if secret is not None and len(secret) < 16:
            raise ConfigurationError("a webhook secret should be at least 16 characters")
        self.path = "/" + path.strip("/")
        self.secret = secret
        self.max_body = max_body
        self.store = store or MemoryIdempotencyStore()
        self.log_personal_data = log_personal_data
        self._handlers: dict[str, list[Handler]] = {}
        if handler is not None:
            self._handlers["*"] = [handler]

    def on(self, event_type: str = "*") -> Callable[[Handler], Handler]:
        """Register an async handler for one type (``"osdi:attendance"``) or ``"*"`` for all."""

        def register(handler: Handler) -> Handler:
            self._handlers.setdefault(event_type, []).append(handler)
            return handler

        return register

    def routes(self) -> list[web.RouteDef]:
        """Route definitions, for ``app.add_routes(receiver.routes())``."""
        routes = [web.post(self.path, self.handle)]
        if self.secret is not None:
            routes.append(web.post(self.path + "/{token}", self.handle))
        return routes

    def app(self) -> web.Application:
        """A ready aiohttp application serving only this receiver."""
        app = web.Application(client_max_size=self.max_body + 1)
        app.add_routes(self.routes())
        return app

    def _authorised(self, request: web.Request) -> bool:
        if self.secret is None:
            return "token" not in request.match_info
        token = request.match_info.get("token") or request.query.get("token") or ""
        return hmac.compare_digest(token.encode(), self.secret.encode())

    async def handle(self, request: web.Request) -> web.Response:
        """The request handler: check, parse, deduplicate, dispatch, answer."""
        if not self._authorised(request):
            raise web.HTTPNotFound()
        try:
            events = parse(await self._read(request), max_bytes=self.max_body)
        except WebhookTooLargeError as exc:
            log.warning("webhook refused: %s", exc)
            return web.json_response({"error": str(exc)}, status=413)
        except WebhookError as exc:
            log.warning("webhook refused: %s", exc)
            return web.json_response({"error": str(exc)}, status=400)
        handled = duplicates = 0
        for event in events:
            key = event.idempotency_key
            if key is not None and not await self.store.claim(key):
                duplicates += 1
                continue
            try:
                await self._dispatch(event)
            except Exception:
                if key is not None:
                    await self.store.release(key)
                log.exception("webhook handler failed for %s (key %s)", event.type, key)
                return web.json_response({"error": "handler failed; retry"}, status=500)
            if key is not None:
                await self.store.complete(key)
            handled += 1
        log.info("webhook delivery: %d handled, %d duplicates", handled, duplicates)
        return web.json_response({"handled": handled, "duplicates": duplicates})

    async def _read(self, request: web.Request) -> bytes:
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            raise WebhookTooLargeError(f"webhook body of {declared} bytes is over {self.max_body}")
        body = await request.content.read(self.max_body + 1)
        if len(body) > self.max_body:
            raise WebhookTooLargeError(f"webhook body is over {self.max_body} bytes")
        return body

    async def _dispatch(self, event: WebhookEvent) -> None:
        handlers = [*self._handlers.get(event.type, ()), *self._handlers.get("*", ())]
        if self.log_personal_data:
            log.debug("webhook %s: %r", event.type, event.raw)
        else:
            log.debug("webhook %s (key %s)", event.type, event.idempotency_key)
        for handler in handlers:
            await handler(event)


def receiver(
    handler: Handler | None = None,
    *,
    path: str = DEFAULT_PATH,
    secret: str | None = None,
    max_body: int = MAX_BODY,
    store: IdempotencyStore | None = None,
) -> WebhookReceiver:
    """A webhook receiver: ``web.run_app(receiver(handle).app())``, or add its ``routes()``."""
    return WebhookReceiver(handler, path=path, secret=secret, max_body=max_body, store=store)
