#!/usr/bin/env bash
# `admit` on a PostgreSQL database that wants a password (OPERATIONS section 8):
# the real binary against a throwaway cluster with scram-sha-256 on 127.0.0.1.
# Without a password file import-roster fails saying so; with --pg-passfile
# FILE, or with $PGPASSFILE, it imports; the flag wins over the variable.
# (The default /etc/admit/pgpass is not tested: the test writes nothing to /etc.)
#   pg_passfile_test.sh ADMIT_BINARY SOURCE_DIR
set -euo pipefail

admit=${1:?usage: pg_passfile_test.sh ADMIT_BINARY SOURCE_DIR}
source_dir=${2:?usage: pg_passfile_test.sh ADMIT_BINARY SOURCE_DIR}
# shellcheck source=tests/support/pg-password-cluster.bash
source "$source_dir/tests/support/pg-password-cluster.bash"

pg_password_cluster_start
password="d00r-s3cret:with'quote"
pg_super "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -v pw="$password" \
    <<<"CREATE ROLE admit LOGIN PASSWORD :'pw'"
pg_super "$PG_BIN/createdb" --owner=admit event

work=$(mktemp -d /tmp/admit-test-pgpass-XXXXXX)
trap 'rm -rf "$work"; pg_password_cluster_stop' EXIT
{
    cat "$source_dir/deploy/seoul-2023.toml"
    printf '\n[store]\nbackend = "postgresql"\nurl = "postgresql://admit@127.0.0.1:%s/event"\n' "$PG_PORT"
} >"$work/event.toml"
printf 'id,name,category\ndel-1,Kim Minjun,delegate\ndel-2,Batbayar Ganbold,delegate\n' >"$work/roster.csv"
# libpq ignores a password file others can read: 0600, as in OPERATIONS.
install -m 0600 /dev/null "$work/pgpass"
echo "127.0.0.1:$PG_PORT:event:admit:${password//:/\\:}" >"$work/pgpass"
install -m 0600 /dev/null "$work/wrong-pgpass"
echo "127.0.0.1:$PG_PORT:event:admit:not-the-password" >"$work/wrong-pgpass"

# import [ENV...] -- [ADMIT OPTIONS...]: admit import-roster with nothing of
# the caller's libpq settings (no ~/.pgpass: HOME is the work dir); output in
# $work/out, exit code in $code.
import() {
    local env_vars=()
    while [[ $1 != -- ]]; do env_vars+=("$1"); shift; done
    shift
    code=0
    env -u PGHOST -u PGPORT -u PGPASSFILE -u PGPASSWORD -u PGSERVICE HOME="$work" "${env_vars[@]}" \
        "$admit" "$@" import-roster --config "$work/event.toml" --data "$work/data" "$work/roster.csv" \
        >"$work/out" 2>&1 || code=$?
    echo "--- ${env_vars[*]} admit $* import-roster (exit $code):"
    cat "$work/out"
}
output_has() { grep -qF -- "$1" "$work/out"; }
stored_people() { pg_super "$PG_BIN/psql" -X -tA -d event -c "SELECT count(*) FROM attendees" 2>/dev/null || echo 0; }

if [[ -e /etc/admit/pgpass ]]; then
    echo "note: /etc/admit/pgpass exists on this machine; admit would use it when nothing else is given"
fi
import --
check "without a password file it fails" test "$code" -ne 0
check "... saying no password was supplied" output_has "no password supplied"
check "... and naming --pg-passfile and PGPASSFILE" \
    bash -c 'grep -qF -- "--pg-passfile" "$1" && grep -qF "PGPASSFILE" "$1"' _ "$work/out"
check "... and nothing is stored" test "$(stored_people)" = 0

install -m 0600 /dev/null "$work/other-pgpass"
echo "127.0.0.1:$PG_PORT:another_event:admit:$password" >"$work/other-pgpass"
import PGPASSFILE="$work/other-pgpass" --
check "with a password file that has no line for this database it fails" test "$code" -ne 0
check "... saying that file gave no password" output_has "$work/other-pgpass gave none"

import -- --pg-passfile "$work/wrong-pgpass"
check "with a wrong password it fails" test "$code" -ne 0
check "... saying the password was refused" output_has "password authentication failed"

import -- --pg-passfile "$work/pgpass"
check "with --pg-passfile it imports" test "$code" -eq 0
check "... both people" test "$(stored_people)" = 2

pg_super "$PG_BIN/psql" -X -q -d event -c "DELETE FROM attendees"
import PGPASSFILE="$work/pgpass" --
check "with \$PGPASSFILE it imports" test "$code" -eq 0
check "... both people" test "$(stored_people)" = 2

import PGPASSFILE="$work/wrong-pgpass" -- --pg-passfile "$work/pgpass"
check "--pg-passfile wins over \$PGPASSFILE" test "$code" -eq 0

import -- --pg-passfile "$work/no-such-file"
check "a missing --pg-passfile is a usage error (exit 2)" test "$code" -eq 2
check "... naming the file" output_has "$work/no-such-file"

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all checks passed"
