// Shared by the dashboard and the help desk: the access token, API calls,
// Korean/English labels and time formatting. Plain ES module, no bundler.

const TOKEN_KEY = 'admit.token';
const LANG_KEY = 'admit.lang';

// The token comes from ?token= in the address (the demo prints such a link) and
// is remembered for this tab, then removed from the address bar so it does not
// end up in screenshots or bookmarks.
export function takeToken() {
    const url = new URL(window.location.href);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl) {
        sessionStorage.setItem(TOKEN_KEY, fromUrl);
        url.searchParams.delete('token');
        history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
    return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
}

export class api_error extends Error {
    constructor(status, message, data = null) {
        super(message);
        this.status = status;
        this.data = data;  // the server's JSON answer, when it sent one
    }
}

// fetch() with the bearer token; JSON in and out; a non-2xx answer throws an
// api_error carrying the server's {"error": "..."} text.
export async function call(token, method, path, body, timeout_ms = 8000) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeout_ms);
    let res;
    try {
        res = await fetch(path, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: ctl.signal,
            cache: 'no-store',
        });
    } catch (e) {
        throw new api_error(0, e.name === 'AbortError' ? 'no answer from the server' : 'the server cannot be reached');
    } finally {
        clearTimeout(timer);
    }
    const text = await res.text();
    let data = null;
    try {
        data = text ? JSON.parse(text) : null;
    } catch {
        data = null;
    }
    if (!res.ok) {
        const msg = data && data.error ? data.error : `${res.status} ${res.statusText}`;
        throw new api_error(res.status, msg, data);
    }
    return data;
}

// ---- labels -------------------------------------------------------------------

