// The help desk: find an attendee (Hangul or Latin, partial), see where they
// are and their scans, check them in or out by hand, annul a scan, reissue a
// badge and print it. Staff only for actions: a personal credential (`admit
// staff add NAME`, whose name the server records) or a shared staff token
// (then the person types their name). A viewer token can search and look;
// it is offered to sign in as staff (the server refuses actions with 403 anyway).

import {
    call, takeToken, setToken, initLang, getLang, setLang, t, placeName, applyLabels, addLabels,
    setEventOffset, eventDateTime, el,
} from './common.js';
import { desk_labels } from './desk_labels.js';

addLabels(desk_labels);

const ACTOR_KEY = 'admit.desk.actor';

const desk = {
    token: '',
    role: 'pending',     // pending | staff | viewer | unknown
    name: '',            // the person a personal staff credential names; '' for a shared token
    event: null,
    results: [],
    total: 0,            // matches in all (the server sends the first 50)
    query: '',
    search_seq: 0,
    person: null,        // GET /api/attendees/{id}
    busy: false,
    reissued: null,      // {id, version} after a reissue: the "print new badge" action
    override: null,      // {direction, hall, rule} while a rule-breaking check-in waits for a decision
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
        signIn($('token-input').value.trim());
    });
    $('token-cancel').addEventListener('click', () => { $('token-gate').hidden = true; });
    $('btn-signin').addEventListener('click', openSignIn);
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
    $('btn-override').addEventListener('click', () => manual(desk.override.direction, desk.override.hall, true));
    $('btn-override-cancel').addEventListener('click', hideOverride);
    $('btn-reissue').addEventListener('click', reissue);
    $('btn-print-badge').addEventListener('click', () => act(downloadBadge));
    $('badge-pdf').addEventListener('click', () => act(downloadBadge));
    window.addEventListener('hashchange', () => openFromHash());
    relabel();
    await load();
}

async function load() {
    try {
        desk.event = await call(desk.token, 'GET', '/api/event');
    } catch (e) {
        if (e.status === 401 || e.status === 403) {
            showGate(false);
            $('token-error').textContent = desk.token ? t('token.bad') : '';
            return;
        }
        showMessage('err', e.message);
        return;
    }
    setEventOffset(desk.event.utc_offset_minutes, desk.event.offset_changes);
    $('event-name').textContent = desk.event.name;
    fillHalls();
    await detectRole();
    $('search').focus();
    openFromHash();
}

// ---- who is at the desk -------------------------------------------------------------

// What this token may do: GET /api/whoami answers the role, and the name of a personal credential.
async function detectRole() {
    try {
        const me = await call(desk.token, 'GET', '/api/whoami');
        desk.role = me.role === 'staff' ? 'staff' : 'viewer';
        desk.name = me.name || '';
    } catch (e) {
        desk.role = 'unknown';
        desk.name = '';
    }
    renderRole();
}

// The sign-in form: first visit (no token), or a viewer signing in as staff, or switching person.
function showGate(cancellable) {
    const gate = $('token-gate');
    gate.hidden = false;
    $('token-cancel').hidden = !cancellable;
    $('token-title').textContent = cancellable ? t('desk.signin_title') : t('token.title');
    $('token-help').textContent = cancellable ? t('desk.signin_help') : t('token.help');
    $('token-input').value = '';
    $('token-input').focus();
}

function openSignIn() {
    $('token-error').textContent = '';
    showGate(true);
}

// Tries a credential with GET /api/whoami before keeping it, so a mistyped
// one leaves the current sign-in as it was.
async function signIn(token) {
    if (!token) return;
    let me;
    try {
        me = await call(token, 'GET', '/api/whoami');
    } catch (e) {
        $('token-error').textContent = e.status === 401 || e.status === 403 ? t('desk.signin_refused') : e.message;
        return;
    }
    setToken(token);
    desk.token = token;
    $('token-gate').hidden = true;
    $('token-error').textContent = '';
    hideOverride();
    if (me.role !== 'staff') showMessage('err', t('desk.signin_viewer'));
    if (!desk.event) {
        await load();
        return;
    }
    await detectRole();
    if (desk.person) await openPerson(desk.person.id, true);
}

