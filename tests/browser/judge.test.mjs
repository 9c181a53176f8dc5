// The phone station's offline judge (web/station/judge.js) against the C++
// core: admit-judge-cases (tests/scanner/kiosk/judge_cases.cpp) writes
// tables of cases decided by the kiosk's offline judge over core::decide();
// the JavaScript must give the same verdict, reason, warning, sentence and
// occupancy change for every one. Node's WebCrypto checks the Ed25519
// signatures, as Chromium's does on the phone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const judgePath = path.resolve(here, '..', '..', 'web', 'station', 'judge.js');
const bin = process.env.ADMIT_JUDGE_CASES;

test('the JavaScript offline judge gives the core\'s verdict for every case of the table', { timeout: 100000 }, async () => {
    assert.ok(bin, 'ADMIT_JUDGE_CASES names the admit-judge-cases program (ctest sets it)');
    const r = spawnSync(bin, [], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60000 });
    assert.equal(r.status, 0, `${bin}: ${r.stderr}`);
    const { tables } = JSON.parse(r.stdout);
    const { judgeOffline } = await import(pathToFileURL(judgePath).href);
    let n = 0;
    const reasons = new Set();
    const wrong = [];
    for (const t of tables) {
        for (const c of t.cases) {
            const got = await judgeOffline(t.rules, c.station, { payload: c.payload, direction: c.direction, at_ms: c.at_ms }, c.memory, t.margin);
            const e = c.expect;
            const mine = {
                admitted: got.admitted, reason: got.reason.toLowerCase(), warning: got.warning,
                explanation: got.explanation, attendee_id: got.attendee_id, hall_delta: got.hall_delta, inside: got.inside,
            };
            n += 1;
            reasons.add(e.reason);
            try {
                assert.deepEqual(mine, e);
            } catch {
                if (wrong.length < 10) wrong.push({ case: { ...c, expect: undefined }, core: e, js: mine });
            }
        }
    }
    process.stdout.write(`# ${n} cases, reasons covered: ${[...reasons].sort().join(', ')}\n`);
    assert.deepEqual(wrong, [], 'cases where the JavaScript judge differs from the core');
    assert.ok(reasons.size >= 12, `the table covers most reasons (${reasons.size})`);
});
