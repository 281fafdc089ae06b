// 我的档案: the signed-in person's record, certificate status, exams and equipment.
import { get, ApiError } from '../cg/api.js';
import { h, clear, lightDot, empty } from '../cg/ui.js';

const box = document.getElementById('me');

(async () => {
  let x;
  try {
    x = await get('/api/v1/workforce/me', null, { quiet: true });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) { clear(box, h('div', { class: 'card' }, empty('您的账号未关联人员档案'))); return; }
    throw err;
  }
  clear(box, h('div', { class: 'grid2' },
    h('section', { class: 'card' }, h('h2', null, x.name),
      h('p', { id: 'enforcement' }, x.enforcement.certified ? h('span', { class: 'badge ok' }, '✔ 可以从事行政执法活动') : h('span', { class: 'form-error' }, `✘ ${x.enforcement.reason}`)),
      h('dl', { class: 'kv' }, [['工号', x.employee_no], ['类别', `${x.kind_label}（${x.force_label}）`], ['岗位', x.post], ['单位', x.department_name], ['状态', x.status_label]]
        .flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v || '—')]))),
    h('section', { class: 'card' }, h('h2', null, '行政执法证'),
      x.certificates.length ? h('ul', null, x.certificates.map((c) => h('li', null, lightDot(c.light), ` ${c.number}，有效期至 ${c.valid_to}（${c.light_label}）`))) : empty(x.is_formal ? '未登记执法证' : '协管员不持执法证'),
      h('h2', null, '考试'), x.exams.length ? h('ul', null, x.exams.map((e) => h('li', null, `${e.taken_on} ${e.title}：${e.score} 分（${e.passed ? '通过' : '未通过'}）`))) : empty(),
      h('h2', null, '领用装备'), x.equipment.length ? h('ul', null, x.equipment.map((e) => h('li', null, `${e.type_label} ${e.code}${e.device_id ? `（${e.device_id}）` : ''}`))) : empty('无'))));
})();
