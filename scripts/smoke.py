"""Checks of an installed wheel, run by scripts/smoke.sh in a fresh venv outside the source tree.

``python smoke.py clients``: the async and the blocking client read and write on an emulator.
``python smoke.py bulk``: the installed ``actionnetwork import people`` is killed (SIGKILL)
half-way and resumed; the emulator's log shows every record landed and none that the first run
confirmed was sent again. Then the same with the library's bulk API, cancelled half-way.

Each check raises on failure (a non-zero exit) and prints one line on success.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import actionnetwork_async
from actionnetwork_async import (
    API_KEY_ENV,
    BASE_URL_ENV,
    ActionNetwork,
    CheckpointFile,
    Outcome,
    WriteResult,
    WriteSummary,
)
from actionnetwork_async.sync import ActionNetwork as BlockingActionNetwork
from actionnetwork_async.testing import Emulator, Seed, Timing, serve_in_thread

#: How long a check may wait for a condition before it fails instead of hanging.
DEADLINE = 60.0


def check(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds (``assert`` vanishes under -O)."""
    if not condition:
        raise SystemExit(f"smoke: FAILED: {message}")


def installed() -> None:
    """The package comes from the venv's site-packages, not from a source tree."""
    where = Path(actionnetwork_async.__file__).resolve()
    check(
        where.is_relative_to(Path(sys.prefix).resolve()) and "site-packages" in where.parts,
        f"actionnetwork_async imported from {where}, not from the venv at {sys.prefix}",
    )


def clients() -> None:
    """The blocking client in a thread-served emulator, then the async client on its own loop,
    both at the API's 4 requests/s as the emulator counts them."""
    installed()
    with serve_in_thread(Emulator(seed=Seed(people=60, events=7))) as emu:
        with BlockingActionNetwork(emu.api_key, base_url=emu.base_url) as an:
            people = list(an.people.list())
            events = list(an.events.list())
            first = an.people.get(people[0])
        check(len(people) == 60, f"the blocking client listed {len(people)} people, not 60")
        check(len(events) == 7, f"the blocking client listed {len(events)} events, not 7")
        check(first.id == people[0].id, "the blocking client got another person than asked")
        check(emu.max_in_window(1.0) <= 4, f"{emu.max_in_window(1.0)} requests in one second")
        check(emu.count(status=429) == 0, "the blocking client was answered 429")
    print(f"smoke: blocking client listed {len(people)} people and {len(events)} events")

    async def run() -> tuple[int, int, str | None]:
        async with Emulator(seed=Seed(people=80, events=3)) as emu:
            async with ActionNetwork(emu.api_key, base_url=emu.base_url) as an:
                count = sum([1 async for _ in an.people.list()])
                person = await an.people.signup(email="smoke@example.org", given_name="Smoke")
            check(emu.max_in_window(1.0) <= 4, f"{emu.max_in_window(1.0)} requests in a second")
            check(emu.count(status=429) == 0, "the async client was answered 429")
            return count, len(emu.state["people"].values()), person.id

    count, stored, person_id = asyncio.run(asyncio.wait_for(run(), DEADLINE))
    check(count == 80, f"the async client listed {count} people, not 80")
    check(stored == 81 and person_id is not None, "the async client's signup did not land")
    print(f"smoke: async client listed {count} people and signed one up")


def write_people(path: Path, n: int) -> list[str]:
    """A CSV of ``n`` new people, as ``actionnetwork import people`` reads it; their emails."""
    emails = [f"smoke-{i}@example.org" for i in range(n)]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "given_name", "postal_code"])
        writer.writerows([email, f"Smoke {i}", "20009"] for i, email in enumerate(emails))
    return emails


def posted(emu: Emulator) -> Counter[str]:
    """How many times the emulator received a signup of each email. A request whose body never
    arrived (its sender was killed while sending it) has no body in the log and is not counted:
    the server could not act on it."""
    bodies = [
        record.json()
        for record in emu.log
        if record.method == "POST" and record.path.endswith("/people")
    ]
    return Counter(body["person"]["email_addresses"][0]["address"] for body in bodies if body)


def stored(emu: Emulator, emails: list[str]) -> Counter[str]:
    """How many people the emulator holds with each of ``emails``."""
    wanted = set(emails)
    return Counter(
        address["address"]
        for person in emu.state["people"].values()
        for address in person.get("email_addresses") or ()
        if address["address"] in wanted
    )


def confirmed_emails(checkpoint: Path, emails: list[str]) -> set[str]:
    """The emails of the records a checkpoint confirms (a key starts with the record's index)."""
    keys = CheckpointFile(checkpoint).load().confirmed
    return {emails[int(key.split(":")[0])] for key in keys}


