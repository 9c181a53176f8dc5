#!/usr/bin/env bash
# The main job: installs what is missing, builds, prepares a Seoul demo data
# directory (keys, a realistic roster, badges), starts admit-server on the
# Seoul config with a rehearsal clock set to the award ceremony's doors
# opening, starts simulated scanner stations, and prints a one-line summary
# every 10 s; the addresses (dashboard, help desk, metrics) come last.
# Each scan's line goes to DATA/scans.log, the server's log to DATA/server.log.
#
# The demo runs on its own copy of the config (DATA/event.toml) in which Art
# Hall 2 has 150 seats instead of 600, so the ceremony's crowd fills it within
# minutes and the dashboard shows "nearly full" and "FULL". Edit that copy
# and run `admit reload` (printed at the end) to change the event live.
#
# Ctrl-C stops everything. --duration S stops the stations after S seconds;
# the server and the dashboard stay up until Ctrl-C.
#
# Each run starts from a fresh demo data directory (the rehearsal clock starts
# at the same moment every time); --keep continues the previous run's log.
#
# Usage: deploy/scripts/run-demo.sh [--duration SECONDS] [--rate SCANS_PER_SECOND] [--port PORT] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=0
rate=3
port=8080
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "run-demo: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bash deploy/scripts/install-deps.sh
bash deploy/scripts/build.sh ci admit-server admit admit-sim

bin=build/ci/bin
data=var/seoul-2023-demo
config=$data/event.toml
[[ $keep -eq 0 ]] && rm -rf "$data"
mkdir -p "$data"
if [[ ! -f "$config" ]]; then
    # Art Hall 2 (the first hall) with 150 seats: the demo's crowd of 260 fills it.
    awk '/^id = "ddp-art-hall-2"/ { hall = 1 } hall && /^capacity = / { print "capacity = 150   # demo: 600 at the real event"; hall = 0; next } { print }' \
        deploy/seoul-2023.toml > "$config"
fi
if [[ ! -f "$data/keys/badge.pub" ]]; then
    "$bin/admit" keygen --data "$data"
fi
if [[ ! -f "$data/roster.csv" ]]; then
    "$bin/admit" demo-roster --config "$config" --count 260 --seed 2023 > "$data/roster.csv"
    "$bin/admit" import-roster --config "$config" --data "$data" "$data/roster.csv"
fi
"$bin/admit" issue-badges --config "$config" --data "$data" --out "$data/tokens.csv" >/dev/null

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

rm -f "$data/port"
# Rehearsal clock: 25 Sep 2023, 16:40 KST (doors open 16:30 for the 17:30 ceremony), 20x speed.
"$bin/admit-server" --config "$config" --data "$data" --port "$port" --port-file "$data/port" \
    --clock-start 2023-09-25T16:40:00+09:00 --clock-speed 20 > "$data/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$data/port" ]] && break; sleep 0.1; done
if [[ ! -s "$data/port" ]]; then
    echo "run-demo: admit-server did not start; its log:" >&2
    cat "$data/server.log" >&2
    exit 1
fi
bound=$(cat "$data/port")
viewer=$(grep -m1 -oP 'viewer_tokens\s*=\s*\["\K[^"]+' "$config")
staff=$(grep -m1 -oP 'staff_tokens\s*=\s*\["\K[^"]+' "$config")
base="http://127.0.0.1:${bound}"

addresses() {
    echo
    echo "admit demo: Seoul Smart City 2023 (3 halls, 2 sites), rehearsal clock from 25 Sep 2023 16:40 KST at 20x"
    echo "  server log:   $data/server.log      one line per scan: $data/scans.log"
    echo "  change the event live: edit $config, then"
    echo "                $bin/admit reload --config $config --server 127.0.0.1:${bound} --token ${staff}"
    echo "  metrics:      ${base}/metrics"
    echo "  help desk:    ${base}/desk.html?token=${staff}   (staff token)"
    echo "  dashboard:    ${base}/?token=${viewer}"
}

sim_args=(--config "$config" --tokens "$data/tokens.csv" --host 127.0.0.1 --port "$bound" --rate "$rate"
          --log "$data/scans.log" --progress 10)
[[ "$duration" != 0 ]] && sim_args+=(--duration "$duration")
"$bin/admit-sim" "${sim_args[@]}" 2>>"$data/sim.log" &
pids+=($!)
addresses
if [[ "$duration" != 0 ]]; then
    echo "  The stations stop after ${duration} s; the server and the dashboard stay up until Ctrl-C."
else
    echo "  Ctrl-C stops the stations and the server."
fi
echo
set +e
wait "${pids[1]}"
if [[ "$duration" != 0 ]]; then
    addresses
    echo "  The simulated stations have stopped. The server and the dashboard are still up: Ctrl-C stops them."
    wait "${pids[0]}"
fi
