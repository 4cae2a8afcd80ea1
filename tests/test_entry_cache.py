"""The entry point's links shared between the clients of one key (``entry_cache``): one
entry-point request per key and cache, not per process, on the emulator and a real Redis."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import redis as redis_sync

from actionnetwork_async import API_KEY_ENV, BASE_URL_ENV, ActionNetwork, NotFoundError
from actionnetwork_async.cli import main
from actionnetwork_async.client import EntryCache
from actionnetwork_async.errors import AuthenticationError, ConfigurationError
from actionnetwork_async.sync import ActionNetwork as BlockingActionNetwork
from actionnetwork_async.testing import (
    Emulator,
    Quirks,
    RedisServer,
    Seed,
    serve_in_thread,
)

KEY = "entry-cache-key-0c5d9e1f2a3b4c5d6e7f"
ENTRY = "/api/v2/"


def entry_reads(*servers: Emulator) -> int:
    """Entry-point requests the servers saw."""
    return sum(1 for s in servers for r in s.log if r.method == "GET" and r.path == ENTRY)


def client(server: Emulator, cache: object, **kw: object) -> ActionNetwork:
    return ActionNetwork(
        kw.pop("api_key", server.api_key),  # type: ignore[arg-type]
        base_url=str(kw.pop("base_url", server.base_url)),
        rate_limit=None,
        entry_cache=cache,  # type: ignore[arg-type]
    )


async def people_page(an: ActionNetwork) -> int:
    """Reads the first page of people (the entry point's ``osdi:people`` link)."""
    async with an.people.list() as stream:
        async for _ in stream.batches():
            return 1
    return 0


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(seed=Seed(people=30), rate_limit=None, api_key=KEY) as server:
        yield server


def entry_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("entry-*.json"))


def starts_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("starts-*.json"))


# -- sharing ---------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_two_clients_on_one_key_and_directory_read_the_entry_point_once(
    emu: Emulator, tmp_path: Path
) -> None:
    for _ in range(2):
        async with client(emu, tmp_path) as an:
            assert await people_page(an) == 1
    assert entry_reads(emu) == 1
    (file,) = entry_files(tmp_path)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    text = file.read_text()
    assert KEY not in text
    assert KEY not in file.name
    assert set(json.loads(text)) == {"format", "for", "written", "_links"}  # links only


@pytest.mark.asyncio
async def test_without_a_cache_each_client_reads_it_and_keeps_it_for_its_life(
    emu: Emulator,
) -> None:
    for _ in range(2):
        async with client(emu, None) as an:
            await people_page(an)
            await people_page(an.with_options(timeout=5.0))  # shares the first's
    assert entry_reads(emu) == 2


@pytest.mark.asyncio
async def test_ping_reads_the_entry_point_afresh_even_when_cached(
    emu: Emulator, tmp_path: Path
) -> None:
    async with client(emu, tmp_path) as an:
        await people_page(an)
    async with client(emu, tmp_path) as an:
        assert "people" in (await an.ping()).collections
    assert entry_reads(emu) == 2


@pytest.mark.asyncio
async def test_another_key_never_gets_the_links_of_one(emu: Emulator, tmp_path: Path) -> None:
    emu.quirks.lenient_entry_point = True  # a wrong key: 200 and no collection links
    async with client(emu, tmp_path) as an:
        await people_page(an)
    async with client(emu, tmp_path, api_key="another-key") as other:
        with pytest.raises(AuthenticationError):
            await people_page(other)
    async with client(emu, tmp_path, api_key="another-key") as other:
        with pytest.raises(AuthenticationError):  # its empty entry point was not shared
            await people_page(other)
    assert entry_reads(emu) == 3
    assert len(entry_files(tmp_path)) == 1


@pytest.mark.asyncio
async def test_another_base_url_reads_its_own(emu: Emulator, tmp_path: Path) -> None:
    async with Emulator(seed=Seed(people=5), rate_limit=None, api_key=KEY) as second:
        for server in (emu, second, emu, second):
            async with client(server, tmp_path) as an:
                await people_page(an)
        assert entry_reads(emu) == entry_reads(second) == 1
        assert sum(r.path == "/api/v2/people" for r in second.log) == 2  # its own links


@pytest.mark.asyncio
async def test_links_on_another_origin_are_a_miss(emu: Emulator, tmp_path: Path) -> None:
    async with client(emu, tmp_path) as an:
        await people_page(an)
    (file,) = entry_files(tmp_path)
    host = f"127.0.0.1:{emu.port}"
    file.write_text(file.read_text().replace(host, "evil.example:80"))
    async with client(emu, tmp_path) as an:
        assert await people_page(an) == 1
    assert entry_reads(emu) == 2


