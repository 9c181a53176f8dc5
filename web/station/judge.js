// The offline judge: what an offline kiosk decides (scanner/kiosk/
// offline_judge.cpp over server/core/decide.cpp), in JavaScript for the
// browser. It must give the core's verdicts: tests/browser/judge.test.mjs
// runs it over the table of cases that tools/judge_cases (the C++ core)
// writes, in CI. Keep the order of checks and the sentences as decide.cpp's.
// Pure: no clock, no I/O; `at_ms` and the rules come in.

const MAX_ID = 64;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TOKEN = 2 + 3 * MAX_ID + 10 + 86 + 5;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const B64URL = /^[A-Za-z0-9_-]*$/;

// Strict base64url without padding of exactly n bytes (as libsodium's check): null otherwise.
export function fromBase64url(text, n) {
    if (text.length !== Math.ceil((n * 4) / 3) || !B64URL.test(text)) return null;
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
    if (bin.length !== n) return null;
    const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    // Unused low bits of the last character must be zero.
    const reencoded = btoa(String.fromCharCode(...out)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    return reencoded === text ? out : null;
}

function parseVersion(s) {
    if (!/^[1-9][0-9]{0,9}$/.test(s)) return null;
    const v = Number(s);
    return v > 4294967295 ? null : v;
}

const keyCache = new Map();
async function importKey(publicKeyText) {
    if (!keyCache.has(publicKeyText)) {
        const raw = fromBase64url(publicKeyText, 32);
        keyCache.set(publicKeyText, raw ? crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']) : null);
    }
    return keyCache.get(publicKeyText);
}

// core::verify_badge: {why: 'OK'|'MALFORMED_BADGE'|'BAD_SIGNATURE', claims}
export async function verifyBadge(token, publicKeyText) {
    const malformed = { why: 'MALFORMED_BADGE' };
    if (token.length > MAX_TOKEN) return malformed;
    const parts = token.split('.');
    if (parts.length !== 6 || parts[0] !== 'A1') return malformed;
    if (!ID.test(parts[1]) || !ID.test(parts[2]) || !ID.test(parts[3])) return malformed;
    const version = parseVersion(parts[4]);
    const sig = fromBase64url(parts[5], 64);
    if (version === null || !sig) return malformed;
    const body = new TextEncoder().encode(token.slice(0, token.length - parts[5].length - 1));
    const key = await importKey(publicKeyText);
    const ok = key ? await crypto.subtle.verify({ name: 'Ed25519' }, await key, sig, body) : false;
    if (!ok) return { why: 'BAD_SIGNATURE' };
    return { why: 'OK', claims: { event_id: parts[1], attendee_id: parts[2], category: parts[3], version } };
}

const two = (n) => String(n).padStart(2, '0');
const DAY = 86400000;

// The event's UTC offset at t in ms: offset_changes in time order (daylight
// saving); a server before time zones sends only utc_offset_minutes.
function offsetAt(rules, t) {
    let minutes = rules.event.utc_offset_minutes;
    for (const c of rules.event.offset_changes ?? []) {
        if (c.from_ms === null || c.from_ms === undefined || c.from_ms <= t) minutes = c.offset_minutes;
    }
    return minutes * 60000;
}

function localTimeText(rules, t, now) {
    const off = offsetAt(rules, t);
    const local = new Date(t + off);
    let text = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`;
    if (Math.floor((t + off) / DAY) !== Math.floor((now + offsetAt(rules, now)) / DAY)) {
        text += ` on ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]}`;
    }
    return text;
}

const hallName = (rules, id) => rules.halls.find((h) => h.id === id)?.name ?? id;
const categoryName = (rules, id) => rules.categories.find((c) => c.id === id)?.name ?? id;
const opens = (s) => s.start_ms - s.checkin_before_minutes * 60000;
const floorS = (t) => Math.floor(t / 1000);
const inWindow = (s, t) => floorS(opens(s)) <= floorS(t) && floorS(t) <= floorS(s.end_ms + s.late_entry_minutes * 60000);

const refuse = (reason, explanation) => ({ admitted: false, reason, warning: false, explanation });
const admit = (explanation, warning = false) => ({ admitted: true, reason: 'OK', warning, explanation });

// presence: Map attendee -> hall. Returns {verdict, moved: {from, to} | null}.
function decideEntry(rules, hall, person, presence, t, capacity) {
    const here = hall.id;
    const sessions = rules.sessions.filter((s) => s.hall === here);
    if (sessions.length) {
        const active = [];
        let next = null;
        let last = null;
        for (const s of sessions) {
            if (inWindow(s, t)) active.push(s);
            else if (s.start_ms > t) { if (!next || s.start_ms < next.start_ms) next = s; }
            else if (!last || s.end_ms > last.end_ms) last = s;
        }
        if (!active.length && next) {
            return { verdict: refuse('HALL_NOT_OPEN', `${hall.name} is not open yet; check-in for ${next.name} opens at ${localTimeText(rules, opens(next), t)}.`) };
        }
        if (!active.length) {
            return { verdict: refuse('HALL_CLOSED', `${hall.name} is closed; ${last.name} ended at ${localTimeText(rules, last.end_ms, t)}.`) };
        }
        if (!active.some((s) => !s.categories.length || s.categories.includes(person.category))) {
            return { verdict: refuse('CATEGORY_NOT_ALLOWED', `${categoryName(rules, person.category)} may not enter ${active[0].name}.`) };
        }
    }
    const current = presence.get(person.id) || '';
    if (current === here) {
        if (rules.event.passback === 'warn') {
            return { verdict: admit(`Already inside ${hall.name} without an exit; admitted.`, true) };
        }
        return { verdict: refuse('ALREADY_INSIDE', `Already inside ${hall.name}; no exit was recorded.`) };
    }
    if (current && rules.event.on_entry_elsewhere === 'refuse') {
        return { verdict: refuse('IN_OTHER_HALL', `Still recorded inside ${hallName(rules, current)}; scan out there first.`) };
    }
    const cat = rules.categories.find((c) => c.id === person.category);
    let inside = 0;
    for (const h of presence.values()) if (h === here) inside += 1;
    if (inside >= capacity && !(cat && cat.may_enter_full)) {
        return { verdict: refuse('HALL_FULL', `Hall is full (${inside}/${capacity}).`) };
    }
    let explanation = `Welcome to ${hall.name}`;
    if (current) explanation += ` (exit from ${hallName(rules, current)} recorded)`;
    return { verdict: admit(`${explanation}.`), moved: { from: current, to: here } };
}

function decideExit(rules, hall, person, presence) {
    const current = presence.get(person.id) || '';
    if (current === hall.id) return { verdict: admit(`Goodbye from ${hall.name}.`), moved: { from: current, to: '' } };
    if (current) {
        return { verdict: admit(`Exit recorded; they were still recorded inside ${hallName(rules, current)}.`, true), moved: { from: current, to: '' } };
    }
    return { verdict: refuse('NOT_INSIDE', 'No entry recorded; exit recorded and flagged.') };
}

// The offline verdict for one scan, as scanner/kiosk/offline_judge.cpp:
// the badge's own claims stand in for the roster (raised by revocations),
// presence is what this station saw plus anonymous stand-ins up to the
// estimate, and `margin` places are kept for other doors.
// memory: {presence: {attendee: hall}, last_inside, pending_delta}
export async function judgeOffline(rules, stationId, scan, memory, margin) {
    const station = rules.stations.find((s) => s.id === stationId);
    const hallId = station ? station.hall : '';
    const hallCfg = rules.halls.find((h) => h.id === hallId);
    const out = { attendee_id: '', category: '', hall_id: hallId, hall_delta: 0, capacity: hallCfg ? hallCfg.capacity : 0 };
    const estimate = Math.max(0, (memory.last_inside || 0) + (memory.pending_delta || 0));
    const finish = (verdict, moved) => {
        if (verdict.reason === 'HALL_FULL') {
            verdict.explanation = `Hall is nearly full (about ${estimate}/${out.capacity}); offline, keeping ${Math.max(0, margin)} places for other doors.`;
        }
        if (moved) out.hall_delta = (moved.to === hallId ? 1 : 0) - (moved.from === hallId ? 1 : 0);
        out.inside = Math.max(0, estimate + out.hall_delta);
        out.moved = moved || null;
        return { ...out, ...verdict };
    };
    if (!station) return finish(refuse('UNKNOWN_STATION', `Unknown station "${stationId}".`));
    if (!hallCfg) return finish(refuse('UNKNOWN_STATION', `Station "${station.id}" belongs to unknown hall "${station.hall}".`));

    const check = await verifyBadge(scan.payload, rules.public_key);
    if (check.why === 'MALFORMED_BADGE') return finish(refuse('MALFORMED_BADGE', 'Not an admit badge; send to the help desk.'));
    if (check.why !== 'OK') return finish(refuse('BAD_SIGNATURE', 'Badge signature is not valid; call security.'));
    const c = check.claims;
    if (c.event_id !== rules.event.id) return finish(refuse('WRONG_EVENT', `Badge is for another event (${c.event_id}).`));
    let version = c.version;
    for (const r of rules.revoked) if (r.id === c.attendee_id) version = Math.max(version, r.version);
    const person = { id: c.attendee_id, category: c.category, badge_version: version };
    out.attendee_id = person.id;
    out.category = person.category;
    if (c.version < person.badge_version) {
        return finish(refuse('REVOKED_BADGE', `Badge version ${c.version} was replaced by version ${person.badge_version}; send to the help desk.`));
    }
    if (station.role === 'entrance' && scan.direction === 'exit') return finish(refuse('WRONG_DIRECTION', 'This is an entrance; scan out at the exit.'));
    if (station.role === 'exit' && scan.direction === 'entry') return finish(refuse('WRONG_DIRECTION', 'This is an exit; scan in at the entrance.'));

    // Presence: the people we saw, then anonymous stand-ins up to the estimate.
    const presence = new Map();
    let knownHere = 0;
    for (const [who, hall] of Object.entries(memory.presence || {})) {
        if (!hall) continue;
        presence.set(who, hall);
        if (hall === hallId) knownHere += 1;
    }
    for (let i = knownHere; i < estimate; i++) presence.set(`~inside-${i}`, hallId);
    const capacity = Math.max(1, hallCfg.capacity - Math.max(0, margin));
    const r = scan.direction === 'exit'
        ? decideExit(rules, hallCfg, person, presence)
        : decideEntry(rules, hallCfg, person, presence, scan.at_ms, capacity);
    return finish(r.verdict, r.moved);
}
