"""The command line: ``actionnetwork`` (also ``actionnetwork-async`` and
``python -m actionnetwork_async``).

    actionnetwork export people --modified-since 2026-01-01 --format csv --output people.csv
    actionnetwork export people --since-file people.watermark -o changed.jsonl
    actionnetwork import people --from people.csv --tag volunteer
    actionnetwork get events 1efc3644-af25-4253-90b8-a0baf12dbd1e
    actionnetwork unique-id-lists create "Volunteers" --from ids.txt
    actionnetwork demo

It runs on the blocking client. The key comes from ``ACTION_NETWORK_API_KEY`` or
``--api-key-file`` (never an option holding the key itself: it would stay in shell history);
``--base-url`` or ``ACTION_NETWORK_BASE_URL`` point it elsewhere, such as the emulator;
``--redis-url`` or ``ACTION_NETWORK_REDIS_URL`` share the key's rate limit through Redis with
every other process using the key (docs/redis.md). Expected
failures end with one line on stderr and a non-zero status: 1 for an error from the API or the
network, 2 for a usage or configuration mistake, 130 after Ctrl-C (143 after SIGTERM).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from .._settings import API_KEY_ENV, BASE_URL_ENV, DEFAULT_CONCURRENCY, REDIS_URL_ENV
from ..errors import ActionNetworkError, CheckpointLockedError, ConfigurationError
from ..resources.catalog import Catalog

if TYPE_CHECKING:
    from ..models import ResourceModel
    from ..sync import ActionNetwork

# The client, the models and the commands' own modules are imported by the command that runs
# (``actionnetwork --help`` imports click and this module only: tests/test_startup.py).

__all__ = ["cli", "cli_name", "getters", "main"]

PROG = "actionnetwork"
F = TypeVar("F", bound=Callable[..., Any])


class Failed(Exception):
    """A command failed in an expected way: one line for stderr, and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors are one line on stderr)."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False
        )
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        return _fail("interrupted", 130)
    except Failed as exc:
        return _fail(str(exc), exc.status)
    except (ConfigurationError, CheckpointLockedError) as exc:  # a run on a checkpoint in use
        return _fail(str(exc), 2)
    except ActionNetworkError as exc:
        return _fail(str(exc), 1)
    except OSError as exc:  # a full disk included: the message names the file
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 1)
    except UnicodeError as exc:  # an argument that is not UTF-8 (a byte name, a bad locale)
        return _fail(_not_utf8(sys.argv[1:] if argv is None else argv, exc), 1)
    return result if isinstance(result, int) else 0


def _not_utf8(argv: Sequence[str], exc: UnicodeError) -> str:
    """One line for text that is not UTF-8: the arguments that are not, shown byte for byte."""
    bad = [arg for arg in argv if not _is_utf8(arg)]
    if not bad:
        return f"text that is not valid UTF-8 ({exc})"
    shown = ", ".join(os.fsencode(arg).decode("utf-8", "backslashreplace") for arg in bad)
    return f"{shown}: not UTF-8 text; give names and values in UTF-8"


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fail(message: str, status: int) -> int:
    click.echo(f"{PROG}: error: {' '.join(message.split())}", err=True)
    return status


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Action Network API v2 from the shell: export collections, get records, write unique ID
    lists, all at the API's rate limit, with retries and progress."""


