// 应用维护 · 派遣路由: which department a case goes to (category × region × 立案条件 → department; the most
// specific rule wins), with a tester that asks the routing table for a category at the city centre.
import { get, post, put, del } from '../cg/api.js';
import { h, clear, $, formDialog, confirmDialog, toast, empty } from '../cg/ui.js';
import { config } from '../cg/config.js';

const root = $('#adm-root');
let depts = [];
let streets = [];

function ruleFields(r = {}) {
  return [
    { name: 'department_id', label: '处置部门', type: 'select', required: true, options: depts.map((d) => [String(d.id), d.name]), value: r.department_id != null ? String(r.department_id) : '' },
    { name: 'category_code', label: '类别代码（5 位，空：不限）', value: r.category_code || '', placeholder: '例如 09006' },
    { name: 'category_kind', label: '部件/事件', type: 'select', options: [['matter', '事件'], ['component', '部件']], value: r.category_kind || 'matter' },
    { name: 'major_code', label: '大类代码（2 位，空：不限）', value: r.major_code || '' },
    { name: 'condition_number', label: '立案条件编号（空：不限）', type: 'number', min: '1', max: '99', value: r.condition_number },
    { name: 'region_code', label: '区域（街道 9 位 / 社区 12 位 / 网格 15 位，空：全区）', type: 'select', options: [['', '全区'], ...streets.map((s) => [s.code, `${s.name}（${s.code}）`])], value: r.region_code || '' },
    { name: 'priority', label: '优先级（同样具体时数大者优先）', type: 'number', value: r.priority ?? 0 },
    { name: 'note', label: '说明', value: r.note || '' },
  ];
}

function body(v) {
  return {
    department_id: +v.department_id, category_code: v.category_code || null, category_kind: v.category_code ? v.category_kind : null,
    major_code: v.major_code || null, condition_number: v.condition_number || null, region_code: v.region_code || null,
    priority: v.priority || 0, note: v.note || null,
  };
}

const filter = h('input', { type: 'search', placeholder: '按类别、部门或说明筛选', 'aria-label': '筛选规则' });
let allRules = [];
const countEl = h('span', { class: 'muted' });
const tableEl = h('div');
clear(root, h('div', { class: 'card' }, h('div', { class: 'filters' }, filter, countEl), tableEl));
filter.addEventListener('input', () => render());

async function load() {
  allRules = await get('/api/v1/admin/routing-rules/named');
  render();
}

function render() {
  const t = filter.value.trim();
  const rules = allRules.filter((r) => !t || [r.category_name, r.category_code, r.department_name, r.note].some((x) => (x || '').includes(t)));
  const streetName = Object.fromEntries(streets.map((s) => [s.code, s.name]));
  countEl.textContent = `共 ${allRules.length} 条规则`;
  clear(tableEl,
    rules.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'rules' },
      h('thead', null, h('tr', null, ['#', '类别', '立案条件', '区域', '处置部门', '优先级', '说明', ''].map((x) => h('th', null, x)))),
      h('tbody', null, rules.map((r) => h('tr', { dataset: { rule: r.id } },
        h('td', { class: 'num' }, String(r.id)),
        h('td', null, r.category_code ? `${r.category_name}（${r.category_code}）` : r.major_code ? `大类 ${r.major_code}` : r.kind ? (r.kind === 'component' ? '全部部件' : '全部事件') : '全部'),
        h('td', null, r.condition_number ? `第 ${r.condition_number} 条` : '—'),
        h('td', null, r.region_code ? (streetName[r.region_code] || r.region_code) : '全区'),
        h('td', { dataset: { dept: r.department_id } }, r.department_name),
        h('td', { class: 'num' }, String(r.priority)), h('td', { class: 'muted' }, r.note || ''),
        h('td', null, h('div', { class: 'btn-group' },
          h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'edit-rule' }, onclick: () => formDialog({
            title: `修改路由规则 #${r.id}`, fields: ruleFields(r),
            onSubmit: async (v) => { await put(`/api/v1/admin/routing-rules/${r.id}`, body(v)); toast('路由规则已保存', 'ok'); load(); },
          }) }, '修改'),
          h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: async () => {
            if (await confirmDialog('删除路由规则', `删除规则 #${r.id}？`, { label: '删除', kind: 'danger' })) { await del(`/api/v1/admin/routing-rules/${r.id}`); toast('已删除', 'ok'); load(); }
          } }, '删除')))))))) : empty('还没有路由规则'));
}

async function tester() {
  const c = config.city && config.city.center;
  return formDialog({
    title: '测试路由', intro: '在给定位置（默认城区中心）上报某类问题时，路由表会选哪个部门？',
    fields: [{ name: 'category_code', label: '类别代码', required: true, value: '09006' },
      { name: 'lon', label: '经度', type: 'number', step: 'any', value: c ? c.lon : null, required: true },
      { name: 'lat', label: '纬度', type: 'number', step: 'any', value: c ? c.lat : null, required: true }],
    submit: '查询',
    onSubmit: async (v) => {
      const out = await get('/api/v1/admin/routing-rules/suggest', v);
      toast(out.department_name ? `派往：${out.department_name}` : '没有匹配的规则（需派遣员手动选择）', out.department_name ? 'ok' : 'warn', 8000);
      return false;
    },
  });
}

clear($('#adm-actions'),
  h('button', { type: 'button', class: 'btn', onclick: tester }, '测试路由'),
  h('button', { type: 'button', class: 'btn btn-primary', dataset: { action: 'add-rule' }, onclick: () => formDialog({
    title: '新增路由规则', fields: ruleFields(),
    onSubmit: async (v) => { await post('/api/v1/admin/routing-rules', body(v)); toast('路由规则已添加', 'ok'); load(); },
  }) }, '新增规则'));

(async () => {
  const [d, gj] = await Promise.all([get('/api/v1/departments'), get('/api/v1/divisions', { level: 'street' })]);
  depts = d.filter((x) => x.is_active);
  streets = gj.features.map((f) => ({ code: f.properties.code, name: f.properties.name }));
  load();
})();
