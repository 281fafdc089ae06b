// 网上办案 case page: 回避, 暂缓/分期缴纳, 加处罚款, 罚没物品处理, 不公开听证 / 申请法院强制执行 fields, the 委托执法 block,
// and the entrustments panel for leaders and admins. Forms only collect; the API checks every rule and its
// refusal is shown inside the form. A button appears only when the case's state allows the act.
import { get, post } from '../cg/api.js';
import { h, clear, empty, formDialog, modal, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page, hasRole } from '../cg/config.js';

export const RECUSAL_SOURCES = { party: '当事人申请', self: '执法人员自行回避' };
export const PLAN_KINDS = { defer: '暂缓缴纳', instalments: '分期缴纳' };
const PLAN_STATUS = { pending: '待负责人审批', approved: '已批准', refused: '不予批准', completed: '已缴清', lapsed: '已失效' };
const CLOSED_REASONS = [['', '（公开举行，不填）'], ['state_secret', '涉及国家秘密'], ['trade_secret', '涉及商业秘密'], ['privacy', '涉及个人隐私']];
export const DISPOSAL_METHODS = { auction: '公开拍卖', destroy: '销毁', hand_over: '按国家规定移交处理' };
const RECUSAL_OPEN = ['registered', 'investigated', 'notified', 'hearing', 'decided', 'served', 'enforcing'];

let entrustments = [];
const num = (v) => (v == null || v === '' ? null : Number(v));
const drop = (o) => { for (const k of Object.keys(o)) if (o[k] === null) delete o[k]; return o; };
const yuan = (v) => `¥${Number(v || 0).toFixed(2)}`;
const localDay = (v) => fmt.dateTime(v, 'date');

/** "YYYY-MM-DD 金额" per line (space, tab, comma or 、 between) → [{due_on, amount}]. */
export function parseSchedule(text) {
  return String(text || '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
    const [dueOn = '', amount = ''] = l.split(/[\s,，、\t]+/);
    return { due_on: dueOn, amount };
  });
}

/** Extra fields of existing acts: a closed hearing (APL 64) and the head who signs the court application (AEL 55). */
export function withProcedureFields(action, fieldsFn, ctx) {
  if (action === 'schedule-hearing') {
    return (c) => [...fieldsFn(c), { name: 'public', label: '公开举行听证（发布听证公告）', type: 'checkbox', value: true },
      { name: 'closed_reason', label: '不公开举行的理由', type: 'select', options: CLOSED_REASONS,
        hint: '涉及国家秘密、商业秘密或者个人隐私依法予以保密的，不公开举行' }];
  }
  if (action === 'apply-court') {
    const me = ctx.officers().find((o) => o.id === page.user_id);
    return (c) => [...fieldsFn(c),
      { name: 'approved_by', label: '签署申请书的机关负责人', type: 'select',
        options: [...(me && me.leader ? [['', '本人（机关负责人）']] : []), ...ctx.officers().filter((o) => o.leader).map((o) => [String(o.id), o.name])] },
      { name: 'court', label: '受理法院', placeholder: '如：海门区人民法院' }];
  }
  return fieldsFn;
}

/** A form posting one act; the case page comes back and is shown by ctx.done. */
function formAct(c, ctx, action, label, fields, toBody, intro) {
  return formDialog({ title: label, fields, intro, onSubmit: async (v) => {
    const out = await post(`/api/v1/enforcement/cases/${c.case.id}/${action}`, drop(toBody(v)), { quiet: true });
    ctx.done(out, label);
    return true;
  } });
}

const officerName = (ctx, id) => (ctx.officers().find((o) => o.id === id) || {}).name || `#${id}`;
const livePlan = (c) => c.payment_plans.find((p) => p.status === 'pending' || p.status === 'approved');
const disposed = (c) => new Set(c.events.filter((e) => e.action === 'dispose').map((e) => (e.data || {}).measure_id));

