// Small DOM helpers shared by every console: element builder, toasts, modal dialogs, a form dialog,
// a server-side pager, status badges and deadline lights. No framework, no build step.

/**
 * h('div', {class: 'x', onclick: fn, dataset: {id: 1}, text: '…'}, child, [children], 'text')
 * Strings become text nodes (never HTML), null/false are skipped, arrays are flattened.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function debounce(fn, ms = 300) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}

/** toast('已派遣', 'ok' | 'error' | 'warn' | 'info') */
export function toast(message, kind = 'info', ms = 4500) {
  let box = document.getElementById('cg-toasts');
  if (!box) { box = h('div', { id: 'cg-toasts', class: 'cg-toasts', role: 'status' }); document.body.append(box); }
  const t = h('div', { class: `toast ${kind}`, dataset: { kind } }, message);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? ms + 2000 : ms);
  return t;
}

export function empty(text = '暂无数据') {
  return h('div', { class: 'empty' }, text);
}

/**
 * modal({title, body: Node, actions: [{label, kind: 'primary'|'danger'|…, onClick: async () => value}]})
 * → Promise resolved with the action's return value (undefined when closed). An action that throws
 * keeps the dialog open (the API client has already shown the error).
 */
export function modal({ title, body, actions = [], wide = false }) {
  return new Promise((resolve) => {
    const close = (v) => { back.remove(); document.removeEventListener('keydown', onKey); resolve(v); };
    const onKey = (e) => { if (e.key === 'Escape') close(undefined); };
    const buttons = actions.map((a) => h('button', {
      type: 'button', class: `btn ${a.kind ? 'btn-' + a.kind : ''}`, dataset: { action: a.key || a.label },
      onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        try {
          const v = a.onClick ? await a.onClick() : a.value;
          if (v !== false) close(v === undefined ? true : v);
        } catch (err) {
          if (!(err && err.name === 'ApiError')) toast(String(err.message || err), 'error');
        } finally { b.disabled = false; }
      },
    }, a.label));
    const dlg = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title, style: wide ? { width: 'min(860px, 100%)' } : null },
      h('header', null, h('h2', null, title), h('button', { type: 'button', class: 'close', 'aria-label': '关闭', onclick: () => close(undefined) }, '×')),
      h('div', { class: 'body' }, body),
      h('footer', null, h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => close(undefined) }, '取消'), buttons));
    const back = h('div', { class: 'modal-backdrop', onclick: (e) => { if (e.target === back) close(undefined); } }, dlg);
    document.body.append(back);
    document.addEventListener('keydown', onKey);
    (dlg.querySelector('input, select, textarea') || buttons[buttons.length - 1])?.focus();
  });
}

/**
 * formDialog({title, fields: [{name, label, type: text|textarea|number|select|checkbox|datetime-local|date,
 *   required, options: [[value, label]], value, hint, placeholder}], submit: '确定', kind, onSubmit: async values => any})
 * → Promise of onSubmit's result (or the values), undefined if cancelled. Required fields are checked first;
 * an ApiError thrown by onSubmit is shown inside the form (which stays open).
 */
