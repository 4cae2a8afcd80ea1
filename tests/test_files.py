"""Files that hold personal data (failure reports, checkpoints, watermarks, exports): owner-only
whatever mode an existing file had, never written through a symbolic link, never over a file of
another kind or over the command's own input, and no partial file left behind by a killed export.

Writes run against the emulator on loopback, through the blocking client or the command line.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV, CheckpointFile, ConfigurationError
from actionnetwork_async.cli import main
from actionnetwork_async.errors import UnsafeFileError
from actionnetwork_async.sync import ActionNetwork
from actionnetwork_async.testing import Emulator, Seed, serve_in_thread
from actionnetwork_async.watermark import Watermark

KEY = "files-test-key-3c9b1e7a5d20f846"
FAST = ["--rate-limit", "1000"]
NOT_OURS = "my own notes: keep them\n"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serve_in_thread(Emulator(seed=Seed(people=40), rate_limit=None, api_key=KEY)) as running:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, running.base_url)
        yield running


@pytest.fixture
def an(emu: Emulator) -> Iterator[ActionNetwork]:
    with ActionNetwork(KEY, base_url=emu.base_url, rate_limit=None) as client:
        yield client


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args])
    out, err = capsys.readouterr()
    assert KEY not in out + err
    assert "Traceback" not in err
    return status, out, err


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def people(n: int) -> list[dict[str, Any]]:
    """``n`` signups, the last of them refused before any request (no email, no phone)."""
    return [{"email": f"files-{i}@example.org"} for i in range(n - 1)] + [{"given_name": "x"}]


def upsert(an: ActionNetwork, records: list[dict[str, Any]], **files: Path) -> list[Any]:
    with an.people.upsert_many(records, **files) as results:
        return list(results)


def writes(emu: Emulator) -> list[Any]:
    return [r for r in emu.log if r.method != "GET"]


def a_victim(tmp_path: Path) -> tuple[Path, Path]:
    """A file of someone else's, and a symbolic link to it where the library is told to write."""
    victim = tmp_path / "victim.txt"
    victim.write_text(NOT_OURS)
    link = tmp_path / "link"
    link.symlink_to(victim)
    return victim, link


# -- 5. owner-only, no links, never over another file --------------------------------------
def test_an_existing_report_and_checkpoint_become_owner_only(
    an: ActionNetwork, emu: Emulator, tmp_path: Path
) -> None:
    report, checkpoint = tmp_path / "failures.jsonl", tmp_path / "job.checkpoint"
    upsert(an, people(3), report=report, checkpoint=checkpoint)  # files of an earlier run
    report.chmod(0o644)  # world-readable, with emails in it
    checkpoint.chmod(0o644)
    results = upsert(an, people(5), report=report, checkpoint=checkpoint)
    assert len(results) == 5
    assert mode(report) == 0o600
    assert mode(checkpoint) == 0o600
    (line,) = report.read_text().splitlines()  # emptied, then this run's failure
    assert json.loads(line)["index"] == 4


def test_a_report_or_checkpoint_through_a_symbolic_link_is_refused(
    an: ActionNetwork, emu: Emulator, tmp_path: Path
) -> None:
    victim, link = a_victim(tmp_path)
    victim.chmod(0o644)
    for files in ({"report": link}, {"checkpoint": link}):
        with pytest.raises(UnsafeFileError, match="symbolic link"):
            upsert(an, people(3), **files)
        assert victim.read_text() == NOT_OURS  # the link's target is never truncated
        assert mode(victim) == 0o644  # nor its mode changed
    assert link.is_symlink()
    assert not writes(emu)  # refused before any record was sent


