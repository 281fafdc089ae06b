// 应用维护 · 类别与时限: the GB/T 47678.5-2026 directory with the city's adaptations (aliases, keywords,
// public reporting), each category's 立案条件/结案条件, and the time-limit rules (per stage, condition,
// urgency, region class). General rules (no category) under "通用时限".
import { get, post, put, patch, del } from '../cg/api.js';
import { h, clear, $, formDialog, confirmDialog, toast, empty, debounce } from '../cg/ui.js';
import { page } from '../cg/config.js';

const root = $('#adm-root');
const listEl = h('ul', { class: 'list adm-list', id: 'cat-list' });
const search = h('input', { type: 'search', placeholder: '搜索：名称、别名、拼音首字母或代码', id: 'cat-q', 'aria-label': '搜索类别' });
const kindSel = h('select', { id: 'cat-kind', 'aria-label': '大类' }, h('option', { value: '' }, '部件和事件'), h('option', { value: 'component' }, '部件'), h('option', { value: 'matter' }, '事件'));
const detail = h('div', { class: 'card', id: 'cat-detail' }, empty('选择左侧的类别'));
clear(root, h('div', { class: 'adm-split' },
  h('div', { class: 'card' }, h('div', { class: 'filters' }, search, kindSel,
    h('button', { type: 'button', class: 'btn btn-sm', id: 'general-limits', onclick: () => showGeneral() }, '通用时限')), listEl),
  detail));

const units = page.units, stages = page.stages, urg = page.urgencies;
const REGION = { 1: '一类区域', 2: '二类区域' };
let current = null;

async function loadList() {
  const data = await get('/api/v1/categories', { q: search.value.trim() || null, kind: kindSel.value || null, limit: 500 });
  clear(listEl, data.items.length ? data.items.map((c) => h('li', {
    dataset: { id: `${c.kind}:${c.code}`, code: c.code, kind: c.kind }, class: current && current.code === c.code && current.kind === c.kind ? 'sel' : '',
    onclick: () => show(c.code, c.kind),
  }, h('div', { class: 'item-title' }, h('span', { class: 'num' }, c.code), c.name, c.public_reportable ? h('span', { class: 'badge ok' }, '公众可报') : null),
  h('div', { class: 'item-meta' }, `${c.kind === 'component' ? '部件' : '事件'} · ${c.major_name}`, c.pinyin ? ` · ${c.pinyin}` : ''))) : [empty('没有匹配的类别')]);
}
search.addEventListener('input', debounce(loadList, 250));
kindSel.addEventListener('change', loadList);

function limitRows(rows, reload, withCategory = false) {
  if (!rows.length) return empty('没有专门的时限规则（沿用通用规则）');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'limits' },
    h('thead', null, h('tr', null, [withCategory ? '类别' : null, '环节', '立案条件', '紧急程度', '区域', '时限', '说明', ''].filter((x) => x !== null).map((x) => h('th', null, x)))),
    h('tbody', null, rows.map((t) => h('tr', { dataset: { limit: t.id } },
      withCategory ? h('td', null, t.category_name || '（全部）') : null,
      h('td', null, stages[t.stage] || t.stage), h('td', null, t.condition_number ? `第 ${t.condition_number} 条` : '全部'),
      h('td', null, t.urgency ? urg[t.urgency] : '全部'), h('td', null, t.region_class ? REGION[t.region_class] : '全部'),
      h('td', { class: 'num' }, h('b', { dataset: { amount: t.amount } }, String(t.amount)), ' ', units[t.unit] || t.unit, t.verified ? h('span', { class: 'badge ok', title: '标准规定的时限' }, '标准') : h('span', { class: 'badge warn', title: '本市设定，待核实' }, '本市')),
      h('td', { class: 'muted' }, t.note || ''),
      h('td', null, h('div', { class: 'btn-group' },
        h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'edit-limit' }, onclick: () => editLimit(t, reload) }, '修改'),
        h('button', { type: 'button', class: 'btn btn-sm btn-ghost', dataset: { action: 'delete-limit' }, onclick: async () => {
          if (await confirmDialog('删除时限规则', '删除后按更通用的规则计算时限。已在计时的案件不受影响。', { label: '删除', kind: 'danger' })) {
            await del(`/api/v1/admin/time-limits/${t.id}`); toast('已删除', 'ok'); reload();
          }
        } }, '删除'))))))));
}

