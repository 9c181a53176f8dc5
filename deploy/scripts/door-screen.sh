#!/usr/bin/env bash
# The door kiosk with its graphical door screen, in one command: starts
# admit-scanner with --screen PORT and the given options (it keeps stdin, so
# --keyboard works from this terminal), and Debian's Chromium in kiosk mode
# on http://127.0.0.1:PORT/ once the page answers. Ctrl-C (or the end of the
# kiosk's input) stops both. DOOR_PORT (default 8090), ADMIT_BIN (default
# build/ci/bin) and CHROMIUM (default chromium) change the defaults;
# DOOR_WINDOWED=1 opens a normal window instead of full screen.
#
# Usage: deploy/scripts/door-screen.sh --server HOST:PORT --station ID --token TOKEN --camera /dev/video0 [...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
port="${DOOR_PORT:-8090}"
bin="${ADMIT_BIN:-$root/build/ci/bin}"
chromium="${CHROMIUM:-chromium}"
if [[ ! -x "$bin/admit-scanner" ]]; then
    echo "door-screen: $bin/admit-scanner is missing; build it (deploy/scripts/build.sh ci admit-scanner) or set ADMIT_BIN" >&2
    exit 2
fi
command -v "$chromium" >/dev/null || { echo "door-screen: $chromium not found (apt-get install chromium)" >&2; exit 2; }

mode=(--kiosk)
[[ "${DOOR_WINDOWED:-0}" == 1 ]] && mode=(--window-size=1280,800)
profile="$(mktemp -d)"
# The browser waits for the kiosk's page; the page itself reconnects if the kiosk restarts.
(
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
        sleep 0.1
    done
    exec "$chromium" "${mode[@]}" --app="http://127.0.0.1:$port/" --user-data-dir="$profile" \
        --autoplay-policy=no-user-gesture-required --no-first-run --noerrdialogs \
        --disable-session-crashed-bubble --disable-infobars >/dev/null 2>&1
) &
browser=$!
trap 'kill "$browser" 2>/dev/null || true; rm -rf "$profile"' EXIT
"$bin/admit-scanner" --screen "$port" --screen-web "$root/web/door" "$@"
