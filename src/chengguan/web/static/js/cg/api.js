// The consoles' API client: fetch with the session cookie, the CSRF token on every unsafe request,
// JSON in and out, and the contract's error shape {"error": {"code", "message", "details"}} turned
// into an ApiError whose Chinese message is shown to the user (unless {quiet: true}).
import { toast } from './ui.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || '';
}

/** Query string from an object; arrays repeat the key; null, undefined and '' are left out. */
export function qs(params) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v == null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => sp.append(k, x));
    else sp.append(k, v);
  }
  return sp.toString();
}

const FALLBACK = {
  400: '请求有误', 401: '请先登录', 403: '没有权限', 404: '找不到请求的内容', 409: '操作冲突，请刷新后重试',
  413: '文件过大', 422: '输入无效', 429: '请求过于频繁，请稍后再试', 500: '服务器内部错误', 502: '服务暂不可用',
  503: '服务暂不可用',
};

/**
 * api(path, {method, body, query, headers, idempotencyKey, quiet, noRedirect, signal})
 * → parsed JSON (null for 204). Throws ApiError; status 0 means the network failed.
 */
export async function api(path, opts = {}) {
  const { method = 'GET', body, query, headers = {}, quiet = false, idempotencyKey, signal } = opts;
  const q = query ? qs(query) : '';
  const url = q ? `${path}${path.includes('?') ? '&' : '?'}${q}` : path;
  const h = { Accept: 'application/json', ...headers };
  let payload;
  if (body instanceof FormData || body instanceof Blob) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  if (!SAFE.has(method.toUpperCase())) {
    const t = csrfToken();
    if (t) h['X-CSRF-Token'] = t;
  }
  if (idempotencyKey) h['Idempotency-Key'] = idempotencyKey;
  let res;
  try {
    res = await fetch(url, { method, headers: h, body: payload, credentials: 'same-origin', signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    const err = new ApiError(0, 'network', '网络连接失败，请检查网络后重试');
    if (!quiet) toast(err.message, 'error');
    throw err;
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || `http_${res.status}`, e.message || FALLBACK[res.status] || `请求失败（${res.status}）`, e.details);
    if (res.status === 401 && !opts.noRedirect) {
      // The session ended (expired, logged out elsewhere): back to the login page, then here again.
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    if (!quiet) toast(err.message, 'error');
    throw err;
  }
  return data;
}

export const get = (path, query, opts = {}) => api(path, { ...opts, query });
export const post = (path, body, opts = {}) => api(path, { ...opts, method: 'POST', body });
export const put = (path, body, opts = {}) => api(path, { ...opts, method: 'PUT', body });
export const patch = (path, body, opts = {}) => api(path, { ...opts, method: 'PATCH', body });
export const del = (path, opts = {}) => api(path, { ...opts, method: 'DELETE' });

/** Upload one file (photo, video, PDF) → {id, token, url, thumb_url, …}; put `token` in a report's photos. */
export function upload(file, opts = {}) {
  const fd = new FormData();
  fd.append('file', file, file.name || 'photo.jpg');
  return api('/api/v1/files', { ...opts, method: 'POST', body: fd });
}

/** A fresh idempotency key (a retry with the same key never creates a second record). */
export function newKey(prefix = 'web') {
  const r = crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return `${prefix}-${r}`;
}

/** Run a case workflow action: POST /api/v1/cases/{id}/{action}. */
export function caseAction(id, action, body = {}, opts = {}) {
  return post(`/api/v1/cases/${id}/${action}`, body, opts);
}
