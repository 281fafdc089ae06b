// 派遣 (dispatchers): registered cases → dispatch to one or more departments (the routing table's suggestion
// preselected); approvals of the departments' 回退 / 延期 / 挂账 requests; cases in disposal, overdue first.
import { get, caseAction } from '../cg/api.js';
import { h, tabs, toast, debounce } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { CaseList, renderCase, reveal, actionForm, statRow, tickCountdowns, countCases, REQUEST_KINDS } from './ops-common.js';

const TABS = [
  { key: 'registered', label: '待派遣', query: { status: ['registered'] } },
  { key: 'requests', label: '待审批', query: { status: ['dispatched'], pending_request: 'any' } },
  { key: 'dispatched', label: '处置中', query: { status: ['dispatched'] } },
  { key: 'suspended', label: '挂账', query: { status: ['suspended'] } },
];
let tab = new URLSearchParams(location.search).get('tab') || 'registered';
if (!TABS.some((t) => t.key === tab)) tab = 'registered';

const detail = document.getElementById('ops-detail');
const q = document.getElementById('ops-q');
const overdue = document.getElementById('ops-overdue');
const tabsEl = document.getElementById('ops-tabs');
let counts = {};
let departments = null;

const list = new CaseList({
  listEl: document.getElementById('ops-list'),
  pagerEl: document.getElementById('ops-pager'),
  emptyText: '当前没有待办案件',
  fetch: (p, size) => {
    const t = TABS.find((x) => x.key === tab);
    return get('/api/v1/cases', { sort: 'due', ...t.query, q: q.value.trim(), overdue: overdue.checked ? true : null, page: p, page_size: size });
  },
  onSelect: (id) => { reveal.pending = true; show(id); },
});

function drawTabs() {
  tabs(tabsEl, TABS.map((t) => ({ key: t.key, label: t.label, count: counts[t.key] ?? null })), tab, (k) => {
    tab = k;
    history.replaceState(null, '', `?tab=${k}`);
    drawTabs();
    list.load(1);
  });
}

async function refreshStats() {
  // One indexed count per queue rather than a group-by over every case.
  const [registered, requests, dispatched, suspended, late] = await Promise.all([
    countCases({ status: ['registered'] }), countCases({ status: ['dispatched'], pending_request: 'any' }), countCases({ status: ['dispatched'] }),
    countCases({ status: ['suspended'] }), countCases({ status: ['registered', 'dispatched'], overdue: true }),
  ]);
  counts = { registered, requests, dispatched, suspended };
  drawTabs();
  statRow(document.getElementById('ops-stats'), [
    { label: '待派遣', value: registered, tab: 'registered' },
    { label: '待审批申请', value: requests, tab: 'requests', kind: requests ? 'red' : null },
    { label: '处置中', value: dispatched, tab: 'dispatched' },
    { label: '派遣或处置超期', value: late, kind: late ? 'red' : 'green' },
  ], (k) => { tab = k; drawTabs(); list.load(1); });
}

async function refresh() {
  await Promise.all([list.load(), refreshStats()]);
  if (list.selected) show(list.selected);
}

async function done(c, msg) {
  toast(msg, 'ok');
  await Promise.all([list.load(), refreshStats()]);
  show(c.id);
}

