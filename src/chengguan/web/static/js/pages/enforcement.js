// 网上办案: work list (nearest deadline first) and the case page (steps, deadlines, documents, acts).
import { get, post, upload } from '../cg/api.js';
import { h, clear, pager, toast, formDialog, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page, hasRole } from '../cg/config.js';
import { sections, measureFields, transferFields, parseItems } from './enforcement-measures.js';
import { procedureActs, procedureSections, withProcedureFields, leadFields, leadBody, initProcedures, entrustmentsReady } from './enforcement-procedures.js';

const listEl = document.getElementById('worklist');
const caseEl = document.getElementById('case');
let current = page.case_id ? Number(page.case_id) : null;
let officers = [];

const officerOptions = () => officers.filter((o) => o.certified).map((o) => [String(o.id), o.name]);
// the second officer of an act (never the caller: two different certified officers sign)
const partnerOptions = () => officers.filter((o) => o.certified && o.id !== page.user_id).map((o) => [String(o.id), o.name]);
const leaderOptions = () => officers.filter((o) => o.leader).map((o) => [String(o.id), o.name]);
const formCtx = { partnerOptions, leaderOptions };
const measureAct = ['measure', '采取保全或查封扣押措施', () => measureFields(formCtx)];
const transferAct = ['transfer', '移送案件', () => transferFields(formCtx)];

