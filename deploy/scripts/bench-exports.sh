#!/usr/bin/env bash
# Stations while exports run (BENCHMARKS.md, "Stations while exports run";
# issues 19 and 20): scan-to-verdict of a steady station load, the server's
# peak RSS and /healthz, in three cases on the same scan log, each on a fresh
# copy of it and a fresh server, alternating (base exports pdfs, base exports
# pdfs, ...) so the host's noise shows:
#   base     the station load alone
#   exports  the same while 2 XLSX and 2 CSV exports of the whole log are
#            downloaded again and again by a staff client
#   pdfs     the same while badge PDFs are made in bursts of 20 at once
# The log is written by the real server (200 stations replaying outboxes, as
# bench.sh's start-up step does) until it holds --scans scans. Loopback only;
# every run under `timeout`.
#
# Usage: deploy/scripts/bench-exports.sh [--quick] [--out DIR] [--rounds N] [--scans N]
#        [--rate R] [--stations N] [--duration S] [--cases "base exports pdfs"]
#        [--server-tmpdir DIR] [--perf]
#   --quick: a 200k-scan log, 1 round, 8 s windows (default: 1M scans, 2 rounds, 20 s)
#   --server-tmpdir DIR: the server's TMPDIR (where exports and PDFs are made), e.g. a
#            tmpfs, to tell the disk's part from the CPU's
#   --perf:  also record the server (perf record -g, cpu-clock and sched_switch: on and
#            off CPU) in each round's exports case: <out>/perf-exports-N.data
#   results go to DIR (default build/bench/results/<date>-exports): per case admit-load's
#   .txt/.json/.hgrm, http_load's .txt/.json, the server log; exports.md, the table.
# Environment as bench.sh: ADMIT_BENCH_BUILD, ADMIT_BENCH_NO_BUILD=1 (bench.sh sets it).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

quick=0
out=""
rounds=""
scans=""
rate=300
stations=30
duration=""
perf=0
cases="base exports pdfs"
server_tmpdir=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1; shift ;;
        --out) out="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --scans) scans="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --stations) stations="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --cases) cases="$2"; shift 2 ;;
        --server-tmpdir) server_tmpdir="$2"; shift 2 ;;
        --perf) perf=1; shift ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
        *) echo "bench-exports: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ $quick -eq 1 ]]; then
    scans=${scans:-200000}; rounds=${rounds:-1}; duration=${duration:-8}; warmup=2
else
    scans=${scans:-1000000}; rounds=${rounds:-2}; duration=${duration:-20}; warmup=3
fi

started=$(date +%s)
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
build=${ADMIT_BENCH_BUILD:-build/bench}
out=${out:-$build/results/$stamp-exports}
mkdir -p "$out"
out=$(cd "$out" && pwd)
source deploy/scripts/bench-lib.sh

log "build (preset bench -> $build)"
bench_build bench-exports "$build" admit-server admit admit-load
bin=$root/$build/bin

