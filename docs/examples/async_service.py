"""A web service that looks people up and signs them up, with one client for the whole process.

Every handler shares one ``ActionNetwork``: one HTTP session and one rate limiter, so the
service never sends more than the API's 4 requests per second, however many requests it
serves at once. Its limiter's ``max_wait=0.5`` makes a call whose turn is more than half a
second away fail at once with ``LimiterTimeoutError``, which the service answers with 503 and
``Retry-After`` instead of letting its own callers time out.

    export ACTION_NETWORK_API_KEY=...        # the emulator's, to try it offline
    python docs/examples/async_service.py
    curl 'http://127.0.0.1:8080/people?email=ann@example.org'
    curl -X POST -d '{"email": "ann@example.org", "given_name": "Ann"}' http://127.0.0.1:8080/signups
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from actionnetwork_async import ActionNetwork, ConfigurationError, LimiterTimeoutError
from actionnetwork_async.limits import SlidingWindowLimiter

CLIENT = web.AppKey("client", ActionNetwork)


async def one_client(app: web.Application) -> AsyncIterator[None]:
    """Create the client when the service starts and close it when the service stops."""
    # The key comes from ACTION_NETWORK_API_KEY, the URL from ACTION_NETWORK_BASE_URL.
    async with ActionNetwork(rate_limit=SlidingWindowLimiter(4, max_wait=0.5)) as an:
        app[CLIENT] = an
        yield


@web.middleware
async def busy_means_503(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The rate limit is full for the next half second: say so at once, and when to retry."""
    try:
        return await handler(request)
    except LimiterTimeoutError:
        raise web.HTTPServiceUnavailable(
            text="busy, try again in a second", headers={"Retry-After": "1"}
        ) from None


async def find_person(request: web.Request) -> web.Response:
    """GET /people?email=...: the person with that email (one request to the API)."""
    email = request.query.get("email")
    if not email:
        raise web.HTTPBadRequest(text="?email= is required")
    person = await request.app[CLIENT].people.find_by_email(email)
    if person is None:
        raise web.HTTPNotFound(text="nobody with that email")
    return web.json_response({"id": person.id, "given_name": person.given_name})


async def sign_up(request: web.Request) -> web.Response:
    """POST /signups {"email": ..., "given_name": ...}: create the person, or update them."""
    data = await request.json()
    try:
        person = await request.app[CLIENT].people.signup(
            email=data.get("email"),
            given_name=data.get("given_name"),
            add_tags=["website"],
            email_status="subscribed",  # they asked for email; texts need their own consent
        )
    except ConfigurationError as error:  # no email, a tag that is not a name ...
        raise web.HTTPBadRequest(text=str(error)) from None
    return web.json_response({"id": person.id}, status=201)


def make_app() -> web.Application:
    """The service, ready for ``web.run_app`` or a test client."""
    app = web.Application(middlewares=[busy_means_503])
    app.cleanup_ctx.append(one_client)
    app.add_routes([web.get("/people", find_person), web.post("/signups", sign_up)])
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=8080)
