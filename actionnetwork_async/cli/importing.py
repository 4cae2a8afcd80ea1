"""``actionnetwork import people``: people from a CSV or JSONL file, upserted at the rate limit.

- **CSV** takes the columns ``export --format csv`` writes: ``given_name``, ``family_name``,
  ``email``, ``email_status``, ``phone``, ``phone_status``, ``address_lines`` (one line per
  line), ``locality``, ``region``, ``postal_code``, ``country``, ``languages_spoken`` and
  ``identifiers`` (space-separated), ``custom_fields.<name>``, ``custom_fields_other`` (a JSON
  object); ``id``, ``created_date``, ``modified_date`` and ``phone_type`` are read-only and
  ignored. Empty cells are not sent. Any other column is refused before anything is sent.
- **JSONL**: one object per line, either a person as the API shows it (``export``'s JSONL), or
  a signup (``{"person": {...}, "add_tags": [...]}``), or a line of a failure report (its
  ``record`` is imported: fix the report's records and import it).

Statuses are sent as the models send them: only ``subscribed`` and ``unsubscribed`` can be set;
the read-only ones an export holds (``bouncing`` ...) are left out. Files are UTF-8 (a BOM is
allowed); a line that cannot be read (not UTF-8, not JSON, a CSV field over the csv module's
size limit) stops the import with a ``ConfigurationError`` naming it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from ..bulk import Outcome, WriteSummary
from ..errors import ConfigurationError
from ..sync import ActionNetwork
from .export import Interrupted, progress_bar, unguard_formula

__all__ = ["CSV_COLUMNS", "import_people", "read_checked", "read_people"]

#: The CSV columns an import sends, and those it ignores (read-only, as an export writes them).
CSV_COLUMNS = frozenset(
    {
        "given_name",
        "family_name",
        "email",
        "email_status",
        "phone",
        "phone_status",
        "address_lines",
        "locality",
        "region",
        "postal_code",
        "country",
        "languages_spoken",
        "identifiers",
        "custom_fields_other",
    }
)
#: Columns an export writes that no write can set: read and left out.
IGNORED_COLUMNS = frozenset({"id", "created_date", "modified_date", "phone_type"})
CUSTOM_PREFIX = "custom_fields."
_FIX_AND_RESUME = "Fix it and run again with --resume (the records before it are in the checkpoint)"


def file_format(path: Path, fmt: str | None) -> str:
    """``csv`` or ``jsonl``: as given, else from the file's extension."""
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise click.UsageError(f"cannot tell the format of {path.name}: pass --format csv or jsonl")


def read_people(path: Path, fmt: str) -> Iterator[Mapping[str, Any]]:
    """The records of ``upsert_many``, read lazily from the file. A CSV header is checked at
    once, before anything is sent."""
    if fmt == "jsonl":
        return _read_jsonl(path)
    source = path.open(newline="", encoding="utf-8-sig")
    rows = csv.DictReader(source)
    try:
        header = rows.fieldnames or []
    except (csv.Error, UnicodeDecodeError) as exc:
        source.close()
        raise _unreadable(path.name, 1, exc, _FIX_AND_RESUME) from None
    unknown = [
        name
        for name in header
        if name not in CSV_COLUMNS | IGNORED_COLUMNS and not name.startswith(CUSTOM_PREFIX)
    ]
    problem = None
    if unknown:
        problem = (
            f"unknown column(s) {', '.join(unknown)}; the columns are "
            f"{', '.join(sorted(CSV_COLUMNS))} and custom_fields.<name>"
        )
    elif "email" not in header and "phone" not in header:
        problem = "an email or a phone column is needed"
    if problem is not None:
        source.close()
        raise ConfigurationError(f"{path.name}: {problem}")
    return _rows(path, source, rows)


def _rows(path: Path, source: IO[str], rows: csv.DictReader[str]) -> Iterator[Mapping[str, Any]]:
    with source:
        for row in read_checked(path.name, rows, lambda _: rows.line_num + 1, _FIX_AND_RESUME):
            yield _signup_of(row)


T = TypeVar("T")