function renderRole() {
    const pill = $('desk-role');
    const staff = desk.role === 'staff';
    pill.textContent = staff
        ? (desk.name ? t('desk.role_staff_named', { name: desk.name }) : t('desk.role_staff_shared'))
        : desk.role === 'viewer' ? t('desk.role_viewer') : '';
    pill.className = `conn-pill ${staff ? 'conn-live' : desk.role === 'viewer' ? 'conn-down' : ''}`;
    pill.hidden = desk.role === 'unknown' || desk.role === 'pending';
    const signin = $('btn-signin');
    signin.hidden = desk.role === 'pending';
    signin.textContent = staff ? t('desk.switch') : t('desk.signin');
    signin.className = staff ? '' : 'primary';
    const note = $('role-note');
    note.hidden = staff || desk.role === 'pending';
    note.textContent = desk.role === 'viewer' ? t('desk.viewer_only') : t('desk.role_unknown');
    // A personal credential says who is acting; a shared token needs the name typed.
    $('actor-label').hidden = staff && desk.name !== '';
    $('signed-in').hidden = !(staff && desk.name);
    $('signed-in').textContent = desk.name ? t('desk.signed_in_as', { name: desk.name }) : '';
    updateButtons();
}

function canAct() {
    return (desk.role === 'staff' || desk.role === 'unknown') && !desk.busy && desk.person !== null;
}

function updateButtons() {
    const ok = canAct();
    for (const b of document.querySelectorAll('.staff-action, button.annul, #btn-override, #btn-print-badge, #badge-pdf')) {
        b.disabled = !ok;
    }
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
        desk.total = 0;
        renderResults();
        return;
    }
    try {
        const data = await call(desk.token, 'GET', `/api/attendees?q=${encodeURIComponent(q)}`);
        if (seq !== desk.search_seq) return;  // a newer search is under way
        desk.results = data.results || [];
        desk.total = Math.max(data.total ?? 0, desk.results.length);
        renderResults();
    } catch (e) {
        if (seq !== desk.search_seq) return;
        desk.results = [];
        desk.total = 0;
        renderResults();
        $('search-count').textContent = t('desk.error', { msg: e.message });
    }
}

function resultsText() {
    if (!desk.query) return '';
    if (!desk.results.length) return t('desk.no_results');
    if (desk.total > desk.results.length) return t('desk.results_first', { n: desk.results.length, total: desk.total });
    return t('desk.results', { n: desk.results.length });
}

function renderResults() {
    const list = $('results');
    $('search-count').textContent = resultsText();
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
    if (!keepMessage) {
        hideMessage();
        hideOverride();
    }
    try {
        const p = await call(desk.token, 'GET', `/api/attendees/${encodeURIComponent(id)}`);
        if (desk.person?.id !== p.id) {
            desk.reissued = null;
            hideOverride();
        }
        desk.person = p;
        if (p.inside_hall) $('hall').value = p.inside_hall;
    } catch (e) {
        showMessage('err', t('desk.error', { msg: e.message }));
        return;
    }
    renderPerson();
    renderResults();
}

// "the entry at Art Hall 2 at 09-25 17:02:11": a scan as staff know it, never by its internal id.
function scanWords(s) {
    return t('desk.annul_what', { dir: t(`desk.${s.direction}`), hall: hallName(s.hall_id), time: eventDateTime(s.server_time) });
}

