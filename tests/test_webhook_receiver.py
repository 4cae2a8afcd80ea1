"""The webhook receiver over loopback, and deliveries from the emulator into a handler."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from actionnetwork_async import ConfigurationError, webhooks
from actionnetwork_async.testing import Emulator, Seed, Webhooks

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

    async def start(receiver: webhooks.WebhookReceiver, **runner_options: Any) -> str:
        runner = web.AppRunner(receiver.app(), **runner_options)
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
        seed=Seed(events=1), webhooks=Webhooks(url=hook_url, retry_delays=(1, 1)), rate_limit=None
    ) as emu:
        an = make_client(emu)
        person = await an.people.signup(email="ann@example.org", given_name="Ann")
        await an.events.attendances.record(emu.ids("events")[0], email="bo@example.org")
        await emu.idle()
        assert emu.webhook_sender is not None
        assert len(emu.webhook_sender.delivered) == 2
        assert [d.status for d in emu.webhook_sender.deliveries] == [500, 200, 200]
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


# -- bodies that arrive in more than one read (issue 9, item 1) -------------------------------
def raw_post(url: str, body: bytes, *, pause_after: int | None, chunked: bool = False) -> Any:
    """POST over a raw socket: ``body`` in two TCP writes with a pause between (a second of
    loop time) after ``pause_after`` bytes; returns (status, body text)."""
    target = URL(url)

    async def send() -> tuple[int, str]:
        reader, writer = await asyncio.open_connection(target.host, target.port)
        length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
        writer.write(
            f"POST {target.raw_path_qs} HTTP/1.1\r\nHost: {target.host}\r\n"
            f"Content-Type: application/json\r\n{length}\r\nConnection: close\r\n\r\n".encode()
        )
        parts = [body] if pause_after is None else [body[:pause_after], body[pause_after:]]
        for n, part in enumerate(parts):
            if n:
                await asyncio.sleep(1)  # a sender pausing between writes (loop time: looptime)
            writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n" if chunked else part)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
        answer = await reader.read()
        writer.close()
        head, _, text = answer.partition(b"\r\n\r\n")
        return int(head.split()[1]), text.decode(errors="replace")

    return send()


@pytest.mark.looptime
@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_sent_in_two_writes_is_read_whole(serve: Serve, chunked: bool) -> None:
    seen: list[webhooks.WebhookEvent] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        seen.append(event)

    url = await serve(webhooks.receiver(handler)) + "/webhooks/action-network"
    body = json.dumps(DELIVERY, indent=2).encode()
    assert len(body) > 1500  # the reference's own payload, 1.6 KB
    status, _ = await raw_post(url, body, pause_after=len(body) // 2, chunked=chunked)
    assert status == 200
    assert len(seen) == 1
    assert seen[0].person is not None
    assert seen[0].person.email == "jsmith@mail.com"


async def test_a_501_kb_delivery_is_handled(serve: Serve) -> None:
    comments: list[int] = []

    async def handler(event: webhooks.WebhookEvent) -> None:
        assert isinstance(event.payload, webhooks.SignaturePayload)
        comments.append(len(event.payload.comments or ""))

    url = await serve(webhooks.receiver(handler)) + "/webhooks/action-network"
    big = [{"osdi:signature": {"comments": "x" * 501_000}, "idempotency_key": "big"}]
    assert (await post(url, big))[0] == 200
    assert comments == [501_000]


@pytest.mark.looptime
@pytest.mark.parametrize("pause_after", [None, 1000, 1_048_000])
async def test_a_chunked_body_past_the_limit_gets_413(
    serve: Serve, pause_after: int | None
) -> None:
    calls = 0

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1

    url = await serve(webhooks.receiver(handler)) + "/webhooks/action-network"
    body = json.dumps([{"osdi:signature": {"comments": "x" * 2_500_000}}]).encode()  # 2.4 MiB
    status, text = await raw_post(url, body, pause_after=pause_after, chunked=True)
    assert status == 413
    assert "over 1048576" in text
    assert calls == 0


# -- a copy that arrives while the first attempt runs (item 2) --------------------------------
async def test_a_copy_during_the_first_attempt_is_answered_retryable_and_never_lost(
    serve: Serve,
) -> None:
    started, proceed = asyncio.Event(), asyncio.Event()
    calls = 0

    async def slow_then_fails(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            started.set()
            await proceed.wait()
            raise RuntimeError("the CRM timed out")

    url = await serve(webhooks.receiver(slow_then_fails)) + "/webhooks/action-network"
    first = asyncio.ensure_future(post(url, DELIVERY))
    await started.wait()
    # Action Network re-sends because the first answer is slow: not acknowledged, not run
    async with aiohttp.ClientSession() as session, session.post(url, json=DELIVERY) as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "30"
        assert (await resp.json())["in_progress"] == 1
    assert calls == 1
    proceed.set()
    assert (await first)[0] == 500  # the first attempt failed after all
    status, text = await post(url, DELIVERY)  # the next retry handles the event
    assert (status, json.loads(text)) == (200, {"handled": 1, "duplicates": 0})
    assert calls == 2
    assert (await post(url, DELIVERY))[1] == json.dumps({"handled": 0, "duplicates": 1})


async def test_a_copy_after_the_first_attempt_succeeded_is_a_duplicate(serve: Serve) -> None:
    started, proceed = asyncio.Event(), asyncio.Event()
    calls = 0

    async def slow(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        started.set()
        await proceed.wait()

    url = await serve(webhooks.receiver(slow)) + "/webhooks/action-network"
    first = asyncio.ensure_future(post(url, DELIVERY))
    await started.wait()
    assert (await post(url, DELIVERY))[0] == 503
    proceed.set()
    assert (await first)[0] == 200
    assert json.loads((await post(url, DELIVERY))[1]) == {"handled": 0, "duplicates": 1}
    assert calls == 1


# -- cancellation releases the claim (item 3) -------------------------------------------------
class ObservedStore(webhooks.MemoryIdempotencyStore):
    """The in-memory store, announcing releases so a test can wait for one."""

    def __init__(self) -> None:
        super().__init__()
        self.released = asyncio.Event()

    async def release(self, key: str, *, owner: str) -> None:
        await super().release(key, owner=owner)
        self.released.set()


async def test_a_cancelled_attempt_releases_its_claim(serve: Serve) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()
    calls = 0

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            started.set()
            try:
                await asyncio.Event().wait()  # until the server cancels it
            finally:
                cancelled.set()

    store = ObservedStore()
    hooks = webhooks.receiver(handler, store=store)
    url = await serve(hooks, handler_cancellation=True) + "/webhooks/action-network"
    first = asyncio.ensure_future(post(url, DELIVERY))
    await started.wait()
    first.cancel()  # the sender hangs up: the server cancels the handler
    await cancelled.wait()
    await asyncio.wait_for(store.released.wait(), 5)  # at once; before the fix: never
    assert len(store) == 0
    assert (await post(url, DELIVERY))[0] == 200  # handled, not a "duplicate"
    assert calls == 2


class SlowToRecord(webhooks.MemoryIdempotencyStore):
    """A store whose complete() waits for the test's go-ahead."""

    def __init__(self) -> None:
        super().__init__()
        self.recording, self.go, self.recorded = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def complete(self, key: str, *, owner: str) -> None:
        self.recording.set()
        await self.go.wait()
        await super().complete(key, owner=owner)
        self.recorded.set()


