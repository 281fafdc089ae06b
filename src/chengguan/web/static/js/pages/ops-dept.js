// 处置 (department handlers): the department's work list with traffic lights and countdowns (nearest deadline
// first), the case with photos, map and timeline, 处理反馈 with after-photos, and requests for 延期 / 回退 / 挂账
// (approved by the dispatcher).
import { get, caseAction } from '../cg/api.js';
import { h, tabs, toast, debounce } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';
import { CaseList, renderCase, reveal, actionForm, statRow, tickCountdowns, countCases } from './ops-common.js';

const DEPT = (page.departments || []).length === 1 ? page.departments[0] : null;
const TABS = [
  { key: 'todo', label: '待处置', query: { status: ['dispatched'], sort: 'due' } },
  { key: 'fed_back', label: '已反馈', query: { status: ['fed_back', 'checked'], sort: 'new' } },
  { key: 'closed', label: '已结案', query: { status: ['closed'], sort: 'new', with_total: false } },
];
let tab = new URLSearchParams(location.search).get('tab') || 'todo';
if (!TABS.some((t) => t.key === tab)) tab = 'todo';

const detail = document.getElementById('ops-detail');
const q = document.getElementById('ops-q');
const overdue = document.getElementById('ops-overdue');
const tabsEl = document.getElementById('ops-tabs');
let counts = {};

const mine = (c) => c.assignments.find((a) => (page.departments || []).includes(a.department_id) && a.state === 'active');

const list = new CaseList({
  listEl: document.getElementById('ops-list'),
  pagerEl: document.getElementById('ops-pager'),
  emptyText: '本部门暂无待处置案件',
  fetch: (p, size) => {
    const t = TABS.find((x) => x.key === tab);
    return get('/api/v1/cases', { ...t.query, department: DEPT, q: q.value.trim(), overdue: overdue.checked ? true : null, page: p, page_size: size });
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
  const base = { department: DEPT };
  const [todo, late, fed, req] = await Promise.all([
    countCases({ ...base, status: ['dispatched'] }),
    countCases({ ...base, status: ['dispatched'], overdue: true }),
    countCases({ ...base, status: ['fed_back', 'checked'] }),
    countCases({ ...base, status: ['dispatched'], pending_request: 'any' }),
  ]);
  counts = { todo, fed_back: fed };
  drawTabs();
  statRow(document.getElementById('ops-stats'), [
    { label: '待处置', value: todo, tab: 'todo' },
    { label: '已超期', value: late, kind: late ? 'red' : 'green' },
    { label: '申请审批中', value: req },
    { label: '已反馈待核查', value: fed, tab: 'fed_back' },
  ], (k) => { tab = k; drawTabs(); list.load(1); });
}

async function done(c, msg) {
  toast(msg, 'ok');
  await Promise.all([list.load(), refreshStats()]);
  show(c.id);
}

function reasonDialog(c, action, title, label, intro) {
  return actionForm({
    title: `${title} · ${c.case_no}`, submit: '提交申请', kind: 'warn', intro,
    fields: [{ name: 'opinion', label, type: 'textarea', required: true }],
    onSubmit: async (v) => {
      const r = await caseAction(c.id, action, { opinion: v.opinion });
      await done(r, `已提交${title}：${r.case_no}`);
    },
  });
}

function buttons(c) {
  const a = new Set(c.allowed_actions);
  const b = [];
  const btn = (action, label, kind, fn) => a.has(action) && b.push(h('button', { type: 'button', class: `btn ${kind ? 'btn-' + kind : ''}`, dataset: { action }, onclick: fn }, label));
  btn('feedback', '处理反馈', 'primary', () => actionForm({
    title: `处理反馈 · ${c.case_no}`, submit: '提交反馈',
    intro: '请上传处置后的照片（必填），说明处置结果。反馈后由监督员现场核查。',
    photos: { title: '处置后照片', label: '拍照/选择照片', required: true },
    fields: [{ name: 'opinion', label: '处置结果', type: 'textarea', required: true, placeholder: '例如：已清理占道摊点，现场恢复整洁' }],
    onSubmit: async (v) => {
      const r = await caseAction(c.id, 'feedback', { opinion: v.opinion, photos: v.photos });
      await done(r, `已反馈：${r.case_no}`);
    },
  }));
  btn('request-extension', '申请延期', null, () => {
    const due = c.dispose_due_at || c.step_due_at;
    return actionForm({
      title: `申请延期 · ${c.case_no}`, submit: '提交申请', kind: 'warn',
      intro: `当前处置期限：${fmt.dateTime(due)}。填写延长的工作时或新的期限（二选一），由派遣员审批。`,
      fields: [
        { name: 'hours', label: '延长工作时', type: 'number', min: 1, max: 2000, step: 1, placeholder: '例如 8' },
        { name: 'until', label: '或：新的期限', type: 'datetime-local' },
        { name: 'opinion', label: '延期理由', type: 'textarea', required: true },
      ],
      onSubmit: async (v) => {
        if (!v.hours && !v.until) { toast('请填写延长的工作时或新的期限', 'warn'); return false; }
        const body = { opinion: v.opinion };
        if (v.until) body.until = fmt.fromLocalInput(v.until); else body.hours = v.hours;
        const r = await caseAction(c.id, 'request-extension', body);
        await done(r, `已提交延期申请：${r.case_no}`);
      },
    });
  });
  btn('return', '申请回退', null, () => reasonDialog(c, 'return', '回退申请', '回退理由（例如：不属于本部门职责）', '回退后由派遣员重新派遣。'));
  btn('suspend', '申请挂账', null, () => reasonDialog(c, 'suspend', '挂账申请', '挂账理由（例如：需等待施工条件）', '批准后计时暂停。'));
  if (!b.length) {
    const m = c.status === 'dispatched' && c.pending_requests.length ? '申请审批中，请等待派遣员审批' : c.status === 'dispatched' && !mine(c) ? '本部门已反馈，等待其他部门处置' : '当前无需处置操作';
    b.push(h('span', { class: 'muted' }, m));
  }
  return b;
}

async function show(id) {
  const c = await get(`/api/v1/cases/${id}`);
  if (list.selected !== id) return;
  const a = mine(c);
  const before = a && a.rework ? h('div', { class: 'ops-note urged' }, `核查未通过，第 ${a.rework} 次返工`) : null;
  renderCase(detail, c, { actions: buttons(c), before });
  if (reveal.pending) { reveal.pending = false; reveal(detail); }
}

document.getElementById('ops-filters').addEventListener('submit', (e) => { e.preventDefault(); list.load(1); });
q.addEventListener('input', debounce(() => list.load(1), 400));
overdue.addEventListener('change', () => list.load(1));
document.getElementById('ops-refresh').addEventListener('click', async () => {
  await Promise.all([list.load(), refreshStats()]);
  if (list.selected) show(list.selected);
});
tickCountdowns();
drawTabs();
Promise.all([list.load(), refreshStats()]);
setInterval(() => { if (!document.hidden && !document.querySelector('.modal')) Promise.all([list.load(), refreshStats()]); }, 60_000);
