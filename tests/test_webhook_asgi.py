"""Issue 23: the webhook receiver as an ASGI app (``hooks.asgi()``), mounted in Starlette and
FastAPI and served by a real uvicorn on loopback, keeps every rule of the aiohttp one."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from yarl import URL

from actionnetwork_async import ActionNetwork, webhooks
from actionnetwork_async.testing import Emulator, Seed, Webhooks

from .asgi_server import serve_asgi

pytestmark = pytest.mark.asyncio

DELIVERY: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "webhook_action_example.json").read_text()
)["delivery"]
SECRET = "s3cret-path-token-0123456789"


class Serve(Protocol):
    def __call__(self, app: Any, lifespan: str = ...) -> Awaitable[str]: ...


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve an ASGI app with a real uvicorn on a loopback port; returns its base URL."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(app: Any, lifespan: str = "auto") -> str:
            return await stack.enter_async_context(serve_asgi(app, lifespan=lifespan))

        yield start


def starlette_app(hooks: webhooks.WebhookReceiver) -> Starlette:
    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("home")

    return Starlette(routes=[Route("/", home), Mount("/webhooks", app=hooks.asgi())])


async def post(url: str, body: Any, **kw: Any) -> tuple[int, Any]:
    """POST ``body`` (bytes as they are, anything else as JSON); the status and the JSON (or
    text) answered."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await client.post(url, content=content, **kw)
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, resp.text


def counter() -> tuple[list[webhooks.WebhookEvent], webhooks.Handler]:
    seen: list[webhooks.WebhookEvent] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        seen.append(event)

    return seen, handler


async def test_a_delivery_is_handled_once_and_its_replay_answered_200(serve: Serve) -> None:
    seen, handler = counter()
    base = await serve(starlette_app(webhooks.receiver(handler, secret=SECRET)))
    url = f"{base}/webhooks/{SECRET}"
    assert await post(url, DELIVERY) == (200, {"handled": 1, "duplicates": 0})
    assert await post(url, DELIVERY) == (200, {"handled": 0, "duplicates": 1})  # the replay
    assert len(seen) == 1
    assert seen[0].person is not None
    assert seen[0].person.email == "jsmith@mail.com"
    async with httpx.AsyncClient() as client:  # the host app's own routes are untouched
        assert (await client.get(base + "/")).text == "home"


async def test_a_wrong_or_missing_secret_gets_404_and_other_methods_405(serve: Serve) -> None:
    seen, handler = counter()
    base = await serve(starlette_app(webhooks.receiver(handler, secret=SECRET))) + "/webhooks"
    for url in [
        base + "/",
        base + "/wrong-token-0000000000000",
        base + "/?token=nope",
        base + f"/{SECRET}x",
        base + f"/{SECRET}/more",
        base + f"/x?token={SECRET}",  # a wrong path token is not saved by a right query
    ]:
        assert await post(url, DELIVERY) == (404, "Not Found"), url
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{base}/wrong")).status_code == 404
        got = await client.get(f"{base}/{SECRET}")
        assert (got.status_code, got.headers["allow"]) == (405, "POST")
    assert seen == []
    assert (await post(f"{base}/{SECRET}", DELIVERY))[0] == 200
    second = [{**DELIVERY[0], "idempotency_key": "other"}]
    assert (await post(f"{base}/?token={SECRET}", second))[0] == 200
    assert len(seen) == 2


async def test_without_a_secret_it_answers_at_its_mount_point_only(serve: Serve) -> None:
    seen, handler = counter()
    base = await serve(starlette_app(webhooks.receiver(handler))) + "/webhooks"
    assert (await post(base + "/anything", DELIVERY))[0] == 404
    assert (await post(base + "/", DELIVERY))[0] == 200
    assert len(seen) == 1


