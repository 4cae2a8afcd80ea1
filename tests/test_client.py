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
)
from actionnetwork_async.client import REDIS_URL_ENV
from actionnetwork_async.limits import (
    RedisRateLimiter,
    RetryPolicy,
    SlidingWindowLimiter,
    Unlimited,
)
from actionnetwork_async.redis import rate_limit_key
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
    an = ActionNetwork(
        "k", base_url="http://127.0.0.1:1/api/v2", rate_limit=None, retry=RetryPolicy(max_tries=2)
    )
    assert an.base_url.endswith("/api/v2/")
    assert isinstance(an.limiter, Unlimited)
    assert an._transport.retry.max_tries == 2
    policy = RetryPolicy(max_time=5)
    assert ActionNetwork("k", retry=policy)._transport.retry is policy


def test_rate_limit_is_a_number_a_limiter_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REDIS_URL_ENV, raising=False)
    built = ActionNetwork("k", rate_limit=2).limiter
    assert isinstance(built, SlidingWindowLimiter)
    assert (built.rate, built.max_wait) == (2.0, None)
    assert isinstance(ActionNetwork("k").limiter, SlidingWindowLimiter)  # 4/s by default
    assert ActionNetwork("k").limiter.rate == 4.0  # type: ignore[attr-defined]
    mine = SlidingWindowLimiter(4, max_wait=0.5)
    assert ActionNetwork("k", rate_limit=mine).limiter is mine  # used as it is
    assert isinstance(ActionNetwork("k", rate_limit=None).limiter, Unlimited)
    with pytest.raises(ConfigurationError, match=r"rate_limit must be a number .* got str"):
        ActionNetwork("k", rate_limit="4")  # type: ignore[arg-type]


def test_a_number_builds_the_redis_limiter_when_the_variable_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("redis")
    key = "secret-key-0123456789abcdef"
    monkeypatch.setenv(REDIS_URL_ENV, "redis://:hunter2@127.0.0.1:9/0")
    an = ActionNetwork(
        key,
        base_url="http://127.0.0.1:9/api/v2/",
        rate_limit=3,
        retry=RetryPolicy(max_retry_after=7),
    )
    limiter = an.limiter
    assert isinstance(limiter, RedisRateLimiter)
    assert (limiter.rate, limiter.max_pause) == (3.0, 7.0)  # the retry policy caps its pauses
    assert limiter.key == rate_limit_key(key, "http://127.0.0.1:9/")
    # The same key without a client; neither the API key nor the password is ever shown.
    alone = RedisRateLimiter.for_api_key(
        "redis://:hunter2@127.0.0.1:9/0", key, "http://127.0.0.1:9/api/v2/", max_wait=2
    )
    assert (alone.key, alone.max_wait) == (limiter.key, 2.0)
    for shown in (repr(an), repr(limiter), repr(alone), repr(an._transport)):
        assert key not in shown
        assert "hunter2" not in shown
    # A limiter object, or None, leaves the variable unread.
    assert isinstance(
        ActionNetwork(key, rate_limit=SlidingWindowLimiter()).limiter, SlidingWindowLimiter
    )
    assert isinstance(ActionNetwork(key, rate_limit=None).limiter, Unlimited)
    with pytest.raises(ConfigurationError, match="API key"):
        RedisRateLimiter.for_api_key("redis://127.0.0.1:9/0", "")


@pytest.mark.parametrize(
    "removed",
    [
        {"limiter": SlidingWindowLimiter()},
        {"max_wait": 1.0},
        {"redis_url": "redis://127.0.0.1:9/0"},
        {"max_tries": 3},
        {"max_time": 60.0},
    ],
)
def test_the_removed_keywords_are_a_signature_error(removed: dict[str, object]) -> None:
    with pytest.raises(TypeError, match=next(iter(removed))):
        ActionNetwork("k", **removed)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_a_session_passed_in_is_used_and_left_open(emu: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with ActionNetwork(emu.api_key, base_url=emu.base_url, session=session) as an:
            await an.hal.get()
            assert an._transport.session is session
        assert not session.closed


@pytest.mark.asyncio
async def test_context_manager_closes_its_own_session(
    emu: Emulator, make_client: ClientFactory
) -> None:
    an = make_client(emu)
    async with an:
        await an.hal.get()
        session = an._transport.session
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
