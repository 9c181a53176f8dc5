// The live dashboard (web/index.html) against the real admit-server in
// Debian's Chromium: the numbers match the API, a scan shows within a second,
// a station that goes away shows offline, the page says it is stale while the
// server is down and recovers by itself. Screenshots go to $ADMIT_ARTIFACTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import {
    admit_server, requireBrowserOrSkip, launchBrowser, screenshot, watchConsole, waitFor, artifactPath,
    VIEWER, STAFF,
} from './server.mjs';

const pw = requireBrowserOrSkip();
const HALL = 'ddp-art-hall-2';  // the award ceremony's hall; check-in is open on the rehearsal clock
let srv;
let browser;
const errors = [];

before(async () => {
    srv = await new admit_server().start();
    browser = await launchBrowser(pw);
});

after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (errors.length) process.stdout.write(`# page console:\n# ${errors.join('\n# ')}\n`);
});

async function openDashboard(token = VIEWER) {
    const page = await browser.context.newPage();
    watchConsole(page, errors);
    await page.goto(`${srv.base}/?token=${token}`);
    await waitFor('the live link', async () =>
        (await page.getAttribute('[data-testid="conn-state"]', 'class'))?.includes('conn-live'), 10000);
    return page;
}

const text = (page, testid) => page.textContent(`[data-testid="${testid}"]`);

// Everyone on the roster who is outside and may enter the award ceremony's hall.
async function outsidePeople() {
    const people = [];
    for (const row of srv.roster()) {
        const r = await srv.api('GET', `/api/attendees/${encodeURIComponent(row.id)}`, { token: VIEWER });
        if (r.status === 200 && r.body.inside_hall === null) people.push(row);
    }
    return people;
}