// The acts an officer can take, with their form fields (the API checks every rule again).
const ACTS = {
  registered: [
    ['record', '制作笔录', () => [
      { name: 'kind', label: '笔录种类', type: 'select', options: [['inspection', '现场检查（勘验）笔录'], ['inquiry', '询问笔录']] },
      { name: 'content', label: '笔录内容', type: 'textarea', required: true },
      { name: 'place', label: '地点' },
      { name: 'partner', label: '另一名执法人员', type: 'select', options: officerOptions(), required: true },
      { name: 'party_signed', label: '当事人已签名', type: 'checkbox', value: true },
      { name: 'refusal_note', label: '拒签说明' }]],
    ['evidence', '登记证据', () => [
      { name: 'kind', label: '证据种类', type: 'select', options: [['documentary', '书证'], ['physical', '物证'], ['audiovisual', '视听资料'], ['electronic', '电子数据'], ['witness', '证人证言'], ['party_statement', '当事人的陈述'], ['expert_opinion', '鉴定意见'], ['inspection_record', '勘验笔录、现场笔录']] },
      { name: 'title', label: '名称', required: true },
      // 视听资料、电子数据 need the file itself (SHA-256 kept); a body camera's id links it to the equipment register
      { name: 'file', label: '证据文件（照片、录音、视频、电子数据）', type: 'file', accept: 'image/*,audio/*,video/*,application/pdf' },
      { name: 'device_id', label: '记录设备编号（执法记录仪等）' },
      { name: 'collected_at', label: '取证时间', type: 'datetime-local' },
      { name: 'partner', label: '另一名执法人员', type: 'select', options: officerOptions(), required: true }]],
    ['end-investigation', '调查终结', () => [
      { name: 'outcome', label: '处理意见', type: 'select', options: [['penalty', '予以处罚'], ['minor', '违法行为轻微，不予处罚'], ['not_established', '违法事实不能成立'], ['crime', '涉嫌犯罪，移送']] },
      { name: 'facts', label: '认定的违法事实', type: 'textarea', required: true },
      { name: 'legal_basis', label: '违反的规定及处罚依据', type: 'textarea' },
      { name: 'penalty_types', label: '处罚种类', type: 'select', multiple: true, options: [['warning', '警告'], ['fine', '罚款'], ['confiscation', '没收']] },
      { name: 'fine_amount', label: '罚款金额（元）', type: 'number' },
      { name: 'correction_order', label: '责令改正内容', type: 'textarea' }]],
    measureAct, transferAct,
  ],
  lead: [['register', '批准立案', () => [
    { name: 'lead_officer_id', label: '主办人员', type: 'select', options: officerOptions(), required: true },
    { name: 'assist_officer_id', label: '协办人员', type: 'select', options: officerOptions(), required: true },
    { name: 'complex_case', label: '情节复杂', type: 'checkbox' }, { name: 'major_violation', label: '重大违法行为', type: 'checkbox' },
    { name: 'public_interest', label: '涉及重大公共利益', type: 'checkbox' },
    { name: 'opinion', label: '审批意见', type: 'textarea' }]],
  ['not-register', '不予立案', () => [{ name: 'reason', label: '理由', type: 'textarea', required: true }]], transferAct],
  investigated: [['approve', '负责人审批', () => [{ name: 'opinion', label: '意见', type: 'textarea' }]],
    ['collective', '集体讨论', () => [{ name: 'participants', label: '参加人员（逗号分隔）', required: true },
      { name: 'content', label: '讨论意见', type: 'textarea', required: true }, { name: 'conclusion', label: '结论', required: true }]],
    ['legal-review', '法制审核', () => [{ name: 'passed', label: '审核通过', type: 'checkbox', value: true },
      { name: 'opinion', label: '审核意见', type: 'textarea', required: true }, { name: 'qualification_no', label: '法律职业资格证号' }]],
    ['notify', '事先告知', () => []], ['decide', '作出决定（不予处罚）', () => [{ name: 'education', label: '教育内容', type: 'textarea' }]],
    transferAct],
  notified: [['waive', '当事人放弃陈述申辩', () => [{ name: 'note', label: '放弃方式', required: true }]],
    ['request-hearing', '登记听证申请', () => [{ name: 'note', label: '说明' }]],
    ['legal-review', '法制审核', () => [{ name: 'passed', label: '审核通过', type: 'checkbox', value: true },
      { name: 'opinion', label: '审核意见', type: 'textarea', required: true }]],
    ['decide', '作出处罚决定', () => [{ name: 'opinion', label: '负责人意见', type: 'textarea' }]]],
  hearing: [['schedule-hearing', '安排听证', () => [{ name: 'hearing_at', label: '听证时间', type: 'datetime-local', required: true },
    { name: 'place', label: '地点', required: true }, { name: 'chair_id', label: '主持人', type: 'select', options: officers.map((o) => [String(o.id), o.name]), required: true }]]],
  decided: [['serve', '送达决定书', (c) => serveFields(c)], ['publish', '公示', () => []]],
  served: [['payment', '登记缴款（银行回单）', () => [{ name: 'amount', label: '金额', type: 'number', required: true },
    { name: 'paid_at', label: '缴款时间', type: 'datetime-local', required: true }, { name: 'payment_ref', label: '缴款凭证号', required: true }]],
  ['demand', '催告', () => []], ['publish', '公示', () => []], ['close', '结案', () => [{ name: 'opinion', label: '意见' }]]],
  enforcing: [['serve', '送达催告书', (c) => serveFields(c)], ['apply-court', '申请法院强制执行', () => [{ name: 'note', label: '说明' }]],
    ['close', '结案', () => [{ name: 'opinion', label: '意见' }]]],
  transferred: [['close', '结案', () => [{ name: 'opinion', label: '意见' }]]],
  closed: [['archive', '归档', () => []]],
};

function serveFields(c) {
  return [{ name: 'document_id', label: '文书', type: 'select', options: c.documents.map((d) => [String(d.id), `${d.title} ${d.doc_no || ''}`]) },
    { name: 'method', label: '送达方式', type: 'select', options: [['direct', '直接送达'], ['left', '留置送达'], ['postal', '邮寄送达'], ['electronic', '电子送达'], ['public_notice', '公告送达']] },
    { name: 'recipient', label: '受送达人', required: true, value: c.case.party_name }, { name: 'signed_by', label: '签收人' },
    { name: 'witness', label: '见证人' }, { name: 'note', label: '备注' }];
}

function bodyFor(action, v, c) {
  const out = { ...v };
  if ('partner' in out) { out.officer_ids = out.partner ? [page.user_id, Number(out.partner)] : [page.user_id]; delete out.partner; }
  for (const k of ['lead_officer_id', 'assist_officer_id', 'chair_id', 'document_id', 'approved_by']) if (out[k] != null) out[k] = Number(out[k]);
  if (action === 'measure' || action === 'transfer') out.items = parseItems(out.items);
  if (action === 'collective') out.participants = String(out.participants || '').split(/[,，、\s]+/).filter(Boolean);
  for (const k of ['hearing_at', 'paid_at', 'collected_at']) if (out[k]) out[k] = fmt.fromLocalInput(out[k]);
  if (action === 'request-hearing' || action === 'apply-court') out.note = out.note || '';
  for (const k of Object.keys(out)) if (out[k] === null) delete out[k];
  return out;
}

