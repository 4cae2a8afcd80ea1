"""The guides' examples run, against the emulator instead of the real API.

Every Python block of the docs is type-checked (tests/test_docs.py); these run the ones that
show a whole task, so what the pages promise is what the code does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Emulator, Seed

DOCS = Path(__file__).parent.parent / "docs"
pytest_plugins = ["pytester"]


def example(page: str, marker: str) -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", (DOCS / page).read_text(), re.S | re.M)
    (code,) = [block for block in blocks if marker in block]
    return str(code)


def run(code: str, page: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(code, page, "exec"), namespace)
    return namespace


@pytest.mark.asyncio
@pytest.mark.looptime  # the example's client keeps the API's 4 requests/s
async def test_the_tour_of_the_facades_runs(capsys: pytest.CaptureFixture[str]) -> None:
    async with Emulator(seed=Seed(people=30, events=3, tags=2), rate_limit=None) as emu:
        code = example("resources.md", "async def main()").replace(
            "ActionNetwork()", f"ActionNetwork({emu.api_key!r}, base_url={emu.base_url!r})"
        )
        await run(code.replace("asyncio.run(main())", ""), "resources.md")["main"]()
        assert "a@example.org" not in capsys.readouterr().out  # nobody has that address
        assert any(
            p["email_addresses"][0]["address"] == "ann@example.org"
            for p in emu.state["people"].values()
        )
        assert any(e["title"] == "Canvass" for e in emu.state["events"].values())
        (volunteers,) = [
            x for x in emu.state["unique_id_lists"].values() if x["name"] == "Volunteers"
        ]
        assert volunteers["count"] == 2


@pytest.mark.asyncio
async def test_the_walker_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    async with (
        Emulator(seed=Seed(people=5, tags=2), rate_limit=None) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        person = await an.people.signup(
            email="t@example.org", given_name="Tess", add_tags=["volunteer", "donor"]
        )
        await run(example("hal.md", "async def walk("), "hal.md")["walk"](an)
        assert emu.count(path=f"people/{person.id}") == 2  # followed from both taggings
        assert sorted(capsys.readouterr().out.split("\n")[:2]) == ["donor Tess", "volunteer Tess"]


@pytest.mark.asyncio
async def test_the_webhook_receiver_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    async with Emulator(seed=Seed(people=2), rate_limit=None) as emu:
        code = example("webhooks.md", 'hooks.on("action_network:action")').replace(
            "ActionNetwork()", f"ActionNetwork({emu.api_key!r}, base_url={emu.base_url!r})"
        )
        namespace = run(code, "webhooks.md")
        person_url = f"{emu.base_url}people/{emu.ids('people')[0]}"
        delivery = [{"action_network:action": {"_links": {"osdi:person": {"href": person_url}}}}]
        async with TestClient(TestServer(namespace["hooks"].app())) as client:
            resp = await client.post("/webhooks/action-network/a-long-random-token", json=delivery)
            assert resp.status == 200
            wrong = await client.post("/webhooks/action-network/guessed", json=delivery)
            assert wrong.status == 404
        await namespace["an"].aclose()
        given = emu.state["people"].values()[0]["given_name"]
        assert f"welcome {given}" in capsys.readouterr().out


def test_the_testing_guide_examples_pass_under_pytest(pytester: pytest.Pytester) -> None:
    """The pytest examples of docs/testing.md, run by pytest with the plugin installed."""
    blocks = re.findall(r"^```python\n(.*?)^```", (DOCS / "testing.md").read_text(), re.S | re.M)
    for n, code in enumerate(blocks):
        pytester.makepyfile(**{f"test_guide_{n}": code})
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=4)


def test_the_warehouse_guide_lists_every_table_as_the_source_reads_it() -> None:
    """docs/warehouse.md's table of tables: one row per collection of ``COLLECTIONS``, in its
    order, with its key and its ``why``."""
    warehouse = pytest.importorskip("actionnetwork_async.warehouse")  # the warehouse extra
    guide = (DOCS / "warehouse.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| [^|]+ \| ([^|]+) \|$", guide, re.M)
    expected = [
        (c.name, "name" if c.name == "custom_fields" else "id", c.why)
        for c in warehouse.COLLECTIONS
    ]
    assert [(name, key, why.strip()) for name, key, why in rows] == expected
