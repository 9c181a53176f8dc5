#!/bin/sh
# Copies the browser files of the npm dependencies into web/vendor/, so the
# server can serve them as static files and kiosk screens never need npm at
# event time. Run after `npm ci` when package-lock.json changes; commit the
# result (web/vendor/ is checked in, node_modules/ is not).
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules/uplot ]; then
    echo "vendor.sh: node_modules/uplot is missing; run 'npm ci' in web/ first" >&2
    exit 1
fi
version=$(node -p "require('./node_modules/uplot/package.json').version")
mkdir -p vendor/uplot
cp node_modules/uplot/dist/uPlot.iife.min.js vendor/uplot/
cp node_modules/uplot/dist/uPlot.min.css vendor/uplot/
cp node_modules/uplot/LICENSE vendor/uplot/LICENSE
printf 'uPlot %s (MIT, see LICENSE), copied from npm by web/scripts/vendor.sh\n' "$version" > vendor/uplot/VERSION
echo "vendor.sh: uPlot $version copied to web/vendor/uplot/"
