// 行政执法证: every certificate of the region with its expiry light; renew or revoke.
import { get, post } from '../cg/api.js';
import { h, clear, pager, toast, formDialog, lightDot, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const API = '/api/v1/workforce';
const PAGE_SIZE = 30;
const form = document.getElementById('filters');
let current = 1;

async function load(p = 1) {
  current = p;
  const light = new FormData(form).get('light') || null;
  const data = await get(`${API}/certificates`, { light, page: p, page_size: PAGE_SIZE });
  const all = light ? null : data.lights;
  if (all) {
    clear(document.getElementById('lights'),
      h('div', { class: 'stat green' }, h('b', null, fmt.number(all.green)), h('span', null, '有效')),
      h('div', { class: 'stat' }, h('b', null, fmt.number(all.yellow)), h('span', null, '30 天内到期')),
      h('div', { class: 'stat red' }, h('b', null, fmt.number(all.red)), h('span', null, '过期/注销')));
  }
  clear(document.querySelector('#certs tbody'), data.items.length ? data.items.map((c) => h('tr', { dataset: { id: c.id } },
    h('td', null, lightDot(c.light)), h('td', { class: 'num' }, c.number), h('td', null, c.person_name, h('small', { class: 'muted' }, ` ${c.employee_no}`)),
    h('td', null, c.issuing_body), h('td', null, c.scope), h('td', null, `${c.valid_from} 至 ${c.valid_to}`),
    h('td', null, c.light_label, c.revoked_reason ? `（${c.revoked_reason}）` : ''),
    h('td', null, page.manage && !c.revoked_at ? [
      h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'renew' }, onclick: () => renew(c) }, '延续'), ' ',
      h('button', { class: 'btn btn-sm btn-danger', type: 'button', dataset: { action: 'revoke' }, onclick: () => revoke(c) }, '注销')] : null)))
    : h('tr', null, h('td', { colspan: 8 }, empty())));
  pager(document.getElementById('pager'), { page: p, pageSize: PAGE_SIZE, total: data.total, onChange: load });
}

async function renew(c) {
  const r = await formDialog({ title: `延续执法证 ${c.number}`, fields: [{ name: 'valid_to', label: '新的有效期至', type: 'date', required: true }],
    onSubmit: (v) => post(`${API}/certificates/${c.id}/renew`, v) });
  if (r) { toast('已延续', 'ok'); load(current); }
}

async function revoke(c) {
  const r = await formDialog({ title: `注销执法证 ${c.number}`, kind: 'danger', submit: '注销', fields: [{ name: 'reason', label: '原因', required: true }],
    onSubmit: (v) => post(`${API}/certificates/${c.id}/revoke`, v) });
  if (r) { toast('已注销', 'ok'); load(current); }
}

form.addEventListener('change', () => load(1));
load();
