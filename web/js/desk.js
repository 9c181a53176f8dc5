// The help desk: find an attendee (Hangul or Latin, partial), see where they
// are and their scans, check them in or out by hand, annul a scan, reissue a
// badge. Staff tokens only for actions; a viewer token can search, and the
// action buttons are disabled (the server refuses them with 403 anyway).

import {
    call, takeToken, setToken, initLang, getLang, setLang, t, placeName, applyLabels,
    setEventOffset, eventDateTime, el,
} from './common.js';

const ACTOR_KEY = 'admit.desk.actor';

const desk = {
    token: '',
    role: 'pending',     // pending | staff | viewer | unknown
    event: null,
    results: [],
    query: '',
    search_seq: 0,
    person: null,        // GET /api/attendees/{id}
    busy: false,
    badge: null,         // {version} after a reissue
};

const $ = (id) => document.getElementById(id);

async function start() {
    initLang();
    desk.token = takeToken();
    $('lang-toggle').addEventListener('click', () => {
        setLang(getLang() === 'ko' ? 'en' : 'ko');
        relabel();
    });
    $('token-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const v = $('token-input').value.trim();
        if (!v) return;
        setToken(v);
        desk.token = v;
        $('token-gate').hidden = true;
        load();
    });
    let debounce = 0;
    $('search').addEventListener('input', () => {
        clearTimeout(debounce);
        debounce = setTimeout(search, 250);
    });
    $('search-form').addEventListener('submit', (e) => {
        e.preventDefault();
        clearTimeout(debounce);
        search();
    });
    $('actor').value = localStorage.getItem(ACTOR_KEY) || '';
    $('actor').addEventListener('change', () => localStorage.setItem(ACTOR_KEY, $('actor').value.trim()));
    $('btn-checkin').addEventListener('click', () => manual('entry'));
    $('btn-checkout').addEventListener('click', () => manual('exit'));
    $('btn-reissue').addEventListener('click', reissue);
    window.addEventListener('hashchange', () => openFromHash());
    relabel();
    await load();
}

async function load() {
    try {
        desk.event = await call(desk.token, 'GET', '/api/event');
    } catch (e) {
        if (e.status === 401 || e.status === 403) {
            $('token-gate').hidden = false;
            $('token-error').textContent = desk.token ? t('token.bad') : '';
            return;
        }
        showMessage(false, e.message);
        return;
    }
    setEventOffset(desk.event.utc_offset_minutes, desk.event.offset_changes);
    $('event-name').textContent = desk.event.name;
    fillHalls();
    await detectRole();
    $('search').focus();
    openFromHash();
}

// What this token may do: GET /api/whoami answers "staff" or "viewer".
async function detectRole() {
    try {
        const me = await call(desk.token, 'GET', '/api/whoami');
        desk.role = me.role === 'staff' ? 'staff' : 'viewer';
    } catch (e) {
        desk.role = 'unknown';
    }
    renderRole();
}

function renderRole() {
    const pill = $('desk-role');
    pill.textContent = desk.role === 'staff' ? t('desk.role_staff') : desk.role === 'viewer' ? t('desk.role_viewer') : '';
    pill.className = `conn-pill ${desk.role === 'staff' ? 'conn-live' : desk.role === 'viewer' ? 'conn-down' : ''}`;
    pill.hidden = desk.role === 'unknown' || desk.role === 'pending';
    const note = $('role-note');
    note.hidden = desk.role === 'staff' || desk.role === 'pending';
    note.textContent = desk.role === 'viewer' ? t('desk.viewer_only') : t('desk.role_unknown');
    updateButtons();
}

function updateButtons() {
    const canAct = (desk.role === 'staff' || desk.role === 'unknown') && !desk.busy && desk.person !== null;
    for (const b of document.querySelectorAll('.staff-action')) b.disabled = !canAct;
    for (const b of document.querySelectorAll('button.annul')) b.disabled = !canAct;
}

function fillHalls() {
    const sel = $('hall');
    const keep = sel.value;
    sel.replaceChildren(...(desk.event?.halls || []).map((h) => el('option', { value: h.id, text: placeName(h.id, h.name) })));
    if (keep) sel.value = keep;
}

function hallName(id) {
    const h = (desk.event?.halls || []).find((x) => x.id === id);
    return placeName(id, h ? h.name : id);
}

