# A throwaway PostgreSQL cluster that wants a password over TCP, for the
# bash tests of what an operator runs (tests/admin/*_test.sh). Source it, then
#   pg_password_cluster_start    initdb in a temp dir (local socket: trust; host
#       on 127.0.0.1: scram-sha-256), start it on a free loopback port; sets
#       PG_DIR (also the socket dir), PG_PORT, PG_HBA, PG_BIN, and exports
#       PGHOST/PGPORT so psql and the scripts under test reach it through its
#       socket. Stopped and removed on exit.
#   pg_super psql ...            a client as the cluster's superuser (the
#       postgres user under root, as test-postgres.sh runs it, else oneself)
# Where no PostgreSQL server is installed it exits 77 (ctest: skipped) saying so.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

pg_super() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_password_cluster_stop() {
    if [[ -n ${PG_DIR:-} && -f $PG_DIR/data/postmaster.pid ]]; then
        pg_super "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [[ -n ${PG_DIR:-} ]] && rm -rf "$PG_DIR"
    return 0
}

pg_password_cluster_start() {
    if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]]; then
        echo "SKIP: PostgreSQL server not installed (apt-get install postgresql; deploy/scripts/install-deps.sh does)"
        exit 77
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        echo "SKIP: running as root and there is no postgres user to run the server as"
        exit 77
    fi
    PG_DIR=$(mktemp -d /tmp/admit-test-pgpw-XXXXXX)
    trap pg_password_cluster_stop EXIT
    chmod 755 "$PG_DIR"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DIR"
    # No -U: the superuser is named after the OS user, as in a Debian cluster
    # (role postgres), so `runuser -u postgres psql` reaches it as a packaged one.
    if ! pg_super "$PG_BIN/initdb" -D "$PG_DIR/data" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        echo "FAIL: initdb failed" >&2
        exit 1
    fi
    PG_HBA=$PG_DIR/data/pg_hba.conf
    local attempt
    for attempt in 1 2 3; do
        PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        [[ $PG_PORT == 5432 ]] && continue  # the test must see the cluster's real port, not the default
        if pg_super "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
            -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null; then
            export PGHOST=$PG_DIR PGPORT=$PG_PORT
            return 0
        fi
        echo "pg-password-cluster: start on port $PG_PORT failed (attempt $attempt)" >&2
    done
    tail -n 20 "$PG_DIR/server.log" >&2 || true
    echo "FAIL: PostgreSQL did not start" >&2
    exit 1
}

# check DESCRIPTION COMMAND...: runs it; a failure is reported and remembered.
failures=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what" >&2
        failures=$((failures + 1))
    fi
}
