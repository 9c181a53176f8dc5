// The kiosk's door screen (admit-scanner --screen, web/door/) in Debian's
// Chromium against the real admit-scanner (keyboard mode) and admit-server:
// admitted, refused, a repeat read, a duplicate, offline, a verdict decided
// offline and a reissued badge, each on four screens at once (Korean and
// English, 800x480 and 1280x800), with screenshots into $ADMIT_ARTIFACTS;
// then pages closed and a browser restarted while the kiosk keeps scanning,
// and a page that never reads; the camera preview, the kiosk TOML settings,
// the idle timeout and the clock warning. Also measures how long a verdict takes from
// the kiosk to the screen (printed, and kept in door-latency.json).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
    admit_server, requireBrowserOrSkip, launchBrowser, watchConsole, waitFor, parseCsv, ARTIFACTS,
} from './server.mjs';
import { admit_kiosk } from './kiosk.mjs';

const pw = requireBrowserOrSkip();
const HANGUL = /[\uac00-\ud7a3]/;
const SCREENS = [
    { lang: 'ko', width: 800, height: 480 },
    { lang: 'ko', width: 1280, height: 800 },
    { lang: 'en', width: 800, height: 480 },
    { lang: 'en', width: 1280, height: 800 },
];
const COLOURS = { admitted: 'rgb(15, 138, 60)', refused: 'rgb(198, 40, 40)', warning: 'rgb(230, 149, 0)' };
const STRINGS = loadStrings();

let srv;
let kiosk;
let browser;
let badges;  // id -> {id, name, category, token}
const errors = [];
let pages = [];
const latencies = [];

// web/door/strings.js, read as the page reads it, for the expected words.
function loadStrings() {
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'web', 'door', 'strings.js');
    const window = {};
    new Function('window', fs.readFileSync(file, 'utf8'))(window);
    return window.DOOR_STRINGS;
}

// The award ceremony's check-in open now, on the real clock: the kiosk then
// decides offline at the same time of day as the server does online.
function ceremonyNow(toml) {
    // Written in Seoul time: a time with an offset must carry the zone's own.
    const iso = (ms) => new Date(ms + 9 * 3600e3).toISOString().replace(/\.\d+Z$/, '+09:00');
    const now = Date.now();
    return toml.replace(
        /(id = "prize-ceremony"[^[]*?start = )\S+(\s+end = )\S+/,
        `$1${iso(now - 3600e3)}$2${iso(now + 6 * 3600e3)}`,
    );
}

before(async () => {
    srv = await new admit_server({ clockStart: null, editConfig: ceremonyNow }).start();
    badges = new Map(parseCsv(fs.readFileSync(srv.tokensCsv, 'utf8')).map((b) => [b.id, b]));
    kiosk = await new admit_kiosk(srv, { more: ['--repeat-window', '2s', '--idle', '120', '--answer-timeout', '1500'] }).start();
    await kiosk.waitEvent('the kiosk online', (e) => e.type === 'link' && e.state === 'online', 15000);
    browser = await launchBrowser(pw);
});

after(async () => {
    if (browser) await browser.close();
    if (kiosk) await kiosk.stop();
    if (srv) await srv.stop();
    if (errors.length) process.stdout.write(`# page console:\n# ${errors.join('\n# ')}\n`);
    if (kiosk && process.exitCode) process.stdout.write(`# kiosk log:\n${kiosk.log}\n`);
});

async function openScreens(context = browser.context) {
    const opened = [];
    for (const s of SCREENS) {
        const page = await context.newPage();
        watchConsole(page, errors);
        await page.setViewportSize({ width: s.width, height: s.height });
        await page.goto(`${kiosk.url}?lang=${s.lang}`);
        await waitFor('the page connected', () => page.evaluate(() => window.__door && window.__door.state.connected), 5000);
        opened.push({ ...s, page });
    }
    return opened;
}

const scansSoFar = () => kiosk.events.filter((e) => e.type === 'scan' || e.type === 'repeat').length;
const text = (page, id) => page.textContent(`[data-testid="${id}"]`);

// Waits until every screen shows scan number n; with measure, keeps how long
// it took (only then: Chromium paints tabs not in front at its own pace).
async function shown(n, { measure = false } = {}) {
    for (const s of pages) {
        await waitFor(`scan #${n} on the ${s.lang} ${s.width}x${s.height} screen`, async () =>
            (await s.page.getAttribute('[data-testid="door-verdict"]', 'data-n')) === String(n), 5000);
        // The page notes the time once the frame with it is painted.
        if (!measure) continue;
        const t = await waitFor(`scan #${n} painted`, () =>
            s.page.evaluate((k) => window.__door.shown.find((x) => x.n === k), n), 5000);
        latencies.push({ ms: t.ms, n, screen: `${s.lang}-${s.width}x${s.height}`, publish: t.sent_ms - t.kiosk_ms, deliver: t.received_ms - t.sent_ms, paint: t.shown_ms - t.received_ms });
    }
}

async function shoot(name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const s of pages) {
        await s.page.screenshot({ path: path.join(ARTIFACTS, `door-${name}-${s.lang}-${s.width}x${s.height}.png`) });
    }
}

