// 城管通's offline queue: a report is stored in IndexedDB (its photos as Blobs) with an Idempotency-Key made
// when the collector pressed 上报, then sent — now if the network is up, otherwise when it returns (the
// 'online' event, the service worker's 'sync' message, a periodic retry). A retry with the same key never
// creates a second case: the server replays the first answer. Photos are uploaded first and their tokens
// kept on the record, so a retry does not upload them again.
import { api, upload, newKey, ApiError } from '../cg/api.js';

const DB = 'cg-ops';
const STORE = 'outbox';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const out = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(out && 'result' in out ? out.result : out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally { db.close(); }
}

/** All queued reports, oldest first. */
export async function list() {
  const rows = await tx('readonly', (s) => s.getAll());
  return (rows || []).sort((a, b) => a.created - b.created);
}

export const put = (item) => tx('readwrite', (s) => s.put(item));
export const remove = (key) => tx('readwrite', (s) => s.delete(key));

/** Queue a report: body (ReportIn without photos), photos and after-photos as Blobs. Returns the record. */
export async function enqueue(body, photos = [], after = []) {
  const item = { key: newKey('m'), created: Date.now(), body, photos, after, tokens: [], afterTokens: [], tries: 0, error: null, failed: false };
  await put(item);
  return item;
}

const listeners = new Set();
/** onChange(fn): called after every flush with {sent: [case], failed: [item]} and the queue length. */
export function onChange(fn) { listeners.add(fn); }

let running = null;
/** Send everything that is queued. Network failures keep the record for later; refusals (4xx) mark it failed. */
export function flush() {
  if (running) return running;
  if (!navigator.onLine) return Promise.resolve({ sent: [], failed: [], left: null, offline: true });
  running = (async () => {
    const sent = [];
    const failed = [];
    for (const item of await list()) {
      if (item.failed) continue;
      try {
        while (item.tokens.length < item.photos.length) {
          item.tokens.push((await upload(fileOf(item.photos[item.tokens.length]), { quiet: true, noRedirect: true })).token);
          await put(item);
        }
        while (item.afterTokens.length < item.after.length) {
          item.afterTokens.push((await upload(fileOf(item.after[item.afterTokens.length]), { quiet: true, noRedirect: true })).token);
          await put(item);
        }
        const body = { ...item.body, photos: item.tokens, after_photos: item.afterTokens };
        const c = await api('/api/v1/reports', { method: 'POST', body, idempotencyKey: item.key, quiet: true, noRedirect: true });
        await remove(item.key);
        sent.push(c);
      } catch (e) {
        item.tries += 1;
        item.error = e instanceof ApiError ? e.message : String(e.message || e);
        // Offline, server busy or signed out: try again later. Anything else will not pass by retrying.
        item.failed = e instanceof ApiError && e.status >= 400 && e.status < 500 && ![401, 403, 408, 429].includes(e.status);
        await put(item);
        if (item.failed) failed.push(item);
        if (!(e instanceof ApiError) || e.status === 0) break; // the network is down: stop for now
      }
    }
    const left = (await list()).length;
    listeners.forEach((fn) => fn({ sent, failed, left }));
    return { sent, failed, left };
  })().finally(() => { running = null; });
  return running;
}

function fileOf(blob) {
  return blob instanceof File ? blob : new File([blob], 'photo.jpg', { type: blob.type || 'image/jpeg' });
}

/** Flush when the network returns, when the service worker says so, and every 30 s while something waits. */
export function startAutoFlush() {
  window.addEventListener('online', () => flush());
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (e) => { if (e.data && e.data.type === 'flush') flush(); });
  }
  setInterval(async () => { if (navigator.onLine && (await list()).some((i) => !i.failed)) flush(); }, 30_000);
}
