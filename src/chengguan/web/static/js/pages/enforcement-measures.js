// 网上办案 case page: 先行登记保存 / 查封 / 扣押 (item lists, extension, handling) and 移送 (police / other
// agencies, with the 两法衔接 steps and receipts). Forms only collect; the API checks every rule and its
// refusal is shown inside the form.
import { h, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';

export const MEASURE_KINDS = { preserve: '先行登记保存', seal: '查封', seize: '扣押' };
export const MEASURE_OUTCOMES = {
  confiscate: '没收', destroy: '销毁', release: '解除查封（扣押）', return: '退还当事人', seize: '转为查封扣押', test: '送检测、检验、鉴定',
};
export const TRANSFER_KINDS = { police: '涉嫌犯罪移送公安机关', agency: '移送其他行政机关' };
const REPLY = { accepted: '已立案', refused: '不予立案' };

/** "名称 数量 规格 备注" per line (space, tab, comma or 、 between) → [{name, quantity, spec, note}]. */
export function parseItems(text) {
  return String(text || '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) => {
    const [name = '', quantity = '', spec = null, ...note] = l.split(/[\s,，、\t]+/);
    return { name, quantity, spec: spec || null, note: note.length ? note.join(' ') : null };
  });
}

const itemsText = (items) => (items || []).map((i) => [i.name, i.quantity, i.spec, i.note].filter(Boolean).join(' ')).join('；');

export function measureFields(ctx) {
  return [
    { name: 'kind', label: '措施种类', type: 'select', options: Object.entries(MEASURE_KINDS) },
    { name: 'items', label: '物品清单（每行一项：名称 数量 规格）', type: 'textarea', required: true,
      placeholder: '三轮车 1辆\n遮阳伞 2把 蓝色', hint: '名称和数量必填' },
    { name: 'approved_by', label: '批准的负责人', type: 'select', options: ctx.leaderOptions(), required: true },
    { name: 'partner', label: '另一名执法人员', type: 'select', options: ctx.partnerOptions(), required: true },
    { name: 'days', label: '查封、扣押期限（日，不超过30日；先行登记保存不填）', type: 'number', min: 1, max: 365 },
    { name: 'storage_place', label: '保存地点' }];
}

export function transferFields(ctx) {
  return [
    { name: 'kind', label: '移送类型', type: 'select', options: Object.entries(TRANSFER_KINDS) },
    { name: 'receiver', label: '接收机关', required: true, placeholder: '如：海门区公安局 / 区市场监督管理局' },
    { name: 'reason', label: '移送理由', type: 'textarea', required: true },
    { name: 'items', label: '随案移送的物品（每行一项：名称 数量）', type: 'textarea' },
    { name: 'partner', label: '另一名执法人员（移送公安须两人）', type: 'select', options: ctx.partnerOptions() }];
}

/** The next steps of one transfer: [action key, button label, fields, fixed body]. */
function transferSteps(t, ctx) {
  const note = { name: 'note', label: '说明', type: 'textarea' };
  const out = [];
  if (t.kind === 'police' && !t.approved_at && ctx.isLeader) out.push(['approve', '批准移送', [{ ...note, label: '审批意见' }]]);
  if (t.kind === 'police' && t.approved_at && !t.sent_at) out.push(['send', '移送公安机关', []]);
  if (t.sent_at && !t.receipt_at) out.push(['receipt', '登记回执', [{ name: 'receipt_by', label: '接收机关签收人', required: true }, note]]);
  if (t.kind === 'police' && t.receipt_at && !t.reply) {
    out.push(['reply', '登记公安答复', [{ name: 'reply', label: '公安机关决定', type: 'select', options: Object.entries(REPLY) }, note]]);
  }
  if (t.reply === 'refused' && !t.reconsider_at) out.push(['reconsider', '提请复议', [{ ...note, label: '复议理由', required: true }]]);
  if (t.reply === 'refused') out.push(['resume', '恢复行政处罚办理', [note]]);
  if (t.reply === 'accepted' && !t.handed_over_at) out.push(['handover', '移交涉案物品和材料', [note]]);
  return out;
}