function editLimit(t, reload) {
  return formDialog({
    title: `修改时限 · ${stages[t.stage] || t.stage}`,
    fields: [
      { name: 'amount', label: '时限', type: 'number', step: '0.5', min: '0.5', required: true, value: t.amount },
      { name: 'unit', label: '单位', type: 'select', options: Object.entries(units), value: t.unit },
      { name: 'note', label: '说明（依据）', value: t.note || '' },
    ],
    onSubmit: async (v) => { await patch(`/api/v1/admin/time-limits/${t.id}`, v); toast('时限已保存', 'ok'); reload(); },
  });
}

function addLimit(cat, conds, reload) {
  const fields = [
    { name: 'stage', label: '环节', type: 'select', options: Object.entries(stages), value: 'dispose' },
    cat ? { name: 'condition_number', label: '立案条件', type: 'select', options: [['', '全部'], ...conds.map((c) => [String(c.number), `第 ${c.number} 条`])] } : null,
    { name: 'urgency', label: '紧急程度', type: 'select', options: [['', '全部'], ...Object.entries(urg)] },
    { name: 'region_class', label: '区域类别', type: 'select', options: [['', '全部'], ['1', '一类区域'], ['2', '二类区域']] },
    { name: 'amount', label: '时限', type: 'number', step: '0.5', min: '0.5', required: true },
    { name: 'unit', label: '单位', type: 'select', options: Object.entries(units), value: 'work_hour' },
    { name: 'note', label: '说明（依据）' },
  ].filter(Boolean);
  return formDialog({
    title: cat ? `新增时限 · ${cat.name}` : '新增通用时限', fields,
    onSubmit: async (v) => {
      await post('/api/v1/admin/time-limits', {
        ...v, category_code: cat ? cat.code : null, category_kind: cat ? cat.kind : null,
        condition_number: v.condition_number ? +v.condition_number : null, region_class: v.region_class ? +v.region_class : null, urgency: v.urgency || null,
      });
      toast('时限已保存', 'ok'); reload();
    },
  });
}

function editCondition(cat, c, reload) {
  return formDialog({
    title: c ? `修改立案条件 第 ${c.number} 条` : '新增立案条件',
    fields: [
      { name: 'number', label: '编号', type: 'number', min: '1', max: '99', required: true, value: c ? c.number : null },
      { name: 'text', label: '立案条件', type: 'textarea', required: true, value: c ? c.text : '' },
      { name: 'closure_text', label: '结案条件', type: 'textarea', required: true, value: c ? c.closure_text : '' },
      { name: 'default_urgency', label: '默认紧急程度', type: 'select', options: Object.entries(urg), value: c ? c.default_urgency : 'normal' },
    ],
    onSubmit: async (v) => {
      await put(`/api/v1/admin/categories/${cat.code}/conditions/${v.number}?kind=${cat.kind}`, v);
      toast('立案条件已保存', 'ok'); reload();
    },
  });
}