// What every screen must say: colour, name, reason (from the page's own words), count.
async function expectScreen({ state, name, reason, inside, capacity, tag }) {
    for (const s of pages) {
        const where = `${s.lang} ${s.width}x${s.height}`;
        const bg = await s.page.$eval('[data-testid="door-verdict"]', (el) => getComputedStyle(el).backgroundColor);
        assert.equal(bg, COLOURS[state], `${where}: background for ${state}`);
        assert.equal(await s.page.getAttribute('[data-testid="door-verdict"]', 'data-state'), state, where);
        if (name !== undefined) assert.equal(await text(s.page, 'door-name'), name, `${where}: name`);
        if (reason) assert.equal(await text(s.page, 'door-reason'), reason(STRINGS[s.lang]), `${where}: reason`);
        if (capacity) assert.match(await text(s.page, 'door-count'), new RegExp(`\\b${inside} / ${capacity}$`), `${where}: count`);
        if (tag) assert.match(await text(s.page, 'door-tags'), new RegExp(tag(STRINGS[s.lang]), 'i'), `${where}: tag`);
        // The name fits: nothing cut off at the side.
        const fits = await s.page.$eval('[data-testid="door-name"]', (el) => el.scrollWidth <= el.parentElement.clientWidth + 1);
        assert.ok(fits, `${where}: the name fits its box`);
    }
}

function person(pred, used) {
    const b = [...badges.values()].find((x) => pred(x) && !used.has(x.id));
    assert.ok(b, 'a person for this case in the demo roster');
    used.add(b.id);
    return b;
}