async def test_a_cancellation_after_the_handler_succeeded_still_records_the_key() -> None:
    calls = 0

    async def count(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1

    store = SlowToRecord()
    hooks = webhooks.receiver(count, store=store)
    cancelled = asyncio.Event()

    @web.middleware
    async def watch(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            cancelled.set()
            raise

    app = web.Application(middlewares=[watch])
    app.add_routes(hooks.routes())
    async with TestServer(app) as server:  # handler_cancellation on
        url = str(server.make_url(hooks.path))
        first = asyncio.ensure_future(post(url, DELIVERY))
        await store.recording.wait()
        first.cancel()  # the sender hangs up while the outcome is being recorded
        await cancelled.wait()  # the server cancelled the request
        store.go.set()
        await asyncio.wait_for(store.recorded.wait(), 5)  # at once; unshielded: never
        answer = await post(url, DELIVERY)
    assert json.loads(answer[1]) == {"handled": 0, "duplicates": 1}
    assert calls == 1


async def test_a_handler_past_its_timeout_fails_the_delivery_and_frees_the_key(
    serve: Serve,
) -> None:
    calls = 0

    async def stuck_once(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.Event().wait()

    hooks = webhooks.receiver(stuck_once, handler_timeout=0.05)
    url = await serve(hooks) + "/webhooks/action-network"
    assert (await post(url, DELIVERY))[0] == 500
    assert (await post(url, DELIVERY))[0] == 200
    assert calls == 2


# -- sync handlers are refused (item 4) -------------------------------------------------------
async def test_a_handler_that_is_not_async_is_refused_at_registration() -> None:
    def blocking(event: webhooks.WebhookEvent) -> None:
        pass

    class Callable_:
        async def __call__(self, event: webhooks.WebhookEvent) -> None:
            pass

    async def coroutine(event: webhooks.WebhookEvent, extra: int) -> None:
        pass

    with pytest.raises(ConfigurationError, match="async def"):
        webhooks.receiver(blocking)  # type: ignore[arg-type]
    hooks = webhooks.receiver()
    with pytest.raises(ConfigurationError, match="async def"):
        hooks.on("osdi:signature")(blocking)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="async def"):
        hooks.on()(lambda event: coroutine(event, 1))
    hooks.on()(Callable_())
    hooks.on()(functools.partial(coroutine, extra=1))


# -- expiry in O(1) per delivery (item 5) -----------------------------------------------------
class CountingTime(float):
    """A clock reading that counts the comparisons made with it."""

    compared = 0

    def _count(self, other: object) -> bool:
        CountingTime.compared += 1
        return NotImplemented  # type: ignore[return-value]

    __lt__ = __le__ = __gt__ = __ge__ = _count  # type: ignore[assignment]


async def test_the_memory_store_never_scans_its_live_keys() -> None:
    now = 0.0
    store = webhooks.MemoryIdempotencyStore(ttl=100, clock=lambda: CountingTime(now))
    for n in range(20_000):
        now = n / 1000
        assert await store.claim(f"k{n}", owner="o", lease=10) is webhooks.Claim.CLAIMED
        await store.complete(f"k{n}", owner="o")
    CountingTime.compared = 0
    assert await store.claim("new", owner="o", lease=10) is webhooks.Claim.CLAIMED
    assert CountingTime.compared <= 5  # the old store compared all 20,000 expiries
    now = 105.0  # k0 .. k5000 and "new" have expired
    assert await store.claim("k0", owner="o", lease=10) is webhooks.Claim.CLAIMED
    assert len(store) == 20_000 - 5_001 + 1


async def test_the_memory_store_keeps_the_protocols_contract() -> None:
    now = 0.0
    store = webhooks.MemoryIdempotencyStore(ttl=100, clock=lambda: now)
    assert isinstance(store, webhooks.IdempotencyStore)
    claim = store.claim
    assert await claim("k", owner="a", lease=10) is webhooks.Claim.CLAIMED
    assert await claim("k", owner="b", lease=10) is webhooks.Claim.IN_PROGRESS
    now = 10.0  # a's lease ran out (its receiver crashed): b takes over
    assert await claim("k", owner="b", lease=10) is webhooks.Claim.CLAIMED
    await store.release("k", owner="a")  # a's late release does not free b's claim
    assert await claim("k", owner="c", lease=10) is webhooks.Claim.IN_PROGRESS
    await store.complete("k", owner="b")
    await store.release("k", owner="b")  # a done key stays done
    assert await claim("k", owner="c", lease=10) is webhooks.Claim.DONE
    now = 109.0
    assert await claim("k", owner="c", lease=10) is webhooks.Claim.DONE
    now = 110.0  # retention over
    assert await claim("k", owner="c", lease=10) is webhooks.Claim.CLAIMED
    await store.release("k", owner="c")
    assert len(store) == 0


class BrokenStore:
    """A shared store that cannot be reached."""

    async def claim(self, key: str, *, owner: str, lease: float) -> webhooks.Claim:
        raise ConnectionError("redis is down")

    async def complete(self, key: str, *, owner: str) -> None:
        raise ConnectionError("redis is down")

    async def release(self, key: str, *, owner: str) -> None:
        raise ConnectionError("redis is down")


async def test_without_its_store_the_receiver_handles_nothing_and_asks_for_a_retry(
    serve: Serve,
) -> None:
    calls = 0

    async def handler(event: webhooks.WebhookEvent) -> None:
        nonlocal calls
        calls += 1

    url = await serve(webhooks.receiver(handler, store=BrokenStore())) + "/webhooks/action-network"
    assert (await post(url, DELIVERY))[0] == 503
    assert calls == 0


# -- no personal data in answers or logs (items 6 and 9) --------------------------------------
PERSONAL = "jsmith@mail.com"
REJECTED = {
    "a bad date": [{"osdi:signature": {"created_date": PERSONAL}}],
    "a bad boolean": [{"osdi:signature": {"person": {"email_addresses": [{"primary": PERSONAL}]}}}],
    "a text field holding an object": [{"osdi:signature": {"comments": {"email": PERSONAL}}}],
    "a link that is a string": [{"osdi:signature": {"_links": {"osdi:person": PERSONAL}}}],
    "a type key that is personal data": [{PERSONAL: {}, "osdi:signature": {}}],
    "a non-object payload": [{PERSONAL: PERSONAL}],
    "deep nesting": b"[" * 5000 + json.dumps(PERSONAL).encode() + b"]" * 5000,  # was a 500
}


@pytest.mark.parametrize("body", REJECTED.values(), ids=REJECTED.keys())
async def test_a_rejection_never_quotes_the_delivery(
    serve: Serve, caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    url = await serve(webhooks.receiver()) + "/webhooks/action-network"
    with caplog.at_level(logging.DEBUG, logger="actionnetwork_async"):
        status, text = await post(url, body)
    assert status == 400
    assert "error" in json.loads(text)
    assert PERSONAL not in text
    assert PERSONAL not in caplog.text
    assert "smith" not in caplog.text.lower()


async def test_a_handler_error_is_logged_by_type_unless_personal_data_is_allowed(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(event: webhooks.WebhookEvent) -> None:
        assert event.person is not None
        raise KeyError(event.person.email)

    quiet = await serve(webhooks.receiver(handler)) + "/webhooks/action-network"
    loud = await serve(webhooks.receiver(handler, log_personal_data=True))
    with caplog.at_level(logging.DEBUG, logger="actionnetwork_async"):
        assert (await post(quiet, DELIVERY))[0] == 500
        assert "KeyError" in caplog.text
        assert PERSONAL not in caplog.text
        assert (await post(loud + "/webhooks/action-network", DELIVERY))[0] == 500
    assert PERSONAL in caplog.text  # asked for: the traceback and the delivery are logged
