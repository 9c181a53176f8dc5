// The help desk (web/desk.html) against the real admit-server in Debian's
// Chromium: find a person by part of a Hangul name, check them in, see the
// dashboard change; a viewer token can search but not act. Screenshots go to
// $ADMIT_ARTIFACTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
    admit_server, requireBrowserOrSkip, launchBrowser, screenshot, watchConsole, waitFor,
    VIEWER, STAFF,
} from './server.mjs';

const pw = requireBrowserOrSkip();
const HALL = 'ddp-art-hall-2';
const HANGUL = /[\uac00-\ud7a3]/;
let srv;
let browser;
const errors = [];
const dialogs = [];  // what the desk asked before annulling or reissuing

before(async () => {
    srv = await new admit_server().start();
    browser = await launchBrowser(pw);
    // The desk asks before annulling or reissuing.
    browser.context.on('page', (p) => p.on('dialog', (d) => { dialogs.push(d.message()); d.accept(); }));
});

after(async () => {
    if (browser) await browser.close();
    if (srv) await srv.stop();
    if (errors.length) process.stdout.write(`# page console:\n# ${errors.join('\n# ')}\n`);
});

async function open(pathAndQuery) {
    const page = await browser.context.newPage();
    watchConsole(page, errors);
    await page.goto(`${srv.base}${pathAndQuery}`);
    return page;
}

const text = (page, testid) => page.textContent(`[data-testid="${testid}"]`);

async function searchAndOpen(page, query, id) {
    await page.fill('[data-testid="desk-search"]', query);
    const result = page.locator(`[data-testid="result-${id}"]`);
    await result.waitFor({ state: 'visible', timeout: 5000 });
    await result.click();
    await waitFor(`the person ${id}`, async () => (await text(page, 'person-id')) === id, 5000);
}

test('the help desk finds a Hangul name, checks the person in, and the dashboard changes', { timeout: 60000 }, async () => {
    const person = srv.roster().find((r) => HANGUL.test(r.name) && [...r.name].length >= 3);
    assert.ok(person, 'the demo roster has a Hangul name');
    const partial = [...person.name].slice(1).join('');  // the given name without the family name
    const hallBefore = (await srv.occupancy()).halls.find((h) => h.id === HALL);

    const dash = await open(`/?token=${VIEWER}`);
    await waitFor('the dashboard live link', async () =>
        (await dash.getAttribute('[data-testid="conn-state"]', 'class'))?.includes('conn-live'), 10000);
    const desk = await open(`/desk.html?token=${STAFF}`);
    try {
        await waitFor('the staff role', async () => (await text(desk, 'desk-role')) === 'staff (shared token)', 5000);
        await searchAndOpen(desk, partial, person.id);
        assert.equal(await text(desk, 'person-name'), person.name);
        assert.equal(await desk.isEnabled('[data-testid="desk-checkin"]'), true);

        await desk.fill('[data-testid="desk-actor"]', '김민지 (desk 1)');
        await desk.fill('[data-testid="desk-reason"]', 'badge left at the hotel');
        await desk.selectOption('[data-testid="desk-hall"]', HALL);
        await desk.click('[data-testid="desk-checkin"]');
        await waitFor('the check-in message', async () =>
            (await desk.getAttribute('[data-testid="desk-message"]', 'class'))?.includes('ok'), 5000);
        await waitFor('where now: Art Hall 2', async () => /Art Hall 2/.test(await text(desk, 'person-where')), 5000);
        await waitFor('the manual scan in the history', async () =>
            /badge left at the hotel/.test(await desk.textContent('[data-testid="desk-history"]')), 5000);
    } finally {
        await screenshot(desk, 'desk-checked-in');
    }

    const api = await srv.occupancy();
    assert.equal(api.halls.find((h) => h.id === HALL).inside, hallBefore.inside + 1);
    try {
        await waitFor('the dashboard to count the person', async () =>
            Number(await text(dash, `hall-${HALL}-inside`)) === hallBefore.inside + 1, 2000);
        await dash.click(`[data-testid="roll-tab-${HALL}"]`);
        await dash.fill('[data-testid="roll-filter"]', partial);
        await waitFor('the person in the roll call', async () =>
            (await dash.locator(`[data-testid="roll-row"][data-attendee="${person.id}"]`).count()) === 1, 3000);
    } finally {
        await screenshot(dash, 'dashboard-after-desk-checkin');
    }

    // Annul the manual check-in: the person is outside again. The question and
    // the answer name the scan as staff know it, never by its internal id.
    const history = await srv.api('GET', `/api/attendees/${encodeURIComponent(person.id)}`, { token: STAFF });
    const manual = history.body.scans.find((s) => s.kind === 'manual' && !s.annulled);
    assert.ok(manual, 'the manual check-in is in the history');
    await desk.fill('[data-testid="desk-reason"]', 'checked in the wrong person');
    await desk.click(`[data-testid="annul-${manual.scan_id}"]`);
    await waitFor('outside again', async () => /not inside/.test(await text(desk, 'person-where')), 5000);
    assert.match(dialogs.at(-1), /^Annul the entry at Art Hall 2 at \d\d-\d\d \d\d:\d\d:\d\d\?/);
    assert.ok(!dialogs.at(-1).includes(manual.scan_id), `the question shows an internal id: ${dialogs.at(-1)}`);
    const annulled = await text(desk, 'desk-message');
    assert.match(annulled, /^Annulled the entry at Art Hall 2 at /);
    assert.ok(!annulled.includes(manual.scan_id), `the message shows an internal id: ${annulled}`);
    await waitFor('the annulment in the history', async () =>
        /scan annulled/.test(await desk.textContent('[data-testid="desk-history"]')), 5000);
    assert.match(await desk.textContent('[data-testid="desk-history"]'), /checked in the wrong person/);
    const afterAnnul = (await srv.occupancy()).halls.find((h) => h.id === HALL).inside;
    assert.equal(afterAnnul, hallBefore.inside, 'GET /api/occupancy no longer counts the annulled check-in');
    await waitFor(`the dashboard count back to ${afterAnnul}: a /ws/live frame after POST /api/scans/${manual.scan_id}/annul`,
        async () => Number(await text(dash, `hall-${HALL}-inside`)) === afterAnnul, 2000);

    // Reissue: a new badge version and a clear "print new badge" action that
    // downloads the PDF with the token in a header, never in an address.
    const version = Number(await text(desk, 'person-badge'));
    await desk.fill('[data-testid="desk-reason"]', 'lost badge');
    await desk.click('[data-testid="desk-reissue"]');
    await waitFor('the new badge version', async () => Number(await text(desk, 'person-badge')) === version + 1, 5000);
    const print = desk.locator('[data-testid="desk-print-badge"]');
    await print.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await print.textContent(), `Print new badge (version ${version + 1})`);
    const requested = [];
    desk.on('request', (r) => requested.push(r.url()));
    const [download] = await Promise.all([desk.waitForEvent('download', { timeout: 15000 }), print.click()]);
    assert.equal(download.suggestedFilename(), `badge-${person.id}-v${version + 1}.pdf`);
    const file = await download.path();
    assert.equal(fs.readFileSync(file).subarray(0, 5).toString(), '%PDF-');
    for (const url of requested) assert.doesNotMatch(url, /token=/, `a token in an address: ${url}`);
    for (const a of await desk.locator('a[href]').evaluateAll((els) => els.map((e) => e.href))) {
        assert.doesNotMatch(a, /token=/, `a link with the token: ${a}`);
    }
    await waitFor('the download message', async () => /downloaded/.test(await text(desk, 'desk-message')), 5000);
    // The reissue is in the person's history, with who did it and why.
    await waitFor('the reissue in the history', async () =>
        /badge reissued/.test(await desk.textContent('[data-testid="desk-history"]')), 5000);
    await screenshot(desk, 'desk-reissued');
    await desk.close();
    await dash.close();
});

