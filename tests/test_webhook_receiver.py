"""The webhook receiver over loopback, and deliveries from the emulator into a handler."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from actionnetwork_async import webhooks
from actionnetwork_async.testing import Emulator

from .conftest import ClientFactory

pytestmark = pytest.mark.asyncio

DELIVERY = json.loads((Path(__file__).parent / "data" / "webhook_action_example.json").read_text())[
    "delivery"
]
SECRET = "s3cret-path-token-0123456789"
Serve = Callable[[webhooks.WebhookReceiver], Any]


@pytest_asyncio.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve a receiver's app on loopback; returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(receiver: webhooks.WebhookReceiver) -> str:
        runner = web.AppRunner(receiver.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def post(url: str, body: Any, **kw: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with aiohttp.ClientSession() as session, session.post(url, data=data, **kw) as resp:
        return resp.status, await resp.text()


async def test_a_duplicate_delivery_is_handled_once(serve: Serve) -> None:
    seen: list[webhooks.WebhookEvent] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        seen.append(event)

    base = await serve(webhooks.receiver(handler))
    url = base + "/webhooks/action-network"
    assert (await post(url, DELIVERY))[0] == 200
    status, text = await post(url, DELIVERY)
    assert status == 200
    assert json.loads(text) == {"handled": 0, "duplicates": 1}
    assert len(seen) == 1
    assert seen[0].person is not None
    assert seen[0].person.email == "jsmith@mail.com"


async def test_a_failing_handler_gives_a_non_2xx_and_the_retry_is_handled(serve: Serve) -> None:
    calls = 0

    async def flaky(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database down")

    url = await serve(webhooks.receiver(flaky)) + "/webhooks/action-network"
    assert (await post(url, DELIVERY))[0] == 500
    assert (await post(url, DELIVERY))[0] == 200  # Action Network's retry, same key
    assert (await post(url, DELIVERY))[0] == 200
    assert calls == 2  # the failed attempt, the retry; the third was a duplicate


async def test_completed_elements_are_not_redone_when_a_later_one_fails(serve: Serve) -> None:
    done: list[str] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        if event.type == "osdi:donation" and "first" not in done:
            done.append("first")
            raise RuntimeError("payment service down")
        done.append(event.idempotency_key or "")

    delivery = [
        {"osdi:signature": {}, "idempotency_key": "a"},
        {"osdi:donation": {}, "idempotency_key": "b"},
    ]
    url = await serve(webhooks.receiver(handler)) + "/webhooks/action-network"
    assert (await post(url, delivery))[0] == 500
    assert (await post(url, delivery))[0] == 200
    assert done == ["a", "first", "b"]


async def test_secret_path_or_token_is_required(serve: Serve) -> None:
    calls = 0

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1

    base = await serve(webhooks.receiver(handler, secret=SECRET)) + "/webhooks/action-network"
    assert (await post(base, DELIVERY))[0] == 404
    assert (await post(base + "/wrong-token-0000000000000", DELIVERY))[0] == 404
    assert (await post(base + "?token=nope", DELIVERY))[0] == 404
    assert calls == 0
    assert (await post(f"{base}/{SECRET}", DELIVERY))[0] == 200
    second = [{**DELIVERY[0], "idempotency_key": "other"}]
    assert (await post(f"{base}?token={SECRET}", second))[0] == 200
    assert calls == 2
    with pytest.raises(ValueError, match="16"):
        webhooks.receiver(handler, secret="short")


async def test_bad_and_large_bodies_never_reach_the_handler(serve: Serve) -> None:
    calls = 0

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1

    url = await serve(webhooks.receiver(handler, max_body=1000)) + "/webhooks/action-network"
    status, text = await post(url, b"{oops")
    assert status == 400
    assert "not valid JSON" in json.loads(text)["error"]
    assert (await post(url, {"not": "an array"}))[0] == 400
    assert (await post(url, [{"no_type": 1, "also": 2}]))[0] == 400
    assert (await post(url, b"[" + b" " * 2000 + b"]"))[0] == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the size is found reading
        for _ in range(5):
            yield b" " * 400
        yield b"[]"

    async with aiohttp.ClientSession() as session, session.post(url, data=chunks()) as resp:
        assert resp.status == 413
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        assert resp.status == 405
    assert calls == 0


async def test_routing_by_type(serve: Serve) -> None:
    hooks = webhooks.receiver()
    got: dict[str, list[str]] = {"attendance": [], "all": []}

    @hooks.on("osdi:attendance")
    async def rsvp(event: webhooks.WebhookEvent) -> None:
        got["attendance"].append(event.idempotency_key or "")

    @hooks.on()
    async def everything(event: webhooks.WebhookEvent) -> None:
        got["all"].append(event.type)

    url = await serve(hooks) + "/webhooks/action-network"
    delivery = [
        {"osdi:attendance": {}, "idempotency_key": "r1"},
        {"osdi:signature": {}, "idempotency_key": "s1"},
        {"action_network:new_thing": {}},
    ]
    assert (await post(url, delivery))[0] == 200
    assert got == {
        "attendance": ["r1"],
        "all": ["osdi:attendance", "osdi:signature", "action_network:new_thing"],
    }


async def test_logs_carry_no_personal_data(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    async def handler(event: webhooks.WebhookEvent) -> None:
        raise RuntimeError("boom")

    url = await serve(webhooks.receiver(handler)) + "/webhooks/action-network"
    with caplog.at_level(logging.DEBUG, logger="actionnetwork_async.webhooks"):
        await post(url, DELIVERY)
        await post(url, b'[{"x": {"email": "secret@person.org"}, "y": 1}]')
    assert "action_network:action" in caplog.text
    assert "jsmith@mail.com" not in caplog.text
    assert "Smith" not in caplog.text
    assert "secret@person.org" not in caplog.text


async def test_a_refused_delivery_is_logged_without_its_values(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    """A field that cannot be read is named in the log, its value (here a person's home,
    there an email in the wrong field) is not."""
    url = await serve(webhooks.receiver()) + "/webhooks/action-network"
    person = {"postal_addresses": [{"location": {"latitude": "51.5072 N"}}]}
    delivery = [{"osdi:signature": {"created_date": "ann@example.org", "person": person}}]
    with caplog.at_level(logging.DEBUG, logger="actionnetwork_async"):
        status, body = await post(url, delivery)
    assert status == 400
    assert "created_date" in body
    assert "created_date" in caplog.text
    assert "location.latitude" in caplog.text
    assert "ann@example.org" not in caplog.text
    assert "51.5072" not in caplog.text


async def test_routes_mount_in_an_existing_app() -> None:
    app = web.Application()
    app.add_routes(webhooks.receiver(secret=SECRET, path="/hooks").routes())
    paths = sorted(r.resource.canonical for r in app.router.routes() if r.resource is not None)
    assert paths == ["/hooks", "/hooks/{token}"]


@pytest.mark.looptime
async def test_deliveries_from_the_emulator_reach_the_handler(
    serve: Serve, make_client: ClientFactory
) -> None:
    received: list[webhooks.WebhookEvent] = []
    fail_first = True

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal fail_first
        if fail_first:
            fail_first = False
            raise RuntimeError("not ready yet")
        received.append(event)

    base = await serve(webhooks.receiver(handler, secret=SECRET))
    hook_url = f"{base}/webhooks/action-network/{SECRET}"
    async with Emulator(
        events=1, rate_limit=None, webhook_url=hook_url, webhook_retry_delays=(1, 1)
    ) as emu:
        an = make_client(emu)
        person = await an.people.signup(email="ann@example.org", given_name="Ann")
        await an.events.record_attendance(emu.ids("events")[0], email="bo@example.org")
        await emu.idle()
        assert emu.webhooks is not None
        assert len(emu.webhooks.delivered) == 2
        assert [d.status for d in emu.webhooks.deliveries] == [500, 200, 200]
    # the failed upload is retried after the attendance went through: order is not kept
    by_type = {e.type: e for e in received}
    assert sorted(by_type) == ["action_network:upload", "osdi:attendance"]
    upload, rsvp = by_type["action_network:upload"], by_type["osdi:attendance"]
    assert isinstance(upload.payload, webhooks.UploadPayload)
    assert upload.person_url == person.url
    assert upload.person_id == person.id
    assert upload.person is not None
    assert upload.person.email == "ann@example.org"
    assert isinstance(rsvp.payload, webhooks.AttendancePayload)
    assert rsvp.payload.status == "accepted"