const labels = {
    en: {
        'app.dashboard': 'Live attendance',
        'app.desk': 'Help desk',
        'nav.dashboard': 'Dashboard',
        'nav.desk': 'Help desk',
        'lang.toggle': '한국어',
        'conn.live': 'Live',
        'conn.connecting': 'Connecting…',
        'conn.stale': 'Stale: live link down, reconnecting since {since} (attempt {n}). Numbers below may be old.',
        'conn.stale_short': 'Reconnecting',
        'conn.server_time': 'Server time',
        'token.title': 'Access token needed',
        'token.help': 'Open the link printed by the server (…/?token=…) or paste a viewer or staff token.',
        'token.placeholder': 'token',
        'token.use': 'Use token',
        'token.bad': 'The server refused this token.',
        'totals.event': 'Whole event',
        'totals.inside_of': '{inside} inside of {capacity}',
        'hall.inside': 'inside',
        'hall.capacity': 'capacity',
        'hall.admitted': 'admitted',
        'hall.refused': 'refused',
        'hall.full': 'FULL',
        'hall.nearly_full': 'Nearly full',
        'hall.session': 'Now',
        'hall.no_session': 'No session now',
        'hall.chart': 'Occupancy over time',
        'stations.title': 'Scanner stations',
        'stations.station': 'Station',
        'stations.hall': 'Hall',
        'stations.role': 'Role',
        'stations.status': 'Status',
        'stations.last_seen': 'Last seen',
        'stations.rate': 'Scans/min',
        'stations.backlog': 'Backlog',
        'stations.skew': 'Clock skew',
        'stations.online': 'online',
        'stations.offline': 'offline',
        'stations.unknown': 'unknown',
        'stations.never': 'never',
        'stations.none': 'No station data yet.',
        'role.entrance': 'entrance',
        'role.exit': 'exit',
        'role.both': 'entrance + exit',
        'feed.title': 'Refusals and alerts',
        'feed.empty': 'Nothing refused so far.',
        'feed.refusal': 'Refused',
        'feed.hall_full': 'Hall full',
        'feed.conflict': 'Conflict',
        'feed.forged_badges': 'Forged badges',
        'feed.scan_id_conflict': 'Scan id reused',
        'feed.clock_skew': 'Kiosk clock wrong',
        'roll.title': 'Roll call',
        'roll.filter': 'Filter by name, organisation, city…',
        'roll.print': 'Print',
        'roll.refresh': 'Refresh',
        'roll.count': '{shown} of {count} inside',
        'roll.name': 'Name',
        'roll.category': 'Category',
        'roll.organisation': 'Organisation',
        'roll.city': 'City',
        'roll.empty': 'Nobody inside.',
        'roll.printed': 'Printed {time}',
        'desk.search': 'Search attendees',
        'desk.search_placeholder': 'Name (한글 or Latin), id, organisation or city',
        'desk.no_results': 'No attendee matches.',
        'desk.results': '{n} found',
        'desk.pick': 'Pick a person from the search results.',
        'desk.where': 'Where now',
        'desk.outside': 'not inside any hall',
        'desk.badge_version': 'Badge version',
        'desk.history': 'Scan history',
        'desk.no_scans': 'No scans yet.',
        'desk.time': 'Time',
        'desk.direction': 'Direction',
        'desk.kind': 'Kind',
        'desk.verdict': 'Verdict',
        'desk.details': 'Details',
        'desk.admitted': 'admitted',
        'desk.refused': 'refused',
        'desk.annulled': 'annulled',
        'desk.annul': 'Annul',
        'desk.entry': 'entry',
        'desk.exit': 'exit',
        'desk.manual': 'Manual check-in / check-out',
        'desk.hall': 'Hall',
        'desk.reason': 'Reason',
        'desk.reason_placeholder': 'e.g. lost badge, scanner down',
        'desk.actor': 'Your name (staff)',
        'desk.actor_placeholder': 'who is at the desk',
        'desk.checkin': 'Check in',
        'desk.checkout': 'Check out',
        'desk.reissue': 'Reissue badge',
        'desk.reissue_help': 'The old badge is refused as revoked from now on.',
        'desk.badge_pdf': 'Badge PDF (version {v})',
        'desk.viewer_only': 'Read-only token: a staff token is needed for help-desk actions.',
        'desk.role_unknown': 'Could not tell the role of this token; actions may be refused.',
        'desk.need_reason': 'Enter a reason and your name first.',
        'desk.done_checkin': '{name}: {dir} at {hall} recorded ({inside}/{capacity} inside).',
        'desk.done_annul': 'Scan {id} annulled.',
        'desk.done_reissue': 'New badge version {v} issued for {name}.',
        'desk.confirm_annul': 'Annul scan {id}? Occupancy is recomputed without it.',
        'desk.confirm_reissue': 'Reissue the badge of {name}? The current badge stops working.',
        'desk.error': 'Refused: {msg}',
        'desk.role_staff': 'staff',
        'desk.role_viewer': 'viewer (read only)',
        'common.loading': 'Loading…',
        'common.dash': '—',
    },
    ko: {
        'app.dashboard': '실시간 출입 현황',
        'app.desk': '안내 데스크',
        'nav.dashboard': '현황판',
        'nav.desk': '안내 데스크',
        'lang.toggle': 'English',
        'conn.live': '실시간',
        'conn.connecting': '연결 중…',
        'conn.stale': '연결 끊김: {since}부터 재연결 중 ({n}번째 시도). 아래 숫자는 최신이 아닐 수 있습니다.',
        'conn.stale_short': '재연결 중',
        'conn.server_time': '서버 시각',
        'token.title': '접근 토큰이 필요합니다',
        'token.help': '서버가 출력한 링크(…/?token=…)를 열거나 조회/스태프 토큰을 입력하세요.',
        'token.placeholder': '토큰',
        'token.use': '토큰 사용',
        'token.bad': '서버가 이 토큰을 거부했습니다.',
        'totals.event': '행사 전체',
        'totals.inside_of': '정원 {capacity}명 중 {inside}명 입장',
        'hall.inside': '입장',
        'hall.capacity': '정원',
        'hall.admitted': '입장 승인',
        'hall.refused': '입장 거부',
        'hall.full': '만석',
        'hall.nearly_full': '거의 만석',
        'hall.session': '진행 중',
        'hall.no_session': '진행 중인 세션 없음',
        'hall.chart': '시간별 인원',
        'stations.title': '스캐너 단말',
        'stations.station': '단말',
        'stations.hall': '홀',
        'stations.role': '용도',
        'stations.status': '상태',
        'stations.last_seen': '마지막 신호',
        'stations.rate': '분당 스캔',
        'stations.backlog': '대기',
        'stations.skew': '시계 오차',
        'stations.online': '연결됨',
        'stations.offline': '끊김',
        'stations.unknown': '알 수 없음',
        'stations.never': '없음',
        'stations.none': '단말 정보가 아직 없습니다.',
        'role.entrance': '입구',
        'role.exit': '출구',
        'role.both': '입구 + 출구',
        'feed.title': '거부 및 경고',
        'feed.empty': '아직 거부된 스캔이 없습니다.',
        'feed.refusal': '거부',
        'feed.hall_full': '만석',
        'feed.conflict': '충돌',
        'feed.forged_badges': '위조 배지',
        'feed.scan_id_conflict': '스캔 ID 중복',
        'feed.clock_skew': '키오스크 시계 오류',
        'roll.title': '출석 명단',
        'roll.filter': '이름, 소속, 도시로 찾기…',
        'roll.print': '인쇄',
        'roll.refresh': '새로 고침',
        'roll.count': '입장 {count}명 중 {shown}명 표시',
        'roll.name': '이름',
        'roll.category': '구분',
        'roll.organisation': '소속',
        'roll.city': '도시',
        'roll.empty': '입장한 사람이 없습니다.',
        'roll.printed': '인쇄 {time}',
        'desk.search': '참가자 검색',
        'desk.search_placeholder': '이름(한글 또는 영문), ID, 소속, 도시',
        'desk.no_results': '일치하는 참가자가 없습니다.',
        'desk.results': '{n}명 찾음',
        'desk.pick': '검색 결과에서 사람을 고르세요.',
        'desk.where': '현재 위치',
        'desk.outside': '어느 홀에도 없음',
        'desk.badge_version': '배지 버전',
        'desk.history': '스캔 기록',
        'desk.no_scans': '스캔 기록이 없습니다.',
        'desk.time': '시각',
        'desk.direction': '방향',
        'desk.kind': '종류',
        'desk.verdict': '판정',
        'desk.details': '내용',
        'desk.admitted': '승인',
        'desk.refused': '거부',
        'desk.annulled': '취소됨',
        'desk.annul': '취소',
        'desk.entry': '입장',
        'desk.exit': '퇴장',
        'desk.manual': '수동 입장 / 퇴장',
        'desk.hall': '홀',
        'desk.reason': '사유',
        'desk.reason_placeholder': '예: 배지 분실, 스캐너 고장',
        'desk.actor': '담당자 이름',
        'desk.actor_placeholder': '데스크 담당자',
        'desk.checkin': '입장 처리',
        'desk.checkout': '퇴장 처리',
        'desk.reissue': '배지 재발급',
        'desk.reissue_help': '이전 배지는 지금부터 폐기된 배지로 거부됩니다.',
        'desk.badge_pdf': '배지 PDF (버전 {v})',
        'desk.viewer_only': '조회 전용 토큰입니다. 데스크 작업에는 스태프 토큰이 필요합니다.',
        'desk.role_unknown': '토큰 권한을 확인하지 못했습니다. 작업이 거부될 수 있습니다.',
        'desk.need_reason': '사유와 담당자 이름을 먼저 입력하세요.',
        'desk.done_checkin': '{name}: {hall} {dir} 기록됨 (현재 {inside}/{capacity}명).',
        'desk.done_annul': '스캔 {id} 취소됨.',
        'desk.done_reissue': '{name}님의 새 배지(버전 {v})가 발급되었습니다.',
        'desk.confirm_annul': '스캔 {id}을(를) 취소할까요? 인원은 이 스캔 없이 다시 계산됩니다.',
        'desk.confirm_reissue': '{name}님의 배지를 재발급할까요? 현재 배지는 더 이상 쓸 수 없습니다.',
        'desk.error': '거부됨: {msg}',
        'desk.role_staff': '스태프',
        'desk.role_viewer': '조회 전용',
        'common.loading': '불러오는 중…',
        'common.dash': '—',
    },
};

