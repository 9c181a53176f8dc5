// The station page: a phone or tablet as a door station. Pairs with a
// one-time code from the help desk, then scans (camera or a keyboard-wedge
// scanner) and shows each verdict full screen. Online, the server decides;
// offline, judge.js decides as the kiosk would, and the scan waits in the
// IndexedDB outbox (outbox.js) until the server has it. See web/README.md.
import { outbox } from '/station/outbox.js';
import { loadProtocol, station_link } from '/station/link.js';
import { judgeOffline } from '/station/judge.js';
import { reasonText, label } from '/station/door_text.js';
import { camera } from '/station/camera.js';

// Places kept for other doors while offline (the kiosk's --offline-margin default).
const OFFLINE_MARGIN = 5;
// How long the door waits for the server's verdict (the kiosk's --answer-timeout).
const ANSWER_TIMEOUT_MS = 3000;
const $ = (id) => document.getElementById(id);
const byTest = (t) => document.querySelector(`[data-testid="${t}"]`);


const state = {
    lang: localStorage.getItem('admit-lang') || (navigator.language.startsWith('ko') ? 'ko' : 'en'),
    box: null, proto: null, link: null, pairing: null, rules: null, ack: null,
    clockOffset: 0,  // server time minus this device's clock, from the last hello/heartbeat
    memory: { presence: {}, last_inside: 0, pending_delta: 0 },
    waitingFor: null, backlog: 0, conflicts: 0, cam: null,
};
window.admitStation = state;  // for staff debugging and the browser tests

function applyLanguage() {
    document.documentElement.lang = state.lang;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = label(el.dataset.i18n, state.lang);
}

function setScreen(kind) {
    document.body.dataset.screen = kind;
}

function show(v, { offline = false } = {}) {
    const kind = !v.admitted ? 'refused' : v.warning ? 'warning' : 'admitted';
    setScreen(kind);
    byTest('verdict-headline').textContent = label(kind === 'warning' ? 'check' : kind, state.lang);
    byTest('verdict-name').textContent = v.attendee_name || v.attendee_id || '';
    byTest('verdict-reason').textContent = reasonText(v.reason, state.lang);
    byTest('verdict-detail').textContent = v.explanation || '';
    const note = byTest('verdict-offline');
    note.hidden = !offline;
    note.textContent = offline ? label('offline_verdict', state.lang) : '';
    byTest('verdict').dataset.reason = v.reason;
    byTest('verdict').dataset.scanId = v.scan_id || '';
}

function showWaiting() {
    setScreen('idle');
    byTest('verdict-headline').textContent = label('waiting', state.lang);
    for (const t of ['verdict-name', 'verdict-reason', 'verdict-detail']) byTest(t).textContent = '';
    byTest('verdict-offline').hidden = true;
}

async function refreshBacklog() {
    state.backlog = await state.box.count();
    byTest('backlog').textContent = String(state.backlog);
    const conflicts = await state.box.conflicts();
    state.conflicts = conflicts.length;
    const el = byTest('conflicts');
    el.hidden = conflicts.length === 0;
    el.textContent = `${label('conflicts', state.lang)} ${conflicts.length}`;
    el.title = conflicts.map((c) => `${c.scan_id}: ${c.conflict}`).join('\n');
}

function setLink(live) {
    const el = byTest('link-state');
    el.className = `link ${live ? 'link-live' : 'link-down'}`;
    el.textContent = label(live ? 'live' : 'down', state.lang);
}

const now = () => Date.now() + state.clockOffset;

async function saveMemory() {
    await state.box.set('memory', state.memory);
}

// ---- scanning ----

async function scan(payload) {
    payload = payload.trim();
    if (!payload || !state.pairing) return;
    const direction = $('direction').value;
    const base = {
        scan_id: state.box.scanId(state.pairing.station), station_id: state.pairing.station,
        payload, direction, device_time_ms: now(),
    };
    if (state.link && state.link.live) {
        const entry = await state.box.add({ ...base, offline: false });
        state.waitingFor = entry.scan_id;
        showWaiting();
        await refreshBacklog();
        state.link.sendScans([entry]);
        // As the kiosk: no verdict within the answer timeout, and the link is as good as down.
        setTimeout(() => {
            if (state.waitingFor !== entry.scan_id) return;
            state.waitingFor = null;
            state.link?.drop();
            decideOffline(base, true).catch((e) => console.error(e));
        }, ANSWER_TIMEOUT_MS);
        return;
    }
    await decideOffline(base, false);
}