# -- shared options ---------------------------------------------------------------------------
def api_options(command: F) -> F:
    """``--api-key-file``, ``--base-url``, ``--rate-limit``, ``--redis-url`` and ``-v``, for
    every API command."""
    options = [
        click.option(
            "--api-key-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help=f"File holding the API key (default: the {API_KEY_ENV} variable).",
        ),
        click.option(
            "--base-url",
            metavar="URL",
            help=f"API base URL (default: {BASE_URL_ENV}, else the real API).",
        ),
        click.option(
            "--rate-limit",
            type=click.FloatRange(min=0, min_open=True),
            help="Requests per second (default: the API's 4); lower it to leave room for "
            "other jobs using the same key.",
        ),
        click.option(
            "--redis-url",
            metavar="URL",
            help="Share the key's rate limit through this Redis with every process using the "
            f"key (default: {REDIS_URL_ENV}; prefer the variable for a URL with a password).",
        ),
        click.option("-v", "--verbose", is_flag=True, help="Log retries as they happen."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def connect(
    api_key_file: Path | None,
    base_url: str | None,
    rate_limit: float | None,
    redis_url: str | None,
    verbose: bool,
) -> ActionNetwork:
    """A blocking client from the shared options."""
    from ..sync import ActionNetwork

    configure_logging(verbose)
    api_key, options = client_options(api_key_file, base_url, rate_limit, redis_url)
    return ActionNetwork(api_key, **options)


def client_options(
    api_key_file: Path | None,
    base_url: str | None,
    rate_limit: float | None,
    redis_url: str | None,
) -> tuple[str | None, dict[str, Any]]:
    """The API key (None: the client reads the variable) and the client's keyword arguments
    the shared options ask for; a missing or unreadable key fails with status 2."""
    api_key = None
    if api_key_file is not None:
        try:
            api_key = api_key_file.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise Failed(f"the key file {api_key_file} is not UTF-8 text", 2) from None
        if not api_key:
            raise Failed(f"the key file {api_key_file} is empty", 2)
    elif not os.environ.get(API_KEY_ENV):
        raise Failed(f"no API key: set {API_KEY_ENV} or pass --api-key-file FILE", 2)
    options: dict[str, Any] = {}
    if base_url is not None:
        options["base_url"] = base_url
    if rate_limit is not None:
        options["rate_limit"] = rate_limit
    from .._entrycache import default_cache_dir

    # the entry point's links, shared by the runs of one key for a few minutes
    options["entry_cache"] = redis_url or os.environ.get(REDIS_URL_ENV) or default_cache_dir()
    if redis_url:  # without it, the client reads ACTION_NETWORK_REDIS_URL itself
        from ..redis import RedisRateLimiter

        options["rate_limit"] = RedisRateLimiter.for_api_key(
            redis_url,
            api_key or os.environ[API_KEY_ENV],
            base_url,
            rate=4.0 if rate_limit is None else rate_limit,  # the API's limit by default
        )
    return api_key, options


def configure_logging(verbose: bool) -> None:
    """Retries are logged (as warnings) with ``-v`` only."""
    logging.basicConfig(
        level=logging.WARNING if verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )


def with_client(command: Callable[..., int | None]) -> Callable[..., int | None]:
    """Give the command a connected client as ``an``; close it however the command ends."""

    @functools.wraps(command)
    def run(
        api_key_file: Path | None,
        base_url: str | None,
        rate_limit: float | None,
        redis_url: str | None,
        verbose: bool,
        **kwargs: Any,
    ) -> int | None:
        from ._signals import Interrupted, interrupts

        with interrupts() as signals:
            an = connect(api_key_file, base_url, rate_limit, redis_url, verbose)
            try:
                return command(an, **kwargs)
            except KeyboardInterrupt:
                raise Failed(signals.describe(), signals.status) from None
            except Interrupted as stopped:
                raise Failed(f"{signals.describe()}: {stopped}", signals.status) from None
            finally:
                an.close()

    return run


def refuse_overwriting(
    outputs: Mapping[str, Path | None], inputs: Mapping[str, Path | None]
) -> None:
    """Fail (status 2), before anything is written, when an output option names an input file
    or the file of another output: the same path once resolved, or the same file (inode) under
    another name. Writing it would destroy what the command reads or writes."""
    taken = [(option, path) for option, path in inputs.items() if path is not None]
    for option, path in outputs.items():
        if path is None:
            continue
        for other, other_path in taken:
            if _same_file(path, other_path):
                raise Failed(
                    f"{option} {path} names the file of {other} {other_path}: writing it would "
                    "destroy it; choose another file",
                    2,
                )
        taken.append((option, path))


def _same_file(one: Path, other: Path) -> bool:
    try:
        if one.resolve() == other.resolve():
            return True
    except (OSError, RuntimeError):  # a loop of links: compare the files themselves
        pass
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist yet
        return False


def _key_file() -> Path | None:
    """The command's ``--api-key-file``: an input no output may name."""
    value = click.get_current_context().params.get("api_key_file")
    return value if isinstance(value, Path) else None


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout, non-ASCII kept as it is."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def record_of(model: ResourceModel) -> dict[str, Any]:
    """Every field the API sent for a record."""
    from .export import record_data

    return dict(record_data(model))


if TYPE_CHECKING:
    _Choice = click.Choice[str]
else:  # click.Choice is generic from click 8.2 on; 8.1, the lowest we take, is not
    _Choice = click.Choice


class LazyChoice(_Choice):
    """A ``click.Choice`` whose choices are read on first use: the collections the command
    takes come from the catalog's facades, imported then (not by ``actionnetwork --help``)."""

    def __init__(self, choices: Callable[[], Iterable[str]]) -> None:
        self._source = choices
        self._found: tuple[str, ...] | None = None
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        """The choices, sorted."""
        if self._found is None:
            self._found = tuple(sorted(self._source()))
        return self._found

    @choices.setter
    def choices(self, value: Iterable[str]) -> None:
        """``click.Choice.__init__`` sets them: they are read from the source instead."""


def export_kinds() -> Iterable[str]:
    """The collections ``export`` takes: those ``get`` reads, every collection the catalog
    declares (``cli.export.KINDS`` has an export of each: tests/test_catalog.py), read without
    importing the export's writers."""
    return getters()


# -- export -----------------------------------------------------------------------------------
@cli.command()
@click.argument("kind", type=LazyChoice(export_kinds))
@click.option("--filter", "odata", metavar="ODATA", help="OData filter, as the API takes it.")
@click.option(
    "--modified-since",
    metavar="DATE",
    callback=lambda ctx, param, value: None if value is None else _parse_when(value),
    help="Only records changed after DATE (2026-01-31 or 2026-01-31T12:00:00Z; UTC if no zone).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="jsonl keeps every field; csv flattens to columns.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    default=Path("-"),
    help="File to write (default: stdout). Written whole or not at all.",
)
@click.option(
    "--custom-fields",
    metavar="NAMES",
    help="CSV: custom field columns, comma-separated (default: those of the first 100 "
    "records; any other goes into custom_fields_other as JSON).",
)
@click.option(
    "--with-tags",
    is_flag=True,
    help="People: add each person's tag names (a tags column), read in one walk over the "
    "tags and their taggings before the people.",
)
@click.option(
    "--since-file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="STATE",
    help="Only what changed since the export that wrote STATE (people, events); STATE is "
    "updated once this export is complete. No STATE yet: everything.",
)
@click.option(
    "--no-formula-guard",
    is_flag=True,
    help="CSV: write cells starting with = + - @ (or a tab or CR) as they are. By default they "
    "get a leading ' so a spreadsheet shows them as text, not a formula; numbers and phone "
    "numbers (+12025550100) are always left as they are.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@api_options
@with_client
def export(
    an: ActionNetwork,
    kind: str,
    odata: str | None,
    modified_since: datetime | None,
    fmt: str,
    output: Path,
    custom_fields: str | None,
    with_tags: bool,
    since_file: Path | None,
    no_formula_guard: bool,
    quiet: bool,
) -> int:
    """Stream a whole collection (people, events, unique-id-lists) to a file or stdout;
    people with their tags too (--with-tags)."""
    from ..filters import parse_filter
    from ..watermark import Watermark
    from .export import KINDS, export_collection

    refuse_overwriting(
        {"--output": None if str(output) == "-" else output},
        {"--since-file": since_file, "--api-key-file": _key_file()},
    )
    if no_formula_guard and fmt != "csv":
        raise click.UsageError("--no-formula-guard applies to --format csv")
    if custom_fields is not None and (fmt != "csv" or not KINDS[kind].custom_fields):
        raise click.UsageError("--custom-fields applies to --format csv of people")
    if with_tags and not KINDS[kind].taggable:
        raise click.UsageError("--with-tags applies to people")
    if since_file is not None and KINDS[kind].changes is None:
        raise click.UsageError("--since-file applies to people and events")
    if since_file is not None and (odata or modified_since):
        raise click.UsageError("--since-file cannot be combined with --filter or --modified-since")
    if (odata or modified_since) and not KINDS[kind].filterable:
        raise click.UsageError("--filter and --modified-since apply to people and events")
    if odata:
        parse_filter(odata)  # what it cannot read is refused (status 2) before any request
    watermark = Watermark.load(since_file) if since_file is not None else None
    fields = [n.strip() for n in custom_fields.split(",") if n.strip()] if custom_fields else None
    notes = export_collection(
        an,
        KINDS[kind],
        odata=odata,
        modified_since=modified_since,
        fmt=fmt,
        output=None if str(output) == "-" else output,
        custom_fields=fields,
        quiet=quiet,
        with_tags=with_tags,
        since=watermark,
        formula_guard=not no_formula_guard,
    )
    if since_file is not None and watermark is not None:
        watermark.save(since_file)  # only now: every record is written, the file in place
    for note in notes:
        click.echo(f"{PROG}: note: {note}", err=True)
    return 0


# -- import -----------------------------------------------------------------------------------
@cli.command("import")
@click.argument("kind", type=click.Choice(["people"]))
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV or JSONL file of people, read as it is sent.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: from the extension."
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file of the records that failed (default: FILE.failures.jsonl).",
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where confirmed records are kept (default: FILE.checkpoint).",
)
@click.option("--resume", is_flag=True, help="Go on from the checkpoint of an earlier run.")
@click.option("--tag", "tags", multiple=True, metavar="NAME", help="Tag every person (repeatable).")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Requests in flight at once (the rate limit still applies).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@api_options
@with_client
def import_command(
    an: ActionNetwork,
    kind: str,
    source: Path,
    fmt: str | None,
    report: Path | None,
    checkpoint: Path | None,
    resume: bool,
    tags: tuple[str, ...],
    concurrency: int,
    quiet: bool,
) -> int:
    """Create or update people from a file, through the signup helper (matched by email, then
    phone), at the rate limit. Failures go to a report and the import goes on; --resume skips
    what an interrupted run confirmed."""
    from .importing import file_format, import_people, read_people

    report = report or source.with_name(source.name + ".failures.jsonl")
    checkpoint = checkpoint or source.with_name(source.name + ".checkpoint")
    refuse_overwriting(
        {"--report": report, "--checkpoint": checkpoint},
        {"--from": source, "--api-key-file": _key_file()},
    )
    records = read_people(source, file_format(source, fmt))
    if checkpoint.exists() and not resume:
        raise Failed(
            f"{checkpoint} is there from an earlier run: pass --resume to go on from it (its "
            "confirmed records are skipped), or delete it to start over",
            2,
        )
    summary = import_people(
        an,
        records,
        add_tags=list(tags),
        concurrency=concurrency,
        checkpoint=checkpoint,
        report=report,
        quiet=quiet,
    )
    note = f"{source.name}: {summary}"
    if summary.failed or summary.unknown:
        note += f"; see {report}, then run again with --resume to retry them"
    else:
        checkpoint.unlink(missing_ok=True)  # the job is done: nothing to resume
        if report.exists() and not report.stat().st_size:
            report.unlink()
    click.echo(f"{PROG}: note: {note}", err=True)
    return 1 if summary.failed or summary.unknown else 0


# -- get --------------------------------------------------------------------------------------
def cli_name(attribute: str) -> str:
    """A collection's name on the command line: ``fundraising_pages`` -> ``fundraising-pages``."""
    return attribute.replace("_", "-")


@functools.cache
def getters() -> dict[str, Callable[[ActionNetwork, str], ResourceModel]]:
    """Every collection the catalog declares, by its CLI name (``unique-id-lists``): what
    ``get`` reads, one item by id. Reading whether a declaration is a collection imports the
    facades, so this runs when ``get`` does."""
    from ..resources.base import Collection

    return {
        cli_name(name): functools.partial(
            lambda an, item, name: getattr(an, name).get(item), name=name
        )
        for name, declared in Catalog.declared().items()
        if isinstance(declared.kind, type) and issubclass(declared.kind, Collection)
    }


@cli.command()
@click.argument("kind", type=LazyChoice(getters))
@click.argument("item_id", metavar="ID")
@api_options
@with_client
def get(an: ActionNetwork, kind: str, item_id: str) -> int:
    """Print one record (every field) as JSON."""
    print_json(record_of(getters()[kind](an, item_id)))
    return 0


# -- sync -------------------------------------------------------------------------------------
@cli.command()
@click.option(
    "--destination",
    metavar="NAME",
    help="A dlt destination (postgres, bigquery, snowflake ...; credentials from dlt's own "
    "configuration, never here). Default: an embedded DuckDB file, actionnetwork.duckdb, here.",
)
@click.option(
    "--dataset",
    default="action_network",
    show_default=True,
    help="The dataset (schema) the tables go into.",
)
@click.option(
    "--resources",
    metavar="NAMES",
    help="Only these tables, comma separated (people,events,...); default: every one.",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Drop the tables and the incremental state, and read everything again.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@api_options
def sync(
    destination: str | None,
    dataset: str,
    resources: str | None,
    full_refresh: bool,
    quiet: bool,
    api_key_file: Path | None,
    base_url: str | None,
    rate_limit: float | None,
    redis_url: str | None,
    verbose: bool,
) -> int:
    """Mirror the group into a database (dlt): people and events incrementally, the rest whole,
    merged on their Action Network id (docs/warehouse.md)."""
    from ..sync import ActionNetwork
    from ._signals import interrupts
    from .sync import SyncFailed, run_sync, summary_lines

    configure_logging(verbose)
    try:
        import dlt  # noqa: F401  (the extra)
    except ImportError:
        raise Failed(
            "sync needs the warehouse extra: pip install 'actionnetwork-async[warehouse]'", 2
        ) from None
    api_key, options = client_options(api_key_file, base_url, rate_limit, redis_url)
    names = [n.strip() for n in resources.split(",") if n.strip()] if resources else None
    rate = options.get("rate_limit", 4.0)
    try:
        with interrupts() as signals:
            try:
                summary = run_sync(
                    lambda: ActionNetwork(api_key, **options),
                    rate=rate if isinstance(rate, (int, float)) else None,
                    destination=destination,
                    dataset=dataset,
                    resources=names,
                    full_refresh=full_refresh,
                    say=lambda line: click.echo(f"{PROG}: {line}", err=True),
                    quiet=quiet,
                )
            except KeyboardInterrupt:
                raise Failed(
                    f"{signals.describe()}; run it again: what was loaded stays, and reading "
                    "starts again from the last committed watermark",
                    signals.status,
                ) from None
    except SyncFailed as exc:
        raise Failed(str(exc), exc.status) from exc
    for line in summary_lines(summary):
        click.echo(line)
    return 0


# -- unique ID lists --------------------------------------------------------------------------
@cli.group("unique-id-lists")
def unique_id_lists() -> None:
    """Create or change unique ID lists from files of people ids, one per line."""


def ids_options(command: F) -> F:
    """``--from FILE`` and ``--quiet``, for the commands that send ids."""
    command = click.option("-q", "--quiet", is_flag=True, help="No progress display.")(command)
    return click.option(
        "--from",
        "source",
        type=click.File("r", encoding="utf-8"),
        required=True,
        help="File of people ids, one per line ('-' for stdin); read as it is sent.",
    )(command)


def read_ids(source: IO[str], quiet: bool) -> Iterator[str]:
    """The ids of a file, streamed (blank lines skipped), counted on the progress display."""
    from .export import progress_bar
    from .importing import read_checked

    with progress_bar("ids read", quiet) as bar:
        for line in read_checked(Path(source.name).name, source, lambda read: read + 1):
            if stripped := line.strip():
                yield stripped
                bar.update()


@unique_id_lists.command("create")
@click.argument("name")
@ids_options
@api_options
@with_client
def create_list(an: ActionNetwork, name: str, source: IO[str], quiet: bool) -> int:
    """Create a list named NAME from the ids in a file; print it as JSON."""
    print_json(record_of(an.unique_id_lists.create(name, read_ids(source, quiet))))
    return 0


@contextlib.contextmanager
def list_lock(an: ActionNetwork, list_id: str) -> Iterator[None]:
    """Without Redis, the client's lock on a list holds within that client only: a lock file
    of this user's (named by a hash of the base URL and the list id) keeps two commands on
    this machine from changing one list at once. With Redis, the client's lock is shared."""
    client = an._aio
    if client.shared_locks is not None:
        yield
        return
    from .._files import local_lock

    with local_lock(client.base_url, list_id.strip()):
        yield


@unique_id_lists.command("append")
@click.argument("list_id", metavar="ID")
@ids_options
@api_options
@with_client
def append_to_list(an: ActionNetwork, list_id: str, source: IO[str], quiet: bool) -> int:
    """Append the ids in a file to list ID, a chunk at a time; print the list as JSON."""
    with list_lock(an, list_id):
        print_json(record_of(an.unique_id_lists.append(list_id, read_ids(source, quiet))))
    return 0


@unique_id_lists.command("replace")
@click.argument("list_id", metavar="ID")
@ids_options
@api_options
@with_client
def replace_list(an: ActionNetwork, list_id: str, source: IO[str], quiet: bool) -> int:
    """Replace the ids of list ID with those in a file; print the list as JSON."""
    with list_lock(an, list_id):
        print_json(record_of(an.unique_id_lists.replace(list_id, read_ids(source, quiet))))
    return 0


# -- demo -------------------------------------------------------------------------------------
def _not_negative(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value is not None and value < 0:
        raise click.BadParameter("must not be negative")
    return value


@cli.command()
@click.option("--people", type=int, default=1000, callback=_not_negative, help="People to seed.")
@click.option("--events", type=int, default=100, callback=_not_negative, help="Events to seed.")
@click.option(
    "--latency", type=float, default=0.2, callback=_not_negative, help="Server seconds/request."
)
@click.option("--prefetch", type=click.IntRange(min=1), help="Pages in flight per stream.")
@click.option("--no-faults", is_flag=True, help="Inject no failures.")
@click.option("-v", "--verbose", is_flag=True, help="Log retries as they happen.")
def demo(
    people: int, events: int, latency: float, prefetch: int | None, no_faults: bool, verbose: bool
) -> int:
    """Stream people and events from the built-in emulator, at its 4 requests/s limit."""
    import asyncio

    from ..demo import run_demo

    configure_logging(verbose)
    asyncio.run(
        run_demo(
            people=people, events=events, latency=latency, faults=not no_faults, prefetch=prefetch
        )
    )
    return 0


def _parse_when(value: str) -> datetime:
    from .export import parse_when

    return parse_when(value)
