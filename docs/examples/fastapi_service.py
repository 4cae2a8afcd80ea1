"""A FastAPI service: signups go to Action Network, and its webhooks come back to the service.

ONE client for the whole process, created and closed in the app's lifespan: the signup
endpoint and the webhook handler share its HTTP session and its rate limiter. The webhook
receiver is a plain ASGI app (``hooks.asgi()``) mounted in FastAPI, with the aiohttp
receiver's every rule: secret URL, body limit, deduplication, 503 for a copy in flight.

    pip install actionnetwork-async fastapi uvicorn
    export ACTION_NETWORK_API_KEY=...        # the emulator's, to try it offline
    export WEBHOOK_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe())')
    python docs/examples/fastapi_service.py
    curl -X POST -H 'Content-Type: application/json' \
        -d '{"email": "ann@example.org", "given_name": "Ann"}' http://127.0.0.1:8000/signups

Register https://your.host/webhooks/action-network/<WEBHOOK_SECRET> on the API & Sync page,
with the *all actions plus uploads* trigger (signups arrive as ``action_network:upload``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel

from actionnetwork_async import ActionNetwork, ConfigurationError, LimiterTimeoutError, webhooks
from actionnetwork_async.limits import SlidingWindowLimiter


class Signup(BaseModel):
    """The body of POST /signups."""

    email: str
    given_name: str | None = None


def client(request: Request) -> ActionNetwork:
    """The service's one client (a FastAPI dependency)."""
    an: ActionNetwork = request.app.state.an
    return an


def make_app(webhook_secret: str | None = None) -> FastAPI:
    """The service: ``uvicorn.run(make_app())``; the secret from ``WEBHOOK_SECRET`` if not
    given (16 characters or more)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The key comes from ACTION_NETWORK_API_KEY, the URL from ACTION_NETWORK_BASE_URL.
        async with ActionNetwork(rate_limit=SlidingWindowLimiter(4, max_wait=0.5)) as an:
            app.state.an = an
            yield  # the service runs; the client is closed when it stops

    app = FastAPI(lifespan=lifespan)
    app.state.welcomed = []

    @app.post("/signups", status_code=201)
    async def sign_up(
        signup: Signup, an: Annotated[ActionNetwork, Depends(client)]
    ) -> dict[str, str]:
        """Create the person, or update the one with that email."""
        try:
            person = await an.people.signup(
                email=signup.email,
                given_name=signup.given_name,
                email_status="subscribed",  # they asked for email; texts need their own consent
            )
        except ConfigurationError as error:  # an email the helper cannot take ...
            raise HTTPException(400, str(error)) from None
        except LimiterTimeoutError:  # the API's 4 requests/s are taken for the next 0.5 s
            raise HTTPException(503, "busy, try again", headers={"Retry-After": "1"}) from None
        return {"id": person.id}

    hooks = webhooks.receiver(secret=webhook_secret or os.environ.get("WEBHOOK_SECRET", ""))

    @hooks.on("action_network:upload")  # people POSTed to the signup helper (and uploads)
    async def welcome(event: webhooks.WebhookEvent) -> None:
        if event.person_id is None:
            return
        an: ActionNetwork = app.state.an
        # By id, through the client: a delivery is not signed, a link in it may point anywhere.
        person = await an.people.get(event.person_id)
        app.state.welcomed.append(person.email)
        print(f"welcome, {person.given_name or 'friend'}!", flush=True)

    # POST /webhooks/action-network/<secret>: the URL of the aiohttp receiver (hooks.app())
    app.mount("/webhooks/action-network", hooks.asgi())
    return app


if __name__ == "__main__":
    import uvicorn

    # No access log: it would write every request line, the webhook secret included.
    uvicorn.run(make_app(), host="127.0.0.1", port=8000, access_log=False)