export function formDialog({ title, fields, submit = '确定', kind = 'primary', onSubmit, intro }) {
  const form = h('form', { class: 'form', onsubmit: (e) => e.preventDefault() });
  if (intro) form.append(h('p', { class: 'muted' }, intro));
  const inputs = {};
  for (const f of fields) {
    let input;
    if (f.type === 'textarea') input = h('textarea', { name: f.name, placeholder: f.placeholder || '', maxlength: f.maxlength || 2000 });
    else if (f.type === 'select') {
      input = h('select', { name: f.name, multiple: !!f.multiple }, f.options.map(([v, l]) => h('option', { value: v }, l)));
    } else input = h('input', { name: f.name, type: f.type || 'text', placeholder: f.placeholder || '', step: f.step, min: f.min, max: f.max, accept: f.accept });
    if (f.value != null) {
      if (f.type === 'checkbox') input.checked = !!f.value;
      else if (f.multiple) [...input.options].forEach((o) => { o.selected = f.value.includes(o.value) || f.value.includes(+o.value); });
      else input.value = f.value;
    }
    inputs[f.name] = input;
    form.append(f.type === 'checkbox'
      ? h('label', { class: 'check' }, input, f.label)
      : h('label', null, h('span', null, f.label, f.required ? h('span', { class: 'muted' }, ' *') : null), input, f.hint ? h('span', { class: 'hint' }, f.hint) : null));
  }
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  form.append(err);
  const values = () => {
    const out = {};
    for (const f of fields) {
      const i = inputs[f.name];
      if (f.type === 'checkbox') out[f.name] = i.checked;
      else if (f.multiple) out[f.name] = [...i.selectedOptions].map((o) => o.value);
      else if (f.type === 'number') out[f.name] = i.value === '' ? null : Number(i.value);
      else if (f.type === 'file') out[f.name] = i.files && i.files.length ? i.files[0] : null;
      else out[f.name] = i.value.trim() === '' ? null : i.value.trim();
    }
    return out;
  };
  return modal({
    title, body: form, actions: [{
      label: submit, kind, key: 'submit', onClick: async () => {
        const v = values();
        const missing = fields.filter((f) => f.required && (v[f.name] == null || (Array.isArray(v[f.name]) && !v[f.name].length)));
        if (missing.length) { err.textContent = `请填写：${missing.map((f) => f.label).join('、')}`; err.hidden = false; return false; }
        err.hidden = true;
        if (!onSubmit) return v;
        try {
          return await onSubmit(v);
        } catch (e) {
          // The API's refusal (a Chinese message) stays next to the form, which stays open for a correction.
          if (!(e && e.name === 'ApiError')) throw e;
          err.textContent = e.message;
          err.hidden = false;
          return false;
        }
      },
    }],
  });
}

/** confirmDialog('确定作废？') → true / undefined */
export function confirmDialog(title, text, { label = '确定', kind = 'primary' } = {}) {
  return modal({ title, body: h('p', null, text), actions: [{ label, kind, key: 'confirm', value: true }] });
}

/**
 * Server-side pagination under a list: pager(el, {page, pageSize, total, onChange(page)}).
 * total may be null (the API skipped counting): then only 上一页/下一页 by whether the page was full.
 */
export function pager(el, { page, pageSize, total, count, onChange }) {
  const pages = total != null ? Math.max(1, Math.ceil(total / pageSize)) : null;
  const hasNext = pages != null ? page < pages : count === pageSize;
  const info = total != null ? `共 ${total.toLocaleString('zh-CN')} 条 · 第 ${page}/${pages.toLocaleString('zh-CN')} 页` : `第 ${page} 页`;
  clear(el,
    h('span', { class: 'info' }, info),
    h('button', { type: 'button', class: 'btn btn-sm', disabled: page <= 1, onclick: () => onChange(1) }, '首页'),
    h('button', { type: 'button', class: 'btn btn-sm', disabled: page <= 1, onclick: () => onChange(page - 1), dataset: { pager: 'prev' } }, '上一页'),
    h('button', { type: 'button', class: 'btn btn-sm', disabled: !hasNext, onclick: () => onChange(page + 1), dataset: { pager: 'next' } }, '下一页'),
    pages != null ? h('button', { type: 'button', class: 'btn btn-sm', disabled: page >= pages, onclick: () => onChange(pages) }, '末页') : null);
  el.classList.add('pager');
  return el;
}

export function statusBadge(status, label) {
  return h('span', { class: `badge s-${status}`, dataset: { status } }, label || status);
}

const LIGHT_LABEL = { green: '正常', yellow: '即将到期', red: '已超期', paused: '计时暂停' };
export function lightDot(light) {
  if (!light) return null;
  return h('span', { class: `light ${light}`, title: LIGHT_LABEL[light] || light, 'aria-label': LIGHT_LABEL[light] || light, dataset: { light } });
}

/** Tabs: tabs(el, [{key, label, count}], active, onChange) */
export function tabs(el, items, active, onChange) {
  clear(el, items.map((t) => h('button', {
    type: 'button', class: t.key === active ? 'active' : '', dataset: { tab: t.key },
    onclick: () => onChange(t.key),
  }, t.label, t.count != null ? h('span', { class: 'count' }, t.count.toLocaleString('zh-CN')) : null)));
  el.classList.add('tabs');
  el.setAttribute('role', 'tablist');
}
