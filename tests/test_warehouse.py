"""The dlt source (``actionnetwork_async.warehouse``) against the emulator, into a real DuckDB and
a real PostgreSQL: a first sync mirrors the group, a second one reads and merges only the
changes, a sync stopped half-way loads every record once when run again, and the limit holds as
the server counts it.

The emulator runs in a thread (``serve_in_thread``): ``pipeline.run`` blocks and runs the async
resources on dlt's own loop. The limit test runs it in a process of its own
(``serve_in_process``), so that the client's threads do not delay the server's log. Each test
has its own pipelines directory and DuckDB file in ``tmp_path``.

PostgreSQL: the tests with ``[postgres]`` in their names sync into the database named by the
``ACTIONNETWORK_TEST_POSTGRES`` environment variable (a DSN,
``postgresql://user:password@host:port/database``), each test into a dataset (schema) of its own,
dropped afterwards. Without the variable they skip, saying how to run them; under CI
(``CI=true``) they fail instead. ``scripts/postgres.sh`` starts a throwaway server and prints
the DSN (``.ci/run`` does this)::

    dsn=$(bash scripts/postgres.sh start /tmp/an-pg)
    ACTIONNETWORK_TEST_POSTGRES=$dsn .venv/bin/pytest -q tests/test_warehouse.py
    bash scripts/postgres.sh stop /tmp/an-pg
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import attrs
import pytest

dlt = pytest.importorskip("dlt")

from dlt.pipeline.exceptions import PipelineStepFailed  # noqa: E402

from actionnetwork_async.sync import ActionNetwork as BlockingClient  # noqa: E402
from actionnetwork_async.testing import (  # noqa: E402
    Emulator,
    EmulatorProcess,
    Seed,
    Timing,
    serve_in_process,
    serve_in_thread,
)
from actionnetwork_async.warehouse import COLLECTIONS, actionnetwork_source  # noqa: E402

#: The PostgreSQL database the PostgreSQL tests use (a DSN).
POSTGRES_ENV = "ACTIONNETWORK_TEST_POSTGRES"

#: A little of everything: every table of the source gets rows, in two pages of people.
SEED = Seed(
    people=30,
    events=2,
    tags=2,
    taggings=6,
    attendances=3,
    event_campaigns=1,
    petitions=2,
    signatures=4,
    forms=1,
    submissions=2,
    fundraising_pages=1,
    donations=2,
    advocacy_campaigns=1,
    outreaches=2,
    surveys=1,
    responses=2,
    campaigns=1,
    messages=1,
    queries=1,
    wrappers=1,
    unique_id_lists=1,
)

Pipeline = Any  # dlt.Pipeline (dlt is imported with importorskip: no static type here)
MakePipeline = Callable[[], Pipeline]


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch: pytest.MonkeyPatch) -> None:
    """dlt sends anonymous telemetry by default: not from the tests."""
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")


def postgres_dsn() -> str:
    """The test database's DSN; skip (fail under CI) when ``ACTIONNETWORK_TEST_POSTGRES`` is
    not set."""
    dsn = os.environ.get(POSTGRES_ENV)
    if dsn:
        return dsn
    message = (
        f"{POSTGRES_ENV} is not set: the PostgreSQL tests need a database "
        f"({POSTGRES_ENV}=postgresql://user:password@host:port/database; "
        "bash scripts/postgres.sh start DIR starts a throwaway one and prints its DSN)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must run them")
    pytest.skip(message)


def _drop_datasets(dsn: str, dataset: str) -> None:
    """Drop a test's dataset and the staging dataset dlt makes beside it for merges."""
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for schema in (dataset, f"{dataset}_staging"):
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        conn.close()


@pytest.fixture(params=["duckdb", "postgres"])
def make_pipeline(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakePipeline]:
    """Makes the test's pipeline (the same name, directory and dataset each time, so its state
    carries over between runs): into a DuckDB file in ``tmp_path``, or into a dataset of its
    own in the PostgreSQL database of ``ACTIONNETWORK_TEST_POSTGRES``."""
    dsn = None
    if request.param == "duckdb":
        destination = dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb"))
        dataset = "actionnetwork"
    else:
        dsn = postgres_dsn()
        destination = dlt.destinations.postgres(credentials=dsn)
        dataset = f"an_test_{uuid.uuid4().hex[:12]}"

    def make() -> Pipeline:
        return dlt.pipeline(
            pipeline_name="an_test",
            destination=destination,
            dataset_name=dataset,
            pipelines_dir=str(tmp_path / "pipelines"),
        )

    try:
        yield make
    finally:
        if dsn is not None:
            _drop_datasets(dsn, dataset)