test('the door screen shows each verdict full screen, in Korean and English, at 800x480 and 1280x800', { timeout: 150000 }, async () => {
    pages = await openScreens();
    const used = new Set();

    // Idle: the prompt for a hand scanner, the hall, the status bar.
    for (const s of pages) {
        assert.equal(await text(s.page, 'door-prompt'), STRINGS[s.lang].idle_keyboard);
        assert.equal(await s.page.isVisible('[data-testid="door-preview"]'), false, 'no camera preview in keyboard mode');
        await waitFor('the status bar online', async () =>
            (await s.page.getAttribute('[data-testid="status-link"]', 'data-online')) === 'true', 5000);
        assert.match(await text(s.page, 'status-link'), new RegExp(`127\\.0\\.0\\.1:${srv.port}`));
        assert.equal(await text(s.page, 'status-station'), 'ddp-ah2-in-1');
        assert.equal(await text(s.page, 'status-hall'), 'Art Hall 2');
    }
    await shoot('idle');

    // Admitted: a Hangul name.
    const h = person((b) => HANGUL.test(b.name), used);
    let v = await kiosk.scan(h.token);
    assert.equal(v.admitted, true, JSON.stringify(v));
    await shown(scansSoFar());
    await expectScreen({ state: 'admitted', name: h.name, reason: (t) => t.ok[0], inside: v.inside, capacity: v.capacity });
    await shoot('admitted');

    // A badge read twice at once (within the repeat window): the kiosk does not
    // send it again; the screen turns amber and counts it.
    const a = person((b) => HANGUL.test(b.name), used);
    v = await kiosk.scan(a.token);
    assert.equal(v.admitted, true, JSON.stringify(v));
    v = await kiosk.scan(a.token);
    assert.equal(v.type, 'repeat');
    const aSeen = Date.now();
    await shown(scansSoFar());
    await expectScreen({ state: 'warning', name: a.name, reason: (t) => t.repeat_admitted[0], tag: (t) => t.duplicate_tag });
    await shoot('repeat');

    // Refused twice in a row: two visibly different screens (counter and time).
    v = await kiosk.scan('NOT-A-BADGE-1');
    assert.equal(v.reason, 'malformed_badge');
    await shown(scansSoFar());
    await expectScreen({ state: 'refused', name: '', reason: (t) => t.reasons.malformed_badge[0] });
    const counters = await Promise.all(pages.map((s) => text(s.page, 'door-counter')));
    await shoot('refused');
    v = await kiosk.scan('NOT-A-BADGE-2');
    await shown(scansSoFar());
    for (const [i, s] of pages.entries()) {
        assert.notEqual(await text(s.page, 'door-counter'), counters[i], 'a second refusal shows a new counter');
    }

    // A Latin name, long, on the small panel too.
    const longName = person((b) => !HANGUL.test(b.name), used);
    v = await kiosk.scan(longName.token);
    await shown(scansSoFar());
    await expectScreen({ state: v.admitted ? 'admitted' : 'refused', name: longName.name });

    // A duplicate: the person admitted a moment ago reads again after the repeat
    // window (2 s, on the kiosk's clock); the server says already inside.
    await waitFor('the repeat window to pass', () => Date.now() - aSeen > 2100, 4000);
    v = await kiosk.scan(a.token);
    assert.equal(v.reason, 'already_inside', JSON.stringify(v));
    await shown(scansSoFar());
    await expectScreen({ state: 'warning', name: a.name, reason: (t) => t.duplicate[0], tag: (t) => t.duplicate_tag });
    await shoot('duplicate');

    // A reissued badge: the old one is refused, named as replaced.
    const r = person((b) => HANGUL.test(b.name), used);
    const re = await srv.api('POST', `/api/attendees/${encodeURIComponent(r.id)}/reissue`, { body: { actor: 'door test', reason: 'lost badge' } });
    assert.equal(re.status, 200, JSON.stringify(re.body));
    v = await kiosk.scan(r.token);
    assert.equal(v.reason, 'revoked_badge', JSON.stringify(v));
    await shown(scansSoFar());
    await expectScreen({ state: 'refused', name: r.name, reason: (t) => t.reasons.revoked_badge[0], tag: (t) => t.reissued_tag });
    await shoot('reissued');

    // Offline: the server stops; the status bar says so; the kiosk decides alone (amber).
    await srv.restart(async () => {
        await kiosk.waitEvent('the link down', (e) => e.type === 'link' && e.state === 'offline', 15000);
        for (const s of pages) {
            await waitFor('OFFLINE in the status bar', async () =>
                (await s.page.getAttribute('[data-testid="status-link"]', 'data-online')) === 'false', 5000);
            assert.match(await text(s.page, 'status-link'), new RegExp(STRINGS[s.lang].offline));
        }
        await shoot('offline');
        const o = person((b) => HANGUL.test(b.name), used);
        v = await kiosk.scan(o.token);
        assert.equal(v.offline, true, JSON.stringify(v));
        assert.equal(v.admitted, true, JSON.stringify(v));
        await shown(scansSoFar());
        // Offline the kiosk knows the person by the badge's id only (the rules hold no names).
        await expectScreen({ state: 'warning', name: v.name, reason: (t) => t.admitted_offline[0], tag: (t) => t.offline_tag });
        for (const s of pages) assert.match(await text(s.page, 'status-backlog'), /[1-9]/, 'the outbox holds the offline scan');
        await shoot('warning-offline');
    });
    // Back online: the outbox empties, and the status bar shows it.
    await kiosk.waitEvent('the link up again', (e) => e.type === 'link' && e.state === 'online' && kiosk.events.indexOf(e) > 0 &&
        kiosk.events.slice(0, kiosk.events.indexOf(e)).some((x) => x.type === 'link' && x.state === 'offline'), 20000);
    for (const s of pages) {
        await waitFor('the outbox empty on screen', async () =>
            (await s.page.getAttribute('[data-testid="status-backlog"]', 'data-backlog')) === '0', 15000);
    }

    // The last five, newest first; touching one shows its details.
    const strip = pages[3].page;
    assert.equal(await strip.locator('[data-testid="last-scan"]').count(), 5);
    await strip.locator('[data-testid="last-scan"]').first().click();
    assert.equal(await strip.isVisible('[data-testid="door-details"]'), true);
    assert.match(await text(strip, 'door-details'), /decided by/);
    await strip.screenshot({ path: path.join(ARTIFACTS, 'door-details-en-1280x800.png') });
    await strip.click('[data-testid="door-details"]');
    // The hidden long-press on the status bar: the status page.
    const bar = await strip.locator('[data-testid="door-status"]').boundingBox();
    await strip.mouse.move(bar.x + 20, bar.y + bar.height / 2);
    await strip.mouse.down();
    await waitFor('the status page after a long press', () => strip.isVisible('[data-testid="door-status-page"]'), 5000, 100);
    await strip.mouse.up();
    assert.match(await text(strip, 'door-status-page'), new RegExp(`127\\.0\\.0\\.1:${srv.port}`));
    assert.match(await text(strip, 'door-status-page'), /admit-scanner \d/);
    await strip.screenshot({ path: path.join(ARTIFACTS, 'door-status-page-en-1280x800.png') });
    await strip.click('[data-testid="door-status-page"]');

    // Every verdict gave a tone of its kind.
    const tones = await pages[0].page.evaluate(() => window.__door.tones);
    assert.ok(tones.includes('admitted') && tones.includes('refused') && tones.includes('warning'), tones.join(','));
});

