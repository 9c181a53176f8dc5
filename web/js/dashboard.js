// The live dashboard. On top, the overview that fits one screen (every hall
// against capacity with thresholds, per-site and event totals, current
// sessions, the alerts that stay until staff acknowledge them, station
// health); below it the detail: an occupancy chart per hall (uPlot),
// refusals by reason per hall, the refusal feed and a printable roll call. Live data comes
// from /ws/live (docs/api.md); the page reconnects by itself with backoff and
// says so in a banner while the link is down.

import {
    call, takeToken, setToken, initLang, getLang, setLang, t, placeName, localName, applyLabels, addLabels,
    setEventOffset, eventClock, eventDateTime, localClock, el,
} from './common.js';
import { applyFrame, emptyView } from './live_merge.js';
import { dashboard_labels } from './dashboard_labels.js';

addLabels(dashboard_labels);
const STAFF_KEY = 'admit.staff_token';

const AMBER = 0.85;  // nearly full from 85 %
const RED = 1.0;     // full at 100 %
const POLL_WHILE_DOWN_MS = 5000;
const MAX_CHART_POINTS = 2000;

const state = {
    token: '',
    event: null,          // GET /api/event
    occupancy: null,      // latest occupancy (live or polled)
    sessions: {},         // hall id -> {id, name}
    stations: null,       // latest station health list
    feed: [],
    alerts: [],
    refusals: null,       // {since, halls: {hall: {reason: n}}}
    role: '',             // 'staff' or 'viewer' (GET /api/whoami)
    series: {},           // hall id -> [[unix seconds], [inside]]
    server_time: null,
    built_for: '',        // hall ids the cards were built for
    charts: {},           // hall id -> uPlot
    roll: { hall: '', data: null, loading: false, seen_inside: -1, timer: 0 },
};

const conn = {
    ws: null,
    live: false,
    down_since: null,     // Date the link went down (null while live)
    attempt: 0,
    retry_timer: 0,
    poll_timer: 0,
    first_frame: true,
    view: emptyView(),    // the live state as the frames of this link made it
};

// ---- start ----------------------------------------------------------------------

async function start() {
    initLang();
    state.token = takeToken();
    document.getElementById('lang-toggle').addEventListener('click', () => {
        setLang(getLang() === 'ko' ? 'en' : 'ko');
        relabel();
    });
    document.getElementById('token-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const v = document.getElementById('token-input').value.trim();
        if (!v) return;
        setToken(v);
        state.token = v;
        document.getElementById('token-gate').hidden = true;
        load();
    });
    document.getElementById('staff-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const v = document.getElementById('staff-input').value.trim();
        if (!v) return;
        sessionStorage.setItem(STAFF_KEY, v);
        document.getElementById('staff-form').hidden = true;
        if (state.pending_ack) ackAlert(state.pending_ack);
    });
    document.getElementById('roll-filter').addEventListener('input', renderRoll);
    document.getElementById('roll-refresh').addEventListener('click', () => loadRoll(true));
    document.getElementById('roll-print').addEventListener('click', printRoll);
    window.addEventListener('beforeprint', setPrintHeader);
    relabel();
    await load();
}

async function load() {
    try {
        state.event = await call(state.token, 'GET', '/api/event');
    } catch (e) {
        if (e.status === 401 || e.status === 403) return showGate(e.status === 401 && state.token ? t('token.bad') : '');
        // The server is not reachable yet: say so and keep trying.
        if (!conn.down_since) conn.down_since = new Date();
        conn.attempt += 1;
        setBanner(true);
        setTimeout(load, 3000);
        return;
    }
    setEventOffset(state.event.utc_offset_minutes, state.event.offset_changes);
    document.getElementById('event-name').textContent = state.event.name;
    call(state.token, 'GET', '/api/whoami').then((w) => { state.role = w.role; }).catch(() => {});
    try {
        applyOccupancy(await call(state.token, 'GET', '/api/occupancy'), null);
    } catch {
        // the live link brings it too
    }
    loadStations();
    connect();
}

function showGate(message) {
    document.getElementById('token-gate').hidden = false;
    document.getElementById('token-error').textContent = message || '';
    document.getElementById('token-input').focus();
}

// /api/stations before the first live frame, so the table is not empty.
async function loadStations() {
    try {
        const data = await call(state.token, 'GET', '/api/stations');
        if (state.stations === null) {
            state.stations = Array.isArray(data) ? data : data.stations || [];
            renderStations();
        }
    } catch {
        renderStations();
    }
}

