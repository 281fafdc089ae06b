// 城管通 service worker (served as /m/sw.js, scope /m/). It keeps the app shell — the page, its modules,
// styles and the vendored map library — so 城管通 opens without a network; data (/api/) always comes from
// the network. Reports made offline wait in IndexedDB (ops-queue.js); on a Background Sync event the
// worker asks the open 城管通 pages to send them.
const CACHE = 'cg-m-v1';

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  } catch (e) {
    const hit = (await cache.match(request, { ignoreSearch: true })) || (await cache.match('/m/'));
    if (hit) return hit;
    throw e;
  }
}

async function staleWhileRevalidate(event) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(event.request);
  const fresh = fetch(event.request).then((res) => {
    if (res.ok) cache.put(event.request, res.clone());
    return res;
  });
  if (hit) {
    event.waitUntil(fresh.catch(() => null));
    return hit;
  }
  return fresh;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // data: always the network
  if (req.mode === 'navigate') { event.respondWith(networkFirst(req)); return; }
  if (url.pathname.startsWith('/static/') || url.pathname === '/m/manifest.webmanifest') {
    // Modules are unversioned and revalidated: network first keeps them current, the cache serves offline.
    event.respondWith(url.search.startsWith('?v=') || url.pathname.startsWith('/static/vendor/')
      ? staleWhileRevalidate(event) : networkFirst(req));
  }
});

// The page sends the URLs it loaded (itself, its modules, styles, the map library) once the worker runs:
// the first visit happened before the worker existed, so this is what makes the next start work offline.
self.addEventListener('message', (event) => {
  const d = event.data || {};
  if (d.type !== 'precache' || !Array.isArray(d.urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    let n = 0;
    for (const u of d.urls) {
      const url = new URL(u, self.location.origin);
      if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) continue;
      try { await cache.add(url.href); n += 1; } catch (e) { /* skip what cannot be fetched now */ }
    }
    if (event.source) event.source.postMessage({ type: 'precached', count: n });
  })());
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'cg-outbox') return;
  event.waitUntil((async () => {
    for (const c of await self.clients.matchAll({ type: 'window' })) c.postMessage({ type: 'flush' });
  })());
});