# -- helpers ----------------------------------------------------------------------------------
class Recorded(BlockingClient):
    """A client that records whether the source closed it."""

    closed_by_source = False

    def close(self) -> None:
        self.closed_by_source = True
        super().close()


class Progress:
    """The ``progress`` callback: counts rows and pages per resource; raises once ``fail_at``'s
    resource has delivered that many pages (a sync stopped half-way)."""

    def __init__(self, fail_at: tuple[str, int] | None = None) -> None:
        self.rows: Counter[str] = Counter()
        self.pages: Counter[str] = Counter()
        self.fail_at = fail_at

    def __call__(self, resource: str, rows: int) -> None:
        self.rows[resource] += rows
        self.pages[resource] += 1
        if self.fail_at == (resource, self.pages[resource]):
            raise RuntimeError(f"stopped after {self.pages[resource]} pages of {resource}")


def source(emu: Emulator | EmulatorProcess, **kw: Any) -> Any:
    """The source for the emulator; no client-side limit unless a test asks for one."""
    kw.setdefault("rate_limit", None)
    return actionnetwork_source(api_key=emu.api_key, base_url=emu.base_url, **kw)


class _Qualified(dict[str, str]):
    def __init__(self, client: Any) -> None:
        super().__init__()
        self.client = client

    def __missing__(self, table: str) -> str:
        return str(self.client.make_qualified_table_name(table))


