#!/usr/bin/env bash
# Installs the Debian 12 packages admit needs to build, test and run, but only
# those that are missing: a machine that has them all is left untouched.
# Usage: deploy/scripts/install-deps.sh [--no-browser]
set -euo pipefail

packages=(
    cmake ninja-build g++ pkg-config
    libboost1.81-dev libboost-json1.81-dev
    libsqlitecpp-dev libsqlite3-dev sqlite3 libssl-dev openssl
    libprotobuf-dev protobuf-compiler
    libzxing-dev libsodium-dev libmimalloc-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
    libhowardhinnant-date-dev tzdata
    prometheus-cpp-dev libminizip-dev
    libpq-dev postgresql
    libqrencode-dev libstb-dev libv4l-dev
    libcairo2-dev libpango1.0-dev fonts-noto-cjk
    zbar-tools libzbar-dev poppler-utils python3 python3-openpyxl curl
    nodejs npm
)
if [[ "${1:-}" != "--no-browser" ]]; then
    packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
    # A package counts as present only when dpkg says it is fully installed.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        # node/npm may come from outside Debian (as on the CI image): accept them on PATH.
        case "$p" in
            nodejs) command -v node >/dev/null && continue ;;
            npm) command -v npm >/dev/null && continue ;;
        esac
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