// Korean names of the Seoul 2023 places (the config names are English). Other
// events fall back to the config's names.
const place_names_ko = {
    ddp: '동대문디자인플라자(DDP)',
    'city-hall': '서울시청',
    'ddp-art-hall-2': '아트홀 2관',
    'city-hall-main-conference': '3층 대회의실',
    'city-hall-multipurpose': '다목적홀',
};

let lang = 'en';

export function initLang() {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved === 'ko' || saved === 'en') lang = saved;
    else lang = (navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en';
    document.documentElement.lang = lang;
    return lang;
}

export function getLang() {
    return lang;
}

export function setLang(next) {
    lang = next;
    localStorage.setItem(LANG_KEY, next);
    document.documentElement.lang = next;
}

export function t(key, vars) {
    let s = labels[lang][key] ?? labels.en[key] ?? key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
    return s;
}

// Labels of one page kept in its own file (the help desk's: desk_labels.js);
// they win over the shared ones of the same key.
export function placeName(id, fallback) {
    if (lang === 'ko' && place_names_ko[id]) return place_names_ko[id];
    return fallback || id;
}

// A name from the config in the page's language: its Korean form (name_ko) when
// the page is in Korean and the config gives one.
export function localName(id, name, name_ko) {
    if (lang === 'ko' && name_ko) return name_ko;
    return placeName(id, name);
}