function categoryOf(id) {
    return (desk.event?.categories || []).find((c) => c.id === id);
}

// ---- search -------------------------------------------------------------------------

async function search() {
    const q = $('search').value.trim();
    desk.query = q;
    const seq = ++desk.search_seq;
    if (!q) {
        desk.results = [];
        renderResults();
        return;
    }
    try {
        const data = await call(desk.token, 'GET', `/api/attendees?q=${encodeURIComponent(q)}`);
        if (seq !== desk.search_seq) return;  // a newer search is under way
        desk.results = data.results || [];
        renderResults();
    } catch (e) {
        if (seq !== desk.search_seq) return;
        desk.results = [];
        renderResults();
        $('search-count').textContent = t('desk.error', { msg: e.message });
    }
}

function renderResults() {
    const list = $('results');
    $('search-count').textContent = desk.query
        ? (desk.results.length ? t('desk.results', { n: desk.results.length }) : t('desk.no_results'))
        : '';
    list.replaceChildren(...desk.results.map((r) => {
        const cat = categoryOf(r.category);
        const where = r.inside_hall
            ? el('span', { class: 'r-where', text: hallName(r.inside_hall) })
            : el('span', { class: 'r-where out', text: t('desk.outside') });
        return el('li', {},
            el('button', {
                type: 'button', 'data-testid': `result-${r.id}`, 'data-attendee': r.id,
                'aria-current': desk.person?.id === r.id ? 'true' : 'false',
                onclick: () => { location.hash = encodeURIComponent(r.id); },
            },
            el('span', { class: 'r-name', text: r.name }), where,
            el('span', { class: 'r-sub', text: [cat ? cat.name : r.category, r.organisation,
                [r.city, r.country].filter(Boolean).join(', '), r.id].filter(Boolean).join(' · ') })));
    }));
}

// ---- one person -----------------------------------------------------------------------

function openFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && desk.event && id !== desk.person?.id) openPerson(id);
}

async function openPerson(id, keepMessage = false) {
    if (!keepMessage) hideMessage();
    try {
        const p = await call(desk.token, 'GET', `/api/attendees/${encodeURIComponent(id)}`);
        if (desk.person?.id !== p.id) desk.badge = null;
        desk.person = p;
        if (p.inside_hall) $('hall').value = p.inside_hall;
    } catch (e) {
        showMessage(false, t('desk.error', { msg: e.message }));
        return;
    }
    renderPerson();
    renderResults();
}

function renderPerson() {
    const p = desk.person;
    $('person-empty').hidden = p !== null;
    $('person-body').hidden = p === null;
    if (!p) return;
    $('person-name').textContent = p.name;
    $('person-id').textContent = p.id;
    const cat = categoryOf(p.category);
    const chip = el('span', { class: 'cat-chip' });
    if (cat?.colour) chip.style.background = cat.colour;
    $('person-category').replaceChildren(chip, cat ? cat.name : p.category);
    $('person-org').textContent = p.organisation || t('common.dash');
    $('person-city').textContent = [p.city, p.country].filter(Boolean).join(', ') || t('common.dash');
    const where = $('person-where');
    where.textContent = p.inside_hall ? hallName(p.inside_hall) : t('desk.outside');
    where.className = `where-now${p.inside_hall ? '' : ' out'}`;
    $('person-badge').textContent = String(p.badge_version ?? t('common.dash'));
    const link = $('badge-link');
    link.hidden = desk.role === 'viewer';
    link.href = `/api/attendees/${encodeURIComponent(p.id)}/badge.pdf?token=${encodeURIComponent(desk.token)}`;
    link.textContent = t('desk.badge_pdf', { v: p.badge_version });
    link.className = desk.badge ? 'tag fresh' : 'tag';

    const body = $('history-body');
    const scans = [...(p.scans || [])].reverse();  // newest first
    if (!scans.length) {
        body.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'muted', text: t('desk.no_scans') })));
    } else {
        body.replaceChildren(...scans.map((s) => {
            const details = [s.explanation || (s.admitted ? '' : s.reason)];
            if (s.warning) details.push(s.warning);
            if (s.actor) details.push(`${s.actor}${s.note ? `: ${s.note}` : ''}`);
            const annul = s.annulled
                ? el('span', { class: 'tag', text: t('desk.annulled') })
                : el('button', {
                    type: 'button', class: 'annul', 'data-testid': `annul-${s.scan_id}`,
                    text: t('desk.annul'), onclick: () => annulScan(s.scan_id),
                });
            return el('tr', { class: s.annulled ? 'annulled' : '', 'data-testid': 'scan-row', 'data-scan': s.scan_id },
                el('td', { class: 'mono', text: eventDateTime(s.server_time) }),
                el('td', {}, hallName(s.hall_id),
                    s.station_id ? el('span', { class: 'tag mono', text: s.station_id }) : null),
                el('td', {}, t(`desk.${s.direction}`),
                    s.kind !== 'badge' ? el('span', { class: 'tag', text: s.kind }) : null,
                    s.offline ? el('span', { class: 'tag', text: 'offline' }) : null),
                el('td', { class: s.admitted ? 'verdict-ok' : 'verdict-no', text: t(s.admitted ? 'desk.admitted' : 'desk.refused') }),
                el('td', { text: details.filter(Boolean).join(' · ') }),
                el('td', {}, annul));
        }));
    }
    updateButtons();
}

