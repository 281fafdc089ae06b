// 应用维护 · 区域与网格: the district, streets and communities (rename), the unit grids on the map (click
// one to edit its name and region class 一类/二类, which time limits and evaluation use), and the import
// of a new grid layer (GeoJSON, all-or-nothing with a list of problems).
import { get, patch, post } from '../cg/api.js';
import { CityMap } from '../cg/map.js';
import { h, clear, $, formDialog, toast, modal } from '../cg/ui.js';

const root = $('#adm-root');
const side = h('div', { class: 'stack' });
const gridCard = h('div', { class: 'card', id: 'grid-card' }, h('h2', null, '单元网格'), h('p', { class: 'muted' }, '放大地图（14 级以上）显示网格，点击网格编辑名称和区域类别。'));
const divCard = h('div', { class: 'card' }, h('h2', null, '行政区划'), h('ul', { class: 'list', id: 'divisions' }));
side.append(gridCard, divCard);
const mapEl = h('div', { id: 'adm-map', class: 'map adm-map' });
clear(root, h('div', { class: 'adm-split' }, side, h('div', { class: 'card', style: { padding: '6px' } }, mapEl)));

const CLASS_STYLE = { 1: { fillColor: '#0b5cad', color: '#0b5cad' }, 2: { fillColor: '#1f9d55', color: '#1f9d55' } };
let selected = null;
const cm = new CityMap(mapEl, {
  grids: 'auto', gridMinZoom: 14, communities: true,
  gridStyle: (f) => ({ ...(CLASS_STYLE[f.properties.region_class] || CLASS_STYLE[2]), weight: f.properties.code === selected ? 3 : 1, fillOpacity: f.properties.code === selected ? 0.45 : 0.12 }),
});
window.cgAdminMap = cm;
cm.legend([[CLASS_STYLE[1].fillColor, '一类区域'], [CLASS_STYLE[2].fillColor, '二类区域']], 'bottomright', '区域类别');
cm.onGrids = (gj, layer) => {
  mapEl.dataset.grids = gj.features.length;
  layer.eachLayer((l) => l.on('click', () => showGrid(l.feature.properties)));
};

function showGrid(p) {
  selected = p.code;
  if (cm.layers.grids) cm.layers.grids.setStyle(cm._gridStyle);
  clear(gridCard, h('h2', null, '单元网格'),
    h('dl', { class: 'kv', dataset: { grid: p.code } },
      h('dt', null, '编码'), h('dd', { class: 'num' }, p.code),
      h('dt', null, '名称'), h('dd', null, p.name || '—'),
      h('dt', null, '区域类别'), h('dd', null, p.region_class === 1 ? '一类区域' : '二类区域'),
      h('dt', null, '面积'), h('dd', null, `${(p.area_m2 / 10000).toFixed(2)} 公顷`),
      h('dt', null, '社区'), h('dd', { class: 'num' }, p.community_code),
      h('dt', null, '启用日期'), h('dd', null, p.valid_from || '—')),
    h('p', null, h('button', { type: 'button', class: 'btn btn-primary btn-sm', dataset: { action: 'edit-grid' }, onclick: () => formDialog({
      title: `编辑网格 ${p.code}`,
      fields: [{ name: 'name', label: '名称', value: p.name || '' },
        { name: 'region_class', label: '区域类别', type: 'select', options: [['1', '一类区域（主次干道、广场、商业区等）'], ['2', '二类区域']], value: String(p.region_class || 2) }],
      onSubmit: async (v) => {
        const out = await patch(`/api/v1/admin/grids/${p.code}`, { name: v.name || '', region_class: +v.region_class });
        Object.assign(p, out);
        toast('网格已保存', 'ok');
        cm._refreshViewportLayers();
        showGrid(p);
      },
    }) }, '编辑')));
}

async function loadDivisions() {
  const [d, s, c] = await Promise.all(['district', 'street', 'community'].map((level) => get('/api/v1/divisions', { level })));
  const byParent = {};
  for (const f of c.features) (byParent[f.properties.parent_code] ||= []).push(f.properties);
  const row = (p, level) => h('li', { dataset: { division: p.code } }, h('div', { class: 'item-title' }, h('span', null, p.name), h('span', { class: 'badge' }, level),
    h('button', { type: 'button', class: 'link', onclick: () => formDialog({
      title: `重命名 ${p.name}`, fields: [{ name: 'name', label: '名称', required: true, value: p.name }],
      onSubmit: async (v) => { await patch(`/api/v1/admin/divisions/${p.code}`, v); toast('已保存', 'ok'); loadDivisions(); },
    }) }, '重命名')), h('div', { class: 'item-meta num' }, p.code, level === '街道/镇' ? ` · ${(byParent[p.code] || []).length} 个社区/村` : ''));
  clear($('#divisions'), d.features.map((f) => row(f.properties, '区')), s.features.map((f) => row(f.properties, '街道/镇')));
}

clear($('#adm-actions'), h('button', { type: 'button', class: 'btn', onclick: () => {
  const input = h('input', { type: 'file', accept: '.geojson,.json,application/geo+json,application/json' });
  const replace = h('input', { type: 'checkbox' });
  return modal({
    title: '导入单元网格（GeoJSON）',
    body: h('div', { class: 'form' }, h('p', { class: 'muted' }, 'FeatureCollection，每个要素含 code（15 位）、name、region_class 等属性；全部校验通过才导入。'), input, h('label', { class: 'check' }, replace, '替换现有网格（未出现的网格将停用）')),
    actions: [{ label: '导入', kind: 'primary', onClick: async () => {
      if (!input.files[0]) { toast('请选择文件', 'warn'); return false; }
      const fc = JSON.parse(await input.files[0].text());
      const out = await post(`/api/v1/admin/grids/import?replace=${replace.checked}`, fc);
      toast(`导入完成：新增 ${out.created}，更新 ${out.updated}`, 'ok');
      cm._refreshViewportLayers();
    } }],
  });
} }, '导入网格'));

loadDivisions();
