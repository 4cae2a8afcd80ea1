"""The documentation site stays honest: every public name is documented and in the reference,
every Python block of the docs and the README type-checks, and the guides' tables match the code.

The API reference (docs/reference/) is rendered by mkdocstrings from what griffe reads, so the
docstring checks below use griffe too (with griffe-sphinx and docs/griffe_twins.py, as
mkdocs.yml does): a name counts as documented exactly when the site shows a description for it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import griffe
import pytest

from actionnetwork_async import ActionNetwork

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PACKAGE = "actionnetwork_async"
#: The public modules: their ``__all__`` is the public surface the reference must cover.
PUBLIC_MODULES = [
    PACKAGE,
    *(f"{PACKAGE}.{name}" for name in ("models", "errors", "limits", "types")),
    *(f"{PACKAGE}.{name}" for name in ("sync", "webhooks", "testing", "warehouse")),
]
PAGES = sorted(DOCS.rglob("*.md"))
_spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
assert _spec is not None
assert _spec.loader is not None
HOOKS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(HOOKS)
PYTHON_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)


@cache
def package() -> Any:
    return griffe.load(
        PACKAGE,
        search_paths=[str(ROOT)],
        extensions=griffe.load_extensions("griffe_sphinx", str(ROOT / "docs" / "griffe_twins.py")),
        resolve_aliases=True,
        resolve_external=False,
    )


def lookup(path: str) -> Any:
    """The griffe object a dotted public path names, its aliases followed."""
    found = package()[path.removeprefix(PACKAGE).lstrip(".")] if path != PACKAGE else package()
    return found.final_target if found.is_alias else found


def public_names() -> list[str]:
    return [
        f"{module}.{name}"
        for module in PUBLIC_MODULES
        for name in importlib.import_module(module).__all__
    ]


@pytest.mark.parametrize("name", public_names())
def test_every_public_name_has_a_docstring(name: str) -> None:
    found = lookup(name)
    assert found.docstring is not None, f"{name} ({found.path}) has no docstring or #: comment"
    assert found.docstring.value.strip()


def test_every_public_method_has_a_docstring() -> None:
    """The methods the reference shows for each public class, each with its description."""
    missing = []
    for name in public_names():
        found = lookup(name)
        if found.kind.value != "class":
            continue
        for member_name, member in found.members.items():
            member = member.final_target if member.is_alias else member
            public = not member_name.startswith("_")
            if public and member.kind.value == "function" and member.docstring is None:
                missing.append(f"{found.path}.{member_name}")
    assert not missing, sorted(set(missing))


def test_every_public_name_is_on_a_reference_page() -> None:
    shown: set[str] = set()
    for page in sorted((DOCS / "reference").glob("*.md")):
        text = HOOKS.on_page_markdown(page.read_text())  # as the site is built
        for identifier in re.findall(r"^::: ([\w.]+)", text, re.M):
            shown.add(lookup(identifier).path)
    missing = [name for name in public_names() if lookup(name).path not in shown]
    assert not missing, f"add these to a page of docs/reference/: {missing}"


def test_every_reference_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in PAGES:
        assert str(page.relative_to(DOCS)) in nav, f"{page} is not in mkdocs.yml's nav"


def python_blocks() -> list[tuple[str, int, str]]:
    """(page, number, code) of every ```python block of the docs and the README."""
    return [
        (str(page.relative_to(ROOT)), n, code)
        for page in [ROOT / "README.md", *PAGES]
        for n, code in enumerate(PYTHON_BLOCK.findall(page.read_text()))
    ]


def test_only_file_includes_escape_the_checks() -> None:
    """```{.python ...} fences (which ruff's Markdown formatting leaves alone) are kept for
    including a file of docs/examples/, which is type-checked and run as a file."""
    for page in PAGES:
        for code in re.findall(r"^```\{\.python[^\n]*\n(.*?)^```", page.read_text(), re.S | re.M):
            assert code.startswith('--8<-- "docs/examples/'), f"{page}: {code[:60]}"


def test_every_python_block_is_a_complete_program() -> None:
    """Blocks are type-checked as modules, so each must parse and import what it uses."""
    for page, n, code in python_blocks():
        try:
            ast.parse(code)
        except SyntaxError as error:
            pytest.fail(f"{page}, python block {n}: {error}")


@pytest.mark.slow  # mypy --strict in a subprocess over every example
def test_every_python_block_and_example_passes_mypy_strict(tmp_path: Path) -> None:
    """One mypy run over every block and docs/examples/*.py: what a user copies type-checks."""
    files = []
    for page, n, code in python_blocks():
        module = re.sub(r"\W", "_", page.removesuffix(".md")).lower()
        target = tmp_path / f"{module}_block{n}.py"
        target.write_text(f"# {page}, python block {n}\n{code}")
        files.append(str(target))
    files += [str(p) for p in sorted((DOCS / "examples").glob("*.py"))]
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *files],
        cwd=ROOT,  # the project's settings and mypy cache
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_no_page_cites_a_path_outside_the_repository() -> None:
    for page in [ROOT / "README.md", *PAGES]:
        assert "shared/" not in page.read_text(), f"{page} cites shared/: cite the public URL"


def test_the_logging_guide_names_every_logger() -> None:
    guide = (DOCS / "logging.md").read_text()
    loggers = {
        name
        for source in (ROOT / PACKAGE).rglob("*.py")
        for name in re.findall(r"getLogger\(\s*[\"']([\w.]+)[\"']", source.read_text())
    }
    assert loggers  # the package does log
    assert all(f"`{name}`" in guide for name in loggers), sorted(loggers)
    assert "getLogger(__name__)" not in "".join(
        p.read_text() for p in (ROOT / PACKAGE).rglob("*.py")
    ), "name loggers explicitly, so the guide can list them"


def test_every_equivalent_in_the_parsons_table_exists() -> None:
    """The right column names methods of this library; each must exist on the client."""
    an = ActionNetwork("not-a-real-key")  # no request is made
    rows = [
        line
        for line in (DOCS / "parsons.md").read_text().splitlines()
        if line.startswith("| `") and "(" in line
    ]
    assert len(rows) >= 60
    for row in rows:
        ours = row.split("|")[2]
        for call in re.findall(r"`(an(?:\.\w+)+)\(", ours):
            target: Any = an
            for attribute in call.split(".")[1:]:
                assert hasattr(target, attribute), f"{call} in: {row}"
                target = getattr(target, attribute)


def test_every_quirk_links_to_the_api_documentation() -> None:
    rows = [
        line
        for line in (DOCS / "quirks.md").read_text().splitlines()
        if line.startswith("| ") and not line.startswith(("| quirk", "| ---"))
    ]
    assert len(rows) >= 30
    for row in rows:
        assert re.search(r"https://actionnetwork\.org/docs\b", row), row
        assert "`actionnetwork_async" in row or "`an." in row, f"say where it is handled: {row}"