work=$root/$build/bench-data/exports-$$
rm -rf "$work"
mkdir -p "$work"
server_pid=""
stop_server() {
    [[ -z "$server_pid" ]] && return
    # A slow request still running finishes before the server stops (an export
    # of the whole log: seconds); past 60 s it is killed.
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

staff_token=bench-staff-token
ev=$work/event.toml
# 200 stations write the log; the first $stations of them are the steady load.
"$bin/admit-load" gen-event --out "$ev" --data "$work/data" --stations 200 >/dev/null
sed -i "/^viewer_tokens = /a staff_tokens = [\"$staff_token\"]" "$ev"
mkdir -p "$work/template"
"$bin/admit" keygen --data "$work/template" >/dev/null
"$bin/admit" demo-roster --config "$ev" --count 20000 --seed 2023 > "$work/roster.csv"
"$bin/admit" import-roster --config "$ev" --data "$work/template" "$work/roster.csv" >/dev/null
"$bin/admit" issue-badges --config "$ev" --data "$work/template" --out "$work/tokens.csv" >/dev/null

# start_server LABEL DATA_DIR: sets server_pid; waits for the port (the start-up rebuilds the log).
start_server() {
    local label=$1 data=$2
    rm -f "$work/port"
    TMPDIR=${server_tmpdir:-${TMPDIR:-/tmp}} "$bin/admit-server" --config "$ev" --data "$data" --port 0 --port-file "$work/port" \
        --log-level info > "$out/server-$label.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do [[ -s "$work/port" ]] && break; sleep 0.1; done
    if [[ ! -s "$work/port" ]]; then
        echo "bench-exports: admit-server did not start; its log:" >&2
        cat "$out/server-$label.log" >&2
        exit 1
    fi
}

# --- The log: the real server, 200 stations replaying outboxes, until it holds $scans ---
# Scan ids are the station, a nonce from --seed and a count: each admit-load run
# here has a seed of its own, or the server refuses its scans as conflicts.
log "scan log: 200 stations replaying outboxes until the log holds $scans scans"
start_server log-writer "$work/template"
logged=0
for chunk in $(seq 1 60); do
    timeout 60 "$bin/admit-load" scans --config "$ev" --tokens "$work/tokens.csv" --port-file "$work/port" \
        -n 200 --batch 100 --window 1 --warmup 0 --duration 3 --seed "$(( 1000 + chunk ))" \
        --json "$work/chunk.json" > /dev/null
    logged=$(( logged + $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["answered"])' "$work/chunk.json") ))
    [[ $logged -ge $scans ]] && break
done
stop_server
echo "  $logged scans acknowledged (the server's start-up log below gives the count it rebuilt from)"
du -sh "$work/template" | sed 's/^/  data: /'

# --- The cases, alternating -----------------------------------------------------------------
read -r -a cases <<< "$cases"
for round in $(seq 1 "$rounds"); do
    for c in "${cases[@]}"; do
        label=$c-$round
        rm -rf "$work/data"
        cp -a "$work/template" "$work/data"
        sync
        start_server "$label" "$work/data"
        sleep 1  # past the start-up's allocations and the first dashboard snapshot
        log "stations while exports run: $label ($stations stations at $rate scans/s, ${duration} s after ${warmup} s)"
        { echo "label: $label"; echo "start: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), loadavg $(cat /proc/loadavg)";
          echo "cpu pressure: $(head -1 /proc/pressure/cpu 2>/dev/null)"; } > "$out/machine-$label.txt"
        http_args=()
        case $c in
            exports) http_args=(--xlsx 2 --csv 2) ;;
            pdfs) http_args=(--pdfs 20 --roster "$work/roster.csv") ;;
        esac
        total=$(python3 -c "print($warmup + $duration + 1)")
        perf_pid=""
        if [[ $perf -eq 1 && $c == exports ]] && command -v perf >/dev/null; then
            timeout $(( ${total%.*} + 10 )) perf record -g -F 499 -e cpu-clock -e sched:sched_switch -p "$server_pid" -o "$out/perf-$label.data" \
                > "$out/perf-$label.log" 2>&1 &
            perf_pid=$!
        fi
        timeout $(( ${total%.*} + 30 )) python3 bench/exports/http_load.py --port-file "$work/port" \
            --token "$staff_token" --duration "$total" --server-pid "$server_pid" --label "$label" \
            --json "$out/http-$label.json" "${http_args[@]}" > "$out/http-$label.txt" 2>&1 &
        http_pid=$!
        timeout $(( ${total%.*} + 60 )) "$bin/admit-load" scans --config "$ev" --tokens "$work/tokens.csv" \
            --port-file "$work/port" -n "$stations" --rate "$rate" --warmup "$warmup" --duration "$duration" --seed 7 \
            --server-pid "$server_pid" --label "$label" --json "$out/load-$label.json" --hist "$out/load-$label.hgrm" \
            > "$out/load-$label.txt" || echo "bench-exports: admit-load $label failed or timed out" >&2
        wait "$http_pid" || echo "bench-exports: http_load $label failed or timed out" >&2
        [[ -n $perf_pid ]] && { kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; }
        { echo "end: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), loadavg $(cat /proc/loadavg)";
          echo "cpu pressure: $(head -1 /proc/pressure/cpu 2>/dev/null)";
          echo "server VmHWM (lifetime): $(grep VmHWM /proc/"$server_pid"/status | awk '{print $2, $3}')"; } >> "$out/machine-$label.txt"
        grep -E 'scan-to-verdict|acknowledged|server CPU' "$out/load-$label.txt" | sed "s/^/  /"
        cat "$out/http-$label.txt"
        stop_server
    done
done
grep -hE "rebuilt from [0-9]+ logged scans" "$out"/server-*.log > "$out/log-size.txt" || true

python3 bench/exports/table.py "$out" | tee "$out/exports.md"
echo "bench-exports: done in $(( $(date +%s) - started )) s; results in $out"
