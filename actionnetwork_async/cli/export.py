"""``actionnetwork export``: a collection streamed to JSONL or CSV, with progress, and output that
is either complete or absent.

- **JSONL** writes every field of each record as the API sent it, one object per line.
- **CSV** has fixed columns per collection (the primary email, phone and postal address of a
  person flattened) and one ``custom_fields.<name>`` column per custom field. Custom fields
  are not known before the records arrive, and the collection is never held whole: the
  columns are those named by ``--custom-fields``, or else those seen in the first
  ``CUSTOM_FIELD_SAMPLE`` records (held back until then). A later record's other custom
  fields go, as a JSON object, into the last column, ``custom_fields_other``, and a note on
  stderr names them: nothing is dropped.
- **Tags** (``--with-tags``, people only): every record gets ``tags``, the names of its tags
  (a list in JSONL; one per line in the CSV column). They come from one walk over the tags and
  their taggings before the people are streamed (``an.tags.index()``: about one request per 25
  taggings), not from one or more requests per person.
- **Formulas**: a CSV cell a spreadsheet would evaluate (OWASP's CSV injection rule: it starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, so a name
  signed up as ``=HYPERLINK(...)`` shows as text; a plain number or phone number
  (``+12025550100``, ``-3.5``) is left as it is. ``formula_guard=False`` (``--no-formula-guard``)
  writes every cell verbatim. The import takes the ``'`` off again.
- **Output**: a file is written under a temporary name beside it and renamed into place only
  when the export is complete, so an interrupted or failed export leaves the previous file
  untouched and no partial one (the file is created readable by its owner only: it holds
  personal data). An existing file is replaced only if it is an export of the same format,
  never through a symbolic link; the partial files of the same target that a killed export
  left are removed. On stdout, Ctrl-C never cuts a record in half: the signal is held while a
  record is written, so the output ends with the last complete record.
- **Progress** rates are measured over the last ``RATE_WINDOW`` seconds (requests/s: of the
  whole export, the tags step included; records/s: of the step shown), and only once
  ``RATE_MIN_SPAN`` seconds have passed ("?" until then): never from a burst (the rate limiter
  lets a second's worth of requests start at once, and a page's records are handed on at once).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs
import click
from tqdm import tqdm

from .._files import Owns, atomic_write, first_line
from ..filters import F, Filter, all_of, parse_filter
from ..models import ResourceModel
from ..models.base import action_network_id
from ..resources.base import Collection, Declared, Searchable
from ..resources.catalog import Catalog
from ..sync import ActionNetwork, Stream
from ..watermark import Watermark
from . import cli_name
from ._signals import Interrupted, current, interrupts

__all__ = [
    "CUSTOM_FIELD_SAMPLE",
    "FORMULA_STARTS",
    "KINDS",
    "RATE_MIN_SPAN",
    "RATE_WINDOW",
    "TAGS_COLUMN",
    "Interrupted",
    "Kind",
    "RateWindow",
    "cli_name",
    "export_collection",
    "formula_safe",
    "interrupts",
    "parse_when",
    "progress_bar",
    "record_data",
    "unguard_formula",
]

#: Records held back to learn the custom field columns when ``--custom-fields`` is not given.
CUSTOM_FIELD_SAMPLE = 100
#: The CSV column of a person's tag names (``--with-tags``), one name per line.
TAGS_COLUMN = "tags"
#: First characters that make a spreadsheet evaluate a cell (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A signed number or phone number: a sign, then only digits, spaces, dots, hyphens and
#: parentheses. A spreadsheet reads it as a number at worst (no function, reference or link).
_NUMBER_LIKE = re.compile(r"[+-][0-9 ().-]*[0-9][0-9 ().-]*")
#: Seconds the progress rates are measured over: the last ones of the run.
RATE_WINDOW = 10.0
#: Fewest seconds a progress rate is measured over ("?" until then). Requests start in bursts
#: (the limiter lets a second's worth start at once) and records arrive a page at a time, so a
#: rate over ``s`` seconds can be off by one burst over ``s``: at least a third, here, and a
#: tenth once the window is full.
RATE_MIN_SPAN = 3.0

Data = Mapping[str, Any]
Column = tuple[str, Callable[[Data], Any]]


# -- columns ----------------------------------------------------------------------------------
def _id(data: Data) -> str | None:
    return action_network_id(data.get("identifiers") or ())


def _primary(key: str) -> Callable[[Data], Data]:
    """The primary element of a list of objects (or the first one), or an empty one."""

    def pick(data: Data) -> Data:
        items = [x for x in data.get(key) or () if isinstance(x, Mapping)]
        return next((x for x in items if x.get("primary")), items[0] if items else {})

    return pick


def _field(name: str, of: Callable[[Data], Data] = lambda d: d) -> Column:
    return name, lambda data: of(data).get(name)


def _joined(name: str, separator: str, of: Callable[[Data], Data] = lambda d: d) -> Column:
    return name, lambda data: separator.join(str(x) for x in of(data).get(name) or ())


_email, _phone, _address = (
    _primary("email_addresses"),
    _primary("phone_numbers"),
    _primary("postal_addresses"),
)


def _location(data: Data) -> Data:
    location = data.get("location")
    return location if isinstance(location, Mapping) else {}


_DATES_AND_IDS: tuple[Column, ...] = (
    _field("created_date"),
    _field("modified_date"),
    _joined("identifiers", " "),
)
PEOPLE: tuple[Column, ...] = (
    ("id", _id),
    _field("given_name"),
    _field("family_name"),
    ("email", lambda d: _email(d).get("address")),
    ("email_status", lambda d: _email(d).get("status")),
    ("phone", lambda d: _phone(d).get("number")),
    ("phone_type", lambda d: _phone(d).get("number_type")),
    ("phone_status", lambda d: _phone(d).get("status")),
    _joined("address_lines", "\n", _address),
    _field("locality", _address),
    _field("region", _address),
    _field("postal_code", _address),
    _field("country", _address),
    _joined("languages_spoken", " "),
    *_DATES_AND_IDS,
)
EVENTS: tuple[Column, ...] = (
    ("id", _id),
    _field("title"),
    _field("name"),
    _field("status"),
    _field("start_date"),
    _field("end_date"),
    _field("venue", _location),
    _joined("address_lines", "\n", _location),
    _field("locality", _location),
    _field("region", _location),
    _field("postal_code", _location),
    _field("country", _location),
    _field("capacity"),
    _field("total_accepted"),
    _field("visibility"),
    _field("browser_url"),
    _field("origin_system"),
    *_DATES_AND_IDS,
)
LISTS: tuple[Column, ...] = (
    ("id", _id),
    _field("name"),
    _field("count"),
    _field("origin_system"),
    *_DATES_AND_IDS,
)


Listing = Callable[[ActionNetwork, Filter | None], Stream[Any]]
Changes = Callable[[ActionNetwork, Watermark], Stream[Any]]


@attrs.frozen
class Kind:
    """An exportable collection: the entry point's rel, its CSV columns, its records as its
    facade lists them (given the filter only where the API filters the collection:
    ``filterable``), whether its records have custom fields and tags (people), and its
    incremental pull when it has one (``--since-file``)."""

    rel: str
    columns: tuple[Column, ...]
    records: Listing
    filterable: bool = True
    custom_fields: bool = False
    taggable: bool = False
    changes: Changes | None = None


#: The exports with columns chosen for a spreadsheet.
CURATED = {
    "people": Kind(
        "osdi:people",
        PEOPLE,
        lambda an, f: an.people.list(f),
        custom_fields=True,
        taggable=True,
        changes=lambda an, w: an.people.changes(since=w),
    ),
    "events": Kind(
        "osdi:events",
        EVENTS,
        lambda an, f: an.events.list(f),
        changes=lambda an, w: an.events.changes(since=w),
    ),
    "unique-id-lists": Kind(
        "action_network:unique_id_lists",
        LISTS,
        lambda an, _: an.unique_id_lists.list(),
        filterable=False,
    ),
}


def _declared_kind(name: str, declared: Declared[Any]) -> Kind:
    """The export of a collection the catalog declares: the model's own plain fields as
    columns (lists and objects are left to ``--format jsonl``), filtered where the API
    filters it."""
    names = [
        f.name
        for f in attrs.fields(declared.model)
        if f.name not in ("extra", "resource", "identifiers", "created_date", "modified_date")
        and any(t in str(f.type) for t in ("str", "int", "float", "bool", "datetime"))
        and not str(f.type).startswith(("list", "dict"))
    ]
    filterable = isinstance(declared.kind, type) and issubclass(declared.kind, Searchable)
    return Kind(
        declared.rel,
        (("id", _id), *(_field(n) for n in names), *_DATES_AND_IDS),
        lambda an, f: getattr(an, name).list(f) if filterable else getattr(an, name).list(),
        filterable=filterable,
    )


#: Every collection the catalog declares can be exported; the curated ones keep their columns.
KINDS = {
    **{
        cli_name(name): _declared_kind(name, declared)
        for name, declared in Catalog.declared().items()
        if isinstance(declared.kind, type) and issubclass(declared.kind, Collection)
    },
    **CURATED,
}


def formula_safe(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet evaluates: a leading ``'`` when it starts with one of
    ``FORMULA_STARTS`` (``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``), unless it is a plain
    number or phone number (``+12025550100``, ``+1 (202) 555-0100``, ``-3.5``)."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER_LIKE.fullmatch(text):
        return "'" + text
    return text


def unguard_formula(text: str) -> str:
    """The cell ``formula_safe`` was given: its ``'`` taken off again (an import of an export)."""
    rest = text[1:]
    return rest if text.startswith("'") and formula_safe(rest) == text else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- writers ----------------------------------------------------------------------------------
