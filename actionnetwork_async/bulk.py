"""Pipelined bulk writes: many records, one request each, at the rate limit, none lost.

The engine under ``an.hal.post_many`` / ``put_many`` and the facades' ``upsert_many`` and
``record_many`` (docs/bulk.md is the user's guide):

* **Lazy input.** Records come from any iterable or async iterable and are read only as
  requests start: at most ``concurrency`` are held, whatever the input's size.
* **Pipelined.** Up to ``concurrency`` requests are in flight at once; the client's one rate
  limiter still spaces their starts, so a job keeps the API's 4 requests/s busy at real
  latencies (8 in flight cover 2 s of latency per request).
* **A result for every record**, as it completes (so out of input order): ``WriteResult`` with
  the record, its position, an ``Outcome`` and the answer or the typed error. A record that
  fails is reported and the run goes on; only errors no record can get past (a refused key, a
  closed client) stop it, after the requests in flight have finished.
* **Retries are the transport's**, as for a single call: a write that may have been processed
  is never sent again blindly. Its outcome is ``UNKNOWN``.
* **Failure report**: every failed or unknown record as one JSON line, the record included.
* **Checkpoint**: each confirmed record's key is appended (and fsynced) as its answer arrives;
  a run given the same checkpoint skips those records. What that guarantees is written out on
  ``CheckpointFile``.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
from collections import Counter
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from pathlib import Path
from typing import IO, Any, TypeVar

import attrs

from ._files import (
    existing_file,
    fingerprint,
    first_line,
    fsync_directory,
    names_file,
    private_open,
)
from ._validate import positive_int
from ._writes import (
    DEFAULT_CONCURRENCY,
    LANDED,
    BulkOptions,
    CheckpointState,
    CheckpointStore,
    Outcome,
    R,
    Records,
    WriteResult,
    bulk_options,
)
from .errors import (
    ActionNetworkError,
    AuthenticationError,
    CheckpointLockedError,
    ClientStateError,
    ConfigurationError,
    DecodeError,
    LimiterError,
    OutcomeUnknownError,
    ServerError,
    StatusError,
    TransportError,
)
from .hal import Resource
from .models import Record
from .pagination import Stream

__all__ = [
    "DEFAULT_CONCURRENCY",
    "CheckpointFile",
    "CheckpointState",
    "CheckpointStore",
    "Outcome",
    "Records",
    "Write",
    "WriteResult",
    "WriteSummary",
    "write_many",
]

T = TypeVar("T")
#: Errors about the job rather than one record: no later record can succeed, so the run stops.
FATAL_ERRORS: tuple[type[ActionNetworkError], ...] = (
    AuthenticationError,
    ClientStateError,
    LimiterError,
)


@attrs.frozen
class Write:
    """One request of a bulk write: method, absolute URL and JSON body."""

    method: str
    url: str
    json: Any = None

    def digest(self) -> str:
        """A short fingerprint of the request (16 hex digits): the same content, the same digest."""
        return fingerprint([self.method, self.url, self.json])


@attrs.define
class WriteSummary:
    """Counts of the outcomes of a bulk write: ``WriteSummary.of(results)`` for a blocking
    stream, ``await WriteSummary.collect(results)`` for an async one, or ``add()`` each result
    as you handle it."""

    counts: Counter[Outcome] = attrs.field(factory=Counter)

    def add(self, result: WriteResult) -> WriteResult:
        """Count one result; returns it."""
        self.counts[result.outcome] += 1
        return result

    @classmethod
    def of(cls, results: Iterable[WriteResult]) -> WriteSummary:
        """Read every result of a blocking stream and count them."""
        summary = cls()
        for result in results:
            summary.add(result)
        return summary

    @classmethod
    async def collect(cls, results: AsyncIterable[WriteResult]) -> WriteSummary:
        """Read every result of an async stream and count them."""
        summary = cls()
        async for result in results:
            summary.add(result)
        return summary

    @property
    def total(self) -> int:
        """Records seen."""
        return sum(self.counts.values())

    @property
    def landed(self) -> int:
        """Records in the API: written now, or confirmed by an earlier run."""
        return sum(n for outcome, n in self.counts.items() if outcome in LANDED)

    @property
    def failed(self) -> int:
        """Records not written."""
        return self.counts[Outcome.FAILED]

    @property
    def unknown(self) -> int:
        """Records whose outcome is unknown."""
        return self.counts[Outcome.UNKNOWN]

    def __str__(self) -> str:
        parts = [f"{self.counts[o]} {o.value}" for o in Outcome if self.counts[o]]
        return f"{self.total} records: {', '.join(parts) or 'none'}"


# -- checkpoints ------------------------------------------------------------------------------
class CheckpointFile:
    """A checkpoint in a file: one JSON line per event, appended, flushed and fsynced.

    ``{"c": key}`` confirms a record, ``{"s": key}`` marks a write that is not idempotent as
    sent. A key is the record's position in the input (or the key your ``key=`` function gives)
    and a 16-digit digest of its request, so the file holds no personal data unless your keys
    do, and a record whose content changed between runs is not mistaken for the one confirmed.

    Guarantees, after a crash at any point (a kill, a power cut once ``fsync`` returned):

    * a record confirmed here is never sent again by a run given this file;
    * a record whose request was in flight is not confirmed. An idempotent write is sent again
      (the person signup helper matches the person by email, then phone, and updates them; the
      record attendance helper updates the person's one attendance: sending either twice leaves
      the same data). A write that is not idempotent (``hal.post_many`` unless told) is reported
      ``UNKNOWN`` and not sent, because it may have landed: check, then remove it from the
      input;
    * failed records are not confirmed: a new run tries them again;
    * a line torn by the crash is dropped when the file is read;
    * one run at a time: ``load`` creates the file if need be and takes an exclusive
      ``flock`` on it until ``close`` (the kernel drops it when a process dies, so a killed run
      leaves no stale lock). A second run on the file, in this process or another, raises
      ``CheckpointLockedError`` at once.

    The file is the library's (see ``_files``): never written through a symbolic link, owner-only,
    and a file that is not a checkpoint is refused (``ConfigurationError``), never cut or
    appended to.

    The input must come in the same order (or with the same ``key=``) for records to be
    recognised; a record edited since is sent again.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._file: IO[str] | None = None

    def __repr__(self) -> str:
        return f"CheckpointFile({str(self.path)!r})"

    def __del__(self) -> None:  # a store only loaded (to look at it) gives its lock back too
        self.close()

    def load(self) -> CheckpointState:
        """Take the file's lock (``CheckpointLockedError`` when another run holds it) and read
        it (an empty or new file is a fresh start). Every complete line must be a checkpoint
        entry and a torn last line the start of one, or the file is refused
        (``ConfigurationError``) untouched; then the torn line is cut off."""
        if self._file is None:
            self._read(cut=False)  # refuse a file of another kind before anything else
            self._open()
        return self._read(cut=True)

    def _read(self, *, cut: bool) -> CheckpointState:
        confirmed: set[str] = set()
        started: set[str] = set()
        with existing_file(self.path, what=CHECKPOINT, write=cut) as file:
            if file is None:
                return CheckpointState()
            data = file.read()
            complete = data[: data.rfind(b"\n") + 1]
            for number, line in enumerate(complete.splitlines(), 1):
                entry = _checkpoint_entry(line)
                if entry is None:
                    raise ConfigurationError(
                        f"{self.path} line {number} is not a checkpoint entry: is it a checkpoint?"
                    )
                kind, key = entry
                (confirmed if kind == "c" else started).add(key)
            if len(complete) != len(data):  # the last append was cut short: it never happened
                if not _torn_entry(data[len(complete) :]):
                    raise ConfigurationError(
                        f"{self.path} ends with a line that is not a checkpoint entry: is it a "
                        "checkpoint?"
                    )
                if cut:
                    file.truncate(len(complete))
                    os.fchmod(file.fileno(), 0o600)
        return CheckpointState(frozenset(confirmed), frozenset(started - confirmed))

    def started(self, key: str) -> None:
        """Append ``{"s": key}`` durably."""
        self._append({"s": key})

    def confirmed(self, key: str) -> None:
        """Append ``{"c": key}`` durably."""
        self._append({"c": key})

    def _open(self) -> IO[str]:
        """The file opened to append, with its exclusive lock held (taken once per run)."""
        if self._file is None:
            new = not self.path.exists()
            file = private_open(self.path, "a", owns=_is_checkpoint, what=CHECKPOINT)
            try:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                file.close()
                raise CheckpointLockedError(str(self.path)) from None
            except BaseException:
                file.close()
                raise
            self._file = file
            if new and self.fsync:
                fsync_directory(self.path)
        return self._file

    def _append(self, entry: Mapping[str, str]) -> None:
        file = self._open()
        with names_file(self.path):  # a full disk's error says which file
            file.write(json.dumps(entry) + "\n")
            file.flush()
            if self.fsync:
                os.fsync(file.fileno())

    def close(self) -> None:
        """Close the file, which gives its lock back."""
        file, self._file = getattr(self, "_file", None), None
        if file is not None:
            file.close()


