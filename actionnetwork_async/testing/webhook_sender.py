"""Outbound webhooks: the emulator POSTs payloads to a URL, retrying with the same key."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import aiohttp
import attrs

__all__ = ["Delivery", "WebhookSender", "idempotency_key"]


def idempotency_key() -> str:
    """A fresh key in the API's format: a hash of the webhook message id (32 hex digits)."""
    return hashlib.md5(uuid.uuid4().bytes, usedforsecurity=False).hexdigest()


@attrs.define
class Delivery:
    """One delivery attempt of one webhook message."""

    key: str
    attempt: int
    status: int | None
    error: str | None = None


class WebhookSender:
    """Sends each message ``delay`` seconds after it is queued (the API delivers "typically
    with a delay of up to 5 minutes", https://actionnetwork.org/docs/), until a 2xx answer,
    waiting ``retry_delays`` between attempts."""

    def __init__(
        self,
        url: str,
        *,
        retry_delays: Sequence[float] = (0.5, 2.0, 10.0),
        timeout: float = 10.0,
        delay: float = 0.0,
    ) -> None:
        self.url = url
        self.delay = delay
        self.retry_delays = tuple(retry_delays)
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.deliveries: list[Delivery] = []
        self.delivered: list[str] = []  # keys that got a 2xx
        self.failed: list[str] = []  # keys given up on
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def send(self, element: dict[str, Any]) -> str:
        """Queue one payload element (its key is added here); returns its idempotency key."""
        key = idempotency_key()
        body = json.dumps([{**element, "idempotency_key": key}]).encode()
        task = asyncio.get_running_loop().create_task(self._deliver(key, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return key

    async def _deliver(self, key: str, body: bytes) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            try:
                async with self._session.post(
                    self.url, data=body, headers={"Content-Type": "application/json"}
                ) as resp:
                    await resp.read()
                    self.deliveries.append(Delivery(key, attempt, resp.status))
                    if 200 <= resp.status < 300:
                        self.delivered.append(key)
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                self.deliveries.append(Delivery(key, attempt, None, type(exc).__name__))
            if delay is None:
                self.failed.append(key)
                return
            await asyncio.sleep(delay)

    async def idle(self) -> None:
        """Wait until every queued message was delivered or given up on."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop retrying and close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
