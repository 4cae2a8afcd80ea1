"""The sync-job commands end to end on the emulator: ``import people`` (report, checkpoint,
``--resume``, a kill mid-run) and ``export --since-file``."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV, CheckpointFile
from actionnetwork_async.cli import main
from actionnetwork_async.testing import Emulator, Seed, Timing, serve_in_thread

KEY = "cli-jobs-key-8e1d0c3b5a79f264"
FAST = ["--rate-limit", "1000"]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serve_in_thread(
        Emulator(seed=Seed(people=40, events=5), rate_limit=None, api_key=KEY)
    ) as running:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, running.base_url)
        yield running


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args])
    out, err = capsys.readouterr()
    assert KEY not in out + err
    assert "Traceback" not in err
    return status, out, err


def posted_emails(emu: Emulator) -> Counter[str]:
    return Counter(
        r.json()["person"]["email_addresses"][0]["address"]
        for r in emu.log
        if r.method == "POST" and r.path.endswith("/people")
    )


def emails(emu: Emulator) -> set[str]:
    return {
        e["address"] for p in emu.state["people"].values() for e in p.get("email_addresses") or ()
    }


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=sorted({k for row in rows for k in row}))
        writer.writeheader()
        writer.writerows(rows)


def row(i: int, **extra: str) -> dict[str, str]:
    return {
        "email": f"import-{i}@example.org",
        "given_name": f"Import {i}",
        "postal_code": "20009",
        "custom_fields.shirt": "L",
        "phone": "",
        **extra,
    }


def test_import_csv_reports_failures_and_resume_retries_only_them(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    rows = [row(i) for i in range(30)]
    rows[7] = {**row(7), "email": ""}  # no email, no phone: refused before sending
    rows[20] = row(20, email_status="bouncing")  # read-only status: left out, as models do
    write_csv(source, rows)
    emu.add_fault("latency", path="people", method="POST", count=11, delay=0.0)
    emu.add_fault("status", path="people", method="POST", status=400)
    report = source.with_name("people.csv.failures.jsonl")
    checkpoint = source.with_name("people.csv.checkpoint")

    status, out, err = run(capsys, "import", "people", "--from", str(source), "--tag", "new", *FAST)
    assert status == 1
    assert out == ""
    assert err.strip().startswith("actionnetwork: note: people.csv: 30 records: 28 upserted, 2")
    assert str(report) in err
    failures = {f["index"]: f for f in map(json.loads, report.read_text().splitlines())}
    assert len(failures) == 2
    assert failures.pop(7)["message"] == "an email address or a phone number is required"
    (refused,) = failures.values()
    assert refused["status"] == 400
    refused_email = refused["record"]["person"]["email_addresses"][0]["address"]
    assert refused_email not in emails(emu)
    by_email = {p["email_addresses"][0]["address"]: p for p in emu.state["people"].values()}
    stored = by_email["import-3@example.org"]
    assert stored["given_name"] == "Import 3"
    assert stored["custom_fields"]["shirt"] == "L"
    assert stored["postal_addresses"][0]["postal_code"] == "20009"
    sent = [r.json() for r in emu.log if r.method == "POST" and "/people" in r.path]
    assert all(body["add_tags"] == ["new"] for body in sent)
    # the group had no tag "new": it was made first, once, so the people are tagged
    assert [r.json() for r in emu.log if r.method == "POST" and r.path.endswith("/tags")] == [
        {"name": "new"}
    ]
    assert "bouncing" not in json.dumps(sent)
    assert by_email["import-20@example.org"]["email_addresses"][0]["status"] == "subscribed"

    status, _, err = run(capsys, "import", "people", "--from", str(source), *FAST)
    assert status == 2
    assert "--resume" in err

    before = posted_emails(emu)
    status, _, err = run(
        capsys, "import", "people", "--from", str(source), "--tag", "new", "--resume", *FAST
    )
    assert status == 1  # the record with no email still fails
    assert "30 records: 1 upserted, 1 failed, 28 skipped" in err
    after = posted_emails(emu)
    assert after - before == Counter([refused_email])  # only the one the 400 refused
    assert checkpoint.exists()


def test_import_jsonl_round_trips_an_export_and_cleans_up(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    exported = tmp_path / "people.jsonl"
    assert run(capsys, "export", "people", "-o", str(exported), *FAST)[0] == 0
    with serve_in_thread(Emulator(rate_limit=None, api_key=KEY)) as empty:
        status, _, err = run(
            capsys,
            "import",
            "people",
            "--from",
            str(exported),
            "--base-url",
            empty.base_url,
            *FAST,
        )
        assert status == 0, err
        assert "40 records: 40 upserted" in err
        assert emails(empty) == emails(emu)
        moved = {p["email_addresses"][0]["address"]: p for p in empty.state["people"].values()}
        for original in emu.state["people"].values():
            copy = moved[original["email_addresses"][0]["address"]]
            assert copy["given_name"] == original["given_name"]
            assert copy["custom_fields"] == original["custom_fields"]
    assert [p.name for p in tmp_path.iterdir()] == ["people.jsonl"]  # no checkpoint, no report

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"email_addresses": [{"address": "a@example.org"}]}\nnot json\n')
    status, _, err = run(capsys, "import", "people", "--from", str(broken), *FAST)
    assert status == 2
    assert "broken.jsonl line 2" in err


def test_an_unreadable_csv_row_is_one_line_naming_it(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    write_csv(source, [row(0), row(1, given_name="x" * 200_000)])  # over the csv module's limit
    status, out, err = run(capsys, "import", "people", "--from", str(source), *FAST)
    assert status == 2  # was a csv.Error traceback
    assert "people.csv line 3" in err.splitlines()[-1]
    assert "x" * 100 not in err
    assert out == ""


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("latin1.csv", b"email,given_name\na@example.org,Jos\xe9\n"),
        ("latin1.jsonl", b'{"email_addresses": [{"address": "a@example.org"}]}\n"Jos\xe9"\n'),
    ],
)
def test_a_file_that_is_not_utf8_is_one_line_saying_so(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, data: bytes
) -> None:
    source = tmp_path / name
    source.write_bytes(data)  # as a spreadsheet saved in Latin-1 writes it
    status, out, err = run(capsys, "import", "people", "--from", str(source), *FAST)
    assert status == 2  # was a UnicodeDecodeError traceback
    assert f"{name}: not UTF-8 text" in err.splitlines()[-1]
    assert out == ""


def test_an_import_killed_mid_run_resumes_without_sending_a_confirmed_record_twice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    write_csv(source, [row(i) for i in range(80)])
    checkpoint = source.with_name("people.csv.checkpoint")
    with serve_in_thread(
        Emulator(timing=Timing(latency=0.05), rate_limit=None, api_key=KEY)
    ) as emu:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, emu.base_url)
        controller, terminal = pty.openpty()  # stderr on a terminal: progress shows
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "actionnetwork_async",
                "import",
                "people",
                "--from",
                str(source),
                "--rate-limit",
                "40",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=terminal,
            env={**os.environ},
        )
        os.close(terminal)
        seen = b""
        while max(map(int, re.findall(rb"upserted (\d+)", seen)), default=0) < 20:
            seen += os.read(controller, 4096)  # 20 or more confirmed: the import is under way
        process.send_signal(signal.SIGKILL)  # no clean-up at all
        process.wait(timeout=30)
        os.close(controller)
        confirmed = CheckpointFile(checkpoint).load().confirmed
        confirmed_emails = {f"import-{key.split(':')[0]}@example.org" for key in confirmed}
        assert 20 <= len(confirmed) < 80

        status, _, err = run(capsys, "import", "people", "--from", str(source), "--resume", *FAST)
        assert status == 0, err
        sent = posted_emails(emu)
        assert all(sent[email] == 1 for email in confirmed_emails)
        assert emails(emu) == {f"import-{i}@example.org" for i in range(80)}
        assert f"{len(confirmed)} skipped" in err
        assert not checkpoint.exists()


def test_export_since_file_exports_only_what_changed_and_advances_after_a_complete_export(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    state, output = tmp_path / "people.watermark", tmp_path / "changed.jsonl"
    args = ["export", "people", "--since-file", str(state), "-o", str(output), *FAST]
    assert run(capsys, *args)[0] == 0
    assert len(output.read_text().splitlines()) == 40
    first = state.read_text()

    key = emu.ids("people")[12]
    emu.state.update_person(key, {"given_name": "Changed"})
    emu.add_fault("status", path="people", method="GET", status=404)
    status, _, err = run(capsys, *args)
    assert status == 1
    assert state.read_text() == first  # a failed export leaves the state as it was
    assert len(output.read_text().splitlines()) == 40  # and the last output

    assert run(capsys, *args)[0] == 0
    records: list[dict[str, Any]] = [json.loads(x) for x in output.read_text().splitlines()]
    assert [r["given_name"] for r in records] == ["Changed"]
    assert run(capsys, *args)[0] == 0
    assert output.read_text() == ""  # nothing changed since

    status, _, err = run(capsys, "export", "unique-id-lists", "--since-file", str(state))
    assert status == 2
    assert "people and events" in err
