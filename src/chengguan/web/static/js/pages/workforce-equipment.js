// 装备台账: inventory by type and status; detail with checks, maintenance, hand-overs and recordings.
import { get, post } from '../cg/api.js';
import { h, clear, pager, toast, formDialog, statusBadge, empty, debounce } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const API = '/api/v1/workforce';
const PAGE_SIZE = 30;
const TYPES = { vehicle: '执法车辆', motorcycle: '摩托车', ebike: '电动自行车', radio: '对讲机', body_camera: '执法记录仪', dash_camera: '行车记录仪', camera: '照相机', drone: '无人机', other: '其他' };
const EVENTS = { check: '检查', maintenance: '保养', repair: '维修', assign: '领用', return: '归还', status: '状态变更' };
const form = document.getElementById('filters');
const detail = document.getElementById('detail');
let current = 1;

function filters() {
  const f = new FormData(form);
  return { q: f.get('q') || null, type: f.get('type') || null, status: f.get('status') || null, check_due: f.get('check_due') ? true : null };
}

async function load(p = 1) {
  current = p;
  const data = await get(`${API}/equipment`, { ...filters(), page: p, page_size: PAGE_SIZE });
  clear(document.getElementById('by-type'), Object.entries(data.by_type).map(([t, n]) => h('div', { class: 'stat' }, h('b', null, fmt.number(n)), h('span', null, TYPES[t] || t))));
  clear(document.querySelector('#equipment tbody'), data.items.length ? data.items.map((e) => h('tr', { dataset: { id: e.id }, onclick: () => show(e.id) },
    h('td', { class: 'num' }, e.code), h('td', null, e.type_label), h('td', null, e.device_id || e.plate_no || '—'), h('td', null, e.holder_name || '—'),
    h('td', null, statusBadge(e.status, e.status_label)), h('td', { class: e.check_overdue ? 'form-error' : null }, e.next_check_due || '—')))
    : h('tr', null, h('td', { colspan: 6 }, empty())));
  pager(document.getElementById('pager'), { page: p, pageSize: PAGE_SIZE, total: data.total, onChange: load });
}

async function show(id) {
  document.querySelectorAll('#equipment tr.sel').forEach((r) => r.classList.remove('sel'));
  document.querySelector(`#equipment tr[data-id="${id}"]`)?.classList.add('sel');
  const e = await get(`${API}/equipment/${id}`);
  clear(detail,
    h('div', { class: 'page-head' }, h('h2', null, `${e.type_label} ${e.code}`), page.manage ? h('div', { class: 'actions' },
      h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'check' }, onclick: () => event(e, 'check') }, '登记检查'),
      h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'repair' }, onclick: () => event(e, 'repair') }, '登记维修'),
      h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'assign' }, onclick: () => assign(e) }, e.holder_id ? '归还/转交' : '领用')) : null),
    h('dl', { class: 'kv' }, [['型号', e.model], ['设备号', e.device_id], ['车牌', e.plate_no], ['单位', e.department_name], ['领用人', e.holder_name],
      ['状态', e.status_label], ['上次检查', e.last_check_on], ['下次检查', e.next_check_due]].flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v || '—')])),
    h('h3', null, '记录'),
    e.events.length ? h('ul', { class: 'timeline' }, e.events.map((ev) => h('li', null, h('small', null, fmt.dateTime(ev.at, 'short')), ' ', EVENTS[ev.kind] || ev.kind,
      ev.result ? `（${ev.result === 'ok' ? '正常' : '故障'}）` : '', ev.note ? `：${ev.note}` : ''))) : empty('暂无记录'),
    e.media.length ? [h('h3', null, '录像/照片'), h('ul', null, e.media.map((m) => h('li', null, h('a', { href: m.url, target: '_blank' }, `文件 ${m.file_id}`), ' ', fmt.dateTime(m.recorded_at, 'short'))))] : null);
}

async function event(e, kind) {
  const r = await formDialog({ title: kind === 'check' ? '登记检查' : '登记维修', fields: [
    { name: 'result', label: '结果', type: 'select', options: [['ok', '正常'], ['fault', '故障']] }, { name: 'note', label: '说明', type: 'textarea' },
    kind === 'repair' ? { name: 'cost', label: '费用（元）', type: 'number', min: 0 } : null].filter(Boolean),
  onSubmit: (v) => post(`${API}/equipment/${e.id}/events`, { kind, ...v }) });
  if (r) { toast('已登记', 'ok'); load(current); show(e.id); }
}

async function assign(e) {
  const r = await formDialog({ title: '领用/归还', intro: '填写领用人的档案编号；留空表示归还。', fields: [{ name: 'holder_id', label: '领用人档案编号', type: 'number' }, { name: 'note', label: '说明' }],
    onSubmit: (v) => post(`${API}/equipment/${e.id}/assign`, v) });
  if (r) { toast('已保存', 'ok'); load(current); show(e.id); }
}

async function addEquipment() {
  const r = await formDialog({ title: '登记装备', fields: [
    { name: 'code', label: '资产编号', required: true }, { name: 'type', label: '类型', type: 'select', options: Object.entries(TYPES) },
    { name: 'model', label: '型号' }, { name: 'device_id', label: '设备号', hint: '执法记录仪、行车记录仪、无人机必填（写入录像的设备编号）' }, { name: 'plate_no', label: '车牌' }],
  onSubmit: (v) => post(`${API}/equipment`, v) });
  if (r) { toast('已登记', 'ok'); load(1); show(r.id); }
}

if (page.manage) clear(document.getElementById('actions'), h('button', { class: 'btn btn-primary', type: 'button', dataset: { action: 'new' }, onclick: addEquipment }, '登记装备'));
form.addEventListener('input', debounce(() => load(1)));
form.addEventListener('change', () => load(1));
load();
