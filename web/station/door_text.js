// What the door screen says, in Korean and English, from the verdict's
// reason code (station.proto's Reason), so a phone in either language shows
// the same words for the same refusal. The server's explanation (English,
// with names and times) is shown under it.
export const REASONS = {
    OK: ['입장', 'Admitted'],
    MALFORMED_BADGE: ['배지를 읽을 수 없습니다', 'Not an admit badge'],
    BAD_SIGNATURE: ['위조되었거나 손상된 배지', 'Forged or damaged badge'],
    WRONG_EVENT: ['다른 행사의 배지', 'Badge for another event'],
    UNKNOWN_BADGE: ['명단에 없는 배지', 'Not on the roster'],
    REVOKED_BADGE: ['재발급 전의 배지', 'Old badge: a newer one was issued'],
    CATEGORY_NOT_ALLOWED: ['이 세션에 입장할 수 없는 등급', 'Category not allowed in this session'],
    HALL_NOT_OPEN: ['아직 입장 시간이 아닙니다', 'Hall not open yet'],
    HALL_CLOSED: ['오늘 일정이 끝났습니다', 'Hall closed'],
    WRONG_DIRECTION: ['방향이 잘못되었습니다', 'Wrong direction for this door'],
    ALREADY_INSIDE: ['이미 입장했습니다', 'Already inside'],
    NOT_INSIDE: ['입장 기록이 없습니다', 'No entry recorded'],
    HALL_FULL: ['만석입니다', 'Hall full'],
    UNKNOWN_STATION: ['등록되지 않은 스테이션', 'Unknown station'],
    IN_OTHER_HALL: ['다른 홀에 입장해 있습니다', 'Still inside another hall'],
};

export const LABELS = {
    admitted: ['입장', 'ADMITTED'], refused: ['입장 불가', 'REFUSED'], check: ['확인 필요', 'CHECK'],
    ready: ['스캔하세요', 'Ready to scan'], offline_verdict: ['오프라인 판정 (이 기기)', 'OFFLINE verdict (this device)'],
    live: ['연결됨', 'online'], down: ['오프라인', 'offline'], pair_title: ['이 기기 연결', 'Pair this device'],
    pair_help: ['안내 데스크에서 "휴대폰 스테이션 추가"를 누른 뒤 QR을 스캔하거나 코드를 입력하세요.',
        'On the help desk, choose "Add a phone station", then scan its QR code or type its code here.'],
    pair_button: ['연결', 'Pair'], pair_camera: ['연결 QR 스캔', 'Scan the pairing QR'],
    entry: ['입장', 'Entry'], exit: ['퇴장', 'Exit'], camera: ['카메라', 'Camera'], torch: ['조명', 'Torch'],
    unpair: ['연결 해제', 'Unpair'], fullscreen: ['전체 화면', 'Full screen'], waiting: ['서버 응답 대기 중…', 'Waiting for the server…'],
    conflict: ['스캔 ID 충돌: 직원 확인', 'Scan id conflict: staff check'],
    conflicts: ['판정 차이', 'conflicts'],
};

// lang: 'ko' or 'en'. The other language follows in smaller words.
export function reasonText(reason, lang) {
    const [ko, en] = REASONS[reason] || [reason, reason];
    return lang === 'ko' ? `${ko} · ${en}` : `${en} · ${ko}`;
}

export function label(key, lang) {
    const pair = LABELS[key];
    if (!pair) return key;
    return lang === 'ko' ? pair[0] : pair[1];
}
