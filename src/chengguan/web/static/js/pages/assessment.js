// 考评检查: an assessor records findings on the phone (photo, place, item, count → deduction, notice);
// notices with follow-up (close / escalate) and PDF; monthly and yearly ranking per class.
import { get, post, upload } from '../cg/api.js';
import { h, clear, empty, modal, tabs, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const $ = (id) => document.getElementById(id);
let current = 'ranking';
const STATE = { open: '待整改', closed: '已销号', escalated: '已升级' };

function show(key) {
  current = key;
  tabs($('tabs'), [{ key: 'ranking', label: '考评排名' }, { key: 'notices', label: '整改通知书' }, { key: 'units', label: '考评单位' }], key, show);
  ({ ranking, notices, units })[key]();
}

async function ranking() {
  const input = h('input', { type: 'month', value: page.period, id: 'rank-period' });
  const year = h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'rank-year' }), '年度');
  const out = h('div');
  const load = async () => {
    const p = $('rank-year').checked ? input.value.slice(0, 4) : input.value;
    const d = await get('/api/v1/assessment/ranking', { period: p });
    const classes = Object.entries(d.classes);
    clear(out, h('p', { class: 'muted' }, `${d.label} · `, h('a', { href: `/ranking?period=${p}`, target: '_blank' }, '公开排名页')),
      classes.length ? classes.map(([cls, rows]) => h('div', null, h('h3', null, `${cls} 类单位`),
        h('table', { class: 'table' }, h('thead', null, h('tr', null, ['排名', '单位', '得分', '扣分', '检查', '问题', '通知书'].map((t) => h('th', null, t)))),
          h('tbody', null, rows.map((r) => h('tr', null, [r.rank, r.name, r.score, r.deductions, r.inspections, r.findings, r.notices].map((v) => h('td', null, String(v))))))))) : empty('本期没有检查记录'));
  };
  input.addEventListener('change', load);
  year.addEventListener('change', load);
  clear($('panel'), h('div', { class: 'filters' }, input, year), out);
  load();
}

async function notices() {
  const rows = await get('/api/v1/assessment/notices');
  const follow = (n) => {
    const note = h('textarea', { placeholder: '复查情况' });
    modal({ title: `复查 ${n.number}`, body: h('div', { class: 'form' }, h('p', null, n.item), note), actions: [
      { label: '未整改', kind: 'danger', onClick: async () => { await post(`/api/v1/assessment/notices/${n.id}/follow-up`, { passed: false, note: note.value || '复查未整改' }); toast('已记录', 'ok'); notices(); } },
      { label: '已整改，销号', kind: 'primary', onClick: async () => { await post(`/api/v1/assessment/notices/${n.id}/follow-up`, { passed: true, note: note.value || null }); toast('已销号', 'ok'); notices(); } }] });
  };
  clear($('panel'), rows.length ? h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['编号', '单位', '问题', '整改期限', '状态', ''].map((t) => h('th', null, t)))),
    h('tbody', null, rows.map((n) => h('tr', { dataset: { notice: n.id } }, h('td', null, n.number), h('td', null, n.unit_name), h('td', null, n.item),
      h('td', null, fmt.dateTime(n.deadline, 'short'), n.overdue ? h('span', { class: 'badge s-overdue' }, ' 已到期') : null),
      h('td', null, STATE[n.state]),
      h('td', null, h('a', { class: 'btn btn-sm', href: n.pdf_url, target: '_blank' }, 'PDF'),
        n.state === 'open' && page.can_inspect ? h('button', { class: 'btn btn-sm', type: 'button', onclick: () => follow(n) }, '复查') : null)))))
    : empty('没有整改通知书'));
}

async function units() {
  const rows = await get('/api/v1/assessment/units');
  clear($('panel'), h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', null, '类别'), h('th', null, '单位'))),
    h('tbody', null, rows.map((u) => h('tr', null, h('td', null, u.unit_class), h('td', null, u.name))))));
}

async function inspect() {
  const [unitsList, templates] = await Promise.all([get('/api/v1/assessment/units'), get('/api/v1/assessment/templates')]);
  const unit = h('select', { name: 'unit' }, unitsList.map((u) => h('option', { value: u.id }, `${u.unit_class} · ${u.name}`)));
  const place = h('input', { placeholder: '检查地点，如 人民路与解放路路口' });
  const list = h('div');
  const findings = [];
  const itemsOf = () => {
    const u = unitsList.find((x) => String(x.id) === unit.value);
    const t = templates.find((x) => x.id === (u && u.template_id)) || templates[0];
    return t ? t.groups.flatMap((g) => g.items.map((i) => ({ ...i, group: g.name }))) : [];
  };
  const addFinding = () => {
    const item = h('select', null, itemsOf().map((i) => h('option', { value: i.id }, `${i.group} · ${i.text}（每处扣 ${i.deduct_per} 分）`)));
    const count = h('input', { type: 'number', min: 1, max: 100, value: 1, 'aria-label': '处数' });
    const photo = h('input', { type: 'file', accept: 'image/*', capture: 'environment' });
    const notice = h('input', { type: 'checkbox' });
    const f = { item, count, photo, notice, token: null };
    photo.addEventListener('change', async () => { if (photo.files[0]) f.token = (await upload(photo.files[0])).token; });
    findings.push(f);
    list.append(h('fieldset', { class: 'card' }, h('label', null, '问题', item), h('label', null, '处数', count),
      h('label', null, '照片', photo), h('label', { class: 'check' }, notice, '下发督查整改通知书')));
  };
  const body = h('div', { class: 'form' }, h('label', null, '考评单位', unit), h('label', null, '地点', place), list,
    h('button', { type: 'button', class: 'btn btn-block', onclick: addFinding }, '＋ 添加问题'));
  addFinding();
  modal({ title: '现场检查', body, actions: [{ label: '提交', kind: 'primary', onClick: async () => {
    const out = await post('/api/v1/assessment/inspections', {
      unit_id: Number(unit.value), place: place.value || null,
      findings: findings.map((f) => ({ item_id: Number(f.item.value), count: Number(f.count.value) || 1, place: place.value || null,
        photos: f.token ? [f.token] : [], notice: f.notice.checked ? {} : null })) });
    const n = out.findings.filter((x) => x.notice).length;
    toast(`已记录 ${out.findings.length} 个问题${n ? `，下发整改通知书 ${n} 份` : ''}`, 'ok');
    show(current);
  } }] });
}

if (page.can_inspect) { $('new').hidden = false; $('new').addEventListener('click', inspect); }
show('ranking');