// More labels for one page ({en: {...}, ko: {...}}), kept in that page's own module.
export function addLabels(more) {
    for (const [l, table] of Object.entries(more)) Object.assign(labels[l] ||= {}, table);
}

// Fills every [data-i18n] element's text and every [data-i18n-placeholder] placeholder.
export function applyLabels(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

// ---- time ---------------------------------------------------------------------

// The event's UTC offsets over its span ({from_ms, offset_minutes}, from_ms
// null for the first): /api/event sends them, so venue time stays right
// across a daylight-saving change. Old servers send only utc_offset_minutes.
let event_offsets = [{ from_ms: null, offset_minutes: 9 * 60 }];

export function setEventOffset(minutes, changes) {
    const valid = Array.isArray(changes)
        ? changes.filter((c) => Number.isFinite(c?.offset_minutes) && (c.from_ms === null || Number.isFinite(c.from_ms)))
        : [];
    if (valid.length) event_offsets = valid;
    else if (Number.isFinite(minutes)) event_offsets = [{ from_ms: null, offset_minutes: minutes }];
}

// Minutes of local time ahead of UTC at the instant ms.
export function eventOffset(ms = Date.now()) {
    let offset = event_offsets[0].offset_minutes;
    for (const c of event_offsets) {
        if (c.from_ms !== null && c.from_ms > ms) break;
        offset = c.offset_minutes;
    }
    return offset;
}

const pad = (n) => String(n).padStart(2, '0');

// "HH:MM:SS" of an ISO time in the event's time zone (the venue's wall clock).
export function eventClock(iso) {
    if (!iso) return t('common.dash');
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return t('common.dash');
    const d = new Date(ms + eventOffset(ms) * 60000);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

// "MM-DD HH:MM:SS" in the event's time zone, for histories that span days.
export function eventDateTime(iso) {
    if (!iso) return t('common.dash');
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return t('common.dash');
    const d = new Date(ms + eventOffset(ms) * 60000);
    return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${eventClock(iso)}`;
}

// "HH:MM:SS" of the browser's own clock (when did this screen lose its link).
export function localClock(date = new Date()) {
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
}
