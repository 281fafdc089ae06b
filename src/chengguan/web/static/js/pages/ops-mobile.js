// 城管通 — the collector's phone app: my 核实 / 核查 tasks with countdowns, a new report (photos from the
// camera or the gallery, position from the device or a tap on the map, the category picker with search by
// name, pinyin initials or code, 立案条件, description, 自行处置), sent through the offline queue with an
// Idempotency-Key, and my history.
import { get, post, caseAction } from '../cg/api.js';
import { h, clear, toast, modal, pager, empty, debounce, $, $$ } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { CityMap } from '../cg/map.js';
import * as queue from './ops-queue.js';
import { renderCase, actionForm, countdownEl, tickCountdowns, caseItem } from './ops-common.js';

const POSITION_EVERY_MS = 5 * 60_000;
const CATS_KEY = 'cg-m-categories-v1';
const CONDS_KEY = 'cg-m-conditions-v1';

// ---------------------------------------------------------------- views and network state

let view = 'tasks';
function showView(name) {
  view = name;
  $$('[data-view]').forEach((s) => { s.hidden = s.dataset.view !== name; });
  $$('.m-tabbar [data-tab]').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  if (name === 'report') openReport();
  if (name === 'history') loadHistory(1);
  if (name === 'tasks') loadTasks();
  window.scrollTo(0, 0);
}
$$('.m-tabbar [data-tab]').forEach((b) => b.addEventListener('click', () => showView(b.dataset.tab)));

function paintNet() {
  const el = $('#m-net');
  el.textContent = navigator.onLine ? '在线' : '离线';
  el.classList.toggle('off', !navigator.onLine);
}
window.addEventListener('online', paintNet);
window.addEventListener('offline', paintNet);

// ---------------------------------------------------------------- tasks (核实 · 核查)

const KIND = { verify: '核实', check: '核查' };

async function loadTasks() {
  if (!navigator.onLine) { $('#m-tasks-note').textContent = '离线，显示的可能不是最新任务'; return; }
  const tasks = await get('/api/v1/tasks');
  const n = { verify: 0, check: 0 };
  tasks.forEach((t) => { n[t.kind] = (n[t.kind] || 0) + 1; });
  $('#m-c-verify').textContent = n.verify;
  $('#m-c-check').textContent = n.check;
  $('#m-dot').hidden = !tasks.length;
  $('#m-dot').textContent = tasks.length;
  $('#m-tasks-note').textContent = tasks.length ? `共 ${tasks.length} 项，按期限排序` : '';
  clear($('#m-tasks'), tasks.length ? tasks.map((t) => {
    const cd = t.due_at ? fmt.countdown(t.due_at) : null;
    return h('button', { type: 'button', class: ['m-card', 'm-task', cd && cd.overdue && 'overdue'], dataset: { task: t.id, case: t.case.id, kind: t.kind }, onclick: () => openTask(t) },
      h('div', { class: 'item-title' }, h('span', { class: ['kind', t.kind] }, KIND[t.kind] || t.kind), h('span', { class: 'num' }, t.case.case_no), countdownEl(t.due_at, t.case.light)),
      h('div', { class: 'ops-cat' }, t.case.category_name || t.case.category_code),
      h('div', { class: 'desc' }, t.case.description),
      h('div', { class: 'item-meta' }, h('span', null, t.case.address || ''), h('span', null, `派发 ${fmt.relative(t.created_at)}`)));
  }) : h('div', { class: 'm-card' }, empty('暂无任务。新的核实、核查任务会出现在这里。')));
}

