// 综合评价: rows of one evaluation object with indicators, composite and grade; every count opens the cases behind it.
import { get } from '../cg/api.js';
import { h, clear, empty, modal, pager } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const $ = (id) => document.getElementById(id);
const state = { level: 'region', unit: 'street', post: '', period: page.period, page: 1 };
const PAGE = 100;

$('period').value = page.period;
function periodValue() {
  const t = $('ptype').value;
  const y = ($('period').value || page.period).slice(0, 4);
  if (t === 'month') return $('period').value || page.period;
  if (t === 'year') return y;
  if (t === 'quarter' || t === 'half') return `${y}-${$('pq').value}`;
  return `${$('from').value}..${$('to').value}`;
}
$('ptype').addEventListener('change', () => {
  const t = $('ptype').value;
  $('pq').hidden = !(t === 'quarter' || t === 'half');
  $('custom').hidden = t !== 'custom';
  $('period').hidden = t === 'custom';
  $('period').type = t === 'month' ? 'month' : 'number';
  if (t !== 'month') $('period').value = page.period.slice(0, 4);
  clear($('pq'), (t === 'quarter' ? ['Q1', 'Q2', 'Q3', 'Q4'] : ['H1', 'H2']).map((v) => h('option', { value: v }, v)));
});
$('level').addEventListener('change', () => {
  $('unit-wrap').hidden = $('level').value !== 'region';
  $('post-wrap').hidden = $('level').value !== 'post';
});
$('go').addEventListener('click', () => {
  Object.assign(state, { level: $('level').value, unit: $('unit').value, post: $('post').value, period: periodValue(), page: 1 });
  load();
});

function gradeBadge(g) {
  if (!g) return '—';
  return h('span', { class: 'badge grade', style: { background: page.grade_colours[g], color: '#fff' }, dataset: { grade: g } }, g);
}

function indicatorText(ind) {
  if (ind.value == null && ind.text) return ind.text;
  if (ind.value == null) return '—';
  return ind.table ? fmt.number(ind.value, 2) : fmt.percent(ind.value);
}

async function drill(row, count, label) {
  const body = h('div', null, h('p', { class: 'muted' }, '加载中…'));
  modal({ title: `${row.name} · ${label}`, body, wide: true });
  const show = async (p) => {
    const d = await get(`/api/v1/evaluation/${state.level}/cases`, { period: state.period, unit: state.unit, key: row.key, count, page: p, page_size: 20 });
    const terms = d.terms.length > 1 ? h('p', { class: 'muted' }, '= ' + d.terms.map((t) => `${t.sign < 0 ? '−' : '+'} ${t.label}`).join(' ')) : null;
    const table = h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['案件编号', '环节', '时间', '是否按时', '办理人', '地址', ''].map((t) => h('th', null, t)))),
      h('tbody', null, d.items.map((x) => h('tr', null,
        h('td', null, x.case_no), h('td', null, x.action), h('td', null, fmt.dateTime(x.at, 'short')),
        h('td', null, x.met_deadline == null ? '—' : (x.met_deadline ? '按时' : '超时')), h('td', null, x.actor_name || ''),
        h('td', null, x.address || ''), h('td', null, x.sign < 0 ? '（减）' : '')))));
    const pg = h('div');
    clear(body, terms, d.items.length ? table : empty('没有案件'), pg);
    pager(pg, { page: p, pageSize: 20, total: d.total, onChange: show });
  };
  show(1);
}

async function load() {
  const q = { period: state.period, page: state.page, page_size: PAGE };
  if (state.level === 'region') q.unit = state.unit;
  if (state.level === 'post' && state.post) q.post = state.post;
  const d = await get(`/api/v1/evaluation/${state.level}`, q);
  $('meta').textContent = `${d.period.label} · 计数口径：${d.basis === 'report' ? '按上报时间' : '按发生时间'} · 点击数字查看对应案件；“—”表示分母为零`;
  const first = d.items[0];
  if (!first) { clear($('table'), h('tbody', null, h('tr', null, h('td', null, empty('本时段没有数据'))))); return; }
  const inds = Object.keys(first.indicators);
  const counts = Object.keys(first.counts);
  const head = h('tr', null, h('th', null, '排名'), h('th', null, '名称'),
    counts.map((c) => h('th', null, d.count_labels[c] || c)),
    inds.map((k) => h('th', { title: `权重 ${first.indicators[k].weight}` }, first.indicators[k].label)),
    h('th', null, '综合指标值'), h('th', null, '等级'));
  const rows = d.items.map((r) => h('tr', { dataset: { key: r.key } },
    h('td', null, r.rank ?? '—'), h('td', null, r.name, r.post_label ? h('span', { class: 'muted' }, ` ${r.post_label}`) : null,
      r.region_class ? h('span', { class: 'muted' }, r.region_class === 1 ? ' 一类' : ' 二类') : null),
    counts.map((c) => h('td', null, r.counts[c] ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); drill(r, c, d.count_labels[c] || c); } }, fmt.number(r.counts[c])) : '0')),
    inds.map((k) => h('td', { title: r.indicators[k].score == null ? '' : `分值 ${r.indicators[k].score}` }, indicatorText(r.indicators[k]))),
    h('td', null, r.composite == null ? '—' : fmt.number(r.composite, 2)), h('td', null, gradeBadge(r.grade))));
  clear($('table'), h('thead', null, head), h('tbody', null, rows));
  pager($('pager'), { page: state.page, pageSize: PAGE, total: d.total, onChange: (p) => { state.page = p; load(); } });
}
load();
