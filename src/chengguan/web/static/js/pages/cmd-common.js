// Shared by the command map, the big screen and the leader dashboard: case detail (timeline, photos),
// 督办 from any case, counters, status colours.
import { get, caseAction } from '../cg/api.js';
import { h, clear, statusBadge, lightDot, formDialog, toast, modal } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';

export const CHANNEL_LABELS = {
  patrol: '监督员巡查', hotline: '热线', public: '公众', video: '视频智能', leader: '领导交办', media: '媒体曝光',
  transfer: '上级转办', exchange: '平台交换',
};
export const URGENCY_LABELS = { normal: '一般', urgent: '紧急', very_urgent: '特急' };

/** 督办 a case (leader / shift leader): asks for the note, then POST /cases/{id}/urge. */
export async function urgeCase(c, after) {
  return formDialog({
    title: `督办 ${c.case_no}`,
    intro: `${c.category_name || c.category_code} · ${c.address || ''}`,
    submit: '督办', kind: 'warn',
    fields: [{ name: 'opinion', label: '督办意见', type: 'textarea', required: true, value: '请加快处置，按期反馈。' }],
    onSubmit: async (v) => {
      const out = await caseAction(c.id, 'urge', { opinion: v.opinion });
      toast(`已督办 ${c.case_no}`, 'ok');
      if (after) after(out);
      return out;
    },
  });
}

/** 督办 by case number: finds the case, then urgeCase. */
export async function urgeByNumber(after) {
  const v = await formDialog({ title: '按案件编号督办', fields: [{ name: 'no', label: '案件编号', required: true, placeholder: '例如 2026112100001' }] });
  if (!v) return;
  const page = await get('/api/v1/cases', { q: v.no, page_size: 1, with_total: false });
  if (!page.items.length) { toast(`找不到案件 ${v.no}`, 'error'); return; }
  await urgeCase(page.items[0], after);
}

function photoLinks(attachments) {
  const imgs = attachments.filter((a) => a.kind === 'image' || (a.content_type || '').startsWith('image/'));
  if (!imgs.length) return h('p', { class: 'muted' }, '无照片');
  const stage = { report: '上报', verify: '核实', feedback: '处置后', check: '核查', dispose: '处置后' };
  return h('div', { class: 'photos' }, imgs.map((a) => h('a', {
    href: a.url, target: '_blank', rel: 'noopener', title: stage[a.stage] || a.stage,
    onclick: (e) => { e.preventDefault(); modal({ title: `照片 · ${stage[a.stage] || a.stage}`, body: h('img', { src: a.url, alt: '案件照片', class: 'photo-full' }), wide: true }); },
  }, h('img', { src: a.thumb_url || a.url, alt: '', loading: 'lazy' }), h('span', { class: 'stage' }, stage[a.stage] || a.stage))));
}

function timeline(events, opts = {}) {
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', { class: e.met_deadline === false ? 'late' : '' },
    h('div', null, h('b', null, e.action_label), e.to_status && e.to_status !== e.from_status ? [' → ', e.to_status_label || ''] : null,
      e.met_deadline === false ? h('span', { class: 'badge bad' }, '超时') : null),
    h('div', { class: 'when' }, fmt.dateTime(e.at), ' · ', e.actor_name || '系统', e.actor_role ? `（${(opts.roles || {})[e.actor_role] || e.actor_role}）` : ''),
    e.opinion ? h('div', { class: 'op' }, e.opinion) : null)));
}

