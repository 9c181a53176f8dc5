#!/usr/bin/env bash
# Prepares a PostgreSQL 15 database for several admit-servers of one event.
# Run on the database machine as root (it uses `runuser -u postgres`):
#   deploy/multi-site/setup-database.sh DBNAME [ADMIT_HOSTS_CIDR]
# e.g. setup-database.sh seoul2023 10.20.0.0/24
# Creates the login role "admit" (asks for its password), the database owned by
# it, and a pg_hba.conf line for the admit servers' network (scram-sha-256).
# The tables are created by the first admit-server (or `admit import-roster`)
# that opens the database: admit migrates its own schema, under a lock, so
# servers starting together migrate once.
set -euo pipefail

db=${1:?usage: setup-database.sh DBNAME [ADMIT_HOSTS_CIDR]}
cidr=${2:-}
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "setup-database: DBNAME must be lower-case letters, digits and _" >&2; exit 2; }
command -v psql >/dev/null || { echo "setup-database: install PostgreSQL first: apt-get install postgresql" >&2; exit 1; }

as_postgres() { runuser -u postgres -- "$@"; }

if ! as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'admit'" | grep -q 1; then
    read -rsp "password for the PostgreSQL role admit: " password; echo
    as_postgres psql -v ON_ERROR_STOP=1 -q \
        -c "CREATE ROLE admit LOGIN PASSWORD '${password//\'/\'\'}'"
fi
if ! as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    as_postgres createdb --owner=admit --encoding=UTF8 --template=template0 "$db"
fi

if [[ -n $cidr ]]; then
    hba=$(as_postgres psql -tAc "SHOW hba_file")
    line="host    $db    admit    $cidr    scram-sha-256"
    grep -qF "$line" "$hba" || echo "$line" >>"$hba"
    echo "setup-database: added to $hba: $line"
    echo "setup-database: also set listen_addresses in postgresql.conf to the event LAN address, then:"
    echo "  systemctl reload postgresql (or restart, after changing listen_addresses)"
fi
echo "setup-database: ready. In each server's event TOML:"
echo "  [store]"
echo "  backend = \"postgresql\""
echo "  url = \"postgresql://admit@$(hostname -f):5432/$db\""
echo "and the password in /etc/admit/pgpass (mode 0600, owner admit):"
echo "  $(hostname -f):5432:$db:admit:PASSWORD"
