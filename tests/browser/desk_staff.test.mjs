// The help desk as staff use it (issue 25), in Debian's Chromium against the
// real admit-server: signing in with a personal credential from a viewer
// link, what the server did on a check-out at the wrong hall, a check-in by
// hand that breaks a rule, annul offered only where it means something,
// "first 50 of N", and the phone layout. Screenshots go to $ADMIT_ARTIFACTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    admit_server, requireBrowserOrSkip, launchBrowser, screenshot, watchConsole, waitFor,
    VIEWER, STAFF,
} from './server.mjs';

const pw = requireBrowserOrSkip();
const ART = 'ddp-art-hall-2';
const MULTI = 'city-hall-multipurpose';
let srv;
let browser;
const errors = [];
const used = new Set();  // people a test already moved

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

async function open(pathAndQuery, viewport) {
    const page = await browser.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    watchConsole(page, errors);
    await page.goto(`${srv.base}${pathAndQuery}`);
    return page;
}

const text = (page, testid) => page.textContent(`[data-testid="${testid}"]`);

// Someone no test has used yet, outside every hall (optionally of a category).
async function freshPerson(category) {
    const people = srv.roster().filter((r) => !used.has(r.id) && (!category || r.category === category));
    for (const p of people) {
        const r = await srv.api('GET', `/api/attendees/${encodeURIComponent(p.id)}`, { token: VIEWER });
        if (r.status === 200 && r.body.inside_hall === null) {
            used.add(p.id);
            return p;
        }
    }
    throw new Error(`no one${category ? ` of category ${category}` : ''} is left outside`);
}

async function openPerson(page, id) {
    await page.evaluate((h) => { location.hash = h; }, encodeURIComponent(id));
    await waitFor(`the person ${id}`, async () => (await text(page, 'person-id')) === id, 5000);
}

function credentialFrom(output) {
    const line = output.split('\n').find((l) => l.startsWith('admit-staff-'));
    assert.ok(line, `admit staff add printed no credential:\n${output}`);
    return line.trim();
}

test('from a viewer link, staff sign in with their own credential and the log records their name', { timeout: 60000 }, async () => {
    const credential = credentialFrom(srv.admin(['staff', 'add', '김민지']));
    const person = await freshPerson();
    const desk = await open(`/desk.html?token=${VIEWER}`);
    try {
        await waitFor('the viewer role', async () => /viewer/.test(await text(desk, 'desk-role')), 5000);
        const signin = desk.locator('[data-testid="desk-signin"]');
        assert.equal(await signin.isVisible(), true, 'a viewer is offered to sign in');
        assert.equal(await signin.textContent(), 'Sign in as staff');
        assert.match(await text(desk, 'desk-role-note'), /sign in as staff/);
        await signin.click();
        await desk.locator('[data-testid="token-gate"]').waitFor({ state: 'visible' });
        await screenshot(desk, 'desk-signin');

        // A wrong credential leaves the viewer signed in as before.
        await desk.fill('[data-testid="token-input"]', 'admit-staff-not-a-credential');
        await desk.click('[data-testid="token-use"]');
        await waitFor('the refusal', async () => /refused/.test(await text(desk, 'token-error')), 5000);
        assert.match(await text(desk, 'desk-role'), /viewer/);

        await desk.fill('[data-testid="token-input"]', credential);
        await desk.click('[data-testid="token-use"]');
        await waitFor('signed in as 김민지', async () => (await text(desk, 'desk-role')) === 'staff: 김민지', 5000);
        assert.equal(await desk.isVisible('[data-testid="token-gate"]'), false);
        assert.equal(await signin.textContent(), 'Switch person');
        assert.equal(await desk.isVisible('[data-testid="desk-actor"]'), false, 'no name box: the server knows who');
        assert.match(await text(desk, 'desk-signed-in'), /Signed in as 김민지/);

        await openPerson(desk, person.id);
        await desk.selectOption('[data-testid="desk-hall"]', ART);
        await desk.fill('[data-testid="desk-reason"]', 'badge at the hotel');
        await desk.click('[data-testid="desk-checkin"]');
        await waitFor('checked in', async () => /checked in to Art Hall 2/.test(await text(desk, 'desk-message')), 5000);
    } finally {
        await screenshot(desk, 'desk-signed-in-as-staff');
    }
    const history = await srv.api('GET', `/api/attendees/${encodeURIComponent(person.id)}`, { token: STAFF });
    const manual = history.body.scans.find((s) => s.kind === 'manual');
    assert.equal(manual.actor, '김민지', 'the scan log has the authenticated name');
    await desk.close();
});