/** The case-level buttons this module adds: [action, label, onclick]. */
export function procedureActs(c, ctx) {
  const k = c.case;
  const out = [];
  const staff = hasRole('officer', 'leader');
  if (staff && RECUSAL_OPEN.includes(k.status) && (k.lead_officer_id || k.assist_officer_id)) {
    const who = [k.lead_officer_id, k.assist_officer_id].filter(Boolean).map((id) => [String(id), officerName(ctx, id)]);
    out.push(['recusal', '申请回避', () => formAct(c, ctx, 'recusal', '登记回避申请', [
      { name: 'officer_id', label: '申请回避的承办人员', type: 'select', options: who },
      { name: 'source', label: '提出方式', type: 'select', options: Object.entries(RECUSAL_SOURCES) },
      { name: 'reason', label: '回避理由', type: 'textarea', required: true, placeholder: '与本案有直接利害关系或者有其他关系可能影响公正执法' }],
    (v) => ({ ...v, officer_id: num(v.officer_id) }))]);
  }
  const plan = livePlan(c);
  if (staff && k.status === 'served' && Number(k.fine_amount) > 0 && !k.paid_at && !plan) {
    out.push(['payment-plan', '暂缓/分期缴纳申请', () => formAct(c, ctx, 'payment-plan', '登记暂缓或分期缴纳申请', [
      { name: 'kind', label: '申请事项', type: 'select', options: Object.entries(PLAN_KINDS) },
      { name: 'reason', label: '当事人确有经济困难的情况', type: 'textarea', required: true }],
    (v) => v, '行政处罚法第六十六条：当事人确有经济困难，需要延期或者分期缴纳罚款的，经当事人申请和行政机关批准，可以暂缓或者分期缴纳。')]);
  }
  const planKept = plan && plan.status === 'approved' && !plan.missed_due_at;
  const lateDecided = c.documents.some((d) => d.doc_type === 'late_fine_decision');
  if (staff && ['served', 'enforcing'].includes(k.status) && Number(k.fine_amount) > 0 && !k.paid_at
      && c.late_fine && c.late_fine.days > 0 && !lateDecided && !planKept) {
    out.push(['late-fine', '加处罚款决定', () => formAct(c, ctx, 'late-fine', '作出加处罚款决定', [
      { name: 'opinion', label: '意见', type: 'textarea' }], (v) => v,
    `逾期 ${c.late_fine.days} 日，按日加处罚款至今 ${yuan(c.late_fine.amount)}（加处罚款数额不超过罚款数额）。`)]);
  }
  return out;
}

function recusalRow(c, ctx, r) {
  const buttons = [];
  if (!r.decided_at && ctx.isLeader) {
    const k = c.case;
    const busy = [k.lead_officer_id, k.assist_officer_id, r.officer_id];
    const replacements = ctx.officers().filter((o) => o.certified && !busy.includes(o.id)).map((o) => [String(o.id), o.name]);
    buttons.push(h('button', { class: 'btn btn-sm', 'data-recusal-action': 'decide', onclick: () => formAct(c, ctx, 'recusal-decide', '决定回避', [
      { name: 'granted', label: '决定回避', type: 'checkbox', value: true },
      { name: 'replacement_id', label: '接替的执法人员（决定回避时必选）', type: 'select', options: [['', '（不指定）'], ...replacements] },
      { name: 'opinion', label: '决定意见', type: 'textarea', required: true }],
    (v) => ({ ...v, recusal_id: r.id, replacement_id: num(v.replacement_id) }), `回避理由：${r.reason}`) }, '负责人决定'));
  }
  const state = !r.decided_at
    ? h('span', { class: 'overdue' }, '待机关负责人决定（决定前该人员暂停参与本案）')
    : h('span', { class: 'muted' }, r.granted
      ? `决定回避，由${officerName(ctx, r.replacement_id)}接替 ${fmt.dateTime(r.decided_at, 'short')}`
      : `决定不予回避 ${fmt.dateTime(r.decided_at, 'short')}`, r.opinion ? `：${r.opinion}` : '');
  return h('li', { 'data-recusal': r.id },
    h('b', null, officerName(ctx, r.officer_id)), `（${RECUSAL_SOURCES[r.source] || r.source}）：${r.reason}`,
    h('span', { class: 'muted' }, ` ${fmt.dateTime(r.requested_at, 'short')}`), h('br'), state, ' ', ...buttons);
}

