// 应用维护 · 系统设置: every administrator-editable setting (grouped, with its default and help), and the
// base map: tile URL template + coordinate system, with presets (天地图, OSM, 高德/GCJ-02, the city's own
// server, none). Values are validated by the server; a bad one is refused with its reason.
import { get, put, del } from '../cg/api.js';
import { h, clear, $, formDialog, toast, confirmDialog } from '../cg/ui.js';
import { config } from '../cg/config.js';

const root = $('#adm-root');
const PRESETS = [
  { label: '不使用瓦片（只绘制本市图层）', url: '', crs: 'wgs84', sub: '', attr: '', enabled: false },
  { label: '天地图 矢量（需在 URL 中填写 tk 密钥）', url: 'https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=您的密钥', crs: 'wgs84', sub: '01234567', attr: '© 天地图', enabled: true },
  { label: 'OpenStreetMap', url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', crs: 'wgs84', sub: '', attr: '© OpenStreetMap 贡献者', enabled: true },
  { label: '高德（GCJ-02 坐标）', url: 'https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}', crs: 'gcj02', sub: '1234', attr: '© 高德地图', enabled: true },
  { label: '本市瓦片服务（示例）', url: 'https://gis.example.gov.cn/tiles/{z}/{x}/{y}.png', crs: 'wgs84', sub: '', attr: '© 本市自然资源和规划局', enabled: true },
];
const CRS = { wgs84: 'WGS-84 / CGCS2000（天地图、OSM）', gcj02: 'GCJ-02（高德、腾讯）', bd09: 'BD-09（百度）' };

function valueText(v) {
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (v === '' || v == null) return '（空）';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function editSetting(s) {
  const d = s.default;
  let field;
  if (typeof d === 'boolean') field = { name: 'value', label: s.key, type: 'checkbox', value: s.value };
  else if (typeof d === 'number') field = { name: 'value', label: s.key, type: 'number', step: 'any', value: s.value, required: true };
  else if (typeof d === 'string') field = { name: 'value', label: s.key, value: s.value };
  else field = { name: 'value', label: `${s.key}（JSON）`, type: 'textarea', value: JSON.stringify(s.value, null, 1), required: true };
  return formDialog({
    title: '修改设置', intro: s.help, fields: [field],
    onSubmit: async (v) => {
      let value = v.value;
      if (typeof d === 'string') value = value ?? '';
      if (d !== null && typeof d === 'object') {
        try { value = JSON.parse(v.value); } catch (e) { toast('JSON 格式有误', 'error'); return false; }
      }
      await put(`/api/v1/system/settings/${encodeURIComponent(s.key)}`, { value });
      toast('设置已保存', 'ok');
      load();
    },
  });
}

function basemapCard(map) {
  const cur = Object.fromEntries(map.map((s) => [s.key, s.value]));
  const url = h('input', { id: 'bm-url', value: cur['map.tile_url'] || '', placeholder: '空：沿用环境变量 CHENGGUAN_TILE_URL' });
  const crs = h('select', { id: 'bm-crs' }, h('option', { value: '' }, '沿用环境配置'), Object.entries(CRS).map(([k, l]) => h('option', { value: k }, l)));
  crs.value = cur['map.tile_crs'] || '';
  const sub = h('input', { id: 'bm-sub', value: cur['map.tile_subdomains'] || '', placeholder: 'abc' });
  const attr = h('input', { id: 'bm-attr', value: cur['map.tile_attribution'] || '' });
  const enabled = h('input', { type: 'checkbox', id: 'bm-enabled', checked: cur['map.tiles_enabled'] !== false });
  const preset = h('select', { id: 'bm-preset', 'aria-label': '预设' }, h('option', { value: '' }, '选择预设…'), PRESETS.map((p, i) => h('option', { value: i }, p.label)));
  preset.addEventListener('change', () => {
    const p = PRESETS[+preset.value];
    if (!p) return;
    url.value = p.url; crs.value = p.crs; sub.value = p.sub; attr.value = p.attr; enabled.checked = p.enabled;
  });
  const eff = config.map || {};
  return h('div', { class: 'card', id: 'basemap' },
    h('h2', null, '底图'),
    h('p', { class: 'muted' }, '地图底图的瓦片服务及其坐标系。存储的坐标总是 WGS-84；GCJ-02/BD-09 底图显示时自动换算。瓦片服务不可达时，地图仍绘制本市的区、街道、道路和网格。'),
    h('p', null, '当前生效：', h('code', { id: 'bm-effective' }, eff.tile_url || '无瓦片（本市图层）'), eff.tile_url ? ` · ${eff.tile_crs}` : ''),
    h('form', { class: 'form', onsubmit: (e) => e.preventDefault() },
      h('label', null, '预设', preset),
      h('label', null, '瓦片地址模板（含 {z} {x} {y}，可含 {s}）', url),
      h('div', { class: 'grid3' }, h('label', null, '坐标系', crs), h('label', null, '子域名 {s}', sub), h('label', null, '版权说明', attr)),
      h('label', { class: 'check' }, enabled, '加载底图瓦片'),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'bm-save', onclick: async () => {
          const vals = [['map.tile_url', url.value.trim()], ['map.tile_crs', crs.value], ['map.tile_subdomains', sub.value.trim()], ['map.tile_attribution', attr.value.trim()], ['map.tiles_enabled', enabled.checked]];
          for (const [k, v] of vals) await put(`/api/v1/system/settings/${k}`, { value: v });
          toast('底图设置已保存，刷新页面后生效', 'ok');
          load();
        } }, '保存底图设置'),
        h('button', { type: 'button', class: 'btn', onclick: async () => {
          if (await confirmDialog('恢复默认', '底图恢复为环境变量的配置？')) {
            for (const s of map) await del(`/api/v1/system/settings/${s.key}`, { quiet: true });
            toast('已恢复默认', 'ok'); load();
          }
        } }, '恢复默认'),
        h('a', { class: 'btn btn-ghost', href: '/command' }, '到指挥地图查看'))));
}

async function load() {
  const all = await get('/api/v1/system/settings');
  const groups = new Map();
  for (const s of all.filter((x) => !x.key.startsWith('map.'))) {
    if (!groups.has(s.group)) groups.set(s.group, []);
    groups.get(s.group).push(s);
  }
  clear(root, h('div', { class: 'stack' }, basemapCard(all.filter((x) => x.key.startsWith('map.'))),
    [...groups].map(([g, items]) => h('div', { class: 'card set-group' }, h('h2', null, g),
      items.map((s) => h('div', { class: 'set-row', dataset: { key: s.key } },
        h('div', null, h('code', null, s.key), s.changed ? h('span', { class: 'badge warn' }, '已修改') : null, s.verified ? null : h('span', { class: 'badge', title: '默认值未经核实，请按本市规定确认' }, '待核实'),
          h('div', { class: 'help' }, s.help)),
        h('div', { class: 'val' }, valueText(s.value), s.changed ? h('div', { class: 'muted' }, `默认：${valueText(s.default)}`) : null),
        h('div', { class: 'btn-group' },
          h('button', { type: 'button', class: 'btn btn-sm', dataset: { action: 'edit' }, onclick: () => editSetting(s) }, '修改'),
          s.changed ? h('button', { type: 'button', class: 'btn btn-sm btn-ghost', onclick: async () => { await del(`/api/v1/system/settings/${encodeURIComponent(s.key)}`); toast('已恢复默认', 'ok'); load(); } }, '恢复默认') : null)))))));
}

load();
