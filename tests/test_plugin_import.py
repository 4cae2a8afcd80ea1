"""The pytest plugin costs nothing to other people's test runs, and the lazy package loses nothing.

pytest imports the plugin (entry point ``pytest11``) in every run of every project that installs
the library, so importing it must not import the client or the emulator. The package's names are
imported on first use (``actionnetwork_async._lazy``): ``from actionnetwork_async import X``,
``import *``, attribute access, ``dir()`` and type checkers see what they always saw.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import actionnetwork_async

ROOT = Path(__file__).parent.parent
#: The packages whose ``__init__`` exports its names lazily.
LAZY_PACKAGES = ["actionnetwork_async", "actionnetwork_async.testing"]
#: What the plugin must not import: the HTTP stack, the models' converter, the client and the
#: emulator (each costs hundreds of milliseconds).
HEAVY = ("aiohttp", "cattrs", "actionnetwork_async.client", "actionnetwork_async.testing.emulator")

pytest_plugins = ["pytester"]


def run_python(program: str) -> list[Any]:
    """What ``program`` prints in a fresh interpreter, one JSON value a line."""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_plugin_imports_pytest_and_nothing_heavy() -> None:
    added, heavy = run_python(
        "import json, sys\n"
        "import pytest\n"
        "before = set(sys.modules)\n"
        "import actionnetwork_async.testing.pytest_plugin\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    assert heavy == []
    # beyond what pytest imports itself, only the plugin and the lazy packages it lives in
    assert added == [
        "actionnetwork_async",
        "actionnetwork_async._lazy",
        "actionnetwork_async.testing",
        "actionnetwork_async.testing.pytest_plugin",
    ]


def test_a_name_is_imported_on_first_use() -> None:
    before, module, after, cached = run_python(
        "import json, sys\n"
        "import actionnetwork_async\n"
        "print(json.dumps('actionnetwork_async.client' in sys.modules))\n"
        "print(json.dumps(actionnetwork_async.ActionNetwork.__module__))\n"
        "print(json.dumps('actionnetwork_async.client' in sys.modules))\n"
        "print(json.dumps('ActionNetwork' in vars(actionnetwork_async)))\n"
    )
    assert (before, module, after, cached) == (False, "actionnetwork_async.client", True, True)


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_public_name_imports_as_before(name: str) -> None:
    package = importlib.import_module(name)
    namespace: dict[str, Any] = {}
    exec(f"from {name} import *", namespace)
    del namespace["__builtins__"]
    assert sorted(namespace) == sorted(package.__all__)
    for exported, value in namespace.items():
        assert getattr(package, exported) is value
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="has no attribute 'Misspelt'"):
        package.Misspelt  # noqa: B018


def test_submodules_import_as_attributes_and_by_name() -> None:
    assert actionnetwork_async.webhooks is sys.modules["actionnetwork_async.webhooks"]
    assert callable(actionnetwork_async.webhooks.parse)  # a public module, in __all__
    from actionnetwork_async import models  # a submodule the lazy table does not name

    assert models is sys.modules["actionnetwork_async.models"]


def lazy_table(tree: ast.Module) -> dict[str, str]:
    """name -> relative module, from the ``lazy_exports(globals(), {...})`` call of a module."""
    (call,) = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_exports"
    ]
    table = ast.literal_eval(call.args[1])
    return {name: module for module, names in table.items() for name in names}


def type_checking_imports(tree: ast.Module) -> dict[str, str]:
    """name -> relative module, from the ``if TYPE_CHECKING:`` imports of a module."""
    (guard,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    ]
    return {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in guard.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_type_checkers_see_the_names_that_run(name: str) -> None:
    """mypy and the API reference (griffe) read the ``if TYPE_CHECKING:`` imports; the lazy
    table serves the same names from the same modules, and ``__all__`` lists them."""
    package = importlib.import_module(name)
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text())
    imported = type_checking_imports(tree)
    assert imported == lazy_table(tree)
    assert sorted(imported) == sorted(set(package.__all__) - {"__version__"})


SNIPPET = """
import actionnetwork_async
from actionnetwork_async import ActionNetwork, Misspelt
from actionnetwork_async.testing import Emulater, Emulator

reveal_type(ActionNetwork("key"))
reveal_type(Emulator())
reveal_type(actionnetwork_async.webhooks.parse)
actionnetwork_async.Nothing
"""


@pytest.mark.slow  # mypy --strict in a subprocess
def test_mypy_sees_the_types_and_a_misspelt_name(tmp_path: Path) -> None:
    """The lazy ``__getattr__`` is hidden from type checkers: a module ``__getattr__`` would make
    every unknown name ``Any`` and let a misspelt import through."""
    source = tmp_path / "use_lazy.py"
    source.write_text(SNIPPET)
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(source)],
        cwd=ROOT,  # the project's mypy cache keeps this quick
        capture_output=True,
        text=True,
        check=False,
    )
    lines = checked.stdout.splitlines()
    reveals = [line.split('Revealed type is "')[1] for line in lines if "Revealed" in line]
    assert reveals[0].startswith("actionnetwork_async.client.ActionNetwork"), checked.stdout
    assert reveals[1].startswith("actionnetwork_async.testing.emulator.Emulator"), checked.stdout
    assert "actionnetwork_async.webhooks.payloads.WebhookEvent" in reveals[2], checked.stdout
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == 3, checked.stdout
    for missing in ('"Misspelt"', '"Emulater"', '"Nothing"'):
        assert any(missing in error for error in errors), checked.stdout


def test_the_plugin_registers_the_marker_and_the_fixtures(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure("-o", "asyncio_default_fixture_loop_scope=function")
    assert any(line.startswith("an_emulator(") for line in config.getini("markers"))
    assert config.pluginmanager.get_plugin("actionnetwork_async.fixtures") is not None


def test_without_pytest_asyncio_only_the_marker_is_registered(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "pytest_asyncio" else find_spec(name, *args),
    )
    config = pytester.parseconfigure("-p", "no:asyncio")
    assert any(line.startswith("an_emulator(") for line in config.getini("markers"))
    assert config.pluginmanager.get_plugin("actionnetwork_async.fixtures") is None
