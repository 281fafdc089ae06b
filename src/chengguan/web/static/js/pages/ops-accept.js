// 受理 (acceptors and shift leaders): incoming reports of every channel → 派核实 / 立案 / 不予立案 / 作废 / 合并,
// and cases whose 核查 passed → 结案. Lists are paginated by the server (GET /api/v1/cases).
import { get, caseAction } from '../cg/api.js';
import { h, tabs, toast, debounce, confirmDialog } from '../cg/ui.js';
import { page } from '../cg/config.js';
import { CaseList, renderCase, reveal, actionForm, dupList, statRow, tickCountdowns, countCases, URGENCY } from './ops-common.js';

const TABS = [
  { key: 'reported', label: '待受理', query: { status: ['reported'] } },
  { key: 'verifying', label: '核实中', query: { status: ['verifying'] } },
  { key: 'checked', label: '待结案', query: { status: ['checked'] } },
  // Finished cases grow without bound: newest first, and no total (a count over millions of rows is not free).
  { key: 'done', label: '已办结', query: { status: ['closed', 'rejected', 'voided', 'merged'], sort: 'new', with_total: false } },
];
let tab = new URLSearchParams(location.search).get('tab') || 'reported';
if (!TABS.some((t) => t.key === tab)) tab = 'reported';

const detail = document.getElementById('ops-detail');
const q = document.getElementById('ops-q');
const channel = document.getElementById('ops-channel');
const tabsEl = document.getElementById('ops-tabs');
let counts = {};

const list = new CaseList({
  listEl: document.getElementById('ops-list'),
  pagerEl: document.getElementById('ops-pager'),
  emptyText: '当前没有待办案件',
  fetch: (p, size) => {
    const t = TABS.find((x) => x.key === tab);
    return get('/api/v1/cases', { sort: 'due', ...t.query, q: q.value.trim(), channel: channel.value, page: p, page_size: size });
  },
  onSelect: (id) => { reveal.pending = true; show(id); },
});

function drawTabs() {
  tabs(tabsEl, TABS.map((t) => ({ key: t.key, label: t.label, count: t.key === 'done' ? null : counts[t.key] ?? null })), tab, (k) => {
    tab = k;
    history.replaceState(null, '', `?tab=${k}`);
    drawTabs();
    list.load(1);
  });
}

async function refreshStats() {
  // One indexed count per queue (status, deadline) rather than a group-by over every case.
  const [reported, verifying, checked, late] = await Promise.all([
    countCases({ status: ['reported'] }), countCases({ status: ['verifying'] }), countCases({ status: ['checked'] }),
    countCases({ status: ['reported', 'verifying', 'checked'], overdue: true }),
  ]);
  counts = { reported, verifying, checked };
  drawTabs();
  statRow(document.getElementById('ops-stats'), [
    { label: '待受理', value: reported, tab: 'reported' },
    { label: '核实中', value: verifying, tab: 'verifying' },
    { label: '待结案', value: checked, tab: 'checked' },
    { label: '受理环节超期', value: late, kind: late ? 'red' : 'green' },
  ], (k) => { tab = k; drawTabs(); list.load(1); });
}

async function refresh(selectAgain = true) {
  await Promise.all([list.load(), refreshStats()]);
  if (selectAgain && list.selected) show(list.selected);
}

async function done(c, msg) {
  toast(msg, 'ok');
  await Promise.all([list.load(), refreshStats()]);
  show(c.id);
}

async function registerDialog(c) {
  const cat = await get(`/api/v1/categories/${c.category_code}`, { kind: c.kind });
  if (!cat.conditions.length) { toast(`类别 ${cat.name} 没有立案条件，不能立案`, 'error'); return; }
  await actionForm({
    title: `立案 · ${c.case_no}`,
    intro: `${cat.name}（${cat.code}）— 请确认立案条件`,
    fields: [
      { name: 'condition_code', label: '立案条件', type: 'radio', value: c.condition_code ?? cat.conditions[0].number,
        options: cat.conditions.map((x) => [x.number, `${x.number}. ${x.text}`]) },
      { name: 'urgency', label: '紧急程度', type: 'select', value: c.urgency, options: Object.entries(URGENCY) },
      { name: 'opinion', label: '受理意见', type: 'textarea' },
    ],
    submit: '立案',
    onSubmit: async (v) => {
      const r = await caseAction(c.id, 'register', { condition_code: +v.condition_code, urgency: v.urgency, opinion: v.opinion });
      await done(r, `已立案：${r.case_no}`);
    },
  });
}

function reasonDialog(c, action, title, label, kind = 'danger') {
  return actionForm({
    title: `${title} · ${c.case_no}`, submit: title, kind,
    fields: [{ name: 'opinion', label, type: 'textarea', required: true }],
    onSubmit: async (v) => {
      const r = await caseAction(c.id, action, { opinion: v.opinion });
      await done(r, `${title}：${r.case_no}`);
    },
  });
}