function scanRow(s) {
    const details = [s.explanation || (s.admitted ? '' : s.reason)];
    if (s.actor) details.push(`${s.actor}${s.note ? `: ${s.note}` : ''}`);
    // Only an admitted scan moved someone; annulling a refusal would change nothing.
    let last = null;
    if (s.annulled) last = el('span', { class: 'tag', text: t('desk.annulled') });
    else if (s.admitted) {
        last = el('button', {
            type: 'button', class: 'annul', 'data-testid': `annul-${s.scan_id}`,
            text: t('desk.annul'), onclick: () => annulScan(s),
        });
    }
    return el('tr', { class: s.annulled ? 'annulled' : '', 'data-testid': 'scan-row', 'data-scan': s.scan_id },
        el('td', { class: 'mono', text: eventDateTime(s.server_time) }),
        el('td', {}, hallName(s.hall_id),
            s.station_id ? el('span', { class: 'tag mono', text: s.station_id }) : null),
        el('td', {}, t(`desk.${s.direction}`),
            s.kind === 'manual' ? el('span', { class: 'tag', text: t('desk.manual_tag') }) : null,
            s.kind === 'clear' ? el('span', { class: 'tag', text: s.kind }) : null,
            s.offline ? el('span', { class: 'tag', text: 'offline' }) : null),
        el('td', { class: s.admitted ? 'verdict-ok' : 'verdict-no', text: t(s.admitted ? 'desk.admitted' : 'desk.refused') }),
        el('td', { class: 'details', 'data-testid': 'scan-details', text: details.filter(Boolean).join(' · ') }),
        el('td', {}, last));
}

// A staff action on this person (annulment, reissue, override) from the audit log.
function actionRow(a, scansById) {
    const scan = a.scan_id ? scansById.get(a.scan_id) : null;
    const label = t(`desk.action_${a.action}`);
    const what = scan ? `${scanWords(scan)} · ` : '';
    return el('tr', { class: 'action-row', 'data-testid': 'action-row', 'data-action': a.action },
        el('td', { class: 'mono', text: eventDateTime(a.at) }),
        el('td', {}, scan ? hallName(scan.hall_id) : ''),
        el('td', { text: label }),
        el('td', {}),
        el('td', { class: 'details', text: `${what}${a.actor}: ${a.note}` }),
        el('td', {}));
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
    const pdf = $('badge-pdf');
    pdf.hidden = desk.role === 'viewer';
    pdf.textContent = t('desk.badge_pdf_button', { v: p.badge_version });
    const fresh = desk.reissued && desk.reissued.id === p.id;
    $('print-badge-box').hidden = !fresh;
    $('btn-print-badge').textContent = t('desk.print_badge', { v: p.badge_version });

    // Newest first: scans and the staff actions on them, together.
    const scans = p.scans || [];
    const scansById = new Map(scans.map((s) => [s.scan_id, s]));
    const rows = [
        ...scans.map((s) => ({ at: s.server_time, row: () => scanRow(s) })),
        ...(p.actions || []).map((a) => ({ at: a.at, row: () => actionRow(a, scansById) })),
    ].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
    const body = $('history-body');
    if (!rows.length) {
        body.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'muted', text: t('desk.no_scans') })));
    } else {
        body.replaceChildren(...rows.map((r) => r.row()));
    }
    updateButtons();
}

// ---- actions --------------------------------------------------------------------------------

// Who is acting and why. A personal credential names the person (the server
// records that name); a shared token needs it typed.
function actorAndReason() {
    const named = desk.role === 'staff' && desk.name;
    const actor = named ? '' : $('actor').value.trim();
    const reason = $('reason').value.trim();
    if (!named && !actor) {
        showMessage('err', t('desk.need_actor'));
        $('actor').focus();
        return null;
    }
    if (!reason) {
        showMessage('err', t('desk.need_reason'));
        $('reason').focus();
        return null;
    }
    if (actor) localStorage.setItem(ACTOR_KEY, actor);
    return named ? { reason } : { actor, reason };
}

async function act(fn) {
    if (desk.busy) return;
    desk.busy = true;
    updateButtons();
    try {
        await fn();
    } catch (e) {
        showMessage('err', t('desk.error', { msg: e.message }));
    } finally {
        desk.busy = false;
        updateButtons();
    }
}