def test_a_file_that_is_not_a_report_or_a_checkpoint_is_never_truncated(
    an: ActionNetwork, emu: Emulator, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    for files in ({"report": notes}, {"checkpoint": notes}):
        notes.write_text(NOT_OURS)
        with pytest.raises(ConfigurationError):
            upsert(an, people(3), **files)
        assert notes.read_text() == NOT_OURS
    notes.write_text("a single line, no newline")  # not a torn checkpoint line either
    with pytest.raises(ConfigurationError):
        upsert(an, people(3), checkpoint=notes)
    assert notes.read_text() == "a single line, no newline"
    assert not writes(emu)


def test_a_watermark_is_never_saved_through_a_link_or_over_another_file(tmp_path: Path) -> None:
    victim, link = a_victim(tmp_path)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        Watermark().save(link)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        Watermark.load(link)
    assert link.is_symlink()
    assert victim.read_text() == NOT_OURS
    with pytest.raises(UnsafeFileError, match="is not a watermark"):
        Watermark().save(victim)
    assert victim.read_text() == NOT_OURS
    state = tmp_path / "people.watermark"
    Watermark().save(state)
    state.chmod(0o644)
    Watermark().save(state)  # its own file: replaced, owner-only
    assert mode(state) == 0o600
    assert Watermark.load(state) == Watermark()


def test_an_export_is_never_written_through_a_link_or_over_another_file(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    victim, link = a_victim(tmp_path)
    for target, why in ((link, "is a symbolic link"), (victim, "is not an export in JSONL")):
        status, _, err = run(capsys, "export", "people", "-o", str(target), *FAST)
        assert status == 2
        assert why in one_line(err)
        assert victim.read_text() == NOT_OURS
    assert link.is_symlink()
    csv_export = tmp_path / "people.csv"
    assert run(capsys, "export", "people", "--format", "csv", "-o", str(csv_export))[0] == 0
    csv_export.chmod(0o644)
    status, _, err = run(capsys, "export", "people", "-o", str(csv_export), *FAST)
    assert status == 2  # a CSV export is not replaced by JSONL
    assert "not an export in JSONL" in one_line(err)
    assert run(capsys, "export", "people", "--format", "csv", "-o", str(csv_export))[0] == 0
    assert mode(csv_export) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "people.csv", "victim.txt"]


# -- 6. never over the command's own input -------------------------------------------------
def test_an_output_naming_an_input_is_refused_before_anything_is_written(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "failures.jsonl"
    failure = {"index": 0, "key": "0:", "outcome": "failed", "record": {"email": "a@example.org"}}
    report.write_text(json.dumps(failure) + "\n")
    source = tmp_path / "in.csv"
    source.write_text("email,given_name\nb@example.org,Bo")  # no newline at the end
    (tmp_path / "hard.csv").hardlink_to(source)  # the same file under another name
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    state = tmp_path / "people.watermark"
    Watermark().save(state)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    attempts = [
        ("--report", ["import", "people", "--from", str(report), "--report", str(report)]),
        ("--checkpoint", ["import", "people", "--from", str(source), "--checkpoint", str(source)]),
        ("--checkpoint", ["import", "people", "--from", str(source), "--resume", "--checkpoint",
                          str(tmp_path / "hard.csv")]),
        ("--report", ["import", "people", "--from", str(source), "--report",
                      str(tmp_path / "sub" / ".." / "hard.csv")]),
        ("--checkpoint", ["import", "people", "--from", str(source), "--report", str(report),
                          "--checkpoint", str(report)]),
        ("--report", ["import", "people", "--from", str(source), "--api-key-file", str(key_file),
                      "--report", str(key_file)]),
        ("--output", ["export", "people", "--since-file", str(state), "-o", str(state)]),
        ("--output", ["export", "people", "--api-key-file", str(key_file), "-o", str(key_file)]),
    ]  # fmt: skip
    (tmp_path / "sub").mkdir()
    for option, args in attempts:
        status, out, err = run(capsys, *args, *FAST)
        assert status == 2, args
        assert one_line(err).startswith(f"actionnetwork: error: {option} ")
        assert "choose another file" in err
        assert out == ""
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert emu.log == []


def test_load_checks_the_format_before_it_cuts_a_torn_line(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email,given_name\nb@example.org,Bo")
    with pytest.raises(ConfigurationError, match="is it a checkpoint"):
        CheckpointFile(source).load()
    assert source.read_text() == "email,given_name\nb@example.org,Bo"
    one = tmp_path / "one-line.txt"
    one.write_text("hello")
    with pytest.raises(ConfigurationError, match="is it a checkpoint"):
        CheckpointFile(one).load()
    assert one.read_text() == "hello"
    torn = tmp_path / "torn.checkpoint"
    torn.write_text('{"c": "0:aa"}\n{"s')  # a checkpoint's own torn line is still cut
    assert CheckpointFile(torn).load().confirmed == {"0:aa"}
    assert torn.read_text() == '{"c": "0:aa"}\n'


# -- 7. no partial file left by a killed export --------------------------------------------
def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_the_next_export_removes_the_partials_a_killed_export_left(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "people.jsonl"
    with serve_in_thread(Emulator(seed=Seed(people=2000), rate_limit=None, api_key=KEY)) as emu:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, emu.base_url)
        controller, terminal = pty.openpty()  # stderr on a terminal: the progress display shows
        process = subprocess.Popen(
            [sys.executable, "-m", "actionnetwork_async", "export", "people", "-o", str(target),
             "--rate-limit", "20"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=terminal,
        )  # fmt: skip
        os.close(terminal)
        seen = b""
        while not re.search(rb"pages [1-9][0-9]*,", seen):  # records are in the partial file
            seen += os.read(controller, 4096)
        process.send_signal(signal.SIGKILL)  # no clean-up at all
        process.wait(timeout=30)
        os.close(controller)
        (stale,) = partials(tmp_path)
        assert stale.startswith(".people.jsonl.")
        assert mode(tmp_path / stale) == 0o600
        # a partial of another target, and one a live export holds: neither is touched
        other = tmp_path / ".other.jsonl.abcd1234.partial"
        other.write_text("{}\n")
        live = tmp_path / ".people.jsonl.live0000.partial"
        live.write_text("{}\n")
        with live.open() as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # as the export writing it does
            status, _, err = run(capsys, "export", "people", "-o", str(target), *FAST)
            assert status == 0, err
            assert partials(tmp_path) == sorted([other.name, live.name])
        assert len(target.read_text().splitlines()) == 2000
        status, _, _ = run(capsys, "export", "people", "-o", str(target), *FAST)
        assert status == 0
        assert partials(tmp_path) == [other.name]  # no longer held: stale
