#!/usr/bin/env bash
# The release smoke test: build the sdist and the wheel (`python -m build` when PYTHON has it,
# else `uv build`), check that LICENSE is in both and `twine check --strict` passes (twine from
# PYTHON, else a throwaway venv), install only the wheel into a fresh venv outside the source
# tree, and run there, from an empty folder, each step asserting success: `actionnetwork demo`,
# the async and the blocking client, the installed `actionnetwork export` against a standalone
# emulator, and bulk imports killed half-way and resumed (scripts/smoke.py holds the Python
# checks). Loopback only; needs `uv` on PATH; takes about a minute and a half.
#
#   bash scripts/smoke.sh PYTHON [lowest|latest]
#
# PYTHON is the interpreter the venv is made from (say ~/.pyenv/versions/3.10.13/bin/python).
# `lowest` installs the lowest versions the wheel's dependency ranges allow
# (uv's --resolution lowest-direct); `latest` (the default) the newest.
set -euo pipefail

usage() {
    echo "usage: bash scripts/smoke.sh PYTHON [lowest|latest]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
python=$1
resolution=${2:-latest}
case $resolution in lowest | latest) ;; *) usage ;; esac
command -v uv >/dev/null || { echo "smoke: uv is not on PATH" >&2; exit 2; }
"$python" -c "" 2>/dev/null || { echo "smoke: $python does not run" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/actionnetwork-smoke.XXXXXX")
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Nothing from the caller's environment may point the checks at a source tree or a real API.
unset PYTHONPATH PYTHONHOME ACTION_NETWORK_API_KEY ACTION_NETWORK_BASE_URL ACTION_NETWORK_REDIS_URL
unset VIRTUAL_ENV

started=$(date +%s)
step_started=$started
# One line per step, with the seconds it took.
ok() {
    local now
    now=$(date +%s)
    echo "smoke: $1 ($((now - step_started)) s)"
    step_started=$now
}
fail() {
    echo "smoke: FAILED: $1" >&2
    exit 1
}

# -- build and check ------------------------------------------------------------------------
dist=$work/dist
if "$python" -m build --version >/dev/null 2>&1; then
    "$python" -m build --outdir "$dist" "$root" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log" >&2; fail "python -m build"; }
    builder="python -m build"
else
    uv build --quiet --python "$python" --out-dir "$dist" "$root" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log" >&2; fail "uv build"; }
    builder="uv build"
fi
wheels=("$dist"/*.whl)
sdists=("$dist"/*.tar.gz)
[ ${#wheels[@]} = 1 ] && [ -f "${wheels[0]}" ] && [ ${#sdists[@]} = 1 ] && [ -f "${sdists[0]}" ] ||
    fail "expected one wheel and one sdist in $dist"
wheel=${wheels[0]}
sdist=${sdists[0]}
ok "built $(basename "$sdist") and $(basename "$wheel") with $builder"

# LICENSE travels in both (the sdist's top folder, the wheel's .dist-info/licenses/), and so do
# the changelog and the README in the sdist.
"$python" - "$wheel" "$sdist" <<'EOF' || fail "LICENSE or CHANGELOG.md missing from the artifacts"
import sys
import tarfile
import zipfile

wheel, sdist = sys.argv[1:]
in_wheel = zipfile.ZipFile(wheel).namelist()
in_sdist = [name.split("/", 1)[-1] for name in tarfile.open(sdist).getnames()]
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in in_wheel), in_wheel
assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml"} <= set(in_sdist), in_sdist
EOF
ok "LICENSE in the wheel and the sdist"

if "$python" -c "import twine" 2>/dev/null; then
    twine=("$python" -m twine)
else
    uv venv --quiet --python "$python" "$work/tools" >/dev/null
    uv pip install --quiet --python "$work/tools/bin/python" twine >"$work/twine.log" 2>&1 ||
        { cat "$work/twine.log" >&2; fail "installing twine"; }
    twine=("$work/tools/bin/python" -m twine)
fi
"${twine[@]}" check --strict "$dist"/* >"$work/twine.log" 2>&1 ||
    { cat "$work/twine.log" >&2; fail "twine check --strict"; }
ok "twine check --strict passed"

# -- install the wheel alone ----------------------------------------------------------------
venv=$work/venv
uv venv --quiet --python "$python" "$venv" >/dev/null
if [ "$resolution" = lowest ]; then
    # uv's lowest-direct lowers only the requirements it is given, and a wheel file's own
    # dependencies count as transitive: name them (the wheel's Requires-Dist, extras left out).
    "$python" - "$wheel" >"$work/requires.txt" <<'EOF' || fail "reading the wheel's Requires-Dist"
import email
import re
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = email.message_from_bytes(wheel.read(name))
for requirement in metadata.get_all("Requires-Dist") or []:
    if not re.search(r"\bextra\s*==", requirement):
        print(requirement)
EOF
    install=(--resolution lowest-direct "$wheel" -r "$work/requires.txt")
else
    install=(--upgrade "$wheel")
fi
uv pip install --quiet --python "$venv/bin/python" "${install[@]}" \
    >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "installing the wheel"; }
shown='aiohttp|yarl|attrs|cattrs|aiolimiter|python-backoff|uritemplate|click|tqdm|typing.extensions'
versions=$(uv pip freeze --python "$venv/bin/python" 2>/dev/null | grep -iE "^($shown)==" |
    tr '\n' ' ')
ok "installed the wheel on $("$venv/bin/python" -V) ($resolution): $versions"

# Every check runs in an empty folder: no source tree to import from by accident.
run=$work/run
mkdir "$run"
cd "$run"
cp "$root/scripts/smoke.py" "$work/smoke.py"

# -- the demo -------------------------------------------------------------------------------
timeout 120 "$venv/bin/actionnetwork" demo >"$work/demo.log" 2>&1 ||
    { cat "$work/demo.log" >&2; fail "actionnetwork demo"; }
grep -q "records streamed   1000 people + 100 events" "$work/demo.log" ||
    { cat "$work/demo.log" >&2; fail "the demo did not stream 1000 people and 100 events"; }
ok "actionnetwork demo streamed 1000 people and 100 events"
# The README's form of it, small.
timeout 60 "$venv/bin/python" -m actionnetwork_async demo --people 40 --events 5 --no-faults \
    >"$work/demo.log" 2>&1 || { cat "$work/demo.log" >&2; fail "python -m actionnetwork_async"; }
grep -q "records streamed   40 people + 5 events" "$work/demo.log" ||
    { cat "$work/demo.log" >&2; fail "python -m actionnetwork_async demo streamed too little"; }
ok "python -m actionnetwork_async demo streamed 40 people and 5 events"

# -- the async and the blocking client ------------------------------------------------------
timeout 90 "$venv/bin/python" "$work/smoke.py" clients || fail "the clients"
ok "clients passed"

# -- the installed export command against a standalone emulator -----------------------------
"$venv/bin/python" -m actionnetwork_async.testing --port 0 --people 130 --events 12 \
    >"$work/emulator.log" 2>&1 &
emulator_pid=$!
base_url=""
for _ in $(seq 300); do # up to 30 s for the emulator to seed and listen
    base_url=$(sed -n 's/^Action Network emulator at \(http[^ ]*\)$/\1/p' "$work/emulator.log")
    [ -n "$base_url" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; fail "the emulator"; }
    sleep 0.1
done
[ -n "$base_url" ] || { cat "$work/emulator.log" >&2; fail "the emulator never said its URL"; }
case $base_url in http://127.0.0.1:*) ;; *) fail "the emulator is not on loopback: $base_url" ;; esac
export ACTION_NETWORK_API_KEY=emulator-key-0123456789abcdef
timeout 60 "$venv/bin/actionnetwork" export people --base-url "$base_url" --format csv \
    -o people.csv -q || fail "actionnetwork export people"
rows=$("$venv/bin/python" -c \
    'import csv, sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' \
    people.csv)
[ "$rows" = 130 ] || fail "people.csv has $rows rows, not 130"
ACTION_NETWORK_BASE_URL=$base_url timeout 60 "$venv/bin/actionnetwork" export events \
    -o events.jsonl -q || fail "actionnetwork export events"
lines=$(wc -l <events.jsonl)
[ "$lines" = 12 ] || fail "events.jsonl has $lines lines, not 12"
kill "$emulator_pid"
wait "$emulator_pid" 2>/dev/null || true
emulator_pid=""
unset ACTION_NETWORK_API_KEY
ok "actionnetwork export: 130 people as CSV, 12 events as JSONL"

# -- a bulk job killed half-way and resumed -------------------------------------------------
timeout 120 "$venv/bin/python" "$work/smoke.py" bulk || fail "the bulk job"
ok "bulk jobs passed"

echo "smoke: $("$venv/bin/python" -V), $resolution dependencies, $(($(date +%s) - started)) s"
echo "smoke: all passed"
