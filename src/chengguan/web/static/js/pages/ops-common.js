// Shared pieces of the operations consoles (受理 · 派遣 · 处置 · 城管通): case list items with lights and
// countdowns, a server-paginated work list, the case detail (photos, map, timeline), and an action form
// with photo upload. Every list and action goes through the cases API (which checks role and region).
import { get, upload } from '../cg/api.js';
import { h, clear, modal, pager, statusBadge, lightDot, empty, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { CityMap, STATUS_COLORS } from '../cg/map.js';

export const URGENCY = { normal: '一般', urgent: '紧急', very_urgent: '特急' };
export const CHANNELS = {
  patrol: '监督员上报', hotline: '热线', public: '公众', video: '视频', leader: '领导交办', media: '媒体',
  transfer: '转办', exchange: '平台交换',
};
export const STAGES = { report: '上报', verify: '核实', feedback: '处置后', check: '核查' };
export const REQUEST_KINDS = { extension: '延期', return: '回退', suspend: '挂账' };
export const STEP_LABELS = { register: '立案', verify: '核实', dispatch: '派遣', dispose: '处置', check: '核查', close: '结案' };

// ---------------------------------------------------------------- countdowns

/** A countdown to a deadline that keeps itself current (see tickCountdowns). */
export function countdownEl(due, light) {
  if (!due) return null;
  const el = h('span', { class: 'countdown', dataset: { due } });
  paintCountdown(el, light);
  return el;
}

function paintCountdown(el, light) {
  const c = fmt.countdown(el.dataset.due);
  el.textContent = light === 'paused' ? '计时暂停' : c.text;
  el.classList.toggle('overdue', c.overdue && light !== 'paused');
  el.classList.toggle('soon', !c.overdue && light === 'yellow');
  el.title = `期限 ${fmt.dateTime(el.dataset.due)}`;
}

let ticking = false;
/** Refresh every countdown on the page twice a minute. */
export function tickCountdowns() {
  if (ticking) return;
  ticking = true;
  setInterval(() => document.querySelectorAll('.countdown[data-due]').forEach((el) => {
    if (el.textContent !== '计时暂停') paintCountdown(el);
  }), 30_000);
}

// ---------------------------------------------------------------- list items

/** One case as a list row: light, number, status, category, address, deadline. */
export function caseItem(c, { selected = false, extra = null, due } = {}) {
  const deadline = due !== undefined ? due : c.step_due_at;
  return h('li', { class: ['ops-item', selected && 'sel', c.light && `lt-${c.light}`], dataset: { id: c.id, status: c.status }, tabindex: 0 },
    c.photo_thumb_url ? h('img', { class: 'ops-thumb', src: c.photo_thumb_url, alt: '现场照片', loading: 'lazy' }) : null,
    h('div', { class: 'item-title' },
      lightDot(c.light), h('span', { class: 'num' }, c.case_no), statusBadge(c.status, c.status_label),
      c.urgency && c.urgency !== 'normal' ? h('span', { class: 'badge bad' }, URGENCY[c.urgency]) : null,
      c.urged ? h('span', { class: 'badge urged', title: c.urge_note || '' }, '督办') : null,
      c.pending_request ? h('span', { class: 'badge warn', dataset: { pending: c.pending_request } }, `申请${REQUEST_KINDS[c.pending_request] || ''}`) : null,
      h('span', { class: 'grow' }), countdownEl(deadline, c.light)),
    h('div', { class: 'ops-cat' }, c.category_name || c.category_code),
    h('div', { class: 'desc' }, c.description),
    h('div', { class: 'item-meta' },
      h('span', null, c.address || `网格 ${c.grid_code}`),
      h('span', null, CHANNELS[c.channel] || c.channel),
      h('span', { title: fmt.dateTime(c.reported_at) }, fmt.relative(c.reported_at)),
      c.departments && c.departments.length ? h('span', null, '→ ', c.departments.join('、')) : null),
    extra);
}

/**
 * A server-paginated work list: new CaseList({listEl, pagerEl, fetch: (page, size) => Promise<{items,total}>,
 * onSelect(id)}). load(page) fetches one page; the selected row survives reloads.
 */
export class CaseList {
  constructor({ listEl, pagerEl, fetch, onSelect, pageSize = 20, emptyText = '暂无待办案件', item = caseItem }) {
    Object.assign(this, { listEl, pagerEl, fetch, onSelect, pageSize, emptyText, item });
    this.page = 1;
    this.selected = null;
    this.items = [];
    listEl.addEventListener('click', (e) => {
      const li = e.target.closest('li[data-id]');
      if (li && !e.target.closest('button, a')) this.select(+li.dataset.id);
    });
    listEl.addEventListener('keydown', (e) => {
      const li = e.target.closest('li[data-id]');
      if (li && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); this.select(+li.dataset.id); }
    });
  }

  async load(page = this.page) {
    this.page = page;
    this.listEl.classList.add('loading');
    let data;
    try {
      data = await this.fetch(page, this.pageSize);
    } finally {
      this.listEl.classList.remove('loading');
    }
    this.items = data.items;
    clear(this.listEl, data.items.length
      ? data.items.map((c) => this.item(c, { selected: c.id === this.selected }))
      : h('li', { class: 'ops-empty' }, empty(this.emptyText)));
    pager(this.pagerEl, { page, pageSize: this.pageSize, total: data.total, count: data.items.length, onChange: (p) => this.load(p) });
    return data;
  }

  select(id) {
    this.selected = id;
    this.listEl.querySelectorAll('li[data-id]').forEach((li) => li.classList.toggle('sel', +li.dataset.id === id));
    if (this.onSelect) this.onSelect(id);
  }
}