async function act(c, action, label, fieldsFn, fixed = {}) {
  const fields = fieldsFn(c);
  const run = async (v) => {
    if (v.file) v = { ...v, file_id: (await upload(v.file, { quiet: true })).id };  // refused uploads show in the form
    delete v.file;
    // in a form the refusal is shown next to the fields (no toast); a one-click act shows it as a toast
    const out = await post(`/api/v1/enforcement/cases/${c.case.id}/${action}`, { ...bodyFor(action, v, c), ...fixed },
      { quiet: fields.length > 0 });
    toast(`${label}：已办理`, 'ok');
    render(out);
    loadList();
    return true;
  };
  if (!fields.length) { await run({}); return; }
  await formDialog({ title: label, fields, onSubmit: run });
}

function render(c) {
  const k = c.case;
  const now = Date.now();
  const steps = h('ol', { class: 'steps' }, c.steps.filter((s) => s.required !== false).map((s) =>
    h('li', { class: s.done ? 'done' : '' }, s.done ? '✓ ' : '○ ', s.label, s.at ? ` ${fmt.dateTime(s.at, 'short')}` : '')));
  const timers = c.timers.filter((t) => !t.done_at).map((t) => {
    const cd = fmt.countdown(t.due_at);
    return h('li', { class: cd.overdue ? 'overdue' : '' }, `${t.label}：${fmt.dateTime(t.due_at)}（${cd.text}）`);
  });
  const docs = c.documents.map((d) => h('li', null, h('a', { href: d.pdf_url, target: '_blank' }, `${d.title} ${d.doc_no || ''}`)));
  const RECORD_KINDS = { inspection: '现场检查（勘验）笔录', inquiry: '询问笔录', statement: '陈述申辩笔录', hearing: '听证笔录' };
  const records = (c.records || []).map((r) => h('li', null, `${RECORD_KINDS[r.kind] || r.kind}　${fmt.dateTime(r.started_at, 'short')}`,
    r.place ? `　${r.place}` : '', r.party_signed ? '　当事人已签名' : (r.refusal_note ? `　拒签：${r.refusal_note}` : '')));
  // each piece of evidence with its file and fingerprint: what 执法全过程记录 relies on
  const evidence = (c.evidence || []).map((e) => h('li', { 'data-evidence': e.id }, `${e.kind_label}：${e.title}`,
    e.file_id ? h('span', null, '　', h('a', { href: `/api/v1/files/${e.file_id}`, target: '_blank' }, '查看文件'),
      h('span', { class: 'muted', title: e.sha256 }, `　SHA-256 ${String(e.sha256 || '').slice(0, 12)}…`)) : '',
    e.device_id ? h('span', { class: 'muted' }, `　设备 ${e.device_id}`) : '',
    e.from_monitoring && !e.reviewed_at ? h('span', { class: 'overdue' }, '　监控记录待审核') : ''));
  const pctx = { done: (out, label) => { toast(`${label}：已办理`, 'ok'); render(out); loadList(); }, officers: () => officers,
    isLeader: hasRole('leader'), isStaff: hasRole('officer', 'leader') };
  const actions = (ACTS[k.status] || []).map(([a, label, f]) => h('button', { class: 'btn btn-sm', 'data-action': a, onclick: () => act(c, a, label, withProcedureFields(a, f, pctx)) }, label))
    .concat(procedureActs(c, pctx).map(([a, label, f]) => h('button', { class: 'btn btn-sm', 'data-action': a, onclick: f }, label)));
  clear(caseEl,
    h('h2', null, `${k.case_no} ${k.cause}`),
    h('p', null, h('span', { class: `badge s-${k.status}` }, k.status_label), ` 当事人：${k.party_name}　承办：${k.lead_officer_name || '—'}、${k.assist_officer_name || '—'}`),
    k.decision_no ? h('p', null, `决定书：${k.decision_no}　${k.penalty_text}`) : null,
    h('div', { class: 'actions' }, ...actions),
    h('h3', null, '办案环节'), steps,
    h('h3', null, '期限'), timers.length ? h('ul', null, ...timers) : empty('无进行中的期限'),
    c.closure_blockers.length ? h('p', { class: 'muted' }, `结案前还需：${c.closure_blockers.join('；')}`) : null,
    h('h3', null, '执法文书'), docs.length ? h('ul', null, ...docs) : empty('暂无文书'),
    h('h3', null, '笔录'), records.length ? h('ul', { id: 'records' }, ...records) : empty('暂无笔录'),
    h('h3', null, '证据'), evidence.length ? h('ul', { id: 'evidence' }, ...evidence) : empty('暂无证据'),
    ...sections(c, {
      run: (action, label, fields, fixed) => act(c, action, label, () => fields, fixed),
      isLeader: hasRole('leader'), isHandler: [k.lead_officer_id, k.assist_officer_id].includes(page.user_id),
    }),
    ...procedureSections(c, pctx),
    c.credit ? h('p', { class: 'muted' }, `当事人信用记录：${c.credit.total} 条（近一年 ${c.credit.last_year} 条）`) : null,
    h('h3', null, '全过程记录'),
    h('ul', { class: 'timeline' }, ...c.events.map((e) => h('li', null, `${fmt.dateTime(e.at, 'short')} ${e.actor_name || ''} ${e.action}${e.opinion ? '：' + e.opinion : ''}`))));
  void now;
}

