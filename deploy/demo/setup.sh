#!/bin/sh
# Sets up the Seoul 2023 demo: badge keys, the demo roster and printable tokens.
#   deploy/demo/setup.sh [BUILD_DIR] [DATA_DIR]
# The roster was made with
#   admit demo-roster --config deploy/seoul-2023.toml --count 400 --seed 2023
# Everyone in it is invented. DATA_DIR defaults to the config's data_dir.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/dev}
data=${2:-$root/var/seoul-2023}
admit="$build/bin/admit"
config="$root/deploy/seoul-2023.toml"

"$admit" check-config "$config"
[ -f "$data/keys/badge.key" ] || "$admit" keygen --data "$data"
"$admit" import-roster --config "$config" --data "$data" "$here/seoul-2023-roster.csv"
"$admit" issue-badges --config "$config" --data "$data" --out "$data/badge-tokens.csv"
