#!/usr/bin/env bash
# The project's test command (README.md): from nothing, make a virtual environment with exactly
# the toolchain uv.lock pins (uv sync --locked), and run every check CI runs on this machine's
# python3: pytest (two workers), ruff check, ruff format --check, mypy --strict on the package,
# and the quick form of every benchmark (so they cannot rot; peers of the bench extra show as
# "not installed"). VENV picks the venv. The other Pythons and both ends of the dependency
# ranges are the nox matrix (noxfile.py), which .ci/run runs after this.
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
# uv itself is pinned in the lock: install that version, then let it install the rest exactly.
uv_version=$(sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;q}' uv.lock)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
UV_PROJECT_ENVIRONMENT="$venv" "$venv/bin/uv" sync --quiet --locked --python "$venv/bin/python" \
    --group test --extra redis --extra warehouse --extra otel
# Two workers; the slow multi-process tests are left to CI (.ci/run runs them next, and so does
# every session of the nox matrix): -m slow runs just them.
"$venv/bin/python" -m pytest -q -n 2 --dist loadgroup -m "not slow"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
"$venv/bin/mypy" --strict actionnetwork_async
for benchmark in benchmarks/[!_]*.py; do
    "$venv/bin/python" "$benchmark" --quick
done
echo "all checks passed"
