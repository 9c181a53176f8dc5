#!/usr/bin/env bash
# Two admit-server binaries on the station path, in turns (A B A B ...), on
# one event and one load client, so a noisy machine slows both alike: the
# ratios A/B are the figures to quote. Use it before and after a change to
# the scan path (e.g. build the old commit into another folder).
#
# Usage: deploy/scripts/bench-ab-server.sh A_SERVER B_SERVER [--rounds N] [--duration S]
#   A_SERVER, B_SERVER  admit-server binaries (B is the baseline)
#   --rounds N          turns per binary and shape (default 3)
#   --duration S        measured seconds per run (default 6)
# Needs build/bench (admit, admit-load): cmake --preset bench &&
#   cmake --build build/bench --target admit admit-load
# ADMIT_AB_TOOLS=DIR takes admit and admit-load from DIR instead: they must
# write a data directory both servers can open (the older schema).
# Shapes: "replay" (200 stations flat out delivering outboxes, ScanBatch of
# 100, one in flight each: bounded by the writer thread), "frames" (200
# stations flat out, a scan per frame, 8 in flight each: bounded by the
# frames, not the disk) and "latency" (1,000 scans/s
# open loop over 500 stations). Prints per-run figures and the median ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

[[ $# -ge 2 ]] || { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
server_a=$(realpath "$1")
server_b=$(realpath "$2")
shift 2
rounds=3
duration=6
while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        *) echo "bench-ab-server: unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
    esac
done
for s in "$server_a" "$server_b"; do
    [[ -x $s ]] || { echo "bench-ab-server: $s is not an executable admit-server" >&2; exit 2; }
done
bin=${ADMIT_AB_TOOLS:-$root/build/bench/bin}
for tool in admit admit-load; do
    [[ -x $bin/$tool ]] || { echo "bench-ab-server: $bin/$tool is missing; build the bench preset (see the usage)" >&2; exit 2; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d -t admit-ab.XXXXXX)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

started=$(date +%s)
source deploy/scripts/bench-lib.sh  # prepare()


# run SERVER NAME LABEL load-args...: one server on a fresh copy of the data, one load run.
run() {
    local server=$1 dir=$work/$2 label=$3
    shift 3
    rm -rf "$dir/data" "$dir/port"
    cp -a "$dir/template" "$dir/data"
    "$server" --config "$dir/event.toml" --data "$dir/data" --port 0 --port-file "$dir/port" \
        --log-level warn > "$work/$label.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 200); do [[ -s $dir/port ]] && break; sleep 0.05; done
    [[ -s $dir/port ]] || { echo "bench-ab-server: $server did not start:" >&2; cat "$work/$label.log" >&2; exit 1; }
    timeout 120 "$bin/admit-load" scans --config "$dir/event.toml" --tokens "$dir/tokens.csv" \
        --port-file "$dir/port" --warmup 2 --duration "$duration" --server-pid "$server_pid" \
        --label "$label" --json "$work/$label.json" "$@" > /dev/null
    kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

field() { grep -oE "\"$2\":[0-9.]+" "$work/$1.json" | head -1 | cut -d: -f2; }

prepare s200 200 20000
prepare s500 500 20000
printf '%-8s %-6s %3s %12s %14s %10s\n' shape server run 'scans/s' 'server us/scan' 'p99 ms'
for shape in replay frames latency; do
    for r in $(seq 1 "$rounds"); do
        for side in A B; do
            server=$server_a
            [[ $side == B ]] && server=$server_b
            label=$shape-$side-$r
            if [[ $shape == replay ]]; then
                run "$server" s200 "$label" -n 200 --batch 100 --window 1
            elif [[ $shape == frames ]]; then
                run "$server" s200 "$label" -n 200 --window 8
            else
                run "$server" s500 "$label" -n 500 --rate 1000
            fi
            printf '%-8s %-6s %3s %12s %14s %10s\n' "$shape" "$side" "$r" "$(field "$label" throughput)" \
                "$(field "$label" server_cpu_us_per_msg)" "$(field "$label" lat_p99_ms)"
        done
    done
done

# The median over rounds of each pair's ratio A/B.
echo
echo "median ratio A/B over $rounds rounds (scans/s above 1 and us/scan, p99 below 1 favour A)"
for shape in replay frames latency; do
    for f in throughput server_cpu_us_per_msg lat_p99_ms; do
        ratios=$(for r in $(seq 1 "$rounds"); do
            a=$(field "$shape-A-$r" "$f"); b=$(field "$shape-B-$r" "$f")
            awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f\n", a / b }'
        done | sort -n)
        median=$(awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }' <<<"$ratios")
        printf '  %-8s %-22s %s   (%s)\n' "$shape" "$f" "$median" "$(tr '\n' ' ' <<<"$ratios")"
    done
done
