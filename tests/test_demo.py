"""The README's main job, run small."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from actionnetwork_async.__main__ import main
from actionnetwork_async.demo import run_demo


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_demo_streams_everything_through_faults_within_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "dlt", None)  # the warehouse extra missing: step skipped
    out = io.StringIO()
    result = await run_demo(people=120, events=40, latency=0.1, chunk=50, out=out)
    assert (result.people, result.events) == (120, 40)
    assert (result.listed, result.list_requests, result.list_count) == (120, 3, 120)
    assert result.retries == 3  # the three injected faults, each survived
    assert result.rate_limited == 1  # only the injected 429: the limiter never overran
    assert result.max_in_any_second <= 4
    assert result.requests - result.cancelled <= result.server_requests <= result.requests
    assert 0 < result.server_rate <= 4.0  # on the server's clock: never over the limit
    text = out.getvalue()
    assert "120 people + 40 events" in text
    assert "of the 4/s limit" in text
    assert not result.warehouse
    assert "Warehouse: skipped, dlt is not installed" in text
    assert "pip install 'actionnetwork-async[warehouse]'" in text


@pytest.mark.asyncio
async def test_demo_ends_by_mirroring_the_group_into_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last step, in real time: people, events, tags and taggings into DuckDB by dlt, and
    people per tag answered from it; no file left behind."""
    pytest.importorskip("dlt")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    result = await run_demo(people=40, events=5, latency=0.01, faults=False, out=out)
    assert result.warehouse
    rows = result.warehouse_rows
    assert (rows["people"], rows["events"], rows["tags"], rows["taggings"]) == (40, 5, 7, 50)
    assert rows["people__email_addresses"] == 40  # a child table
    # record i is person i % 40 on tag i // 40: everyone is a volunteer, 10 are donors
    assert result.people_per_tag[:2] == [("volunteer", 40), ("donor", 10)]
    assert {people for _, people in result.people_per_tag[2:]} == {0}
    assert 0 < result.warehouse_requests <= result.warehouse_elapsed * 4 + 4
    text = out.getvalue()
    assert "People per tag, from DuckDB:" in text
    assert "volunteer     40" in text
    assert os.listdir(tmp_path) == []  # the working directory: nothing written


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--people", "-1"]) == 2
    assert "must not be negative" in capsys.readouterr().err
