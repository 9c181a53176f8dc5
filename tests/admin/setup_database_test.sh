#!/usr/bin/env bash
# deploy/multi-site/setup-database.sh, the real script, against a throwaway
# cluster on a free port (never 5432) reached through PGHOST/PGPORT, whose
# pg_hba.conf already has an earlier line that matches the admit servers
# (a reject). The script must put its line first and keep a copy of the old
# file, so that the admit role then connects with its password over TCP; and
# it must print the cluster's real port.
#   setup_database_test.sh SOURCE_DIR
set -euo pipefail

source_dir=${1:?usage: setup_database_test.sh SOURCE_DIR}
script=$source_dir/deploy/multi-site/setup-database.sh
# shellcheck source=tests/support/pg-password-cluster.bash
source "$source_dir/tests/support/pg-password-cluster.bash"

pg_password_cluster_start
work=$(mktemp -d /tmp/admit-test-setupdb-XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"; pg_password_cluster_stop' EXIT

# An earlier line that matches the admit servers' connections and wins: what
# a hardened or hand-edited pg_hba.conf often starts with.
{
    echo "# hand-written rules"
    echo "host    all    all    127.0.0.1/32    reject"
    cat "$PG_HBA"
} >"$work/hba"
cat "$work/hba" >"$PG_HBA"
pg_super "$PG_BIN/psql" -X -q -d postgres -c "SELECT pg_reload_conf()" >/dev/null
cp "$PG_HBA" "$work/hba-before"

password="d00r-s3cret'with:quote"
install -m 0600 /dev/null "$work/pgpass"
echo "127.0.0.1:$PG_PORT:seoul2023:admit:${password//:/\\:}" >"$work/pgpass"
# What an admit server does: TCP to 127.0.0.1 as admit with the password file.
admit_connects() {
    env -u PGHOST -u PGPORT HOME="$work" PGPASSFILE="$work/pgpass" \
        "$PG_BIN/psql" -X -tA -w "postgresql://admit@127.0.0.1:$PG_PORT/seoul2023" -c "SELECT current_user" \
        >"$work/connect.out" 2>&1
}
output_has() { grep -qF -- "$1" "$work/out"; }
first_rule() { grep -v -E '^[[:space:]]*(#|$)' "$PG_HBA" | head -n 1; }
ours="host    seoul2023    admit    127.0.0.1/32    scram-sha-256"

# setup: run the script as an operator does (the password typed at its prompt).
setup() {
    code=0
    printf '%s\n' "$password" | bash "$script" seoul2023 127.0.0.1/32 >"$work/out" 2>&1 || code=$?
    echo "--- setup-database.sh seoul2023 127.0.0.1/32 (exit $code):"
    cat "$work/out"
}

# An empty password (Enter at the prompt, or no terminal) would make a role
# that can never log in: refused, and nothing is created.
code=0
printf '\n' | bash "$script" seoul2023 127.0.0.1/32 >"$work/out" 2>&1 || code=$?
echo "--- setup-database.sh with an empty password (exit $code):"
cat "$work/out"
check "an empty password is refused" test "$code" -ne 0
check "... saying so" output_has "setup-database: an empty password"
check "... before creating the role" \
    test -z "$(pg_super "$PG_BIN/psql" -X -tA -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'admit'")"

setup
check "the script succeeds" test "$code" -eq 0
check "its line is the first rule of pg_hba.conf" test "$(first_rule)" = "$ours"
check "the earlier reject line is still there, after it" grep -qE '^host +all +all +127\.0\.0\.1/32 +reject' "$PG_HBA"
check "a copy of the old file is kept" cmp -s "$work/hba-before" "$PG_HBA.before-admit"
check "the admit role connects with its password" admit_connects
check "... as admit" grep -qx admit "$work/connect.out"
check "it prints the cluster's real port ($PG_PORT)" output_has "listens on port $PG_PORT"
check "... in the URL" output_has ":$PG_PORT/seoul2023\""
check "... and in the pgpass line" output_has ":$PG_PORT:seoul2023:admit:PASSWORD"
check "... and never 5432" bash -c '! grep -q 5432 "$1"' _ "$work/out"

# Again (a second event, or by mistake): one line, still first, the copy of the
# original file untouched.
setup
check "a second run succeeds" test "$code" -eq 0
check "... with its line once" test "$(grep -cF "$ours" "$PG_HBA")" -eq 1
check "... still first" test "$(first_rule)" = "$ours"
check "... and the copy still the original file" cmp -s "$work/hba-before" "$PG_HBA.before-admit"
check "... and admit still connects" admit_connects

# A second event's database on the same cluster: both lines first, and the
# operator's original file still kept (not overwritten by this run's copy).
cp "$PG_HBA" "$work/hba-before-second"
code=0
bash "$script" second_event 127.0.0.1/32 </dev/null >"$work/out" 2>&1 || code=$?
echo "--- setup-database.sh second_event 127.0.0.1/32 (exit $code):"
cat "$work/out"
check "a second event's run succeeds" test "$code" -eq 0
check "... its line is first" test "$(first_rule)" = "host    second_event    admit    127.0.0.1/32    scram-sha-256"
check "... the first event's line still before the reject line" \
    bash -c 'grep -vE "^[[:space:]]*(#|$)" "$1" | sed -n 2p | grep -qF "$2"' _ "$PG_HBA" "$ours"
check "... the original file still kept in pg_hba.conf.before-admit" cmp -s "$work/hba-before" "$PG_HBA.before-admit"
check "... and this run's old file kept too, named in its output" \
    bash -c 'copy=$(sed -n "s/.*a copy of the old file: \(.*\)):$/\1/p" "$1"); [[ -n $copy ]] && cmp -s "$2" "$copy"' \
    _ "$work/out" "$work/hba-before-second"

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all checks passed"
