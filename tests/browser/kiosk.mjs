// Test support for the door screen: the real admit-scanner as a child
// process in keyboard mode with --json and --screen 0. Payload lines go to
// its stdin; its JSON events are collected from stdout and awaited with a
// deadline; the door screen's port is read from its log line on stderr.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN_DIR, waitFor } from './server.mjs';

export class admit_kiosk {
    // station/token: a station of the server's config; more: extra options.
    // input: the input options (default ['--keyboard']), e.g. ['--raw', '64x48'].
    constructor(srv, { station = 'ddp-ah2-in-1', token = 'demo-station-ddp-in-1-R8fz', input, more = [] } = {}) {
        this.input = input;
        this.srv = srv;
        this.station = station;
        this.token = token;
        this.more = more;
        this.state = fs.mkdtempSync(path.join(os.tmpdir(), 'admit-kiosk-'));
        this.events = [];
        this.log = '';
        this.port = 0;
        this.taken = 0;  // scan events handed out by nextScan()
    }

    get url() {
        return `http://127.0.0.1:${this.port}/`;
    }

    async start() {
        const exe = path.join(BIN_DIR, 'admit-scanner');
        if (!fs.existsSync(exe)) throw new Error(`${exe} is missing: build admit-scanner first`);
        this.proc = spawn(exe, [
            '--server', `127.0.0.1:${this.srv.port}`, '--station', this.station, '--token', this.token,
            '--state', this.state, ...(this.input ? this.input : ['--keyboard']), '--json', '--screen', '0', ...this.more,
        ], { stdio: ['pipe', 'pipe', 'pipe'] });
        let partial = '';
        this.proc.stdout.on('data', (b) => {
            partial += b.toString();
            let nl;
            while ((nl = partial.indexOf('\n')) >= 0) {
                const line = partial.slice(0, nl);
                partial = partial.slice(nl + 1);
                try { this.events.push(JSON.parse(line)); } catch { this.log += `stdout: ${line}\n`; }
            }
        });
        this.proc.stderr.on('data', (b) => {
            this.log = (this.log + b.toString()).slice(-20000);
            const m = /door screen on http:\/\/127\.0\.0\.1:(\d+)\//.exec(this.log);
            if (m && !this.port) this.port = Number(m[1]);
        });
        this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve({ code, sig })));
        await waitFor('admit-scanner to announce its door screen', () => {
            if (this.proc.exitCode !== null) throw new Error(`admit-scanner exited ${this.proc.exitCode}:\n${this.log}`);
            return this.port;
        }, 15000);
        await this.waitEvent('the kiosk ready', (e) => e.type === 'ready', 20000);
        return this;
    }

    // Raw bytes to stdin (grey frames in --raw mode).
    write(bytes) {
        this.proc.stdin.write(bytes);
    }

    send(payload) {
        this.proc.stdin.write(`${payload}\n`);
    }

    // The first event from index `from` on that matches, within the deadline.
    async waitEvent(what, match, timeout_ms = 10000, from = 0) {
        return waitFor(what, () => this.events.slice(from).find(match), timeout_ms, 20);
    }

    // Sends a payload and returns the kiosk's next event of type scan or repeat.
    async scan(payload, timeout_ms = 10000) {
        const from = this.events.length;
        this.send(payload);
        return this.waitEvent(`the verdict for ${payload.slice(0, 24)}`, (e) => e.type === 'scan' || e.type === 'repeat', timeout_ms, from);
    }

    async stop() {
        if (this.proc && this.proc.exitCode === null) {
            this.proc.stdin.end();
            const t = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
            await this.exited;
            clearTimeout(t);
        }
        fs.rmSync(this.state, { recursive: true, force: true });
    }
}
