// The station's outbox and memory in IndexedDB, as the kiosk's in SQLite:
// every scan is stored (and the transaction committed) before it is sent,
// and leaves only on its verdict, so a reload, a browser crash or a dead
// battery replays it exactly once: the server knows a scan id it has seen
// and answers its first verdict again. Scan ids are the kiosk's:
// STATION-<instance>-<boot>-<n>, the instance 12 random hex digits made
// once per installed page, the boot counted up at every page start.

const DB_NAME = 'admit-station';
const DB_VERSION = 1;
// Scans and the boot counter are flushed to disk before the promise resolves
// (Chromium's default is "relaxed": a power cut could lose a committed scan).
const STRICT = { durability: 'strict' };

function request(r) {
    return new Promise((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
    });
}

function done(tx) {
    return new Promise((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction aborted'));
    });
}

export function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return [...a].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class outbox {
    static async open() {
        const open = indexedDB.open(DB_NAME, DB_VERSION);
        open.onupgradeneeded = () => {
            const db = open.result;
            db.createObjectStore('meta');
            db.createObjectStore('scans', { keyPath: 'seq' }).createIndex('scan_id', 'scan_id', { unique: true });
            db.createObjectStore('conflicts', { keyPath: 'scan_id' });
        };
        const box = new outbox(await request(open));
        await box.start();
        return box;
    }

    constructor(db) {
        this.db = db;
        this.counter = 0;
    }

    // A new boot id per page start; the instance id once per installation.
    async start() {
        const tx = this.db.transaction(['meta', 'scans'], 'readwrite', STRICT);
        const meta = tx.objectStore('meta');
        this.instance = (await request(meta.get('instance_id'))) || randomHex(6);
        this.boot = ((await request(meta.get('boot_id'))) || 0) + 1;
        meta.put(this.instance, 'instance_id');
        meta.put(this.boot, 'boot_id');
        const last = await request(tx.objectStore('scans').openCursor(null, 'prev'));
        this.nextSeq = Math.max((await request(meta.get('last_seq'))) || 0, last ? last.key : 0) + 1;
        await done(tx);
    }

    async get(key) {
        return request(this.db.transaction('meta').objectStore('meta').get(key));
    }

    async set(key, value) {
        const tx = this.db.transaction('meta', 'readwrite');
        if (value === undefined) tx.objectStore('meta').delete(key);
        else tx.objectStore('meta').put(value, key);
        await done(tx);
    }

    scanId(stationId) {
        this.counter += 1;
        return `${stationId}-${this.instance}-${this.boot}-${this.counter}`;
    }

    // Stores a scan (committed before this resolves) and gives it its seq.
    async add(entry) {
        const tx = this.db.transaction(['scans', 'meta'], 'readwrite', STRICT);
        const stored = { ...entry, seq: this.nextSeq++ };
        tx.objectStore('scans').add(stored);
        tx.objectStore('meta').put(stored.seq, 'last_seq');
        await done(tx);
        return stored;
    }

    async all() {
        return request(this.db.transaction('scans').objectStore('scans').getAll());
    }

    async count() {
        return request(this.db.transaction('scans').objectStore('scans').count());
    }

    // No verdict in time: the scan becomes an offline one with what this
    // device showed. False when its verdict came meanwhile (it is gone).
    async markOffline(scanId, shown, hallDelta) {
        const tx = this.db.transaction('scans', 'readwrite', STRICT);
        const store = tx.objectStore('scans');
        const entry = await request(store.index('scan_id').get(scanId));
        if (entry) store.put({ ...entry, offline: true, shown, hall_delta: hallDelta });
        await done(tx);
        return !!entry;
    }

    // The verdict came: the scan leaves. Returns the entry, or undefined.
    async remove(scanId) {
        const tx = this.db.transaction('scans', 'readwrite');
        const store = tx.objectStore('scans');
        const entry = await request(store.index('scan_id').get(scanId));
        if (entry) store.delete(entry.seq);
        await done(tx);
        return entry;
    }

    // The server refused the id for good (used for a different scan): kept for staff, never resent.
    async moveToConflicts(scanId, message) {
        const tx = this.db.transaction(['scans', 'conflicts'], 'readwrite');
        const store = tx.objectStore('scans');
        const entry = await request(store.index('scan_id').get(scanId));
        if (entry) {
            store.delete(entry.seq);
            tx.objectStore('conflicts').put({ ...entry, conflict: message });
        }
        await done(tx);
    }

    // The server decided an offline scan otherwise than this device showed.
    async noteConflict(entry, verdict) {
        const tx = this.db.transaction('conflicts', 'readwrite');
        tx.objectStore('conflicts').put({ ...entry, conflict: `shown ${entry.shown.reason}, server ${verdict.reason}`, server: verdict });
        await done(tx);
    }

    async conflicts() {
        return request(this.db.transaction('conflicts').objectStore('conflicts').getAll());
    }

    // Unpairing: the credential goes; unsent scans stay for the next pairing.
    async forgetPairing() {
        await this.set('pairing', undefined);
        await this.set('rules', undefined);
    }
}
