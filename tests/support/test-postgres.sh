#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on a free loopback port.
#   test-postgres.sh start STATE_FILE   initdb in a fresh temp dir, start it, write STATE_FILE
#   test-postgres.sh stop  STATE_FILE   stop it (immediate) and remove its directory
# STATE_FILE holds "dir=...", "url=..." (a libpq URL of the "postgres"
# database, user admit, trust auth on 127.0.0.1 only), or "skip=<why>" when
# no PostgreSQL server is installed, so that tests skip with that message.
# ctest runs start/stop as the fixture "postgres"; a test binary run by hand
# calls it itself (tests/support/pg_test_database.cpp).
set -euo pipefail

command=${1:?usage: test-postgres.sh start|stop STATE_FILE}
state=${2:?usage: test-postgres.sh start|stop STATE_FILE}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

# initdb and postgres refuse to run as root: run them as the postgres user.
as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_cluster() {
    [[ -f $state ]] || return 0
    local dir
    dir=$(sed -n 's/^dir=//p' "$state")
    if [[ -n $dir && -d $dir/data ]]; then
        as_server_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [[ -n $dir ]] && rm -rf "$dir"
    rm -f "$state"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case $command in
start)
    stop_cluster
    if [[ -z $bindir || ! -x $bindir/initdb ]]; then
        echo "skip=PostgreSQL server not installed (apt-get install postgresql; deploy/scripts/install-deps.sh does)" >"$state"
        echo "test-postgres: no PostgreSQL server installed; PostgreSQL tests will skip"
        exit 0
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        echo "skip=running as root and there is no postgres user to run the server as" >"$state"
        exit 0
    fi
    dir=$(mktemp -d /tmp/admit-test-pg-XXXXXX)
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    echo "dir=$dir" >"$state"
    if ! as_server_user "$bindir/initdb" -D "$dir/data" -U admit --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        echo "test-postgres: initdb failed" >&2
        exit 1
    fi
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
            echo "url=postgresql://admit@127.0.0.1:$port/postgres" >>"$state"
            echo "test-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
            exit 0
        fi
        echo "test-postgres: start on port $port failed (attempt $attempt)" >&2
    done
    tail -n 20 "$dir/server.log" >&2 || true
    exit 1
    ;;
stop)
    stop_cluster
    ;;
*)
    echo "usage: test-postgres.sh start|stop STATE_FILE" >&2
    exit 2
    ;;
esac
