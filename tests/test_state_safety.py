"""Issue 20's state guarantees: one run per checkpoint, watermarks on a bounded clock, forks of
the blocking client, filters joined safely, models as data, keys without every collection,
single pages, and the CLI's one-line failures."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from actionnetwork_async import (
    API_KEY_ENV,
    BASE_URL_ENV,
    ActionNetwork,
    AuthenticationError,
    CheckpointFile,
    CollectionUnavailableError,
    ConfigurationError,
    Watermark,
)
from actionnetwork_async.cli import main
from actionnetwork_async.errors import CheckpointLockedError, ClockSkewError
from actionnetwork_async.models import Person
from actionnetwork_async.sync import ActionNetwork as SyncActionNetwork
from actionnetwork_async.testing import Emulator, Quirks, Seed, serve_in_thread
from actionnetwork_async.watermark import DEFAULT_CLOCK_TOLERANCE

KEY = "state-safety-key-3f9a61c0d2e7b845"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serve_in_thread(Emulator(seed=Seed(people=5), rate_limit=None, api_key=KEY)) as running:
        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(BASE_URL_ENV, running.base_url)
        yield running


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args, "--rate-limit", "1000"] if args[0] != "--help" else list(args))
    out, err = capsys.readouterr()
    assert KEY not in out + err
    assert "Traceback" not in err
    return status, out, err


def posts(emu: Emulator) -> int:
    return sum(1 for r in emu.log if r.method == "POST")


# -- item 3: one run per checkpoint -----------------------------------------------------------
HOLDER = """
import sys
from actionnetwork_async import CheckpointFile
store = CheckpointFile(sys.argv[1])
store.load()
print("held", flush=True)
sys.stdin.read()
store.close()
"""


def test_a_checkpoint_is_held_for_the_run_and_a_second_store_is_refused_at_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "job.checkpoint"
    first = CheckpointFile(path)
    first.load()
    first.confirmed("0:aa")
    with pytest.raises(CheckpointLockedError) as caught:
        CheckpointFile(path).load()
    assert caught.value.path == str(path)
    first.close()
    assert CheckpointFile(path).load().confirmed == {"0:aa"}  # free once the run is over


def test_an_import_on_a_checkpoint_another_process_holds_exits_2_and_sends_nothing(
    emu: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\nlock-1@example.org\nlock-2@example.org\n", encoding="utf-8")
    checkpoint = tmp_path / "people.csv.checkpoint"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(checkpoint)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        status, _, err = run_cli(capsys, "import", "people", "--from", str(source), "--resume")
        assert status == 2
        assert len(err.strip().splitlines()) == 1
        assert "in use by another run" in err
        assert str(checkpoint) in err
        assert posts(emu) == 0
    finally:
        holder.communicate("", timeout=30)
    status, _, err = run_cli(capsys, "import", "people", "--from", str(source), "--resume")
    assert status == 0, err
    assert posts(emu) == 2


# -- item 2: a watermark on a bounded clock ---------------------------------------------------
async def pull_all(emu: Emulator, watermark: Watermark) -> list[str | None]:
    async with ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an:
        return [person.id async for person in an.people.changes(since=watermark)]


@pytest.mark.asyncio
async def test_a_date_a_day_ahead_fails_the_pull_and_leaves_the_watermark_as_it_was() -> None:
    before = datetime(2026, 1, 1, tzinfo=timezone.utc)
    watermark = Watermark(since=before)
    async with Emulator(
        seed=Seed(people=3), quirks=Quirks(date_skew=86400), rate_limit=None
    ) as emu:
        with pytest.raises(ClockSkewError, match="ahead of the local clock"):
            await pull_all(emu, watermark)
    assert watermark.since == before
    assert watermark.clock is None
    assert watermark.to_json()["clock"] is None


@pytest.mark.asyncio
async def test_a_date_within_the_tolerance_is_used_and_the_saved_watermark_names_its_clock(
    tmp_path: Path,
) -> None:
    watermark = Watermark()
    async with Emulator(seed=Seed(people=3), quirks=Quirks(date_skew=60), rate_limit=None) as emu:
        assert len(await pull_all(emu, watermark)) == 3
    assert watermark.since is not None
    assert watermark.since <= datetime.now(timezone.utc) + DEFAULT_CLOCK_TOLERANCE
    watermark.save(tmp_path / "people.watermark")
    assert Watermark.load(tmp_path / "people.watermark").clock == "server"


# -- item 15: a fork of a process using the blocking client -----------------------------------
FORK = """
import os, sys
from actionnetwork_async import ClientStateError
from actionnetwork_async.sync import ActionNetwork

an = ActionNetwork("fork-key-0123456789abcdef", base_url="http://127.0.0.1:9")
pid = os.fork()
if pid == 0:
    try:
        an.run(lambda aio: aio.hal.entry_point())
    except ClientStateError as error:
        print("child:", type(error).__name__, error, flush=True)
    sys.exit(0)  # a normal exit: the client's finaliser runs, as it would at the end of a script