async function dispatchDialog(c) {
  const [sugg, depts] = await Promise.all([
    get(`/api/v1/cases/${c.id}/suggested-department`, {}, { quiet: true }).catch(() => ({})),
    departments || get('/api/v1/departments'),
  ]);
  departments = depts;
  const choices = depts.filter((d) => !['supervision', 'command'].includes(d.kind));
  choices.sort((a, b) => (b.id === sugg.department_id) - (a.id === sugg.department_id));
  const box = h('div', { class: 'dept-pick', role: 'group', 'aria-label': '处置部门' }, choices.map((d) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'dept', value: d.id, checked: d.id === sugg.department_id, dataset: { dept: d.id } }),
    d.name, d.id === sugg.department_id ? h('span', { class: 'sugg' }, '（路由建议）') : null)));
  const order = [];
  box.addEventListener('change', (e) => {
    const id = +e.target.value;
    const i = order.indexOf(id);
    if (e.target.checked && i < 0) order.push(id);
    if (!e.target.checked && i >= 0) order.splice(i, 1);
  });
  if (sugg.department_id) order.push(sugg.department_id);
  await actionForm({
    title: `派遣 · ${c.case_no}`,
    intro: sugg.department_id ? `路由表建议：${sugg.department_name}。可多选，先勾选的为主办部门。` : '路由表没有匹配的部门，请选择处置部门（可多选，先勾选的为主办）。',
    body: h('div', { class: 'field' }, h('span', null, '处置部门', h('span', { class: 'req' }, ' *')), box),
    fields: [{ name: 'opinion', label: '派遣意见', type: 'textarea', placeholder: '例如：请尽快处置' }],
    submit: '派遣',
    onSubmit: async (v) => {
      if (!order.length) { toast('请至少选择一个处置部门', 'warn'); return false; }
      const r = await caseAction(c.id, 'dispatch', { department_ids: order, opinion: v.opinion });
      await done(r, `已派遣：${r.case_no} → ${r.departments.join('、')}`);
    },
  });
}

function reasonDialog(c, action, title, label, { required = true, kind = 'primary', intro } = {}) {
  return actionForm({
    title: `${title} · ${c.case_no}`, submit: title, kind, intro,
    fields: [{ name: 'opinion', label, type: 'textarea', required }],
    onSubmit: async (v) => {
      const r = await caseAction(c.id, action, { opinion: v.opinion });
      await done(r, `${title}：${r.case_no}`);
    },
  });
}

function buttons(c) {
  const a = new Set(c.allowed_actions);
  const b = [];
  const btn = (action, label, kind, fn) => a.has(action) && b.push(h('button', { type: 'button', class: `btn ${kind ? 'btn-' + kind : ''}`, dataset: { action }, onclick: fn }, label));
  btn('dispatch', '派遣', 'primary', () => dispatchDialog(c));
  for (const r of c.pending_requests) {
    const what = REQUEST_KINDS[r.kind];
    const intro = `${what}申请理由：${r.reason}${r.new_due_at ? `；申请新期限 ${fmt.dateTime(r.new_due_at)}` : ''}`;
    btn(`approve-${r.kind}`, `批准${what}`, 'primary', () => reasonDialog(c, `approve-${r.kind}`, `批准${what}`, '审批意见', { required: false, intro }));
    btn(`deny-${r.kind}`, `驳回${what}`, 'danger', () => reasonDialog(c, `deny-${r.kind}`, `驳回${what}`, '驳回理由', { intro }));
  }
  if (c.status === 'registered') btn('return', '回退值班长', null, () => reasonDialog(c, 'return', '回退值班长', '回退理由', { kind: 'warn' }));
  btn('suspend', '挂账', null, () => reasonDialog(c, 'suspend', '挂账', '挂账理由（计时暂停）', { kind: 'warn' }));
  btn('resume', '恢复', 'primary', () => reasonDialog(c, 'resume', '挂账恢复', '说明', { required: false }));
  if (!b.length) b.push(h('span', { class: 'muted' }, '当前状态无需派遣操作'));
  return b;
}

async function show(id) {
  const c = await get(`/api/v1/cases/${id}`);
  if (list.selected !== id) return;
  renderCase(detail, c, { actions: buttons(c) });
  if (reveal.pending) { reveal.pending = false; reveal(detail); }
}

document.getElementById('ops-filters').addEventListener('submit', (e) => { e.preventDefault(); list.load(1); });
q.addEventListener('input', debounce(() => list.load(1), 400));
overdue.addEventListener('change', () => list.load(1));
document.getElementById('ops-refresh').addEventListener('click', () => refresh());
tickCountdowns();
drawTabs();
Promise.all([list.load(), refreshStats()]);
setInterval(() => { if (!document.hidden && !document.querySelector('.modal')) Promise.all([list.load(), refreshStats()]); }, 60_000);