async function openTask(t) {
  const c = await get(`/api/v1/cases/${t.case.id}`);
  const holder = h('div', { class: 'm-task-case' });
  const isVerify = t.kind === 'verify';
  const p = actionForm({
    title: `${KIND[t.kind]} · ${c.case_no}`,
    body: holder,
    fields: [
      { name: 'passed', label: isVerify ? '核实结论' : '核查结论', type: 'radio', value: 'true',
        options: isVerify ? [['true', '属实'], ['false', '不属实']] : [['true', '通过（问题已解决）'], ['false', '不通过（退回返工）']] },
      { name: 'opinion', label: '说明', type: 'textarea', placeholder: isVerify ? '现场情况' : '不通过时必填：仍存在的问题' },
    ],
    photos: { title: '现场照片', label: '拍照/选择照片' },
    submit: `提交${KIND[t.kind]}`,
    onSubmit: async (v) => {
      const passed = v.passed === 'true';
      if (!passed && !isVerify && !v.opinion) { toast('核查不通过需要说明原因', 'warn'); return false; }
      const pos = lastFix ? { lon: lastFix.lon, lat: lastFix.lat } : {};
      const r = await caseAction(c.id, isVerify ? 'verify' : 'check', { passed, opinion: v.opinion, photos: v.photos, ...pos });
      toast(`${KIND[t.kind]}已提交：${r.case_no}`, 'ok');
      loadTasks();
    },
  });
  renderCase(holder, c, { map: true });
  await p;
}

// ---------------------------------------------------------------- new report

let reportMap = null;
let pin = null;
let pos = null; // {lon, lat, source}
let lastFix = null;
let category = null;
const photos = [];
const after = [];

function localPicker(el, arr, label) {
  const thumbs = h('div', { class: 'photos' });
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, 'aria-label': label });
  const gallery = h('input', { type: 'file', accept: 'image/*', multiple: true, 'aria-label': `${label}（相册）` });
  const add = (files) => {
    for (const f of files) {
      if (arr.length >= 9) { toast('最多 9 张照片', 'warn'); break; }
      arr.push(f);
      const ph = h('div', { class: 'ph' }, h('img', { src: URL.createObjectURL(f), alt: '' }));
      ph.append(h('button', { type: 'button', class: 'rm', 'aria-label': '移除', onclick: () => { arr.splice(arr.indexOf(f), 1); ph.remove(); } }, '×'));
      thumbs.append(ph);
    }
  };
  input.addEventListener('change', () => { add([...input.files]); input.value = ''; });
  gallery.addEventListener('change', () => { add([...gallery.files]); gallery.value = ''; });
  clear(el, h('div', { class: 'row' },
    h('label', { class: 'btn ops-photo-btn' }, '拍照', input),
    h('label', { class: 'btn ops-photo-btn' }, '从相册选择', gallery)), thumbs);
  return () => { arr.length = 0; clear(thumbs); };
}
const resetPhotos = localPicker($('#m-photos'), photos, '现场照片');
const resetAfter = localPicker($('#m-after'), after, '处置后照片');

function setPos(lon, lat, source) {
  pos = { lon, lat, source };
  if (!reportMap) return;
  if (pin) pin.setWgs(lon, lat);
  else pin = reportMap.pin(lon, lat, { draggable: true, onDrag: ({ lon: x, lat: y }) => setPos(x, y, 'map') });
  const where = $('#m-where');
  where.textContent = `${source === 'gps' ? '已定位' : '已选择'}：${lon.toFixed(6)}, ${lat.toFixed(6)}`;
  if (navigator.onLine) {
    get('/api/v1/geocode/reverse', { lon, lat }, { quiet: true }).then((r) => {
      if (pos && pos.lon === lon && pos.lat === lat) where.textContent = r.grid_code ? `${r.description}` : '该位置不在本市网格内，请重新选择';
    }).catch(() => null);
  }
}

function locate(quietFail = false) {
  if (!navigator.geolocation) { $('#m-where').textContent = '设备不支持定位，请在地图上点选'; return; }
  $('#m-where').textContent = '正在定位…';
  navigator.geolocation.getCurrentPosition((p) => {
    lastFix = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy };
    setPos(lastFix.lon, lastFix.lat, 'gps');
    if (reportMap) reportMap.flyTo(lastFix.lon, lastFix.lat, 17);
  }, () => {
    if (!pos) $('#m-where').textContent = '无法获取定位，请在地图上点选位置';
    if (!quietFail) toast('无法获取定位，请在地图上点选位置', 'warn');
  }, { enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 });
}

function openReport() {
  if (!reportMap) {
    reportMap = new CityMap('m-map', { grids: 'auto', onClick: ({ lon, lat }) => setPos(lon, lat, 'map') });
    locate(true);
  } else {
    setTimeout(() => reportMap.invalidate(), 0);
  }
  paintQueue();
}
$('#m-locate').addEventListener('click', () => locate());

