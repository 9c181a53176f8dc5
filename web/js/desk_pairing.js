// "Add a phone station" on the help desk: a staff member picks a station and
// shows the one-time pairing QR (and its code, for typing) to the phone
// running /station; below, the paired devices, each with Unpair. Kept apart
// from desk.js: it only fills <section id="pairing">. Codes expire in two
// minutes and pair one device; the phone's credential never appears here.
import { takeToken, call } from './common.js';

const token = takeToken();
const root = document.getElementById('pairing');

function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (k === 'testid') e.dataset.testid = v;
        else if (k === 'text') e.textContent = v;
        else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
}

const stationSelect = el('select', { testid: 'pair-station', 'aria-label': 'station' });
const labelInput = el('input', { testid: 'pair-label', placeholder: 'device label (e.g. door 2 iPad)', maxlength: '64' });
const addButton = el('button', { testid: 'pair-add', type: 'button', text: 'Add a phone station · 휴대폰 스테이션 추가' });
const codeBox = el('div', { testid: 'pair-code-box', class: 'pair-code-box' });
const message = el('p', { testid: 'pair-desk-message', class: 'muted' });
const list = el('ul', { testid: 'paired-devices', class: 'results' });
root.append(
    el('h2', { text: 'Phone stations · 휴대폰 스테이션' }),
    el('p', { class: 'muted', text: 'On the phone, open /station on this server, then scan this QR or type the code.' }),
    el('div', { class: 'pair-row' }, stationSelect, labelInput, addButton),
    codeBox, message, list,
);

let countdown = null;

async function loadStations() {
    const event = await call(token, 'GET', '/api/event');
    stationSelect.replaceChildren(...event.stations.map((s) => el('option', { value: s.id, text: `${s.id} (${s.hall}, ${s.role})` })));
}

async function loadDevices() {
    try {
        const r = await call(token, 'GET', '/api/pairing');
        list.replaceChildren(...r.devices.map((d) => {
            const unpair = el('button', { type: 'button', testid: `unpair-${d.device}`, text: 'Unpair · 연결 해제' });
            unpair.addEventListener('click', async () => {
                if (!confirm(`Unpair ${d.label || d.device}? It can no longer send scans.`)) return;
                await call(token, 'POST', `/api/pairing/${encodeURIComponent(d.device)}/revoke`, {});
                await loadDevices();
            });
            return el('li', { testid: 'paired-device', 'data-device': d.device },
                `${d.label || d.device} → ${d.station} · paired ${new Date(Number(d.paired_at_ms)).toLocaleString()} `, unpair);
        }));
    } catch (e) {
        message.textContent = e.status === 403 ? 'Pairing phones needs a staff token.' : e.message;
        addButton.disabled = true;
    }
}

addButton.addEventListener('click', async () => {
    clearInterval(countdown);
    message.textContent = '';
    try {
        const r = await call(token, 'POST', '/api/pairing', { station: stationSelect.value, label: labelInput.value });
        const qr = el('div', { class: 'pair-qr', testid: 'pair-qr' });
        qr.innerHTML = r.qr_svg;  // made by the server (libqrencode), not user text
        const svg = qr.querySelector('svg');
        if (svg) { svg.setAttribute('width', '220'); svg.setAttribute('height', '220'); }
        const left = el('span', { testid: 'pair-expires' });
        codeBox.replaceChildren(qr, el('div', { class: 'pair-code', testid: 'pair-code-text', text: r.code }),
            el('div', { text: `${r.station} · ${r.hall}` }), left);
        let s = r.expires_in_s;
        const tick = () => {
            left.textContent = s > 0 ? `expires in ${s} s` : 'expired: ask for a new code';
            if (s-- <= 0) { clearInterval(countdown); qr.remove(); }
        };
        tick();
        countdown = setInterval(() => { tick(); if (s % 5 === 0) loadDevices(); }, 1000);
    } catch (e) {
        message.textContent = e.message;
    }
});

loadStations().then(loadDevices).catch((e) => { message.textContent = e.message; });
