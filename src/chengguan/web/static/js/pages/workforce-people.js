// 人员档案: roster with filters and certificate lights; detail with certificates, exams, equipment and history.
import { api, get, post, patch, upload } from '../cg/api.js';
import { h, clear, pager, toast, formDialog, confirmDialog, lightDot, statusBadge, empty, debounce } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const API = '/api/v1/workforce';
const PAGE_SIZE = 30;
const form = document.getElementById('filters');
const tbody = document.querySelector('#people tbody');
const detail = document.getElementById('detail');
let current = 1;
let selected = null;

function filters() {
  const f = Object.fromEntries(new FormData(form).entries());
  return { q: f.q || null, kind: f.kind || null, force: f.force || null, status: f.status || null };
}

async function summary() {
  const s = await get(`${API}/people/summary`);
  clear(document.getElementById('summary'),
    h('div', { class: 'stat' }, h('b', null, fmt.number(s.formal)), h('span', null, '在编人员（在职）')),
    h('div', { class: 'stat' }, h('b', null, fmt.number(s.auxiliary)), h('span', null, '协管/辅助人员（在职）')),
    h('div', { class: 'stat' }, h('b', null, fmt.number(s.by_force.chengguan || 0)), h('span', null, '城管执法队员')),
    h('div', { class: 'stat' }, h('b', null, fmt.number((s.by_force.police || 0) + (s.by_force.aux_police || 0))), h('span', null, '联勤公安/辅警')));
}

async function load(p = 1) {
  current = p;
  const data = await get(`${API}/people`, { ...filters(), page: p, page_size: PAGE_SIZE });
  clear(tbody, data.items.length ? data.items.map((x) => h('tr', { dataset: { id: x.id }, class: x.id === selected ? 'sel' : null, onclick: () => show(x.id) },
    h('td', { class: 'num' }, x.employee_no), h('td', null, x.name), h('td', null, x.kind_label, ' · ', x.force_label),
    h('td', null, x.post), h('td', null, x.department_name || '—'), h('td', null, statusBadge(x.status, x.status_label)),
    h('td', null, x.certificate ? [lightDot(x.certificate.light), ' ', x.certificate.light_label] : h('span', { class: 'muted' }, x.is_formal ? '无' : '不适用'))))
    : h('tr', null, h('td', { colspan: 7 }, empty())));
  pager(document.getElementById('pager'), { page: p, pageSize: PAGE_SIZE, total: data.total, onChange: load });
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));
}

async function show(id) {
  selected = id;
  document.querySelectorAll('#people tr.sel').forEach((r) => r.classList.remove('sel'));
  document.querySelector(`#people tr[data-id="${id}"]`)?.classList.add('sel');
  const [x, hist] = await Promise.all([get(`${API}/people/${id}`), get(`${API}/people/${id}/history`)]);
  const actions = page.manage ? h('div', { class: 'actions' },
    h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'status' }, onclick: () => editStatus(x) }, '变更状态'),
    x.is_formal ? h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'certificate' }, onclick: () => addCert(x) }, '登记执法证') : null,
    h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'exam' }, onclick: () => addExam(x) }, '登记考试'),
    h('label', { class: 'btn btn-sm' }, '上传照片', h('input', { type: 'file', accept: 'image/*', hidden: true, dataset: { action: 'photo' },
      onchange: async (e) => { const f = e.target.files[0]; if (!f) return; const up = await upload(f); await patch(`${API}/people/${x.id}`, { photo: up.token }); toast('照片已更新', 'ok'); show(x.id); } }))) : null;
  clear(detail,
    h('div', { class: 'page-head' }, h('h2', null, x.name, ' ', statusBadge(x.status, x.status_label)), actions),
    h('p', null, x.enforcement.certified ? h('span', { class: 'badge ok' }, '✔ 可以从事行政执法活动') : h('span', { class: 'form-error' }, `✘ ${x.enforcement.reason}`)),
    x.duty.allowed ? null : h('p', { class: 'form-error' }, `上岗限制：${x.duty.reason}`),
    x.photo_url ? h('img', { src: x.photo_url, alt: `${x.name}的照片`, class: 'person-photo', width: 96, style: { float: 'right', borderRadius: '6px', marginLeft: '12px' } }) : null,
    kv([['工号', x.employee_no], ['类别', `${x.kind_label}（${x.force_label}）`], ['岗位', x.post], ['单位', x.department_name],
      ['街道代码', x.street_code], ['电话', x.phone], ['入职', x.joined_on], ['离职', x.left_on]]),
    h('h3', null, '行政执法证'),
    x.certificates.length ? h('table', { class: 'table' }, h('tbody', null, x.certificates.map((c) => h('tr', null,
      h('td', null, lightDot(c.light)), h('td', { class: 'num' }, c.number), h('td', null, `${c.valid_from} 至 ${c.valid_to}`), h('td', null, c.light_label)))))
      : empty(x.is_formal ? '未登记执法证' : '协管/辅助人员不持执法证'),
    h('h3', null, '考试成绩'),
    x.exams.length ? h('table', { class: 'table' }, h('tbody', null, x.exams.map((e) => h('tr', null,
      h('td', null, e.taken_on), h('td', null, e.title, e.post ? `（${e.post}）` : ''), h('td', { class: 'num' }, e.score), h('td', null, e.passed ? '通过' : '未通过')))))
      : empty('暂无考试记录'),
    h('h3', null, '领用装备'),
    x.equipment.length ? h('ul', null, x.equipment.map((e) => h('li', null, `${e.type_label} ${e.code}`, e.device_id ? `（${e.device_id}）` : ''))) : empty('无'),
    h('h3', null, '履历'),
    hist.items.length ? h('ul', { class: 'timeline' }, hist.items.slice(0, 40).map((e) => h('li', null, h('small', null, fmt.dateTime(e.at, 'short')), ' ', e.text))) : empty());
}