// What the server did, in words: for an exit that is not where the person
// was, the hall they were removed from, with the server's own warning.
function describeCheckin(r, p, hall, direction) {
    const vars = { name: p.name, hall: hallName(hall), inside: r.inside ?? '?', capacity: r.capacity ?? '?' };
    const said = r.explanation ? ` ${t('desk.server_said', { text: r.explanation })}` : '';
    if (direction === 'exit') {
        if (!r.admitted && r.reason === 'not_inside') return { kind: 'warn', text: t('desk.not_inside', vars) + said };
        if (!r.admitted) return { kind: 'err', text: t('desk.error', { msg: r.explanation || r.reason }) };
        if (r.moved_from && r.moved_from !== hall) {
            return { kind: 'warn', text: t('desk.done_exit_elsewhere', { ...vars, from: hallName(r.moved_from) }) + said };
        }
        return { kind: 'ok', text: t('desk.done_exit', vars) };
    }
    if (!r.admitted) return { kind: 'err', text: t('desk.error', { msg: r.explanation || r.reason }) };
    let text = r.moved_from
        ? t('desk.done_entry_moved', { ...vars, from: hallName(r.moved_from) })
        : t('desk.done_entry', vars);
    if (r.overridden_explanation) text += ` ${t('desk.overridden', { rule: r.overridden_explanation })}`;
    return { kind: r.overridden_explanation ? 'warn' : 'ok', text };
}

function manual(direction, hallAsked, override = false) {
    const p = desk.person;
    const who = actorAndReason();
    if (!p || !who) return;
    const hall = hallAsked || $('hall').value;
    return act(async () => {
        let r;
        try {
            r = await call(desk.token, 'POST', '/api/checkin', { attendee_id: p.id, hall_id: hall, direction, ...who, override });
        } catch (e) {
            // The doors would refuse this: show the rule and wait for an explicit override.
            if (e.status === 409 && e.data?.needs_override) {
                showOverride(direction, hall, e.data.rule_explanation);
                return;
            }
            throw e;
        }
        hideOverride();
        const said = describeCheckin(r, p, hall, direction);
        showMessage(said.kind, said.text);
        if (r.admitted) $('reason').value = '';
        await openPerson(p.id, true);
        if (desk.query) search();
    });
}

function showOverride(direction, hall, rule) {
    desk.override = { direction, hall, rule };
    hideMessage();
    $('override').hidden = false;
    $('override-rule').textContent = rule;
    $('btn-override').focus();
}

function hideOverride() {
    desk.override = null;
    $('override').hidden = true;
}

function annulScan(s) {
    const p = desk.person;
    const who = actorAndReason();
    if (!p || !who) return;
    const what = scanWords(s);
    if (!window.confirm(t('desk.confirm_annul_scan', { what }))) return;
    return act(async () => {
        await call(desk.token, 'POST', `/api/scans/${encodeURIComponent(s.scan_id)}/annul`, who);
        showMessage('ok', t('desk.done_annul_scan', { what }));
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
        desk.reissued = { id: p.id, version: r.badge_version };
        showMessage('ok', t('desk.done_reissue', { v: r.badge_version, name: p.name }));
        $('reason').value = '';
        await openPerson(p.id, true);
        $('btn-print-badge').focus();
    });
}

// The badge PDF, fetched with the token in the Authorization header (never in
// an address, where it would land in history, logs and the printer queue) and
// saved from a blob.
async function downloadBadge() {
    const p = desk.person;
    const res = await fetch(`/api/attendees/${encodeURIComponent(p.id)}/badge.pdf`, {
        headers: desk.token ? { Authorization: `Bearer ${desk.token}` } : {},
        cache: 'no-store',
        signal: AbortSignal.timeout(30000),
    });
    if (!res.ok) {
        let msg = `${res.status} ${res.statusText}`;
        try { msg = (await res.json()).error || msg; } catch { /* not JSON */ }
        throw new Error(msg);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: `badge-${p.id}-v${p.badge_version}.pdf`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    showMessage('ok', t('desk.badge_ready', { v: p.badge_version, name: p.name }));
}

function showMessage(kind, text) {
    const m = $('desk-message');
    m.hidden = false;
    m.className = `message ${kind}`;
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
