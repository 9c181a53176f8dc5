#!/usr/bin/env bash
# Prepares a PostgreSQL 15 database for several admit-servers of one event.
# Run on the database machine as root (it uses `runuser -u postgres`) or as
# the postgres user; PGHOST/PGPORT choose another cluster than the default one:
#   deploy/multi-site/setup-database.sh DBNAME [ADMIT_HOSTS_CIDR]
# e.g. setup-database.sh seoul2023 10.20.0.0/24
# Creates the login role "admit" (asks for its password), the database owned by
# it, and a pg_hba.conf line for the admit servers' network (scram-sha-256),
# put FIRST in pg_hba.conf (PostgreSQL uses the first matching line) and
# checked after a reload. Prints the URL with this cluster's real port.
# The tables are created by the first admit-server (or `admit import-roster`)
# that opens the database: admit migrates its own schema, under a lock, so
# servers starting together migrate once.
set -euo pipefail

db=${1:?usage: setup-database.sh DBNAME [ADMIT_HOSTS_CIDR]}
cidr=${2:-}
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "setup-database: DBNAME must be lower-case letters, digits and _" >&2; exit 2; }
command -v psql >/dev/null || { echo "setup-database: install PostgreSQL first: apt-get install postgresql" >&2; exit 1; }

# As the cluster's superuser: root becomes the postgres user; run by that user
# itself (sudo -u postgres ...) the commands run as they are.
as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'admit'" | grep -q 1; then
    password=
    read -rsp "password for the PostgreSQL role admit: " password || true
    echo
    # PostgreSQL makes a role with an empty password one that cannot log in.
    [[ -n $password ]] || { echo "setup-database: an empty password is not allowed: the admit servers log in with it; run again and type one" >&2; exit 2; }
    # On psql's stdin (printf is a shell builtin), not in its arguments, which
    # every user on the machine can read.
    printf "CREATE ROLE admit LOGIN PASSWORD '%s';\n" "${password//\'/\'\'}" |
        as_postgres psql -v ON_ERROR_STOP=1 -q
fi
if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    as_postgres createdb --owner=admit --encoding=UTF8 --template=template0 "$db"
fi

port=$(as_postgres psql -tAc "SHOW port")
host=$(hostname -f)

if [[ -n $cidr ]]; then
    hba=$(as_postgres psql -tAc "SHOW hba_file")
    line="host    $db    admit    $cidr    scram-sha-256"
    # PostgreSQL uses the FIRST line that matches a connection: a line appended
    # at the end loses to an earlier "host all all ... md5/reject/trust". Ours
    # goes before every other rule (and is moved there if it was further down).
    tmp=$(mktemp)
    awk -v ours="$line" '
        $0 == ours { next }
        !done && $0 !~ /^[[:space:]]*(#|$)/ { print ours; done = 1 }
        { print }
        END { if (!done) print ours }
    ' "$hba" >"$tmp"
    if ! cmp -s "$tmp" "$hba"; then
        # The first copy is the operator's own file: later runs (another
        # event's database) keep theirs beside it, never over it.
        backup=$hba.before-admit
        for ((n = 1; ; n++)); do
            [[ -e $backup ]] || break
            backup=$hba.before-admit.$n
        done
        cp -p "$hba" "$backup"
        cat "$tmp" >"$hba"
        echo "setup-database: put first in $hba (a copy of the old file: $backup):"
        echo "  $line"
    fi
    rm -f "$tmp"
    as_postgres psql -qc "SELECT pg_reload_conf()" >/dev/null
    # Check it: the first rule PostgreSQL loaded must be ours, and none may be broken.
    first=$(as_postgres psql -tAc "SELECT type || ' ' || array_to_string(database, ',') || ' ' || array_to_string(user_name, ',') || ' ' || coalesce(address, '') FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number LIMIT 1")
    errors=$(as_postgres psql -tAc "SELECT line_number || ': ' || error FROM pg_hba_file_rules WHERE error IS NOT NULL")
    [[ -z $errors ]] || { echo "setup-database: $hba has broken lines; fix them:" >&2; echo "$errors" >&2; exit 1; }
    echo "setup-database: the first rule PostgreSQL uses now: $first"
    echo "setup-database: also set listen_addresses in postgresql.conf to the event LAN address (now: $(as_postgres psql -tAc "SHOW listen_addresses")), then:"
    echo "  systemctl restart postgresql (a reload is enough for pg_hba.conf, not for listen_addresses)"
fi
echo "setup-database: ready; this cluster listens on port $port. In each server's event TOML:"
echo "  [store]"
echo "  backend = \"postgresql\""
echo "  url = \"postgresql://admit@$host:$port/$db\""
echo "and the password in /etc/admit/pgpass (mode 0600, owner admit), read by the server's unit and by"
echo "the admin tool (which uses /etc/admit/pgpass by itself, or --pg-passfile FILE, or \$PGPASSFILE):"
echo "  $host:$port:$db:admit:PASSWORD"
echo "psql by hand from a server machine: PGHOST=$host PGPORT=$port PGPASSFILE=/etc/admit/pgpass psql -U admit $db"