function planRow(c, ctx, p) {
  const buttons = [];
  if (p.status === 'pending' && ctx.isLeader) {
    const fine = Number(c.case.fine_amount || 0);
    const hint = p.kind === 'defer' ? '暂缓缴纳只填一行：缴纳期限 金额' : '每行一期：缴纳期限 金额，至少两期，合计等于罚款';
    buttons.push(h('button', { class: 'btn btn-sm', 'data-plan-action': 'decide', onclick: () => formAct(c, ctx, 'payment-plan-decide', `审批${p.kind_label}`, [
      { name: 'approved', label: '批准', type: 'checkbox', value: true },
      { name: 'schedule', label: '缴纳期限和金额（批准时填写）', type: 'textarea', hint, placeholder: `2026-12-31 ${fine.toFixed(2)}` },
      { name: 'opinion', label: '审批意见', type: 'textarea', required: true }],
    (v) => ({ ...v, plan_id: p.id, schedule: v.approved ? parseSchedule(v.schedule) : [] }),
    `罚款 ${yuan(fine)}；申请理由：${p.reason}`) }, '负责人审批'));
  }
  const next = (p.schedule || []).find((i) => !i.paid_at);
  if (p.status === 'approved' && next && !p.missed_due_at && ctx.isStaff) {
    buttons.push(h('button', { class: 'btn btn-sm', 'data-plan-action': 'instalment', onclick: () => formAct(c, ctx, 'instalment', `登记第${next.no}期缴款`, [
      { name: 'amount', label: '缴款金额（元）', type: 'number', required: true, value: Number(next.amount), step: '0.01' },
      { name: 'paid_at', label: '缴款时间', type: 'datetime-local', required: true, value: fmt.dateTime(new Date(), 'iso-local') },
      { name: 'payment_ref', label: '银行缴款凭证号', required: true }],
    (v) => ({ ...v, paid_at: fmt.fromLocalInput(v.paid_at) }), `罚缴分离：按银行回单登记，本系统不收取款项。本期应于 ${localDay(next.due_at)} 前缴纳 ${yuan(next.amount)}。`) }, '登记缴款'));
  }
  const sched = (p.schedule || []).map((i) => {
    const late = !i.paid_at && new Date(i.due_at).getTime() < Date.now();
    return h('tr', { class: late ? 'overdue' : '' }, h('td', null, `第${i.no}期`), h('td', null, localDay(i.due_at)), h('td', null, yuan(i.amount)),
      h('td', null, i.paid_at ? `已缴 ${yuan(i.paid_amount)} ${fmt.dateTime(i.paid_at, 'short')}（${i.payment_ref}）` : late ? '逾期未缴' : '未到期'));
  });
  return h('li', { 'data-plan': p.id },
    h('b', null, p.kind_label), ` ${PLAN_STATUS[p.status] || p.status}`, h('span', { class: 'muted' }, ` 申请 ${fmt.dateTime(p.applied_at, 'short')}：${p.reason}`),
    p.decided_at ? h('div', { class: 'muted' }, `审批 ${fmt.dateTime(p.decided_at, 'short')}${p.opinion ? '：' + p.opinion : ''}`) : null,
    sched.length ? h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', null, '期次'), h('th', null, '缴纳期限'), h('th', null, '金额'), h('th', null, '缴纳情况'))), h('tbody', null, ...sched)) : null,
    p.amount ? h('div', null, `已缴 ${yuan(p.paid)} / ${yuan(p.amount)}`) : null,
    p.missed_due_at ? h('div', { class: 'overdue' }, `${localDay(p.missed_due_at)} 一期未按期缴纳，暂缓（分期）已失效：剩余 ${yuan(p.remaining_due)} 应一次缴清，并自次日起加处罚款`) : null,
    ...buttons);
}

function entrustmentBlock(e) {
  if (!e) return h('p', { class: 'muted', id: 'entrustment' }, '本案由本机关直接办理（非委托执法）。');
  const state = e.revoked_at ? `已撤销（${e.revoke_reason || ''}）` : e.published_at ? `已于 ${localDay(e.published_at)} 公布` : '尚未公布';
  return h('div', { id: 'entrustment' },
    h('p', null, `受委托组织：${e.entrusted_org}　委托机关：${e.entrusting_agency}（文书以委托机关名义作出）`),
    h('p', { class: 'muted' }, `委托书 ${e.document_no}，期限 ${localDay(e.valid_from)} 至 ${localDay(e.valid_to)}，${state}；委托事项：${e.power_codes.join('、')}`));
}