// Offline: decide here, as the kiosk would, and keep the scan for the server.
async function decideOffline(base, alreadyStored) {
    let shown;
    let d = { hall_delta: 0, moved: null };
    if (!state.rules) {
        shown = { admitted: false, reason: 'UNKNOWN_BADGE', warning: false,
            explanation: 'Offline and no rules on this device yet; cannot check badges. Send to the help desk.' };
    } else {
        d = await judgeOffline(state.rules, state.pairing.station, { payload: base.payload, direction: base.direction, at_ms: base.device_time_ms }, state.memory, OFFLINE_MARGIN);
        shown = {
            admitted: d.admitted, reason: d.reason, warning: d.warning, explanation: d.explanation,
            attendee_id: d.attendee_id, category: d.category, hall_id: d.hall_id,
        };
    }
    // A verdict that came meanwhile took the scan out: then it was not offline after all.
    if (alreadyStored && !(await state.box.markOffline(base.scan_id, shown, d.hall_delta))) return;
    if (!alreadyStored) await state.box.add({ ...base, offline: true, shown, hall_delta: d.hall_delta });
    if (d.moved && d.attendee_id) state.memory.presence[d.attendee_id] = d.moved.to;
    state.memory.pending_delta += d.hall_delta;
    await saveMemory();
    show({ ...shown, scan_id: base.scan_id }, { offline: true });
    await refreshBacklog();
}

async function onVerdict(v) {
    const entry = await state.box.remove(v.scan_id);
    if (entry && entry.offline) {
        state.memory.pending_delta -= entry.hall_delta || 0;
        // The server disagrees with what this device showed: staff should know.
        if (entry.shown && (entry.shown.admitted !== v.admitted || entry.shown.reason !== v.reason)) {
            await state.box.noteConflict(entry, v);
            console.warn(`scan ${v.scan_id}: shown ${entry.shown.reason} offline, the server says ${v.reason}`);
        }
    }
    if (v.attendee_id && state.ack && v.hall_id === state.ack.hall_id) {
        state.memory.last_inside = v.inside;
        if (v.admitted) state.memory.presence[v.attendee_id] = entry && entry.direction === 'exit' ? '' : v.hall_id;
    }
    await saveMemory();
    if (state.waitingFor === v.scan_id) {
        state.waitingFor = null;
        show(v);
    }
    await refreshBacklog();
}

async function onError(err) {
    if (err.code === 'SCAN_ID_CONFLICT' && err.scan_id) {
        await state.box.moveToConflicts(err.scan_id, err.message);
        await refreshBacklog();
        if (state.waitingFor === err.scan_id) show({ admitted: false, reason: 'UNKNOWN_STATION', explanation: label('conflict', state.lang) });
        return;
    }
    if (err.code === 'BAD_TOKEN') {
        // Unpaired on the help desk (or the station left the config).
        await unpair(`This device is no longer paired (${err.message}). Ask the help desk for a new code.`);
        return;
    }
    console.error(`server error ${err.code}: ${err.message}`);
}

async function fetchRules() {
    const p = state.pairing;
    try {
        const res = await fetch(`/api/station/rules?station=${encodeURIComponent(p.station)}`, {
            headers: { Authorization: `Bearer ${p.token}` }, cache: 'no-store',
        });
        if (!res.ok) return;
        state.rules = await res.json();
        await state.box.set('rules', state.rules);
    } catch {
        // offline: keep the rules we have
    }
}

async function onHelloAck(ack) {
    state.ack = ack;
    state.clockOffset = Number(ack.server_time_ms) - Date.now();
    state.memory.last_inside = ack.inside;
    byTest('station-name').textContent = `${ack.hall_name || ack.hall_id} · ${ack.station_id}`;
    await state.box.set('clock_offset', state.clockOffset);
    await state.box.set('ack', ack);
    await fetchRules();
    // Replay: everything the outbox holds, in order, once per connection.
    const pending = await state.box.all();
    if (pending.length) state.link.sendScans(pending);
}

// ---- pairing ----

async function pair(code) {
    const msg = byTest('pair-message');
    msg.className = 'message';
    msg.textContent = '…';
    try {
        const res = await fetch('/api/pairing/claim', {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }),
        });
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
        state.pairing = { station: body.station, token: body.token, device: body.device, hall: body.hall, role: body.role };
        await state.box.set('pairing', state.pairing);
        msg.textContent = '';
        await startDoor();
    } catch (e) {
        msg.className = 'message err';
        msg.textContent = e.message;
    }
}

