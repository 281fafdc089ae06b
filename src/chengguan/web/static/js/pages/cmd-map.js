// 监督指挥 · command map: grids coloured by open (or overdue) cases, cases as clustered markers by status,
// collectors' last positions, filters, case detail with timeline and photos. Everything is loaded for the
// viewport only (bbox queries); a viewport with more cases than page.marker_limit is shown as server-side
// square clusters (/api/v1/dashboard/clusters), so the map stays quick at a million cases.
import { get } from '../cg/api.js';
import { CityMap, STATUS_COLORS, LIGHT_COLORS, ll, escapeHtml as esc } from '../cg/map.js';
import { h, clear, $, debounce } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';
import { showCase, counters, poll, sinceDays, ramp } from './cmd-common.js';

const form = $('#cmd-filters');
const mapEl = $('#cmd-map');
const detailEl = $('#cmd-detail');
const countEl = $('#cmd-count');
const GRID_MIN_ZOOM = 15;
const GRADE_COLORS = { A: '#1f9d55', B: '#5aa9e6', C: '#e6a700', D: '#d64545', E: '#8b1e1e' };

// ---------------------------------------------------------------- filters
const statusSel = $('#f-status');
const allStatuses = Object.keys(page.statuses);
statusSel.append(
  h('optgroup', { label: '在办' }, page.open_statuses.map((s) => h('option', { value: s }, page.statuses[s]))),
  h('optgroup', { label: '已办结' }, allStatuses.filter((s) => !page.open_statuses.includes(s)).map((s) => h('option', { value: s }, page.statuses[s]))),
);
if (!page.grades_api) {
  const o = $('#f-colour option[value=grade]');
  o.disabled = true;
  o.textContent = '网格：按评价等级（评价模块未启用）';
}

