#!/usr/bin/env bash
# The project's test command (README.md): from nothing, make a virtual environment, install the
# project with its test extras, and run every check CI runs: pytest, ruff check,
# ruff format --check and mypy --strict on the package. VENV picks the venv folder.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[test]"
"$venv/bin/python" -m pytest -q
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
"$venv/bin/mypy" --strict actionnetwork_async
echo "all checks passed"
