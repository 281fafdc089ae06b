// 培训考试: sessions with attendance, who is overdue, and the month's performance ranking (末位 flagged).
import { get, post } from '../cg/api.js';
import { h, clear, pager, toast, formDialog, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const API = '/api/v1/workforce';
const PAGE_SIZE = 10;
const ATT = { present: '出勤', late: '迟到', absent: '缺勤', excused: '请假' };
let courses = [];

async function sessions(p = 1) {
  const data = await get(`${API}/training-sessions`, { page: p, page_size: PAGE_SIZE });
  clear(document.querySelector('#sessions tbody'), data.items.length ? data.items.map((s) => h('tr', { dataset: { id: s.id } },
    h('td', null, fmt.dateTime(s.starts_at, 'short')), h('td', null, s.course_title), h('td', null, s.location || '—'),
    h('td', null, { planned: '计划', held: '已举办', cancelled: '取消' }[s.status] || s.status),
    h('td', null, Object.entries(s.attendance).map(([k, n]) => `${ATT[k] || k} ${n}`).join(' · ') || '—'),
    h('td', null, page.manage && s.status !== 'cancelled' && new Date(s.starts_at) <= new Date() ? h('button', { class: 'btn btn-sm', type: 'button', dataset: { action: 'attend' }, onclick: () => attend(s) }, '登记出勤') : null)))
    : h('tr', null, h('td', { colspan: 6 }, empty())));
  pager(document.getElementById('pager'), { page: p, pageSize: PAGE_SIZE, total: data.total, onChange: sessions });
}

async function attend(s) {
  const staff = (await get(`${API}/people`, { status: 'in_post', page_size: 500 })).items
    .filter((x) => x.force === 'chengguan' || x.force === 'xieguan');
  const r = await formDialog({ title: `登记出勤：${s.course_title}`, intro: '选择人员（可多选，按住 Ctrl/⌘）；未选的人员不变。', fields: [
    { name: 'ids', label: '人员', type: 'select', multiple: true, required: true, options: staff.map((x) => [x.id, `${x.name}（${x.employee_no}，${x.post}）`]) },
    { name: 'status', label: '出勤情况', type: 'select', options: Object.entries(ATT) }],
  onSubmit: (v) => post(`${API}/training-sessions/${s.id}/attendance`, { entries: v.ids.map((x) => ({ person_id: Number(x), status: v.status })) }) });
  if (r) { toast(`已登记 ${r.recorded} 人`, 'ok'); sessions(1); overdue(); }
}

async function newSession() {
  const r = await formDialog({ title: '安排培训', fields: [
    { name: 'course_id', label: '课程', type: 'select', required: true, options: courses.map((c) => [c.id, c.title]) },
    { name: 'starts_at', label: '开始', type: 'datetime-local', required: true }, { name: 'ends_at', label: '结束', type: 'datetime-local', required: true },
    { name: 'location', label: '地点' }, { name: 'trainer', label: '授课人' }],
  onSubmit: (v) => post(`${API}/training-sessions`, { ...v, course_id: Number(v.course_id), starts_at: fmt.fromLocalInput(v.starts_at), ends_at: fmt.fromLocalInput(v.ends_at) }) });
  if (r) { toast('已安排', 'ok'); sessions(1); }
}

async function overdue() {
  const data = await get(`${API}/training/overdue`);
  document.getElementById('overdue-count').textContent = `共 ${data.total} 人`;
  clear(document.querySelector('#overdue tbody'), data.items.length ? data.items.slice(0, 200).map((r) => h('tr', null,
    h('td', null, r.person.name), h('td', null, r.person.post), h('td', null, r.reasons.join('；'))))
    : h('tr', null, h('td', { colspan: 3 }, empty('无逾期人员'))));
}

async function ranking() {
  const d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - 1);
  const period = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
  document.getElementById('period').textContent = period;
  const data = await get(`${API}/performance/ranking`, { period });
  clear(document.querySelector('#ranking tbody'), data.items.length ? data.items.map((r) => h('tr', { class: r.bottom ? 'warn' : null },
    h('td', { class: 'num' }, r.rank), h('td', null, r.name), h('td', { class: 'num' }, r.group_size), h('td', { class: 'num' }, r.composite.toFixed(1)),
    h('td', null, r.bottom ? h('span', { class: 'badge s-rejected' }, '末位') : null)))
    : h('tr', null, h('td', { colspan: 5 }, empty())));
}

(async () => {
  courses = (await get(`${API}/courses`)).items;
  if (page.manage) clear(document.getElementById('actions'), h('button', { class: 'btn btn-primary', type: 'button', dataset: { action: 'new-session' }, onclick: newSession }, '安排培训'));
  sessions(); overdue(); ranking();
})();