async function categories() {
  try {
    const cached = JSON.parse(localStorage.getItem(CATS_KEY) || 'null');
    if (cached && (Date.now() - cached.at < 86_400_000 || !navigator.onLine)) return cached.items;
  } catch (e) { /* no storage */ }
  const d = await get('/api/v1/categories', { limit: 1000 });
  try { localStorage.setItem(CATS_KEY, JSON.stringify({ at: Date.now(), items: d.items })); } catch (e) { /* full */ }
  return d.items;
}

/** Does a category match what the collector typed: name, alias-free pinyin initials, or code prefix. */
export function matches(c, q) {
  if (!q) return true;
  const s = q.trim().toLowerCase();
  return c.name.includes(q.trim()) || c.code.startsWith(s) || (c.legacy_code || '').startsWith(s)
    || (c.pinyin || '').startsWith(s) || (s.length >= 2 && (c.pinyin || '').includes(s)) || c.major_name.includes(q.trim());
}

async function pickCategory() {
  const all = await categories();
  return new Promise((resolve) => {
    const input = h('input', { type: 'search', placeholder: '名称、拼音首字母（如 zdjy）或代码', 'aria-label': '搜索类别', autocomplete: 'off' });
    const listEl = h('div', { class: 'm-cats', role: 'listbox' });
    const close = (v) => { sheet.remove(); resolve(v); };
    const draw = () => {
      const q = input.value;
      const hits = all.filter((c) => matches(c, q) || extra.has(`${c.kind}:${c.code}`));
      let group = null;
      const rows = [];
      for (const c of hits) {
        const g = `${c.kind === 'component' ? '部件' : '事件'} · ${c.major_name}`;
        if (g !== group) { group = g; rows.push(h('div', { class: 'grp' }, g)); }
        rows.push(h('button', { type: 'button', role: 'option', dataset: { code: c.code, kind: c.kind }, onclick: () => close(c) },
          h('span', { class: 'code' }, c.code), h('span', null, c.name), h('span', { class: 'py' }, c.pinyin || '')));
      }
      clear(listEl, rows.length ? rows : empty(`没有与“${q}”匹配的类别`));
    };
    // The server also searches aliases and keywords (摆摊 → 占道经营): merge its hits when online.
    let extra = new Set();
    const ask = debounce(async () => {
      const q = input.value.trim();
      if (!q || !navigator.onLine) return;
      const d = await get('/api/v1/categories', { q, limit: 50 }, { quiet: true }).catch(() => null);
      if (d && input.value.trim() === q) { extra = new Set(d.items.map((c) => `${c.kind}:${c.code}`)); draw(); }
    }, 250);
    input.addEventListener('input', () => { extra = new Set(); draw(); ask(); });
    const sheet = h('div', { class: 'm-sheet', role: 'dialog', 'aria-label': '选择问题类别' },
      h('header', null, h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => close(null) }, '‹ 返回'), input),
      h('div', { class: 'hint', style: { padding: '4px 12px' } }, `共 ${all.length} 个类别（部件与事件）`), listEl);
    document.body.append(sheet);
    draw();
    input.focus();
  });
}

async function conditions(c) {
  let cache = {};
  try { cache = JSON.parse(localStorage.getItem(CONDS_KEY) || '{}'); } catch (e) { cache = {}; }
  const k = `${c.kind}:${c.code}`;
  if (cache[k]) return cache[k];
  if (!navigator.onLine) return null;
  const d = await get(`/api/v1/categories/${c.code}`, { kind: c.kind }, { quiet: true });
  cache[k] = d.conditions.map((x) => ({ number: x.number, text: x.text, default_urgency: x.default_urgency }));
  try { localStorage.setItem(CONDS_KEY, JSON.stringify(cache)); } catch (e) { /* full */ }
  return cache[k];
}

