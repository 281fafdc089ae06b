// 指挥大屏: live counters (polled every page.refresh_seconds, no reload), the city map with the open cases
// of the viewport (server-side clusters when many), the 30-day trend, top categories and a ticker of the
// newest workflow events. Meant for a wall screen: full screen, dark, readable from afar.
import { get } from '../cg/api.js';
import { CityMap, STATUS_COLORS, ll } from '../cg/map.js';
import { h, clear, $ } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';
import { counters, poll, sinceDays } from './cmd-common.js';

const live = $('#scr-live');
let lastOk = Date.now();

function clock() {
  const p = fmt.parts(Date.now());
  const wd = '日一二三四五六'[new Date(Date.now() + 8 * 3600000).getUTCDay()];
  $('#scr-clock').textContent = `${p.y}年${+p.m}月${+p.d}日 星期${wd} ${p.hh}:${p.mm}:${p.ss}`;
  live.classList.toggle('stale', Date.now() - lastOk > page.refresh_seconds * 3000);
  live.textContent = live.classList.contains('stale') ? '● 连接中断' : '● 实时';
}
clock();
setInterval(clock, 1000);

$('#scr-full').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.().catch(() => {});
});

async function loadCounters() {
  const o = await get('/api/v1/dashboard/overview', null, { quiet: true });
  counters($('#scr-today'), [
    { key: 'reported', label: '上报', value: o.today.reported },
    { key: 'registered', label: '立案', value: o.today.registered },
    { key: 'closed', label: '结案', value: o.today.closed, cls: 'green' },
    { key: 'on_time', label: '按期处置率', value: o.today.on_time_rate, fmt: fmt.percent },
  ]);
  counters($('#scr-now'), [
    { key: 'open', label: '在办案件', value: o.open },
    { key: 'overdue', label: '超期', value: o.overdue, cls: 'red' },
    { key: 'urged', label: '督办', value: o.urged_open, cls: 'warn' },
    { key: 'dispatched', label: '处置中', value: o.by_status.dispatched || 0 },
  ]);
  counters($('#scr-month'), [
    { key: 'reported', label: '上报', value: o.month.reported, fmt: fmt.compact },
    { key: 'registered', label: '立案', value: o.month.registered, fmt: fmt.compact },
    { key: 'closed', label: '结案', value: o.month.closed, cls: 'green', fmt: fmt.compact },
    { key: 'on_time', label: '按期处置率', value: o.month.on_time_rate, fmt: fmt.percent },
  ]);
  lastOk = Date.now();
  document.body.dataset.updated = String(lastOk);
}

let seenEvents = null;
async function loadTicker() {
  const data = await get('/api/v1/dashboard/events', { limit: 14 }, { quiet: true });
  const el = $('#scr-ticker');
  const first = seenEvents === null;
  const prev = seenEvents || new Set();
  seenEvents = new Set(data.items.map((e) => `${e.case_id}:${e.at}:${e.action}`));
  clear(el, data.items.map((e) => h('li', { class: !first && !prev.has(`${e.case_id}:${e.at}:${e.action}`) ? 'new' : '' },
    h('span', { class: 't' }, fmt.dateTime(e.at, 'time')),
    h('span', null, h('b', null, e.action_label), ' ', e.case_no, e.address ? ` · ${e.address}` : ''))));
}

// ---------------------------------------------------------------- charts
const DARK = { textStyle: { color: '#cfe3f7' } };
const trendChart = echarts.init($('#scr-trend'), null, { renderer: 'canvas' });
const catChart = echarts.init($('#scr-cats'), null, { renderer: 'canvas' });
// Panels are flex-sized: follow their size, not just the window's.
new ResizeObserver(() => { trendChart.resize(); catChart.resize(); }).observe($('#scr-trend'));

async function loadCharts() {
  const since = sinceDays(30);
  const [t, c] = await Promise.all([
    get('/api/v1/dashboard/trend', { since }, { quiet: true }),
    get('/api/v1/dashboard/categories', { since, limit: 8 }, { quiet: true }),
  ]);
  trendChart.setOption({
    ...DARK, animation: false, grid: { left: 36, right: 10, top: 26, bottom: 22 },
    legend: { data: ['上报', '结案'], textStyle: { color: '#cfe3f7' }, top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: t.days.map((d) => d.slice(5)), axisLabel: { color: '#8fb3d9' } },
    yAxis: { type: 'value', axisLabel: { color: '#8fb3d9' }, splitLine: { lineStyle: { color: '#1d4f88' } } },
    series: [
      { name: '上报', type: 'line', smooth: true, data: t.reported, symbol: 'none', lineStyle: { color: '#4fb3ff' }, areaStyle: { color: 'rgba(79,179,255,.15)' } },
      { name: '结案', type: 'line', smooth: true, data: t.closed, symbol: 'none', lineStyle: { color: '#46d17d' } },
    ],
  });
  const items = c.items.slice().reverse();
  catChart.setOption({
    ...DARK, animation: false, grid: { left: 110, right: 30, top: 6, bottom: 6 },
    tooltip: {},
    xAxis: { type: 'value', show: false },
    yAxis: { type: 'category', data: items.map((i) => i.category_name || i.category_code), axisLabel: { color: '#cfe3f7', width: 100, overflow: 'truncate' } },
    series: [{ type: 'bar', data: items.map((i) => i.count), itemStyle: { color: '#2f8cff', borderRadius: [0, 4, 4, 0] }, label: { show: true, position: 'right', color: '#fff' } }],
  });
  $('#scr-cats').dataset.rendered = c.items.length;
  trendChart.resize();
  catChart.resize();
  $('#scr-trend').dataset.rendered = t.days.length;
}

// ---------------------------------------------------------------- map
const cm = new CityMap('scr-map', { grids: false, communities: false });
window.cgScreenMap = cm;
const layer = L.layerGroup().addTo(cm.map);
async function loadMap() {
  const bbox = cm.bboxParam();
  const data = await get('/api/v1/cases/map', { bbox, limit: page.marker_limit }, { quiet: true });
  layer.clearLayers();
  if (data.truncated) {
    const agg = await get('/api/v1/dashboard/clusters', { bbox, cells: 12 }, { quiet: true });
    for (const b of agg.items) {
      const d = Math.round(24 + Math.min(44, Math.sqrt(b.count) * 3));
      layer.addLayer(L.marker(ll(b.lon, b.lat), { icon: L.divIcon({ className: '', iconSize: [d, d], html: `<div class="cmd-bubble${b.overdue ? ' has-red' : ''}"><span>${fmt.compact(b.count)}</span></div>` }), interactive: false }));
    }
  } else {
    for (const c of data.items) {
      layer.addLayer(L.circleMarker(ll(c.lon, c.lat), { radius: c.light === 'red' ? 6 : 4, color: c.light === 'red' ? '#ff6b6b' : '#fff', weight: 1, fillColor: STATUS_COLORS[c.status], fillOpacity: 0.95, interactive: false }));
    }
  }
}
cm.ready.then(() => {
  // The city's own layers, in the big screen's dark colours.
  cm.layers.district?.setStyle({ color: '#3d8bfd', weight: 2, fillColor: '#0f3563', fillOpacity: 0.85, dashArray: null });
  cm.layers.streets?.setStyle({ color: '#2f6fb7', weight: 1.5 });
  cm.onViewport(loadMap, 400);
});

loadCounters();
loadTicker();
loadCharts();
poll(async () => { await loadCounters(); await loadTicker(); }, page.refresh_seconds);
poll(loadMap, Math.max(30, page.refresh_seconds));
poll(loadCharts, 300);
