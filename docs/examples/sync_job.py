"""A nightly job with the blocking client: export what changed, import what is new.

1. Every person changed since the last complete run goes to a CSV file, each change once
   across runs (the watermark file remembers where the last run stopped).
2. Every row of a CSV file of signups from your own system is sent to Action Network through
   the person signup helper (created, or matched by email and updated), 8 requests in flight
   under the 4 requests/s limit, with a report of the rows that failed and a checkpoint, so a
   rerun after a crash skips what was confirmed.

No ``async`` anywhere: the same code runs from cron, a script or a notebook cell.

    export ACTION_NETWORK_API_KEY=...
    python docs/examples/sync_job.py people.watermark changed.csv signups.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from actionnetwork_async import Watermark, WriteSummary
from actionnetwork_async.sync import ActionNetwork

COLUMNS = ["id", "email", "given_name", "family_name", "modified_date"]


def export_changes(an: ActionNetwork, watermark_file: Path, output: Path) -> int:
    """Write the people changed since the last complete export; return how many."""
    watermark = Watermark.load(watermark_file)  # no file yet: everyone
    count = 0
    with output.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for person in an.people.changes(since=watermark):  # streamed, a page at a time
            modified = person.modified_date.isoformat() if person.modified_date else ""
            writer.writerow(
                [person.id, person.email, person.given_name, person.family_name, modified]
            )
            count += 1
    watermark.save(watermark_file)  # only once every change is written
    return count


def import_signups(an: ActionNetwork, signups: Path) -> WriteSummary:
    """Sign up every row of ``signups`` (columns ``email`` and ``given_name``)."""
    checkpoint = signups.with_suffix(".checkpoint")
    with signups.open(newline="") as file:
        rows = ({"email": r["email"], "given_name": r["given_name"]} for r in csv.DictReader(file))
        results = an.people.upsert_many(
            rows,  # read lazily: a file of any size
            add_tags=["nightly import"],
            report=signups.with_suffix(".failures.jsonl"),  # failed rows, to fix and resend
            checkpoint=checkpoint,  # a rerun after a crash skips the rows confirmed
        )
        summary = WriteSummary.of(results)
    if summary.landed == summary.total:
        checkpoint.unlink()  # all done: tomorrow's file starts afresh
    return summary


def main(watermark_file: str, output: str, signups: str) -> int:
    """Run both steps; the exit status says whether every signup landed."""
    with ActionNetwork() as an:  # the key from ACTION_NETWORK_API_KEY
        changed = export_changes(an, Path(watermark_file), Path(output))
        print(f"{changed} people changed since the last run -> {output}")
        summary = import_signups(an, Path(signups))
        print(summary)  # 3 records: 2 upserted, 1 failed
    return 0 if summary.landed == summary.total else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