// ---------------------------------------------------------------- case detail

let detailMap = null;

function photoGroups(c) {
  const groups = {};
  for (const a of c.attachments) (groups[a.stage] = groups[a.stage] || []).push(a);
  return Object.entries(groups).map(([stage, list]) => h('div', { class: 'ops-photos' },
    h('h3', null, `${STAGES[stage] || stage}照片`, h('small', null, ` · ${list.length} 张`)),
    h('div', { class: 'photos' }, list.map((a) => h('a', { href: a.url, target: '_blank', rel: 'noopener', title: `${STAGES[a.stage] || a.stage} · 点击查看原图` },
      a.thumb_url || a.kind === 'image' ? h('img', { src: a.thumb_url || a.url, alt: `${STAGES[a.stage] || ''}照片`, loading: 'lazy' }) : h('span', { class: 'ph' }, a.content_type),
      h('span', { class: 'stage' }, STAGES[a.stage] || a.stage))))));
}

function timelineEl(c) {
  return h('ol', { class: 'timeline' }, c.timeline.slice().reverse().map((e) => h('li', { class: e.met_deadline === false ? 'late' : null },
    h('div', null, h('b', null, e.action_label), ' ', h('span', { class: 'muted' }, e.actor_name || '系统'),
      e.met_deadline === false ? h('span', { class: 'badge bad' }, '超时') : null,
      e.data && e.data.passed === true ? h('span', { class: 'badge ok' }, e.action === 'check' ? '通过' : '属实') : null,
      e.data && e.data.passed === false ? h('span', { class: 'badge bad' }, e.action === 'check' ? '不通过' : '不属实') : null),
    h('div', { class: 'when' }, fmt.dateTime(e.at)),
    e.data && e.data.department_names ? h('div', { class: 'op' }, `派遣至：${e.data.department_names.join('、')}`) : null,
    e.data && e.data.condition_text ? h('div', { class: 'op muted' }, `立案条件 ${e.data.condition}：${e.data.condition_text}`) : null,
    e.data && e.data.new_due_at ? h('div', { class: 'op muted' }, `新期限：${fmt.dateTime(e.data.new_due_at)}`) : null,
    e.data && e.data.into_case_no ? h('div', { class: 'op muted' }, `并入 ${e.data.into_case_no}`) : null,
    e.opinion ? h('div', { class: 'op' }, e.opinion) : null)));
}

