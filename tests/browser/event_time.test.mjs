// Venue time on the dashboard and help desk (web/js/common.js) follows the
// event's offset table from /api/event across a daylight-saving change, and
// an old server's single utc_offset_minutes. Pure functions: no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setEventOffset, eventClock, eventDateTime } from '../../web/js/common.js';

test('times either side of the autumn change read as the venue clocks showed them', () => {
    // Europe/Berlin, 25 Oct 2026: CEST until 01:00 UTC, then CET.
    setEventOffset(120, [
        { from_ms: null, offset_minutes: 120 },
        { from_ms: Date.UTC(2026, 9, 25, 1), offset_minutes: 60 },
    ]);
    assert.equal(eventClock('2026-10-24T21:30:00Z'), '23:30:00');
    assert.equal(eventDateTime('2026-10-25T00:30:00Z'), '10-25 02:30:00'); // first 02:30 (CEST)
    assert.equal(eventDateTime('2026-10-25T01:30:00Z'), '10-25 02:30:00'); // second 02:30 (CET)
    assert.equal(eventClock('2026-10-25T08:00:00Z'), '09:00:00');
});

test('an old server sends only utc_offset_minutes', () => {
    setEventOffset(540, undefined);
    assert.equal(eventClock('2023-09-25T08:30:00Z'), '17:30:00');
});