async function unpair(message = '') {
    if (state.link) state.link.stop();
    state.link = null;
    if (state.cam) state.cam.stop();
    state.pairing = null;
    state.rules = null;
    await state.box.forgetPairing();
    $('door').hidden = true;
    $('pair').hidden = false;
    setScreen('idle');
    byTest('pair-message').className = message ? 'message err' : 'message';
    byTest('pair-message').textContent = message;
}

// A pairing QR holds "admit-pair:CODE" (or the code alone).
function pairingCode(text) {
    return text.replace(/^admit-pair:/i, '').trim();
}

// ---- start ----

async function startDoor() {
    $('pair').hidden = true;
    $('door').hidden = false;
    byTest('station-name').textContent = state.ack && state.ack.station_id === state.pairing.station
        ? `${state.ack.hall_name || state.ack.hall_id} · ${state.ack.station_id}` : state.pairing.station;
    setScreen('idle');
    byTest('verdict-headline').textContent = label('ready', state.lang);
    const roles = { entrance: ['entry'], exit: ['exit'], both: ['entry', 'exit'] }[state.pairing.role] || ['entry', 'exit'];
    for (const o of $('direction').options) o.disabled = !roles.includes(o.value);
    $('direction').value = roles[0];
    state.link = new station_link(state.proto, state.pairing, {
        onState: (live) => setLink(live),
        onHelloAck: (ack) => onHelloAck(ack).catch((e) => console.error(e)),
        onVerdict: (v) => onVerdict(v).catch((e) => console.error(e)),
        onError: (e) => onError(e).catch((x) => console.error(x)),
        onHeartbeat: (hb) => { if (hb.time_ms) state.clockOffset = Number(hb.time_ms) - Date.now(); },
        backlog: () => state.backlog,
    });
    state.link.start();
    $('wedge').focus();
}

async function main() {
    applyLanguage();
    if ('serviceWorker' in navigator) {
        navigator.serviceWorker.register('/station/sw.js', { scope: '/station/' }).catch((e) => console.warn('service worker:', e));
    }
    state.box = await outbox.open();
    state.proto = await loadProtocol();
    state.pairing = (await state.box.get('pairing')) || null;
    state.rules = (await state.box.get('rules')) || null;
    state.memory = (await state.box.get('memory')) || state.memory;
    state.clockOffset = (await state.box.get('clock_offset')) || 0;
    state.ack = (await state.box.get('ack')) || null;
    await refreshBacklog();

    $('pair-form').addEventListener('submit', (e) => { e.preventDefault(); pair(pairingCode($('pair-code').value)); });
    $('wedge-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const text = $('wedge').value;
        $('wedge').value = '';
        scan(text).catch((x) => console.error(x));
    });
    byTest('lang').addEventListener('click', () => {
        state.lang = state.lang === 'ko' ? 'en' : 'ko';
        localStorage.setItem('admit-lang', state.lang);
        applyLanguage();
        setLink(state.link && state.link.live);
    });
    byTest('fullscreen').addEventListener('click', () => document.documentElement.requestFullscreen?.().catch(() => {}));
    $('unpair').addEventListener('click', () => { if (confirm('Unpair this device?')) unpair(); });
    const toggleCamera = async (onText) => {
        if (state.cam && state.cam.running) { state.cam.stop(); return; }
        state.cam = new camera($('preview'), onText);
        try {
            await state.cam.start();
            $('torch').hidden = !state.cam.hasTorch();
        } catch (e) {
            byTest('verdict-detail').textContent = `camera: ${e.message}`;
            byTest('pair-message').textContent = `camera: ${e.message}`;
        }
    };
    $('camera').addEventListener('click', () => toggleCamera((t) => scan(t)));
    $('pair-camera').addEventListener('click', async () => {
        $('preview').hidden = false;
        $('pair').appendChild($('preview'));
        await toggleCamera((t) => { state.cam.stop(); $('door').insertBefore($('preview'), $('door').querySelector('.controls')); pair(pairingCode(t)); });
    });
    let torchOn = false;
    $('torch').addEventListener('click', () => { torchOn = !torchOn; state.cam?.torch(torchOn); });
    // The browser knows first when the network goes: drop the link, decide offline.
    window.addEventListener('offline', () => state.link?.drop());
    window.addEventListener('online', () => state.link?.kick());

    if (state.pairing) await startDoor();
    else $('pair').hidden = false;
    document.body.dataset.ready = '1';
}

// The service worker's scope is /station/: "/station" moves there first.
if (location.pathname === '/station') {
    location.replace(`/station/${location.search}${location.hash}`);
} else {
    main().catch((e) => {
        console.error(e);
        document.body.dataset.ready = 'error';
    });
}