/**
 * Render a case (GET /api/v1/cases/{id}) into el: header with deadline, facts, pending requests, photos,
 * a small map and the timeline. actions: a node (the console's buttons) shown under the header.
 */
export function renderCase(el, c, { actions = null, before = null, map = true } = {}) {
  if (detailMap) { detailMap.map.remove(); detailMap = null; }
  const dueRow = c.step_due_at ? h('div', { class: 'ops-due' },
    lightDot(c.light), h('span', null, `${STEP_LABELS[c.step] || '当前环节'}期限 ${fmt.dateTime(c.step_due_at)}`), countdownEl(c.step_due_at, c.light)) : null;
  const assignments = c.assignments.filter((a) => a.state !== 'cancelled');
  const mapEl = map ? h('div', { class: 'map ops-minimap', id: `ops-map-${c.id}` }) : null;
  clear(el,
    h('div', { class: 'ops-detail-head' },
      h('h2', null, h('span', { class: 'num' }, c.case_no), ' ', statusBadge(c.status, c.status_label),
        c.urgency !== 'normal' ? h('span', { class: 'badge bad' }, URGENCY[c.urgency]) : null,
        c.urged ? h('span', { class: 'badge urged' }, '督办') : null,
        c.self_disposed ? h('span', { class: 'badge ok' }, '自行处置') : null),
      h('div', { class: 'ops-cat-big' }, c.category_name || c.category_code, c.condition_code ? h('small', null, ` · 立案条件 ${c.condition_code}`) : null),
      dueRow),
    actions ? h('div', { class: 'btn-group ops-actions' }, actions) : null,
    before,
    c.urged && c.urge_note ? h('div', { class: 'ops-note urged' }, '督办批示：', c.urge_note) : null,
    c.pending_requests.map((r) => h('div', { class: 'ops-note warn', dataset: { request: r.kind } },
      h('b', null, `待审批：${REQUEST_KINDS[r.kind] || r.kind}申请`), ` · ${fmt.dateTime(r.requested_at, 'short')}`,
      r.new_due_at ? ` · 申请新期限 ${fmt.dateTime(r.new_due_at)}` : null, h('div', null, '理由：', r.reason))),
    h('p', { class: 'ops-desc' }, c.description),
    h('dl', { class: 'kv' },
      h('dt', null, '地址'), h('dd', null, c.address || '—'),
      h('dt', null, '网格'), h('dd', { class: 'num' }, c.grid_code),
      h('dt', null, '来源'), h('dd', null, CHANNELS[c.channel] || c.channel, c.reporter_name ? ` · ${c.reporter_name}` : '', c.reporter_phone ? ` · ${c.reporter_phone}` : ''),
      h('dt', null, '上报时间'), h('dd', null, fmt.dateTime(c.reported_at)),
      c.verified != null ? [h('dt', null, '核实结果'), h('dd', null, c.verified ? '属实' : '不属实')] : null,
      assignments.length ? [h('dt', null, '处置部门'), h('dd', null, assignments.map((a) => h('div', null,
        a.department_name, a.lead ? h('small', null, '（主办）') : null, ' ', h('span', { class: 'badge' }, ASSIGN_STATE[a.state] || a.state),
        a.rework ? h('span', { class: 'badge bad' }, `返工 ${a.rework}`) : null,
        a.due_at && a.state === 'active' ? h('small', { class: 'muted' }, ` 期限 ${fmt.dateTime(a.due_at, 'short')}`) : null)))] : null,
      c.merged_into_id ? [h('dt', null, '并入'), h('dd', null, `案件 ${c.merged_into_id}`)] : null,
      c.rating ? [h('dt', null, '评价'), h('dd', null, '★'.repeat(c.rating) + '☆'.repeat(5 - c.rating))] : null),
    c.likely_duplicates && c.likely_duplicates.length ? dupList(c.likely_duplicates) : null,
    photoGroups(c),
    mapEl,
    h('h3', { class: 'ops-tl-head' }, '办理过程'),
    timelineEl(c));
  if (mapEl) {
    detailMap = new CityMap(mapEl, { center: [c.lon, c.lat], zoom: 17, grids: true });
    detailMap.pin(c.lon, c.lat, { title: c.address || c.case_no });
    for (const d of c.likely_duplicates || []) {
      if (d.lon != null) detailMap.dot(d.lon, d.lat, STATUS_COLORS[d.status] || '#888', { title: d.case_no }).addTo(detailMap.map);
    }
  }
  return el;
}