$('#m-cat').addEventListener('click', async () => {
  const c = await pickCategory();
  if (!c) return;
  category = c;
  clear($('#m-cat'), h('span', null, h('b', null, c.name), h('small', { class: 'muted' }, ` ${c.code} · ${c.kind === 'component' ? '部件' : '事件'}`)), h('span', { 'aria-hidden': 'true' }, '›'));
  const conds = await conditions(c).catch(() => null);
  const field = $('#m-cond-field');
  field.hidden = !(conds && conds.length);
  if (conds && conds.length) {
    clear($('#m-conds'), conds.map((x, i) => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'condition', value: x.number, checked: i === 0, dataset: { urgency: x.default_urgency } }), `${x.number}. ${x.text}`)));
    useConditionUrgency();
  }
});

/** The 立案条件's default urgency preselects 紧急程度 (the collector may still change it). */
function useConditionUrgency() {
  const c = $('#m-conds input:checked');
  const u = c && c.dataset.urgency && $(`input[name=urgency][value=${c.dataset.urgency}]`);
  if (u) u.checked = true;
}
$('#m-conds').addEventListener('change', useConditionUrgency);

$('#m-self').addEventListener('change', (e) => { $('#m-after-field').hidden = !e.target.checked; });

function formError(msg) {
  const el = $('#m-error');
  el.textContent = msg;
  el.hidden = !msg;
}

$('#m-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const description = $('#m-desc').value.trim();
  const self = $('#m-self').checked;
  const missing = [];
  if (!photos.length) missing.push('现场照片');
  if (!pos) missing.push('位置');
  if (!category) missing.push('问题类别');
  if (description.length < 2) missing.push('问题描述（至少 2 个字）');
  if (self && !after.length) missing.push('处置后照片');
  if (missing.length) { formError(`请填写：${missing.join('、')}`); return; }
  formError('');
  const cond = $('#m-conds input:checked');
  const body = {
    category_code: category.code, kind: category.kind, description, lon: pos.lon, lat: pos.lat, channel: 'patrol',
    urgency: ($('input[name=urgency]:checked') || {}).value || 'normal',
    condition_code: cond && !$('#m-cond-field').hidden ? +cond.value : null, self_dispose: self,
  };
  const btn = $('#m-submit');
  btn.disabled = true;
  try {
    await queue.enqueue(body, photos.slice(), self ? after.slice() : []);
    resetForm();
    if (!navigator.onLine) {
      toast('当前离线：已保存到待发送队列，网络恢复后自动发送', 'warn');
      requestSync();
    } else {
      await queue.flush();
    }
  } finally {
    btn.disabled = false;
    paintQueue();
  }
});

function resetForm() {
  resetPhotos();
  resetAfter();
  $('#m-desc').value = '';
  $('#m-self').checked = false;
  $('#m-after-field').hidden = true;
  category = null;
  clear($('#m-cat'), h('span', { class: 'ph' }, '选择类别（可输入名称、拼音首字母或代码）'), h('span', { 'aria-hidden': 'true' }, '›'));
  $('#m-cond-field').hidden = true;
  $('input[name=urgency][value=normal]').checked = true;
}

async function requestSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    if (reg && reg.sync) await reg.sync.register('cg-outbox');
  } catch (e) { /* Background Sync unsupported: the 'online' event and the timer still send */ }
}

async function paintQueue() {
  const items = await queue.list();
  $('#m-c-queue').textContent = items.length;
  const box = $('#m-queue');
  box.hidden = !items.length;
  if (!items.length) return;
  clear(box, h('b', null, `待发送 ${items.length} 条`), h('span', { class: 'muted' }, navigator.onLine ? ' · 正在重试' : ' · 网络恢复后自动发送'),
    h('ul', null, items.map((i) => h('li', { dataset: { queued: i.key } },
      `${fmt.dateTime(i.created, 'short')} · ${i.body.description.slice(0, 20)} · ${i.photos.length} 张照片`,
      i.failed ? [h('div', { class: 'err' }, `未能上报：${i.error}`), h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => { await queue.remove(i.key); paintQueue(); } }, '删除')]
        : i.error ? h('div', { class: 'muted' }, `上次尝试：${i.error}（将自动重试）`) : null))),
    navigator.onLine ? h('button', { type: 'button', class: 'btn btn-sm', onclick: () => queue.flush() }, '立即发送') : null);
}

queue.onChange(({ sent, failed }) => {
  for (const c of sent) toast(c.status === 'closed' ? `已自行处置并结案：${c.case_no}` : `已上报：${c.case_no}`, 'ok');
  for (const i of failed) toast(`上报未成功：${i.error}`, 'error');
  paintQueue();
  if (sent.length && view === 'history') loadHistory(1);
});

