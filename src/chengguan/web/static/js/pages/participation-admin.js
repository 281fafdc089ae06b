// Administration of public participation and data exchange: Open311 API keys, exchange partners,
// moderation of public reports, blocked reporters, the rewards ledger and social supervisors.
import { get, post, put, patch, del } from '../cg/api.js';
import { h, clear, $, toast, formDialog, confirmDialog, pager } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const body = $('#adm-body');
const TABS = [
  ['moderation', '上报审核', false], ['blocks', '封禁名单', false], ['open311', 'Open311 客户端', true],
  ['partners', '交换平台', true], ['rewards', '积分台账', true], ['supervisors', '社会监督员', true],
].filter(([, , adminOnly]) => page.admin || !adminOnly);

function table(head, rows) {
  return h('table', { class: 'adm-table' }, h('thead', null, h('tr', null, head.map((x) => h('th', null, x)))),
    h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: head.length, class: 'muted' }, '暂无数据'))));
}
const tr = (...cells) => h('tr', null, cells.map((c) => h('td', null, c)));
const dt = (v) => (v ? fmt.dateTime(v) : '—');

const VIEWS = {
  async moderation(p = 1) {
    const d = await get('/api/v1/participation/moderation', { flagged: true, page: p, page_size: 20 });
    const pg = h('div');
    clear(body, h('p', { class: 'muted' }, '命中审核词表的公众上报在审核前不会出现在公开地图和 Open311 列表中。'),
      table(['案件', '来源', '描述', '命中', '提交时间', '操作'], d.items.map((i) => tr(i.case_no, i.via, i.description, i.flags.join('、'), dt(i.created_at),
        h('span', null,
          h('button', { class: 'btn btn-sm', onclick: async () => { await post(`/api/v1/participation/moderation/${i.case_id}`, { hidden: false }); toast('已公开（敏感词遮盖显示）', 'ok'); VIEWS.moderation(p); } }, '公开'), ' ',
          h('button', { class: 'btn btn-sm', onclick: async () => { await post(`/api/v1/participation/moderation/${i.case_id}`, { hidden: true }); toast('已确认不公开', 'ok'); VIEWS.moderation(p); } }, '不公开'), ' ',
          h('button', { class: 'btn btn-sm btn-danger', onclick: async () => {
            if (!(await confirmDialog('封禁上报人', '封禁该上报人的 IP、手机号和账号？', { label: '封禁', kind: 'danger' }))) return;
            await post(`/api/v1/participation/moderation/${i.case_id}/block-reporter`); toast('已封禁', 'ok'); VIEWS.moderation(p);
          } }, '封禁上报人'))))), pg);
    pager(pg, { page: p, pageSize: 20, total: d.total, onChange: VIEWS.moderation });
  },
  async blocks() {
    const d = await get('/api/v1/participation/blocks');
    clear(body, h('button', { class: 'btn btn-primary', onclick: () => formDialog({ title: '新增封禁', fields: [
      { name: 'kind', label: '类型', type: 'select', options: [['phone', '手机号'], ['ip', 'IP 地址'], ['user', '用户 ID']], required: true },
      { name: 'value', label: '值', required: true }, { name: 'reason', label: '原因' }],
    onSubmit: async (v) => { await post('/api/v1/participation/blocks', v); VIEWS.blocks(); } }) }, '新增封禁'),
    table(['类型', '对象', '原因', '期限', '时间', ''], d.map((b) => tr(b.kind, b.label, b.reason || '', b.until ? dt(b.until) : '长期', dt(b.created_at),
      h('button', { class: 'btn btn-sm', onclick: async () => { await del(`/api/v1/participation/blocks/${b.id}`); VIEWS.blocks(); } }, '解除')))));
  },
  async open311() {
    const d = await get('/api/v1/open311/clients');
    clear(body, h('p', { class: 'muted' }, 'Open311 GeoReport v2 接口：/open311/v2/discovery.json。API key 只在创建时显示一次，系统只保存其摘要。'),
      h('button', { class: 'btn btn-primary', id: 'new-client', onclick: () => formDialog({ title: '新建 Open311 客户端', fields: [
        { name: 'name', label: '名称', required: true }, { name: 'contact', label: '联系方式' },
        { name: 'rate_limit_per_minute', label: '每分钟请求上限', type: 'number', value: 60 }],
      onSubmit: async (v) => {
        const r = await post('/api/v1/open311/clients', { ...v, rate_limit_per_minute: Number(v.rate_limit_per_minute) || 60 });
        await VIEWS.open311();
        body.prepend(h('div', { class: 'adm-key', id: 'new-key' }, `新客户端“${r.name}”的 API key（请立即复制保存）：${r.api_key}`));
      } }) }, '新建客户端'),
      table(['名称', '前缀', '限流/分', '状态', '最近使用', ''], d.map((c) => tr(c.name, c.key_prefix, c.rate_limit_per_minute,
        c.is_active ? '有效' : `已吊销 ${dt(c.revoked_at)}`, dt(c.last_used_at),
        c.is_active ? h('button', { class: 'btn btn-sm btn-danger', onclick: async () => {
          if (!(await confirmDialog('吊销 API key', `吊销“${c.name}”的 API key？`, { label: '吊销', kind: 'danger' }))) return;
          await post(`/api/v1/open311/clients/${c.id}/revoke`); VIEWS.open311();
        } }, '吊销') : ''))));
  },
  async partners() {
    const d = await get('/api/v1/exchange-partners');
    clear(body, h('p', { class: 'muted' }, '数据交换：入站 POST /api/v1/exchange/{平台标识}/inbound（HMAC 签名），拉取 GET /api/v1/exchange/{平台标识}/feed?cursor=…'),
      h('button', { class: 'btn btn-primary', onclick: () => formDialog({ title: '新增交换平台', fields: [
        { name: 'code', label: '平台标识', required: true }, { name: 'name', label: '名称', required: true },
        { name: 'kind', label: '类型', type: 'select', options: [['hotline', '12345 热线'], ['upper', '上级平台'], ['lower', '下级平台'], ['department', '部门系统'], ['other', '其他']] },
        { name: 'outbound_url', label: '推送地址（留空则对方拉取）' }, { name: 'send_all', label: '推送全部案件（上级平台）', type: 'checkbox' }],
      onSubmit: async (v) => {
        const r = await post('/api/v1/exchange-partners', { ...v, outbound_url: v.outbound_url || null });
        await VIEWS.partners();
        body.prepend(h('div', { class: 'adm-key' }, `平台“${r.name}”的签名密钥（请交给对方并妥善保存）：${r.secret}`));
      } }) }, '新增平台'),
      table(['标识', '名称', '类型', '推送地址', '全部案件', '关联案件', '状态', ''], d.map((x) => tr(x.code, x.name, x.kind, x.outbound_url || '（拉取）',
        x.send_all ? '是' : '否', x.links, x.is_active ? '启用' : '停用',
        h('button', { class: 'btn btn-sm', onclick: async () => { await patch(`/api/v1/exchange-partners/${x.id}`, { is_active: !x.is_active }); VIEWS.partners(); } }, x.is_active ? '停用' : '启用')))));
  },
  async rewards(p = 1) {
    const d = await get('/api/v1/participation/rewards/ledger', { page: p, page_size: 50 });
    const pg = h('div');
    clear(body, h('div', { class: 'pub-row' },
      h('button', { class: 'btn', onclick: async () => { const r = await post('/api/v1/participation/rewards/run'); toast(`新增 ${r.awarded} 条积分`, 'ok'); VIEWS.rewards(); } }, '立即结算积分'),
      h('button', { class: 'btn', onclick: () => formDialog({ title: '积分调整 / 兑换', fields: [
        { name: 'user_id', label: '用户 ID', type: 'number', required: true }, { name: 'points', label: '积分（兑换填负数）', type: 'number', required: true },
        { name: 'note', label: '原因', required: true }],
      onSubmit: async (v) => { await post('/api/v1/participation/rewards/adjust', { user_id: Number(v.user_id), points: Number(v.points), note: v.note }); VIEWS.rewards(); } }) }, '调整积分')),
    table(['时间', '用户', '案件', '积分', '类型', '月份', '备注'], d.items.map((e) => tr(dt(e.created_at), e.user_id, e.case_id || '', e.points, e.reason, e.period, e.note || ''))), pg);
    pager(pg, { page: p, pageSize: 50, total: d.total, onChange: VIEWS.rewards });
  },
  async supervisors() {
    const d = await get('/api/v1/participation/supervisors');
    clear(body, h('p', { class: 'muted' }, '社会监督员须为已注册的公众用户；其上报是否免核实由系统设置 participation.supervisors_skip_verify 决定。'),
      h('button', { class: 'btn btn-primary', onclick: () => formDialog({ title: '聘任社会监督员', fields: [
        { name: 'user_id', label: '用户 ID', type: 'number', required: true }, { name: 'note', label: '备注' }],
      onSubmit: async (v) => { await put(`/api/v1/participation/supervisors/${Number(v.user_id)}`, { is_active: true, note: v.note || null }); VIEWS.supervisors(); } }) }, '聘任'),
      table(['用户', '姓名', '聘任日期', '状态', '备注', ''], d.map((s) => tr(s.username, s.display_name, s.since, s.is_active ? '在任' : '已解聘', s.note || '',
        h('button', { class: 'btn btn-sm', onclick: async () => { await put(`/api/v1/participation/supervisors/${s.user_id}`, { is_active: !s.is_active, note: s.note }); VIEWS.supervisors(); } }, s.is_active ? '解聘' : '恢复')))));
  },
};

function open(key) {
  clear($('#adm-tabs'), TABS.map(([k, label]) => h('button', { type: 'button', class: k === key ? 'active' : '', dataset: { tab: k }, onclick: () => open(k) }, label)));
  clear(body, h('p', { class: 'muted' }, '加载中…'));
  VIEWS[key]();
}
open(TABS[0][0]);
