#!/usr/bin/env bash
# Online backup of an event's data directory while admit-server runs: the
# store (scan log, roster, audit) via `admit backup`, into
# BACKUP_DIR/admit-<UTC time>.db, then keeps the newest KEEP copies. Badge
# keys are not copied (they never change after keygen; keep them offline).
# Used by deploy/systemd/admit-backup.service; safe to run by hand.
# Usage: deploy/scripts/backup.sh DATA_DIR BACKUP_DIR [KEEP]
set -euo pipefail
data="${1:?usage: backup.sh DATA_DIR BACKUP_DIR [KEEP]}"
out_dir="${2:?usage: backup.sh DATA_DIR BACKUP_DIR [KEEP]}"
keep="${3:-48}"
admit="${ADMIT_BIN:-$(command -v admit || echo /opt/admit/bin/admit)}"
mkdir -p "$out_dir"
file="$out_dir/admit-$(date -u +%Y%m%dT%H%M%SZ).db"
"$admit" backup --data "$data" --out "$file"
# Newest first; remove everything past the KEEP newest.
ls -1t "$out_dir"/admit-*.db 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f -- "$old"
done
