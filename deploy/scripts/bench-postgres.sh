#!/usr/bin/env bash
# The PostgreSQL store against SQLite (BENCHMARKS.md, "PostgreSQL store (issue 9)"),
# measured in one run on loopback: durable scans/s (200 stations flat out,
# closed loop) and scan-to-verdict latency at 1,000 scans/s over 500
# connections (open loop) for
#   sqlite   one admit-server on SQLite (data dir, WAL, synchronous=FULL)
#   pg       one admit-server on PostgreSQL
#   pg2      two admit-servers on the same PostgreSQL database, the load split
#            between them (two admit-load processes at once, half the stations
#            and half the people each; throughput summed, each one's p99 shown)
# PostgreSQL is a throwaway 15 cluster (tests/support/test-postgres.sh) with
# the server's defaults: fsync=on, synchronous_commit=on (a commit returns
# after its WAL is flushed: as durable as SQLite's synchronous=FULL). Every
# measurement gets a fresh store: a copy of the template data dir for SQLite,
# a new database (CREATE DATABASE, roster imported) for PostgreSQL.
# Every step is bounded by `timeout`; everything started here is stopped on
# exit, failure or Ctrl-C. Full run ~4 minutes (2 rounds), --quick ~70 s (1 round,
# shorter windows).
#
# Usage: deploy/scripts/bench-postgres.sh [--quick] [--rounds N] [--out DIR]
#   results (admit-load JSON, latency distributions, server and PostgreSQL logs,
#   wait samples, summary.md) go to DIR, default build/bench/results/pg-<date>
# Environment: ADMIT_BENCH_BUILD=DIR another Release build folder with -DADMIT_BUILD_BENCH=ON;
#   ADMIT_BENCH_NO_BUILD=1 use the binaries already there; ADMIT_BUILD_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

quick=0
rounds=""
out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1; shift ;;
        --rounds) rounds="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "bench-postgres: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ $quick -eq 1 ]]; then
    dur=4; lat_dur=8; rounds=${rounds:-1}
else
    dur=10; lat_dur=20; rounds=${rounds:-2}
fi
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench-postgres: --rounds takes a positive number" >&2; exit 2; }

started=$(date +%s)
source_rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- server tools 2>/dev/null || echo ' + uncommitted changes in server/ or tools/')"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
build=${ADMIT_BENCH_BUILD:-build/bench}
out=${out:-$build/results/pg-$stamp}
mkdir -p "$out"
out=$(cd "$out" && pwd)
source deploy/scripts/bench-lib.sh

# --- 1. What this needs, only when missing (postgresql and libpq-dev are in install-deps.sh) ---
log "dependencies"
bash deploy/scripts/install-deps.sh --no-browser
command -v psql >/dev/null || { echo "bench-postgres: psql not found (apt-get install postgresql-client)" >&2; exit 1; }

# --- 2. Build --------------------------------------------------------------------------
log "build (preset bench -> $build)"
bench_build bench-postgres "$build" admit-server admit admit-load
bin=$root/$build/bin
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$root/$build/bench-data/pg-run-$$
rm -rf "$work"
mkdir -p "$work"

