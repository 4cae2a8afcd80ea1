"""The runnable examples in docs/examples/ run, against the emulator: each quickstart is one."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from aiohttp.test_utils import TestClient, TestServer

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV
from actionnetwork_async.testing import Emulator, Seed, Webhooks, serve_in_thread

from .asgi_server import loopback_socket, serve_asgi

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PointAt = Callable[[Emulator], None]


@pytest.fixture
def point_at(monkeypatch: pytest.MonkeyPatch) -> PointAt:
    """Point unchanged programs at an emulator through the two environment variables."""

    def point(emu: Emulator) -> None:
        monkeypatch.setenv(API_KEY_ENV, emu.api_key)
        monkeypatch.setenv(BASE_URL_ENV, emu.base_url)

    return point


@pytest.mark.asyncio
@pytest.mark.looptime
async def test_signup_bot_greets_every_new_person(capsys: pytest.CaptureFixture[str]) -> None:
    greeted = await load("signup_bot").main(signups=3)
    assert sorted(greeted) == ["new0@example.org", "new1@example.org", "new2@example.org"]
    assert "bot: welcome, New 1 <new1@example.org>!" in capsys.readouterr().out


@pytest.mark.asyncio
@pytest.mark.looptime  # the service's client keeps the API's 4 requests/s: fast-forwarded
async def test_async_service_answers_and_sheds_load_with_503(point_at: PointAt) -> None:
    service = load("async_service")
    async with Emulator(seed=Seed(people=10), rate_limit=4) as emu:
        point_at(emu)
        known = emu.state["people"].values()[0]["email_addresses"][0]["address"]
        async with TestClient(TestServer(service.make_app())) as client:
            found = await client.get("/people", params={"email": known})
            assert found.status == 200, await found.text()
            assert (await found.json())["id"] == emu.ids("people")[0]
            assert (await client.get("/people", params={"email": "no@example.org"})).status == 404
            assert (await client.get("/people")).status == 400

            # The first signup reads the group's tags and creates "website" before it posts (three
            # requests): after a quiet moment on the fast-forwarded clock, it fits in max_wait.
            await asyncio.sleep(2)
            made = await client.post("/signups", json={"email": "ann@example.org"})
            assert made.status == 201
            assert (await made.json())["id"] in emu.ids("people")
            assert (await client.post("/signups", json={"given_name": "No Email"})).status == 400

            await asyncio.sleep(2)  # a quiet moment (on the fast-forwarded clock), then a burst
            # far beyond 4 requests/s: the first are served, the rest told at once to come back
            # (max_wait=0.5 s) instead of queueing; the server never sees a 5th in one second.
            burst = await asyncio.gather(
                *(client.get("/people", params={"email": known}) for _ in range(20))
            )
            statuses = sorted(r.status for r in burst)
            assert statuses == [200] * 4 + [503] * 16
            busy = next(r for r in burst if r.status == 503)
            assert busy.headers["Retry-After"] == "1"
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4


@pytest.mark.asyncio
async def test_fastapi_service_signs_up_and_welcomes_through_its_webhook(
    point_at: PointAt, capsys: pytest.CaptureFixture[str]
) -> None:
    """The FastAPI quickstart under a real uvicorn: a signup through the service reaches the
    emulator, whose webhook comes back to the mounted receiver and is handled once."""
    service = load("fastapi_service")
    secret = "fastapi-example-secret-0123456789"
    sock = loopback_socket()  # the service's URL, known before the emulator starts
    hook_url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/action-network/{secret}"
    async with Emulator(webhooks=Webhooks(url=hook_url), rate_limit=None) as emu:
        point_at(emu)  # read by the client the app's lifespan creates
        app = service.make_app(secret)
        async with (
            serve_asgi(app, sock=sock, lifespan="on") as base,
            httpx.AsyncClient(base_url=base, timeout=30) as http,
        ):
            made = await http.post(
                "/signups", json={"email": "ann@example.org", "given_name": "Ann"}
            )
            assert made.status_code == 201, made.text
            assert made.json()["id"] in emu.ids("people")
            assert (await http.post("/signups", json={"given_name": "No Email"})).status_code == 422
            await asyncio.wait_for(emu.idle(), 30)  # the webhook delivered and handled
            assert app.state.welcomed == ["ann@example.org"]
            assert emu.webhook_sender is not None
            assert [d.status for d in emu.webhook_sender.deliveries] == [200]
            wrong = await http.post("/webhooks/action-network/not-the-secret", json=[])
            assert wrong.status_code == 404
    assert "welcome, Ann!" in capsys.readouterr().out


def test_sync_job_exports_changes_once_and_imports_signups(
    tmp_path: Path, point_at: PointAt, capsys: pytest.CaptureFixture[str]
) -> None:
    job = load("sync_job")
    signups = tmp_path / "signups.csv"
    signups.write_text("email,given_name\nann@example.org,Ann\nbo@example.org,Bo\n,Nobody\n")
    watermark, changed = tmp_path / "people.watermark", tmp_path / "changed.csv"
    with serve_in_thread(Emulator(seed=Seed(people=30), rate_limit=None)) as emu:
        point_at(emu)
        assert job.main(str(watermark), str(changed), str(signups)) == 1  # one row has no email
        rows = list(csv.DictReader(changed.open(newline="")))
        assert sorted(r["id"] for r in rows) == sorted(emu.ids("people")[:30])
        out = capsys.readouterr().out
        assert "30 people changed since the last run" in out
        assert "3 records: 2 upserted, 1 failed" in out
        failures = [json.loads(line) for line in signups.with_suffix(".failures.jsonl").open()]
        assert [f["record"]["given_name"] for f in failures] == ["Nobody"]
        emails = [p["email_addresses"][0]["address"] for p in emu.state["people"].values()]
        assert {"ann@example.org", "bo@example.org"} <= set(emails)

        # The next night: only the people the import changed; the fixed file lands whole.
        signups.write_text("email,given_name\nann@example.org,Ann\nbo@example.org,Bo\n")
        assert job.main(str(watermark), str(changed), str(signups)) == 0
        rows = list(csv.DictReader(changed.open(newline="")))
        assert sorted(r["email"] for r in rows) == ["ann@example.org", "bo@example.org"]
        assert not signups.with_suffix(".checkpoint").exists()


@pytest.mark.slow  # a dozen processes of the command line
def test_cli_quickstart_runs_every_command(tmp_path: Path) -> None:
    # No limit on the server: each command is a process with its own limiter, so commands run
    # back to back can together pass 4/s (their 429s would be retried; docs/rate-limiting.md)
    with serve_in_thread(
        Emulator(seed=Seed(people=30, tags=2, taggings=10), rate_limit=None)
    ) as emu:
        env = {
            **os.environ,
            API_KEY_ENV: emu.api_key,
            BASE_URL_ENV: emu.base_url,
            # the `actionnetwork` command installed beside this Python, as a user's shell finds it
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        done = subprocess.run(
            ["bash", str(EXAMPLES / "cli_quickstart.sh")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        lists = [x["name"] for x in emu.state["unique_id_lists"].values()]
    exported = list(csv.DictReader((tmp_path / "people.csv").open(newline="")))
    assert len(exported) == 30
    assert any(row["tags"] for row in exported)
    assert len((tmp_path / "changed.jsonl").read_text().splitlines()) == 30
    assert json.loads(done.stdout.split("\n}\n")[0] + "\n}")["given_name"] is not None
    assert any(name.startswith("Everyone, ") for name in lists)
    assert not (tmp_path / "new-people.failures.jsonl").exists()
