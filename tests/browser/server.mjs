// Test support for the browser tests: a real admit-server on a free loopback
// port with a fresh data directory (keys, a 60-person demo roster, badges),
// Debian's Chromium through playwright-core, simulated stations, and small
// helpers (HTTP calls with the demo tokens, waiting with a deadline,
// screenshots into $ADMIT_ARTIFACTS). Everything is bounded in time.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = path.resolve(here, '..', '..');
export const CONFIG = path.join(SOURCE_DIR, 'deploy', 'seoul-2023.toml');
export const VIEWER = 'demo-viewer-7Qm4tX2p';
export const STAFF = 'demo-staff-Kd93vLw8';
export const CHROMIUM = process.env.ADMIT_CHROMIUM || '/usr/bin/chromium';
export const SKIP_CODE = 77;  // ctest SKIP_RETURN_CODE
// The rehearsal clock: the award ceremony's check-in is open.
export const REHEARSAL_START = '2023-09-25T17:00:00+09:00';
export const BIN_DIR = process.env.ADMIT_BIN || findBin();

export const BIN = BIN_DIR;
export const ARTIFACTS = process.env.ADMIT_ARTIFACTS || path.join(SOURCE_DIR, 'build', 'test-artifacts');

function findBin() {
    for (const preset of ['dev', 'ci', 'asan']) {
        const p = path.join(SOURCE_DIR, 'build', preset, 'bin');
        if (fs.existsSync(path.join(p, 'admit-server'))) return p;
    }
    return path.join(SOURCE_DIR, 'build', 'dev', 'bin');
}

// playwright-core from NODE_PATH (ctest sets web/node_modules) or web/node_modules.
function loadPlaywright() {
    const tries = [];
    if (process.env.NODE_PATH) for (const p of process.env.NODE_PATH.split(path.delimiter)) if (p) tries.push(path.join(p, 'x.js'));
    tries.push(path.join(SOURCE_DIR, 'web', 'node_modules', 'x.js'));
    for (const base of tries) {
        try {
            return createRequire(base)('playwright-core');
        } catch {
            // next
        }
    }
    return null;
}

// Exits with the ctest skip code when the browser or playwright-core is not
// installed: the only reasons these tests may not run.
export function requireBrowserOrSkip() {
    const pw = loadPlaywright();
    const missing = [];
    if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
    if (!pw) missing.push('web/node_modules/playwright-core (run `npm ci` in web/)');
    if (missing.length) {
        process.stdout.write(`SKIP browser tests: missing ${missing.join(' and ')}\n`);
        process.exit(SKIP_CODE);
    }
    for (const b of ['admit', 'admit-server']) {
        if (!fs.existsSync(path.join(BIN, b))) {
            throw new Error(`${path.join(BIN, b)} is missing: build it first (ADMIT_BIN points at the bin folder)`);
        }
    }
    return pw;
}

export function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

// Polls fn until it returns a truthy value; throws with `what` after the deadline.
export async function waitFor(what, fn, timeout_ms = 5000, every_ms = 50) {
    const end = Date.now() + timeout_ms;
    let last;
    for (;;) {
        try {
            last = await fn();
            if (last) return last;
        } catch (e) {
            last = e;
        }
        if (Date.now() >= end) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what} (last: ${last})`);
        await sleep(every_ms);
    }
}

function run(bin, args, opts = {}) {
    const r = spawnSync(path.join(BIN, bin), args, { encoding: 'utf8', timeout: 60000, ...opts });
    if (r.error) throw new Error(`${bin} ${args.join(' ')}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
}

// Parses the roster CSV written by `admit demo-roster` (RFC 4180, simple quoting).
export function parseCsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
            else if (c === '"') quoted = false;
            else field += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') { row.push(field); field = ''; }
        else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i++;
            row.push(field); field = '';
            if (row.length > 1 || row[0] !== '') rows.push(row);
            row = [];
        } else field += c;
    }
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    const [head, ...body] = rows;
    return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

