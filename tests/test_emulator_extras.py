"""Outbound webhooks, the pytest fixtures as a user uses them, and the standalone command."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Emulator, Seed, Webhooks

from .conftest import ClientFactory


class Receiver:
    """A webhook endpoint on loopback that fails its first ``failures`` deliveries."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[Any] = []
        self.statuses: list[int] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(json.loads(await request.read()))
        status = 500 if len(self.bodies) <= self.failures else 200
        self.statuses.append(status)
        return web.Response(status=status)


@pytest_asyncio.fixture
async def receiver(request: pytest.FixtureRequest) -> AsyncIterator[Receiver]:
    rx = Receiver(failures=getattr(request, "param", 0))
    app = web.Application()
    app.router.add_post("/hook", rx.handle)
    rx.runner = web.AppRunner(app)
    await rx.runner.setup()
    site = web.TCPSite(rx.runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rx.url = f"http://127.0.0.1:{port}/hook"
    yield rx
    await rx.runner.cleanup()


@pytest.mark.asyncio
@pytest.mark.looptime
@pytest.mark.parametrize("receiver", [2], indirect=True)
async def test_signup_webhook_is_retried_with_the_same_idempotency_key(
    receiver: Receiver, make_client: ClientFactory
) -> None:
    async with Emulator(webhooks=Webhooks(url=receiver.url), rate_limit=None) as emu:
        an = make_client(emu)
        person = {"given_name": "John", "email_addresses": [{"address": "jsmith@mail.com"}]}
        created = await an.hal.post("people", {"person": person, "add_tags": ["volunteer"]})
        assert created is not None
        await emu.idle()
        assert receiver.statuses == [500, 500, 200]
        keys = {body[0]["idempotency_key"] for body in receiver.bodies}
        assert len(keys) == 1
        assert len(keys.pop()) == 32
        (element,) = receiver.bodies[-1]  # a delivery is a JSON array
        # a signup helper POST is sent as an upload (https://actionnetwork.org/docs/webhooks/upload)
        assert set(element) == {
            "action_network:upload",
            "action_network:sponsor",
            "idempotency_key",
        }
        upload = element["action_network:upload"]
        assert upload["person"]["email_addresses"][0]["address"] == "jsmith@mail.com"
        # "upload payloads originating from the person signup helper will not include tags or
        # custom fields POSTed on that helper"
        assert "custom_fields" not in upload["person"]
        assert "add_tags" not in upload
        assert upload["action_network:referrer_data"] == {}
        assert upload["_links"]["osdi:person"]["href"] == created.self_href
        assert element["action_network:sponsor"] == {
            "title": "Progressive Action Now",
            "url": "https://actionnetwork.org/groups/progressive-action-now",
        }
        assert emu.webhook_sender is not None
        assert [d.attempt for d in emu.webhook_sender.deliveries] == [1, 2, 3]


@pytest.mark.asyncio
async def test_attendance_webhook_and_a_new_key_per_message(
    receiver: Receiver, make_client: ClientFactory
) -> None:
    async with Emulator(
        seed=Seed(events=1), webhooks=Webhooks(url=receiver.url), rate_limit=None
    ) as emu:
        an = make_client(emu)
        event = await an.hal.get(f"events/{emu.ids('events')[0]}")
        for address in ("a@x.org", "b@x.org"):
            body = {"person": {"email_addresses": [{"address": address}]}}
            await an.hal.post(event, body, rel="osdi:record_attendance_helper")
        await emu.idle()
        assert len(receiver.bodies) == 2
        first, second = (body[0] for body in receiver.bodies)
        assert first["idempotency_key"] != second["idempotency_key"]
        attendance = first["osdi:attendance"]
        assert attendance["status"] == "accepted"
        assert attendance["person"]["email_addresses"][0]["address"] == "a@x.org"
        assert attendance["_links"]["osdi:event"]["href"] == event.self_href
        # webhooks write the sponsor's page as url (the API's resources say browser_url)
        assert first["action_network:sponsor"] == {
            "title": "Progressive Action Now",
            "url": "https://actionnetwork.org/groups/progressive-action-now",
        }


@pytest.mark.asyncio
@pytest.mark.an_emulator(seed=Seed.small(people=30), rate_limit=None)
async def test_the_pytest_fixtures_as_a_user_writes_them(
    an_emulator: Emulator, an_client: ActionNetwork
) -> None:
    people = [p async for p in an_client.hal.iterate(await an_client.hal.get(), "osdi:people")]
    assert len(people) == 30
    assert an_client.base_url == an_emulator.base_url


@pytest.mark.asyncio
async def test_the_fixture_defaults(an_emulator: Emulator) -> None:
    assert len(an_emulator.state["people"]) == 50
    assert an_emulator.rate_limit == 4.0


@pytest.mark.asyncio
async def test_standalone_command_serves_until_stopped() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "actionnetwork_async.testing",
        "--port",
        "0",
        "--people",
        "40",
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        first = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        base_url = first.split(" at ")[1].strip()
        key = (await proc.stdout.readline()).decode().split()[2]
        async with ActionNetwork(key, base_url=base_url) as an:
            assert len([p async for p in an.hal.iterate("people")]) == 40
            # every resource is seeded; signatures no more than one per person and petition
            petitions = [p async for p in an.hal.iterate("petitions")]
            assert len(petitions) == 5
            assert sum(p["total_signatures"] for p in petitions) == 5 * 40
            assert (await an.hal.get("donations"))["total_records"] == 200
    finally:
        proc.terminate()
        await proc.wait()
