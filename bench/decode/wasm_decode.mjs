// The station page's camera decoder (ZXing-C++ as WebAssembly, npm zxing-wasm)
// against the kiosk's native decoder on the same hard frames, in one run:
// admit_decode_compare measures the kiosk's decoder and ZXing defaults (and
// ZBar) and writes every frame it measured as raw grey (--frames); this
// script then decodes the same pixels with the page's decoder: the vendored
// zxing_reader.wasm the server serves, the reader options read from
// web/station/decoder_worker.js, RGBA ImageData as the page's canvas gives it.
// Prints read %, wrong texts, mean and p99 ms per frame for all of them.
//
// Usage (from the repository root, Node 20, after `cd web && npm ci`):
//   node bench/decode/wasm_decode.mjs [--compare PATH] [--count N] [--takes K] [--frames DIR]
//   --compare  admit_decode_compare binary (default build/bench/bench/decode/admit_decode_compare)
//   --count, --takes  passed to it (default 300 and 3, as in BENCHMARKS.md)
//   --frames   keep the frames in DIR (default: a temporary folder, removed after)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const WIDTH = 1280;
const HEIGHT = 720;

function fail(message) {
    console.error(`wasm_decode: ${message}`);
    process.exit(1);
}

function parseArgs(argv) {
    const args = {
        compare: join(root, 'build/bench/bench/decode/admit_decode_compare'), count: '300', takes: '3', frames: '',
    };
    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i].replace(/^--/, '');
        if (!(name in args) || argv[i + 1] === undefined) {
            fail(`unknown option or missing value: ${argv[i]} (see the usage at the top of this file)`);
        }
        args[name] = argv[i + 1];
    }
    return args;
}

// The page's decoder: zxing-wasm's reader glue from web/node_modules, the
// .wasm the page is served (web/vendor), which must be the same version.
async function loadPageDecoder() {
    const pkg = join(root, 'web/node_modules/zxing-wasm/package.json');
    const glue = join(root, 'web/node_modules/zxing-wasm/dist/es/reader/index.js');
    const wasm = join(root, 'web/vendor/zxing-wasm/zxing_reader.wasm');
    if (!existsSync(pkg) || !existsSync(glue)) fail(`zxing-wasm is missing (${glue}): run \`cd web && npm ci\``);
    if (!existsSync(wasm)) fail(`the page's vendored decoder is missing (${wasm}): run \`cd web && npm run vendor\``);
    const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
    const vendored = readFileSync(join(root, 'web/vendor/zxing-wasm/VERSION'), 'utf8');
    if (!vendored.includes(`zxing-wasm ${version} `)) {
        fail(`web/vendor/zxing-wasm is not zxing-wasm ${version} from web/node_modules: run \`cd web && npm run vendor\``);
    }
    const zxing = await import(pathToFileURL(glue).href);
    const bytes = readFileSync(wasm);
    await zxing.prepareZXingModule({
        overrides: { wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
        fireImmediately: true,
    });
    return { zxing, version };
}

// The reader options exactly as the page's worker passes them.
function pageOptions() {
    const file = join(root, 'web/station/decoder_worker.js');
    const match = /readBarcodes\(\s*image\s*,\s*(\{[^}]*\})\s*\)/.exec(readFileSync(file, 'utf8'));
    if (!match) fail(`cannot find the readBarcodes(image, {...}) call in ${file}`);
    return { text: match[1], options: new Function(`return (${match[1]});`)() };
}