async def test_an_oversized_body_gets_413_declared_or_chunked(serve: Serve) -> None:
    seen, handler = counter()
    hooks = webhooks.receiver(handler, secret=SECRET, max_body=1000)
    url = f"{await serve(starlette_app(hooks))}/webhooks/{SECRET}"
    status, answer = await post(url, b"[" + b" " * 2000 + b"]")
    assert status == 413
    assert "over 1000" in answer["error"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the size is found reading
        for _ in range(5):
            yield b" " * 400
        yield b"[]"

    async with httpx.AsyncClient(timeout=30) as client:
        resp = await client.post(url, content=chunks())
        assert "content-length" not in resp.request.headers
        assert resp.request.headers["transfer-encoding"] == "chunked"
        assert resp.status_code == 413
    async with aiohttp.ClientSession() as session, session.post(url, data=chunks()) as got:
        assert got.status == 413
    assert (await post(url, b"[" + b" " * 997 + b"]"))[0] == 200  # 999 bytes: accepted
    assert seen == []


async def raw_request(url: str, head: str, body: bytes) -> bytes:
    """Send ``head`` and ``body`` over a raw socket, never finishing the body; the answer
    read until the first blank line and its body (the connection stays open)."""
    target = URL(url)
    reader, writer = await asyncio.open_connection(target.host, target.port)
    try:
        writer.write(
            f"POST {target.raw_path_qs} HTTP/1.1\r\nHost: {target.host}\r\n{head}\r\n".encode()
            + body
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        length = int(
            next(line for line in answer.split(b"\r\n") if b"content-length" in line.lower()).split(
                b":"
            )[1]
        )
        return answer + await asyncio.wait_for(reader.readexactly(length), 10)
    finally:
        writer.close()


async def test_413_comes_without_waiting_for_the_rest_of_the_body(serve: Serve) -> None:
    seen, handler = counter()
    hooks = webhooks.receiver(handler, max_body=1000, body_timeout=600)
    url = await serve(starlette_app(hooks)) + "/webhooks/"
    # a declared length over the limit: answered before a byte of the body is sent
    answer = await raw_request(url, "Content-Length: 50000000\r\n", b"")
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"of 50000000 bytes is over 1000" in answer
    # chunked: answered once the first 1001 bytes are in, though the body never ends
    chunk = b"[" + b" " * 1000
    answer = await raw_request(
        url, "Transfer-Encoding: chunked\r\n", f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"is over 1000 bytes" in answer
    assert seen == []


async def test_a_body_slower_than_body_timeout_gets_408(serve: Serve) -> None:
    seen, handler = counter()
    hooks = webhooks.receiver(handler, body_timeout=0.3)
    url = await serve(starlette_app(hooks)) + "/webhooks/"
    loop = asyncio.get_running_loop()
    start = loop.time()
    answer = await raw_request(url, "Content-Length: 1000\r\n", b"[{")
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in answer.lower()
    assert b"within 0.3s" in answer
    assert 0.3 <= loop.time() - start < 10
    assert seen == []


REJECTED = {
    "not JSON": b"{oops",
    "not an array": {"not": "an array"},
    "an element without a type": [{"no_type": 1, "also": 2}],
    "a bad date": [{"osdi:signature": {"created_date": "jsmith@mail.com"}}],
    "a key over 256 bytes": [{"osdi:signature": {}, "idempotency_key": "k" * 257}],
    "deep nesting": b"[" * 5000 + b"]" * 5000,
}


async def test_a_bad_body_gets_400_and_never_reaches_a_handler(serve: Serve) -> None:
    seen, handler = counter()
    url = await serve(starlette_app(webhooks.receiver(handler))) + "/webhooks/"
    for name, body in REJECTED.items():
        status, answer = await post(url, body)
        assert status == 400, name
        assert "error" in answer
        assert "jsmith" not in json.dumps(answer)
    assert seen == []


async def test_a_copy_in_flight_gets_503_and_is_never_lost(serve: Serve) -> None:
    started, proceed = asyncio.Event(), asyncio.Event()
    calls = 0

    async def slow_then_fails(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            started.set()
            await proceed.wait()
            raise RuntimeError("the CRM timed out")

    url = await serve(starlette_app(webhooks.receiver(slow_then_fails))) + "/webhooks/"
    first = asyncio.ensure_future(post(url, DELIVERY))
    await asyncio.wait_for(started.wait(), 10)
    async with httpx.AsyncClient() as client:  # Action Network re-sends: the first is slow
        copy = await client.post(url, json=DELIVERY)
    assert copy.status_code == 503
    assert copy.headers["retry-after"] == "30"
    assert copy.json()["in_progress"] == 1
    assert calls == 1
    proceed.set()
    assert (await first)[0] == 500  # the first attempt failed after all
    assert await post(url, DELIVERY) == (200, {"handled": 1, "duplicates": 0})  # the retry
    assert await post(url, DELIVERY) == (200, {"handled": 0, "duplicates": 1})
    assert calls == 2


async def test_a_handler_past_its_timeout_fails_the_delivery_and_frees_the_key(
    serve: Serve,
) -> None:
    calls = 0

    async def stuck_once(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.Event().wait()

    hooks = webhooks.receiver(stuck_once, handler_timeout=0.2)
    url = await serve(starlette_app(hooks)) + "/webhooks/"
    assert await post(url, DELIVERY) == (500, {"error": "a handler failed; retry"})
    assert (await post(url, DELIVERY))[0] == 200
    assert calls == 2


async def test_mounted_in_fastapi(serve: Serve) -> None:
    seen, handler = counter()
    hooks = webhooks.receiver(secret=SECRET)
    hooks.on("action_network:action")(handler)
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/webhooks/action-network", hooks.asgi())
    base = await serve(app)
    url = f"{base}/webhooks/action-network/{SECRET}"  # the URL of hooks.app(), under FastAPI
    assert await post(url, DELIVERY) == (200, {"handled": 1, "duplicates": 0})
    assert await post(url, DELIVERY) == (200, {"handled": 0, "duplicates": 1})
    assert (await post(f"{base}/webhooks/action-network/nope", DELIVERY))[0] == 404
    assert (await post(url, b"[" * 5000))[0] == 400
    async with httpx.AsyncClient() as client:
        assert (await client.get(base + "/health")).json() == {"status": "ok"}
    assert len(seen) == 1


async def test_served_alone_with_its_lifespan(serve: Serve) -> None:
    seen, handler = counter()
    base = await serve(webhooks.receiver(handler, secret=SECRET).asgi(), lifespan="on")
    assert (await post(f"{base}/{SECRET}", DELIVERY))[0] == 200
    assert (await post(f"{base}/webhooks/action-network/{SECRET}", DELIVERY))[0] == 404
    assert len(seen) == 1


async def test_the_lifespan_and_other_scopes() -> None:
    app = webhooks.receiver().asgi()
    sent: list[dict[str, Any]] = []
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> Any:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    inbox, sent = [{"type": "websocket.connect"}], []
    await app({"type": "websocket", "path": "/", "headers": []}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]
    with pytest.raises(ValueError, match="no 'carrier-pigeon' scope"):
        await app({"type": "carrier-pigeon"}, receive, send)


async def test_a_sender_that_hangs_up_mid_body_is_not_answered_nor_handled() -> None:
    seen, handler = counter()
    app = webhooks.receiver(handler).asgi()
    sent: list[dict[str, Any]] = []
    inbox = [{"type": "http.request", "body": b"[", "more_body": True}, {"type": "http.disconnect"}]

    async def receive() -> Any:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""}
    await app(scope, receive, send)
    assert sent == []
    assert seen == []


async def test_the_aiohttp_and_asgi_receivers_answer_alike(serve: Serve) -> None:
    """One set of decisions: the same requests get the same statuses and bodies."""
    asgi_hooks = webhooks.receiver(counter()[1], secret=SECRET, max_body=2000)
    aiohttp_hooks = webhooks.receiver(counter()[1], secret=SECRET, max_body=2000)
    asgi_url = f"{await serve(starlette_app(asgi_hooks))}/webhooks/{SECRET}"
    runner = web.AppRunner(aiohttp_hooks.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    aiohttp_url = f"http://127.0.0.1:{port}{aiohttp_hooks.path}/{SECRET}"
    try:
        for body in [DELIVERY, DELIVERY, b"[" + b" " * 3000 + b"]", *REJECTED.values()]:
            assert await post(asgi_url, body) == await post(aiohttp_url, body)
        assert (await post(asgi_url + "x", DELIVERY))[0] == 404
        assert (await post(aiohttp_url + "x", DELIVERY))[0] == 404
    finally:
        await runner.cleanup()


async def test_the_emulator_delivers_to_the_asgi_receiver(serve: Serve) -> None:
    """End to end: the emulator's own webhook sender POSTs to the receiver mounted in
    Starlette, and a handler failing once is retried and then handled."""
    received: list[webhooks.WebhookEvent] = []
    fail_first = True

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal fail_first
        if fail_first:
            fail_first = False
            raise RuntimeError("not ready yet")
        received.append(event)

    base = await serve(starlette_app(webhooks.receiver(handler, secret=SECRET)))
    hook_url = f"{base}/webhooks/{SECRET}"
    async with (
        Emulator(
            seed=Seed(events=1),
            webhooks=Webhooks(url=hook_url, retry_delays=(0.05, 0.05)),
            rate_limit=None,
        ) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url) as an,
    ):
        person = await an.people.signup(email="ann@example.org", given_name="Ann")
        await an.events.attendances.record(emu.ids("events")[0], email="bo@example.org")
        await asyncio.wait_for(emu.idle(), 30)
        assert emu.webhook_sender is not None
        assert len(emu.webhook_sender.delivered) == 2
        assert sorted(d.status or 0 for d in emu.webhook_sender.deliveries) == [200, 200, 500]
    by_type = {e.type: e for e in received}
    assert sorted(by_type) == ["action_network:upload", "osdi:attendance"]
    upload = by_type["action_network:upload"]
    assert isinstance(upload.payload, webhooks.UploadPayload)
    assert upload.person_id == person.id
    assert upload.person is not None
    assert upload.person.email == "ann@example.org"
    assert isinstance(by_type["osdi:attendance"].payload, webhooks.AttendancePayload)