class JsonLines:
    """One JSON object per record, every field kept."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, data: Data) -> None:
        """Write one record as one line."""
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")

    def finish(self) -> list[str]:
        """Nothing is held back and nothing to note: no notes."""
        return []


class CsvRows:
    """Fixed columns, then one column per custom field, then ``custom_fields_other``; with
    ``formula_guard`` (the default) each cell through ``formula_safe``."""

    def __init__(
        self,
        out: TextIO,
        kind: Kind,
        custom_fields: Sequence[str] | None,
        *,
        formula_guard: bool = True,
    ) -> None:
        self.writer = csv.writer(out)
        self.kind = kind
        self.formula_guard = formula_guard
        self.custom: list[str] | None = list(custom_fields) if custom_fields is not None else None
        self.held: list[Data] = []
        self.other_records = 0
        self.other_names: set[str] = set()
        if self.custom is not None or not kind.custom_fields:
            self._header()

    def _header(self) -> None:
        if self.custom is None:
            seen = {k for d in self.held for k in _custom(d)}
            self.custom = sorted(seen)
        names = [name for name, _ in self.kind.columns]
        if self.kind.custom_fields:
            names += [f"custom_fields.{n}" for n in self.custom] + ["custom_fields_other"]
        self.writer.writerow(names)
        held, self.held = self.held, []
        for data in held:
            self._row(data)

    def write(self, data: Data) -> None:
        """Write one record as a row, or hold it while the custom field columns are learnt."""
        if self.custom is None:
            self.held.append(data)
            if len(self.held) >= CUSTOM_FIELD_SAMPLE:
                self._header()
        else:
            self._row(data)

    def _row(self, data: Data) -> None:
        row = [_cell(value(data)) for _, value in self.kind.columns]
        if self.kind.custom_fields:
            fields = _custom(data)
            known = self.custom or []
            other = {k: v for k, v in fields.items() if k not in known}
            if other:
                self.other_records += 1
                self.other_names.update(other)
            row += [_cell(fields.get(n)) for n in known] + [_cell(other) if other else ""]
        self.writer.writerow([formula_safe(c) for c in row] if self.formula_guard else row)

    def finish(self) -> list[str]:
        """Write what is still held; the notes for stderr (custom fields kept as JSON)."""
        if self.custom is None:
            self._header()
        if not self.other_records:
            return []
        return [
            f"{self.other_records} records had custom fields without a column, kept as JSON in "
            f"custom_fields_other: {', '.join(sorted(self.other_names))} (name the columns "
            "with --custom-fields)"
        ]


def _custom(data: Data) -> dict[str, Any]:
    fields = data.get("custom_fields")
    return dict(fields) if isinstance(fields, Mapping) else {}


# -- output -----------------------------------------------------------------------------------
def _is_export(fmt: str) -> Owns:
    """Whether a file's first bytes are an export's in ``fmt``: a CSV header starting with
    ``id`` (every kind's first column), or a JSON object on the first line."""

    def owns(head: bytes) -> bool:
        line, _ = first_line(head)
        if fmt == "csv":
            return line.split(b",", 1)[0] == b"id"
        try:
            return isinstance(json.loads(line), dict)
        except ValueError:
            return False

    return owns


@contextlib.contextmanager
def open_output(path: Path | None, *, newline: str | None, fmt: str) -> Iterator[TextIO]:
    """stdout (UTF-8), or a temporary file renamed to ``path`` only if the block completes (an
    existing ``path`` must be an export in ``fmt``: ``UnsafeFileError`` otherwise)."""
    if path is None:
        stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline=newline)
        try:
            yield stdout
        finally:
            with current().atomic(), contextlib.suppress(BrokenPipeError):
                stdout.flush()
            stdout.detach()
        return
    with atomic_write(
        path, newline=newline, owns=_is_export(fmt), what=f"an export in {fmt.upper()}"
    ) as out:
        yield out