test('a check-out at the wrong hall says which hall the person was removed from', { timeout: 60000 }, async () => {
    const person = await freshPerson();
    // Checked in to the Multipurpose Hall (an override: it opens tomorrow).
    const r = await srv.api('POST', '/api/checkin', {
        body: { attendee_id: person.id, hall_id: MULTI, direction: 'entry', actor: 'setup', reason: 'test', override: true },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const desk = await open(`/desk.html?token=${STAFF}`);
    try {
        await waitFor('the staff role', async () => /staff/.test(await text(desk, 'desk-role')), 5000);
        await openPerson(desk, person.id);
        await desk.fill('[data-testid="desk-actor"]', 'Desk Lee');
        await desk.fill('[data-testid="desk-reason"]', 'leaving early');
        await desk.selectOption('[data-testid="desk-hall"]', ART);
        await desk.click('[data-testid="desk-checkout"]');
        await waitFor('the message', async () => !(await desk.isHidden('[data-testid="desk-message"]')), 5000);
        const said = await text(desk, 'desk-message');
        assert.match(said, /removed from Multipurpose Hall; they were not in Art Hall 2\./);
        assert.match(said, /Server: Exit recorded; they were still recorded inside Multipurpose Hall\./);
        assert.doesNotMatch(said, /exit at Art Hall 2 recorded/);
        assert.match(await desk.getAttribute('[data-testid="desk-message"]', 'class'), /warn/);
        await waitFor('outside now', async () => /not inside/.test(await text(desk, 'person-where')), 5000);
    } finally {
        await screenshot(desk, 'desk-wrong-hall-checkout');
    }
    const occ = await srv.occupancy();
    assert.equal(occ.halls.find((h) => h.id === MULTI).inside, 0);
    await desk.close();
});

test('a check-in by hand that breaks a rule shows the rule and needs an explicit override', { timeout: 60000 }, async () => {
    const guests = srv.roster().filter((r) => r.category === 'guest');
    const person = guests.length ? await freshPerson('guest') : await freshPerson();
    const before = (await srv.occupancy()).halls.find((h) => h.id === MULTI).inside;
    const desk = await open(`/desk.html?token=${STAFF}`);
    try {
        await waitFor('the staff role', async () => /staff/.test(await text(desk, 'desk-role')), 5000);
        await openPerson(desk, person.id);
        await desk.fill('[data-testid="desk-actor"]', 'Desk Lee');
        await desk.fill('[data-testid="desk-reason"]', 'invited by the mayor\'s office');
        await desk.selectOption('[data-testid="desk-hall"]', MULTI);
        await desk.click('[data-testid="desk-checkin"]');
        const panel = desk.locator('[data-testid="desk-override"]');
        await panel.waitFor({ state: 'visible', timeout: 5000 });
        // The rule, in the words the doors use (the core's decide()).
        assert.equal(await text(desk, 'desk-override-rule'),
            'Multipurpose Hall is not open yet; check-in for 6th WeGO General Assembly opens at 13:15 on 26 Sep.');
        await screenshot(desk, 'desk-override-asked');
        assert.equal((await srv.occupancy()).halls.find((h) => h.id === MULTI).inside, before, 'nothing done yet');

        await desk.click('[data-testid="desk-override-confirm"]');
        await waitFor('checked in with the override', async () =>
            /Rule overridden: Multipurpose Hall is not open yet/.test(await text(desk, 'desk-message')), 5000);
        assert.equal(await panel.isVisible(), false);
        await waitFor('where now: Multipurpose Hall', async () => /Multipurpose Hall/.test(await text(desk, 'person-where')), 5000);
        await waitFor('the override in the history', async () =>
            /rule overridden/.test(await desk.textContent('[data-testid="desk-history"]')), 5000);
    } finally {
        await screenshot(desk, 'desk-override-done');
    }
    assert.equal((await srv.occupancy()).halls.find((h) => h.id === MULTI).inside, before + 1);
    const history = await srv.api('GET', `/api/attendees/${encodeURIComponent(person.id)}`, { token: STAFF });
    const override = history.body.actions.find((a) => a.action === 'override');
    assert.ok(override, JSON.stringify(history.body.actions));
    assert.equal(override.actor, 'Desk Lee (shared token)');
    assert.match(override.note, /hall_not_open/);
    assert.match(override.note, /invited by the mayor's office/);
    await desk.close();
});

test('annul is offered on admitted scans only; the phone layout keeps details and Annul on screen', { timeout: 60000 }, async () => {
    const person = await freshPerson();
    // A refused scan (a check-out of someone not inside) and an admitted one.
    for (const direction of ['exit', 'entry']) {
        const r = await srv.api('POST', '/api/checkin', {
            body: { attendee_id: person.id, hall_id: ART, direction, actor: 'setup', reason: `test ${direction}` },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const phone = await open(`/desk.html?token=${STAFF}`, { width: 390, height: 844 });
    try {
        await waitFor('the staff role', async () => /staff/.test(await text(phone, 'desk-role')), 5000);
        await openPerson(phone, person.id);
        await waitFor('two scans', async () => (await phone.locator('[data-testid="scan-row"]').count()) === 2, 5000);
        const rows = await phone.locator('[data-testid="scan-row"]').evaluateAll((trs) => trs.map((tr) => ({
            verdict: tr.querySelector('.verdict-ok, .verdict-no')?.textContent,
            annul: tr.querySelector('button.annul') !== null,
        })));
        assert.deepEqual(rows.map((r) => [r.verdict, r.annul]), [['admitted', true], ['refused', false]]);

        // On a 390 px phone: no sideways scrolling, and the details and the Annul button are within the screen.
        const annul = phone.locator('button.annul').first();
        await annul.scrollIntoViewIfNeeded();
        const box = await annul.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `Annul at ${JSON.stringify(box)}`);
        for (const details of await phone.locator('[data-testid="scan-details"]').all()) {
            const b = await details.boundingBox();
            assert.ok(b && b.x >= 0 && b.x + b.width <= 390, `details at ${JSON.stringify(b)}`);
            assert.ok((await details.textContent()).length > 0);
        }
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `the page is ${width} px wide on a 390 px phone`);
    } finally {
        await screenshot(phone, 'desk-phone');
    }
    await phone.close();
});

test('a search with more than 50 matches says "first 50 of N"', { timeout: 60000 }, async () => {
    // As the server matches: ASCII case-insensitive substrings of name, id, organisation, city.
    const lower = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const matches = (q) => srv.roster().filter((r) =>
        [r.name, r.id, r.organisation, r.city].some((f) => lower(f || '').includes(q))).length;
    const q = ['-', '0', 'e', 'a', 'o', 'n', 'i'].find((c) => matches(c) > 50);
    assert.ok(q, 'some letter matches more than 50 of the 60 people');
    const desk = await open(`/desk.html?token=${STAFF}`);
    try {
        await desk.fill('[data-testid="desk-search"]', q);
        await waitFor('the result count', async () => /first 50 of/.test(await text(desk, 'desk-search-count')), 5000);
        assert.equal(await text(desk, 'desk-search-count'),
            `first 50 of ${matches(q)} found: type more to narrow the search`);
        assert.equal(await desk.locator('[data-testid^="result-"]').count(), 50);
    } finally {
        await screenshot(desk, 'desk-first-50');
    }
    await desk.close();
});
