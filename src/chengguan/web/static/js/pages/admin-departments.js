// 应用维护 · 部门: the organisation (supervision and command centres, professional departments, streets,
// contractors, enforcement), create and edit.
import { get, post, patch } from '../cg/api.js';
import { h, clear, $, formDialog, toast } from '../cg/ui.js';

const LEVELS = { city: '市级', district: '区级', street: '街道/镇', community: '社区/村' };
const KINDS = { supervision: '监督中心', command: '指挥中心', professional: '专业部门', street: '街道/镇', contractor: '作业单位', enforcement: '执法队伍', other: '其他' };
const root = $('#adm-root');
let all = [];
const q = h('input', { type: 'search', placeholder: '按名称筛选', 'aria-label': '按名称筛选' });
const kindSel = h('select', { 'aria-label': '类型' }, h('option', { value: '' }, '全部类型'), Object.entries(KINDS).map(([k, l]) => h('option', { value: k }, l)));
const table = h('div', { class: 'table-wrap' });
clear(root, h('div', { class: 'card' }, h('div', { class: 'filters' }, q, kindSel), table));
q.addEventListener('input', render);
kindSel.addEventListener('change', render);

function fields(d = {}, create = false) {
  return [
    create ? { name: 'key', label: '标识（小写字母、数字、-_.）', required: true, placeholder: 'dept-waterworks' } : null,
    { name: 'name', label: '名称', required: true, value: d.name },
    { name: 'short_name', label: '简称', value: d.short_name },
    { name: 'level', label: '层级', type: 'select', options: Object.entries(LEVELS), value: d.level || 'district' },
    { name: 'kind', label: '类型', type: 'select', options: Object.entries(KINDS), value: d.kind || 'professional' },
    { name: 'type_key', label: '部门类型（路由用，如 sanitation）', value: d.type_key },
    { name: 'parent_id', label: '上级部门', type: 'select', options: [['', '无'], ...all.map((x) => [String(x.id), x.name])], value: d.parent_id != null ? String(d.parent_id) : '' },
    { name: 'region_code', label: '辖区代码（6/9/12 位）', value: d.region_code },
    { name: 'phone', label: '电话', value: d.phone },
    { name: 'uscc', label: '统一社会信用代码', value: d.uscc },
    create ? null : { name: 'is_active', label: '启用', type: 'checkbox', value: d.is_active },
  ].filter(Boolean);
}
const clean = (v) => ({ ...v, parent_id: v.parent_id ? +v.parent_id : null });

function render() {
  const text = q.value.trim();
  const rows = all.filter((d) => (!text || d.name.includes(text) || (d.short_name || '').includes(text)) && (!kindSel.value || d.kind === kindSel.value));
  const byId = Object.fromEntries(all.map((d) => [d.id, d]));
  clear(table, h('table', { class: 'table', id: 'depts' },
    h('thead', null, h('tr', null, ['名称', '类型', '层级', '上级', '辖区', '电话', '状态', ''].map((x) => h('th', null, x)))),
    h('tbody', null, rows.map((d) => h('tr', { dataset: { dept: d.id } },
      h('td', null, d.name, d.short_name ? h('div', { class: 'muted' }, d.short_name) : null), h('td', null, KINDS[d.kind] || d.kind),
      h('td', null, LEVELS[d.level] || d.level), h('td', null, d.parent_id ? (byId[d.parent_id] || {}).name || d.parent_id : '—'),
      h('td', { class: 'num' }, d.region_code || '—'), h('td', null, d.phone || '—'),
      h('td', null, d.is_active ? h('span', { class: 'badge ok' }, '启用') : h('span', { class: 'badge' }, '停用')),
      h('td', null, h('button', { type: 'button', class: 'btn btn-sm', onclick: () => formDialog({
        title: `编辑 ${d.name}`, fields: fields(d),
        onSubmit: async (v) => { await patch(`/api/v1/departments/${d.id}`, clean(v)); toast('已保存', 'ok'); load(); },
      }) }, '编辑')))))));
}

async function load() { all = await get('/api/v1/departments'); render(); }
clear($('#adm-actions'), h('button', { type: 'button', class: 'btn btn-primary', onclick: () => formDialog({
  title: '新增部门', fields: fields({}, true),
  onSubmit: async (v) => { await post('/api/v1/departments', clean(v)); toast('部门已添加', 'ok'); load(); },
}) }, '新增部门'));
load();