const ASSIGN_STATE = { active: '处置中', fed_back: '已反馈', done: '已完成', returned: '已回退', cancelled: '已撤销' };

export function dupList(items, { onPick } = {}) {
  return h('div', { class: 'ops-dups' },
    h('h3', null, '疑似重复', h('small', null, ` · ${items.length} 件`)),
    h('ul', { class: 'list' }, items.map((d) => h('li', { dataset: { dup: d.id } },
      h('div', { class: 'item-title' }, h('span', { class: 'num' }, d.case_no), d.same_category ? h('span', { class: 'badge warn' }, '同类') : h('span', { class: 'badge' }, '相关类别'),
        h('span', { class: 'muted' }, `相距 ${fmt.number(d.distance_m)} 米`), h('span', { class: 'grow' }),
        onPick ? h('button', { type: 'button', class: 'btn btn-sm', onclick: () => onPick(d) }, '合并到此') : null),
      h('div', { class: 'item-meta' }, h('span', null, d.address || ''), h('span', null, fmt.dateTime(d.reported_at, 'short')))))));
}

/** On narrow screens the detail sits under the list: bring it into view after a case was picked. */
export function reveal(el) {
  if (window.matchMedia('(max-width: 1100px)').matches) el.scrollIntoView({ block: 'start' });
}

/** Load and render a case; returns it. */
export async function loadCase(el, id, opts = {}) {
  el.classList.add('loading');
  try {
    const c = await get(`/api/v1/cases/${id}`);
    renderCase(el, c, typeof opts === 'function' ? opts(c) : opts);
    return c;
  } finally {
    el.classList.remove('loading');
  }
}

// ---------------------------------------------------------------- photos and action forms

/** A photo picker that uploads at once: {el, tokens(), pending()}. capture: open the camera on phones. */
export function photoPicker({ label = '照片', capture = true, max = 9 } = {}) {
  const tokens = [];
  let busy = 0;
  const thumbs = h('div', { class: 'photos' });
  const input = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'ops-file', 'aria-label': label });
  if (capture) input.setAttribute('capture', 'environment');
  input.addEventListener('change', async () => {
    for (const f of [...input.files]) {
      if (tokens.length + busy >= max) { toast(`最多 ${max} 张照片`, 'warn'); break; }
      const ph = h('div', { class: 'ph uploading' }, h('img', { src: URL.createObjectURL(f), alt: '' }), h('span', { class: 'stage' }, '上传中…'));
      thumbs.append(ph);
      busy += 1;
      try {
        const r = await upload(f);
        tokens.push(r.token);
        ph.classList.remove('uploading');
        ph.querySelector('.stage').textContent = '已上传';
        ph.dataset.token = r.token;
        ph.append(h('button', { type: 'button', class: 'rm', 'aria-label': '移除', onclick: () => { tokens.splice(tokens.indexOf(r.token), 1); ph.remove(); } }, '×'));
      } catch (e) {
        ph.remove();
      } finally { busy -= 1; }
    }
    input.value = '';
  });
  const el = h('div', { class: 'ops-photo-picker' },
    h('label', { class: 'btn ops-photo-btn' }, '＋ ', label, input), thumbs);
  return { el, tokens: () => tokens.slice(), pending: () => busy };
}

/**
 * A dialog for a workflow action: actionForm({title, intro, fields: [{name, label, type: textarea|select|
 * number|datetime-local|radio, options, required, value, hint}], photos: {label, required}, submit, kind,
 * onSubmit: async (values) => any}). values.photos holds the uploaded files' tokens.
 */
