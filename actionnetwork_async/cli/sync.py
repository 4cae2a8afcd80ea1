"""``actionnetwork sync``: mirror the group into a database through dlt
(``actionnetwork_async.warehouse``; docs/warehouse.md is the guide).

With no ``--destination`` it writes an embedded DuckDB file, ``actionnetwork.duckdb``, in the
working directory; any dlt destination is taken by name, its credentials read by dlt from its
own configuration (``DESTINATION__POSTGRES__CREDENTIALS``, ``.dlt/secrets.toml``), never from
the command line. Each destination and dataset has a pipeline (and so an incremental state) of
its own, so syncing a second destination starts it from nothing instead of from the first one's
watermark.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ActionNetworkError
from ..sync import ActionNetwork

#: The DuckDB file written when no destination is named.
DEFAULT_DUCKDB = "actionnetwork.duckdb"
#: Seconds between two progress lines.
PROGRESS_EVERY = 2.0


class SyncFailed(Exception):
    """The sync stopped: the message says why and how to go on; ``status`` is the exit code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def pipeline_name(destination: str | None, dataset: str) -> str:
    """The dlt pipeline of one destination and dataset: its state is the incremental one."""
    return re.sub(r"\W+", "_", f"actionnetwork_{destination or 'duckdb'}_{dataset}").lower()


def run_sync(
    make_client: Callable[[], ActionNetwork],
    *,
    rate: float | None,
    destination: str | None,
    dataset: str,
    resources: list[str] | None,
    full_refresh: bool,
    say: Callable[[str], object],
    quiet: bool,
) -> dict[str, Any]:
    """Run the pipeline; return what the summary says (rows per table, elapsed, requests)."""
    import dlt

    from ..warehouse import COLLECTIONS, actionnetwork_source

    known = [c.name for c in COLLECTIONS]
    unknown = sorted(set(resources or ()) - set(known))
    if unknown:
        raise SyncFailed(
            f"no such resource: {', '.join(unknown)}; choose from {', '.join(known)}", 2
        )
    clients: list[ActionNetwork] = []

    def client() -> ActionNetwork:
        made = make_client()
        clients.append(made)
        return made

    rows: Counter[str] = Counter()
    source = actionnetwork_source(client=client, progress=lambda name, n: rows.update({name: n}))
    if resources:
        source = source.with_resources(*resources)
    target: Any = destination or dlt.destinations.duckdb(DEFAULT_DUCKDB)
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name(destination, dataset),
        destination=target,
        dataset_name=dataset,
    )
    started = time.monotonic()

    def requests() -> int:
        return sum(c.stats.attempts for c in clients)

    done = threading.Event()
    reporter = threading.Thread(
        target=_report,
        args=(done, rows, requests, started, say),
        name="actionnetwork-sync-progress",
        daemon=True,
    )
    if not quiet:
        reporter.start()
    try:
        if full_refresh:
            pipeline.run(source, refresh="drop_sources")
        else:
            pipeline.run(source)
    except Exception as exc:
        raise SyncFailed(_why(exc)) from exc
    finally:
        done.set()
        if reporter.is_alive():
            reporter.join()
    elapsed = time.monotonic() - started
    trace = pipeline.last_trace
    loaded = trace.last_normalize_info if trace is not None else None
    tables = {
        table: count
        for table, count in sorted((loaded.row_counts if loaded else {}).items())
        if not table.startswith("_dlt")
    }
    made = requests()
    return {
        "tables": tables,
        "records": dict(rows),
        "elapsed": elapsed,
        "requests": made,
        "limit_used": made / (elapsed * rate) if rate and elapsed > 0 else None,
        "pipeline": pipeline.pipeline_name,
        "destination": destination or DEFAULT_DUCKDB,
    }


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """The summary the command prints at the end."""
    lines = [f"{table:<40} {count:>10,} rows" for table, count in summary["tables"].items()]
    used = summary["limit_used"]
    share = "" if used is None else f", {used:.0%} of the rate limit"
    lines.append(
        f"synced into {summary['destination']} in {summary['elapsed']:.1f} s: "
        f"{summary['requests']:,} requests{share}"
    )
    return lines


def _report(
    done: threading.Event,
    rows: Counter[str],
    requests: Callable[[], int],
    started: float,
    say: Callable[[str], object],
) -> None:
    """A progress line every few seconds: records per resource, requests a second."""
    while not done.wait(PROGRESS_EVERY):
        elapsed = time.monotonic() - started
        counts = " · ".join(f"{name} {n:,}" for name, n in sorted(rows.items())) or "starting"
        say(f"{counts} · {requests() / elapsed:.1f} requests/s")


def _why(exc: BaseException) -> str:
    """What stopped the sync, from dlt's wrapped error, and what to do."""
    chain = [exc]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 20:
        chain.append(cause)
    ours = [e for e in chain if isinstance(e, ActionNetworkError)]
    deepest = ours[0] if ours else chain[-1]
    lines = [line.strip() for line in str(deepest).splitlines() if line.strip()]
    what = lines[-1] if lines else type(deepest).__name__
    return (
        f"the sync stopped: {what}. Run it again: what was loaded stays, pending loads are "
        "finished first, and reading starts again from the last committed watermark"
    )