# Everything started here, stopped on any exit: load clients, servers, the sampler, PostgreSQL.
server_pids=()
load_pids=()
sampler_pid=""
pg_state=$work/pg.state
cleanup() {
    set +e  # stop everything even if one step fails
    local p
    for p in "${load_pids[@]}" "${server_pids[@]}" $sampler_pid; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${load_pids[@]}" "${server_pids[@]}" $sampler_pid; do wait "$p" 2>/dev/null || true; done
    if [[ -f $pg_state ]]; then
        local pgdir
        pgdir=$(sed -n 's/^dir=//p' "$pg_state")
        [[ -n $pgdir && -f $pgdir/server.log ]] && cp "$pgdir/server.log" "$out/postgresql.log" 2>/dev/null
        bash tests/support/test-postgres.sh stop "$pg_state" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 3. PostgreSQL 15, throwaway, on a free 127.0.0.1 port -------------------------------
log "PostgreSQL (tests/support/test-postgres.sh)"
timeout 60 bash tests/support/test-postgres.sh start "$pg_state"
if grep -q '^skip=' "$pg_state"; then
    echo "bench-postgres: $(sed -n 's/^skip=//p' "$pg_state")" >&2
    exit 1
fi
pg_url=$(sed -n 's/^url=//p' "$pg_state")
pg_dir=$(sed -n 's/^dir=//p' "$pg_state")
pg_base=${pg_url%/postgres}
psql_() { timeout 60 psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
pg_settings=$(psql_ "$pg_url" -F= -c "SELECT name, setting FROM pg_settings WHERE name IN
    ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes',
     'commit_delay', 'shared_buffers', 'wal_level', 'max_connections') ORDER BY name" | tr '\n' ' ')
echo "PostgreSQL settings: $pg_settings"
echo "$pg_settings" > "$out/postgresql-settings.txt"

# PostgreSQL's CPU time (all its processes: postmaster, backends, WAL writer...) in clock ticks.
pg_ticks() {
    local pm pid sum=0 f
    pm=$(head -1 "$pg_dir/data/postmaster.pid")
    for pid in "$pm" $(pgrep -P "$pm"); do
        f=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        f=${f##*) }  # fields after the command name
        # utime and stime are fields 14 and 15, i.e. 12 and 13 after the name
        sum=$(( sum + $(echo "$f" | awk '{print $12 + $13}') ))
    done
    echo "$sum"
}
# WAL flushes and writes since start (cluster-wide; one measurement runs at a time).
pg_wal() { psql_ "$pg_url" -F' ' -c "SELECT wal_sync, wal_write, wal_bytes FROM pg_stat_wal"; }

# --- 4. The event: 500 stations, 20,000 people, badges (as bench.sh's prepare) ------------------
log "event: 500 stations, 20,000 people"
ev=$work/event
mkdir -p "$ev/template"
"$bin/admit-load" gen-event --out "$ev/event.toml" --data "$ev/data" --stations 500 >/dev/null
"$bin/admit" keygen --data "$ev/template" >/dev/null
"$bin/admit" demo-roster --config "$ev/event.toml" --count 20000 --seed 2023 > "$ev/roster.csv"
"$bin/admit" import-roster --config "$ev/event.toml" --data "$ev/template" "$ev/roster.csv" >/dev/null
"$bin/admit" issue-badges --config "$ev/event.toml" --data "$ev/template" --out "$ev/tokens.csv" >/dev/null
# Two servers: each client gets half the people (so no person is in flight at both)...
awk -v out="$ev/tokens" 'NR == 1 { print > (out "-a.csv"); print > (out "-b.csv"); next }
    { print > (out (NR % 2 ? "-a.csv" : "-b.csv")) }' "$ev/tokens.csv"
# ...and its own stations: admit-load uses the config's first N stations, so client
# b's config is the event without the stations client a uses (ids and tokens unchanged).
client_b_config() {  # N: drop the first N [[stations]] blocks
    local f=$ev/event-b-$1.toml
    awk -v n="$1" 'BEGIN { RS = ""; ORS = "\n\n" } /^\[\[stations\]\]/ { if (k++ < n) next } { print }' \
        "$ev/event.toml" > "$f"
    echo "$f"
}

# The store of one measurement. The server reads the roster from its store, so a
# PostgreSQL database needs the roster imported into it. The easiest correct way:
# the same event config plus a [store] table, given to `admit import-roster` (the
# admin tool opens the config's [store] url when set) and to the servers (a
# --store-url on admit-server would override it). Each server gets its own data
# dir holding only the badge keys (servers of one event need the same keys).
db_seq=0
fresh_store() {  # KIND -> sets cfg, data_dirs
    local kind=$1 i
    rm -rf "$ev/run"
    mkdir -p "$ev/run"
    if [[ $kind == sqlite ]]; then
        cfg=$ev/event.toml
        cp -a "$ev/template" "$ev/run/data0"
        data_dirs=("$ev/run/data0")
        return
    fi
    db_seq=$(( db_seq + 1 ))
    db=bench$db_seq
    psql_ "$pg_url" -c "CREATE DATABASE $db"
    cfg=$ev/run/event-pg.toml
    { cat "$ev/event.toml"; printf '\n[store]\nbackend = "postgresql"\nurl = "%s/%s"\n' "$pg_base" "$db"; } > "$cfg"
    timeout 120 "$bin/admit" import-roster --config "$cfg" --data "$ev/template" "$ev/roster.csv" > "$ev/run/import.txt"
    data_dirs=()
    local n=1
    [[ $kind == pg2 ]] && n=2
    for (( i = 0; i < n; i++ )); do
        mkdir -p "$ev/run/data$i"
        cp -a "$ev/template/keys" "$ev/run/data$i/"
        data_dirs+=("$ev/run/data$i")
    done
}
drop_store() {
    [[ -n ${db:-} ]] && psql_ "$pg_url" -c "DROP DATABASE IF EXISTS $db" || true
    db=""
}

# start_servers LABEL: one admit-server per data dir; sets server_pids, port_files.
start_servers() {
    local label=$1 i
    server_pids=()
    port_files=()
    for i in "${!data_dirs[@]}"; do
        local pf=$ev/run/port$i
        rm -f "$pf"
        "$bin/admit-server" --config "$cfg" --data "${data_dirs[$i]}" --port 0 --port-file "$pf" \
            --log-level warn > "$out/server-$label-$i.log" 2>&1 &
        server_pids+=($!)
        port_files+=("$pf")
    done
    for i in "${!port_files[@]}"; do
        for _ in $(seq 1 150); do [[ -s ${port_files[$i]} ]] && break; sleep 0.1; done
        if [[ ! -s ${port_files[$i]} ]]; then
            echo "bench-postgres: admit-server $i ($label) did not start; its log:" >&2
            cat "$out/server-$label-$i.log" >&2
            exit 1
        fi
    done
}
stop_servers() {
    local p
    for p in "${server_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${server_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    server_pids=()
}

# What the busy PostgreSQL backends of the bench database are doing, sampled every
# 50 ms while a PostgreSQL measurement runs (one psql session, \watch; one line per
# sample, "idle" when none is busy):
#   lock-wait      a server's batch waiting for the advisory lock (the other server's batch)
#   wal-flush      COMMIT waiting for its WAL write/flush (IO:WAL*)
#   copy-in        COPY receiving rows from admit-server (active, Client:ClientRead)
#   executing      running a statement (active, no wait event)
#   in-txn-client  inside a batch, waiting for admit-server's next statement (round
#                  trips and the engine's own work between statements)
start_sampler() {  # LABEL SECONDS
    [[ -z ${db:-} ]] && return
    printf "SELECT coalesce(string_agg(CASE
          WHEN wait_event = 'advisory' THEN 'lock-wait'
          WHEN state LIKE 'idle in transaction%%' THEN 'in-txn-client'
          WHEN wait_event_type = 'IO' AND wait_event LIKE 'WAL%%' THEN 'wal-flush'
          WHEN wait_event = 'ClientRead' THEN 'copy-in'
          WHEN wait_event IS NULL THEN 'executing'
          ELSE wait_event_type || ':' || wait_event END, ' '), 'idle')
        FROM pg_stat_activity
        WHERE datname = '%s' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
          AND state <> 'idle';\n\\\\watch 0.05\n" "$db" \
        | timeout "$2" psql -X -At "$pg_url" > "$out/waits-$1.txt" 2>/dev/null &
    sampler_pid=$!
}
stop_sampler() {
    [[ -n ${sampler_pid:-} ]] || return 0
    kill -TERM "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
}

# measure CASE ROUND STEP: one measurement on a fresh store, figures in $out/CASE-STEP-ROUND*.json.
measure() {
    local kind=$1 round=$2 step=$3 label="$1-$3-$2" i n limit=150
    local -a load_args
    if [[ $step == throughput ]]; then
        n=200; load_args=(--window 8 --warmup 2 --duration "$dur")
    else
        n=500; load_args=(--warmup 2 --duration "$lat_dur")  # --rate 1000, split between the servers
    fi
    fresh_store "$kind"
    start_servers "$label"
    local ticks0 wal0 t0
    if [[ $kind != sqlite ]]; then ticks0=$(pg_ticks); wal0=$(pg_wal); fi
    t0=$(date +%s.%N)
    start_sampler "$label" "$limit"
    load_pids=()
    local servers=${#server_pids[@]}
    for i in "${!server_pids[@]}"; do
        local part=$(( n / servers )) config=$ev/event.toml tokens=$ev/tokens.csv suffix="" rate_args=()
        if [[ $servers -eq 2 ]]; then
            suffix=$([[ $i -eq 0 ]] && echo "-a" || echo "-b")
            tokens=$ev/tokens$suffix.csv
            [[ $i -eq 1 ]] && config=$(client_b_config "$part")
        fi
        [[ $step == latency ]] && rate_args=(--rate $(( 1000 / servers )))
        timeout "$limit" "$bin/admit-load" scans --config "$config" --tokens "$tokens" \
            --port-file "${port_files[$i]}" -n "$part" "${load_args[@]}" "${rate_args[@]}" \
            --seed $(( 2023 + i )) --server-pid "${server_pids[$i]}" \
            --label "$label$suffix" --json "$out/$label$suffix.json" --hist "$out/$label$suffix.hgrm" \
            > "$out/$label$suffix.txt" 2>&1 &
        load_pids+=($!)
    done
    for i in "${!load_pids[@]}"; do
        wait "${load_pids[$i]}" || echo "bench-postgres: admit-load $label ($i) failed or timed out (see $out/$label*.txt)" >&2
    done
    load_pids=()
    stop_sampler
    if [[ $kind != sqlite ]]; then
        local ticks1 wal1
        ticks1=$(pg_ticks); wal1=$(pg_wal)
        python3 - "$out/$label-pg.json" "$ticks0" "$ticks1" "$wal0" "$wal1" "$t0" "$(date +%s.%N)" "$(getconf CLK_TCK)" <<'EOF'
import json, sys
f, t0, t1, w0, w1, s0, s1, hz = sys.argv[1:]
w0, w1 = [float(x) for x in w0.split()], [float(x) for x in w1.split()]
json.dump({"pg_cpu_s": (int(t1) - int(t0)) / int(hz), "wall_s": float(s1) - float(s0),
           "wal_sync": w1[0] - w0[0], "wal_write": w1[1] - w0[1], "wal_bytes": w1[2] - w0[2]}, open(f, "w"))
EOF
    fi
    stop_servers
    if [[ $kind != sqlite ]]; then
        # How the scans table was read (the servers' backends flushed their counters on exit).
        sleep 0.5
        psql_ "$pg_base/$db" -F' ' -c "SELECT seq_scan, seq_tup_read, coalesce(idx_scan, 0)
            FROM pg_stat_user_tables WHERE relname = 'scans'" > "$out/$label-table.txt" || true
    fi
    cat "$out/$label"*.txt | grep -E 'acknowledged|scan-to-verdict|server CPU|errors' | sed "s/^/  [$label] /" || true
    drop_store
}

# --- 5. The cases, round by round (so a noisy minute hits every case) -----------------------
for round in $(seq 1 "$rounds"); do
    for kind in sqlite pg pg2; do
        log "round $round: $kind, durable scans/s (200 stations, closed loop, window 8, ${dur} s)"
        measure "$kind" "$round" throughput
        log "round $round: $kind, latency at 1,000 scans/s over 500 stations (open loop, ${lat_dur} s)"
        measure "$kind" "$round" latency
    done
done

# --- 6. Summary ---------------------------------------------------------------------------------
log "summary"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), source at start: $source_rev,"\
         "machine: $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "mode: $([[ $quick -eq 1 ]] && echo quick || echo full), $rounds round(s), results in $out"
    echo "PostgreSQL: $pg_settings"
} | tee "$out/machine.txt"
python3 - "$out" "$rounds" <<'EOF' | tee "$out/summary.md"
import collections, json, os, sys
folder, rounds = sys.argv[1], int(sys.argv[2])

