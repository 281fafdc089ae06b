// 规范化建设: progress per district vs target; a team's self-assessment (points + evidence) and the city's review.
import { api, get, post, put, upload } from '../cg/api.js';
import { h, clear, empty, modal, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page, hasRole } from '../cg/config.js';

const $ = (id) => document.getElementById(id);
const STATE = { draft: '自评中', submitted: '待复核', reviewed: '已复核', returned: '已退回' };

async function templateNote() {
  const ts = await get('/api/v1/standardization/templates');
  const t = ts.find((x) => x.is_active) || ts[0];
  clear($('template-note'), t ? h('p', null, `当前标准：${t.name}（${t.items} 项，满分 ${t.full_score}，达标线 ${t.pass_score}%）`,
    t.is_sample ? h('strong', { class: 'badge s-overdue' }, ' 样例内容，请导入正式文本替换') : null) : empty('尚未导入标准'));
}

async function progress() {
  const rows = await get('/api/v1/standardization/progress', { year: page.year });
  clear($('progress'), rows.length ? rows.map((d) => h('div', { class: 'card' },
    h('h3', null, `${d.district_name}：${d.compliant}/${d.teams} 个中队达标（${fmt.percent(d.share)}）`,
      d.target != null ? h('span', { class: 'muted' }, ` 目标 ${fmt.percent(d.target)}（${d.target_teams} 个）于 ${d.due} 前 · ${d.on_track ? '已完成' : '未完成'}`) : null),
    h('progress', { max: 1, value: d.share || 0, style: { width: '100%' } }),
    h('table', { class: 'table' }, h('thead', null, h('tr', null, ['中队', '状态', '达标', ''].map((t) => h('th', null, t)))),
      h('tbody', null, d.team_list.map((t) => h('tr', null, h('td', null, t.name), h('td', null, STATE[t.state] || '未开始'),
        h('td', null, t.compliant ? '✔' : ''),
        h('td', null, (page.can_review || page.department_id === t.department_id)
          ? h('button', { class: 'btn btn-sm', type: 'button', onclick: () => open(t.department_id) }, '打开') : null))))))) : empty('没有执法中队'));
}

async function open(departmentId) {
  const a = await post('/api/v1/standardization/assessments', { department_id: departmentId, year: page.year });
  render(a);
}

function render(a) {
  const editable = a.state === 'draft' || a.state === 'returned';
  const reviewable = a.state === 'submitted' && page.can_review;
  const review = {};
  const rows = a.items.map((i) => {
    const pts = h('input', { type: 'number', min: 0, max: i.points, step: 0.5, value: i.self_points ?? '', disabled: !editable, style: { width: '5em' } });
    const file = h('input', { type: 'file', accept: 'image/*,application/pdf', disabled: !editable });
    const save = async (extra = {}) => {
      await put(`/api/v1/standardization/assessments/${a.id}/items/${i.item_id}`, { self_points: pts.value === '' ? null : Number(pts.value), ...extra });
    };
    pts.addEventListener('change', () => save());
    file.addEventListener('change', async () => { if (file.files[0]) { const f = await upload(file.files[0]); await save({ evidence: [f.token] }); toast('佐证已上传', 'ok'); } });
    const rv = h('input', { type: 'number', min: 0, max: i.points, step: 0.5, value: i.review_points ?? i.self_points ?? '', disabled: !reviewable, style: { width: '5em' } });
    review[i.item_id] = rv;
    return h('tr', null, h('td', null, i.aspect), h('td', null, i.sub_item), h('td', null, `${i.code} ${i.text}`), h('td', null, String(i.points)),
      h('td', null, i.evidence || '', i.evidence_required ? ' *' : '', h('br'), `已传 ${i.evidence_ids.length} 件`, editable ? file : null),
      h('td', null, pts), h('td', null, rv));
  });
  const actions = h('div', { class: 'filters' },
    editable ? h('button', { class: 'btn btn-primary', type: 'button', onclick: async () => { render(await post(`/api/v1/standardization/assessments/${a.id}/submit`)); progress(); } }, '提交自评') : null,
    reviewable ? h('button', { class: 'btn btn-primary', type: 'button', onclick: async () => {
      const points = Object.fromEntries(Object.entries(review).map(([k, v]) => [k, Number(v.value || 0)]));
      render(await post(`/api/v1/standardization/assessments/${a.id}/review`, { points })); progress();
    } }, '复核通过并计分') : null,
    reviewable ? h('button', { class: 'btn', type: 'button', onclick: async () => {
      const note = prompt('退回原因'); if (!note) return;
      render(await post(`/api/v1/standardization/assessments/${a.id}/review`, { send_back: true, note })); progress();
    } }, '退回') : null);
  $('detail').hidden = false;
  clear($('detail'), h('h2', null, `${a.team} ${a.year} 年自评 · ${STATE[a.state]}`),
    h('p', null, `自评分 ${a.self_score ?? '—'} · 复核分 ${a.review_score ?? '—'} · `, a.compliant == null ? '未评定' : (a.compliant ? '达标' : '未达标'),
      a.review_note ? h('span', { class: 'muted' }, ` · ${a.review_note}`) : null),
    actions, h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['方面', '子项', '小项', '分值', '佐证材料', '自评', '复核'].map((t) => h('th', null, t)))), h('tbody', null, rows))));
  $('detail').scrollIntoView({ behavior: 'smooth' });
}

if (page.can_review) {
  $('import').hidden = false;
  $('import').addEventListener('click', () => {
    const file = h('input', { type: 'file', accept: '.csv,.xlsx,.json' });
    const name = h('input', { placeholder: '标准名称' });
    modal({ title: '导入规范化建设标准', body: h('div', { class: 'form' }, h('p', { class: 'muted' }, '列：方面, 子项, 编号, 小项, 分值, 佐证材料, 需佐证'),
      h('label', null, '名称', name), h('label', null, '文件', file)), actions: [{ label: '导入并启用', kind: 'primary', onClick: async () => {
      const fd = new FormData(); fd.append('file', file.files[0]); fd.append('name', name.value || file.files[0].name);
      await api('/api/v1/standardization/templates', { method: 'POST', body: fd }); toast('已导入', 'ok'); templateNote();
    } }] });
  });
}
void hasRole;
templateNote();
progress();
