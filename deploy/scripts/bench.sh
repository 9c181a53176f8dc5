#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md, end to end: installs what is missing
# (admit's build packages via install-deps.sh, plus libwebsocketpp-dev and
# linux-perf for the transport peer and profiles), builds the `bench` preset
# into build/bench, runs everything against loopback only, and prints a
# summary table with each target's pass/miss. Every step is bounded by
# `timeout`; the whole run takes under 15 minutes (--quick: about 3).
#
# Usage: deploy/scripts/bench.sh [--quick] [--out DIR]
#   results (JSON per run, latency distributions, server logs, summary.md) go to
#   DIR, default build/bench/results/<date>
# Environment: ADMIT_BENCH_BUILD=DIR another Release build folder with -DADMIT_BUILD_BENCH=ON;
#   ADMIT_BENCH_NO_BUILD=1 use the binaries already there; ADMIT_BUILD_JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

quick=0
out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1; shift ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

started=$(date +%s)
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out=${out:-${ADMIT_BENCH_BUILD:-build/bench}/results/$stamp}
mkdir -p "$out"
out=$(cd "$out" && pwd)
source deploy/scripts/bench-lib.sh

# --- 1. What the benchmarks need, only when missing --------------------------------
log "dependencies"
bash deploy/scripts/install-deps.sh --no-browser
extra=()
[[ -f /usr/include/websocketpp/server.hpp ]] || extra+=(libwebsocketpp-dev)
command -v perf >/dev/null || extra+=(linux-perf)
command -v python3 >/dev/null || extra+=(python3)
if [[ ${#extra[@]} -gt 0 ]]; then
    echo "bench: installing ${extra[*]}"
    if [[ $(id -u) -ne 0 ]]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${extra[@]}" >/dev/null
fi
if [[ ! -d bench/transport/node_modules/ws ]]; then
    (cd bench/transport && timeout 300 npm ci --no-audit --no-fund --silent)
fi

# --- 2. Build ------------------------------------------------------------------------
# ADMIT_BENCH_BUILD: another Release build folder configured with -DADMIT_BUILD_BENCH=ON.
build=${ADMIT_BENCH_BUILD:-build/bench}
log "build (preset bench -> $build)"
targets=(admit-server admit admit-load admit_core_bench admit_echo_server floor_echo_server admit_decode_bench admit_decode_compare)
[[ -f /usr/include/websocketpp/server.hpp ]] && targets+=(wspp_echo_server)
bench_build bench "$build" "${targets[@]}"
bin=$root/$build/bin

# Enough file descriptors for 10 000 connections on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open files limit: $(ulimit -n)"

work=$root/$build/bench-data/run-$$
rm -rf "$work"
mkdir -p "$work"

server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM


# start_server NAME LABEL [server options...]: a fresh copy of the template data; sets server_pid, port.
start_server() {
    local dir=$work/$1 label=$2
    shift 2
    rm -rf "$dir/data"
    cp -a "$dir/template" "$dir/data"
    rm -f "$dir/port"
    "$bin/admit-server" --config "$dir/event.toml" --data "$dir/data" --port 0 \
        --port-file "$dir/port" --log-level warn "$@" > "$out/server-$label.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
    if [[ ! -s "$dir/port" ]]; then
        echo "bench: admit-server did not start; its log:" >&2
        cat "$out/server-$label.log" >&2
        exit 1
    fi
}
stop_server() {
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# time_startups NAME RUNS: starts admit-server RUNS times on NAME's data as the
# last run left it (no fresh copy); each start's time to its port file and the
# rebuild it logs go to $out/startup.json.
time_startups() {
    local dir=$work/$1 runs=$2 i t0 t1 line ms=() rebuilt=() scans=0
    log "start-up: admit-server on the log the replay left, $runs starts"
    for i in $(seq 1 "$runs"); do
        rm -f "$dir/port"
        t0=$(date +%s%N)
        "$bin/admit-server" --config "$dir/event.toml" --data "$dir/data" --port 0 \
            --port-file "$dir/port" --log-level info > "$out/server-startup-$i.log" 2>&1 &
        server_pid=$!
        for _ in $(seq 1 3000); do [[ -s "$dir/port" ]] && break; sleep 0.01; done
        t1=$(date +%s%N)
        stop_server
        line=$(grep -oE 'rebuilt from [0-9]+ logged scans in [0-9]+ ms' "$out/server-startup-$i.log" || true)
        [[ -z $line ]] && { echo "bench: start-up $i did not log its rebuild" >&2; return; }
        scans=$(awk '{print $3}' <<<"$line")
        ms+=($(( (t1 - t0) / 1000000 )))
        rebuilt+=($(awk '{print $7}' <<<"$line"))
        echo "  start $i: listening after ${ms[-1]} ms; $line"
    done
    printf '{"scans": %s, "listening_ms": [%s], "rebuild_ms": [%s]}\n' "$scans" \
        "$(IFS=,; echo "${ms[*]}")" "$(IFS=,; echo "${rebuilt[*]}")" > "$out/startup.json"
}

load_prefix=""
# load LABEL TIMEOUT admit-load arguments...: one bounded admit-load run, figures in $out/LABEL.json.
load() {
    local label=$1 limit=$2
    shift 2
    timeout "$limit" $load_prefix "$bin/admit-load" "$@" --label "$label" --json "$out/$label.json" --hist "$out/$label.hgrm" \
        | tee "$out/$label.txt" || echo "bench: $label failed or timed out" >&2
}

if [[ $quick -eq 1 ]]; then
    dur=4; lat_dur=8; view_dur=8; idle_n=2000; idle_hold=3; echo_dur=3; rounds=1; decode_n=60
else
    dur=10; lat_dur=20; view_dur=20; idle_n=10000; idle_hold=12; echo_dur=5; rounds=2; decode_n=300
fi

# --- 3. Core micro-benchmarks ----------------------------------------------------------
log "core benchmarks (decide, verify_badge, protobuf$([[ $quick -eq 0 ]] && echo ', engine rebuild from 1M scans'))"
filter='.*'
[[ $quick -eq 1 ]] && filter='^(decide|verify|wire)'
ADMIT_BENCH_DIR=$work timeout 300 "$bin/../bench/core/admit_core_bench" --benchmark_filter="$filter" \
    --benchmark_min_time=0.3 --benchmark_out="$out/core.json" --benchmark_out_format=json \
    2>&1 | grep -v '^\[' | tee "$out/core.txt"

# --- 4. Group commit against one commit per scan (200 stations, flat out) ------------------
# Twice: as kiosks deliver their outboxes after an outage (ScanBatch frames of
# 100, one in flight per station: when 200 stations really go flat out), and
# with each scan in its own frame (8 in flight per station), where the frames,
# not the commits, bound the rate.
prepare s200 200 20000
for shape in replay frames; do
    if [[ $shape == replay ]]; then
        log "group commit vs --max-group 1 (200 stations replaying outboxes: ScanBatch of 100, one in flight each)"
        shape_args=(--batch 100 --window 1)
        suffix="-replay"
    else
        log "group commit vs --max-group 1 (200 stations, a scan per frame, window 8)"
        shape_args=(--window 8)
        suffix=""
    fi
    for mode in group single; do
        extra_args=()
        [[ $mode == single ]] && extra_args=(--max-group 1)
        start_server s200 "commit-$mode$suffix" "${extra_args[@]}"
        load "commit-$mode$suffix" 120 scans --config "$work/s200/event.toml" --tokens "$work/s200/tokens.csv" \
            --port-file "$work/s200/port" -n 200 "${shape_args[@]}" --warmup 2 --duration "$dur" --server-pid "$server_pid"
        stop_server
        # The replay leaves a log of about a million scans: time the real server's start on it.
        if [[ $shape == replay && $mode == group && $quick -eq 0 ]]; then
            time_startups s200 3
        fi
    done
done

# --- 5. Latency at 1 000 scans/s over 500 connections (open loop) --------------------------
log "latency: 1000 scans/s over 500 stations, open loop"
prepare s500 500 20000
start_server s500 latency
load latency 120 scans --config "$work/s500/event.toml" --tokens "$work/s500/tokens.csv" \
    --port-file "$work/s500/port" -n 500 --rate 1000 --warmup 2 --duration "$lat_dur" --server-pid "$server_pid"
stop_server

# --- 6. 1 000 dashboards while scanning; a stalled one from half-time -----------------------
log "dashboards: 1000 viewers, 200 scans/s on 20 stations, a stalled viewer from half-time"
prepare s20 20 5000
start_server s20 viewers
load viewers 150 scans --config "$work/s20/event.toml" --tokens "$work/s20/tokens.csv" \
    --port-file "$work/s20/port" -n 20 --rate 200 --viewers 1000 --stalled-viewer \
    --warmup 2 --duration "$view_dur" --server-pid "$server_pid"
stop_server
# The same with broadcasts 50 ms apart (default 10 ms): commit-to-viewer against its CPU cost.
start_server s20 viewers-50 --live-interval 50
load viewers-50 150 scans --config "$work/s20/event.toml" --tokens "$work/s20/tokens.csv" \
    --port-file "$work/s20/port" -n 20 --rate 200 --viewers 1000 \
    --warmup 2 --duration "$view_dur" --server-pid "$server_pid"
stop_server

# --- 7. Concurrent idle station connections; server memory per connection ---------------
log "connections: $idle_n idle stations"
prepare s10k "$idle_n" 2000
start_server s10k idle
load idle 180 idle --config "$work/s10k/event.toml" --port-file "$work/s10k/port" -n "$idle_n" \
    --source-addresses 8 --hold "$idle_hold" --server-pid "$server_pid"
stop_server

# --- 8. WebSocket transport: our stack against websocketpp and Node ws -------------------------
log "transport: echo servers on core 0, admit-load on core 1, 50 connections, 100-byte binary frames"
load_prefix="taskset -c 1"
peers=(admit)
[[ -x "$bin/wspp_echo_server" ]] && peers+=(wspp)
command -v node >/dev/null && peers+=(node)
peers+=(floor)  # the yardstick: the least CPU per message any server can spend here
for round in $(seq 1 "$rounds"); do
    # Each round starts with a different server, so none always runs first
    # (right after the heavier steps) or last.
    order=("${peers[@]:$(( (round - 1) % ${#peers[@]} ))}" "${peers[@]:0:$(( (round - 1) % ${#peers[@]} ))}")
    for peer in "${order[@]}"; do
        rm -f "$work/echo-port"
        case $peer in
            admit) taskset -c 0 "$bin/admit_echo_server" --threads 1 --port-file "$work/echo-port" >/dev/null & ;;
            wspp) taskset -c 0 "$bin/wspp_echo_server" --port-file "$work/echo-port" >/dev/null & ;;
            node) taskset -c 0 node bench/transport/ws_echo.js --port-file "$work/echo-port" >/dev/null & ;;
            floor) taskset -c 0 "$bin/floor_echo_server" --port-file "$work/echo-port" >/dev/null & ;;
        esac
        server_pid=$!
        for _ in $(seq 1 100); do [[ -s "$work/echo-port" ]] && break; sleep 0.1; done
        load "echo-$peer-$round" 60 echo --port-file "$work/echo-port" -n 50 --window 1 --size 100 \
            --warmup 1 --duration "$echo_dur" --server-pid "$server_pid" > /dev/null
        grep -E 'echoes|round trip|CPU' "$out/echo-$peer-$round.txt" | sed "s/^/  [$peer $round] /"
        stop_server
    done