async function show(code, kind) {
  current = { code, kind };
  for (const li of listEl.children) li.classList.toggle('sel', li.dataset.id === `${kind}:${code}`);
  const [cat, limits] = await Promise.all([
    get(`/api/v1/categories/${code}`, { kind }),
    get('/api/v1/admin/time-limits', { category_code: code, kind }),
  ]);
  const reload = () => show(code, kind);
  clear(detail,
    h('div', { class: 'case-head' }, h('h2', null, `${cat.name}（${cat.code}）`),
      h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'edit-category' }, onclick: () => formDialog({
        title: `编辑 ${cat.name}`,
        fields: [
          { name: 'aliases', label: '别名（逗号分隔）', value: cat.aliases.join('，') },
          { name: 'keywords', label: '关键词（逗号分隔）', value: cat.keywords.join('，') },
          { name: 'public_reportable', label: '公众可在网页上反映此类问题', type: 'checkbox', value: cat.public_reportable },
          { name: 'default_department_type', label: '默认处置部门类型', value: cat.default_department_type || '' },
        ],
        onSubmit: async (v) => {
          const split = (s) => (s || '').split(/[,，、\s]+/).filter(Boolean);
          await patch(`/api/v1/admin/categories/${cat.code}?kind=${cat.kind}`, { aliases: split(v.aliases), keywords: split(v.keywords), public_reportable: v.public_reportable, default_department_type: v.default_department_type });
          toast('已保存', 'ok'); reload(); loadList();
        },
      }) }, '编辑')),
    h('dl', { class: 'kv' },
      h('dt', null, '大类'), h('dd', null, `${cat.kind === 'component' ? '部件' : '事件'} · ${cat.major_name}（${cat.major_code}）`),
      h('dt', null, '拼音首字母'), h('dd', null, cat.pinyin || '—'),
      h('dt', null, '别名'), h('dd', null, cat.aliases.length ? cat.aliases.map((a) => h('span', { class: 'chip' }, a)) : '—'),
      h('dt', null, '关键词'), h('dd', null, cat.keywords.length ? cat.keywords.map((a) => h('span', { class: 'chip' }, a)) : '—'),
      h('dt', null, '公众可报'), h('dd', null, cat.public_reportable ? '是' : '否'),
      h('dt', null, '默认部门类型'), h('dd', null, cat.default_department_type || '—')),
    h('div', { class: 'case-head', style: { marginTop: '14px' } }, h('h3', null, '立案条件与结案条件'),
      h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-condition' }, onclick: () => editCondition(cat, null, reload) }, '新增条件')),
    cat.conditions.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', id: 'conditions' },
      h('thead', null, h('tr', null, ['编号', '立案条件', '结案条件', '紧急程度', ''].map((x) => h('th', null, x)))),
      h('tbody', null, cat.conditions.map((c) => h('tr', { dataset: { number: c.number } },
        h('td', null, String(c.number)), h('td', null, c.text), h('td', null, c.closure_text), h('td', null, urg[c.default_urgency] || c.default_urgency),
        h('td', null, h('div', { class: 'btn-group' },
          h('button', { type: 'button', class: 'btn btn-sm', onclick: () => editCondition(cat, c, reload) }, '修改'),
          h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: async () => {
            if (await confirmDialog('停用立案条件', `停用第 ${c.number} 条？已立案的案件不受影响。`, { label: '停用', kind: 'danger' })) {
              await del(`/api/v1/admin/categories/${cat.code}/conditions/${c.number}?kind=${cat.kind}`); toast('已停用', 'ok'); reload();
            }
          } }, '停用')))))))) : empty('没有立案条件'),
    h('div', { class: 'case-head', style: { marginTop: '14px' } }, h('h3', null, '时限规则'),
      h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-limit' }, onclick: () => addLimit(cat, cat.conditions, reload) }, '新增时限')),
    limitRows(limits, reload));
  if (window.matchMedia('(max-width: 1100px)').matches) detail.scrollIntoView({ behavior: 'smooth' });
}

async function showGeneral() {
  current = null;
  for (const li of listEl.children) li.classList.remove('sel');
  const rows = await get('/api/v1/admin/time-limits', { general: true });
  clear(detail, h('div', { class: 'case-head' }, h('h2', null, '通用时限规则'),
    h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'add-limit' }, onclick: () => addLimit(null, [], showGeneral) }, '新增时限')),
  h('p', { class: 'muted' }, '不针对具体类别的规则；类别或立案条件有专门规则时以更具体的为准。'),
  limitRows(rows, showGeneral, true));
}

loadList();
const want = new URLSearchParams(location.search).get('code');
if (want) show(want, new URLSearchParams(location.search).get('kind') || 'matter');