/** The sections this module adds to the case page. ctx: {done, officers, isLeader, isStaff}. */
export function procedureSections(c, ctx) {
  const k = c.case;
  const done = disposed(c);
  const lots = k.served_at ? c.measures.filter((m) => m.outcome === 'confiscate' && !done.has(m.id)) : [];
  const partners = ctx.officers().filter((o) => o.certified && o.id !== page.user_id).map((o) => [String(o.id), o.name]);
  const disposals = c.documents.filter((d) => d.doc_type === 'disposal_record');
  return [
    h('h3', null, '回避'),
    c.recusals.length ? h('ul', { class: 'list', id: 'recusals' }, ...c.recusals.map((r) => recusalRow(c, ctx, r))) : empty('无回避申请'),
    ...(Number(k.fine_amount) > 0 || c.payment_plans.length ? [h('h3', null, '暂缓、分期缴纳罚款'),
      c.payment_plans.length ? h('ul', { class: 'list', id: 'plans' }, ...c.payment_plans.map((p) => planRow(c, ctx, p))) : empty('未申请暂缓或分期缴纳')] : []),
    ...(lots.length || disposals.length ? [h('h3', null, '罚没物品处理'), h('ul', { class: 'list', id: 'disposals' },
      ...disposals.map((d) => h('li', null, h('a', { href: d.pdf_url, target: '_blank' }, `${d.title} ${d.doc_no || ''}`))),
      ...lots.map((m) => h('li', { 'data-lot': m.id }, `没收物品：${(m.items || []).map((i) => `${i.name} ${i.quantity}`).join('；')} `,
        ctx.isStaff ? h('button', { class: 'btn btn-sm', 'data-measure-action': 'dispose', onclick: () => formAct(c, ctx, 'dispose', '处理罚没物品', [
          { name: 'method', label: '处理方式', type: 'select', options: Object.entries(DISPOSAL_METHODS) },
          { name: 'partner', label: '另一名执法人员', type: 'select', options: partners, required: true },
          { name: 'place', label: '处理地点' }, { name: 'basis', label: '依据（销毁须写明）', type: 'textarea' },
          { name: 'witness', label: '监销人/见证人' }, { name: 'result', label: '处理结果', type: 'textarea' },
          { name: 'proceeds', label: '拍卖所得（元）', type: 'number', step: '0.01' }, { name: 'treasury_ref', label: '上缴国库凭证号（拍卖时必填）' }],
        (v) => { const out = { ...v, measure_id: m.id, officer_ids: [page.user_id, num(v.partner)] }; delete out.partner; return out; }) }, '作出处理记录') : null))),
    ] : []),
    h('h3', null, '委托执法'), entrustmentBlock(c.entrustment),
  ];
}

// ---------------------------------------------------------------------------------------------- 委托执法

const activeEntrustments = () => {
  const now = Date.now();
  return entrustments.filter((e) => e.published_at && !e.revoked_at && new Date(e.valid_from).getTime() <= now && new Date(e.valid_to).getTime() > now);
};

/** The lead form's extra field: the entrustment the lead is handled under (none: the agency itself). */
export function leadFields() {
  const act = activeEntrustments();
  return act.length ? [{ name: 'entrustment_id', label: '委托执法（受委托组织办理时选择）', type: 'select',
    options: [['', '本机关直接办理'], ...act.map((e) => [String(e.id), `${e.entrusted_org}（${e.document_no}）`])] },
  { name: 'power_code', label: '权责清单事项编码（委托执法时必填，核对委托范围）' }] : [];
}

export const leadBody = (v) => ({ ...v, entrustment_id: num(v.entrustment_id) });

async function loadEntrustments() {
  try { entrustments = await get('/api/v1/enforcement/entrustments', null, { quiet: true }); } catch { entrustments = []; }
}

