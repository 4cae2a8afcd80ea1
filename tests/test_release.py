"""The release metadata holds together without a build: one version, a changelog naming it, an
MIT license, and a README whose links work on a package index page (scripts/smoke.sh builds and
installs the artifact itself)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

import actionnetwork_async

ROOT = Path(__file__).parent.parent
#: A markdown link or image (``[text](target "title")``), a reference definition
#: (``[label]: target``), an autolink (``<https://...>``) and an HTML ``href``/``src``.
LINK_TARGETS = [
    re.compile(r"\]\(\s*<?([^)\s>]+)"),
    re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)", re.M),
    re.compile(r"<([a-z][a-z0-9+.-]*:[^\s>]+)>", re.I),
    re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)", re.I),
]
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[`~]*[ \t]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+).+?\1", re.S)


def project_table() -> dict[str, Any]:
    """pyproject.toml's ``[project]`` table: tomllib, or tomli before Python 3.11 (a
    dependency of pytest there); skipped where neither is installed."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = pytest.importorskip("tomli")
    with (ROOT / "pyproject.toml").open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["project"]
    return table


def test_the_version_is_defined_once_in_the_package() -> None:
    project = project_table()
    assert "version" not in project, "the version lives in actionnetwork_async/__init__.py"
    assert "version" in project.get("dynamic", [])
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?", actionnetwork_async.__version__)


def test_the_project_urls_and_license_are_declared() -> None:
    project = project_table()
    assert set(project["urls"]) >= {"Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith("https://") for url in project["urls"].values())
    assert project["license"] == "MIT"
    assert "LICENSE" in project["license-files"]


def test_the_changelog_has_a_released_section_for_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[Unreleased\]$", changelog, re.M)
    released = re.findall(r"^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert actionnetwork_async.__version__ in dict(released), released
    for version, _ in released:  # every section header links to its tag or comparison
        assert re.search(rf"^\[{re.escape(version)}\]: https://", changelog, re.M), version
    assert re.search(r"^\[Unreleased\]: https://", changelog, re.M)


def test_the_license_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert re.search(r"^Copyright \(c\) \d{4} \S", text, re.M)
    assert "Permission is hereby granted, free of charge" in text


def link_targets(markdown: str) -> list[str]:
    """Every link target of a markdown text, code blocks and code spans left out."""
    prose = CODE_SPAN.sub("", FENCE.sub("", markdown))
    return [target for pattern in LINK_TARGETS for target in pattern.findall(prose)]


def test_the_link_finder_sees_every_form_and_skips_code() -> None:
    text = (
        "[a](docs/a.md) ![b](img.png 'title') <https://d.example> <a href=\"e.md\">e</a>\n"
        "[c]: c.md\n`[f](f.md)` and ``[h](h.md)``\n```sh\n[g](g.md)\n```\n~~~\n[i](i.md)\n~~~\n"
    )
    expected = ["c.md", "docs/a.md", "e.md", "https://d.example", "img.png"]
    assert sorted(link_targets(text)) == expected


def test_every_readme_link_is_absolute() -> None:
    """The README is the long description on the package index, where relative links break."""
    targets = link_targets((ROOT / "README.md").read_text(encoding="utf-8"))
    assert targets  # the README does link somewhere
    relative = [t for t in targets if not re.match(r"https?://|#", t)]
    assert not relative, f"make these absolute URLs: {relative}"


def test_every_readme_link_to_the_docs_site_names_a_page() -> None:
    """``.../en/latest/foo/`` is ``docs/foo.md`` (mkdocs' directory URLs); a typo is a 404."""
    site = "https://actionnetwork-async.readthedocs.io/en/latest/"
    targets = link_targets((ROOT / "README.md").read_text(encoding="utf-8"))
    pages = [t.removeprefix(site).split("#")[0].strip("/") for t in targets if t.startswith(site)]
    assert pages
    missing = [
        page
        for page in pages
        if not (ROOT / "docs" / f"{page or 'index'}.md").is_file()
        and not (ROOT / "docs" / page / "index.md").is_file()
    ]
    assert not missing, missing