def wait_for_lines(path: Path, lines: int, process: subprocess.Popen[bytes]) -> None:
    """Wait until ``path`` has ``lines`` lines, failing if ``process`` ends or time runs out."""
    deadline = time.monotonic() + DEADLINE
    while not (path.exists() and path.read_bytes().count(b"\n") >= lines):
        check(process.poll() is None, f"the import ended (status {process.returncode}) early")
        check(time.monotonic() < deadline, f"{path.name} never reached {lines} lines")
        time.sleep(0.02)  # a bounded poll of a file another process writes


def bulk_cli(workdir: Path) -> None:
    """``actionnetwork import people`` killed half-way, then ``--resume``d."""
    source, checkpoint = workdir / "people.csv", workdir / "people.checkpoint"
    emails = write_people(source, 200)
    command = Path(sys.executable).with_name("actionnetwork")
    args = [str(command), "import", "people", "--from", str(source)]
    args += ["--checkpoint", str(checkpoint), "-q"]
    # the server takes 50 ms a request and the client sends 40 a second: about 5 s in all
    with serve_in_thread(Emulator(timing=Timing(latency=0.05), rate_limit=None)) as emu:
        env = {**os.environ, API_KEY_ENV: emu.api_key, BASE_URL_ENV: emu.base_url}
        first = subprocess.Popen(
            [*args, "--rate-limit", "40"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_lines(checkpoint, 60, first)
        finally:
            first.send_signal(signal.SIGKILL)  # no clean-up at all
            first.wait(timeout=DEADLINE)
        confirmed = confirmed_emails(checkpoint, emails)
        check(60 <= len(confirmed) < 200, f"{len(confirmed)} confirmed: not half-way")
        before = sum(posted(emu).values())

        second = subprocess.run(
            [*args, "--resume", "--rate-limit", "1000"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
        check(second.returncode == 0, f"the resumed import failed: {second.stderr}")
        check(f"{len(confirmed)} skipped" in second.stderr, f"not skipped: {second.stderr}")
        check(not checkpoint.exists(), "the checkpoint outlived a complete import")
        sent, landed = posted(emu), stored(emu, emails)
    twice = sorted(email for email in confirmed if sent[email] != 1)
    check(not twice, f"confirmed records sent again: {twice}")
    check(set(sent) == set(emails), "some records were never sent")
    check(landed == Counter(emails), "the emulator does not hold each person exactly once")
    print(
        f"smoke: import killed after {len(confirmed)} of 200 confirmed ({before} sent), "
        f"resumed: each person stored once, no confirmed record sent again"
    )


def bulk_api(workdir: Path) -> None:
    """``people.upsert_many`` with a checkpoint, cancelled half-way, then run again."""
    checkpoint = workdir / "api.checkpoint"
    emails = [f"api-{i}@example.org" for i in range(120)]
    records = [{"email": email} for email in emails]

    async def run() -> tuple[set[str], WriteSummary, Counter[str], Counter[str]]:
        async with Emulator(timing=Timing(latency=0.05), rate_limit=None) as emu:
            async with ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=100) as an:
                seen: list[WriteResult] = []
                halfway = asyncio.Event()

                async def job() -> None:
                    async for result in an.people.upsert_many(records, checkpoint=checkpoint):
                        seen.append(result)
                        if len(seen) == 50:
                            halfway.set()

                running = asyncio.create_task(job())
                await halfway.wait()
                running.cancel()  # requests in flight never get their answer
                await asyncio.gather(running, return_exceptions=True)
            confirmed = confirmed_emails(checkpoint, emails)
            async with ActionNetwork(emu.api_key, base_url=emu.base_url, rate_limit=100) as an:
                stream = an.people.upsert_many(records, checkpoint=checkpoint)
                summary = await WriteSummary.collect(stream)
            return confirmed, summary, posted(emu), stored(emu, emails)

    confirmed, summary, sent, landed = asyncio.run(asyncio.wait_for(run(), DEADLINE))
    check(50 <= len(confirmed) < 120, f"{len(confirmed)} confirmed: not half-way")
    skipped = summary.counts[Outcome.SKIPPED]
    check(skipped == len(confirmed), f"{skipped} skipped of {len(confirmed)} confirmed")
    check(summary.landed == 120, f"the resumed run did not land every record: {summary}")
    twice = sorted(email for email in confirmed if sent[email] != 1)
    check(not twice, f"confirmed records sent again: {twice}")
    check(set(sent) == set(emails), "some records were never sent")
    check(landed == Counter(emails), "the emulator does not hold each person exactly once")
    print(
        f"smoke: upsert_many cancelled after {len(confirmed)} of 120 confirmed, resumed: "
        f"each person stored once, no confirmed record sent again"
    )


def main(argv: list[str]) -> int:
    """Run the check named by the first argument, in the current directory."""
    if argv == ["clients"]:
        clients()
    elif argv == ["bulk"]:
        installed()
        bulk_cli(Path.cwd())
        bulk_api(Path.cwd())
    else:
        raise SystemExit("usage: smoke.py clients|bulk")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