function entrustmentList(box) {
  const rows = entrustments.map((e) => {
    const buttons = [];
    if (!e.published_at && !e.revoked_at) {
      buttons.push(h('button', { class: 'btn btn-sm', 'data-entrustment-action': 'publish', onclick: async () => {
        await post(`/api/v1/enforcement/entrustments/${e.id}/publish`, {});
        toast('委托书已公布', 'ok'); await loadEntrustments(); entrustmentList(box);
      } }, '公布'));
    }
    if (!e.revoked_at) {
      buttons.push(h('button', { class: 'btn btn-sm', 'data-entrustment-action': 'revoke', onclick: () => formDialog({ title: `撤销委托：${e.entrusted_org}`,
        fields: [{ name: 'reason', label: '撤销理由', type: 'textarea', required: true }], onSubmit: async (v) => {
          await post(`/api/v1/enforcement/entrustments/${e.id}/revoke`, v, { quiet: true });
          toast('委托已撤销', 'ok'); await loadEntrustments(); entrustmentList(box);
          return true;
        } }) }, '撤销'));
    }
    const state = e.revoked_at ? `已撤销 ${localDay(e.revoked_at)}` : e.published_at ? `已公布 ${localDay(e.published_at)}` : '未公布（公布前受委托组织不得实施）';
    return h('li', { 'data-entrustment': e.id }, h('b', null, e.entrusted_org), ` ${e.document_no}　${localDay(e.valid_from)} 至 ${localDay(e.valid_to)}`,
      e.region_code ? `　区域 ${e.region_code}` : '', h('br'), h('span', { class: 'muted' }, `${state}；事项：${e.power_codes.join('、')}`), ' ', ...buttons);
  });
  clear(box, rows.length ? h('ul', { class: 'list' }, ...rows) : empty('暂无委托执法记录'));
}

function createEntrustment(box) {
  return formDialog({ title: '登记委托执法（委托书）', fields: [
    { name: 'entrusted_org', label: '受委托组织', required: true }, { name: 'entrusted_org_uscc', label: '统一社会信用代码' },
    { name: 'entrusting_agency', label: '委托机关（默认本机关）' },
    { name: 'document_no', label: '委托书文号', required: true },
    { name: 'power_codes', label: '委托事项（权责清单编码，逗号分隔）', required: true },
    { name: 'region_code', label: '委托区域（街道代码，不填为全区）' },
    { name: 'valid_from', label: '委托期限自', type: 'date', required: true }, { name: 'valid_to', label: '至', type: 'date', required: true }],
  intro: '行政处罚法第二十条：委托书应当载明委托的具体事项、权限、期限，并向社会公布。',
  onSubmit: async (v) => {
    const body = drop({ ...v, power_codes: String(v.power_codes || '').split(/[,，、\s]+/).filter(Boolean),
      valid_from: fmt.fromLocalInput(`${v.valid_from}T00:00`), valid_to: fmt.fromLocalInput(`${v.valid_to}T23:59:59`) });
    await post('/api/v1/enforcement/entrustments', body, { quiet: true });
    toast('委托已登记，公布后生效', 'ok'); await loadEntrustments(); entrustmentList(box);
    return true;
  } });
}

function openEntrustments() {
  const box = h('div', { id: 'entrustments' });
  entrustmentList(box);
  return modal({ title: '委托执法', wide: true, body: h('div', null, box),
    actions: [{ label: '登记委托', key: 'create-entrustment', onClick: async () => { await createEntrustment(box); return false; } }] });
}

/** Loads the entrustments (for the lead form) and, for leaders and admins, adds the 委托执法 panel button. */
let entrustmentsLoaded = null;
/** Resolves once the entrustments in force are known (the lead form offers them; a click may come first). */
export const entrustmentsReady = () => entrustmentsLoaded || Promise.resolve();

export async function initProcedures() {
  entrustmentsLoaded = loadEntrustments();
  await entrustmentsLoaded;
  const bar = document.querySelector('.page-head .actions');
  if (bar && hasRole('leader', 'admin')) bar.append(h('button', { class: 'btn', id: 'entrustments-open', onclick: openEntrustments }, '委托执法'));
}
