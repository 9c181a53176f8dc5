#!/usr/bin/env bash
# A throwaway PostgreSQL primary with a synchronous streaming standby, both on
# free loopback ports in one temp dir, for the failover test
# (tests/cluster/standby_test.cpp). What an operator does by hand in
# deploy/OPERATIONS.md, section 8:
#   test-postgres-standby.sh start STATE_FILE     initdb, start the primary,
#       pg_basebackup -R a standby, start it, make it synchronous, create
#       database "event"; write STATE_FILE (dir=, primary_port=,
#       standby_port=, url= a multi-host URL with target_session_attrs)
#   test-postgres-standby.sh kill-primary STATE_FILE   pg_ctl stop -m immediate
#       (no checkpoint, no goodbye: what a crash looks like to clients)
#   test-postgres-standby.sh detach-standby STATE_FILE   the primary goes
#       asynchronous (PostgreSQL's default) and the standby is stopped: what
#       the primary commits from now on, the standby never receives
#   test-postgres-standby.sh start-standby STATE_FILE  start it again (same
#       port); with the primary dead it stays a standby until promoted
#   test-postgres-standby.sh promote STATE_FILE   pg_ctl promote, waiting for it
#   test-postgres-standby.sh stop STATE_FILE      stop both, remove the dir
# Where no PostgreSQL server is installed STATE_FILE holds "skip=<why>".
set -euo pipefail

usage="usage: test-postgres-standby.sh start|kill-primary|detach-standby|start-standby|promote|stop STATE_FILE"
command=${1:?$usage}
state=${2:?$usage}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

# initdb and postgres refuse to run as root: run them as the postgres user.
as_server_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

state_value() { sed -n "s/^$1=//p" "$state"; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_cluster() {  # start_cluster DATA LOG PORT
    as_server_user "$bindir/pg_ctl" -D "$1" -l "$2" -w -t 30 \
        -o "-p $3 -k $dir -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
}

# Starts the cluster in $1 on a free port (three tries: a port can be taken
# between choosing it and binding); prints the port.
start_on_free_port() {
    local data=$1 log=$2 port
    for _ in 1 2 3; do
        port=$(free_port)
        if start_cluster "$data" "$log" "$port"; then
            echo "$port"
            return 0
        fi
    done
    tail -n 20 "$log" >&2 || true
    return 1
}

sql() {  # sql PORT STATEMENT: one statement on database postgres, unaligned output
    "$bindir/psql" -X -q -tA -h 127.0.0.1 -p "$1" -U admit -d postgres -v ON_ERROR_STOP=1 -c "$2"
}

stop_all() {
    [[ -f $state ]] || return 0
    local dir
    dir=$(state_value dir)
    for data in "$dir/primary" "$dir/standby"; do
        if [[ -n $dir && -f $data/postmaster.pid ]]; then
            as_server_user "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
    [[ -n $dir ]] && rm -rf "$dir"
    rm -f "$state"
}

case $command in
start)
    stop_all
    if [[ -z $bindir || ! -x $bindir/initdb || ! -x $bindir/pg_basebackup ]]; then
        echo "skip=PostgreSQL server not installed (apt-get install postgresql; deploy/scripts/install-deps.sh does)" >"$state"
        exit 0
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        echo "skip=running as root and there is no postgres user to run the server as" >"$state"
        exit 0
    fi
    dir=$(mktemp -d /tmp/admit-test-pg-standby-XXXXXX)
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    echo "dir=$dir" >"$state"
    # initdb's default pg_hba.conf already lets 127.0.0.1 replicate (trust).
    if ! as_server_user "$bindir/initdb" -D "$dir/primary" -U admit --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        echo "test-postgres-standby: initdb failed" >&2
        exit 1
    fi
    primary_port=$(start_on_free_port "$dir/primary" "$dir/primary.log")
    echo "primary_port=$primary_port" >>"$state"
    # -R writes standby.signal and primary_conninfo: the standby follows the primary.
    as_server_user "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U admit \
        -D "$dir/standby" -R -X stream --no-sync -c fast >/dev/null
    standby_port=$(start_on_free_port "$dir/standby" "$dir/standby.log")
    echo "standby_port=$standby_port" >>"$state"
    # Synchronous from now on, on the primary only (set after the base backup,
    # so the promoted standby does not wait for a standby of its own).
    sql "$primary_port" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
    sql "$primary_port" "SELECT pg_reload_conf()" >/dev/null
    # This commit returns once the standby has it: that is the wait for the
    # standby to connect and become synchronous (bounded by timeout).
    timeout 30 "$bindir/psql" -X -q -h 127.0.0.1 -p "$primary_port" -U admit -d postgres \
        -v ON_ERROR_STOP=1 -c "CREATE DATABASE event" >/dev/null
    sync_state=$(sql "$primary_port" "SELECT string_agg(sync_state, ',') FROM pg_stat_replication")
    if [[ $sync_state != sync ]]; then
        echo "test-postgres-standby: standby not synchronous (pg_stat_replication: '$sync_state')" >&2
        exit 1
    fi
    echo "url=postgresql://admit@127.0.0.1:$primary_port,127.0.0.1:$standby_port/event?target_session_attrs=read-write&connect_timeout=2" >>"$state"
    echo "test-postgres-standby: primary on 127.0.0.1:$primary_port, synchronous standby on 127.0.0.1:$standby_port ($dir)"
    ;;
kill-primary)
    dir=$(state_value dir)
    as_server_user "$bindir/pg_ctl" -D "$dir/primary" -m immediate -w stop >/dev/null
    ;;
detach-standby)
    dir=$(state_value dir)
    # Commits waiting for the standby are released once the reload is seen.
    sql "$(state_value primary_port)" "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
    sql "$(state_value primary_port)" "SELECT pg_reload_conf()" >/dev/null
    as_server_user "$bindir/pg_ctl" -D "$dir/standby" -m fast -w stop >/dev/null
    ;;
start-standby)
    dir=$(state_value dir)
    start_cluster "$dir/standby" "$dir/standby.log" "$(state_value standby_port)"
    ;;
promote)
    dir=$(state_value dir)
    as_server_user "$bindir/pg_ctl" -D "$dir/standby" -w -t 30 promote >/dev/null
    ;;
stop)
    stop_all
    ;;
*)
    echo "$usage" >&2
    exit 2
    ;;
esac
