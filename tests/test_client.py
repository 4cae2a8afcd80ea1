"""Client construction: the key, its secrecy, configuration errors, session ownership."""

from __future__ import annotations

import aiohttp
import pytest

from actionnetwork_async import (
    API_KEY_ENV,
    BASE_URL_ENV,
    ActionNetwork,
    ClientClosedError,
    ConfigurationError,
    RetryPolicy,
    Unlimited,
)
from actionnetwork_async.testing import Emulator

from .conftest import ClientFactory


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "env-key-abcdef0123456789")
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    an = ActionNetwork()
    assert "env-key-abcdef0123456789" not in repr(an)
    assert an.base_url == "https://actionnetwork.org/api/v2/"


@pytest.mark.asyncio
async def test_the_base_url_comes_from_the_environment_too(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a whole program pointed at the emulator without a code change
    monkeypatch.setenv(API_KEY_ENV, emu.api_key)
    monkeypatch.setenv(BASE_URL_ENV, emu.base_url.rstrip("/"))
    async with ActionNetwork(rate_limit=None) as an:
        assert an.base_url == emu.base_url
        assert (await an.people.get(emu.ids("people")[0])).id == emu.ids("people")[0]
    assert ActionNetwork("k", base_url="http://127.0.0.1:9/api/v2/").base_url.endswith(":9/api/v2/")
    monkeypatch.delenv(BASE_URL_ENV)
    assert ActionNetwork("k").base_url == "https://actionnetwork.org/api/v2/"
    with pytest.raises(ConfigurationError, match="absolute"):
        ActionNetwork("k", base_url="actionnetwork.org/api/v2")


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(ConfigurationError, match=API_KEY_ENV):
        ActionNetwork()


def test_options_are_validated_and_applied() -> None:
    with pytest.raises(ConfigurationError, match="prefetch"):
        ActionNetwork("k", prefetch=0)
    an = ActionNetwork("k", base_url="http://127.0.0.1:1/api/v2", rate_limit=None, max_tries=2)
    assert an.base_url.endswith("/api/v2/")
    assert isinstance(an.limiter, Unlimited)
    assert an.transport.retry.max_tries == 2
    policy = RetryPolicy(max_time=5)
    assert ActionNetwork("k", retry=policy).transport.retry is policy


@pytest.mark.asyncio
async def test_a_session_passed_in_is_used_and_left_open(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with ActionNetwork(emu.api_key, base_url=emu.base_url, session=session) as an:
            await an.hal.get()
            assert an.transport.session is session
        assert not session.closed


@pytest.mark.asyncio
async def test_context_manager_closes_its_own_session(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    async with an:
        await an.hal.get()
        session = an.transport.session
    assert session.closed


@pytest.mark.asyncio
async def test_a_closed_client_refuses_requests(emu: Emulator, make_client: ClientFactory) -> None:
    an = make_client(emu)
    await an.hal.get()
    await an.aclose()
    for call in (an.hal.get(), an.people.get(emu.ids("people")[0]), an.hal.post("tags", {})):
        with pytest.raises(ClientClosedError, match="closed"):
            await call
    assert len(emu.log) == 1
