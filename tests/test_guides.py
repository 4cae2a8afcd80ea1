"""The README's examples run, against the emulator instead of the real API."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import ActionNetwork
from actionnetwork_async.testing import Emulator

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def example(marker: str) -> str:
    (code,) = [block for block in BLOCKS if marker in block]
    return code


@pytest.mark.asyncio
@pytest.mark.looptime  # the example's client keeps the API's 4 requests/s
async def test_the_usage_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    async with Emulator(people=30, events=3, rate_limit=None, tags=2) as emu:
        code = example("async def main()").replace(
            "ActionNetwork()", f"ActionNetwork({emu.api_key!r}, base_url={emu.base_url!r})"
        )
        code = code.replace("asyncio.run(main())", "")
        namespace: dict[str, Any] = {}
        exec(compile(code, "README.md", "exec"), namespace)
        await namespace["main"]()
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
async def test_the_walker_example_runs() -> None:
    async with (
        Emulator(people=5, tags=2, rate_limit=None) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        person = await an.people.signup(email="t@example.org", add_tags=["volunteer", "donor"])
        assert person is not None
        namespace: dict[str, Any] = {}
        exec(compile(example("async def walk("), "README.md", "exec"), namespace)
        await namespace["walk"](an)
        assert emu.count(path=f"people/{person.id}") == 2  # followed from both taggings


@pytest.mark.asyncio
async def test_the_webhook_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    async with Emulator(people=2, rate_limit=None) as emu:
        code = example('hooks.on("action_network:action")').replace(
            "ActionNetwork()", f"ActionNetwork({emu.api_key!r}, base_url={emu.base_url!r})"
        )
        namespace: dict[str, Any] = {}
        exec(compile(code, "README.md", "exec"), namespace)
        person_url = f"{emu.base_url}people/{emu.ids('people')[0]}"
        delivery = [{"action_network:action": {"_links": {"osdi:person": {"href": person_url}}}}]
        async with TestClient(TestServer(namespace["hooks"].app())) as client:
            resp = await client.post("/webhooks/action-network/a-long-random-token", json=delivery)
            assert resp.status == 200
        await namespace["an"].aclose()
        given = emu.state["people"].values()[0]["given_name"]
        assert f"welcome {given}" in capsys.readouterr().out


def test_the_usage_example_passes_mypy_strict(tmp_path: Path) -> None:
    """What a user copies must type-check: signup() and update() return Person, not None."""
    source = tmp_path / "readme_use.py"
    source.write_text(example("async def main()"))
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(source)],
        cwd=ROOT,  # the project's mypy cache keeps this quick
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