function transferState(t) {
  const parts = [`报告 ${fmt.dateTime(t.reported_at, 'short')}`];
  if (t.approved_at) parts.push(`批准 ${fmt.dateTime(t.approved_at, 'short')}`);
  if (t.sent_at) parts.push(`移送 ${fmt.dateTime(t.sent_at, 'short')}`);
  if (t.receipt_at) parts.push(`回执 ${fmt.dateTime(t.receipt_at, 'short')}（签收人：${t.receipt_by || '—'}）`);
  if (t.reply) parts.push(`公安${REPLY[t.reply]} ${fmt.dateTime(t.reply_at, 'short')}`);
  if (t.reconsider_at) parts.push(`提请复议 ${fmt.dateTime(t.reconsider_at, 'short')}`);
  if (t.handed_over_at) parts.push(`已移交 ${fmt.dateTime(t.handed_over_at, 'short')}`);
  if (t.kind === 'police' && !t.approved_at) parts.push('待机关负责人批准');
  else if (t.sent_at && !t.receipt_at) parts.push('待取得回执');
  return parts.join(' → ');
}

/**
 * The two sections of the case page. ctx: {run(action, label, fields, fixedBody), isLeader, isHandler}.
 */
export function sections(c, ctx) {
  const measures = c.measures.map((m) => {
    const open = !m.ended_at;
    const buttons = [];
    if (open && m.kind !== 'preserve' && !m.extended_at && ctx.isLeader) {
      buttons.push(h('button', { class: 'btn btn-sm', 'data-measure-action': 'extend', onclick: () => ctx.run('measure-extend', '延长查封扣押期限', [
        { name: 'days', label: '延长天数（不超过30日）', type: 'number', required: true, min: 1, max: 365 },
        { name: 'reason', label: '延长理由', type: 'textarea', required: true }], { measure_id: m.id }) }, '延长期限'));
    }
    if (open && ctx.isHandler) {
      const outcomes = Object.entries(MEASURE_OUTCOMES).filter(([k]) => k !== 'seize' || m.kind === 'preserve');
      buttons.push(h('button', { class: 'btn btn-sm', 'data-measure-action': 'end', onclick: () => ctx.run('measure-end', `处理${MEASURE_KINDS[m.kind]}物品`, [
        { name: 'outcome', label: '处理决定', type: 'select', options: outcomes }], { measure_id: m.id }) }, '作出处理决定'));
    }
    const cd = open ? fmt.countdown(m.due_at) : null;
    return h('li', { 'data-measure': m.id },
      h('b', null, MEASURE_KINDS[m.kind] || m.kind), ` ${itemsText(m.items)}`, m.storage_place ? `（保存于${m.storage_place}）` : '', h('br'),
      open
        ? h('span', { class: cd.overdue ? 'overdue' : 'muted' }, `期限至 ${fmt.dateTime(m.due_at)}（${cd.text}）${m.extended_at ? '，已延长' : ''}`)
        : h('span', { class: 'muted' }, `已处理：${MEASURE_OUTCOMES[m.outcome] || m.outcome} ${fmt.dateTime(m.ended_at, 'short')}`),
      ' ', ...buttons);
  });
  const transfers = c.transfers.map((t) => h('li', { 'data-transfer': t.id },
    h('b', null, TRANSFER_KINDS[t.kind] || t.kind), ` → ${t.receiver}：${t.reason}`,
    t.items && t.items.length ? h('span', { class: 'muted' }, `（移送物品：${itemsText(t.items)}）`) : '', h('br'),
    h('span', { class: 'muted' }, transferState(t)), ' ',
    ...transferSteps(t, ctx).map(([step, label, fields]) => h('button', { class: 'btn btn-sm', 'data-transfer-step': step,
      onclick: () => ctx.run('transfer-step', label, fields, { transfer_id: t.id, step }) }, label))));
  return [
    h('h3', null, '证据保全与查封扣押'),
    measures.length ? h('ul', { class: 'list', id: 'measures' }, ...measures) : empty('暂无先行登记保存或查封扣押措施'),
    h('h3', null, '案件移送'),
    transfers.length ? h('ul', { class: 'list', id: 'transfers' }, ...transfers) : empty('本案未移送'),
  ];
}