async function mergeDialog(c, dups) {
  const options = dups.map((d) => [d.case_no, `${d.case_no} · 相距 ${Math.round(d.distance_m)} 米 · ${d.address || ''}`]);
  await actionForm({
    title: `合并 · ${c.case_no}`, submit: '合并', kind: 'warn',
    intro: '把本案并入同一问题的另一案件（反映人随之转入目标案件）。',
    fields: [
      options.length ? { name: 'pick', label: '疑似重复案件', type: 'radio', options: [...options, ['', '其他案件（下面填写编号）']] } : null,
      { name: 'into', label: '目标案件编号', placeholder: '例如 2026112100012', hint: options.length ? '选了上面的案件可不填' : '' },
      { name: 'opinion', label: '说明', type: 'textarea' },
    ].filter(Boolean),
    onSubmit: async (v) => {
      const into = v.into || v.pick;
      if (!into) { toast('请选择或填写目标案件', 'warn'); return false; }
      const r = await caseAction(c.id, 'merge', { into, opinion: v.opinion });
      await done(r, `已合并：${r.case_no} → ${into}`);
    },
  });
}

function buttons(c, dups) {
  const a = new Set(c.allowed_actions);
  const b = [];
  const btn = (action, label, kind, fn) => a.has(action) && b.push(h('button', { type: 'button', class: `btn ${kind ? 'btn-' + kind : ''}`, dataset: { action }, onclick: fn }, label));
  btn('register', '立案', 'primary', () => registerDialog(c));
  btn('request-verify', '派核实', null, async () => {
    const r = await caseAction(c.id, 'request-verify', {});
    await done(r, `已派监督员核实：${r.case_no}`);
  });
  btn('merge', '合并', null, () => mergeDialog(c, dups));
  btn('reject', '不予立案', null, () => reasonDialog(c, 'reject', '不予立案', '理由（将告知反映人）'));
  btn('void', '作废', 'danger', () => reasonDialog(c, 'void', '作废', '作废理由'));
  btn('close', '结案', 'primary', () => actionForm({
    title: `结案 · ${c.case_no}`, submit: '结案', intro: '核查已通过，确认结案。',
    fields: [{ name: 'opinion', label: '结案意见', type: 'textarea' }],
    onSubmit: async (v) => { const r = await caseAction(c.id, 'close', { opinion: v.opinion }); await done(r, `已结案：${r.case_no}`); },
  }));
  if (c.status === 'checked') btn('return', '退回核查', null, () => reasonDialog(c, 'return', '退回核查', '理由', 'warn'));
  if (c.status === 'closed') btn('return', '结案回退', null, () => reasonDialog(c, 'return', '结案回退', '回退理由', 'warn'));
  btn('urge', '督办', null, () => reasonDialog(c, 'urge', '督办', '督办批示', 'warn'));
  if (!b.length) b.push(h('span', { class: 'muted' }, page.shift_leader ? '当前状态无需受理操作' : '立案、不予立案、作废与结案由值班长办理'));
  return b;
}

async function show(id) {
  const [c, d] = await Promise.all([
    get(`/api/v1/cases/${id}`),
    get(`/api/v1/cases/${id}/duplicates`, {}, { quiet: true }).catch(() => ({ items: [] })),
  ]);
  const dups = ['reported', 'verifying', 'registered'].includes(c.status) ? d.items : [];
  // 合并到此: the second click confirms (a merge cannot be undone).
  const pick = dups.length && c.allowed_actions.includes('merge') ? async (x) => {
    const ok = await confirmDialog(`合并到 ${x.case_no}？`, `${c.case_no} 将并入 ${x.case_no}，反映人随之转入该案件。合并后不能撤销。`, { label: '合并', kind: 'warn' });
    if (!ok) return;
    const r = await caseAction(c.id, 'merge', { into: x.id, opinion: `与 ${x.case_no} 重复` });
    await done(r, `已合并到 ${x.case_no}`);
  } : null;
  if (list.selected !== id) return; // another case was picked meanwhile
  renderCase(detail, c, { actions: buttons(c, dups), before: dups.length ? dupList(dups, { onPick: pick }) : null });
  if (reveal.pending) { reveal.pending = false; reveal(detail); }
}

document.getElementById('ops-filters').addEventListener('submit', (e) => { e.preventDefault(); list.load(1); });
q.addEventListener('input', debounce(() => list.load(1), 400));
channel.addEventListener('change', () => list.load(1));
document.getElementById('ops-refresh').addEventListener('click', () => refresh());
tickCountdowns();
drawTabs();
refresh(false);
setInterval(() => { if (!document.hidden && !document.querySelector('.modal')) refresh(false); }, 60_000);