async function editStatus(x) {
  await formDialog({ title: `变更状态：${x.name}`, fields: [{ name: 'status', label: '状态', type: 'select', value: x.status,
    options: [['in_post', '在岗'], ['training', '培训'], ['suspended', '停职'], ['left', '离职']] }],
  onSubmit: async (v) => { await patch(`${API}/people/${x.id}`, { status: v.status }); toast('已保存', 'ok'); } });
  load(current); show(x.id);
}

async function addCert(x) {
  const r = await formDialog({ title: `登记执法证：${x.name}`, fields: [
    { name: 'number', label: '证号', required: true }, { name: 'issuing_body', label: '发证机关', required: true, value: '南通市人民政府' },
    { name: 'scope', label: '执法范围', value: '城市管理综合行政执法' },
    { name: 'valid_from', label: '有效期自', type: 'date', required: true }, { name: 'valid_to', label: '有效期至', type: 'date', required: true }],
  onSubmit: (v) => post(`${API}/people/${x.id}/certificates`, v) });
  if (r) { toast('已登记', 'ok'); show(x.id); load(current); }
}

async function addExam(x) {
  const r = await formDialog({ title: `登记考试成绩：${x.name}`, fields: [
    { name: 'title', label: '考试名称', value: '上岗考试', required: true }, { name: 'post', label: '适用岗位', value: x.post },
    { name: 'taken_on', label: '考试日期', type: 'date', required: true }, { name: 'score', label: '成绩', type: 'number', min: 0, max: 100, required: true },
    { name: 'pass_mark', label: '及格线', type: 'number', value: 70 }],
  onSubmit: (v) => post(`${API}/people/${x.id}/exams`, v) });
  if (r) { toast('已登记', 'ok'); show(x.id); }
}

async function addPerson() {
  const r = await formDialog({ title: '新建人员档案', fields: [
    { name: 'employee_no', label: '工号', required: true }, { name: 'name', label: '姓名', required: true },
    { name: 'kind', label: '类别', type: 'select', required: true, options: [['managed', '参公'], ['civil_servant', '公务员'], ['institution', '事业编'], ['auxiliary', '协管员']] },
    { name: 'post', label: '岗位', required: true, value: '执法队员' }, { name: 'phone', label: '电话' }],
  onSubmit: (v) => post(`${API}/people`, v) });
  if (r) { toast('已建立档案', 'ok'); load(1); show(r.id); }
}

async function importRoster(file) {
  const send = (dry) => {
    const fd = new FormData();
    fd.append('file', file);
    return api(`${API}/people/import`, { method: 'POST', body: fd, query: { dry_run: dry ? 'true' : null } });
  };
  let check;
  try { check = await send(true); } catch (err) {
    if (err.details && Array.isArray(err.details)) {
      await formDialog({ title: '花名册有错误，未导入', intro: err.message, submit: '知道了',
        fields: [{ name: 'errors', label: '错误明细', type: 'textarea', value: err.details.map((e) => `第 ${e.line} 行：${e.message}`).join('\n') }] });
    }
    return;
  }
  const ok = await confirmDialog('导入花名册', `共 ${check.rows} 行：新建 ${check.created} 人，更新 ${check.updated} 人，新登记执法证 ${check.certificates} 个。确定导入？`, { label: '导入' });
  if (!ok) return;
  const r = await send(false);
  toast(`已导入：新建 ${r.created}，更新 ${r.updated}`, 'ok');
  summary(); load(1);
}

if (page.manage) {
  const picker = h('input', { type: 'file', accept: '.csv,text/csv', hidden: true, onchange: (e) => { const f = e.target.files[0]; e.target.value = ''; if (f) importRoster(f); } });
  clear(document.getElementById('actions'),
    h('button', { class: 'btn', type: 'button', dataset: { action: 'import' }, onclick: () => picker.click() }, '导入花名册'), ' ',
    h('button', { class: 'btn btn-primary', type: 'button', dataset: { action: 'new' }, onclick: addPerson }, '新建档案'), picker);
}
form.addEventListener('input', debounce(() => load(1)));
form.addEventListener('change', () => load(1));
summary();
load();