def query(pipeline: Pipeline, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` in the pipeline's dataset; ``{people}`` names a table of it."""
    with pipeline.sql_client() as client:
        return [tuple(r) for r in client.execute_sql(sql.format_map(_Qualified(client)))]


def key_of(table: str) -> str:
    return "name" if table == "custom_fields" else "id"


def stored_keys(pipeline: Pipeline) -> dict[str, list[str]]:
    """The key (``id``; a custom field's ``name``) of every row of every table of the source."""
    sql = " UNION ALL ".join(
        f"SELECT '{c.name}', {key_of(c.name)} FROM {{{c.name}}}" for c in COLLECTIONS
    )
    out: dict[str, list[str]] = {c.name: [] for c in COLLECTIONS}
    for table, key in query(pipeline, sql):
        out[table].append(key)
    return out


def assert_mirrors(pipeline: Pipeline, emu: Emulator) -> None:
    """Every table holds each of the emulator's records exactly once."""
    expected = {c.name: emu.ids(c.name) for c in COLLECTIONS if c.name != "custom_fields"}
    expected["custom_fields"] = list(emu.state.custom_fields)
    assert all(expected.values()), expected  # the seed gives every table rows
    stored = stored_keys(pipeline)
    # as many rows as records, each key once: nothing missing, nothing twice
    assert {t: len(keys) for t, keys in stored.items()} == {
        t: len(keys) for t, keys in expected.items()
    }
    assert {t: sorted(keys) for t, keys in stored.items()} == {
        t: sorted(keys) for t, keys in expected.items()
    }


def list_requests(emu: Emulator, collection: str, since: int = 0) -> list[dict[str, list[str]]]:
    """The query parameters of the GETs of a top-level collection in the log from ``since``."""
    return [
        parse_qs(r.query)
        for r in emu.log[since:]
        if r.method == "GET" and r.path.rstrip("/") == f"/api/v2/{collection}"
    ]


def filtered_by_date(params: dict[str, list[str]]) -> bool:
    return any(f.startswith("modified_date gt ") for f in params.get("filter", []))


def primary(entries: list[dict[str, Any]], field: str) -> str | None:
    return next((e[field] for e in entries if e.get("primary")), None)


def emails_by_person(pipeline: Pipeline) -> dict[str, set[str]]:
    """The child table of email addresses, joined back to the people."""
    rows = query(
        pipeline,
        "SELECT p.id, e.address FROM {people} p "
        "JOIN {people__email_addresses} e ON e._dlt_parent_id = p._dlt_id",
    )
    out: dict[str, set[str]] = {}
    for person, address in rows:
        out.setdefault(person, set()).add(address)
    return out


def state_emails(emu: Emulator) -> dict[str, set[str]]:
    return {
        key: {e["address"] for e in person.get("email_addresses", [])}
        for key, person in zip(emu.ids("people"), emu.state["people"].values(), strict=True)
    }


# -- a first sync -----------------------------------------------------------------------------
def test_a_first_sync_mirrors_the_group(make_pipeline: MakePipeline) -> None:
    made: list[Recorded] = []

    with serve_in_thread(Emulator(seed=SEED, rate_limit=None)) as emu:

        def client() -> BlockingClient:
            made.append(Recorded(emu.api_key, base_url=emu.base_url, rate_limit=None))
            return made[-1]

        pipeline = make_pipeline()
        progress = Progress()
        pipeline.run(actionnetwork_source(client=client, progress=progress))

        # one client for every resource (so one limiter), closed at the end
        assert len(made) == 1
        assert made[0].closed_by_source
        assert_mirrors(pipeline, emu)
        # a first sync reads people and events whole: no date filter
        assert not any(map(filtered_by_date, list_requests(emu, "people")))
        assert progress.rows["people"] == SEED.people

        # a person is one row: primary email and phone as columns, custom fields as columns
        people = {
            r[0]: r[1:]
            for r in query(
                pipeline,
                "SELECT id, email, phone, given_name, custom_fields__volunteer, "
                "custom_fields__seq FROM {people}",
            )
        }
        for key, person in zip(emu.ids("people"), emu.state["people"].values(), strict=True):
            assert people[key] == (
                primary(person["email_addresses"], "address"),
                primary(person["phone_numbers"], "number"),
                person["given_name"],
                person["custom_fields"]["volunteer"],
                person["custom_fields"]["seq"],
            )
        # lists of objects are child tables, joined back through dlt's ids
        assert emails_by_person(pipeline) == state_emails(emu)
        addresses = query(pipeline, "SELECT count(*) FROM {people__postal_addresses}")
        assert addresses == [(SEED.people,)]

        # records below a collection say whose they are: they join to their parent and person
        signatures = query(
            pipeline,
            "SELECT count(*) FROM {signatures} s "
            "JOIN {petitions} p ON p.id = s.action_network_petition_id "
            "JOIN {people} a ON a.id = s.action_network_person_id",
        )
        assert signatures == [(SEED.signatures,)]
        taggings = query(
            pipeline,
            "SELECT t.name, p.id FROM {taggings} g "
            "JOIN {tags} t ON t.id = g.action_network_tag_id "
            "JOIN {people} p ON p.id = g.action_network_person_id",
        )
        tag_names = {
            k: t["name"] for k, t in zip(emu.ids("tags"), emu.state["tags"].values(), strict=True)
        }
        assert sorted(taggings) == sorted(
            (tag_names[g["_tag_id"]], g["_person_id"]) for g in emu.state["taggings"].values()
        )


# -- a second sync ----------------------------------------------------------------------------
def test_a_second_sync_reads_and_merges_only_the_changes(make_pipeline: MakePipeline) -> None:
    with serve_in_thread(Emulator(seed=SEED, rate_limit=None)) as emu:
        pipeline = make_pipeline()
        pipeline.run(source(emu))
        changed = emu.ids("people")[3]
        untouched = emu.ids("people")[4]
        before = query(
            pipeline, f"SELECT given_name, email FROM {{people}} WHERE id = '{untouched}'"
        )

        with BlockingClient(emu.api_key, base_url=emu.base_url, rate_limit=None) as an:
            an.people.update(
                changed,
                given_name="Renamed",
                email_addresses=[{"address": "renamed@example.org"}],
                custom_fields={"shirt_size": "M"},
            )
            added = an.people.signup(
                email="new.person@example.org", given_name="New", custom_fields={"seq": "new"}
            ).id
        mark = len(emu.log)
        progress = Progress()
        pipeline.run(source(emu, progress=progress))

        # people and events are asked for what changed since the last sync, not read whole
        people_requests = list_requests(emu, "people", mark)
        assert people_requests
        assert all(map(filtered_by_date, people_requests))
        # (events too; the attendances resource lists the events whole, to read below each)
        assert sum(map(filtered_by_date, list_requests(emu, "events", mark))) == 1
        assert progress.rows["people"] == 2
        assert progress.rows["events"] == 0

        # merged: the changed person updated in place, the new one added, nothing twice
        assert_mirrors(pipeline, emu)
        assert query(pipeline, "SELECT count(*) FROM {people}") == [(SEED.people + 1,)]
        rows = query(
            pipeline,
            "SELECT given_name, email, custom_fields__volunteer, custom_fields__shirt_size "
            f"FROM {{people}} WHERE id = '{changed}'",
        )
        volunteer = emu.state["people"].get(changed)["custom_fields"]["volunteer"]
        assert rows == [("Renamed", "renamed@example.org", volunteer, "M")]
        rows = query(
            pipeline,
            f"SELECT given_name, email, custom_fields__seq FROM {{people}} WHERE id = '{added}'",
        )
        assert rows == [("New", "new.person@example.org", "new")]
        assert (
            query(pipeline, f"SELECT given_name, email FROM {{people}} WHERE id = '{untouched}'")
            == before
        )
        # child rows replaced with their parent: the old address is gone, none duplicated
        emails = emails_by_person(pipeline)
        assert emails[changed] == {"renamed@example.org"}
        assert emails == state_emails(emu)
        children = query(pipeline, "SELECT count(*) FROM {people__email_addresses}")
        assert children == [(SEED.people + 1,)]


# -- a sync stopped half-way ------------------------------------------------------------------
@pytest.mark.parametrize(
    "fail_at",
    [("people", 2), ("taggings", 1)],
    ids=["in-the-middle-of-people", "in-a-table-read-whole"],
)
def test_a_sync_stopped_half_way_loads_every_record_once_when_run_again(
    make_pipeline: MakePipeline, fail_at: tuple[str, int]
) -> None:
    made: list[Recorded] = []

    seed = attrs.evolve(SEED, people=60)  # three pages of people
    with serve_in_thread(Emulator(seed=seed, rate_limit=None)) as emu:

        def client() -> BlockingClient:
            made.append(Recorded(emu.api_key, base_url=emu.base_url, rate_limit=None))
            return made[-1]

        pipeline = make_pipeline()
        stopped = Progress(fail_at=fail_at)
        with pytest.raises(PipelineStepFailed, match="stopped after"):
            pipeline.run(actionnetwork_source(client=client, progress=stopped))
        assert stopped.pages[fail_at[0]] == fail_at[1]  # it did stop there
        assert all(an.closed_by_source for an in made)  # closed all the same
        # the failed run committed no watermark
        assert "watermark" not in _resource_state(pipeline, "people")

        mark = len(emu.log)
        again = Progress()
        pipeline.run(source(emu, progress=again))
        # the watermark was not committed: people are read whole again, from the first page
        assert not any(map(filtered_by_date, list_requests(emu, "people", mark)))
        assert again.rows["people"] == seed.people
        assert_mirrors(pipeline, emu)
        assert "watermark" in _resource_state(pipeline, "people")

        # and now the watermark holds: a third run reads no person again
        mark = len(emu.log)
        third = Progress()
        pipeline.run(source(emu, progress=third))
        people_requests = list_requests(emu, "people", mark)
        assert people_requests
        assert all(map(filtered_by_date, people_requests))
        assert third.rows["people"] == 0
        assert_mirrors(pipeline, emu)


def _resource_state(pipeline: Pipeline, resource: str) -> dict[str, Any]:
    """The committed state of one resource of the source (empty if none)."""
    sources = pipeline.state.get("sources", {})
    resources = sources.get("actionnetwork", {}).get("resources", {})
    return dict(resources.get(resource, {}))


# -- the limit as the server counts it --------------------------------------------------------
def test_every_resource_shares_one_limit_as_the_server_counts_it(tmp_path: Path) -> None:
    """Five resources read at once, through one limiter at the default margin: the server, in
    a process of its own with a network's jitter in the arrival times, never sees more than 4
    requests in a second and answers no 429. (In the client's process, the server would log
    arrivals late whenever dlt's threads held the interpreter lock: that is not the network.)"""
    seed = Seed(people=60, events=3, attendances=3, tags=3, taggings=6)
    options = {"seed": seed, "rate_limit": 4.0, "timing": Timing(arrival_jitter=0.03)}
    with serve_in_process(**options) as emu:
        pipeline = dlt.pipeline(
            pipeline_name="an_limit",
            destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
            dataset_name="actionnetwork",
            pipelines_dir=str(tmp_path / "pipelines"),
        )
        resources = ("people", "events", "attendances", "tags", "taggings")
        pipeline.run(source(emu, rate_limit=4.0).with_resources(*resources))

        assert len(emu.log) >= 12  # enough requests that unthrottled they would break the limit
        assert emu.count(status=429) == 0
        assert emu.max_in_window(1.0) <= 4
        sql = " UNION ALL ".join(
            f"SELECT '{t}', count(*), count(DISTINCT id) FROM {{{t}}}" for t in resources
        )
        counts = {table: (rows, keys) for table, rows, keys in query(pipeline, sql)}
        sizes = emu.sizes()
        assert counts == {t: (sizes[t], sizes[t]) for t in resources}
