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

# The station page: protobufjs (light build: loads the generated descriptor)
# and zxing-wasm's reader (ZXing-C++ in WebAssembly) for the camera worker.
for p in protobufjs zxing-wasm; do
    if [ ! -d "node_modules/$p" ]; then
        echo "vendor.sh: node_modules/$p is missing; run 'npm ci' in web/ first" >&2
        exit 1
    fi
done
pb=$(node -p "require('./node_modules/protobufjs/package.json').version")
mkdir -p vendor/protobufjs
cp node_modules/protobufjs/dist/light/protobuf.min.js vendor/protobufjs/
cp node_modules/protobufjs/LICENSE vendor/protobufjs/LICENSE
printf 'protobufjs %s light build (BSD-3-Clause, see LICENSE), copied from npm by web/scripts/vendor.sh\n' "$pb" > vendor/protobufjs/VERSION
zx=$(node -p "require('./node_modules/zxing-wasm/package.json').version")
mkdir -p vendor/zxing-wasm
cp node_modules/zxing-wasm/dist/iife/reader/index.js vendor/zxing-wasm/zxing-reader.js
cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm vendor/zxing-wasm/
cp node_modules/zxing-wasm/LICENSE vendor/zxing-wasm/LICENSE
printf 'zxing-wasm %s reader (MIT; ZXing-C++ Apache-2.0), copied from npm by web/scripts/vendor.sh\n' "$zx" > vendor/zxing-wasm/VERSION
node scripts/station_proto.mjs
echo "vendor.sh: protobufjs $pb and zxing-wasm $zx copied to web/vendor/"
