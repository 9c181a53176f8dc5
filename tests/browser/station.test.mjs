// The phone station (web/station/) in Debian's Chromium against the real
// admit-server: a staff member pairs the page from the help desk; a
// keyboard-wedge scan gets the server's verdict and the server records it;
// cut off from the network, the page decides scans itself and keeps them in
// its IndexedDB outbox, survives a reload with no network (service worker),
// and once back online every scan reaches the server exactly once, with the
// verdict the page showed. Unpairing on the desk revokes the credential.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
    admit_server, requireBrowserOrSkip, launchBrowser, screenshot, watchConsole, waitFor, parseCsv, STAFF,
} from './server.mjs';

const pw = requireBrowserOrSkip();
const STATION = 'ddp-ah2-in-1';
let srv;
let browser;
let phone;
let desk;
const errors = [];

before(async () => {
    srv = await new admit_server().start();
    browser = await launchBrowser(pw);
    browser.context.on('page', (p) => p.on('dialog', (d) => d.accept()));
});

after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (errors.length) process.stdout.write(`# page console:\n# ${errors.join('\n# ')}\n`);
});

// Badge payloads from `admit issue-badges`: {attendee id: token}.
function badges() {
    const rows = parseCsv(fs.readFileSync(srv.tokensCsv, 'utf8'));
    const out = {};
    for (const r of rows) {
        const token = Object.values(r).find((v) => v.startsWith('A1.'));
        const id = token.split('.')[2];
        out[id] = token;
    }
    return out;
}

const text = (page, testid) => page.textContent(`[data-testid="${testid}"]`);

async function scanWith(page, payload) {
    await page.fill('[data-testid="wedge"]', payload);
    await page.press('[data-testid="wedge"]', 'Enter');
}

// The scans the server recorded for a person: [{scan_id, admitted, reason, offline, ...}].
async function recorded(attendeeId) {
    const r = await srv.api('GET', `/api/attendees/${encodeURIComponent(attendeeId)}`, { token: STAFF });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.scans;
}

async function linkLive(page) {
    return (await page.getAttribute('[data-testid="link-state"]', 'class')).includes('link-live');
}

test('a phone pairs from the help desk and a wedge scan gets the server\'s verdict', { timeout: 60000 }, async () => {
    desk = await browser.context.newPage();
    watchConsole(desk, errors);
    await desk.goto(`${srv.base}/desk.html?token=${STAFF}`);
    await desk.selectOption('[data-testid="pair-station"]', STATION);
    await desk.fill('[data-testid="pair-label"]', 'door 1 phone');
    await desk.click('[data-testid="pair-add"]');
    const code = (await desk.locator('[data-testid="pair-code-text"]').textContent()).trim();
    assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.equal(await desk.locator('[data-testid="pair-qr"] svg').count(), 1, 'the desk shows a pairing QR');
    await screenshot(desk, 'desk-pairing-code');

    phone = await browser.context.newPage();
    watchConsole(phone, errors);
    await phone.goto(`${srv.base}/station`);
    await waitFor('the station page to start', async () => (await phone.getAttribute('body', 'data-ready')) === '1', 10000);
    assert.equal(new URL(phone.url()).pathname, '/station/');
    assert.equal(await phone.isVisible('[data-testid="pair"]'), true);
    await phone.fill('[data-testid="pair-code"]', code.toLowerCase());
    await phone.click('[data-testid="pair-submit"]');
    await waitFor('the station link', () => linkLive(phone), 10000);
    await waitFor('the hall name from the hello', async () => /Art Hall 2/.test(await text(phone, 'station-name')), 5000);
    // The code was for one device only.
    const again = await fetch(`${srv.base}/api/pairing/claim`, { method: 'POST', body: JSON.stringify({ code }) });
    assert.equal(again.status, 403);

    const [id, payload] = Object.entries(badges())[0];
    await scanWith(phone, payload);
    await waitFor('a verdict on the door screen', async () =>
        ['admitted', 'refused', 'warning'].includes(await phone.getAttribute('body', 'data-screen')), 5000);
    const scanId = await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id');
    assert.match(scanId, new RegExp(`^${STATION}-[0-9a-f]{12}-1-1$`), 'the kiosk\'s scan id form');
    const reason = await phone.getAttribute('[data-testid="verdict"]', 'data-reason');
    await screenshot(phone, 'station-online-verdict');
    const scans = (await recorded(id)).filter((s) => s.scan_id === scanId);
    assert.equal(scans.length, 1, 'the server recorded the scan');
    assert.equal(scans[0].station_id, STATION);
    assert.equal(scans[0].offline, false);
    assert.equal(scans[0].reason.toUpperCase(), reason, 'the screen shows the server\'s reason');
    assert.equal(await text(phone, 'backlog'), '0');

    const devices = (await srv.api('GET', '/api/pairing', { token: STAFF })).body.devices;
    assert.deepEqual(devices.map((d) => [d.station, d.label]), [[STATION, 'door 1 phone']]);
});

