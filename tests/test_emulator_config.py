"""The emulator's options: the attrs classes, their validation, the command's flags built from
them, the fixture marker that takes them, and switches changed on a running emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest
import pytest_asyncio
from aiohttp import web

from actionnetwork_async.testing import (
    FAULT_MIX,
    Emulator,
    Quirks,
    RandomFaults,
    Seed,
    Timing,
    Webhooks,
)
from actionnetwork_async.testing import config as config_module
from actionnetwork_async.testing.__main__ import build_parser, flag, options
from actionnetwork_async.testing.config import GROUPS, count_fields
from actionnetwork_async.testing.seed import SEEDED

pytest_plugins = ["pytester"]

#: What the command and the fixture seeded before these classes (their own tables then).
OLD_COMMAND_COUNTS = {
    "people": 1000,
    "events": 100,
    "unique_id_lists": 5,
    "tags": 7,
    "event_campaigns": 2,
    "petitions": 5,
    "forms": 5,
    "fundraising_pages": 3,
    "advocacy_campaigns": 3,
    "surveys": 3,
    "campaigns": 2,
    "queries": 3,
    "wrappers": 2,
    "lists": 4,
    "messages": 4,
    "attendances": 300,
    "signatures": 500,
    "submissions": 200,
    "donations": 200,
    "outreaches": 100,
    "responses": 100,
    "taggings": 1000,
    "items": 500,
}
OLD_FIXTURE_COUNTS = {
    "people": 50,
    "events": 10,
    "unique_id_lists": 3,
    "tags": 5,
    "event_campaigns": 2,
    "petitions": 3,
    "forms": 3,
    "fundraising_pages": 2,
    "advocacy_campaigns": 2,
    "surveys": 2,
    "campaigns": 2,
    "queries": 2,
    "wrappers": 2,
    "lists": 2,
    "messages": 2,
}


# -- the classes ----------------------------------------------------------------------------------
def test_seed_has_a_count_for_every_seeded_resource_and_is_empty_by_default() -> None:
    assert count_fields() == SEEDED
    assert set(Seed().counts().values()) == {0}


def test_the_presets_are_what_the_command_and_the_fixture_seeded() -> None:
    assert Seed.demo().counts() == OLD_COMMAND_COUNTS
    assert Seed.small().counts() == {name: OLD_FIXTURE_COUNTS.get(name, 0) for name in SEEDED}
    # a count given replaces one; records not given never ask for more than fits
    fewer = Seed.demo(people=40)
    assert (fewer.people, fewer.signatures, fewer.taggings) == (40, 5 * 40, 7 * 40)
    assert fewer.donations == 200  # donations are not one per person and page
    assert Seed.demo(people=0).signatures == 0
    assert Seed.demo(people=1, signatures=3).signatures == 3  # given: as given
    with pytest.raises(TypeError, match="no count"):
        Seed.small(peoples=3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Seed(people=-1), "Seed.people must be >= 0"),
        (lambda: Seed(signatures=-3), "Seed.signatures must be >= 0"),
        (lambda: Timing(latency=-0.5), "Timing.latency must be >= 0"),
        (lambda: Timing(background_delay=float("nan")), "Timing.background_delay must be >= 0"),
        (lambda: RandomFaults(rate=-0.1), "RandomFaults.rate must be between 0 and 1"),
        (lambda: RandomFaults(rate=1.5), "RandomFaults.rate must be between 0 and 1"),
        (lambda: RandomFaults(mix={"503": -1}), "RandomFaults.mix must be >= 0"),
        (lambda: RandomFaults(mix={"boom": 1}), "unknown kind 'boom'"),
        (lambda: Webhooks(delay=-1), "Webhooks.delay must be >= 0"),
        (lambda: Webhooks(retry_delays=(1, -2)), "Webhooks.retry_delays must be >= 0"),
        (lambda: Webhooks(types=["osdi:signatures"]), "unknown payload types"),
        (lambda: Quirks(date_skew=float("inf")), "Quirks.date_skew must be finite"),
        (lambda: Emulator(rate_limit=-4), "rate_limit must be > 0"),
        (lambda: Emulator(seed=Seed(signatures=1)), "needs at least one"),
    ],
)
def test_a_bad_value_is_a_clear_error(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_the_classes_are_keyword_only_and_validate_on_assignment() -> None:
    with pytest.raises(TypeError):
        Timing(0.5)  # type: ignore[call-arg]
    timing = Timing()
    with pytest.raises(ValueError, match=r"Timing\.latency"):
        timing.latency = -1
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Seed().people = 3  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"Seed\(random_seed=N\)"):
        Emulator(seed=1)  # type: ignore[arg-type]  # the old flat keyword
    with pytest.raises(TypeError, match="takes a Quirks"):
        Emulator(quirks=Timing())  # type: ignore[arg-type]
    assert Webhooks(types=["osdi:signature"]).types == frozenset({"osdi:signature"})
    assert RandomFaults().mix == dict(FAULT_MIX)


def test_the_emulator_keeps_a_copy_of_each_object_given() -> None:
    quirks = Quirks(next_drops_filter=True)
    first, second = Emulator(quirks=quirks), Emulator(quirks=quirks)
    first.quirks.empty_helper_answers = True
    assert first.quirks.next_drops_filter
    assert not second.quirks.empty_helper_answers
    assert not quirks.empty_helper_answers


def test_every_field_documents_itself_with_the_api_page_it_models() -> None:
    from actionnetwork_async.testing.__main__ import field_docs

    for cls in GROUPS.values():
        docs = field_docs(cls)
        for field in attrs.fields(cls):
            doc = docs.get(field.name, "")
            assert doc, (cls.__name__, field.name)
            assert "shared/" not in doc
            if field.name not in ("random_seed", "seed"):  # the emulator's own, not the API's
                assert "https://actionnetwork.org/docs/" in doc, (cls.__name__, field.name)


# -- the command ----------------------------------------------------------------------------------
def test_the_command_has_a_flag_for_every_field() -> None:
    parser = build_parser()
    flags = set(parser._option_string_actions)
    for cls in GROUPS.values():
        for field in attrs.fields(cls):
            assert flag(cls, field.name) in flags, (cls.__name__, field.name)
    # the flags the command had before these classes still work
    old = {"--host", "--port", "--api-key", "--rate-limit", "--latency", "--page-latency"}
    old |= {"--arrival-jitter", "--webhook-url", "--webhook-delay", "--lenient-filters"}
    old |= {"--next-drops-filter", "--next-link-loops", "--empty-helper-answers"}
    old |= {"--lenient-entry-point", "--personal-key", "--date-skew"}
    old |= {f"--{kind.replace('_', '-')}" for kind in SEEDED}
    assert old <= flags


def test_a_field_declared_later_is_a_flag_without_further_edits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @attrs.define(kw_only=True)
    class MoreQuirks(Quirks):
        new_habit: bool = False
        "A habit found tomorrow (https://actionnetwork.org/docs/v2/)."
        slowness: float = 0.0
        "Seconds of it."

    monkeypatch.setitem(config_module.GROUPS, "quirks", MoreQuirks)
    parser = build_parser()
    assert {"--new-habit", "--no-new-habit", "--slowness"} <= set(parser._option_string_actions)
    made = options(parser.parse_args(["--new-habit", "--slowness", "2.5", "--personal-key"]))
    assert made["quirks"] == MoreQuirks(new_habit=True, slowness=2.5, group_key=False)
    assert "A habit found tomorrow" in parser.format_help()


def test_the_flags_build_the_objects() -> None:
    parser = build_parser()
    made = options(
        parser.parse_args(
            [
                "--people=40",
                "--random-seed=7",
                "--lenient-filters",
                "--next-link-loops",
                "--date-skew=-60",
                "--latency=0.25",
                "--list-latency-per-id=0",
                "--webhook-url=http://127.0.0.1:9/hook",
                "--webhook-retry-delays=1,5",
                "--webhook-types=osdi:signature,osdi:attendance",
                "--fault-rate=0.1",
                "--fault-mix=503=2,reset=1",
                "--rate-limit=0",
                "--port=0",
            ]
        )
    )
    assert made["seed"] == Seed.demo(people=40, random_seed=7)
    assert made["quirks"] == Quirks(strict_filters=False, next_link_loops=True, date_skew=-60)
    assert made["timing"] == Timing(latency=0.25, list_latency_per_id=0)
    assert made["webhooks"] == Webhooks(
        url="http://127.0.0.1:9/hook",
        retry_delays=(1, 5),
        types=["osdi:signature", "osdi:attendance"],
    )
    assert made["random_faults"] == RandomFaults(rate=0.1, mix={"503": 2, "reset": 1})
    assert (made["rate_limit"], made["port"]) == (None, 0)
    # nothing given: the classes' defaults, the demo seed
    plain = options(parser.parse_args([]))
    assert plain["seed"] == Seed.demo()
    assert (plain["quirks"], plain["timing"]) == (Quirks(), Timing())
    assert (plain["webhooks"], plain["random_faults"]) == (Webhooks(), RandomFaults())
    assert plain["rate_limit"] == 4.0
    Emulator(**{**plain, "seed": Seed()})  # what the command passes, the emulator takes


def test_the_command_refuses_a_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    from actionnetwork_async.testing.__main__ import main

    with pytest.raises(SystemExit):
        main(["--fault-rate", "2"])
    assert "RandomFaults.rate must be between 0 and 1" in capsys.readouterr().err


# -- the fixture ----------------------------------------------------------------------------------
@pytest.mark.asyncio
@pytest.mark.an_emulator(
    seed=Seed(people=3, tags=1),
    quirks=Quirks(group_key=False),
    timing=Timing(background_delay=0.01),
    rate_limit=None,
)
async def test_the_fixture_marker_takes_the_objects(an_emulator: Emulator) -> None:
    assert len(an_emulator.state["people"]) == 3
    assert len(an_emulator.state["events"]) == 0  # a seed= replaces the fixture's whole
    assert an_emulator.quirks == Quirks(group_key=False)
    assert an_emulator.timing.background_delay == 0.01
    assert an_emulator.rate_limit is None


@pytest.mark.asyncio
async def test_the_fixture_seeds_the_small_preset(an_emulator: Emulator) -> None:
    assert an_emulator.seed == Seed.small()
    assert len(an_emulator.state["events"]) == 10


def test_an_old_style_marker_says_where_the_keyword_went(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        @pytest.mark.an_emulator(people=3)
        async def test_it(an_emulator):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-o", "asyncio_default_fixture_loop_scope=function")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unexpected keyword argument 'people'*seed=Seed(...)*"])


# -- switches changed on a running emulator ------------------------------------------------------
async def call(
    session: aiohttp.ClientSession, emu: Emulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with session.request(method, emu.base_url + path, json=body) as response:
        text = await response.text()
        return response.status, json.loads(text) if text else None


SIGNUP = {"person": {"email_addresses": [{"address": "ann@example.org"}]}}


@pytest.mark.asyncio
async def test_switches_changed_after_construction_take_effect() -> None:
    async with (
        Emulator(seed=Seed(people=2, tags=1), rate_limit=None) as emu,
        aiohttp.ClientSession(headers={"OSDI-API-Token": emu.api_key}) as session,
    ):
        status, created = await call(session, emu, "POST", "people", SIGNUP)
        assert status == 200
        assert created["email_addresses"][0]["address"] == "ann@example.org"
        emu.quirks.empty_helper_answers = True
        assert await call(session, emu, "POST", "people", SIGNUP) == (200, {})

        assert (await call(session, emu, "GET", "tags"))[0] == 200
        emu.quirks.group_key = False
        assert (await call(session, emu, "GET", "tags"))[0] == 403
        emu.quirks.group_key = True

        emu.random_faults.rate = 1.0
        emu.random_faults.mix = {"502": 1}
        assert (await call(session, emu, "GET", "people"))[0] == 502
        assert emu.faults_injected == {"502": 1}
        emu.random_faults.rate = 0.0

        emu.rate_limit = 1
        statuses = [(await call(session, emu, "GET", "people"))[0] for _ in range(3)]
        assert statuses[1:] == [429, 429]
        emu.rate_limit = None
        assert (await call(session, emu, "GET", "people"))[0] == 200


@pytest_asyncio.fixture
async def hooks() -> AsyncIterator[tuple[str, list[Any]]]:
    bodies: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(json.loads(await request.read()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hook", bodies
    await runner.cleanup()


@pytest.mark.asyncio
async def test_a_webhook_url_set_after_construction_is_used(
    hooks: tuple[str, list[Any]],
) -> None:
    url, bodies = hooks
    async with (
        Emulator(rate_limit=None) as emu,
        aiohttp.ClientSession(headers={"OSDI-API-Token": emu.api_key}) as session,
    ):
        await call(session, emu, "POST", "people", SIGNUP)
        await emu.idle()
        assert emu.webhook_sender is None
        emu.webhooks.url = url
        await call(session, emu, "POST", "people", SIGNUP)
        await emu.idle()
        assert emu.webhook_sender is not None
        assert [d.status for d in emu.webhook_sender.deliveries] == [200]
        assert "action_network:upload" in bodies[0][0]
        emu.webhooks.types = frozenset({"osdi:signature"})  # the trigger no longer selects it
        await call(session, emu, "POST", "people", SIGNUP)
        await emu.idle()
        assert len(bodies) == 1


def test_the_emulator_page_has_a_row_for_every_option() -> None:
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "emulator.md").read_text()
    for cls in GROUPS.values():
        for field in attrs.fields(cls):
            name = "<resource>" if cls is Seed and field.name in count_fields() else field.name
            assert f"| `{cls.__name__}.{name}` |" in page, (cls.__name__, field.name)


def test_the_emulator_and_its_command_import_nothing_of_the_client() -> None:
    import subprocess
    import sys

    program = (
        "import sys\n"
        "import actionnetwork_async.testing.emulator, actionnetwork_async.testing.__main__\n"
        "print(sorted(m for m in sys.modules if m.startswith('actionnetwork_async.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    loaded = done.stdout
    assert "actionnetwork_async.testing.config" in loaded, done.stderr
    for module in ("client", "resources", "models", "hal", "http"):
        assert f"'actionnetwork_async.{module}" not in loaded, module