# -- progress ---------------------------------------------------------------------------------
class RateWindow:
    """Events per second over the last ``window`` seconds, from a running total sampled as the
    run goes (``add``): only what happened since the first sample counts. None until the
    samples span ``min_span`` seconds: over less, a burst would show as the rate."""

    def __init__(self, window: float = RATE_WINDOW, min_span: float = RATE_MIN_SPAN) -> None:
        self.window = window
        self.min_span = min_span
        self._samples: deque[tuple[float, float]] = deque()

    def add(self, total: float, now: float) -> None:
        """Record the running ``total`` at time ``now`` (seconds, any monotonic clock)."""
        self._samples.append((now, total))
        while len(self._samples) > 1 and self._samples[1][0] <= now - self.window:
            self._samples.popleft()  # the oldest kept is the last one at the window's start

    def rate(self) -> float | None:
        """Events per second between the oldest sample kept and the newest."""
        if len(self._samples) < 2:
            return None
        (start, first), (end, last) = self._samples[0], self._samples[-1]
        return (last - first) / (end - start) if end - start >= self.min_span else None


if TYPE_CHECKING:
    _Tqdm = tqdm[Any]
else:
    _Tqdm = tqdm


class _WindowedBar(_Tqdm):
    """tqdm showing the rate of its last ``RATE_WINDOW`` seconds, not its smoothed one."""

    _rates: RateWindow | None = None

    @property
    def format_dict(self) -> MutableMapping[str, Any]:
        """tqdm's values, the rate from a ``RateWindow`` (0 shows as "?")."""
        values = super().format_dict
        if hasattr(self, "start_t"):  # shown (a bar off from the start has none), closed or not
            if self._rates is None:
                self._rates = RateWindow()
            self._rates.add(self.n, time.monotonic())
            values["rate"] = self._rates.rate() or 0.0
        return values


