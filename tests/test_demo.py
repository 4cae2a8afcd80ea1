"""The README's main job, run small."""

from __future__ import annotations

import io

import pytest

from actionnetwork_async.__main__ import main
from actionnetwork_async.demo import run_demo


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_demo_streams_everything_through_faults_within_the_limit() -> None:
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


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--people", "-1"]) == 2
    assert "must not be negative" in capsys.readouterr().err