test('the dashboard shows the same numbers as GET /api/occupancy after scans', { timeout: 60000 }, async () => {
    // Scans go where a session is open (the ceremony): 40 leave people outside for the next tests.
    const sim = await srv.sim(['--rate', '50', '--max-scans', '40', '--seed', '11', '--bad-scans', '0.2']);
    assert.equal(sim.code, 0, `admit-sim failed:\n${sim.out}`);
    const page = await openDashboard();
    const occ = await srv.occupancy();
    assert.ok(occ.total.inside > 0, 'the simulated scans admitted someone');

    const shown = async () => {
        const rows = [];
        for (const h of occ.halls) {
            rows.push([h.id, 'inside', Number(await text(page, `hall-${h.id}-inside`)), h.inside]);
            rows.push([h.id, 'capacity', Number(await text(page, `hall-${h.id}-capacity`)), h.capacity]);
            rows.push([h.id, 'admitted', Number(await text(page, `hall-${h.id}-admitted`)), h.admitted]);
            rows.push([h.id, 'refused', Number(await text(page, `hall-${h.id}-refused`)), h.refused]);
        }
        for (const s of occ.sites) rows.push([s.id, 'site inside', Number(await text(page, `site-${s.id}-inside`)), s.inside]);
        rows.push(['event', 'total inside', Number(await text(page, 'total-inside')), occ.total.inside]);
        rows.push(['event', 'total capacity', Number(await text(page, 'total-capacity')), occ.total.capacity]);
        return rows;
    };
    let rows = [];
    try {
        await waitFor('the page to match the API', async () => {
            rows = await shown();
            return rows.every(([, , a, b]) => a === b);
        }, 3000);
    } finally {
        await screenshot(page, 'dashboard-after-scans');
    }
    assert.deepEqual(rows.map((r) => r[2]), rows.map((r) => r[3]));

    // Refusals reach the feed; stations that were connected are listed.
    if (occ.halls.some((h) => h.refused > 0)) {
        await waitFor('refusals in the feed', async () => (await page.locator('[data-testid="feed-item"]').count()) > 0, 3000);
    }
    // The roll call of the hall lists as many people as are inside.
    const ddp = occ.halls.find((h) => h.id === HALL);
    await page.click(`[data-testid="roll-tab-${HALL}"]`);
    await waitFor('the roll call', async () =>
        (await page.locator('[data-testid="roll-row"]').count()) === ddp.inside, 3000);

    // Refusals by reason per hall: as many as the hall's refused count, by reason.
    for (const h of occ.halls) {
        const chips = await page.locator(`[data-testid="refusals-${h.id}"] .reason-chip`).allTextContents();
        const sum = chips.reduce((n, c) => n + Number(c.match(/(\d+)$/)[1]), 0);
        assert.equal(sum, h.refused, `${h.id}: ${chips.join(', ')}`);
    }
    // Charts say what they show: axis titles and a legend for the capacity and 85 % lines.
    const legend = await page.textContent('[data-testid="chart-legend"]');
    assert.match(legend, /people inside/);
    assert.match(legend, /capacity: the hall's limit/);
    assert.match(legend, /85 %: "nearly full" from here/);
    // (uPlot draws them on its canvas: the page puts the same words on the element.)
    const chart = page.locator(`[data-testid="hall-${HALL}-chart"]`);
    assert.equal(await chart.getAttribute('data-y-title'), 'People inside');
    assert.equal(await chart.getAttribute('data-x-title'), 'Time (Asia/Seoul)');

    // Korean: labels, and what the server sends: hall, session and category
    // names (name_ko in the config), refusal messages.
    await page.click('[data-testid="lang-toggle"]');
    assert.match(await page.textContent(`#hall-${HALL} .hall-name`), /아트홀/);
    assert.match(await page.textContent('h1'), /실시간/);
    assert.match(await text(page, `hall-${HALL}-session`), /제1회 서울 스마트시티 상 시상식/);
    const feedKo = await page.locator('[data-testid="feed-item"] .feed-msg').allTextContents();
    assert.ok(feedKo.length > 0 && feedKo.every((m) => /[가-힣]/.test(m)), feedKo.join(' | '));
    const categoriesKo = await page.locator('[data-testid="roll-row"] td:nth-child(3)').allTextContents();
    assert.ok(categoriesKo.every((c) => /[가-힣]/.test(c)), categoriesKo.join(' | '));
    assert.equal(await page.getAttribute(`[data-testid="hall-${HALL}-chart"]`, 'data-y-title'), '입장 인원');
    await screenshot(page, 'dashboard-korean');
    await page.click('[data-testid="lang-toggle"]');

    // The print view shows the roll call only, with every column (the phone
    // rule does not apply to paper), what it is and each person's id.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('#sites'), false);
    assert.equal(await page.isVisible('[data-testid="roll-table"]'), true);
    const heads = await page.locator('[data-testid="roll-table"] th').allTextContents();
    assert.deepEqual(heads, ['#', 'Name', 'Category', 'Organisation', 'City', 'Id']);
    for (const n of [1, 5, 6]) assert.equal(await page.isVisible(`[data-testid="roll-table"] th:nth-child(${n})`), true);
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    const printed = await text(page, 'roll-printed');
    assert.match(printed, /Seoul Smart City 2023/);
    assert.match(printed, /Art Hall 2/);
    assert.match(printed, /\d\d-\d\d \d\d:\d\d:\d\d/);
    await screenshot(page, 'rollcall-print');
    // On paper: page numbers, the ids of the people inside.
    const pdf = artifactPath('rollcall.pdf');
    await page.pdf({ path: pdf, format: 'A4' });
    const pdfText = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    if (pdfText.status === 0) {
        assert.match(pdfText.stdout, /\b1 ?\/ ?\d+\s*\f/, 'a page number at the foot of the first page');
        const firstId = await page.getAttribute('[data-testid="roll-row"]', 'data-attendee');
        assert.ok(pdfText.stdout.includes(firstId), `the id ${firstId} is printed`);
    } else {
        process.stdout.write(`# pdftotext not run (${pdfText.error?.message || pdfText.stderr}); PDF kept at ${pdf}\n`);
    }
    await page.emulateMedia({ media: 'screen' });

    // A phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'dashboard-phone');
    await page.close();
});

test('a new scan appears on the open page within a second', { timeout: 60000 }, async () => {
    const page = await openDashboard();
    const [person] = await outsidePeople();
    assert.ok(person, 'someone on the roster is outside');
    const before = await srv.occupancy();
    const hallBefore = before.halls.find((h) => h.id === HALL);
    await waitFor('the page to show the current count', async () =>
        Number(await text(page, `hall-${HALL}-inside`)) === hallBefore.inside, 3000);

    const r = await srv.api('POST', '/api/checkin', {
        token: STAFF,
        body: { attendee_id: person.id, hall_id: HALL, direction: 'entry', actor: 'browser test', reason: 'live update test' },
    });
    const posted = Date.now();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.admitted, true, JSON.stringify(r.body));
    assert.equal(r.body.inside, hallBefore.inside + 1);
    try {
        // Polled inside the page, so the deadline measures the page, not the test's round trips.
        await page.waitForFunction(([sel, n]) => document.querySelector(sel)?.textContent === n,
            [`[data-testid="hall-${HALL}-inside"]`, String(r.body.inside)], { timeout: 1000, polling: 10 });
    } finally {
        await screenshot(page, 'dashboard-live-scan');
    }
    process.stdout.write(`# the scan showed ${Date.now() - posted} ms after the POST answered\n`);
    await page.close();
});

