"""Start-up imports only what the first use needs: the client leaves models, bulk writes, Redis,
webhooks, the warehouse and the emulator to their first use, and ``actionnetwork --help`` imports
no HTTP stack. benchmarks/startup.py measures the times; these tests check what is imported."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from actionnetwork_async.resources import catalog
from actionnetwork_async.resources._declare import Later

ROOT = Path(__file__).parent.parent
#: Not imported by ``from actionnetwork_async import ActionNetwork``.
NOT_FOR_THE_CLIENT = (
    "aiohttp.web",
    "redis",
    "click",
    "cattrs",
    "aiolimiter",
    "backoff",
    "uritemplate",
    "dlt",
    "opentelemetry",
    "actionnetwork_async.bulk",
    "actionnetwork_async.cli",
    "actionnetwork_async.models",
    "actionnetwork_async.redis",
    "actionnetwork_async.redis_lock",
    "actionnetwork_async.testing",
    "actionnetwork_async.warehouse",
    "actionnetwork_async.webhooks",
)
#: Not imported by the command line's top level (``actionnetwork --help``).
NOT_FOR_HELP = (
    "aiohttp",
    "cattrs",
    "redis",
    "tqdm",
    "actionnetwork_async.client",
    "actionnetwork_async.models",
    "actionnetwork_async.sync",
    "actionnetwork_async.transport",
)


def imported_by(program: str) -> set[str]:
    """The modules in ``sys.modules`` once ``program`` ran in a fresh interpreter."""
    report = "import json, sys\nprint(json.dumps(list(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", f"{program}\n{report}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The names of ``names`` that are in ``modules``, or have a submodule there."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize(
    "program",
    [
        "from actionnetwork_async import ActionNetwork",
        "from actionnetwork_async import ActionNetwork\nActionNetwork('k', base_url='http://x/')",
    ],
)
def test_the_client_imports_none_of_what_it_does_not_use_yet(program: str) -> None:
    modules = imported_by(program)
    assert "aiohttp" in modules  # control: the client is imported
    assert loaded(modules, NOT_FOR_THE_CLIENT) == []


def test_a_facade_imports_its_models_on_first_use() -> None:
    modules = imported_by(
        "from actionnetwork_async import ActionNetwork\n"
        "ActionNetwork('k', base_url='http://x/').people"
    )
    assert {"actionnetwork_async.models", "actionnetwork_async.resources.people"} <= modules


def test_help_imports_no_http_stack() -> None:
    modules = imported_by("from actionnetwork_async.cli import cli")
    assert "click" in modules  # control
    assert loaded(modules, NOT_FOR_HELP) == []


def test_the_catalogs_stand_ins_are_its_imports() -> None:
    """The names ``resources.catalog`` imports for type checkers are the stand-ins it declares
    with at run time, from the same modules."""
    tree = ast.parse(Path(catalog.__file__).read_text())
    (block,) = (
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imported: dict[str, object] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if node.module:  # from .people import People
                source = importlib.import_module(module, catalog.__package__)
                imported[alias.name] = getattr(source, alias.name)
            else:  # from .. import models
                name = importlib.util.resolve_name(module + alias.name, catalog.__package__)
                imported[alias.name] = importlib.import_module(name)
    stand_ins = {n: v for n, v in vars(catalog).items() if isinstance(v, Later)}
    assert sorted(stand_ins) == sorted(imported)
    for name, stand_in in stand_ins.items():
        assert stand_in.resolve() is imported[name], name


def test_get_reads_its_collections_without_the_export_machinery() -> None:
    """``get`` checks its argument against the catalog before its request: that imports the
    facades, not the export's writers and progress display."""
    modules = imported_by("from actionnetwork_async.cli import getters\ngetters()")
    assert "actionnetwork_async.resources.people" in modules  # control
    assert loaded(modules, ("tqdm", "actionnetwork_async.cli.export")) == []


def test_the_blocking_client_leaves_cattrs_bulk_and_redis_to_their_first_use() -> None:
    """The blocking client imports every model and facade (its twins name them); the models'
    converter (cattrs), the bulk engine and the Redis limiter wait for their first use."""
    modules = imported_by("from actionnetwork_async.sync import ActionNetwork")
    assert "actionnetwork_async.models.people" in modules  # control
    later = ("cattrs", "actionnetwork_async.bulk", "actionnetwork_async.redis")
    assert loaded(modules, later) == []
