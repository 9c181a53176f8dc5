#!/usr/bin/env bash
# Configures and builds admit with the given CMake preset (default: ci) into build/<preset>.
# Usage: deploy/scripts/build.sh [preset] [ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/../.."
preset="${1:-ci}"
shift || true
jobs="${ADMIT_BUILD_JOBS:-$(nproc)}"
# Beast translation units take ~1 GB each: keep parallel jobs within memory.
if [[ ! -f "build/$preset/build.ninja" ]]; then
    cmake --preset "$preset" >/dev/null
fi
cmake --build "build/$preset" -j "$jobs" ${1:+--target "$@"}
