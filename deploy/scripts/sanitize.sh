#!/usr/bin/env bash
# Builds the `asan` (AddressSanitizer + UBSan) or `tsan` (ThreadSanitizer)
# preset into build/<preset> and runs the test suite under it. The browser
# tests (label "browser") are excluded: Chromium is not instrumented and they
# test the web page, not our C++. The fuzz corpus replays (label "fuzz") run
# too, so every committed fuzz input is checked with the sanitizers.
# Usage: deploy/scripts/sanitize.sh asan|tsan [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/../.."
kind="${1:-}"
shift || true
case "$kind" in
    asan | tsan) ;;
    *)
        echo "usage: deploy/scripts/sanitize.sh asan|tsan [ctest args...]" >&2
        exit 2
        ;;
esac
here="$(pwd)"
# fontconfig/cairo/pango keep caches for the life of the process; those are not our leaks.
export LSAN_OPTIONS="suppressions=$here/tests/badges/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:suppressions=$here/tests/tsan.supp}"
bash deploy/scripts/build.sh "$kind"
cd "build/$kind"
# Sanitized binaries are 2-15x slower: longer timeouts, fewer parallel tests.
ctest --output-on-failure --timeout 900 -j "${ADMIT_TEST_JOBS:-2}" -LE browser "$@"
