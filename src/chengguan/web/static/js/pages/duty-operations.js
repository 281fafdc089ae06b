// 专项行动: operations with agencies, tasks, linked cases, results and the report (HTML / PDF).
import { get } from '../cg/api.js';
import { h, clear, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';

async function detail(id) {
  const o = await get(`/api/v1/duty/operations/${id}`);
  const s = o.stats;
  clear(document.getElementById('detail'),
    h('h2', null, o.title, ' ', h('span', { class: 'badge' }, o.status_label)),
    h('p', { class: 'muted' }, `${o.kind} · ${fmt.dateTime(o.starts_at, 'short')} – ${fmt.dateTime(o.ends_at, 'short')} · 牵头：${o.lead_agency || '—'}`),
    h('p', null, `参与单位 ${s.agencies} 家，出动 ${s.people} 人次；关联案件 ${s.cases_found} 件，已结案 ${s.cases_handled} 件；区域内同期上报 ${s.cases_in_area} 件；任务 ${s.tasks_done}/${s.tasks}`),
    h('h3', null, '参与单位'),
    h('ul', { class: 'list' }, ...o.agencies.map((a) => h('li', null, `${a.name}（${a.kind}）${a.people} 人`))),
    h('h3', null, '任务'),
    o.tasks.length ? h('ul', { class: 'list' }, ...o.tasks.map((t) => h('li', null, `${t.title} · ${t.team} · ${t.status_label} ${t.result}`))) : empty('暂无任务'),
    h('h3', null, '关联案件'),
    o.cases.length ? h('ul', { class: 'list' }, ...o.cases.map((c) => h('li', null, `${c.case_no} ${c.status_label} ${c.description}`))) : empty('暂无'),
    h('p', null, h('a', { class: 'btn', href: `/api/v1/duty/operations/${id}/report`, target: '_blank' }, '行动报告'), ' ',
      h('a', { class: 'btn', href: `/api/v1/duty/operations/${id}/report?format=pdf` }, '下载 PDF')));
}

async function load() {
  const data = await get('/api/v1/duty/operations');
  clear(document.getElementById('list'), data.items.length ? h('ul', { class: 'list' }, ...data.items.map((o) => {
    const li = h('li', { 'data-id': o.id, style: 'cursor:pointer' }, h('b', null, o.title), ' ',
      h('span', { class: 'muted' }, `${o.status_label} · ${fmt.dateTime(o.starts_at, 'short')}`));
    li.addEventListener('click', () => detail(o.id));
    return li;
  })) : empty('暂无专项行动'));
  if (data.items.length) detail(data.items[0].id);
}

load();