@contextlib.contextmanager
def progress_bar(unit: str, quiet: bool, description: str | None = None) -> Iterator[tqdm[Any]]:
    """A progress display on stderr, shown only when stderr is a terminal; its rate is that of
    the last ``RATE_WINDOW`` seconds."""
    columns, rows = _terminal_size()
    bar: tqdm[Any] = _WindowedBar(
        desc=description,
        unit=f" {unit}",
        file=sys.stderr,
        disable=True if quiet else None,  # None: off when stderr is not a terminal
        ncols=columns,
        nrows=rows,
    )
    try:
        yield bar
    finally:
        bar.close()


def _terminal_size() -> tuple[int, int]:
    """stderr's terminal size; 100 x 24 when it reports none (a pseudo-terminal without a
    size), where tqdm would otherwise hide the display."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError):
        return 100, 24
    return size.columns or 100, size.lines or 24


def _show(bar: tqdm[Any], an: ActionNetwork, stream: Stream[Any], requests: RateWindow) -> None:
    stats = an.stats
    requests.add(stats.attempts, time.monotonic())
    rate = requests.rate()
    shown = "?" if rate is None else f"{rate:.2f}"
    bar.set_postfix_str(
        f"pages {stream.pages}, {shown} requests/s, retries {stats.retries}", refresh=False
    )


# -- the export -------------------------------------------------------------------------------
def record_data(record: ResourceModel) -> Data:
    """Every field the API sent for a record: the data of the resource its model was read
    from (a model not read from the API: its JSON)."""
    return record.resource.data if record.resource is not None else record.to_json()


def parse_when(text: str) -> datetime:
    """A date or date-time (``2026-01-31``, ``2026-01-31T12:00:00Z``); no zone means UTC."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not a date or date-time: {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def export_collection(
    an: ActionNetwork,
    kind: Kind,
    *,
    odata: str | None,
    modified_since: datetime | None,
    fmt: str,
    output: Path | None,
    custom_fields: Sequence[str] | None,
    quiet: bool,
    with_tags: bool = False,
    since: Watermark | None = None,
    formula_guard: bool = True,
) -> list[str]:
    """Stream ``kind`` (through its facade) into ``output`` (stdout if None); returns notes for
    stderr. With ``with_tags`` (a taggable kind) each record gets its tag names under
    ``tags``. With ``since``, only what changed since that watermark, which is advanced once
    every record is written (the caller saves it). ``formula_guard`` (CSV): cells a
    spreadsheet would evaluate get a leading ``'`` (``formula_safe``)."""
    if since is not None and kind.changes is not None:
        stream = kind.changes(an, since)
    else:
        since_date = None if modified_since is None else F.modified_date > modified_since
        # read and rendered again: an 'or' keeps its parentheses next to --modified-since
        stream = kind.records(an, all_of(since_date, parse_filter(odata) if odata else None))
    written = 0
    tags: dict[str, list[str]] | None = None
    requests = RateWindow()  # over the whole export: the tag requests are requests too
    requests.add(an.stats.attempts, time.monotonic())
    if with_tags:
        kind = attrs.evolve(kind, columns=(*kind.columns, _joined(TAGS_COLUMN, "\n")))
        try:
            with progress_bar("taggings", quiet, "tags") as bar:
                tags = an.tags.index(progress=bar.update)
        except KeyboardInterrupt:
            raise Interrupted("interrupted while reading the tags: nothing written") from None
    try:
        with (
            open_output(output, newline="" if fmt == "csv" else None, fmt=fmt) as out,
            progress_bar("records", quiet, kind.rel.split(":")[-1]) as bar,
            stream,
        ):
            writer: JsonLines | CsvRows = (
                JsonLines(out)
                if fmt == "jsonl"
                else CsvRows(out, kind, custom_fields, formula_guard=formula_guard)
            )
            pages = 0
            for record in stream:
                data = record_data(record)
                if tags is not None:
                    data = {**data, TAGS_COLUMN: tags.get(_id(data) or "", [])}
                with current().atomic():
                    writer.write(data)
                written += 1
                bar.update()
                if stream.pages != pages:
                    pages = stream.pages
                    _show(bar, an, stream, requests)
                    with current().atomic():
                        out.flush()
            with current().atomic():
                notes = writer.finish()
            _show(bar, an, stream, requests)
    except KeyboardInterrupt:
        where = f"{output} was not written" if output else f"{written} records written"
        raise Interrupted(where) from None
    except OSError as exc:  # a full disk: its error names no file; say which one
        if exc.filename is None:
            exc.filename = str(output) if output is not None else "standard output"
        raise
    return notes