def read(name):
    p = os.path.join(folder, name + ".json")
    return json.load(open(p)) if os.path.exists(p) else None

def waits(label):
    # average number of busy backends in each state per sample
    p = os.path.join(folder, f"waits-{label}.txt")
    if not os.path.exists(p):
        return ""
    lines = [l.split() for l in open(p) if l.strip()]
    c = collections.Counter(w for l in lines for w in l if w != "idle")
    n = len(lines)
    return f"{n} samples: " + ", ".join(f"{k} {v / n:.2f}" for k, v in c.most_common()) if n else ""

cases = [("sqlite", "1 server, SQLite"), ("pg", "1 server, PostgreSQL"), ("pg2", "2 servers, one PostgreSQL db")]
print("| case | round | durable scans/s (200 conns, closed loop) | server CPU us/scan | PostgreSQL CPU us/scan | scans per WAL flush | p50 / p99 / p99.9 / max ms at 1,000 scans/s (500 conns) | unanswered / errors |")
print("|---|---|---|---|---|---|---|---|")
through = collections.defaultdict(dict)
p99 = collections.defaultdict(dict)
notes = []
for kind, name in cases:
    for r in range(1, rounds + 1):
        parts = ["-a", "-b"] if kind == "pg2" else [""]
        t = [read(f"{kind}-throughput-{r}{s}") for s in parts]
        l = [read(f"{kind}-latency-{r}{s}") for s in parts]
        if any(x is None for x in t + l):
            print(f"| {name} | {r} | (missing: see the .txt files) | | | | | |")
            continue
        tput = sum(x["throughput"] for x in t)
        through[kind][r] = tput
        p99[kind][r] = max(x["lat_p99_ms"] for x in l)
        cpu = " + ".join(f"{x.get('server_cpu_us_per_msg', 0):.1f}" for x in t)
        tp = f"**{tput:,.0f}**" + (" (" + " + ".join(f"{x['throughput']:,.0f}" for x in t) + ")" if len(t) > 1 else "")
        tp += " p99 " + " / ".join(f"{x['lat_p99_ms']:.0f}" for x in t) + " ms"
        pgc = pgf = ""
        pg = read(f"{kind}-throughput-{r}-pg")
        if pg:
            answered = sum(x["answered"] for x in t)
            pgc = f"{pg['pg_cpu_s'] * 1e6 / answered:.1f}" if answered else ""
            pgf = f"{answered / pg['wal_sync']:.1f}" if pg["wal_sync"] else ""
        lat = "; ".join(f"{x['lat_p50_ms']:.2f} / **{x['lat_p99_ms']:.2f}** / {x['lat_p999_ms']:.2f} / {x['lat_max_ms']:.2f}"
                        for x in l)
        bad = " + ".join(f"{x['unanswered']} / {sum(x.get('errors', {}).values())}" for x in t + l)
        print(f"| {name} | {r} | {tp} | {cpu} | {pgc} | {pgf} | {lat} | {bad} |")
        for step in ("throughput", "latency"):
            w = waits(f"{kind}-{step}-{r}")
            if w:
                notes.append(f"- {name}, round {r}, {step}: {w}")
