// The station page's service worker: the page and everything it needs are
// kept in a cache at install, so an installed station opens and scans with
// no network at all. Assets are served from the cache and refreshed in the
// background when the server answers (stale-while-revalidate); the API and
// the station WebSocket are never cached.
const CACHE = 'admit-station-v1';
const ASSETS = [
    '/station/', '/station/index.html', '/station/station.css', '/station/app.js', '/station/link.js',
    '/station/outbox.js', '/station/judge.js', '/station/door_text.js', '/station/camera.js',
    '/station/decoder_worker.js', '/station/station-proto.json', '/station/manifest.webmanifest',
    '/station/icon.svg', '/vendor/protobufjs/protobuf.min.js', '/vendor/zxing-wasm/zxing-reader.js',
    '/vendor/zxing-wasm/zxing_reader.wasm',
];

self.addEventListener('install', (event) => {
    event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
    event.waitUntil((async () => {
        for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
        await self.clients.claim();
    })());
});

self.addEventListener('fetch', (event) => {
    const url = new URL(event.request.url);
    if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
    const key = url.pathname === '/station' || url.pathname === '/station/' ? '/station/' : url.pathname;
    if (!ASSETS.includes(key)) return;  // the API goes to the network, always
    event.respondWith((async () => {
        const cache = await caches.open(CACHE);
        const cached = await cache.match(key);
        const fresh = fetch(event.request).then(async (res) => {
            if (res.ok) await cache.put(key, res.clone());
            return res;
        }).catch(() => null);
        if (cached) {
            event.waitUntil(fresh);
            return cached;
        }
        return (await fresh) || new Response('offline and not cached', { status: 503 });
    })());
});