test('a viewer can search but cannot do help-desk actions', { timeout: 60000 }, async () => {
    const person = srv.roster().find((r) => !HANGUL.test(r.name));
    const desk = await open(`/desk.html?token=${VIEWER}`);
    try {
        await waitFor('the viewer role', async () => /viewer/.test(await text(desk, 'desk-role')), 5000);
        await searchAndOpen(desk, person.name.split(' ')[0].toLowerCase(), person.id);
        for (const b of ['desk-checkin', 'desk-checkout', 'desk-reissue']) {
            assert.equal(await desk.isDisabled(`[data-testid="${b}"]`), true, `${b} is disabled`);
        }
        assert.equal(await desk.isVisible('[data-testid="desk-role-note"]'), true);
    } finally {
        await screenshot(desk, 'desk-viewer');
    }

    // Forced: enable the button anyway and click; the server's 403 is shown.
    const before = await srv.occupancy();
    const version = (await srv.api('GET', `/api/attendees/${encodeURIComponent(person.id)}`, { token: VIEWER })).body.badge_version;
    await desk.fill('[data-testid="desk-actor"]', 'viewer');
    await desk.fill('[data-testid="desk-reason"]', 'forced');
    await desk.evaluate(() => { document.querySelector('[data-testid="desk-checkin"]').disabled = false; });
    await desk.click('[data-testid="desk-checkin"]');
    await waitFor('the refusal message', async () =>
        (await desk.getAttribute('[data-testid="desk-message"]', 'class'))?.includes('err'), 5000);
    process.stdout.write(`# the desk showed: ${await text(desk, 'desk-message')}\n`);
    await screenshot(desk, 'desk-viewer-refused');

    // Forced from the page with the viewer's token: the server answers 403.
    const statuses = await desk.evaluate(async ({ token, id, hall }) => {
        const post = async (path, body) => (await fetch(path, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
        })).status;
        return [
            await post('/api/checkin', { attendee_id: id, hall_id: hall, direction: 'entry', actor: 'viewer', reason: 'test' }),
            await post(`/api/attendees/${id}/reissue`, { actor: 'viewer', reason: 'test' }),
            await post('/api/scans/no-such-scan/annul', { actor: 'viewer', reason: 'test' }),
        ];
    }, { token: VIEWER, id: person.id, hall: HALL });
    assert.deepEqual(statuses, [403, 403, 403]);
    assert.deepEqual(await srv.occupancy(), before, 'nothing changed');
    const r = await srv.api('GET', `/api/attendees/${encodeURIComponent(person.id)}`, { token: VIEWER });
    assert.equal(r.body.badge_version, version, 'the badge was not reissued');
    await desk.close();
});
