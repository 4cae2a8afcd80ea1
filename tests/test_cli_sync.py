"""``actionnetwork sync``: the group mirrored into an embedded DuckDB with no options, a second
run reading only the changes, and the mistakes refused before anything runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("dlt")
duckdb = pytest.importorskip("duckdb")

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV  # noqa: E402
from actionnetwork_async.cli import main  # noqa: E402
from actionnetwork_async.sync import ActionNetwork  # noqa: E402
from actionnetwork_async.testing import Emulator, Seed, serve_in_thread  # noqa: E402

KEY = "cli-sync-key-0123456789"
FAST = ["--rate-limit", "1000", "--quiet"]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Emulator]:
    server = Emulator(
        seed=Seed(people=40, events=4, tags=3, taggings=20, petitions=1, signatures=6),
        rate_limit=None,
        api_key=KEY,
    )
    with serve_in_thread(server) as running:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, running.base_url)
        monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))  # pipelines and their state
        monkeypatch.chdir(tmp_path)
        yield running


def rows(table: str) -> list[tuple[object, ...]]:
    with duckdb.connect("actionnetwork.duckdb", read_only=True) as db:
        return db.sql(f"select id from action_network.{table} order by id").fetchall()


def test_sync_with_no_options_mirrors_the_group_into_a_duckdb_file_here(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", *FAST]) == 0
    out, err = capsys.readouterr()
    assert KEY not in out + err
    assert Path("actionnetwork.duckdb").is_file()
    assert [r[0] for r in rows("people")] == sorted(emu.ids("people"))
    assert len(rows("taggings")) == 20
    assert len(rows("signatures")) == 6
    assert "people" in out
    assert "synced into actionnetwork.duckdb" in out.splitlines()[-1]


def test_a_second_sync_reads_only_the_changes_and_merges_them(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", *FAST, "--resources", "people,events"]) == 0
    person = emu.ids("people")[0]
    with ActionNetwork(KEY, base_url=emu.base_url, rate_limit=None) as an:
        an.people.update(person, family_name="Changed")
    before = len(emu.log)
    assert main(["sync", *FAST, "--resources", "people"]) == 0
    capsys.readouterr()
    people_requests = [r for r in emu.log[before:] if r.path.endswith("/people")]
    assert people_requests
    assert all("modified_date" in r.query for r in people_requests)  # incremental
    assert len(rows("people")) == 40  # merged, not duplicated
    with duckdb.connect("actionnetwork.duckdb", read_only=True) as db:
        changed = db.sql(
            f"select family_name from action_network.people where id = '{person}'"
        ).fetchall()
    assert changed == [("Changed",)]


def test_an_unknown_resource_is_refused_before_any_request(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", *FAST, "--resources", "people,volunteers"]) == 2
    _, err = capsys.readouterr()
    assert "no such resource: volunteers" in err
    assert emu.log == []