async function open(id) {
  current = id;
  render(await get(`/api/v1/enforcement/cases/${id}`));
}

async function loadList(p = 1) {
  const mine = document.getElementById('mine').checked;
  const overdue = document.getElementById('overdue').checked || null;
  const data = await get('/api/v1/enforcement/cases', { mine, overdue, page: p, page_size: 20 });
  clear(listEl, data.items.length ? h('ul', { class: 'list' }, ...data.items.map((c) => {
    const cd = c.next_due_at ? fmt.countdown(c.next_due_at) : null;
    return h('li', { 'data-id': c.id, class: c.id === current ? 'active' : '', onclick: () => open(c.id) },
      h('b', null, c.case_no), ' ', c.cause, h('br'), h('span', { class: `badge s-${c.status}` }, c.status_label), ' ',
      c.next_due_label ? h('span', { class: cd && cd.overdue ? 'overdue' : 'muted' }, `${c.next_due_label} ${cd ? cd.text : ''}`) : '');
  })) : empty('没有待办案件'));
  pager(document.getElementById('pager'), { page: p, pageSize: 20, count: data.items.length, onChange: loadList });
}

document.getElementById('mine').addEventListener('change', () => loadList());
document.getElementById('overdue').addEventListener('change', () => loadList());
document.getElementById('new-lead').addEventListener('click', async () => (await entrustmentsReady(), formDialog({
  title: '登记案件线索', fields: [
    { name: 'source', label: '来源', type: 'select', options: [['patrol', '巡查发现'], ['complaint', '投诉举报'], ['transfer_in', '其他机关移送'], ['designated', '指定管辖']] },
    { name: 'cause', label: '案由', required: true }, { name: 'party_name', label: '当事人', required: true },
    { name: 'party_type', label: '类型', type: 'select', options: [['person', '公民'], ['org', '单位']] },
    { name: 'party_id_no', label: '身份证号/统一社会信用代码' }, { name: 'address', label: '地点' },
    { name: 'occurred_at', label: '违法行为时间', type: 'datetime-local' }, { name: 'source_ref', label: '移送机关/指定文书' },
    { name: 'facts', label: '简要案情', type: 'textarea' }, ...leadFields()],
  onSubmit: async (v) => {
    v = leadBody(v);
    if (v.occurred_at) v.occurred_at = fmt.fromLocalInput(v.occurred_at);
    for (const k of Object.keys(v)) if (v[k] === null) delete v[k];
    const out = await post('/api/v1/enforcement/cases', v);
    toast('线索已登记', 'ok');
    render(out); loadList();
    return true;
  },
})));

(async () => {
  document.getElementById('mine').checked = hasRole('officer');  // leaders and reviewers see their region
  officers = await get('/api/v1/enforcement/officers');
  await initProcedures();
  await loadList();
  if (current) await open(current);
})();
