// 领导驾驶舱: today's and this month's numbers, trends, top categories, channels, hot grids (heat map),
// department ranking, overdue and 督办 lists (server-side paginated), 督办 from any case.
import { get } from '../cg/api.js';
import { CityMap, ll } from '../cg/map.js';
import { h, clear, $, pager, statusBadge, lightDot, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';
import { urgeCase, urgeByNumber, sinceDays, CHANNEL_LABELS, poll } from './cmd-common.js';

const charts = {};
function chart(id) {
  if (!charts[id]) charts[id] = echarts.init(document.getElementById(id));
  return charts[id];
}
window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));

function kpi(title, big, sub, cls = '') {
  return h('div', { class: `kpi ${cls}`, dataset: { kpi: title } }, h('h3', null, title), h('div', { class: 'big' }, big),
    h('div', { class: 'sub' }, sub.map(([l, v]) => h('span', null, l, ' ', h('b', null, v)))));
}

async function loadOverview() {
  const o = await get('/api/v1/dashboard/overview');
  $('#dash-at').textContent = `数据时间 ${fmt.dateTime(o.at)}`;
  clear($('#dash-kpis'),
    kpi('今日上报', fmt.number(o.today.reported), [['立案', fmt.number(o.today.registered)], ['结案', fmt.number(o.today.closed)]]),
    kpi('本月上报', fmt.compact(o.month.reported), [['立案', fmt.compact(o.month.registered)], ['结案', fmt.compact(o.month.closed)]]),
    kpi('本月按期处置率', fmt.percent(o.month.on_time_rate), [['反馈', fmt.number(o.month.feedbacks)], ['按期', fmt.number(o.month.feedbacks_on_time)], ['今日', fmt.percent(o.today.on_time_rate)]], 'green'),
    kpi('在办案件', fmt.number(o.open), [['超期', fmt.number(o.overdue)], ['督办', fmt.number(o.urged_open)]], o.overdue ? 'red' : ''));
}

async function loadCharts() {
  const days = +$('#dash-days').value;
  const since = sinceDays(days);
  const [t, c, depts] = await Promise.all([
    get('/api/v1/dashboard/trend', { since }),
    get('/api/v1/dashboard/categories', { since, limit: 10 }),
    get('/api/v1/dashboard/departments', { since }),
  ]);
  chart('dash-trend').setOption({
    animation: false, tooltip: { trigger: 'axis' }, legend: { data: ['上报', '结案'], top: 0, right: 10 },
    grid: { left: 44, right: 16, top: 34, bottom: 28 },
    xAxis: { type: 'category', data: t.days.map((d) => d.slice(5)) }, yAxis: { type: 'value' },
    series: [
      { name: '上报', type: 'line', smooth: true, data: t.reported, areaStyle: { opacity: 0.12 }, itemStyle: { color: '#0b5cad' } },
      { name: '结案', type: 'line', smooth: true, data: t.closed, itemStyle: { color: '#1f9d55' } },
    ],
  });
  $('#dash-trend').dataset.rendered = t.days.length;
  const items = c.items.slice().reverse();
  chart('dash-cats').setOption({
    animation: false, tooltip: {}, grid: { left: 130, right: 40, top: 8, bottom: 8 },
    xAxis: { type: 'value', show: false },
    yAxis: { type: 'category', data: items.map((i) => i.category_name || i.category_code), axisLabel: { width: 120, overflow: 'truncate' } },
    series: [{ type: 'bar', data: items.map((i) => i.count), itemStyle: { color: '#0b5cad', borderRadius: [0, 4, 4, 0] }, label: { show: true, position: 'right' } }],
  }, true);
  $('#dash-cats').dataset.rendered = c.items.length;
  chart('dash-channels').setOption({
    animation: false, tooltip: { trigger: 'item', formatter: '{b}：{c} 件（{d}%）' }, legend: { type: 'scroll', bottom: 0 },
    series: [{ type: 'pie', radius: ['38%', '62%'], center: ['50%', '45%'], data: Object.entries(c.channels).map(([k, v]) => ({ name: CHANNEL_LABELS[k] || k, value: v })), label: { formatter: '{b}\n{d}%' } }],
  }, true);
  $('#dash-channels').dataset.rendered = Object.keys(c.channels).length;
  renderDepartments(depts.items);
  await loadHeat(since);
}