test("the page's delta merge (js/live_merge.js) comes to the same state as a whole frame", { timeout: 60000 }, async () => {
    const page = await openDashboard();
    // A second link in the page, kept by the page's own merge code while stations scan.
    await page.evaluate(async (token) => {
        const { applyFrame, emptyView } = await import('/js/live_merge.js');
        const t = { view: emptyView(), types: [], gaps: 0 };
        window.__merge = t;
        const ws = new WebSocket(`ws://${location.host}/ws/live?token=${token}`);
        ws.onmessage = (ev) => {
            const msg = JSON.parse(ev.data);
            t.types.push(msg.type);
            if (applyFrame(t.view, msg) === 'gap') t.gaps += 1;
        };
        await new Promise((resolve) => { ws.onopen = resolve; });
    }, VIEWER);
    const sim = await srv.sim(['--rate', '40', '--max-scans', '60', '--seed', '17', '--bad-scans', '0.2']);
    assert.equal(sim.code, 0, `admit-sim failed:\n${sim.out}`);
    // A fresh link's first frame is the whole state; the merged one must come to it.
    const result = await page.evaluate(async (token) => {
        const shown = (v) => JSON.stringify({ occupancy: v.occupancy, sessions: v.sessions, stations: v.stations, feed: v.feed });
        const whole = await new Promise((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/ws/live?token=${token}`);
            ws.onmessage = (ev) => { resolve(JSON.parse(ev.data)); ws.close(); };
        });
        const t = window.__merge;
        const deadline = Date.now() + 5000;
        while (shown(t.view) !== shown(whole) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        return { same: shown(t.view) === shown(whole), merged: shown(t.view), whole: shown(whole), wholeType: whole.type,
            types: t.types, gaps: t.gaps };
    }, VIEWER);
    assert.equal(result.wholeType, 'state', 'a new link starts with the whole state');
    assert.equal(result.gaps, 0, 'every delta followed the frame before it');
    assert.ok(result.types.includes('delta'), `deltas were sent (${result.types.join(',')})`);
    assert.equal(result.types[0], 'state');
    assert.equal(result.merged, result.whole);
    assert.ok(JSON.parse(result.whole).feed.length > 0, 'the refusals are in the feed');
    // And the page itself shows the merged state: the same numbers as the API.
    const occ = await srv.occupancy();
    await waitFor('the page to match the API', async () => {
        for (const h of occ.halls) if (Number(await text(page, `hall-${h.id}-inside`)) !== h.inside) return false;
        return Number(await text(page, 'total-inside')) === occ.total.inside;
    }, 3000);
    await page.close();
});

test('a station that disconnects shows offline', { timeout: 60000 }, async () => {
    const station = 'ch-main-in-1';
    const page = await openDashboard();
    const status = () => page.getAttribute(`[data-testid="station-${station}-status"]`, 'data-status');
    const sim = srv.sim(['--stations', station, '--rate', '4', '--duration', '3', '--seed', '5']);
    try {
        await waitFor(`${station} online`, async () => (await status()) === 'online', 5000, 25);
        await screenshot(page, 'station-online');
        const done = await sim;
        assert.equal(done.code, 0, done.out);
        await waitFor(`${station} offline after the simulator exited`, async () => (await status()) === 'offline', 5000);
        const row = page.locator(`[data-testid="station-${station}"]`);
        assert.match(await row.getAttribute('class'), /offline/);
        assert.notEqual((await row.locator('td').nth(4).textContent()).trim(), 'never', 'last seen is a time');
    } finally {
        await screenshot(page, 'station-offline');
    }
    await page.close();
});

test('while the server is down the page says it is stale, then recovers by itself', { timeout: 90000 }, async () => {
    const page = await openDashboard();
    const inside = Number(await text(page, `hall-${HALL}-inside`));
    const port = srv.port;
    await srv.restart(async () => {
        await waitFor('the stale banner', async () => {
            const b = page.locator('[data-testid="conn-banner"]');
            return (await b.isVisible()) && /reconnecting since \d\d:\d\d:\d\d/.test(await b.textContent());
        }, 5000);
        await screenshot(page, 'dashboard-stale');
    });
    assert.equal(srv.port, port);
    await waitFor('the live link again', async () =>
        (await page.getAttribute('[data-testid="conn-state"]', 'class'))?.includes('conn-live'), 20000, 100);
    assert.equal(await page.isVisible('[data-testid="conn-banner"]'), false);
    // Occupancy was rebuilt from the scan log.
    assert.equal(Number(await text(page, `hall-${HALL}-inside`)), inside);
    await screenshot(page, 'dashboard-recovered');
    await page.close();
});

test('a hall shows "nearly full" from 85 % and "FULL" at 100 %, and station refusals reach the feed', { timeout: 90000 }, async () => {
    // Art Hall 2 with room for 7: six people are 86 %, seven are full.
    const small = await new admit_server({ capacities: { [HALL]: 7 } }).start();
    const page = await browser.context.newPage();
    watchConsole(page, errors);
    try {
        await page.goto(`${small.base}/?token=${VIEWER}`);
        await waitFor('the live link', async () =>
            (await page.getAttribute('[data-testid="conn-state"]', 'class'))?.includes('conn-live'), 10000);
        const card = page.locator(`[data-testid="hall-${HALL}"]`);
        const warning = page.locator(`[data-testid="hall-${HALL}-warning"]`);
        assert.equal(await warning.isVisible(), false);
        // Not staff: staff may enter a full hall.
        const people = small.roster().filter((r) => r.category !== 'staff').slice(0, 7);
        const checkin = (p) => small.api('POST', '/api/checkin', {
            token: STAFF,
            body: { attendee_id: p.id, hall_id: HALL, direction: 'entry', actor: 'browser test', reason: 'fill the hall' },
        });
        for (const p of people.slice(0, 6)) assert.equal((await checkin(p)).status, 200);
        await waitFor('nearly full', async () => /level-amber/.test(await card.getAttribute('class')), 3000);
        assert.equal(await warning.isVisible(), true);
        assert.match(await warning.textContent(), /nearly full/i);
        // 6 of 7 is 85.7 %: rounded down, never more than it is.
        assert.equal(await text(page, `hall-${HALL}-pct`), '85%');
        await screenshot(page, 'hall-nearly-full');

        assert.equal((await checkin(people[6])).status, 200);
        await waitFor('full', async () => /level-red/.test(await card.getAttribute('class')), 3000);
        assert.equal(await warning.textContent(), 'FULL');

        // A help-desk check-in is a staff decision and may exceed capacity; a
        // station refuses people at a full hall.
        const sim = await small.sim(['--stations', 'ddp-ah2-in-1', '--rate', '50', '--max-scans', '10', '--bad-scans', '0', '--seed', '9']);
        assert.equal(sim.code, 0, sim.out);
        await waitFor('a hall_full alert in the feed', async () =>
            (await page.locator('[data-testid="feed-item"].kind-hall_full').count()) > 0, 3000);
        const occ = await small.occupancy();
        await waitFor('the page to match the API', async () =>
            Number(await text(page, `hall-${HALL}-inside`)) === occ.halls.find((h) => h.id === HALL).inside, 3000);
        await screenshot(page, 'hall-full');

        // The alert has its own panel and stays there while routine refusals
        // (not badges) push everything out of the feed.
        const alert = page.locator('[data-testid="alert"][data-kind="hall_full"]');
        await waitFor('the hall-full alert', async () => (await alert.count()) === 1, 3000);
        assert.match(await alert.locator('[data-testid="alert-text"]').textContent(), /Art Hall 2 is full \(7\/7\)/);
        const junk = await small.sim(['--stations', 'ddp-ah2-in-1', '--rate', '100', '--max-scans', '60', '--bad-scans', '1', '--seed', '3']);
        assert.equal(junk.code, 0, junk.out);
        await waitFor('the feed full of other refusals', async () =>
            (await page.locator('[data-testid="feed-item"].kind-hall_full').count()) === 0, 5000);
        assert.equal(await alert.count(), 1, 'the alert stays until acknowledged');
        // The simulated kiosks keep the server's (rehearsal) time, as real kiosks keep the event's: no clock alarm.
        assert.equal(await page.locator('[data-testid="alert"][data-kind="clock_skew"]').count(), 0);
        await page.click('[data-testid="lang-toggle"]');
        assert.match(await alert.locator('[data-testid="alert-text"]').textContent(), /아트홀 2관 만석 \(7\/7\)/);
        await page.click('[data-testid="lang-toggle"]');

        // A change during the event: the fire marshal allows 20; shown at once, and as an alert.
        fs.writeFileSync(small.config, fs.readFileSync(small.config, 'utf8').replace(
            /(id = "ddp-art-hall-2"[^[]*?capacity = )7/, '$120'));
        const reloaded = await small.api('POST', '/api/reload', { token: STAFF, body: {} });
        assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body));
        await waitFor('the new capacity', async () => (await text(page, `hall-${HALL}-capacity`)) === '20', 3000);
        const change = page.locator('[data-testid="alert"][data-kind="config_reloaded"] [data-testid="alert-text"]');
        await waitFor('the config change alert', async () => (await change.count()) === 1, 3000);
        assert.match(await change.textContent(), /capacity of Art Hall 2 7 → 20/);
        await screenshot(page, 'config-reloaded');

        // Acknowledging is staff work, for every screen: this page has a viewer token, so it asks for one.
        const other = await browser.context.newPage();
        await other.goto(`${small.base}/?token=${VIEWER}`);
        await waitFor('the alert on another screen', async () =>
            (await other.locator('[data-testid="alert"][data-kind="hall_full"]').count()) === 1, 5000);
        await alert.locator('[data-testid="alert-ack"]').click();
        assert.equal(await page.isVisible('[data-testid="staff-form"]'), true);
        await page.fill('#staff-input', STAFF);
        await page.click('[data-testid="staff-form"] button[type="submit"]');
        await waitFor('the alert gone here', async () => (await alert.count()) === 0, 3000);
        await waitFor('and on the other screen', async () =>
            (await other.locator('[data-testid="alert"][data-kind="hall_full"]').count()) === 0, 3000);
        await screenshot(page, 'alert-acknowledged');
        await other.close();
    } finally {
        await page.close();
        await small.stop();
    }
});

test('the overview shows every hall, the alerts and station health on one 1440x900 screen', { timeout: 60000 }, async () => {
    const page = await openDashboard();
    await page.setViewportSize({ width: 1440, height: 900 });
    const occ = await srv.occupancy();
    const event = (await srv.api('GET', '/api/event', { token: VIEWER })).body;
    const below = [];
    const check = async (what, selector) => {
        const box = await page.locator(selector).first().boundingBox();
        assert.ok(box, `${what} is shown`);
        if (box.y + box.height > 900) below.push(`${what} at ${JSON.stringify(box)}`);
    };
    await page.evaluate(() => window.scrollTo(0, 0));
    for (const h of occ.halls) await check(`hall ${h.id}`, `[data-testid="hall-${h.id}"]`);
    await check('the alerts panel', '[data-testid="alerts-panel"]');
    for (const s of event.stations) await check(`station ${s.id}`, `[data-testid="station-${s.id}"]`);
    // Every column of station health is in view, with no sideways scrolling.
    const wrap = await page.locator('.stations-panel .table-wrap').evaluate((n) => [n.scrollWidth, n.clientWidth]);
    assert.ok(wrap[0] <= wrap[1] + 1, `the station table is ${wrap[0]} px wide in ${wrap[1]} px`);
    await screenshot(page, 'overview-1440x900', { fullPage: false });
    assert.deepEqual(below, [], 'everything of the overview is on the first screen');
    await page.close();
});