test('pages closed, a browser restarted and a page that never reads: the kiosk keeps scanning, nothing lost', { timeout: 120000 }, async () => {
    // A "page" that connects and then never reads a byte.
    const stuck = await stuckPage(kiosk.port);
    for (const s of pages) await s.page.close();
    pages = [];
    await browser.close();

    // No page at all, and one stuck: every scan still gets its verdict.
    const used = new Set(kiosk.events.filter((e) => e.type === 'scan').map((e) => e.attendee_id));
    const sent = [];
    for (let i = 0; i < 12; i++) {
        const b = person(() => true, used);
        const v = await kiosk.scan(b.token);
        assert.equal(v.type, 'scan');
        sent.push({ b, v, n: scansSoFar() });
    }

    // A new browser: it is greeted with the last five and the status.
    browser = await launchBrowser(pw);
    pages = await openScreens();
    const last = sent.slice(-5).reverse();
    for (const s of pages) {
        await waitFor('the last five scans after the restart', async () =>
            (await s.page.locator('[data-testid="last-scan"]').count()) === 5, 5000);
        const ns = await s.page.$$eval('[data-testid="last-scan"]', (els) => els.map((e) => Number(e.dataset.n)));
        assert.deepEqual(ns, last.map((x) => x.n));
        assert.equal(await text(s.page, 'door-name'), last[0].b.name, 'the latest verdict is still on screen');
    }
    await shoot('after-browser-restart');

    // The server has every scan.
    const admittedNow = sent.filter((x) => x.v.admitted).length;
    assert.ok(admittedNow > 0);
    const occ = await srv.occupancy();
    const hall = occ.halls.find((h) => h.id === 'ddp-art-hall-2');
    assert.equal(hall.inside, sent[sent.length - 1].v.inside);

    // A burst with one page in front, as on a kiosk, to measure the time to screen.
    for (const s of pages.slice(1)) await s.page.close();
    pages = pages.slice(0, 1);
    await pages[0].page.bringToFront();
    for (let i = 0; i < 30; i++) {
        const b = person(() => true, used);
        await kiosk.scan(b.token);
        await shown(scansSoFar(), { measure: true });
    }
    stuck.destroy();
    report();
});

// Opens a WebSocket to the door screen and stops reading.
function stuckPage(port) {
    return new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1', () => {
            sock.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
                'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
            sock.once('data', () => { sock.pause(); resolve(sock); });
        });
        sock.on('error', reject);
    });
}

function report() {
    const sorted = latencies.map((x) => x.ms).sort((x, y) => x - y);
    const slowest = [...latencies].sort((x, y) => y.ms - x.ms).slice(0, 5);
    const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const result = { samples: sorted.length, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: sorted[sorted.length - 1], slowest };
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'door-latency.json'), JSON.stringify(result, null, 2));
    process.stdout.write(`# kiosk verdict to screen: ${JSON.stringify(result)}\n`);
}

