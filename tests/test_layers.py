"""The layers of docs/architecture.md hold: no import runs back up a layer, the parsing layers do
no I/O, and the emulator imports none of the client's code.

The contracts are in pyproject.toml (``[tool.importlinter]``); import-linter checks them on the
whole import graph, indirect chains and imports inside functions included. Imports under
``if TYPE_CHECKING:`` are annotations only and are not counted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint(*config: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", "--no-logo", *config],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    checked = lint()
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "3 kept, 0 broken" in checked.stdout, checked.stdout


def test_an_import_up_a_layer_is_caught(tmp_path: Path) -> None:
    """Control: the same checker, told that the walker sits above the client, finds the
    client's import of the walker (so a kept contract is not a contract that checks nothing)."""
    config = tmp_path / "upside_down.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_package = "actionnetwork_async"\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "upside down"\n'
        'type = "layers"\n'
        'layers = ["actionnetwork_async.walker", "actionnetwork_async.client"]\n'
    )
    checked = lint("--config", str(config))  # the option every locked version takes
    assert checked.returncode != 0
    assert "actionnetwork_async.client is not allowed to import" in checked.stdout, (
        checked.stdout + checked.stderr
    )