print()
print("Ratios within each round (PostgreSQL / SQLite):")
print()
print("| case | durable scans/s vs SQLite | p99 at 1,000/s vs SQLite (worse of the two clients for 2 servers) |")
print("|---|---|---|")
def rng(v):
    v = sorted(v)
    return f"{v[0]:.2f}" if len(v) == 1 or abs(v[0] - v[-1]) < 0.005 else f"{v[0]:.2f}-{v[-1]:.2f}"
for kind, name in cases[1:]:
    rs = [r for r in through[kind] if r in through["sqlite"]]
    if rs:
        print(f"| {name} | {rng([through[kind][r] / through['sqlite'][r] for r in rs])}x "
              f"| {rng([p99[kind][r] / p99['sqlite'][r] for r in rs])}x |")
print()
print("PostgreSQL work per stored scan (CPU of all its processes over the whole admit-load run; rows of")
print("the scans table read by sequential scans, from pg_stat_user_tables):")
print()
print("| case | round | step | PostgreSQL CPU us/scan | seq scans | seq-scanned rows per stored scan | index scans |")
print("|---|---|---|---|---|---|---|")
for kind, name in cases[1:]:
    for r in range(1, rounds + 1):
        for step in ("throughput", "latency"):
            parts = ["-a", "-b"] if kind == "pg2" else [""]
            runs = [read(f"{kind}-{step}-{r}{s}") for s in parts]
            pg = read(f"{kind}-{step}-{r}-pg")
            tp = os.path.join(folder, f"{kind}-{step}-{r}-table.txt")
            if any(x is None for x in runs) or pg is None:
                continue
            answered = sum(x["answered"] for x in runs) or 1
            seq = rows = idx = ""
            if os.path.exists(tp) and open(tp).read().split():
                seq, rows, idx = [int(v) for v in open(tp).read().split()]
                rows = f"{rows / answered:,.1f}"
            print(f"| {name} | {r} | {step} | {pg['pg_cpu_s'] * 1e6 / answered:.1f} | {seq} | {rows} | {idx} |")
if notes:
    print()
    print("Busy PostgreSQL backends of the bench database, average number per sample by state")
    print("(pg_stat_activity every 50 ms; 1 server has 1 writer, 2 servers 2; see the script for the states):")
    print()
    print("\n".join(notes))
EOF
grep -hiE '\b(error|warn|warning|critical)\b' "$out"/server-*.log | sort | uniq -c | sort -rn | head -20 > "$out/server-log-problems.txt" || true
if [[ -s $out/server-log-problems.txt ]]; then
    echo
    echo "server log lines at warn or above (count, line; see $out/server-*.log):"
    cat "$out/server-log-problems.txt"
fi
echo
echo "bench-postgres: done in $(( $(date +%s) - started )) s; results in $out"