test('with a camera (raw grey frames) the idle screen shows the live preview; with a hand scanner it does not', { timeout: 60000 }, async () => {
    const cam = await new admit_kiosk(srv, {
        station: 'ddp-ah2-in-2', token: 'demo-station-ddp-in-2-W3kc', input: ['--raw', '64x48'],
    }).start();
    try {
        const page = await browser.context.newPage();
        watchConsole(page, errors);
        await page.setViewportSize({ width: 800, height: 480 });
        await page.goto(`${cam.url}?lang=ko`);
        assert.equal(await text(page, 'door-prompt'), STRINGS.ko.idle_raw);
        // A grey gradient, one frame per poll, until the page has drawn some.
        const frame = Buffer.alloc(64 * 48);
        for (let i = 0; i < frame.length; i++) frame[i] = (i % 64) * 4;
        await waitFor('preview frames on the page', async () => {
            cam.write(frame);
            return (await page.evaluate(() => window.__door.frames || 0)) >= 2;
        }, 10000, 100);
        assert.equal(await page.isVisible('[data-testid="door-preview"]'), true);
        const size = await page.$eval('#preview-canvas', (c) => [c.width, c.height]);
        assert.deepEqual(size, [64, 48]);
        await page.screenshot({ path: path.join(ARTIFACTS, 'door-idle-camera-ko-800x480.png') });
        await page.close();
    } finally {
        await cam.stop();
    }
});

test('the kiosk TOML sets the door language, tones and idle time; the screen goes back to idle', { timeout: 60000 }, async () => {
    const toml = path.join(srv.dir, 'door-kiosk.toml');
    fs.writeFileSync(toml, 'language = "en"\nmute = true\nvolume = 0.3\nidle = 1\n');
    const k = await new admit_kiosk(srv, {
        station: 'ddp-ah2-in-2', token: 'demo-station-ddp-in-2-W3kc', more: ['--config', toml],
    }).start();
    try {
        const page = await browser.context.newPage();
        watchConsole(page, errors);
        await page.setViewportSize({ width: 800, height: 480 });
        await page.goto(k.url);  // no ?lang=: the kiosk's language
        await waitFor('the settings', () => page.evaluate(() => window.__door.state.config.idle_s === 1), 5000);
        const config = await page.evaluate(() => window.__door.state.config);
        assert.equal(config.lang, 'en');
        assert.equal(config.mute, true);
        assert.equal(config.volume, 0.3);
        assert.equal(await text(page, 'door-prompt'), STRINGS.en.idle_keyboard);
        const v = await k.scan('NOT-A-BADGE-3');
        assert.equal(v.admitted, false);
        await waitFor('the refusal on screen', async () =>
            (await page.getAttribute('[data-testid="door-verdict"]', 'data-state')) === 'refused', 5000);
        assert.equal(await text(page, 'door-word'), STRINGS.en.refused);
        // idle = 1: back to the prompt by itself.
        await waitFor('the idle screen again', async () =>
            (await page.getAttribute('[data-testid="door-verdict"]', 'data-state')) === 'idle', 5000);
        await page.close();
    } finally {
        await k.stop();
    }
});

test('a kiosk whose clock is years off the server\'s shows the clock warning in the status bar', { timeout: 90000 }, async () => {
    // The server runs the rehearsal clock (September 2023); the kiosk runs on today's.
    const rehearsal = await new admit_server().start();
    const k = await new admit_kiosk(rehearsal).start();
    try {
        const page = await browser.context.newPage();
        watchConsole(page, errors);
        await page.setViewportSize({ width: 800, height: 480 });
        await page.goto(`${k.url}?lang=en`);
        await waitFor('the clock warning', () => page.isVisible('[data-testid="status-clock"]'), 15000, 100);
        assert.match(await text(page, 'status-clock'), /clock off by \d+ d/);
        await page.screenshot({ path: path.join(ARTIFACTS, 'door-clock-warning-en-800x480.png') });
        await page.close();
    } finally {
        await k.stop();
        await rehearsal.stop();
    }
});