#: What a checkpoint file is called in messages.
CHECKPOINT = "a checkpoint"
#: How every checkpoint line starts (``json.dumps`` of ``{"c": key}`` or ``{"s": key}``).
_ENTRY_STARTS = (b'{"c": "', b'{"s": "')


def _checkpoint_entry(line: bytes) -> tuple[str, str] | None:
    """``(kind, key)`` of a checkpoint line, or None when it is not one."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if not isinstance(entry, dict) or len(entry) != 1:
        return None
    ((kind, key),) = entry.items()
    return (kind, key) if kind in ("c", "s") and isinstance(key, str) else None


def _torn_entry(tail: bytes) -> bool:
    """Whether ``tail`` (a last line without its newline) can be the start of an entry."""
    start = tail[: len(_ENTRY_STARTS[0])]
    return tail.isascii() and any(s.startswith(start) for s in _ENTRY_STARTS)


def _is_checkpoint(head: bytes) -> bool:
    line, complete = first_line(head)
    return _checkpoint_entry(line) is not None if complete else _torn_entry(line)


def _checkpoint(
    value: CheckpointStore | str | os.PathLike[str] | None,
) -> CheckpointStore | None:
    if value is None or isinstance(value, CheckpointStore):
        return value
    if isinstance(value, (str, os.PathLike)):
        return CheckpointFile(value)
    raise ConfigurationError(f"checkpoint must be a path or a CheckpointStore, got {value!r}")


# -- the failure report -----------------------------------------------------------------------
#: How every line of a failure report starts.
_REPORT_START = b'{"index": '


def _is_report(head: bytes) -> bool:
    """Whether a file starts as a failure report does (its first line, maybe cut short)."""
    line, complete = first_line(head)
    if not complete:
        return _REPORT_START.startswith(line[: len(_REPORT_START)])
    try:
        entry = json.loads(line)
    except ValueError:
        return False
    return isinstance(entry, dict) and {"outcome", "record"} <= entry.keys()


class FailureReport:
    """Failed and unknown records, one JSON object per line, written as they happen.

    Each line: ``index``, ``key``, ``outcome``, ``error`` (the exception's class), ``status``,
    ``message`` (the server's ``error`` text) and ``url`` when the API answered, and ``record``:
    the record as given, so it can be fixed and sent again. That is personal data, as in your
    input: the file is created readable by its owner only. The API key is never in it. An
    existing report is emptied; any other file at the path is refused (``UnsafeFileError``).
    """

    def __init__(self, path: str | os.PathLike[str], redact: Callable[[str], str]) -> None:
        self.path = Path(path)
        self._redact = redact
        self._file = private_open(self.path, "w", owns=_is_report, what="a failure report")

    def add(self, result: WriteResult) -> None:
        """Write one line and flush it."""
        error = result.error
        line: dict[str, Any] = {
            "index": result.index,
            "key": result.key,
            "outcome": result.outcome.value,
            "error": type(error).__name__ if error is not None else None,
            "status": getattr(error, "status", None),
            "message": error.message if isinstance(error, StatusError) else str(error or ""),
            "url": getattr(error, "url", None),
        }
        line["record"] = _jsonable(result.record)
        with names_file(self.path):  # a full disk's error says which file
            self._file.write(self._redact(json.dumps(line, ensure_ascii=False, default=str)) + "\n")
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        with names_file(self.path):
            self._file.close()


def _jsonable(record: Any) -> Any:
    """A record as JSON: models as the API writes them, anything else as cattrs unstructures it."""
    if isinstance(record, Record):
        return record.to_json()
    if isinstance(record, Mapping):
        return {str(k): _jsonable(v) for k, v in record.items()}
    if isinstance(record, (list, tuple)):
        return [_jsonable(v) for v in record]
    if isinstance(record, Resource):
        return dict(record.data)
    from .models.base import converter  # made on first use

    return converter.unstructure(record)


# -- the engine -------------------------------------------------------------------------------
def classify(error: ActionNetworkError, *, idempotent: bool) -> Outcome:
    """``UNKNOWN`` for an error after which the write may have been processed, else ``FAILED``.

    The same rule as the transport's retries: an answer-less failure after the request left
    (a timeout, a dropped connection), an unreadable success, or a 5xx to a write that is not
    idempotent may all have changed the API's data.
    """
    if isinstance(error, OutcomeUnknownError):
        return Outcome.UNKNOWN
    if isinstance(error, TransportError):
        return Outcome.UNKNOWN if error.request_sent else Outcome.FAILED
    if isinstance(error, DecodeError) and error.status < 300:
        return Outcome.UNKNOWN
    if isinstance(error, ServerError) and not idempotent:
        return Outcome.UNKNOWN
    return Outcome.FAILED


def _check_arguments(records: Any, concurrency: int) -> None:
    """Refuse, before anything starts, records that are not a collection of records and a
    concurrency that is not a positive integer."""
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(
        records, (Iterable, AsyncIterable)
    ):
        raise ConfigurationError(
            "records must be an iterable or async iterable of records, got "
            f"{type(records).__name__}"
        )
    positive_int(concurrency, "concurrency")


async def _records(records: Records[R]) -> AsyncIterator[R]:
    if isinstance(records, AsyncIterable):
        async for record in records:
            yield record
    else:
        for record in records:
            yield record


def write_many(
    records: Records[R],
    *,
    setup: Callable[[], Awaitable[object]] | None = None,
    prepare: Callable[[R], Write],
    send: Callable[[Write], Awaitable[Resource | None]],
    idempotent: bool,
    outcome: Outcome,
    options: BulkOptions[R] | None = None,
    redact: Callable[[str], str] = str,
) -> Stream[WriteResult]:
    """Write every record (``prepare`` makes its request, ``send`` sends it) and stream the
    results, a batch per moment, in the order they complete.

    ``idempotent`` says whether sending a record twice is harmless (then it is retried after a
    timeout and re-sent after a crash); ``outcome`` is what a success is reported as. Nothing
    starts before the stream is read; closing it cancels the requests in flight (their records
    are not confirmed). ``redact`` masks the API key in the report. ``setup()`` runs first,
    when the stream is first read (to find the URL ``prepare`` uses, say). ``options`` are the
    caller's ``BulkOptions``, checked here, once, for every bulk write.
    """
    checked = bulk_options(dict(options or {}))
    concurrency = checked.get("concurrency", DEFAULT_CONCURRENCY)
    _check_arguments(records, concurrency)
    if not isinstance(outcome, Outcome) or outcome not in LANDED - {Outcome.SKIPPED}:
        raise ConfigurationError(f"outcome must be created, updated or upserted, got {outcome!r}")
    store = _checkpoint(checked.get("checkpoint"))
    job = _Job(
        setup=setup,
        prepare=prepare,
        send=send,
        idempotent=idempotent,
        outcome=outcome,
        store=store,
        report=checked.get("report"),
        key=checked.get("key"),
        redact=redact,
    )
    return Stream(job.run(_records(records), concurrency))


@attrs.define
class _Job:
    """One bulk write: turns records into results, keeps the checkpoint and the report."""

    setup: Callable[[], Awaitable[object]] | None
    prepare: Callable[[Any], Write]
    send: Callable[[Write], Awaitable[Resource | None]]
    idempotent: bool
    outcome: Outcome
    store: CheckpointStore | None
    report: str | os.PathLike[str] | None
    key: Callable[[Any], str] | None
    redact: Callable[[str], str]
    state: CheckpointState = attrs.field(factory=CheckpointState)
    reporter: FailureReport | None = None

    async def run(
        self, records: AsyncIterator[Any], concurrency: int
    ) -> AsyncGenerator[Sequence[WriteResult], None]:
        """Feed up to ``concurrency`` requests, yield results as they complete; an error of the
        input or a fatal one is raised once the requests in flight are done."""
        if self.setup is not None:
            await self.setup()
        if self.store is not None:
            self.state = self.store.load()
        if self.report is not None:
            self.reporter = FailureReport(self.report, self.redact)
        loop = asyncio.get_running_loop()
        flying: set[asyncio.Task[WriteResult]] = set()
        ready: list[WriteResult] = []
        index = 0
        stop: BaseException | None = None
        exhausted = False
        try:
            while True:
                while not exhausted and stop is None and len(flying) + len(ready) < concurrency:
                    try:
                        record = await anext(records)
                    except StopAsyncIteration:
                        exhausted = True
                        break
                    except Exception as exc:  # a broken input: finish what is in flight first
                        stop = exc
                        break
                    started = self._start(index, record)
                    index += 1
                    if isinstance(started, WriteResult):
                        ready.append(self._finish(started))
                    else:
                        flying.add(loop.create_task(started, name=f"actionnetwork-write-{index}"))
                if not ready and flying:
                    done, flying = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                    ready += [self._finish(task.result()) for task in done]
                if ready:
                    for result in ready:
                        if stop is None and isinstance(result.error, FATAL_ERRORS):
                            stop = result.error
                    batch, ready = ready, []
                    yield batch
                elif not flying:
                    break
            if stop is not None:
                raise stop
        finally:
            for task in flying:
                task.cancel()
            await asyncio.gather(*flying, return_exceptions=True)
            if self.store is not None:
                self.store.close()
            if self.reporter is not None:
                self.reporter.close()

    def _start(self, index: int, record: Any) -> WriteResult | Coroutine[Any, Any, WriteResult]:
        """The result at once (skipped, unknown from an earlier run, a record that cannot be
        sent), or the coroutine that sends it."""
        ident = str(index) if self.key is None else None
        try:
            if self.key is not None:
                ident = self.key(record)
                if not isinstance(ident, str):
                    raise ConfigurationError(f"key= must return a string, got {ident!r}")
            write = self.prepare(record)
        except ActionNetworkError as error:
            return WriteResult(index, Outcome.FAILED, record, f"{ident or ''}:", error=error)
        key = f"{ident}:{write.digest()}"
        if key in self.state.confirmed:
            return WriteResult(index, Outcome.SKIPPED, record, key)
        if key in self.state.started and not self.idempotent:
            unknown = OutcomeUnknownError(
                "sent by an earlier run that stopped before the answer came, so it may have "
                "been processed; not sent again. Check whether it landed",
                url=self.redact(write.url),
            )
            return WriteResult(index, Outcome.UNKNOWN, record, key, error=unknown)
        return self._send(index, record, key, write)

    async def _send(self, index: int, record: Any, key: str, write: Write) -> WriteResult:
        if self.store is not None and not self.idempotent:
            self.store.started(key)
        try:
            resource = await self.send(write)
        except ActionNetworkError as error:
            outcome = classify(error, idempotent=self.idempotent)
            return WriteResult(index, outcome, record, key, error=error)
        if self.store is not None:
            self.store.confirmed(key)
        return WriteResult(index, self.outcome, record, key, resource=resource)

    def _finish(self, result: WriteResult) -> WriteResult:
        if self.reporter is not None and result.outcome in (Outcome.FAILED, Outcome.UNKNOWN):
            self.reporter.add(result)
        return result