done
load_prefix=""

# --- 9. QR decode: the kiosk's decoder against ZXing-cpp's defaults and ZBar -----------------
# The hard badge set (tests/scanner/decode/hard_set): small modules, turned up to
# 45 degrees, blurred, noisy, dim, some frames with no code; each case also as
# the next two camera frames. All three decoders on the same buffers, same run.
log "QR decode: $decode_n hard 1280x720 frames x 3 takes, ours vs ZXing defaults vs ZBar"
timeout 120 "$bin/../bench/decode/admit_decode_bench" --benchmark_min_time=0.3 \
    --benchmark_out="$out/decode.json" --benchmark_out_format=json 2>&1 | grep -v '^\[' | tee "$out/decode.txt"
timeout 600 "$bin/../bench/decode/admit_decode_compare" --count "$decode_n" --takes 3 \
    --json "$out/decode-compare.json" | tee "$out/decode-compare.txt" \
    || echo "bench: decode-compare failed or timed out" >&2

# --- 10. Stations while exports run: scan-to-verdict, peak RSS, /healthz ------------------------
# A separate script (it builds its own scan log: 1M scans, --quick 200k); its
# own folder, its own table (exports.md), its rows in the summary below.
log "stations while exports run (bench-exports.sh$([[ $quick -eq 1 ]] && echo ' --quick'))"
exports_args=(--out "$out/exports")
[[ $quick -eq 1 ]] && exports_args+=(--quick)
ADMIT_BENCH_NO_BUILD=1 ADMIT_BENCH_BUILD=$build timeout 900 bash deploy/scripts/bench-exports.sh "${exports_args[@]}" \
    || echo "bench: bench-exports.sh failed or timed out" >&2

# --- 11. Summary ---------------------------------------------------------------------------------
log "summary"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
         "$(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "mode: $([[ $quick -eq 1 ]] && echo quick || echo full), results in $out"
    echo "cpu pressure (some, avg10/avg60): $(head -1 /proc/pressure/cpu 2>/dev/null | cut -d' ' -f2-3)"
} | tee "$out/machine.txt"
python3 bench/summary.py "$out" | tee "$out/summary.md"
echo
echo "bench: done in $(( $(date +%s) - started )) s"