// ---- actions --------------------------------------------------------------------------------

function actorAndReason() {
    const actor = $('actor').value.trim();
    const reason = $('reason').value.trim();
    if (!actor || !reason) {
        showMessage(false, t('desk.need_reason'));
        (!actor ? $('actor') : $('reason')).focus();
        return null;
    }
    localStorage.setItem(ACTOR_KEY, actor);
    return { actor, reason };
}

async function act(fn) {
    if (desk.busy) return;
    desk.busy = true;
    updateButtons();
    try {
        await fn();
    } catch (e) {
        showMessage(false, t('desk.error', { msg: e.message }));
    } finally {
        desk.busy = false;
        updateButtons();
    }
}

function manual(direction) {
    const p = desk.person;
    const who = actorAndReason();
    if (!p || !who) return;
    const hall = $('hall').value;
    return act(async () => {
        const r = await call(desk.token, 'POST', '/api/checkin',
            { attendee_id: p.id, hall_id: hall, direction, actor: who.actor, reason: who.reason });
        const dir = t(`desk.${direction}`);
        if (r && r.admitted === false) {
            showMessage(false, t('desk.error', { msg: r.explanation || r.reason }));
        } else {
            showMessage(true, t('desk.done_checkin', {
                name: p.name, dir, hall: hallName(hall), inside: r?.inside ?? '?', capacity: r?.capacity ?? '?',
            }));
            $('reason').value = '';
        }
        await openPerson(p.id, true);
        if (desk.query) search();
    });
}

function annulScan(scanId) {
    const p = desk.person;
    const who = actorAndReason();
    if (!p || !who) return;
    if (!window.confirm(t('desk.confirm_annul', { id: scanId }))) return;
    return act(async () => {
        await call(desk.token, 'POST', `/api/scans/${encodeURIComponent(scanId)}/annul`, who);
        showMessage(true, t('desk.done_annul', { id: scanId }));
        $('reason').value = '';
        await openPerson(p.id, true);
        if (desk.query) search();
    });
}

function reissue() {
    const p = desk.person;
    const who = actorAndReason();
    if (!p || !who) return;
    if (!window.confirm(t('desk.confirm_reissue', { name: p.name }))) return;
    return act(async () => {
        const r = await call(desk.token, 'POST', `/api/attendees/${encodeURIComponent(p.id)}/reissue`, who);
        desk.badge = { version: r.badge_version };
        showMessage(true, t('desk.done_reissue', { v: r.badge_version, name: p.name }));
        $('reason').value = '';
        await openPerson(p.id, true);
    });
}

function showMessage(ok, text) {
    const m = $('desk-message');
    m.hidden = false;
    m.className = `message ${ok ? 'ok' : 'err'}`;
    m.textContent = text;
}

function hideMessage() {
    $('desk-message').hidden = true;
}

function relabel() {
    applyLabels();
    $('lang-toggle').textContent = t('lang.toggle');
    document.title = `admit: ${t('app.desk')}`;
    fillHalls();
    renderRole();
    renderResults();
    if (desk.person) renderPerson();
}

start();
