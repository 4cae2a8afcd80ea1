"""The README's first screen runs: the async, blocking and shell ways in, on the emulator."""

from __future__ import annotations

import asyncio
import csv
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV
from actionnetwork_async.cli import main
from actionnetwork_async.testing import Emulator, Seed, serve_in_thread

README = (Path(__file__).parent.parent / "README.md").read_text()


def block(language: str, marker: str) -> str:
    (code,) = [b for b in re.findall(rf"```{language}\n(.*?)```", README, re.S) if marker in b]
    return code


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serve_in_thread(Emulator(seed=Seed(people=30), rate_limit=None)) as server:
        monkeypatch.setenv(API_KEY_ENV, server.api_key)
        monkeypatch.setenv(BASE_URL_ENV, server.base_url)
        yield server


def emails(emu: Emulator) -> list[str]:
    return [p["email_addresses"][0]["address"] for p in emu.state["people"].values()]


def test_the_async_way_in(emu: Emulator) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(block("python", "# async:"), "README.md", "exec"), namespace)
    assert asyncio.run(namespace["emails"]()) == emails(emu)


def test_the_blocking_way_in(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(block("python", "# blocking:"), "README.md", "exec"), {})
    assert capsys.readouterr().out.split() == emails(emu)


def test_the_shell_way_in(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    emu.state["people"].values()[4]["modified_date"] = "2026-02-01T00:00:00Z"
    (tmp_path / "ids.txt").write_text("\n".join(emu.ids("people")))
    commands = [line for line in block("sh", "# shell:").splitlines() if not line.startswith("#")]
    for command in commands:
        program, *args = shlex.split(command)
        assert program == "actionnetwork"
        assert main(args) == 0, command
    (row,) = csv.DictReader((tmp_path / "people.csv").open(newline=""))
    assert row["id"] == emu.ids("people")[4]
    (volunteers,) = [x for x in emu.state["unique_id_lists"].values() if x["name"] == "Volunteers"]
    assert volunteers["count"] == 30