// A running admit-server with its data directory. start() prepares and starts
// it; stop() sends SIGTERM and removes the directory.
export class admit_server {
    // capacities: {hall id: capacity} overrides deploy/seoul-2023.toml (a copy
    // in the data directory is used then), to fill a hall with a small roster.
    // serverArgs: more admit-server options (e.g. ['--clock-speed', '60']).
    // clockStart: the rehearsal clock's start; null runs on the real clock.
    // editConfig: (toml text) => toml text, for a test's own copy of the config.
    constructor({ capacities, serverArgs = [], clockStart = REHEARSAL_START, editConfig } = {}) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'admit-browser-'));
        this.serverArgs = serverArgs;
        this.clockStart = clockStart;
        this.config = CONFIG;
        if (capacities || editConfig) {
            let toml = fs.readFileSync(CONFIG, 'utf8');
            if (editConfig) toml = editConfig(toml);
            for (const [hall, cap] of Object.entries(capacities || {})) {
                const re = new RegExp(`(id = "${hall}"[^\\[]*?capacity = )\\d+`);
                if (!re.test(toml)) throw new Error(`no hall ${hall} with a capacity in ${CONFIG}`);
                toml = toml.replace(re, `$1${cap}`);
            }
            this.config = path.join(this.dir, 'event.toml');
            fs.writeFileSync(this.config, toml);
        }
        this.proc = null;
        this.port = 0;
        this.log = '';
        this.sims = new Set();
    }

    get base() {
        return `http://127.0.0.1:${this.port}`;
    }

    get rosterCsv() {
        return path.join(this.dir, 'roster.csv');
    }

    get tokensCsv() {
        return path.join(this.dir, 'tokens.csv');
    }

    roster() {
        return parseCsv(fs.readFileSync(this.rosterCsv, 'utf8'));
    }

    // `admit ARGS --config <config> --data <dir>` (e.g. ['staff', 'add', 'Kim']); returns stdout.
    admin(args) {
        return run('admit', [...args, '--config', this.config, '--data', this.dir]);
    }

    async start() {
        const d = this.dir;
        run('admit', ['keygen', '--data', d]);
        fs.writeFileSync(this.rosterCsv, run('admit', ['demo-roster', '--config', this.config, '--count', '60', '--seed', '7']));
        run('admit', ['import-roster', '--config', this.config, '--data', d, this.rosterCsv]);
        run('admit', ['issue-badges', '--config', this.config, '--data', d, '--out', this.tokensCsv]);
        await this.launch(0);
        return this;
    }

    async launch(port) {
        const d = this.dir;
        const portFile = path.join(d, 'port');
        fs.rmSync(portFile, { force: true });
        this.proc = spawn(path.join(BIN, 'admit-server'), [
            '--config', this.config, '--data', d, '--listen', '127.0.0.1', '--port', String(port), '--port-file', portFile,
            '--web', path.join(SOURCE_DIR, 'web'),
            ...(this.clockStart ? ['--clock-start', this.clockStart] : []), ...this.serverArgs,
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
        const keep = (b) => { this.log = (this.log + b.toString()).slice(-20000); };
        this.proc.stdout.on('data', keep);
        this.proc.stderr.on('data', keep);
        const proc = this.proc;
        this.exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
        this.port = await waitFor('admit-server to write its port file', () => {
            if (proc.exitCode !== null) throw new Error(`admit-server exited ${proc.exitCode}:\n${this.log}`);
            const s = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
            return s ? Number(s) : 0;
        }, 15000);
        await waitFor('GET /healthz', async () => (await fetch(`${this.base}/healthz`)).ok, 10000, 100);
    }

    // Stops the server (SIGTERM), runs whileDown, starts it again on the same port.
    async restart(whileDown) {
        await this.terminate();
        try {
            await whileDown();
        } finally {
            await this.launch(this.port);
        }
    }

    async terminate() {
        if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
            this.proc.kill('SIGTERM');
            const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
            await this.exited;
            clearTimeout(t);
        }
    }

    async stop() {
        for (const s of this.sims) s.kill('SIGTERM');
        await this.terminate();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    // JSON over HTTP with a token; returns {status, body}.
    async api(method, route, { token = STAFF, body } = {}) {
        const headers = { Authorization: `Bearer ${token}` };
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const res = await fetch(`${this.base}${route}`, {
            method, headers, body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(5000),
        });
        const text = await res.text();
        let json = null;
        try { json = JSON.parse(text); } catch { json = text; }
        return { status: res.status, body: json };
    }

    async occupancy() {
        const r = await this.api('GET', '/api/occupancy', { token: VIEWER });
        if (r.status !== 200) throw new Error(`GET /api/occupancy: ${r.status} ${JSON.stringify(r.body)}`);
        return r.body;
    }

    // Simulated stations (tools/sim). Resolves with the exit code; bounded by timeout_ms.
    sim(args, timeout_ms = 20000) {
        const p = spawn(path.join(BIN, 'admit-sim'), [
            '--config', this.config, '--tokens', this.tokensCsv, '--host', '127.0.0.1', '--port', String(this.port),
            '--quiet', ...args,
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
        this.sims.add(p);
        let out = '';
        p.stdout.on('data', (b) => { out += b; });
        p.stderr.on('data', (b) => { out += b; });
        return new Promise((resolve) => {
            const t = setTimeout(() => p.kill('SIGTERM'), timeout_ms);
            p.on('exit', (code) => {
                clearTimeout(t);
                this.sims.delete(p);
                resolve({ code, out });
            });
        });
    }
}

// Debian's Chromium, headless, in a fresh profile; loopback only.
export async function launchBrowser(pw) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'admit-chromium-'));
    const context = await pw.chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1600, height: 1000 },
        locale: 'en-GB',
        // No bar transitions or pulsing banners half-way through a screenshot.
        reducedMotion: 'reduce',
        timeout: 30000,
        args: [
            '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
    });
    context.setDefaultTimeout(10000);
    const close = async () => {
        await context.close().catch(() => {});
        fs.rmSync(profile, { recursive: true, force: true });
    };
    return { context, close };
}

// fullPage false: only what the screen shows (the overview's one-screen test).
export async function screenshot(page, name, { fullPage = true } = {}) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `browser-${name}.png`);
    // A sticky header would otherwise show up in the middle of a full-page shot.
    await page.evaluate(() => window.scrollTo(0, 0)).catch(() => {});
    await page.screenshot({ path: file, fullPage });
    return file;
}

// Keeps a file (a printed PDF) among the artifacts; returns its path.
export function artifactPath(name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    return path.join(ARTIFACTS, `browser-${name}`);
}

// Prints the page's console errors and uncaught exceptions into the test log.
export function watchConsole(page, sink = []) {
    page.on('pageerror', (e) => sink.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') sink.push(`console: ${m.text()}`); });
    return sink;
}
