// The phone station's camera in Chromium's fake camera: the test prints one
// badge (`admit badges --id`), films it as a y4m video (rotated, blurred and
// moving across the frame, drawn by Chromium's own canvas) and feeds it to
// Chromium (--use-file-for-fake-video-capture). The page decodes it with
// ZXing-C++ in WebAssembly in its worker, sends the scan, shows the server's
// verdict, and the server records it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
    admit_server, requireBrowserOrSkip, launchBrowser, screenshot, watchConsole, waitFor, STAFF, CHROMIUM, BIN,
} from './server.mjs';

const pw = requireBrowserOrSkip();
const STATION = 'ddp-ah2-in-2';
const W = 640;
const H = 480;
const FRAMES = 24;
let srv;
let tmp;
const closers = [];
const errors = [];

before(async () => {
    srv = await new admit_server().start();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'admit-camera-'));
});

after(async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    if (srv) await srv.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (errors.length) process.stdout.write(`# page console:\n# ${errors.join('\n# ')}\n`);
});

function admit(args) {
    const bin = path.join(BIN, 'admit');
    const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, `admit ${args.join(' ')}: ${r.stderr}`);
}

// RGBA frames -> a y4m file (4:2:0), the format Chromium's fake camera reads.
function writeY4m(file, frames) {
    const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
    for (const rgba of frames) {
        const y = Buffer.alloc(W * H);
        const u = Buffer.alloc((W / 2) * (H / 2));
        const v = Buffer.alloc((W / 2) * (H / 2));
        for (let j = 0; j < H; j++) {
            for (let i = 0; i < W; i++) {
                const k = (j * W + i) * 4;
                const [r, g, b] = [rgba[k], rgba[k + 1], rgba[k + 2]];
                y[j * W + i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                if (j % 2 === 0 && i % 2 === 0) {
                    const c = (j / 2) * (W / 2) + i / 2;
                    u[c] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
                    v[c] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
                }
            }
        }
        parts.push(Buffer.from('FRAME\n'), y, u, v);
    }
    fs.writeFileSync(file, Buffer.concat(parts));
}

// Films the badge PNG: each frame rotated a little more, blurred, moved.
async function filmBadge(context, png) {
    const page = await context.newPage();
    const dataUrl = `data:image/png;base64,${fs.readFileSync(png).toString('base64')}`;
    const frames = await page.evaluate(async ({ dataUrl, W, H, FRAMES }) => {
        const img = new Image();
        img.src = dataUrl;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = W;
        c.height = H;
        const g = c.getContext('2d', { willReadFrequently: true });
        const out = [];
        for (let f = 0; f < FRAMES; f++) {
            g.setTransform(1, 0, 0, 1, 0, 0);
            g.filter = 'none';
            g.fillStyle = '#8a8f96';  // a grey table under the badge
            g.fillRect(0, 0, W, H);
            g.translate(W / 2 + (f - FRAMES / 2) * 4, H / 2 + Math.sin(f / 3) * 12);
            g.rotate(((12 + f) * Math.PI) / 180);
            g.filter = 'blur(0.8px)';
            const side = 300;
            g.drawImage(img, -side / 2, -side / 2, side, side);
            const px = g.getImageData(0, 0, W, H).data;
            let bin = '';
            for (let i = 0; i < px.length; i += 0x8000) bin += String.fromCharCode(...px.subarray(i, i + 0x8000));
            out.push(btoa(bin));
        }
        return out;
    }, { dataUrl, W, H, FRAMES });
    await page.close();
    return frames.map((b) => Buffer.from(b, 'base64'));
}

test('the camera decodes a filmed badge and the server records the scan', { timeout: 120000 }, async () => {
    const id = srv.roster()[10].id;
    const out = path.join(tmp, 'badges');
    admit(['badges', '--config', srv.config, '--data', srv.dir, '--out', out, '--id', id]);
    const film = await launchBrowser(pw);
    closers.push(film.close);
    const y4m = path.join(tmp, 'badge.y4m');
    writeY4m(y4m, await filmBadge(film.context, path.join(out, `${id}.png`)));
    await film.close();

    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'admit-chromium-'));
    const context = await pw.chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, viewport: { width: 412, height: 915 }, timeout: 30000,
        args: [
            '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
            '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`,
        ],
    });
    closers.push(async () => { await context.close(); fs.rmSync(profile, { recursive: true, force: true }); });
    context.setDefaultTimeout(10000);
    await context.grantPermissions(['camera'], { origin: srv.base });

    const code = (await srv.api('POST', '/api/pairing', { token: STAFF, body: { station: STATION, label: 'camera test' } })).body.code;
    const phone = await context.newPage();
    watchConsole(phone, errors);
    await phone.goto(`${srv.base}/station/`);
    await waitFor('the station page', async () => (await phone.getAttribute('body', 'data-ready')) === '1', 10000);
    await phone.fill('[data-testid="pair-code"]', code);
    await phone.click('[data-testid="pair-submit"]');
    await waitFor('the station link', async () =>
        (await phone.getAttribute('[data-testid="link-state"]', 'class')).includes('link-live'), 10000);

    await phone.click('[data-testid="camera"]');
    await waitFor('a verdict from the camera', async () =>
        ['admitted', 'refused', 'warning'].includes(await phone.getAttribute('body', 'data-screen')), 30000, 200);
    await screenshot(phone, 'station-camera-verdict');
    const scanId = await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id');
    const stats = await phone.evaluate(() => ({ frames: window.admitStation.cam.frames, decoded: window.admitStation.cam.decoded }));
    process.stdout.write(`# camera: ${stats.frames} frames to the decoder, ${stats.decoded} decoded\n`);
    const r = await srv.api('GET', `/api/attendees/${encodeURIComponent(id)}`, { token: STAFF });
    const scans = r.body.scans.filter((s) => s.scan_id === scanId);
    assert.equal(scans.length, 1, 'the server recorded the camera scan');
    assert.equal(scans[0].station_id, STATION);
});