async function fillSelects() {
  const [cats, depts] = await Promise.all([
    get('/api/v1/categories', { limit: 1000 }, { quiet: true }),
    get('/api/v1/departments', null, { quiet: true }),
  ]);
  const groups = new Map();
  const seen = new Set();
  for (const c of cats.items) {
    if (seen.has(c.code)) continue;
    seen.add(c.code);
    const g = `${c.kind === 'component' ? '部件' : '事件'} · ${c.major_name}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(h('option', { value: c.code }, `${c.name}（${c.code}）`));
  }
  $('#f-category').append(...[...groups].map(([g, opts]) => h('optgroup', { label: g }, opts)));
  $('#f-dept').append(...depts.filter((d) => d.is_active && !['supervision', 'command'].includes(d.kind)).map((d) => h('option', { value: d.id }, d.short_name || d.name)));
}

function filters() {
  const fd = new FormData(form);
  return {
    category_code: fd.get('category_code') || null,
    status: fd.get('status') ? [fd.get('status')] : null,
    street_code: fd.get('street_code') || null,
    department: fd.get('department') || null,
    since: sinceDays(+fd.get('period')),
  };
}

// ---------------------------------------------------------------- the map
const cm = new CityMap(mapEl, { grids: 'auto', gridMinZoom: GRID_MIN_ZOOM });
window.cgCommandMap = cm; // for tests and the curious
const clusterIcon = (cluster) => {
  const kids = cluster.getAllChildMarkers();
  const red = kids.some((m) => m.options.light === 'red');
  const n = cluster.getChildCount();
  const size = n < 10 ? 30 : n < 100 ? 36 : 44;
  return L.divIcon({ html: `<div class="cmd-cluster${red ? ' has-red' : ''}"><span>${n}</span></div>`, className: '', iconSize: [size, size] });
};
const markers = L.markerClusterGroup({ maxClusterRadius: 48, disableClusteringAtZoom: 18, iconCreateFunction: clusterIcon, chunkedLoading: true, showCoverageOnHover: false });
markers.addTo(cm.map);
const bubbles = L.layerGroup().addTo(cm.map);
const people = L.layerGroup().addTo(cm.map);
let heat = null;
let selected = null;
cm.legend([...page.open_statuses.map((s) => [STATUS_COLORS[s], page.statuses[s]]), [LIGHT_COLORS.red, '红圈：已超期']], 'bottomright', '案件状态');

function caseMarker(c) {
  const red = c.light === 'red';
  const icon = L.divIcon({
    className: '', iconSize: [16, 16], iconAnchor: [8, 8],
    html: `<div class="case-pin${red ? ' late' : ''}${c.urged ? ' urged' : ''}" data-case-id="${c.id}" style="background:${STATUS_COLORS[c.status] || '#888'}"></div>`,
  });
  const m = L.marker(ll(c.lon, c.lat), { icon, title: `${c.case_no} · ${page.statuses[c.status] || c.status}`, light: c.light, keyboard: false });
  m.on('click', () => openCase(c.id));
  return m;
}

function bubble(b, cell) {
  const d = Math.round(26 + Math.min(40, Math.sqrt(b.count) * 3));
  const icon = L.divIcon({
    className: '', iconSize: [d, d],
    html: `<div class="cmd-bubble${b.overdue ? ' has-red' : ''}" style="width:${d}px;height:${d}px" title="${b.count} 件，其中超期 ${b.overdue} 件"><span>${fmt.compact(b.count)}</span></div>`,
  });
  const m = L.marker(ll(b.lon, b.lat), { icon, keyboard: false });
  m.on('click', () => cm.map.setView(ll(b.lon, b.lat), Math.min(19, cm.zoom + 2)));
  void cell;
  return m;
}

let caseAbort = null;
async function loadCases({ bbox }) {
  if (caseAbort) caseAbort.abort();
  caseAbort = new AbortController();
  const signal = caseAbort.signal;
  const f = filters();
  mapEl.dataset.loading = '1';
  try {
    const data = await get('/api/v1/cases/map', { ...f, bbox: bbox.join(','), limit: page.marker_limit }, { signal, quiet: true });
    if (data.truncated) {
      const agg = await get('/api/v1/dashboard/clusters', { ...f, bbox: bbox.join(','), cells: 14 }, { signal });
      markers.clearLayers();
      bubbles.clearLayers();
      agg.items.forEach((b) => bubbles.addLayer(bubble(b, agg.cell)));
      countEl.textContent = `视野内 ${fmt.number(agg.total)} 件 · 按方格汇总，放大查看单个案件`;
      mapEl.dataset.mode = 'clusters';
      mapEl.dataset.count = agg.total;
    } else {
      bubbles.clearLayers();
      markers.clearLayers();
      markers.addLayers(data.items.map(caseMarker));
      countEl.textContent = `视野内 ${fmt.number(data.items.length)} 件`;
      mapEl.dataset.mode = 'markers';
      mapEl.dataset.count = data.items.length;
    }
  } catch (e) {
    if (e.name !== 'AbortError') countEl.textContent = '案件加载失败';
  } finally {
    if (!signal.aborted) delete mapEl.dataset.loading;
  }
}

// ---------------------------------------------------------------- grid colouring
let gridValues = {};
let gridMode = 'open';
function gridStyle(f) {
  const code = f.properties.code;
  if (gridMode === 'grade') {
    const g = gridValues[code];
    return { color: '#6d8fb3', weight: 1, fillColor: g ? GRADE_COLORS[g.grade] || '#999' : '#6d8fb3', fillOpacity: g ? 0.5 : 0.04 };
  }
  const n = gridValues[code] || 0;
  const max = Math.max(1, ...Object.values(gridValues));
  return { color: n ? '#b0662a' : '#6d8fb3', weight: n ? 1.2 : 1, fillColor: ramp(n, max) || '#6d8fb3', fillOpacity: n ? 0.38 : 0.04 };
}
cm.setGridStyle(gridStyle);
cm.onGrids = (gj, layer) => {
  layer.setStyle(gridStyle);
  layer.eachLayer((l) => {
    const code = l.feature.properties.code;
    const v = gridValues[code];
    l.setTooltipContent(`网格 ${esc(code)}${l.feature.properties.name ? ' · ' + esc(l.feature.properties.name) : ''}<br>${gridMode === 'grade' ? `评价等级：${v ? v.grade : '—'}` : `${gridMode === 'overdue' ? '超期' : '未结'}案件：${v || 0} 件`}`);
  });
  mapEl.dataset.grids = gj.features.length;
};

let grades = null; // fetched once per page: a period's grades do not change while the map is panned
async function gradeValues() {
  if (grades) return grades;
  const data = await get(page.grades_api, { unit: 'grid', page_size: 5000 }, { quiet: true }).catch(() => ({}));
  grades = {};
  if (Array.isArray(data.items)) for (const r of data.items) grades[r.key] = { grade: r.grade, score: r.composite };
  else Object.assign(grades, data);
  return grades;
}

async function loadGridValues({ bbox, zoom }) {
  gridMode = $('#f-colour').value;
  if (zoom < GRID_MIN_ZOOM) { gridValues = {}; return; }
  if (gridMode === 'grade' && page.grades_api) {
    gridValues = await gradeValues();
  } else {
    gridValues = await get('/api/v1/dashboard/grid-counts', { bbox: bbox.join(','), overdue: gridMode === 'overdue' ? true : null }, { quiet: true }).catch(() => ({}));
  }
  if (cm.layers.grids) cm.onGrids({ features: Object.values(cm.layers.grids._layers).map((l) => l.feature) }, cm.layers.grids);
}

// ---------------------------------------------------------------- collectors and heat
async function loadPeople({ bbox }) {
  people.clearLayers();
  if (!$('#f-people').checked) return;
  const data = await get('/api/v1/positions', { bbox: bbox.join(',') }, { quiet: true }).catch(() => ({ items: [] }));
  for (const p of data.items) {
    const icon = L.divIcon({ className: '', iconSize: [24, 24], iconAnchor: [12, 12], html: `<div class="person-pin" data-user="${esc(p.username)}" title="${esc(p.display_name)}">${esc((p.display_name || '员').slice(0, 1))}</div>` });
    people.addLayer(L.marker(ll(p.lon, p.lat), { icon, keyboard: false, zIndexOffset: 500 })
      .bindTooltip(`${esc(p.display_name)}（${esc((p.role_labels || []).join('、'))}）<br>${fmt.relative(p.at)} · 网格 ${esc(p.grid_code || '—')}`));
  }
  mapEl.dataset.people = data.items.length;
}

async function loadHeat() {
  if (heat) { heat.remove(); heat = null; }
  if (!$('#f-heat').checked) return;
  const f = filters();
  const data = await get('/api/v1/dashboard/hot-grids', { since: f.since || sinceDays(30), open_only: !f.since, limit: 2000 }, { quiet: true });
  const max = Math.max(1, ...data.items.map((g) => g.count));
  heat = L.heatLayer(data.items.map((g) => { const p = ll(g.lon, g.lat); return [p.lat, p.lng, g.count / max]; }), { radius: 28, blur: 22, maxZoom: 16 }).addTo(cm.map);
}

// ---------------------------------------------------------------- counters and detail
const statsEl = $('#cmd-stats');
async function loadStats() {
  const o = await get('/api/v1/dashboard/overview', null, { quiet: true });
  counters(statsEl, [
    { key: 'open', label: '在办案件', value: o.open },
    { key: 'overdue', label: '超期', value: o.overdue, cls: 'red' },
    { key: 'urged', label: '督办', value: o.urged_open, cls: 'warn' },
    { key: 'today_reported', label: '今日上报', value: o.today.reported },
    { key: 'today_closed', label: '今日结案', value: o.today.closed, cls: 'green' },
    { key: 'on_time', label: '今日按期处置率', value: o.today.on_time_rate, fmt: fmt.percent },
  ]);
  let bar = statsEl.querySelector('.status-bar');
  if (!bar) { bar = h('div', { class: 'status-bar' }); statsEl.append(bar); }
  const total = Math.max(1, Object.values(o.by_status).reduce((a, b) => a + b, 0));
  clear(bar, page.open_statuses.filter((s) => o.by_status[s]).map((s) => h('button', {
    type: 'button', style: { flexGrow: String(o.by_status[s] / total), background: STATUS_COLORS[s] },
    title: `${page.statuses[s]}：${o.by_status[s]} 件（点击筛选）`, onclick: () => { statusSel.value = s; refresh(); },
  }, o.by_status[s] / total > 0.08 ? String(o.by_status[s]) : '')));
}

let marker = null;
async function openCase(id, fly = false) {
  selected = id;
  const c = await showCase(detailEl, id, {
    statuses: page.statuses, roles: page.roles,
    onLocate: (x) => cm.flyTo(x.lon, x.lat, 17),
    onUrged: () => { loadStats(); refresh(); },
  });
  if (marker) marker.remove();
  marker = L.circleMarker(ll(c.lon, c.lat), { radius: 16, color: '#0b5cad', weight: 3, fill: false, className: 'cmd-selected', interactive: false }).addTo(cm.map);
  if (fly) cm.flyTo(c.lon, c.lat, 17);
  detailEl.scrollTop = 0;
  if (window.matchMedia('(max-width: 900px)').matches) detailEl.scrollIntoView({ behavior: 'smooth' });
}

// ---------------------------------------------------------------- wiring
const viewport = () => ({ bbox: cm.bbox(), zoom: cm.zoom });
function refresh() {
  const v = viewport();
  loadCases(v);
  loadGridValues(v);
  loadPeople(v);
}
form.addEventListener('change', debounce((e) => {
  if (e.target.id === 'f-heat' || (e.target.name === 'period' && $('#f-heat').checked)) loadHeat();
  if (e.target.id !== 'f-heat') refresh();
}, 50));
$('#f-reset').addEventListener('click', () => { form.reset(); refresh(); loadHeat(); });
cm.ready.then(() => {
  cm.onViewport((v) => { loadCases(v); loadGridValues(v); loadPeople(v); }, 250);
});
fillSelects();
loadStats();
poll(async () => { await loadStats(); const v = viewport(); await Promise.all([loadPeople(v), loadCases(v)]); }, page.refresh_seconds);
const wanted = new URLSearchParams(location.search).get('case');
if (wanted) openCase(+wanted, true);
window.cgCommand = { openCase, refresh, get selected() { return selected; } };