def read_checked(
    name: str, items: Iterator[T], line: Callable[[int], int], advice: str = ""
) -> Iterator[T]:
    """``items`` as read from the file ``name``; what cannot be read (bytes that are not
    UTF-8, a CSV field over the csv module's size limit) is a ``ConfigurationError`` naming
    the place, ``line(n)`` (the line the item after the ``n`` read starts on), then
    ``advice``."""
    read = 0
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _unreadable(name, line(read), exc, advice) from None
        read += 1
        yield item


def _unreadable(
    name: str, line: int, exc: csv.Error | UnicodeDecodeError, advice: str = ""
) -> ConfigurationError:
    if isinstance(exc, UnicodeDecodeError):  # decoded a chunk at a time: the byte is at or after
        problem = f"{name}: not UTF-8 text at or after line {line} ({exc.reason}); save it as UTF-8"
    else:
        problem = f"{name} line {line}: {exc}"
    return ConfigurationError(f"{problem}. {advice}" if advice else problem)


def _signup_of(row: Mapping[str, str | None]) -> Mapping[str, Any]:
    """A CSV row as a signup: the person's JSON. ``custom_fields_other`` that is not a JSON
    object is passed on as it is, so the record fails with its value shown. A cell the export
    guarded against formulas (``'=...``) is read without its ``'``."""
    read = {k: unguard_formula(v).strip() for k, v in row.items() if k and isinstance(v, str)}
    cell = {k: v for k, v in read.items() if v}
    person: dict[str, Any] = {k: cell[k] for k in ("given_name", "family_name") if k in cell}
    for field, name, column in (
        ("email_addresses", "address", "email"),
        ("phone_numbers", "number", "phone"),
    ):
        entry = {name: cell[column]} if column in cell else {}
        if f"{column}_status" in cell:
            entry["status"] = cell[f"{column}_status"]
        if entry:
            person[field] = [{**entry, "primary": True}]
    address: dict[str, Any] = {
        k: cell[k] for k in ("locality", "region", "postal_code", "country") if k in cell
    }
    if "address_lines" in cell:
        address["address_lines"] = cell["address_lines"].splitlines()
    if address:
        person["postal_addresses"] = [{**address, "primary": True}]
    for key in ("languages_spoken", "identifiers"):
        if key in cell:
            person[key] = cell[key].split()
    custom = {
        k.removeprefix(CUSTOM_PREFIX): v for k, v in cell.items() if k.startswith(CUSTOM_PREFIX)
    }
    signup: dict[str, Any] = {"person": person}
    if "custom_fields_other" in cell:
        try:
            other = json.loads(cell["custom_fields_other"])
        except ValueError:
            other = None
        if isinstance(other, dict):
            custom = {**{str(k): str(v) for k, v in other.items()}, **custom}
        else:
            signup["custom_fields"] = cell["custom_fields_other"]
    if custom:
        person["custom_fields"] = custom
    return signup


def _read_jsonl(path: Path) -> Iterator[Mapping[str, Any]]:
    with path.open(encoding="utf-8-sig") as source:
        lines = read_checked(path.name, source, lambda read: read + 1, _FIX_AND_RESUME)
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                record, problem = None, str(exc)
            else:
                problem = "not a JSON object"
            if isinstance(record, dict) and {"outcome", "record"} <= record.keys():
                record = record["record"]  # a line of a failure report
            if not isinstance(record, dict):
                raise ConfigurationError(f"{path.name} line {number}: {problem}. {_FIX_AND_RESUME}")
            yield record if "person" in record else {"person": record}


def import_people(
    an: ActionNetwork,
    records: Iterator[Mapping[str, Any]],
    *,
    add_tags: Sequence[str],
    concurrency: int,
    checkpoint: Path,
    report: Path,
    quiet: bool,
) -> WriteSummary:
    """Upsert every record with progress on stderr; returns the counts."""
    summary = WriteSummary()
    try:
        with (
            progress_bar("people", quiet, "import") as bar,
            an.people.upsert_many(
                records,
                add_tags=add_tags,
                concurrency=concurrency,
                checkpoint=checkpoint,
                report=report,
            ) as results,
        ):
            for result in results:
                summary.add(result)
                bar.update()
                shown = (f"{o.value} {summary.counts[o]}" for o in Outcome if summary.counts[o])
                bar.set_postfix_str(", ".join(shown), refresh=False)
    except KeyboardInterrupt:
        raise Interrupted(
            f"the records confirmed so far are in {checkpoint}: run again with --resume to go "
            "on from there"
        ) from None
    return summary
