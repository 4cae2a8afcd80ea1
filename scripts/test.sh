#!/usr/bin/env bash
# The project's test command (README.md): from nothing, make a virtual environment, install the
# project with its test extras, and run every check CI runs: pytest, ruff check,
# ruff format --check, mypy --strict on the package, and the quick form of every benchmark
# (so they cannot rot; peers of the bench extra show as "not installed"). VENV picks the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
# The Redis tests need redis-server (they start their own on loopback ports). Install Debian's
# package when it is missing and we can (root, apt-get); elsewhere those tests skip, saying so.
if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) \
        >/dev/null 2>&1; then
        service redis-server stop >/dev/null 2>&1 || true  # the tests run their own servers
    else
        echo "note: could not install redis-server; the Redis tests will skip" >&2
    fi
fi
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
