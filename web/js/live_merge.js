// The dashboard's copy of the live state, kept from /ws/live frames
// (docs/api.md, "Live view"): a "state" frame replaces it, a "delta" frame
// changes what it names. No DOM here, so the browser tests can check it alone.

export const MAX_FEED = 50;

export function emptyView() {
    return { seq: null, server_time: null, occupancy: null, sessions: [], stations: [], feed: [], alerts: [], refusals: null };
}

// Applies one frame. Returns 'state' or 'delta' when applied; 'gap' when a
// delta does not follow the frame before it (the view is left as it was: get
// a whole state again by reconnecting); 'ignored' for other types.
export function applyFrame(view, msg) {
    if (msg.type === 'state') {
        view.seq = typeof msg.seq === 'number' ? msg.seq : null;
        view.server_time = msg.server_time ?? null;
        view.occupancy = msg.occupancy ?? null;
        view.sessions = Array.isArray(msg.sessions) ? msg.sessions : [];
        view.stations = Array.isArray(msg.stations) ? msg.stations : [];
        view.feed = Array.isArray(msg.feed) ? msg.feed : [];
        view.alerts = Array.isArray(msg.alerts) ? msg.alerts : [];
        view.refusals = msg.refusals ?? null;
        return 'state';
    }
    if (msg.type !== 'delta') return 'ignored';
    if (!view.seq || msg.base !== view.seq) return 'gap';
    view.seq = msg.seq;
    view.server_time = msg.server_time ?? view.server_time;
    if (msg.occupancy) view.occupancy = msg.occupancy;
    if (Array.isArray(msg.sessions)) view.sessions = msg.sessions;
    // Stations that changed: the id and the members that changed.
    if (Array.isArray(msg.stations)) {
        const changed = new Map(msg.stations.map((s) => [s.id, s]));
        view.stations = view.stations.map((s) => (changed.has(s.id) ? { ...s, ...changed.get(s.id) } : s));
        for (const s of msg.stations) if (!view.stations.some((x) => x.id === s.id)) view.stations.push(s);
    }
    // Alerts and refusal counts come whole when they changed.
    if (Array.isArray(msg.alerts)) view.alerts = msg.alerts;
    if (msg.refusals) view.refusals = msg.refusals;
    // New entries only, newest first.
    if (Array.isArray(msg.feed) && msg.feed.length) view.feed = msg.feed.concat(view.feed).slice(0, MAX_FEED);
    return 'delta';
}