function renderDepartments(rows, all = false) {
  if (!rows.length) { clear($('#dash-depts'), empty('本时段没有派遣')); return; }
  const shown = all ? rows : rows.slice(0, 10);
  clear($('#dash-depts'), h('table', { class: 'table', id: 'dept-table' },
    h('thead', null, h('tr', null, ['排名', '部门', '派遣', '已反馈', '按期率', '返工', '当前超期'].map((x) => h('th', null, x)))),
    h('tbody', null, shown.map((r, i) => h('tr', { dataset: { dept: r.department_id } },
      h('td', null, String(i + 1)), h('td', null, r.department_name), h('td', { class: 'num' }, fmt.number(r.dispatched)),
      h('td', { class: 'num' }, fmt.number(r.fed_back)),
      h('td', null, h('span', { class: 'rate-bar' }, h('i', { style: { width: `${Math.round((r.on_time_rate || 0) * 100)}%`, background: (r.on_time_rate ?? 1) < 0.8 ? 'var(--c-red)' : 'var(--c-green)' } })), fmt.percent(r.on_time_rate)),
      h('td', { class: 'num' }, fmt.number(r.rework)),
      h('td', { class: 'num' }, r.overdue_open ? h('span', { class: 'badge bad' }, fmt.number(r.overdue_open)) : '0'))))),
  rows.length > shown.length ? h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: () => renderDepartments(rows, true) }, `显示全部 ${rows.length} 个部门`) : null);
}

// ---------------------------------------------------------------- heat map of hot grids
const cm = new CityMap('dash-heat', { grids: false, roads: true });
window.cgDashMap = cm;
let heat = null;
async function loadHeat(since) {
  const data = await get('/api/v1/dashboard/hot-grids', { since, limit: 2000 });
  await cm.ready;
  if (heat) heat.remove();
  const max = Math.max(1, ...data.items.map((g) => g.count));
  heat = L.heatLayer(data.items.map((g) => { const p = ll(g.lon, g.lat); return [p.lat, p.lng, 0.15 + 0.85 * (g.count / max)]; }), { radius: 22, blur: 18, maxZoom: 15, minOpacity: 0.3 }).addTo(cm.map);
  $('#dash-heat').dataset.points = data.items.length;
  clear($('#dash-hot'), data.items.slice(0, 12).map((g) => h('li', null, `${g.name || g.grid_code}：`, h('b', null, fmt.number(g.count)), ' 件')));
}

// ---------------------------------------------------------------- overdue and 督办 lists
function caseRow(c, reload) {
  const cd = c.step_due_at ? fmt.countdown(c.step_due_at) : null;
  return h('li', { dataset: { id: c.id } },
    h('div', { class: 'item-title' }, lightDot(c.light), h('a', { href: `/command?case=${c.id}`, title: '在指挥地图上查看' }, c.case_no),
      statusBadge(c.status, c.status_label), c.urged ? h('span', { class: 'badge urged' }, '督办') : null, h('span', { class: 'grow' }),
      page.can_urge ? h('button', { type: 'button', class: 'btn btn-sm btn-warn', dataset: { action: 'urge' }, onclick: () => urgeCase(c, reload) }, c.urged ? '再督办' : '督办') : null),
    h('div', { class: 'item-meta' }, h('span', null, c.category_name || c.category_code), h('span', null, c.address || ''),
      c.departments.length ? h('span', null, c.departments.join('、')) : null,
      cd ? h('span', { class: `countdown ${cd.overdue ? 'overdue' : ''}` }, cd.text) : null),
    c.urge_note ? h('div', { class: 'item-meta' }, '督办意见：', c.urge_note) : null);
}

function caseList(listId, pagerId, countId, query) {
  const load = async (p = 1) => {
    const data = await get('/api/v1/cases', { ...query, page: p, page_size: 8, status: page.open_statuses });
    $(countId).textContent = fmt.number(data.total);
    clear($(listId), data.items.length ? h('ul', { class: 'list case-list' }, data.items.map((c) => caseRow(c, () => reloadLists()))) : empty('暂无'));
    pager($(pagerId), { page: p, pageSize: 8, total: data.total, count: data.items.length, onChange: load });
  };
  return load;
}
const loadOverdue = caseList('#dash-overdue', '#dash-overdue-pager', '#overdue-count', { overdue: true, sort: 'due' });
const loadUrged = caseList('#dash-urged', '#dash-urged-pager', '#urged-count', { urged: true, sort: 'due' });
function reloadLists() { loadOverdue(); loadUrged(); loadOverview(); }

$('#dash-urge').addEventListener('click', () => urgeByNumber(reloadLists));
if (!page.can_urge) $('#dash-urge').hidden = true;
$('#dash-days').addEventListener('change', loadCharts);
loadOverview();
loadCharts();
reloadLists();
poll(loadOverview, Math.max(30, page.refresh_seconds));