_, status = os.waitpid(pid, 0)
print("child exit:", os.waitstatus_to_exitcode(status), flush=True)
an.close()
"""


def test_a_forked_child_refuses_the_parents_blocking_client_and_exits_without_hanging() -> None:
    process = subprocess.Popen(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", FORK],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)  # the child hangs with its parent waiting: end both
        process.communicate()
        pytest.fail("the forked child hung at exit")
    assert process.returncode == 0, err
    assert "child: ClientStateError" in out
    assert "before this process was forked" in out
    assert "child exit: 0" in out
    assert "Traceback" not in err


# -- item 10: a user's filter joined with --modified-since ------------------------------------
def test_an_or_split_by_tabs_and_newlines_stays_inside_modified_since(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [p["given_name"] for p in emu.state["people"].values()[:2]]
    odata = f"given_name eq '{names[0]}'\tor\ngiven_name eq '{names[1]}'"
    status, out, err = run_cli(
        capsys, "export", "people", "--filter", odata, "--modified-since", "2999-01-01"
    )
    assert status == 0, err
    assert out == ""  # nobody changed after 2999: the 'or' did not escape the date
    query = [r for r in emu.log if r.path.endswith("/people")][-1].query
    sent = parse_qs(query)["filter"][0]
    assert sent == (
        f"modified_date gt '2999-01-01T00:00:00Z' and (given_name eq '{names[0]}' or "
        f"given_name eq '{names[1]}')"
    )


@pytest.mark.parametrize(
    "odata", ["email_address eq", "given_name eq 'unclosed", "not given_name eq 'x'"]
)
def test_a_filter_the_builder_cannot_read_is_refused_before_any_request(
    emu: Emulator, capsys: pytest.CaptureFixture[str], odata: str
) -> None:
    status, _, err = run_cli(capsys, "export", "people", "--filter", odata)
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "cannot read the filter" in err
    assert not [r for r in emu.log if r.path.endswith("/people")]


# -- item 26: a model as data -----------------------------------------------------------------
@pytest.mark.asyncio
async def test_to_dict_is_the_read_form_with_id_and_dates_for_a_data_frame() -> None:
    async with (
        Emulator(seed=Seed(people=3), rate_limit=None) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        people = [person async for person in an.people.list()]
    sent = people[0].resource.data if people[0].resource is not None else {}
    row = people[0].to_dict()
    assert row["id"] == people[0].id is not None
    assert row["created_date"] == sent["created_date"]
    assert row["modified_date"] == sent["modified_date"]
    assert row["identifiers"] == sent["identifiers"]
    assert {k for k in sent if not k.startswith("_")} <= row.keys()
    assert "_links" not in row
    row["given_name"] = "changed"
    assert people[0].to_dict()["given_name"] == sent.get("given_name")  # a copy
    assert "id" not in people[0].to_json()
    assert "created_date" not in people[0].to_json()


def test_to_dict_of_a_model_not_read_from_the_api_keeps_its_dates_and_identifiers() -> None:
    person = Person.from_json(
        {
            "identifiers": ["action_network:abc-123", "mine:1"],
            "created_date": "2026-01-02T03:04:05Z",
            "given_name": "Ann",
        }
    )
    row = person.to_dict()
    assert row["id"] == "abc-123"
    assert row["identifiers"] == ["action_network:abc-123", "mine:1"]
    assert row["created_date"] == "2026-01-02T03:04:05Z"
    assert row["given_name"] == "Ann"


def test_the_quickstart_builds_its_data_frame_from_the_read_form() -> None:
    text = (Path(__file__).parent.parent / "docs" / "quickstart" / "sync-job.md").read_text()
    assert "DataFrame([p.to_dict() for p in recent])" in text
    assert "to_json() for p" not in text


# -- item 19: a key without every collection --------------------------------------------------
@pytest.mark.asyncio
async def test_a_key_that_reaches_no_tags_names_the_collection_instead_of_a_wrong_key() -> None:
    async with (
        Emulator(
            seed=Seed(people=2, tags=2), quirks=Quirks(group_key=False), rate_limit=None
        ) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        with pytest.raises(CollectionUnavailableError) as caught:
            [t async for t in an.tags.list()]
        assert not isinstance(caught.value, AuthenticationError)
        assert caught.value.collection == "osdi:tags"
        assert "osdi:people" in caught.value.available
        assert "cannot reach the 'osdi:tags' collection" in str(caught.value)
        assert len([p async for p in an.people.list()]) == 2  # the key itself works


@pytest.mark.asyncio
async def test_a_wrong_key_is_still_an_authentication_error() -> None:
    async with (
        Emulator(quirks=Quirks(lenient_entry_point=True), rate_limit=None) as emu,
        ActionNetwork("wrong-key-0123456789ab", base_url=emu.base_url) as an,
    ):  # 200, no links
        with pytest.raises(AuthenticationError) as caught:
            [t async for t in an.tags.list()]
        assert not isinstance(caught.value, CollectionUnavailableError)
    async with (
        Emulator(rate_limit=None) as emu,
        ActionNetwork("wrong-key-0123456789ab", base_url=emu.base_url) as an,
    ):  # 403
        with pytest.raises(AuthenticationError):
            [t async for t in an.tags.list()]


# -- item 23: one page by the API's page numbers ----------------------------------------------
@pytest.mark.asyncio
async def test_one_page_of_a_collection_by_its_api_page_number() -> None:
    async with (
        Emulator(seed=Seed(people=60), rate_limit=None) as emu,
        ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=None) as an,
    ):
        everyone = [p.id async for p in an.people.list()]
        second = await an.people.page(2)
        third = await an.people.page(3, per_page=25)
        small = await an.people.page(4, per_page=10)
        past = await an.people.page(9)
        for bad in (0, -1, "2"):
            with pytest.raises(ConfigurationError):
                await an.people.page(bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            await an.people.page(1, per_page=26)
    assert [p.id for p in second] == everyone[25:50]
    assert second.has_next
    assert [p.id for p in third] == everyone[50:60]
    assert not third.has_next
    assert [p.id for p in small] == everyone[30:40]
    assert small.has_next
    assert isinstance(third.items[0], Person)
    assert third.number == 3
    assert len(past) == 0
    assert not past.has_next
    assert any(parse_qs(r.query) == {"page": ["3"], "per_page": ["25"]} for r in emu.log)


def test_the_blocking_client_reads_one_page_too(emu: Emulator) -> None:
    with SyncActionNetwork(KEY, base_url=emu.base_url, rate_limit=None) as an:
        page = an.people.page(1, per_page=2)
    assert len(page) == 2
    assert page.has_next
    assert page.per_page == 2


# -- item 11b: a non-UTF-8 argument and a full disk -------------------------------------------
def cli_process(
    emu: Emulator, *args: str, cwd: Path, **options: Any
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, API_KEY_ENV: KEY, BASE_URL_ENV: emu.base_url, "LC_ALL": "C.UTF-8"}
    options.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "actionnetwork_async", *args, "--rate-limit", "1000"],
        env=env,
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        **options,
    )


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    assert KEY not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["export", "people", "--filter", os.fsdecode(b"given_name eq 'Jos\xe9'")],
        ["get", "people", os.fsdecode(b"id\xff")],
        ["export", "people", "--format", "csv", "--custom-fields", os.fsdecode(b"shirt\xff")],
    ],
)
def test_a_non_utf8_argument_is_one_line_naming_it_with_status_1(
    emu: Emulator, tmp_path: Path, args: list[str]
) -> None:
    done = cli_process(emu, *args, cwd=tmp_path)
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert "not UTF-8" in line
    assert ("\\xe9" in line) or ("\\xff" in line)  # the argument, byte for byte
    assert list(tmp_path.iterdir()) == []  # nothing written, no partial left


def test_an_export_to_a_full_disk_is_one_line_naming_the_output(
    emu: Emulator, tmp_path: Path
) -> None:
    with open("/dev/full", "w") as full:  # every write: ENOSPC
        done = cli_process(emu, "export", "people", cwd=tmp_path, stdout=full)
    assert done.returncode == 1
    assert one_error_line(done.stderr) == (
        "actionnetwork: error: No space left on device: standard output"
    )


def _small_files() -> None:  # in the child: a file may not grow past 600 bytes (EFBIG)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (600, 600))


@pytest.mark.parametrize("command", ["export", "import"])
def test_a_file_that_cannot_grow_is_one_line_naming_it(
    emu: Emulator, tmp_path: Path, command: str
) -> None:
    # A full disk's ENOSPC and this EFBIG are the same failure to the CLI: a write that raises
    # an OSError without a file name. Only /dev/full gives ENOSPC without privileges, and
    # files the CLI writes must be regular files, so this limit stands in for a full disk.
    if command == "export":
        args, target = ["export", "people", "-o", "people.jsonl"], "people.jsonl"
    else:
        emu.add_fault("status", path="people", method="POST", status=400, count=100)
        rows = "".join(f"disk-{i}@example.org\n" for i in range(10))
        (tmp_path / "in.csv").write_text(f"email\n{rows}", encoding="utf-8")
        args, target = ["import", "people", "--from", "in.csv", "--report", "r.jsonl"], "r.jsonl"
    done = cli_process(emu, *args, cwd=tmp_path, preexec_fn=_small_files)
    assert done.returncode == 1
    assert one_error_line(done.stderr) == f"actionnetwork: error: File too large: {target}"
