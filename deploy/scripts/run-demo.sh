#!/usr/bin/env bash
# The main job: installs what is missing, builds, prepares a Seoul demo data
# directory (keys, a realistic roster, badges), starts admit-server on the
# Seoul config with a rehearsal clock set to the award ceremony's doors
# opening, starts simulated scanner stations, and prints the dashboard address.
# Stops everything on Ctrl-C (or after --duration seconds).
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
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "run-demo: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

bash deploy/scripts/install-deps.sh
bash deploy/scripts/build.sh ci admit-server admit admit-sim

bin=build/ci/bin
config=deploy/seoul-2023.toml
data=var/seoul-2023-demo
[[ $keep -eq 0 ]] && rm -rf "$data"
mkdir -p "$data"
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
trap cleanup EXIT INT TERM

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

echo
echo "admit demo: Seoul Smart City 2023 (3 halls, 2 sites), rehearsal clock from 25 Sep 2023 16:40 KST at 20x"
echo "  dashboard:  http://127.0.0.1:${bound}/?token=${viewer}"
echo "  occupancy:  curl -H 'Authorization: Bearer ${viewer}' http://127.0.0.1:${bound}/api/occupancy"
echo "  metrics:    http://127.0.0.1:${bound}/metrics"
echo "  server log: $data/server.log"
echo "  Ctrl-C stops the stations and the server."
echo

sim_args=(--config "$config" --tokens "$data/tokens.csv" --host 127.0.0.1 --port "$bound" --rate "$rate")
[[ "$duration" != 0 ]] && sim_args+=(--duration "$duration")
"$bin/admit-sim" "${sim_args[@]}" &
pids+=($!)
wait "${pids[1]}"
