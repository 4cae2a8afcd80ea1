#!/usr/bin/env bash
# A throwaway PostgreSQL server for the warehouse tests (tests/test_warehouse.py), for CI
# (.ci/run) and for a developer:
#
#   dsn=$(bash scripts/postgres.sh start DIR)   # prints the DSN
#   ACTIONNETWORK_TEST_POSTGRES=$dsn .venv/bin/pytest -q tests/test_warehouse.py
#   bash scripts/postgres.sh stop DIR
#
# start makes a new cluster in DIR (created if missing; it must be empty), starts it on a free
# loopback port with its socket in DIR, creates a role and a database for the tests and prints
# postgresql://actionnetwork:actionnetwork@127.0.0.1:PORT/actionnetwork_test. Trust
# authentication and no durability (fsync off): for tests only. The server's log is DIR/log.
# stop stops the server and deletes DIR (only a DIR that start made).
#
# initdb and pg_ctl are taken from PATH, else from the newest /usr/lib/postgresql/*/bin
# (Debian's postgresql package). As root the cluster belongs to the postgres user (initdb
# refuses root): DIR must then be reachable by it (a directory under /tmp is).
set -euo pipefail

MARK=.actionnetwork-postgres  # what says a directory is one start made

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

bindir() {
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return
    fi
    local found
    found=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null |
        sort -V | tail -n 1)
    [ -n "$found" ] || die "no PostgreSQL server (initdb, pg_ctl): apt-get install postgresql"
    dirname "$found"
}

# Run as the cluster's owner: the postgres user when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin port dsn
    bin=$(bindir)
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    dir=$(cd "$dir" && pwd)
    case $dir in *[[:space:]]*) die "$dir has a space in its path" ;; esac
    touch "$dir/$MARK"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    }
    # A free port can be taken between the choice and the start: try a few.
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o \
            "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            echo "$port" >"$dir/port"
            break
        fi
        port=
    done
    [ -n "$port" ] || {
        tail -n 20 "$dir/log" >&2 || true
        die "the server did not start (log: $dir/log)"
    }
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE actionnetwork LOGIN PASSWORD 'actionnetwork'" \
        -c "CREATE DATABASE actionnetwork_test OWNER actionnetwork" >/dev/null
    dsn="postgresql://actionnetwork:actionnetwork@127.0.0.1:$port/actionnetwork_test"
    echo "$dsn"
}

stop() {
    local dir=$1 bin
    [ -d "$dir" ] || return 0
    if [ -z "$(ls -A "$dir")" ]; then  # start failed before making anything
        rmdir "$dir"
        return 0
    fi
    [ -e "$dir/$MARK" ] || die "$dir was not made by postgres.sh start: not deleting it"
    if [ -e "$dir/data/postmaster.pid" ]; then
        bin=$(bindir)
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
            as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start | stop)
    [ $# = 2 ] || die "usage: $0 start|stop DIR"
    "$1" "$2"
    ;;
*) die "usage: $0 start|stop DIR" ;;
esac