// ---- live link --------------------------------------------------------------------

function connect() {
    clearTimeout(conn.retry_timer);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/ws/live?token=${encodeURIComponent(state.token)}`;
    let ws;
    try {
        ws = new WebSocket(url);
    } catch {
        linkDown();
        return;
    }
    conn.ws = ws;
    conn.first_frame = true;
    conn.view = emptyView();
    ws.onmessage = (ev) => {
        if (conn.ws !== ws) return;
        let msg;
        try {
            msg = JSON.parse(ev.data);
        } catch {
            return;
        }
        const applied = applyFrame(conn.view, msg);
        if (applied === 'ignored') return;
        if (applied === 'gap') {
            // A delta we cannot place: start again from a whole state (onclose reconnects).
            ws.close();
            return;
        }
        if (!conn.live) linkUp();
        takeLive(msg, conn.first_frame);
        conn.first_frame = false;
    };
    ws.onclose = () => {
        if (conn.ws !== ws) return;
        conn.ws = null;
        linkDown();
    };
    ws.onerror = () => {
        // onclose follows and schedules the retry
    };
}

function linkUp() {
    conn.live = true;
    conn.down_since = null;
    conn.attempt = 0;
    clearInterval(conn.poll_timer);
    conn.poll_timer = 0;
    setBanner(false);
}

function linkDown() {
    conn.live = false;
    if (!conn.down_since) conn.down_since = new Date();
    conn.attempt += 1;
    setBanner(true);
    // Backoff: 0.5 s, 1 s, 2 s ... up to 15 s, with jitter so that many
    // screens do not reconnect in lockstep after a server restart.
    const base = Math.min(15000, 500 * 2 ** Math.min(conn.attempt - 1, 5));
    const delay = base * (0.75 + Math.random() * 0.5);
    conn.retry_timer = setTimeout(connect, delay);
    // Numbers keep coming over plain HTTP while the socket is down (if it can).
    if (!conn.poll_timer) conn.poll_timer = setInterval(pollWhileDown, POLL_WHILE_DOWN_MS);
}

async function pollWhileDown() {
    if (conn.live) return;
    try {
        applyOccupancy(await call(state.token, 'GET', '/api/occupancy', undefined, 4000), null);
    } catch {
        // still down
    }
}

function setBanner(down) {
    const banner = document.getElementById('conn-banner');
    const pill = document.getElementById('conn-pill');
    document.body.classList.toggle('stale', down);
    if (down) {
        const since = localClock(conn.down_since || new Date());
        banner.textContent = t('conn.stale', { since, n: Math.max(conn.attempt, 1) });
        banner.hidden = false;
        pill.className = 'conn-pill conn-down';
        pill.textContent = t('conn.stale_short');
    } else {
        banner.hidden = true;
        pill.className = 'conn-pill conn-live';
        pill.textContent = t('conn.live');
    }
}

// ---- applying data ------------------------------------------------------------------

// Frames are taken as they come (takeLive: the chart's new points, and which
// parts a delta changed), and the page is drawn from the merged view
// (conn.view, live_merge.js) at most once per screen refresh (drawLive, on
// requestAnimationFrame): a busy event sends up to 100 frames a second, and a
// hidden tab draws nothing until it is shown again.
const draw = { scheduled: false, stations: false, feed: false, alerts: false };

function takeLive(msg, full) {
    if (msg.series) mergeSeries(msg.series, full);
    const whole = msg.type === 'state';
    draw.stations ||= whole || Boolean(msg.stations);
    draw.feed ||= whole || Boolean(msg.feed);
    draw.alerts ||= whole || Boolean(msg.alerts) || Boolean(msg.refusals);
    if (draw.scheduled) return;
    draw.scheduled = true;
    requestAnimationFrame(drawLive);
}

function drawLive() {
    draw.scheduled = false;
    const view = conn.view;
    if (view.seq === null) return;  // the link was renewed and has no state yet
    state.server_time = view.server_time || state.server_time;
    state.sessions = {};
    for (const s of view.sessions) state.sessions[s.hall] = s;
    state.stations = view.stations;
    state.feed = view.feed;
    state.alerts = view.alerts;
    state.refusals = view.refusals;
    if (view.occupancy) applyOccupancy(view.occupancy, view.server_time);
    if (draw.stations) renderStations();
    if (draw.feed) renderFeed();
    if (draw.alerts) {
        refreshEventAfterReload();
        renderAlerts();
        renderRefusals();
    }
    draw.stations = draw.feed = draw.alerts = false;
    document.getElementById('server-time').textContent = eventDateTime(state.server_time);
}

// First frame: the day's samples replace what we had. Later frames: the newest
// point per hall. Keep the first point of each minute and the latest one, so a
// long day stays about one point per minute.
function mergeSeries(series, full) {
    for (const [hall, points] of Object.entries(series)) {
        if (full || !state.series[hall]) state.series[hall] = [[], []];
        const [xs, ys] = state.series[hall];
        for (const [iso, n] of points) {
            const x = Date.parse(iso) / 1000;
            if (!Number.isFinite(x)) continue;
            const last = xs.length - 1;
            if (last >= 0 && x < xs[last]) continue;
            const minute = Math.floor(x / 60);
            if (last >= 1 && Math.floor(xs[last] / 60) === minute && Math.floor(xs[last - 1] / 60) === minute) {
                xs[last] = x;
                ys[last] = n;
            } else if (last >= 0 && xs[last] === x) {
                ys[last] = n;
            } else {
                xs.push(x);
                ys.push(n);
            }
        }
        if (xs.length > MAX_CHART_POINTS) {
            xs.splice(0, xs.length - MAX_CHART_POINTS);
            ys.splice(0, ys.length - MAX_CHART_POINTS);
        }
    }
}

function applyOccupancy(occ, server_time) {
    state.occupancy = occ;
    const ids = occ.halls.map((h) => h.id).join(',');
    if (ids !== state.built_for) buildHalls();
    renderOccupancy();
}

// ---- rendering ------------------------------------------------------------------------

function level(inside, capacity) {
    if (capacity > 0 && inside / capacity >= RED) return 'red';
    if (capacity > 0 && inside / capacity >= AMBER) return 'amber';
    return 'ok';
}

// Rounded down: 249 of 250 is 99 %, never "100 %" beside "Nearly full".
function pct(inside, capacity) {
    return capacity > 0 ? Math.floor((inside / capacity) * 100) : 0;
}

function siteName(s) {
    return localName(s.id, s.name, s.name_ko);
}

function buildHalls() {
    const occ = state.occupancy;
    state.built_for = occ.halls.map((h) => h.id).join(',');
    for (const c of Object.values(state.charts)) c.destroy();
    state.charts = {};

    const totals = document.getElementById('totals');
    totals.replaceChildren(totalCard('event', 'total', t('totals.event')));
    for (const s of occ.sites) totals.append(totalCard('site', `site-${s.id}`, siteName(s)));

    const sites = document.getElementById('sites');
    sites.replaceChildren();
    for (const s of occ.sites) {
        const halls = occ.halls.filter((x) => x.site === s.id);
        const grid = el('div', { class: 'halls' });
        for (const h of halls) grid.append(hallCard(h));
        const section = el('section', { class: 'site', 'data-testid': `site-section-${s.id}` },
            el('h2', { class: 'site-name', 'data-site': s.id, text: siteName(s) }), grid);
        // A site takes room in proportion to its halls, so every hall card is as wide.
        section.style.flex = `${Math.max(1, halls.length)} 1 0`;
        sites.append(section);
    }
    const charts = document.getElementById('charts');
    charts.replaceChildren(...occ.halls.map((h) => el('figure', { class: 'chart-box' },
        el('figcaption', { class: 'hall-name', 'data-hall': h.id, text: hallName(h.id) }),
        el('div', { class: 'chart', id: `chart-${h.id}`, 'data-testid': `hall-${h.id}-chart`,
            'aria-label': t('hall.chart') }))));
    for (const h of occ.halls) makeChart(h);

    const tabs = document.getElementById('roll-tabs');
    tabs.replaceChildren();
    for (const h of occ.halls) {
        tabs.append(el('button', {
            type: 'button', role: 'tab', 'data-hall': h.id, 'data-testid': `roll-tab-${h.id}`,
            'aria-selected': h.id === state.roll.hall ? 'true' : 'false',
            text: hallName(h.id), onclick: () => selectRollHall(h.id),
        }));
    }
    if (!state.roll.hall || !occ.halls.some((h) => h.id === state.roll.hall)) selectRollHall(occ.halls[0]?.id || '');
}

function totalCard(kind, testid, title) {
    return el('article', { class: `total-card ${kind}`, 'data-testid': testid },
        el('h3', { class: 'total-title', text: title }),
        el('div', { class: 'total-numbers' },
            el('span', { class: 'total-inside', 'data-testid': `${testid}-inside`, text: '0' }),
            el('span', { class: 'total-sep', text: ' / ' }),
            el('span', { class: 'total-capacity', 'data-testid': `${testid}-capacity`, text: '0' })),
        el('div', { class: 'bar' }, el('div', { class: 'fill' })));
}

function hallCard(h) {
    const id = h.id;
    return el('article', { class: 'hall level-ok', id: `hall-${id}`, 'data-testid': `hall-${id}` },
        el('header', { class: 'hall-head' },
            el('h3', { class: 'hall-name', 'data-hall': id, text: hallName(id) }),
            el('span', { class: 'warning', 'data-testid': `hall-${id}-warning`, hidden: true })),
        el('p', { class: 'session', 'data-testid': `hall-${id}-session` }),
        el('div', { class: 'hall-numbers' },
            el('span', { class: 'inside', 'data-testid': `hall-${id}-inside`, text: String(h.inside) }),
            el('span', { class: 'of', text: ' / ' }),
            el('span', { class: 'capacity', 'data-testid': `hall-${id}-capacity`, text: String(h.capacity) }),
            el('span', { class: 'pct', 'data-testid': `hall-${id}-pct`, title: t('hall.percent_title') })),
        el('div', { class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': String(h.capacity) },
            el('div', { class: 'fill' }), el('div', { class: 'mark mark-amber' })),
        el('dl', { class: 'counts' },
            el('div', {}, el('dt', { 'data-i18n': 'hall.admitted', text: t('hall.admitted') }),
                el('dd', { 'data-testid': `hall-${id}-admitted`, text: String(h.admitted) })),
            el('div', {}, el('dt', { 'data-i18n': 'hall.refused', text: t('hall.refused') }),
                el('dd', { class: 'refused', 'data-testid': `hall-${id}-refused`, text: String(h.refused) }))));
}

function setBar(container, inside, capacity) {
    const fill = container.querySelector('.bar .fill');
    fill.style.width = `${Math.min(100, capacity > 0 ? (inside / capacity) * 100 : 0)}%`;
    container.classList.remove('level-ok', 'level-amber', 'level-red');
    container.classList.add(`level-${level(inside, capacity)}`);
}

function renderOccupancy() {
    const occ = state.occupancy;
    if (!occ) return;
    const q = (sel) => document.querySelector(`[data-testid="${sel}"]`);

    const total = q('total');
    q('total-inside').textContent = String(occ.total.inside);
    q('total-capacity').textContent = String(occ.total.capacity);
    setBar(total, occ.total.inside, occ.total.capacity);
    for (const s of occ.sites) {
        const card = q(`site-${s.id}`);
        if (!card) continue;
        q(`site-${s.id}-inside`).textContent = String(s.inside);
        q(`site-${s.id}-capacity`).textContent = String(s.capacity);
        setBar(card, s.inside, s.capacity);
    }
    for (const h of occ.halls) {
        const card = document.getElementById(`hall-${h.id}`);
        if (!card) continue;
        q(`hall-${h.id}-inside`).textContent = String(h.inside);
        q(`hall-${h.id}-capacity`).textContent = String(h.capacity);
        q(`hall-${h.id}-admitted`).textContent = String(h.admitted);
        q(`hall-${h.id}-refused`).textContent = String(h.refused);
        q(`hall-${h.id}-pct`).textContent = `${pct(h.inside, h.capacity)}%`;
        setBar(card, h.inside, h.capacity);
        const lv = level(h.inside, h.capacity);
        const warn = q(`hall-${h.id}-warning`);
        warn.hidden = lv === 'ok';
        warn.textContent = lv === 'red' ? t('hall.full') : lv === 'amber' ? t('hall.nearly_full') : '';
        const sess = state.sessions[h.id];
        const sessEl = q(`hall-${h.id}-session`);
        sessEl.textContent = sess ? `${t('hall.session')}: ${localName(sess.id, sess.name, sess.name_ko)}` : t('hall.no_session');
        sessEl.title = sessEl.textContent;
        sessEl.classList.toggle('none', !sess);
        updateChart(h);
    }
    maybeRefreshRoll();
}

// ---- charts -----------------------------------------------------------------------------

function chartWidth(node) {
    return Math.max(200, Math.floor(node.getBoundingClientRect().width || node.parentElement.clientWidth || 300));
}

function makeChart(h) {
    const node = document.getElementById(`chart-${h.id}`);
    if (!node || typeof window.uPlot === 'undefined') return;
    const tz = state.event?.time_zone || 'UTC';
    const opts = {
        width: chartWidth(node),
        height: 170,
        legend: { show: false },  // one legend for every chart, above them (index.html)
        cursor: { drag: { x: false, y: false } },
        tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1e3), tz),
        // One sample (a fresh server) would make an empty axis: show the hour around it.
        scales: { x: { time: true, range: (u, min, max) => (max - min < 600 ? [min - 1800, max + 600] : [min, max]) }, y: { range: (u, min, max) => [0, Math.max(h.capacity * 1.05, max || 0)] } },
        axes: [
            {
                stroke: '#8a94a6', grid: { stroke: '#2a3242' }, ticks: { stroke: '#2a3242' },
                // 24-hour venue time (the event's zone), e.g. 17:05.
                values: (u, splits) => splits.map((v) => eventClock(new Date(v * 1000).toISOString()).slice(0, 5)),
                label: t('charts.x', { tz }), labelSize: 18, labelFont: '12px system-ui', font: '11px system-ui',
            },
            {
                stroke: '#8a94a6', grid: { stroke: '#2a3242' }, ticks: { stroke: '#2a3242' }, size: 44,
                label: t('charts.y'), labelSize: 18, labelFont: '12px system-ui', font: '11px system-ui',
            },
        ],
        series: [
            {},
            { label: t('hall.inside'), stroke: '#4cc9f0', width: 2, fill: 'rgba(76,201,240,0.15)', points: { show: false } },
            { label: t('hall.capacity'), stroke: '#e63946', width: 1, dash: [6, 4], points: { show: false } },
            { label: '85%', stroke: '#f4a261', width: 1, dash: [2, 4], points: { show: false } },
        ],
    };
    // uPlot draws the axis titles on its canvas; the same words go on the
    // element for screen readers (and the browser tests).
    node.setAttribute('aria-label', `${t('hall.chart')}: ${opts.axes[1].label} / ${opts.axes[0].label}`);
    node.dataset.xTitle = opts.axes[0].label;
    node.dataset.yTitle = opts.axes[1].label;
    const chart = new window.uPlot(opts, chartData(h), node);
    state.charts[h.id] = chart;
    new ResizeObserver(() => {
        const w = chartWidth(node);
        if (Math.abs(w - chart.width) > 2) chart.setSize({ width: w, height: 170 });
    }).observe(node);
}

function chartData(h) {
    let [xs, ys] = state.series[h.id] || [[], []];
    if (xs.length === 0) {
        const x = (state.server_time ? Date.parse(state.server_time) : Date.now()) / 1000;
        xs = [x];
        ys = [h.inside];
    }
    return [xs.slice(), ys.slice(), xs.map(() => h.capacity), xs.map(() => h.capacity * AMBER)];
}

function updateChart(h) {
    if (!state.charts[h.id] && typeof window.uPlot !== 'undefined') makeChart(h);
    const chart = state.charts[h.id];
    if (chart) chart.setData(chartData(h));
}

// ---- stations -----------------------------------------------------------------------------

function stationRows() {
    // Every configured station, with health where the server has it (a station
    // that never connected is offline, last seen never).
    const known = new Map((state.stations || []).map((s) => [s.id, s]));
    const rows = [];
    for (const s of state.event?.stations || []) {
        rows.push({ id: s.id, hall: s.hall, role: s.role, ...(known.get(s.id) || { online: false, last_seen: null }) });
        known.delete(s.id);
    }
    for (const s of known.values()) rows.push(s);
    return rows;
}

function hallName(id) {
    const h = (state.occupancy?.halls || state.event?.halls || []).find((x) => x.id === id);
    return localName(id, h ? h.name : id, h?.name_ko);
}

function fmtSkew(ms) {
    if (ms === undefined || ms === null) return t('common.dash');
    const a = Math.abs(ms);
    const s = a >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
    return ms > 0 ? `+${s}` : s;
}

function renderStations() {
    const body = document.getElementById('stations-body');
    const rows = stationRows();
    if (!rows.length) {
        body.replaceChildren(el('tr', {}, el('td', { colspan: '8', class: 'muted', text: t('stations.none') })));
        return;
    }
    body.replaceChildren(...rows.map((s) => {
        const status = s.online ? 'online' : 'offline';
        const seen = Boolean(s.last_seen);
        const skewBad = seen && Math.abs(s.clock_skew_ms || 0) >= 5000;
        return el('tr', { class: `station ${status}`, 'data-testid': `station-${s.id}` },
            el('td', { class: 'mono', text: s.id }),
            el('td', { text: hallName(s.hall) }),
            el('td', { text: t(`role.${s.role}`) }),
            el('td', {}, el('span', { class: `status-chip ${status}`, 'data-testid': `station-${s.id}-status`,
                'data-status': status, text: t(`stations.${status}`) })),
            el('td', { class: 'mono', text: s.last_seen ? eventClock(s.last_seen) : t('stations.never') }),
            // A station never seen has no rate, backlog or clock to report.
            el('td', { class: 'num', text: seen ? (s.scans_per_minute ?? t('common.dash')) : t('common.dash') }),
            el('td', { class: `num${s.backlog > 0 ? ' warn-text' : ''}`, text: seen ? (s.backlog ?? t('common.dash')) : t('common.dash') }),
            el('td', { class: `num mono${skewBad ? ' warn-text' : ''}`, text: seen ? fmtSkew(s.clock_skew_ms) : t('common.dash') }));
    }));
}

// ---- feed -------------------------------------------------------------------------------------

function renderFeed() {
    const list = document.getElementById('feed');
    if (!state.feed.length) {
        list.replaceChildren(el('li', { class: 'muted', text: t('feed.empty') }));
        return;
    }
    list.replaceChildren(...state.feed.map((f) => el('li', { class: `feed-item kind-${f.kind}`, 'data-testid': 'feed-item',
        'data-code': f.code || f.reason || f.kind },
        el('span', { class: 'feed-time mono', text: eventClock(f.time) }),
        el('span', { class: 'feed-kind', text: t(`kind.${f.kind}`) }),
        el('span', { class: 'feed-msg', text: feedText(f) }),
        el('span', { class: 'feed-where muted', text: [f.name, f.station].filter(Boolean).join(' · ') }))));
}

// The words for a code and its parameters, in the page's language; ids of
// halls and stations become their names. English text from the server only
// when the page does not know the code (a newer server).
function say(prefix, code, params, fallback) {
    const key = `${prefix}.${code}`;
    if (t(key) === key) return fallback || code;
    const p = { ...(params || {}) };
    if (p.hall) p.hall = hallName(p.hall);
    if (p.name === '' && p.attendee_id) p.name = p.attendee_id;
    if (p.kiosk) p.kiosk = t(`verdict.${p.kiosk}`);
    if (p.server) p.server = t(`verdict.${p.server}`);
    const reason = p.server_reason || p.reason;
    if (reason) p.reason = t(`reason.${reason}`);
    if (p.device_time) p.device_time = eventDateTime(p.device_time);
    for (const k of ['start', 'end', 'old_start', 'old_end']) if (p[k]) p[k] = eventDateTime(p[k]).slice(6, 11);
    if (p.session) p.session = sessionName(p.session);
    if (p.category) p.category = categoryName(p.category);
    return t(key, p);
}

function feedText(f) {
    if (f.kind === 'refusal') {
        const reason = t(`reason.${f.reason}`);
        if (reason !== `reason.${f.reason}`) return t('feed.refused_in', { hall: hallName(f.hall), reason });
        return f.message || f.reason || '';
    }
    return say('msg', f.kind, f.params, f.message);
}

function sessionName(id) {
    const s = (state.event?.sessions || []).find((x) => x.id === id);
    return s ? localName(id, s.name, s.name_ko) : id;
}

function categoryName(id) {
    const c = categoryOf(id);
    return c ? localName(id, c.name, c.name_ko) : id;
}

// ---- alerts ---------------------------------------------------------------------------------

// A config reload may have added stations, sessions or names: read the event again once per reload.
function refreshEventAfterReload() {
    const newest = Math.max(0, ...(state.alerts || []).filter((a) => a.kind === 'config_reloaded').map((a) => a.id));
    if (newest <= (state.event_reload_seen ?? newest)) {
        state.event_reload_seen = newest;
        return;
    }
    state.event_reload_seen = newest;
    call(state.token, 'GET', '/api/event').then((e) => {
        state.event = e;
        renderStations();
        renderAlerts();
    }).catch(() => {});
}

function alertText(a) {
    if (a.kind === 'config_reloaded') {
        const changes = (a.params?.changes || []).map((c) => say('change', c.code, c.params, c.text));
        return t('msg.config_reloaded', { who: a.params?.who || '', changes: changes.join('; ') || t('msg.no_change') });
    }
    return say('msg', a.kind, a.params, a.message);
}

function renderAlerts() {
    const list = document.getElementById('alerts');
    const alerts = state.alerts || [];
    document.getElementById('alert-total').textContent = alerts.length ? String(alerts.length) : '';
    document.querySelector('[data-testid="alerts-panel"]').classList.toggle('has-alerts', alerts.length > 0);
    if (!alerts.length) {
        list.replaceChildren(el('li', { class: 'muted', text: t('alerts.empty') }));
        return;
    }
    // Newest first: the one that just happened is where the eye lands.
    list.replaceChildren(...alerts.slice().reverse().map((a) => el('li', {
        class: `alert kind-${a.kind}`, 'data-testid': 'alert', 'data-kind': a.kind, 'data-alert': String(a.id) },
        el('span', { class: 'feed-time mono', text: eventClock(a.last) }),
        el('span', { class: 'feed-kind', text: t(`kind.${a.kind}`) }),
        el('span', { class: 'alert-msg', 'data-testid': 'alert-text', text: alertText(a) }),
        a.count > 1 ? el('span', { class: 'alert-count', title: t('alerts.since', { time: eventClock(a.first) }),
            text: t('alerts.count', { n: a.count }) }) : null,
        el('button', { type: 'button', class: 'ack', 'data-testid': 'alert-ack', text: t('alerts.ack'),
            onclick: () => ackAlert(a.id) }))));
}

// Acknowledged on the server, for every screen: staff only. A viewer's page
// asks for a staff token once (kept for this tab).
async function ackAlert(id) {
    const staff = state.role === 'staff' ? state.token : sessionStorage.getItem(STAFF_KEY);
    const error = document.getElementById('alert-error');
    error.textContent = '';
    if (!staff) {
        state.pending_ack = id;
        document.getElementById('staff-form').hidden = false;
        document.getElementById('staff-input').focus();
        return;
    }
    state.pending_ack = null;
    try {
        await call(staff, 'POST', `/api/alerts/${id}/ack`, {});
        state.alerts = state.alerts.filter((a) => a.id !== id);
        renderAlerts();
    } catch (e) {
        if (e.status === 401 || e.status === 403) {
            sessionStorage.removeItem(STAFF_KEY);
            state.pending_ack = id;
            document.getElementById('staff-form').hidden = false;
        }
        if (e.status !== 404) error.textContent = t('alerts.ack_failed', { msg: e.message });
    }
}

function renderRefusals() {
    const body = document.getElementById('refusals-body');
    const r = state.refusals;
    document.getElementById('refusals-since').textContent = r?.since ? t('refusals.since', { time: eventDateTime(r.since) }) : '';
    const halls = state.occupancy?.halls || [];
    body.replaceChildren(...halls.map((h) => {
        const counts = Object.entries(r?.halls?.[h.id] || {}).sort((a, b) => b[1] - a[1]);
        const total = counts.reduce((n, [, c]) => n + c, 0);
        return el('tr', { 'data-testid': `refusals-${h.id}` },
            el('td', { text: hallName(h.id) }),
            el('td', { class: 'num', text: String(total) }),
            el('td', {}, ...(counts.length ? counts.map(([reason, n]) => el('span', {
                class: 'reason-chip', 'data-reason': reason, text: `${t(`reason.${reason}`)} ${n}` }))
                : [el('span', { class: 'muted', text: t('refusals.none') })])));
    }));
}

// ---- roll call ---------------------------------------------------------------------------------

function selectRollHall(id) {
    state.roll.hall = id;
    state.roll.data = null;
    for (const b of document.querySelectorAll('#roll-tabs button')) {
        b.setAttribute('aria-selected', b.dataset.hall === id ? 'true' : 'false');
    }
    loadRoll(true);
}

async function loadRoll(force) {
    const hall = state.roll.hall;
    if (!hall || (state.roll.loading && !force)) return;
    state.roll.loading = true;
    if (!state.roll.data) renderRoll();
    try {
        const data = await call(state.token, 'GET', `/api/halls/${encodeURIComponent(hall)}/inside`);
        if (hall === state.roll.hall) {
            state.roll.data = data;
            state.roll.seen_inside = data.count;
        }
    } catch {
        // keep what we had; the next change retries
    } finally {
        state.roll.loading = false;
    }
    renderRoll();
}

// The roll call follows the hall's count, at most once a second.
function maybeRefreshRoll() {
    const h = state.occupancy?.halls.find((x) => x.id === state.roll.hall);
    if (!h || h.inside === state.roll.seen_inside || state.roll.timer) return;
    state.roll.timer = setTimeout(() => {
        state.roll.timer = 0;
        loadRoll(false);
    }, 1000);
}

function categoryOf(id) {
    return (state.event?.categories || []).find((c) => c.id === id);
}

function renderRoll() {
    const hall = state.roll.hall;
    document.getElementById('roll-hall-name').textContent = hall ? hallName(hall) : '';
    const body = document.getElementById('roll-body');
    const data = state.roll.data;
    const count = document.getElementById('roll-count');
    if (!data) {
        body.replaceChildren();
        count.textContent = t('common.loading');
        return;
    }
    const q = document.getElementById('roll-filter').value.trim().toLowerCase();
    const people = data.people.filter((p) => !q ||
        [p.name, p.id, p.organisation, p.city, p.country, p.category, categoryOf(p.category)?.name, categoryName(p.category)]
            .some((v) => v && String(v).toLowerCase().includes(q)));
    count.textContent = t('roll.count', { shown: people.length, count: data.count });
    if (!people.length) {
        body.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'muted', text: t('roll.empty') })));
        return;
    }
    body.replaceChildren(...people.map((p, i) => {
        const cat = categoryOf(p.category);
        const chip = el('span', { class: 'cat-chip' });
        if (cat?.colour) chip.style.background = cat.colour;
        return el('tr', { 'data-testid': 'roll-row', 'data-attendee': p.id },
            el('td', { class: 'num', text: String(i + 1) }),
            el('td', { class: 'roll-name', text: p.name }),
            el('td', {}, chip, categoryName(p.category)),
            el('td', { text: p.organisation || '' }),
            el('td', { text: [p.city, p.country].filter(Boolean).join(', ') }),
            el('td', { class: 'mono roll-id', text: p.id }));
    }));
}

// The printed page says what it is: event, hall, how many, when (event time);
// page numbers come from the print stylesheet (@page).
function setPrintHeader() {
    const now = state.server_time || new Date().toISOString();
    document.getElementById('roll-printed').textContent = t('print.meta', {
        event: state.event?.name || '', hall: hallName(state.roll.hall), count: state.roll.data?.count ?? 0,
        time: eventDateTime(now),
    });
}

function printRoll() {
    setPrintHeader();
    window.print();
}

// ---- language -----------------------------------------------------------------------------------

function relabel() {
    applyLabels();
    document.getElementById('lang-toggle').textContent = t('lang.toggle');
    document.title = `admit: ${t('app.dashboard')}`;
    for (const n of document.querySelectorAll('[data-hall].hall-name, #roll-tabs [data-hall]')) {
        n.textContent = hallName(n.dataset.hall);
    }
    for (const n of document.querySelectorAll('.site-name[data-site]')) {
        const s = state.occupancy?.sites.find((x) => x.id === n.dataset.site);
        n.textContent = s ? siteName(s) : placeName(n.dataset.site);
    }
    if (state.occupancy) {
        document.querySelector('[data-testid="total"] .total-title').textContent = t('totals.event');
        for (const s of state.occupancy.sites) {
            const title = document.querySelector(`[data-testid="site-${s.id}"] .total-title`);
            if (title) title.textContent = siteName(s);
        }
        // Axis titles are drawn into the charts: make them again in the new language.
        state.built_for = '';
        buildHalls();
    }
    if (conn.live || conn.down_since) setBanner(!conn.live);
    else document.getElementById('conn-pill').textContent = t('conn.connecting');
    renderOccupancy();
    renderStations();
    renderFeed();
    renderAlerts();
    renderRefusals();
    renderRoll();
}

start();
