"""The test matrix: the whole suite on every Python the package claims, at both ends of its ranges.

    nox                      # every session below
    nox -s "tests(3.10-lowest)"

- ``tests(3.10-lowest)``: the oldest Python with the lowest versions the declared ranges allow
  (``uv pip install --resolution lowest-direct``), so a lower bound we claim is one we run.
- ``tests(3.11-locked)`` and ``tests(3.12-locked)``: exactly what ``uv.lock`` pins.
- ``tests(3.13-latest)``: the newest Python with the newest releases, resolved afresh, so a new
  release that breaks us shows here before a user meets it.

The toolchain (pytest and its plugins, mypy, the stubs) is always the locked one: only the
library's own dependencies move. Interpreters are discovered, not configured: ``python3.X`` on
PATH when it runs, else the newest pyenv install of that version (docs/versions.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox itself depends on tomli there
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "no"
nox.options.error_on_missing_interpreters = True

#: (Python, dependency versions) for each session of the matrix.
MATRIX = [("3.10", "lowest"), ("3.11", "locked"), ("3.12", "locked"), ("3.13", "latest")]

#: Packages of the test group that the library itself depends on (through an extra): their
#: version follows the session's resolution, not the lock.
LIBRARY_OWNED = {"redis"}
#: Packages of the test group that drive CI rather than the tests: kept out of a session, so
#: their own requirements (nox needs attrs>=24.1) do not lift the library's lowest versions.
NOT_FOR_TESTS = {"nox", "build", "twine", "uv"}

ROOT = Path(__file__).parent


def _real(executable: str) -> str | None:
    """The interpreter ``executable`` runs, or None where it does not start (a pyenv shim of a
    version that is not selected)."""
    try:
        done = subprocess.run(
            [executable, "-c", "import sys; print(sys.executable)"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _pyenv_bin(version: str) -> str | None:
    """The ``bin`` folder of the newest pyenv install of ``version`` (3.10 -> 3.10.13), if any."""
    pyenv = shutil.which("pyenv")
    root = os.environ.get("PYENV_ROOT")
    if root is None and pyenv is not None:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
    if not root:
        root = str(Path.home() / ".pyenv")
    pattern = re.compile(rf"^{re.escape(version)}\.(\d+)$")
    found = [
        (int(m.group(1)), path)
        for path in Path(root, "versions").glob(f"{version}.*")
        if (m := pattern.match(path.name)) and (path / "bin" / f"python{version}").exists()
    ]
    return str(max(found)[1] / "bin") if found else None


def interpreter(version: str) -> str | None:
    """A working ``python3.X``: from PATH when it runs, else the newest pyenv install."""
    executable = shutil.which(f"python{version}")
    real = _real(executable) if executable else None
    if real is not None:
        return real
    folder = _pyenv_bin(version)
    return str(Path(folder, f"python{version}")) if folder is not None else None


def _discover_interpreters() -> None:
    """Put a working ``python3.X`` of every version of the matrix first on PATH."""
    for version, _ in MATRIX:
        found = interpreter(version)
        if found is not None:
            os.environ["PATH"] = str(Path(found).parent) + os.pathsep + os.environ["PATH"]


_discover_interpreters()
# The matrix runs the interpreters of this machine; it never downloads one.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _toolchain(session: nox.Session) -> Path:
    """A requirements file of the test group's own packages, pinned as ``uv.lock`` pins them."""
    path = Path(session.create_tmp()) / "toolchain.txt"
    session.run_install(
        "uv",
        "export",
        "--quiet",
        "--locked",
        "--only-group",
        "test",
        "--no-emit-project",
        "--no-hashes",
        "--no-header",
        "--no-annotate",
        "--output-file",
        str(path),
    )
    direct = _group_names()
    keep = [
        line
        for line in path.read_text().splitlines()
        if line.strip()
        and (name := canonicalize_name(Requirement(line).name)) in direct
        and name not in LIBRARY_OWNED | NOT_FOR_TESTS
    ]
    path.write_text("\n".join(keep) + "\n")
    return path


def _group_names() -> set[str]:
    """The names the ``test`` dependency group lists in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        group = tomllib.load(file)["dependency-groups"]["test"]
    return {canonicalize_name(Requirement(item).name) for item in group}


@nox.session
@nox.parametrize("python,deps", MATRIX, ids=[f"{python}-{deps}" for python, deps in MATRIX])
def tests(session: nox.Session, deps: str) -> None:
    """The whole suite, slow tests included, on one Python at one end of the ranges."""
    if deps == "locked":
        session.run_install(
            "uv",
            "sync",
            "--locked",
            "--group",
            "test",
            "--extra",
            "redis",
            "--extra",
            "warehouse",
            "--extra",
            "otel",
            "--python",
            str(session.python),
            env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        )
    else:
        resolution = ["--resolution=lowest-direct"] if deps == "lowest" else ["--upgrade"]
        session.install(
            *resolution, "-e", ".[redis,warehouse,otel]", "-r", str(_toolchain(session))
        )
    session.run("uv", "pip", "list", "--python", session.virtualenv.location, silent=False)
    session.run("python", "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", *session.posargs)


if __name__ == "__main__":
    # python noxfile.py --which 3.10: the interpreter a session of that version uses
    # (scripts/smoke.sh installs the wheel with it).
    if len(sys.argv) != 3 or sys.argv[1] != "--which":
        sys.exit("usage: python noxfile.py --which 3.X")
    found = interpreter(sys.argv[2])
    if found is None:
        sys.exit(f"no Python {sys.argv[2]} on PATH or under pyenv")
    print(found)