function runNative(args, framesDir) {
    const json = join(framesDir, 'native.json');
    const run = spawnSync(args.compare,
        ['--count', args.count, '--takes', args.takes, '--frames', framesDir, '--json', json],
        { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) fail(`${args.compare} failed (exit ${run.status ?? run.signal})`);
    return JSON.parse(readFileSync(json, 'utf8'));
}

// Grey to RGBA, as a canvas's getImageData gives the page a camera frame.
function toImageData(grey) {
    if (grey.length !== WIDTH * HEIGHT) fail(`a frame has ${grey.length} bytes, not ${WIDTH}x${HEIGHT}`);
    const data = new Uint8ClampedArray(grey.length * 4);
    for (let i = 0; i < grey.length; ++i) {
        data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = grey[i];
        data[4 * i + 3] = 255;
    }
    return { data, width: WIDTH, height: HEIGHT, colorSpace: 'srgb' };
}

function readIndex(framesDir) {
    return readFileSync(join(framesDir, 'frames.tsv'), 'utf8').split('\n').filter(Boolean).map((line) => {
        const [file, index, take, text = ''] = line.split('\t');
        return { file, index: Number(index), take: Number(take), text };
    });
}

// Same rank as admit_decode_compare's percentile().
function percentile(values, p) {
    const v = [...values].sort((a, b) => a - b);
    return v.length ? v[Math.min(Math.round(p * (v.length - 1)), v.length - 1)] : 0;
}

async function decodeAll(zxing, options, framesDir, frames) {
    // One untimed decode first: the module's start and the JIT's first tier.
    await zxing.readBarcodes(toImageData(readFileSync(join(framesDir, frames[0].file))), options);
    const ms = [];
    const readFirst = new Set();
    const readAny = new Set();
    let wrong = 0;
    for (const f of frames) {
        const image = toImageData(readFileSync(join(framesDir, f.file)));
        const start = performance.now();
        const results = await zxing.readBarcodes(image, options);
        ms.push(performance.now() - start);
        // As the worker: only valid results count as texts.
        for (const text of results.filter((r) => r.isValid).map((r) => r.text)) {
            if (f.text !== '' && text === f.text) {
                readAny.add(f.index);
                if (f.take === 0) readFirst.add(f.index);
            } else {
                ++wrong;
                console.log(`WRONG wasm case ${f.index} take ${f.take}: "${text}"`);
            }
        }
    }
    return { readFirst: readFirst.size, readAny: readAny.size, wrong, ms };
}

function row(name, first, within, wrong, mean, p99) {
    return `${name.padEnd(28)} ${first.toFixed(1).padStart(7)}% ${within.toFixed(1).padStart(9)}% `
        + `${String(wrong).padStart(6)} ${mean.toFixed(2).padStart(9)} ${p99.toFixed(2).padStart(9)}`;
}

async function main() {
    const args = parseArgs(process.argv.slice(2));
    if (!existsSync(args.compare)) {
        fail(`${args.compare} not found: build it with \`bash deploy/scripts/build.sh bench admit_decode_compare\``);
    }
    const { zxing, version } = await loadPageDecoder();
    const { text: optionsText, options } = pageOptions();
    const framesDir = args.frames ? resolve(args.frames) : mkdtempSync(join(tmpdir(), 'admit-wasm-decode-'));
    try {
        console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
        const native = runNative(args, framesDir);
        const frames = readIndex(framesDir);
        const wasm = await decodeAll(zxing, options, framesDir, frames);
        const withBadge = native.with_badge;
        const mean = wasm.ms.reduce((a, b) => a + b, 0) / wasm.ms.length;
        console.log(`\npage decoder: zxing-wasm ${version} (ZXing-C++ ${zxing.ZXING_CPP_COMMIT ?? '?'}) in Node ${process.version}, options ${optionsText}`);
        console.log(`hard set: ${native.frames} frames (${withBadge} with a badge), seed ${native.seed}, `
            + `${native.takes} consecutive frames each; same frames for all\n`);
        console.log(`${'decoder'.padEnd(28)} ${'read %'.padStart(8)} ${`read <=${native.takes}`.padStart(10)} `
            + `${'wrong'.padStart(6)} ${'mean ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
        console.log(row('station page (zxing-wasm)', 100 * wasm.readFirst / withBadge,
            100 * wasm.readAny / withBadge, wasm.wrong, mean, percentile(wasm.ms, 0.99)));
        for (const id of ['ours', 'zxing']) {
            const d = native.decoders[id];
            const name = id === 'ours' ? 'kiosk (qr_decoder, native)' : 'ZXing defaults (native)';
            console.log(row(name, d.read_first_pct, d.read_within_pct, d.wrong, d.mean_ms, d.p99_ms));
        }
        console.log(`\nload average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    } finally {
        if (!args.frames) rmSync(framesDir, { recursive: true, force: true });
    }
}

await main();