test('offline: scans are decided on the phone, survive a reload, and reach the server exactly once', { timeout: 90000 }, async () => {
    await phone.evaluate(() => navigator.serviceWorker.ready);
    const people = Object.entries(badges()).slice(1, 5);
    await browser.context.setOffline(true);
    await waitFor('the link to go down', async () => !(await linkLive(phone)), 5000);

    const shown = [];
    const scanOffline = async ([id, payload]) => {
        const before = await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id');
        await scanWith(phone, payload);
        await waitFor('an offline verdict', async () =>
            (await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id')) !== before, 5000);
        assert.equal(await phone.isVisible('[data-testid="verdict-offline"]'), true, 'the screen says it decided offline');
        shown.push({
            id, scanId: await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id'),
            reason: await phone.getAttribute('[data-testid="verdict"]', 'data-reason'),
            screen: await phone.getAttribute('body', 'data-screen'),
        });
    };
    for (const p of people.slice(0, 3)) await scanOffline(p);
    await screenshot(phone, 'station-offline-verdict');
    assert.equal(await text(phone, 'backlog'), '3');

    // A reload with no network: the service worker serves the page; the outbox is still there.
    await phone.reload();
    await waitFor('the station page to start offline', async () => (await phone.getAttribute('body', 'data-ready')) === '1', 10000);
    assert.equal(await text(phone, 'backlog'), '3');
    // Meanwhile the help desk checks in the next person by hand, before the
    // phone reads their badge: the phone, offline, cannot know and admits
    // them; the server, judging in read order (the desk came first), refuses
    // the phone's scan, and the phone must say so.
    const desk_checkin = await srv.api('POST', '/api/checkin', { token: STAFF, body: {
        attendee_id: people[3][0], hall_id: 'ddp-art-hall-2', direction: 'entry', actor: 'desk', reason: 'came in by the side door',
    } });
    assert.equal(desk_checkin.status, 200, JSON.stringify(desk_checkin.body));
    await scanOffline(people[3]);
    assert.match(shown[3].scanId, new RegExp(`^${STATION}-[0-9a-f]{12}-2-1$`), 'a new boot after the reload');
    assert.equal(new Set(shown.map((s) => s.scanId)).size, 4);

    const taken = shown[3];
    assert.equal(taken.screen, 'admitted', 'the phone admitted offline the person the desk had checked in');
    assert.equal(await phone.isVisible('[data-testid="conflicts"]'), false);

    await browser.context.setOffline(false);
    await waitFor('the link back', () => linkLive(phone), 20000);
    await waitFor('the outbox to empty', async () => (await text(phone, 'backlog')) === '0', 10000);
    for (const s of shown) {
        const scans = (await recorded(s.id)).filter((r) => r.scan_id === s.scanId);
        assert.equal(scans.length, 1, `${s.scanId} recorded exactly once`);
        assert.equal(scans[0].offline, true);
        if (s === taken) assert.equal(scans[0].reason, 'already_inside', 'the desk check-in was read first');
        else assert.equal(scans[0].reason.toUpperCase(), s.reason, `${s.scanId}: the server's verdict is the one the phone showed`);
    }
    await waitFor('the conflict reported on the phone', async () => (await text(phone, 'conflicts')) === 'conflicts 1', 5000);
    assert.match(await phone.getAttribute('[data-testid="conflicts"]', 'title'), new RegExp(`${taken.scanId}: shown OK, server ALREADY_INSIDE`));
    await screenshot(phone, 'station-conflict');
    // A second reload replays nothing: the outbox is empty and nothing is recorded twice.
    await phone.reload();
    await waitFor('the link after the reload', () => linkLive(phone), 10000);
    for (const s of shown) assert.equal((await recorded(s.id)).filter((r) => r.scan_id === s.scanId).length, 1);
});

test('a server that stops answering: the phone decides after the answer timeout; the scan is recorded once', { timeout: 60000 }, async () => {
    await waitFor('the station link', () => linkLive(phone), 10000);
    const [id, payload] = Object.entries(badges())[6];
    const before = await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id');
    srv.proc.kill('SIGSTOP');  // the server hangs: the socket stays open, nothing answers
    let scanId;
    try {
        await scanWith(phone, payload);
        await waitFor('the offline verdict after the answer timeout', async () =>
            (await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id')) !== before
            && phone.isVisible('[data-testid="verdict-offline"]'), 10000);
        scanId = await phone.getAttribute('[data-testid="verdict"]', 'data-scan-id');
        assert.equal(await text(phone, 'backlog'), '1');
    } finally {
        srv.proc.kill('SIGCONT');
    }
    await waitFor('the link back', () => linkLive(phone), 20000);
    await waitFor('the outbox to empty', async () => (await text(phone, 'backlog')) === '0', 10000);
    assert.equal((await recorded(id)).filter((r) => r.scan_id === scanId).length, 1, `${scanId} recorded exactly once`);
});

test('unpairing on the desk revokes the phone\'s credential', { timeout: 60000 }, async () => {
    const { station, token } = await phone.evaluate(() => window.admitStation.pairing);
    const rules = () => fetch(`${srv.base}/api/station/rules?station=${station}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await rules()).status, 200, 'a paired phone may fetch its offline rules');
    await desk.reload();
    const item = desk.locator('[data-testid="paired-device"]');
    await item.first().waitFor({ state: 'visible' });
    const device = await item.first().getAttribute('data-device');
    await desk.click(`[data-testid="unpair-${device}"]`);
    await waitFor('the device to leave the list', async () => (await item.count()) === 0, 5000);
    assert.equal((await rules()).status, 401);
    // The next hello is refused and the page asks to be paired again.
    await phone.reload();
    await waitFor('the pairing screen', () => phone.isVisible('[data-testid="pair"]'), 10000);
    await waitFor('the reason', async () => /no longer paired/.test(await text(phone, 'pair-message')), 5000);
    await screenshot(phone, 'station-unpaired');
});
