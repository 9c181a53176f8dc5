// The door screen: renders what admit-scanner pushes over /ws. Every event
// carries "seq"; a page ignores what it already saw (a greeting and a live
// event may overlap). Nothing here decides: the kiosk did; this page shows it
// large, in the door language, with a tone, and keeps the last five in view.
'use strict';

(() => {
    const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
    const params = new URLSearchParams(location.search);
    const state = {
        config: { lang: 'ko', volume: 0.8, mute: false, idle_s: 8, input: 'keyboard', servers: [], version: '' },
        status: null,
        scans: [],       // the last five, oldest first
        current: null,   // the scan on screen, or null (idle)
        lastSeq: -1,
        idleTimer: 0,
        connected: false,
    };
    // For tests and the benchmark: when each scan was painted (Date.now(), same clock as kiosk_ms).
    window.__door = { shown: [], tones: [], state };

    const lang = () => {
        const l = params.get('lang') || state.config.lang;
        return window.DOOR_STRINGS[l] ? l : 'en';
    };
    const t = () => window.DOOR_STRINGS[lang()];

    // ---- tones (WebAudio): admitted one high beep, warning two middle, refused a low buzz
    let audio = null;
    const tonePlans = {
        admitted: [[1046, 0, 0.14, 'sine']],
        warning: [[784, 0, 0.12, 'triangle'], [587, 0.16, 0.16, 'triangle']],
        refused: [[196, 0, 0.22, 'square'], [196, 0.3, 0.22, 'square']],
    };
    // Made before the first scan: creating it takes a good part of a frame.
    function warmAudio() {
        if (audio || state.config.mute) return;
        try { audio = new AudioContext(); } catch { /* no audio device */ }
    }
    function tone(kind) {
        window.__door.tones.push(kind);
        if (state.config.mute || state.config.volume <= 0) return;
        try {
            warmAudio();
            if (audio.state === 'suspended') audio.resume();
            const now = audio.currentTime;
            for (const [freq, at, length, type] of tonePlans[kind] || []) {
                const osc = audio.createOscillator();
                const gain = audio.createGain();
                osc.type = type;
                osc.frequency.value = freq;
                gain.gain.setValueAtTime(0, now + at);
                gain.gain.linearRampToValueAtTime(0.4 * state.config.volume, now + at + 0.01);
                gain.gain.setValueAtTime(0.4 * state.config.volume, now + at + length - 0.02);
                gain.gain.linearRampToValueAtTime(0, now + at + length);
                osc.connect(gain).connect(audio.destination);
                osc.start(now + at);
                osc.stop(now + at + length + 0.02);
            }
        } catch {
            // No audio device: the colours still say it.
        }
    }

    // ---- formatting
    const pad = (n) => String(n).padStart(2, '0');
    const clock = (ms) => { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; };
    function age(ms) {
        const s = Math.max(0, Math.round(ms / 1000));
        if (s < 90) return `${s}${t().age_s}`;
        if (s < 90 * 60) return `${Math.round(s / 60)}${t().age_m}`;
        if (s < 36 * 3600) return `${Math.round(s / 3600)}${t().age_h}`;
        return `${Math.round(s / 86400)}${t().age_d}`;
    }
    function span(ms) {
        const s = Math.abs(ms) / 1000;
        if (s < 90) return `${Math.round(s)} s`;
        if (s < 5400) return `${Math.round(s / 60)} min`;
        if (s < 129600) return `${Math.round(s / 3600)} h`;
        return `${Math.round(s / 86400)} d`;
    }

    // What to say for a scan: [headline, what to do]; from codes only.
    function words(scan) {
        const s = t();
        if (scan.repeat) return scan.admitted ? s.repeat_admitted : s.repeat_refused;
        if (scan.duplicate) return s.duplicate;
        if (scan.admitted && scan.warning) return s.admitted_warning;
        if (scan.admitted && scan.offline) return s.admitted_offline;
        if (scan.admitted) return s.ok;
        return s.reasons[scan.reason] || [scan.reason || '?', s.reasons.unknown_badge[1]];
    }

    // Shrinks the text until it fits its box (long names, narrow panels).
    function fit(el, maxPx, minPx) {
        let size = maxPx;
        el.style.fontSize = `${size}px`;
        const box = el.parentElement;
        while (size > minPx && (el.scrollWidth > box.clientWidth || el.scrollHeight > box.clientHeight)) {
            size = Math.max(minPx, Math.floor(size * 0.92));
            el.style.fontSize = `${size}px`;
        }
    }

    // Runs fn right after the frame being drawn (a message, unlike a timer, is
    // not held back to a one-second beat when Chromium thinks the tab is in the background).
    function afterPaint(fn) {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => fn();
        channel.port2.postMessage(0);
    }

    // ---- status bar
    function renderStatus() {
        const st = state.status;
        const s = t();
        if (!st) return;
        $('status-station').textContent = st.station || '—';
        $('status-hall').textContent = st.hall || '';
        $('status-direction').textContent = st.direction === 'entry' ? s.entry : st.direction === 'exit' ? s.exit : (st.direction || '');
        const link = $('status-link');
        link.dataset.online = String(!!st.online);
        if (st.online) {
            link.textContent = `${s.online} ${st.server}`;
        } else {
            const since = st.offline_since_ms ? ` ${s.offline_since} ${clock(st.offline_since_ms)} (${age(Date.now() - st.offline_since_ms)})` : '';
            link.textContent = `${s.offline}${since}`;
        }
        const backlog = $('status-backlog');
        backlog.textContent = `${s.outbox} ${st.backlog}`;
        backlog.dataset.backlog = String(st.backlog);
        // Rules age on the kiosk's clock: the server's time of making, moved by the measured skew.
        const rules = $('status-rules');
        if (!st.rules) rules.textContent = s.no_rules;
        else rules.textContent = `${s.rules} ${age(Date.now() - (st.rules_fetched_ms - (st.clock_skew_ms || 0)))}`;
        const skew = $('status-clock');
        skew.hidden = !st.clock_warning;
        skew.textContent = st.clock_warning ? `⚠ ${s.clock} ${span(st.clock_skew_ms)}` : '';
        const notice = $('status-notice');
        notice.textContent = st.notice || '';
        notice.dataset.kind = st.notice_kind || '';
        $('door-idle-count').textContent = st.capacity > 0 ? `${st.hall} ${st.inside} / ${st.capacity}` : (st.hall || '');
    }

    // ---- the verdict
    function renderIdle() {
        const s = t();
        state.current = null;
        document.body.dataset.state = 'idle';
        $('door-verdict').dataset.state = 'idle';
        $('door-prompt').textContent = s[`idle_${state.config.input}`] || s.idle_keyboard;
        // The live preview only where a camera reads the badges.
        $('door-preview').hidden = state.config.input !== 'camera' && state.config.input !== 'raw';
    }

    function renderScan(scan, { fresh }) {
        const s = t();
        state.current = scan;
        document.body.dataset.state = scan.state;
        const v = $('door-verdict');
        v.dataset.state = scan.state;
        v.dataset.n = String(scan.n);
        $('door-word').textContent = s[scan.state];
        const name = $('door-name');
        name.textContent = scan.name || '';
        const cat = $('door-category');
        cat.hidden = !scan.category;
        cat.querySelector('span').textContent = scan.category || '';
        cat.querySelector('i').style.background = scan.category_colour || 'transparent';
        const [what, todo] = words(scan);
        $('door-reason').textContent = what;
        $('door-do').textContent = todo;
        $('door-count').textContent = scan.capacity > 0 ? `${scan.hall || (state.status && state.status.hall) || ''} ${scan.inside} / ${scan.capacity}` : '';
        const tags = [];
        if (scan.offline) tags.push(s.offline_tag);
        if (scan.duplicate) tags.push(s.duplicate_tag);
        if (scan.reissued) tags.push(s.reissued_tag);
        $('door-tags').textContent = tags.join(' · ');
        $('door-counter').textContent = `#${scan.n} · ${clock(scan.kiosk_ms)}`;
        const short = Math.min(window.innerWidth, window.innerHeight);
        fit(name, Math.round(short * 0.2), 14);
        // Replays the flash so two refusals in a row are visibly two.
        v.classList.remove('flash');
        void v.offsetWidth;
        v.classList.add('flash');
        clearTimeout(state.idleTimer);
        const left = state.config.idle_s * 1000 - (Date.now() - scan.kiosk_ms);
        state.idleTimer = setTimeout(renderIdle, Math.max(0, left));
        if (fresh) {
            // Painted at the next frame: that is when the door sees it. The tone
            // follows at once (starting audio first would hold the paint back).
            requestAnimationFrame(() => afterPaint(() => {
                const now = Date.now();
                window.__door.shown.push({
                    n: scan.n, kiosk_ms: scan.kiosk_ms, sent_ms: scan.sent_ms, received_ms: scan.received_ms,
                    shown_ms: now, ms: now - scan.kiosk_ms,
                });
                tone(scan.state);
            }));
        }
    }

    function renderStrip() {
        const strip = $('last-scans');
        strip.textContent = '';
        const s = t();
        for (const scan of [...state.scans].reverse()) {
            const tile = document.createElement('button');
            tile.className = 'tile';
            tile.dataset.state = scan.state;
            tile.dataset.testid = 'last-scan';
            tile.dataset.n = String(scan.n);
            const [what] = words(scan);
            tile.innerHTML = '<b></b><span></span><small></small>';
            tile.querySelector('b').textContent = scan.name || what;
            tile.querySelector('span').textContent = `${s[scan.state]} · ${what}`;
            tile.querySelector('small').textContent = `#${scan.n} ${clock(scan.kiosk_ms)}`;
            tile.addEventListener('click', (e) => { e.stopPropagation(); showDetails(scan); });
            strip.appendChild(tile);
        }
    }

    // ---- overlays (touch: details of the last scan; long-press: the status page)
    function sheet(testid, title, rows) {
        const o = $(testid);
        o.querySelector('h2').textContent = title;
        const dl = o.querySelector('dl');
        dl.textContent = '';
        for (const [k, v] of rows) {
            const dt = document.createElement('dt');
            dt.textContent = k;
            const dd = document.createElement('dd');
            dd.textContent = v;
            dl.append(dt, dd);
        }
        o.querySelector('.close').textContent = t().close;
        o.hidden = false;
    }
    function showDetails(scan) {
        if (!scan) return;
        const s = t();
        sheet('door-details', `${s.details} #${scan.n}`, [
            [s.f_time, clock(scan.kiosk_ms)],
            [s.f_attendee, scan.attendee_id || '—'],
            [s.f_reason, scan.reason || '—'],
            [s.f_explanation, scan.explanation || '—'],
            [s.f_source, scan.offline ? s.src_offline : `${s.src_server} ${scan.server || ''}`],
            [s.f_latency, scan.latency_ms !== undefined ? `${Math.round(scan.latency_ms)} ms` : '—'],
            [s.f_scan, scan.scan_id || (scan.repeat_of ? `= ${scan.repeat_of}` : '—')],
        ]);
    }
    function showStatusPage() {
        const s = t();
        const st = state.status || {};
        sheet('door-status-page', s.status_page, [
            [s.f_servers, (state.config.servers || []).join(', ')],
            [s.f_current, `${st.online ? s.online : s.offline} ${st.server || ''}`],
            [s.f_outbox, String(st.backlog ?? '—')],
            [s.f_rules, st.rules ? `${age(Date.now() - (st.rules_fetched_ms - (st.clock_skew_ms || 0)))}` : s.no_rules],
            [s.f_clock, st.clock_skew_ms === null || st.clock_skew_ms === undefined ? '—' : span(st.clock_skew_ms)],
            [s.f_conflicts, String(st.conflicts ?? 0)],
            [s.f_pages, `${st.pages ?? '—'} (${st.dropped ?? 0} dropped)`],
            [s.f_version, `admit-scanner ${state.config.version}`],
        ]);
    }
    for (const o of document.querySelectorAll('.overlay')) o.addEventListener('click', () => { o.hidden = true; });
    $('door-verdict').addEventListener('click', () => showDetails(state.current || state.scans[state.scans.length - 1]));
    // The hidden long-press: hold the status bar for 1.5 s.
    let press = 0;
    const bar = $('door-status');
    bar.addEventListener('pointerdown', () => { press = setTimeout(showStatusPage, 1500); });
    for (const ev of ['pointerup', 'pointerleave', 'pointercancel']) bar.addEventListener(ev, () => clearTimeout(press));

    // ---- the camera preview: "ADMF", width, height (uint16 LE), grey bytes
    const canvas = document.getElementById('preview-canvas');
    function drawFrame(buffer) {
        const bytes = new Uint8Array(buffer);
        if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'ADMF') return;
        const w = bytes[4] | (bytes[5] << 8);
        const h = bytes[6] | (bytes[7] << 8);
        if (bytes.length < 8 + w * h) return;
        if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
        const ctx = canvas.getContext('2d');
        const img = ctx.createImageData(w, h);
        for (let i = 0; i < w * h; i++) {
            const g = bytes[8 + i];
            img.data[4 * i] = g; img.data[4 * i + 1] = g; img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
        window.__door.frames = (window.__door.frames || 0) + 1;
        drawOutlines(bytes.subarray(8 + w * h), w, h);
    }

    // The decoded codes' corners, outlined over the preview; kept a moment so the eye catches them.
    const outline = document.getElementById('preview-outline');
    let outlinedAt = 0;
    function drawOutlines(tail, w, h) {
        const count = tail.length > 0 ? tail[0] : 0;
        if (count === 0) {
            if (Date.now() - outlinedAt > 800) outline.textContent = '';
            return;
        }
        outline.setAttribute('viewBox', `0 0 ${w} ${h}`);
        outline.textContent = '';
        const u16 = (i) => tail[1 + 2 * i] | (tail[2 + 2 * i] << 8);
        for (let c = 0; c < count && tail.length >= 1 + (c + 1) * 16; c++) {
            const points = [0, 1, 2, 3].map((k) => `${u16(c * 8 + 2 * k)},${u16(c * 8 + 2 * k + 1)}`).join(' ');
            const poly = document.createElementNS('http://www.w3.org/2000/svg', 'polygon');
            poly.setAttribute('points', points);
            outline.appendChild(poly);
        }
        outlinedAt = Date.now();
        window.__door.outlines = (window.__door.outlines || 0) + 1;
    }

    // ---- events
    function apply(ev) {
        if (ev.type === 'config') {
            state.config = { ...state.config, ...ev };
            warmAudio();
            document.documentElement.lang = lang();
            if (!state.current) renderIdle();
            return;
        }
        if (ev.type === 'history') {
            state.scans = ev.scans || [];
            renderStrip();
            const last = state.scans[state.scans.length - 1];
            // A page that (re)connects shows a verdict still in its time, without a tone.
            if (last && Date.now() - last.kiosk_ms < state.config.idle_s * 1000) renderScan(last, { fresh: false });
            state.lastSeq = Math.max(state.lastSeq, ev.seq);
            return;
        }
        if (ev.seq <= state.lastSeq) return;
        state.lastSeq = ev.seq;
        if (ev.type === 'status') {
            state.status = ev;
            renderStatus();
        } else if (ev.type === 'scan') {
            state.scans.push(ev);
            if (state.scans.length > 5) state.scans.shift();
            renderScan(ev, { fresh: true });
            renderStrip();
        }
    }

    function connect() {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => {
            state.connected = true;
            state.lastSeq = -1;  // a new greeting follows
            $('door-conn').hidden = true;
        };
        ws.onmessage = (m) => {
            if (m.data instanceof ArrayBuffer) {
                drawFrame(m.data);
                return;
            }
            const received = Date.now();
            let ev;
            try { ev = JSON.parse(m.data); } catch { return; }
            ev.received_ms = received;
            apply(ev);
        };
        ws.onclose = () => {
            state.connected = false;
            const c = $('door-conn');
            c.textContent = t().disconnected;
            c.hidden = false;
            setTimeout(connect, 500);
        };
    }

    renderIdle();
    // Ages in the status bar move on their own.
    setInterval(renderStatus, 1000);
    connect();
})();