// ---------------------------------------------------------------- history

async function loadHistory(page) {
  const el = $('#m-history');
  if (!navigator.onLine) { clear(el, h('li', null, empty('离线时无法查看记录'))); return; }
  const d = await get('/api/v1/cases', { mine: true, sort: 'new', page, page_size: 10, with_total: false });
  clear(el, d.items.length ? d.items.map((c) => caseItem(c)) : h('li', null, empty('还没有上报记录')));
  pager($('#m-pager'), { page, pageSize: 10, total: d.total, count: d.items.length, onChange: loadHistory });
}

$('#m-history').addEventListener('click', async (e) => {
  const li = e.target.closest('li[data-id]');
  if (!li) return;
  const c = await get(`/api/v1/cases/${li.dataset.id}`);
  const holder = h('div');
  const actions = [];
  if (c.allowed_actions.includes('self-dispose')) {
    actions.push({ label: '自行处置', kind: 'primary', key: 'self-dispose', onClick: () => selfDispose(c) });
  }
  const p = modal({ title: `案件 ${c.case_no}`, body: holder, actions });
  renderCase(holder, c, { map: true });
  await p;
});

function selfDispose(c) {
  return actionForm({
    title: `自行处置 · ${c.case_no}`, submit: '处置并结案',
    intro: '轻微问题已当场解决：上传处置后照片，案件直接结案。',
    photos: { title: '处置后照片', label: '拍照/选择照片', required: true },
    fields: [{ name: 'opinion', label: '处置说明', type: 'textarea' }],
    onSubmit: async (v) => {
      const r = await caseAction(c.id, 'self-dispose', { opinion: v.opinion || '自行处置', photos: v.photos });
      toast(`已自行处置并结案：${r.case_no}`, 'ok');
      loadHistory(1);
    },
  });
}

// ---------------------------------------------------------------- position reports and start-up

function sendPosition() {
  if (!navigator.onLine || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition((p) => {
    lastFix = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy };
    post('/api/v1/positions/me', { lon: lastFix.lon, lat: lastFix.lat, accuracy_m: Math.min(lastFix.accuracy || 0, 100000) }, { quiet: true, noRedirect: true }).catch(() => null);
  }, () => null, { maximumAge: 60_000, timeout: 20_000 });
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/m/sw.js', { scope: '/m/' }).catch((e) => console.warn('城管通离线功能不可用', e.message));
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'precached') window.cgOfflineReady = e.data.count;
  });
  navigator.serviceWorker.startMessages();
  // Hand the worker what this page loaded, so that 城管通 also starts without a network next time.
  navigator.serviceWorker.ready.then((reg) => {
    const leaflet = ['marker-icon.png', 'marker-icon-2x.png', 'marker-shadow.png'].map((f) => `/static/vendor/leaflet/images/${f}`);
    const urls = [location.pathname, '/m/manifest.webmanifest', ...leaflet, ...performance.getEntriesByType('resource').map((r) => r.name)]
      .filter((u) => { const x = new URL(u, location.href); return x.origin === location.origin && !x.pathname.startsWith('/api/'); });
    (reg.active || navigator.serviceWorker.controller)?.postMessage({ type: 'precache', urls: [...new Set(urls)] });
  }).catch(() => null);
}
paintNet();
tickCountdowns();
queue.startAutoFlush();
paintQueue();
const start = new URLSearchParams(location.search).get('tab');
showView(['tasks', 'report', 'history'].includes(start) ? start : 'tasks');
if (view !== 'tasks') loadTasks(); // the counters and the tab badge
queue.flush();
setInterval(() => { if (view === 'tasks' && !document.hidden && !document.querySelector('.modal')) loadTasks(); }, 60_000);
if (navigator.permissions) {
  navigator.permissions.query({ name: 'geolocation' }).then((s) => { if (s.state === 'granted') sendPosition(); }).catch(() => null);
}
setInterval(sendPosition, POSITION_EVERY_MS);
window.cgOpsQueue = queue; // for tests and support staff: cgOpsQueue.list()