# -- expiry ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_an_expired_entry_is_read_again(emu: Emulator, tmp_path: Path) -> None:
    now = [1_000_000.0]

    def cache() -> EntryCache:
        return EntryCache(tmp_path, ttl=600, clock=lambda: now[0])

    async with client(emu, cache()) as an:
        await people_page(an)
    now[0] += 599
    async with client(emu, cache()) as an:
        await people_page(an)
    assert entry_reads(emu) == 1
    now[0] += 2  # 601 s after it was written
    async with client(emu, cache()) as an:
        await people_page(an)
    assert entry_reads(emu) == 2
    now[0] -= 3600  # written "in the future" by a clock far ahead: not trusted
    async with client(emu, cache()) as an:
        await people_page(an)
    assert entry_reads(emu) == 3


# -- files that are not ours -----------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_corrupt_entry_is_a_miss_and_is_left_as_it_is(
    emu: Emulator, tmp_path: Path
) -> None:
    async with client(emu, tmp_path) as an:
        await people_page(an)
    (file,) = entry_files(tmp_path)
    for garbage in ('{"format":"actionnetwork-async entry point links 1", "_li', "not ours\n"):
        file.write_text(garbage)
        async with client(emu, tmp_path) as an:
            assert await people_page(an) == 1
    assert file.read_text() == "not ours\n"  # a file of another kind is never overwritten
    assert entry_reads(emu) == 3


@pytest.mark.asyncio
async def test_a_symlinked_entry_is_not_followed_nor_overwritten(
    emu: Emulator, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    async with client(emu, cache) as an:
        await people_page(an)
    (file,) = entry_files(cache)
    target = tmp_path / "elsewhere.json"
    target.write_bytes(file.read_bytes())  # a valid entry, behind a link
    file.unlink()
    file.symlink_to(target)
    before = target.read_bytes()
    async with client(emu, cache) as an:
        assert await people_page(an) == 1
    assert entry_reads(emu) == 2
    assert file.is_symlink()
    assert target.read_bytes() == before


def test_a_cache_that_is_no_location_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        ActionNetwork(KEY, entry_cache=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        EntryCache("x", ttl=0)
    assert KEY not in repr(ActionNetwork(KEY, entry_cache="/tmp/x"))


# -- stale links -----------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_a_stale_link_drops_the_entry_and_reads_the_entry_point_once(
    emu: Emulator, tmp_path: Path
) -> None:
    async with client(emu, tmp_path) as an:
        await people_page(an)
    (file,) = entry_files(tmp_path)
    # the API moved people since the entry was written: its old URL answers 404
    file.write_text(file.read_text().replace("/api/v2/people", "/api/v2/old_people"))
    async with client(emu, tmp_path) as an:
        assert await people_page(an) == 1
        assert entry_reads(emu) == 2
        with pytest.raises(NotFoundError):  # a real 404 stands, and costs no more re-reads
            await an.people.get("no-such-person")
    assert entry_reads(emu) == 2
    statuses = [(r.path, r.status) for r in emu.log if r.path != ENTRY]
    assert ("/api/v2/old_people", 404) in statuses
    assert "old_people" not in file.read_text()  # the fresh links were shared again


@pytest.mark.asyncio
async def test_a_real_404_under_a_cached_link_costs_one_re_read(
    emu: Emulator, tmp_path: Path
) -> None:
    async with client(emu, tmp_path) as an:
        await people_page(an)
    async with client(emu, tmp_path) as an:
        for _ in range(3):
            with pytest.raises(NotFoundError):
                await an.people.get("no-such-person")
    assert entry_reads(emu) == 2
    assert sum(r.status == 404 for r in emu.log) == 3


# -- Redis -----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_clients_share_the_entry_point_through_redis(
    emu: Emulator, shared_redis: RedisServer
) -> None:
    for _ in range(3):
        async with client(emu, shared_redis.url) as an:
            assert await people_page(an) == 1
    assert entry_reads(emu) == 1
    store = redis_sync.Redis.from_url(shared_redis.url, decode_responses=True)
    try:
        names = [n for n in store.scan_iter("actionnetwork-async:entry-point:*")]
        assert names
        assert all(KEY not in n for n in names)
        for name in names:
            assert KEY not in store.get(name)
            assert 0 < store.pttl(name) <= 600_000
        store.delete(*names)  # expired, as far as the next client can tell
    finally:
        store.close()
    async with client(emu, shared_redis.url) as an:
        await people_page(an)
    assert entry_reads(emu) == 2


@pytest.mark.asyncio
async def test_an_unreachable_redis_is_a_miss(emu: Emulator) -> None:
    async with client(emu, "redis://127.0.0.1:1/0") as an:
        assert await people_page(an) == 1
    assert entry_reads(emu) == 1


# -- blocking clients and the command line -----------------------------------------------------
@pytest.fixture
def threaded() -> Iterator[Emulator]:
    with serve_in_thread(
        Emulator(seed=Seed(people=30), rate_limit=None, api_key=KEY, quirks=Quirks())
    ) as server:
        yield server


