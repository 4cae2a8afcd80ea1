#!/usr/bin/env bash
# The project's test command (README.md): from nothing, make a virtual environment, install the
# project with its test extras, and run every check CI runs: pytest, ruff check,
# ruff format --check, mypy --strict on the package, and the quick form of every benchmark
# (so they cannot rot; peers of the bench extra show as "not installed"). VENV picks the venv.
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
for benchmark in benchmarks/[!_]*.py; do
    "$venv/bin/python" "$benchmark" --quick
done
echo "all checks passed"