export function actionForm({ title, intro, fields = [], photos = null, submit = '确定', kind = 'primary', onSubmit, body: extraBody }) {
  const form = h('form', { class: 'form', onsubmit: (e) => e.preventDefault() });
  if (intro) form.append(h('div', { class: 'muted' }, intro));
  if (extraBody) form.append(extraBody);
  const inputs = {};
  for (const f of fields) {
    let input;
    if (f.type === 'textarea') input = h('textarea', { name: f.name, placeholder: f.placeholder || '', maxlength: 2000 });
    else if (f.type === 'select') input = h('select', { name: f.name, multiple: !!f.multiple, size: f.multiple ? Math.min(8, f.options.length) : null }, f.options.map(([v, l]) => h('option', { value: v }, l)));
    else if (f.type === 'radio') {
      input = h('div', { class: 'ops-radios', role: 'radiogroup' }, f.options.map(([v, l], i) => h('label', { class: 'check' },
        h('input', { type: 'radio', name: f.name, value: v, checked: f.value != null ? String(f.value) === String(v) : i === 0 }), l)));
    } else input = h('input', { name: f.name, type: f.type || 'text', placeholder: f.placeholder || '', min: f.min, max: f.max, step: f.step });
    if (f.value != null && f.type !== 'radio') {
      if (f.multiple) [...input.options].forEach((o) => { o.selected = f.value.map(String).includes(o.value); });
      else input.value = f.value;
    }
    inputs[f.name] = input;
    form.append(h('label', { class: 'field' }, h('span', null, f.label, f.required ? h('span', { class: 'req' }, ' *') : null), input,
      f.hint ? h('span', { class: 'hint' }, f.hint) : null));
  }
  const picker = photos ? photoPicker({ label: photos.label || '拍照/选择照片' }) : null;
  if (picker) form.append(h('div', { class: 'field' }, h('span', null, photos.title || '照片', photos.required ? h('span', { class: 'req' }, ' *') : null), picker.el));
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  form.append(err);
  const values = () => {
    const out = {};
    for (const f of fields) {
      const i = inputs[f.name];
      if (f.type === 'radio') out[f.name] = (i.querySelector('input:checked') || {}).value ?? null;
      else if (f.multiple) out[f.name] = [...i.selectedOptions].map((o) => o.value);
      else if (f.type === 'number') out[f.name] = i.value === '' ? null : Number(i.value);
      else out[f.name] = i.value.trim() === '' ? null : i.value.trim();
    }
    if (picker) out.photos = picker.tokens();
    return out;
  };
  return modal({
    title, body: form, actions: [{
      label: submit, kind, key: 'submit', onClick: async () => {
        const v = values();
        const missing = fields.filter((f) => f.required && (v[f.name] == null || (Array.isArray(v[f.name]) && !v[f.name].length))).map((f) => f.label);
        if (picker && picker.pending()) { err.textContent = '照片正在上传，请稍候'; err.hidden = false; return false; }
        if (photos && photos.required && !v.photos.length) missing.push(photos.title || '照片');
        if (missing.length) { err.textContent = `请填写：${missing.join('、')}`; err.hidden = false; return false; }
        err.hidden = true;
        return onSubmit ? onSubmit(v) : v;
      },
    }],
  });
}

/** Counters above a console: stats(el, [{label, value, kind, tab}]) */
export function statRow(el, rows, onClick) {
  clear(el, rows.map((r) => h(onClick && r.tab ? 'button' : 'div', {
    type: onClick && r.tab ? 'button' : null, class: ['stat', r.kind], dataset: { stat: r.key || r.tab || '' },
    onclick: onClick && r.tab ? () => onClick(r.tab) : null,
  }, h('b', null, r.value == null ? '—' : fmt.number(r.value)), h('span', null, r.label))));
}

/** Count only (page_size 1): how many cases match the query. */
export async function countCases(query) {
  const d = await get('/api/v1/cases', { ...query, page: 1, page_size: 1 }, { quiet: true });
  return d.total;
}
