#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (the `fuzz` preset, into
# build/fuzz: only core, config, codec, proto, store, engine, badges and
# reports are compiled, never Beast) and runs each for N seconds (default
# 60) on a copy of its committed corpus. New interesting inputs land in
# build/fuzz/corpus/<target>/; a crash leaves crash-* in build/fuzz/findings/
# and makes the script fail. Add each crash input to fuzz/corpus/<target>/
# once fixed, so the corpus-replay ctest keeps it fixed.
# Usage: deploy/scripts/fuzz.sh [seconds] [target...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(badge_fuzz wire_fuzz rules_fuzz roster_fuzz config_fuzz http_fuzz)
fi
if ! command -v clang++ >/dev/null; then
    echo "fuzz.sh: clang++ is missing; apt-get install clang libclang-rt-dev" >&2
    exit 1
fi
if [[ ! -f build/fuzz/build.ninja ]]; then
    cmake --preset fuzz >/dev/null
fi
cmake --build build/fuzz -j "${ADMIT_BUILD_JOBS:-2}" --target "${targets[@]}"

mkdir -p build/fuzz/findings
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
for t in "${targets[@]}"; do
    corpus="build/fuzz/corpus/$t"
    mkdir -p "$corpus"
    cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    log="build/fuzz/findings/$t.log"
    echo "== $t: ${seconds}s"
    if build/fuzz/fuzz/bin/"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$t-" "$corpus" >"$log" 2>&1; then
        execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
        echo "   ok: ${execs:-?} executions, corpus $(ls "$corpus" | wc -l) inputs"
    else
        failed=1
        echo "   FAILED: see $log and build/fuzz/findings/$t-*"
        grep -m5 -E 'ERROR|SUMMARY|runtime error' "$log" || true
    fi
done
exit "$failed"