/** Render a case's detail (GET /cases/{id}) into el. opts: {onUrged, onLocate, statuses} */
export async function showCase(el, id, opts = {}) {
  clear(el, h('div', { class: 'empty' }, '加载中…'));
  const c = await get(`/api/v1/cases/${id}`);
  const cd = c.step_due_at ? fmt.countdown(c.step_due_at) : null;
  const st = opts.statuses || {};
  for (const e of c.timeline) e.to_status_label = st[e.to_status] || e.to_status;
  const actions = [];
  if (c.allowed_actions.includes('urge')) {
    actions.push(h('button', { type: 'button', class: 'btn btn-warn btn-sm', dataset: { action: 'urge' }, onclick: () => urgeCase(c, () => showCase(el, id, opts).then(() => opts.onUrged && opts.onUrged(c))) }, '督办'));
  }
  if (opts.onLocate) actions.push(h('button', { type: 'button', class: 'btn btn-sm', onclick: () => opts.onLocate(c) }, '定位'));
  clear(el,
    h('div', { class: 'case-head', dataset: { caseId: c.id } },
      h('div', { class: 'item-title' }, lightDot(c.light), h('span', null, c.case_no), statusBadge(c.status, c.status_label),
        c.urged ? h('span', { class: 'badge urged' }, '督办') : null),
      h('div', { class: 'row' }, actions)),
    h('dl', { class: 'kv' },
      h('dt', null, '类别'), h('dd', null, `${c.category_name || ''}（${c.category_code}）`),
      h('dt', null, '来源'), h('dd', null, CHANNEL_LABELS[c.channel] || c.channel, ' · ', URGENCY_LABELS[c.urgency] || c.urgency),
      h('dt', null, '地址'), h('dd', null, c.address || '—'),
      h('dt', null, '网格'), h('dd', null, c.grid_code),
      h('dt', null, '上报时间'), h('dd', null, fmt.dateTime(c.reported_at)),
      h('dt', null, '当前时限'), h('dd', null, cd ? h('span', { class: `countdown ${cd.overdue ? 'overdue' : ''}` }, fmt.dateTime(c.step_due_at, 'short'), ' · ', cd.text) : '—'),
      h('dt', null, '处置部门'), h('dd', null, c.assignments.length ? c.assignments.map((a) => `${a.department_name}${a.lead ? '（主办）' : ''}`).join('、') : '—'),
      c.urged ? [h('dt', null, '督办意见'), h('dd', null, c.urge_note || '')] : null),
    h('p', { class: 'case-desc' }, c.description),
    h('h3', null, '照片'), photoLinks(c.attachments),
    h('h3', null, '办理过程'), timeline(c.timeline, opts));
  return c;
}

/** A row of big counters: items [{key, label, value, cls, fmt}] */
export function counters(el, items) {
  const existing = new Map([...el.querySelectorAll('[data-counter]')].map((n) => [n.dataset.counter, n]));
  if (existing.size !== items.length) {
    clear(el, items.map((i) => h('div', { class: `counter ${i.cls || ''}`, dataset: { counter: i.key } }, h('b', { class: 'num' }), h('span', null, i.label))));
  }
  for (const i of items) {
    const n = el.querySelector(`[data-counter="${i.key}"] b`);
    const text = i.fmt ? i.fmt(i.value) : fmt.number(i.value);
    if (n.textContent !== text) {
      if (n.textContent) { n.parentElement.classList.remove('bump'); void n.offsetWidth; n.parentElement.classList.add('bump'); }
      n.textContent = text;
    }
    n.parentElement.dataset.value = i.value == null ? '' : String(i.value);
  }
}

/** Start polling fn every `seconds` (paused while the tab is hidden); returns a stop function. */
export function poll(fn, seconds) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try { if (!document.hidden) await fn(); } catch (e) { /* shown by the API client; try again next time */ }
    if (!stopped) timer = setTimeout(tick, seconds * 1000);
  };
  timer = setTimeout(tick, seconds * 1000);
  return () => { stopped = true; clearTimeout(timer); };
}

/** Daily ISO bound for "the last n days" (Asia/Shanghai midnight n-1 days ago). */
export function sinceDays(n) {
  if (!n) return null;
  const p = fmt.parts(Date.now() - (n - 1) * 86400000);
  return `${p.y}-${p.m}-${p.d}T00:00:00+08:00`;
}

/** Sequential colour ramp for counts (white-ish → red). */
export function ramp(n, max) {
  if (!n) return null;
  const steps = ['#fff3c4', '#ffd98a', '#ffb35c', '#f5813f', '#e0512f', '#b8231f'];
  const i = Math.min(steps.length - 1, Math.floor((Math.log(n + 1) / Math.log(Math.max(max, 1) + 1)) * (steps.length - 0.001)));
  return steps[Math.max(0, i)];
}