def test_blocking_clients_share_a_directory(threaded: Emulator, tmp_path: Path) -> None:
    for _ in range(2):
        with BlockingActionNetwork(
            KEY, base_url=threaded.base_url, rate_limit=None, entry_cache=tmp_path
        ) as an:
            assert next(iter(an.people.list())).identifiers
    assert entry_reads(threaded) == 1


def test_command_line_runs_share_the_users_cache(
    threaded: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(API_KEY_ENV, KEY)
    monkeypatch.setenv(BASE_URL_ENV, threaded.base_url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    person = threaded.ids("people")[0]
    for _ in range(4):
        assert main(["get", "people", person, "--rate-limit", "1000"]) == 0
    out, err = capsys.readouterr()
    assert KEY not in out + err
    assert entry_reads(threaded) == 1
    (file,) = entry_files(tmp_path / "actionnetwork-async")
    assert KEY not in file.read_text()
    assert os.stat(tmp_path / "actionnetwork-async").st_mode & 0o077 == 0


def test_command_line_runs_share_through_redis_url(
    threaded: Emulator,
    shared_redis: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(API_KEY_ENV, KEY)
    monkeypatch.setenv(BASE_URL_ENV, threaded.base_url)
    person = threaded.ids("people")[0]
    for _ in range(3):
        assert main(["get", "people", person, "--redis-url", shared_redis.url]) == 0
    capsys.readouterr()
    assert entry_reads(threaded) == 1
    assert not (tmp_path / "actionnetwork-async").exists()


USER_PROGRAM = """
import os
from pathlib import Path

from actionnetwork_async import ActionNetwork
from actionnetwork_async.limits import EntryCache
from actionnetwork_async.sync import ActionNetwork as Blocking

home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
clients = [
    ActionNetwork(entry_cache=Path(home) / "my-job"),
    ActionNetwork(entry_cache="redis://localhost:6379/0"),
    ActionNetwork(entry_cache=EntryCache(home, ttl=120)),
    ActionNetwork(entry_cache=None),
]
blocking = Blocking(entry_cache=Path(home))
"""


@pytest.mark.slow  # mypy --strict in a subprocess
def test_the_natural_ways_to_pass_a_cache_type_check(tmp_path: Path) -> None:
    source = tmp_path / "user_program.py"
    source.write_text(USER_PROGRAM)
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(source)],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# -- the limiter's last second, carried from one client of a key to the next ------------------
@pytest.mark.asyncio
async def test_clients_one_after_another_keep_the_limit_as_the_server_counts_it(
    tmp_path: Path,
) -> None:
    """A client leaves its recent starts beside the entry cache when it closes, and the next
    client of the key counts them first: two runs back to back (a shell loop of commands)
    never send a fifth request within a second of the server's window, which a fresh limiter,
    knowing nothing of the run before, does at once (its first 4 requests go together)."""
    # No arrival jitter: the server and both clients share this loop, and what is tested is
    # the order of two runs, not the margin (benchmarks/startup.py --export has the jitter).
    options = {"seed": Seed(people=30), "rate_limit": 4.0, "api_key": KEY}
    async with Emulator(**options) as server:  # type: ignore[arg-type]
        for _ in range(2):
            async with ActionNetwork(KEY, base_url=server.base_url, entry_cache=tmp_path) as an:
                assert await people_page(an) == 1
                for _ in range(3):
                    await an.hal.get("people", params={"per_page": 1})
        await server.idle()
        assert entry_reads(server) == 1  # the second client took the cache's links
        assert len(server.log) == 1 + 8
        assert server.count(status=429) == 0
        assert server.max_in_window(1.0) <= 4
        (record,) = starts_files(tmp_path)
        assert stat.S_IMODE(record.stat().st_mode) == 0o600  # owner-only, like the entry
        assert KEY not in record.read_text()

    # The same two runs without the cache's record: the second run's first requests collide
    # with the first's last ones in the server's window.
    async with Emulator(**options) as server:  # type: ignore[arg-type]
        for _ in range(2):
            async with ActionNetwork(KEY, base_url=server.base_url) as an:
                assert await people_page(an) == 1
                for _ in range(3):
                    await an.hal.get("people", params={"per_page": 1})
        await server.idle()
        assert server.count(status=429) >= 1


@pytest.mark.asyncio
async def test_a_record_of_starts_that_is_not_ours_is_no_record(tmp_path: Path) -> None:
    """A corrupt or foreign record of starts is ignored and left as it is: the client starts
    as a fresh one would, and writes nothing over a file it did not make."""
    cache = EntryCache(tmp_path)
    digest = "0" * 32
    path = tmp_path / f"starts-{digest}.json"
    path.write_text("not ours\n")
    assert await cache.load_starts(digest) == []
    await cache.save_starts(digest, [0.1, 0.2])
    assert path.read_text() == "not ours\n"
    path.unlink()
    await cache.save_starts(digest, [0.5, 0.2])
    assert [round(a, 1) for a in await cache.load_starts(digest)] == [0.5, 0.2]
    assert await cache.load_starts("1" * 32) == []  # another key's digest: nothing
