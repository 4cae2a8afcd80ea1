"""What the signatures of bulk writes name (``Outcome``, ``WriteResult``, ``CheckpointStore``
...), apart from the engine in ``bulk``: the walker's ``post_many`` is typed with them, and
importing the client imports no bulk machinery (``bulk`` re-exports them)."""

from __future__ import annotations

import enum
import os
from collections.abc import AsyncIterable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar, cast, runtime_checkable

import attrs
from typing_extensions import TypedDict

from ._settings import DEFAULT_CONCURRENCY
from .errors import ActionNetworkError, ConfigurationError
from .hal import Resource

__all__ = [
    "DEFAULT_CONCURRENCY",
    "LANDED",
    "BulkOptions",
    "CheckpointState",
    "CheckpointStore",
    "Outcome",
    "R",
    "Records",
    "WriteResult",
    "bulk_options",
]

R = TypeVar("R")

#: Any iterable or async iterable of records, read lazily.
Records = Iterable[R] | AsyncIterable[R]


class Outcome(str, enum.Enum):
    """What became of one record of a bulk write."""

    #: The API created a resource (a POST to an endpoint that never matches existing ones).
    CREATED = "created"
    #: The API changed an existing resource (a PUT).
    UPDATED = "updated"
    #: Created or updated: the API matched it or not, and its answer does not say which (the
    #: helpers, which match people by email then phone, answer 200 with the person either way).
    UPSERTED = "upserted"
    #: Not written: ``error`` says why (a 400, a 404, a bad record, a 429 after every retry).
    FAILED = "failed"
    #: Sent, but no answer came: it may have been processed. Not re-sent when that could do it
    #: twice; check before sending it again.
    UNKNOWN = "unknown"
    #: Confirmed by an earlier run (the checkpoint says so): not sent again.
    SKIPPED = "skipped"


#: The outcomes of a record that is in the API.
LANDED = frozenset({Outcome.CREATED, Outcome.UPDATED, Outcome.UPSERTED, Outcome.SKIPPED})


@attrs.frozen
class WriteResult:
    """The result of one record: where it was in the input, what became of it, and why."""

    #: Position of the record in the input, from 0.
    index: int
    outcome: Outcome
    #: The record as it was given.
    record: Any = attrs.field(repr=False)
    #: Its checkpoint key (position or your key, then the request's digest).
    key: str
    #: The API's answer (the person, the attendance ...), for records written in this run.
    resource: Resource | None = attrs.field(default=None, repr=False)
    #: Why it failed, or why its outcome is unknown.
    error: ActionNetworkError | None = None

    @property
    def ok(self) -> bool:
        """Whether the record is in the API (written now or confirmed by an earlier run)."""
        return self.outcome in LANDED

    @property
    def id(self) -> str | None:
        """The Action Network id of the resource written (None when there is no answer)."""
        return self.resource.identifier() if self.resource is not None else None


@attrs.frozen
class CheckpointState:
    """What a checkpoint knows: records confirmed, and writes started but never confirmed."""

    confirmed: frozenset[str] = frozenset()
    started: frozenset[str] = frozenset()


@runtime_checkable
class CheckpointStore(Protocol):
    """Where a bulk write keeps its progress (``CheckpointFile``, or a table of yours).

    ``started`` and ``confirmed`` must be durable when they return: the engine calls
    ``confirmed`` before it hands the record's result on, and ``started`` (for writes that are
    not idempotent) before it sends the request.

    One run at a time: ``load`` takes the store for the run's lifetime (``close`` gives it
    back), and while a run holds it, ``load`` in any other run (process, or store object)
    raises ``CheckpointLockedError`` at once. Two runs on one checkpoint would both send the
    records neither has confirmed yet.
    """

    def load(self) -> CheckpointState:
        """What earlier runs recorded; takes the store until ``close`` (``CheckpointLockedError``
        when another run holds it)."""
        ...

    def started(self, key: str) -> None:
        """A write that must not run twice is about to be sent."""
        ...

    def confirmed(self, key: str) -> None:
        """The API answered that the record was written."""
        ...

    def close(self) -> None:
        """The run is over: the store is free for the next run."""
        ...


class BulkOptions(TypedDict, Generic[R], total=False):
    """The options every bulk write takes (``upsert_many``, ``record_many``, ``post_many``,
    ``put_many``), by keyword; docs/bulk.md has the whole story."""

    #: Requests in flight at once (default ``DEFAULT_CONCURRENCY``), under the one limiter.
    concurrency: int
    #: A file or a ``CheckpointStore``: the records it confirms are skipped
    #: (``CheckpointFile``).
    checkpoint: CheckpointStore | str | os.PathLike[str] | None
    #: A JSONL file of the failed and unknown records (``FailureReport``).
    report: str | os.PathLike[str] | None
    #: What identifies a record across runs (default: its position in the input).
    key: Callable[[R], str] | None


def bulk_options(options: dict[str, Any]) -> BulkOptions[Any]:
    """``options`` if every name in it is one of ``BulkOptions``, else ``ConfigurationError``
    naming the others (a misspelt option is the caller's mistake, not a ``TypeError``)."""
    unknown = sorted(set(options) - BulkOptions.__optional_keys__)
    if unknown:
        known = ", ".join(sorted(BulkOptions.__optional_keys__))
        raise ConfigurationError(f"no bulk write option {', '.join(unknown)} (options: {known})")
    return cast(BulkOptions[Any], options)
