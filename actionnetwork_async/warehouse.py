"""Mirror a group into a database through dlt: ``actionnetwork_source()``, one dlt resource per
collection (the ``warehouse`` extra).

    import dlt
    from actionnetwork_async.warehouse import actionnetwork_source

    pipeline = dlt.pipeline("actionnetwork", destination="duckdb", dataset_name="actionnetwork")
    pipeline.run(actionnetwork_source())

dlt does the last mile (schemas that evolve, merges, child tables, any destination, its state
beside the data); this module gives it the records, read the way the library reads them:

- **One client, one limiter.** Every resource of a source reads through one blocking
  ``ActionNetwork`` (``actionnetwork_async.sync``: the async client on a loop of its own,
  whose streams hand whole pages over with their prefetch), so resources that dlt extracts at
  the same time (``parallelized``: in its worker threads) share the API's 4 requests a second,
  and the Redis-shared limit when ``ACTION_NETWORK_REDIS_URL`` is set. It is closed when the
  last resource is done. Plain generators, not async ones: a sync that dlt stops half-way
  closes each of them at once, from its own thread, and their streams cancel their requests.
- **Rows keyed by ``id``** (the Action Network id), merged: a row read again replaces the one
  stored. Lists of objects (email addresses, phone numbers, addresses, identifiers ...) become
  child tables (``people__email_addresses``); the primary email and phone are also the
  person's ``email`` and ``phone`` columns. Custom fields become columns
  (``custom_fields__<name>``): one column per field keeps a person one row, queried without a
  join, and dlt adds a column when a new field appears.
- **Incremental where the API filters by ``modified_date``**: people and events are read with
  the library's watermark rule (``actionnetwork_async.watermark``: the server's clock, the
  overlap, duplicates dropped), the watermark kept in dlt's resource state. The state is
  committed with the load, so a sync killed half-way starts again from the last committed
  watermark and merges what it reads twice: nothing lost, nothing duplicated.
- **Everything else is read whole** each run and merged (``COLLECTIONS`` says how each one is
  read, and why). A record deleted in Action Network stays in the table until a full refresh.

docs/warehouse.md is the guide: the schema, queries, destinations, scheduling.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

import attrs

from .errors import ConfigurationError
from .limiter import RateLimiter
from .models import Person, Tagging
from .models.base import ResourceModel
from .sync import ActionNetwork, Stream
from .watermark import DEFAULT_OVERLAP, Watermark

try:
    import dlt
    from dlt.extract.resource import DltResource
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError(
        "actionnetwork_async.warehouse needs dlt: pip install 'actionnetwork-async[warehouse]'"
    ) from exc

__all__ = [
    "COLLECTIONS",
    "SOURCE_NAME",
    "Collection",
    "Progress",
    "actionnetwork_source",
    "row",
]

#: The dlt source's name: its state and schema are kept under it.
SOURCE_NAME = "actionnetwork"
#: Parents whose records are read ahead of the one being read (taggings of the next tags).
PARENTS_AHEAD = 3
#: What ``progress`` is called with: the resource's name and the rows of a page just read.
Progress = Callable[[str, int], object]


@attrs.frozen
class Collection:
    """How one table is read: the client's facade (``people``), the records below each of
    its items when it is a table of records (``signatures`` below ``petitions``), whether it
    is incremental, and why it is read that way (the docs' table)."""

    name: str
    facade: str
    below: str | None = None
    incremental: bool = False
    why: str = ""


#: Every table of the source, in the order dlt extracts them.
COLLECTIONS: tuple[Collection, ...] = (
    Collection("people", "people", incremental=True, why="filtered by modified_date"),
    Collection("events", "events", incremental=True, why="filtered by modified_date"),
    Collection("tags", "tags", why="the API takes no filter on tags"),
    Collection(
        "taggings",
        "tags",
        below="taggings",
        why="listed below each tag, with no date filter: read for every tag",
    ),
    Collection(
        "attendances",
        "events",
        below="attendances",
        why="below each event; an RSVP need not change its event's modified_date",
    ),
    Collection("event_campaigns", "event_campaigns", why="few; read whole"),
    Collection("petitions", "petitions", why="few; read whole"),
    Collection(
        "signatures", "petitions", below="signatures", why="below each petition, read whole"
    ),
    Collection("forms", "forms", why="few; read whole"),
    Collection("submissions", "forms", below="submissions", why="below each form, read whole"),
    Collection("fundraising_pages", "fundraising_pages", why="few; read whole"),
    Collection("donations", "donations", why="the group's own collection of every donation"),
    Collection("advocacy_campaigns", "advocacy_campaigns", why="few; read whole"),
    Collection(
        "outreaches",
        "advocacy_campaigns",
        below="outreaches",
        why="below each advocacy campaign, read whole",
    ),
    Collection("surveys", "surveys", why="few; read whole"),
    Collection("responses", "surveys", below="responses", why="below each survey, read whole"),
    Collection("campaigns", "campaigns", why="few; read whole"),
    Collection(
        "messages", "messages", why="no date filter on messages; statistics change after sending"
    ),
    Collection("queries", "queries", why="no filter; few"),
    Collection("wrappers", "wrappers", why="no filter; few"),
    Collection("unique_id_lists", "unique_id_lists", why="no filter; counts change"),
    Collection("custom_fields", "metadata", why="one request: the names in use"),
)


class _Client:
    """The one client of a source: made at first use, closed when the last resource that uses
    it is done (a later one makes a new one)."""

    def __init__(self, make: Callable[[], ActionNetwork]) -> None:
        self._make = make
        self._client: ActionNetwork | None = None
        self._users = 0
        self._lock = threading.Lock()

    def __enter__(self) -> ActionNetwork:
        with self._lock:
            if self._client is None:
                self._client = self._make()
            self._users += 1
            return self._client

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users or self._client is None:
                return
            client, self._client = self._client, None
        client.close()


def row(model: ResourceModel | Any) -> dict[str, Any]:
    """A model as a table row: every field the API sent (``to_dict``), keyed by ``id``; a
    person also has their primary ``email`` and ``phone`` as columns. A tagging, which the API
    sends with links only, has its tag's and person's ids as the columns the other records
    have theirs in (``action_network:tag_id`` and ``action_network:person_id``, which dlt
    names ``action_network_tag_id`` and ``action_network_person_id``)."""
    data: dict[str, Any] = model.to_dict()
    if isinstance(model, Person):
        data["email"] = model.email
        data["phone"] = model.phone
    elif isinstance(model, Tagging):
        data.setdefault("action_network:tag_id", model.tag_id)
        data.setdefault("action_network:person_id", model.person_id)
    return data


@dlt.source(name=SOURCE_NAME)
def actionnetwork_source(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    rate_limit: float | RateLimiter | None = 4.0,
    overlap: timedelta = DEFAULT_OVERLAP,
    progress: Progress | None = None,
    client: Callable[[], ActionNetwork] | None = None,
) -> Iterable[DltResource]:
    """Every collection of the group as a dlt resource (``COLLECTIONS``); pick some with
    ``.with_resources("people", "events")``.

    ``api_key`` and ``base_url`` are the client's (``ACTION_NETWORK_API_KEY`` and
    ``ACTION_NETWORK_BASE_URL`` when omitted); ``rate_limit`` the client's one limiter (a
    number shares the key's limit through Redis when ``ACTION_NETWORK_REDIS_URL`` is set).
    ``overlap`` is the incremental pulls' (``Watermark``). ``progress(resource, rows)`` is
    called after each page (from dlt's worker threads). ``client`` makes the client instead:
    a blocking ``actionnetwork_async.sync.ActionNetwork``, closed by the source when done.
    """
    if client is None:
        if api_key is None and not os.environ.get("ACTION_NETWORK_API_KEY"):
            raise ConfigurationError(
                "no API key: pass api_key= or set the ACTION_NETWORK_API_KEY environment variable"
            )

        def client() -> ActionNetwork:
            return ActionNetwork(api_key, base_url=base_url, rate_limit=rate_limit)

    shared = _Client(client)
    return [_resource(shared, collection, overlap, progress) for collection in COLLECTIONS]


def _resource(
    shared: _Client, collection: Collection, overlap: timedelta, progress: Progress | None
) -> DltResource:
    """The dlt resource of one table."""
    name = collection.name

    def rows() -> Iterator[list[dict[str, Any]]]:
        with shared as an:
            state = dlt.current.resource_state(name)  # named: a worker thread asks
            for page in _pages(an, collection, state, overlap):
                if progress is not None:
                    progress(name, len(page))
                yield page
                del page  # not kept alive while the next one is read

    key = "name" if collection.name == "custom_fields" else "id"
    return dlt.resource(
        rows,
        name=name,
        primary_key=key,
        write_disposition="merge",
        max_table_nesting=2,
        parallelized=True,
    )


def _pages(
    an: ActionNetwork, collection: Collection, state: dict[str, Any], overlap: timedelta
) -> Iterator[list[dict[str, Any]]]:
    """The rows of one table, a page at a time."""
    facade = getattr(an, collection.facade)
    if collection.name == "custom_fields":
        yield [field.to_json() for field in facade.custom_fields()]
        return
    if collection.incremental:
        watermark = Watermark.from_json(state["watermark"]) if "watermark" in state else Watermark()
        yield from _batches(facade.changes(since=watermark, overlap=overlap))
        state["watermark"] = watermark.to_json()  # read to the end: committed with the load
        return
    if collection.below is None:
        yield from _batches(facade.list())
        return
    # The records of the next parents are started before they are read: each parent's first
    # page is a round trip the others' pages fill, so the limit stays used when this table is
    # the last one being read (a tag's taggings, one tag after another, used 80% of it).
    records = getattr(facade, collection.below)
    started: deque[Stream[Any]] = deque()
    try:
        with facade.list() as parents:
            for batch in parents.batches():
                for parent in batch:
                    started.append(records.list(parent).start())
                    if len(started) > PARENTS_AHEAD:
                        yield from _batches(started.popleft())
        while started:
            yield from _batches(started.popleft())
    finally:
        for stream in started:
            stream.close()


def _batches(stream: Stream[Any]) -> Iterator[list[dict[str, Any]]]:
    with stream:
        for batch in stream.batches():
            yield [row(model) for model in batch]
