#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration,
# browser) with ctest. Ends with ctest's summary; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/scripts/install-deps.sh
if [[ -f web/package-lock.json ]]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
bash deploy/scripts/build.sh ci
cd build/ci
ctest --output-on-failure --timeout 300 -j "${ADMIT_TEST_JOBS:-2}"
