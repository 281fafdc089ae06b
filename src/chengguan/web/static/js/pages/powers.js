// 权责与裁量: the power list, a power's bases and standards, the discretion calculator, the party
// record lookup and the 执法全过程记录 viewer. All data from the JSON API.
import { get, post } from '../cg/api.js';
import { h, clear, $, debounce, pager, tabs, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const TYPES = ['处罚', '强制', '检查', '征收', '许可', '给付', '裁决', '确认', '奖励', '其他'];
const SECTIONS = [{ key: 'powers', label: '权责清单与裁量' }, { key: 'parties', label: '当事人记录' }, { key: 'audit', label: '执法全过程记录' }];
let current = null;
let circumstances = null;
const KIND = { penalty: '处罚', warning: '警告', education: '不予处罚（教育）' };

function showTab(key) {
  tabs($('#tabs'), SECTIONS, key, showTab);
  for (const s of SECTIONS) $(`#tab-${s.key}`).hidden = s.key !== key;
}

async function loadList(p = 1) {
  const data = await get('/api/v1/public/powers', { type: $('#f-type').value || null, q: $('#f-q').value.trim() || null, page: p, page_size: 15 });
  const list = $('#power-list');
  clear(list, data.items.length ? data.items.map((it) => h('li', {
    dataset: { id: it.code }, class: current && current.code === it.code ? 'sel' : null, onclick: () => select(it.code),
  }, h('div', null, h('strong', null, it.name)), h('small', null, `${it.code} · 行政${it.power_type}${it.is_demo ? ' · 演示' : ''}`))) : empty('没有符合条件的事项'));
  pager($('#power-pager'), { page: p, pageSize: 15, total: data.total, onChange: loadList });
}

function money(lo, hi) {
  if (lo == null && hi == null) return '—';
  return `${fmt.number(Number(lo || 0))}–${fmt.number(Number(hi || 0))} 元`;
}

function tierRange(t) {
  if (t.rate_min != null || t.rate_max != null) return `${t.rate_of || '基数'}的 ${Number(t.rate_min)}%–${Number(t.rate_max)}%`;
  return money(t.fine_min, t.fine_max);
}

async function select(code) {
  const p = await get(`/api/v1/powers/${encodeURIComponent(code)}`);
  current = p;
  for (const li of document.querySelectorAll('#power-list li')) li.classList.toggle('sel', li.dataset.id === code);
  clear($('#power-detail'),
    h('h2', null, p.name),
    h('p', { class: 'muted' }, `${p.code} · 行政${p.power_type} · ${p.body}${p.is_demo ? ' · 演示数据' : ''}`),
    h('h3', null, '法律依据'),
    h('ul', null, p.legal_basis.map((b) => h('li', null, `${b.kind}：《${b.law}》${b.article}（第${b.version}版，${b.effective_from} 起）`))),
    p.standards.map((s) => h('div', { class: 'table-wrap' },
      h('h3', null, `裁量基准：${s.title}（第${s.version}版）`),
      h('table', { class: 'table' }, h('thead', null, h('tr', null, h('th', null, '阶次'), h('th', null, '情形'), h('th', null, '幅度'))),
        h('tbody', null, s.tiers.map((t) => h('tr', null, h('td', null, t.name), h('td', null, t.conditions), h('td', null, tierRange(t) + (t.other_penalty ? `；${t.other_penalty}` : '')))))))));
  const calc = $('#calc');
  calc.hidden = p.power_type !== '处罚' || !p.standards.length;
  if (calc.hidden) return;
  const tiers = p.standards.flatMap((s) => s.tiers);
  const form = $('#calc-form');
  clear(form.base_tier, h('option', { value: '' }, '按情形自动认定'), [...new Set(tiers.map((t) => t.name))].map((n) => h('option', { value: n }, n)));
  const keys = [...new Set(tiers.flatMap((t) => t.condition_keys))];
  const labelOf = (k) => (tiers.find((t) => t.condition_keys.includes(k)) || {}).conditions || k;
  clear($('#calc-flags'), keys.length ? keys.map((k) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'flag', value: k }), `${k}（${labelOf(k)}）`)) : h('span', { class: 'muted' }, '本基准未设可自动认定的情形'));
  const extra = Object.assign({}, ...p.standards.map((s) => s.aggravating || {}));
  const agg = { ...circumstances.aggravating, ...extra };
  clear($('#calc-agg'), Object.entries(agg).map(([k, l]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'agg', value: k }), l)));
  clear($('#calc-mit'), Object.entries(circumstances.mitigating).map(([k, v]) => h('label', { class: 'check', title: v.article }, h('input', { type: 'checkbox', name: 'mit', value: k }), v.label)));
  clear($('#calc-result'));
}

async function calculate(e) {
  e.preventDefault();
  const f = e.target;
  const num = (v) => (v === '' ? null : Number(v));
  const checked = (name) => [...f.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
  const body = {
    at: f.at.value || null, party_type: f.party_type.value, party_id: num(f.party_id.value), age: num(f.age.value),
    base_tier: f.base_tier.value || null, harm: f.harm.value, flags: checked('flag'), aggravating: checked('agg'), mitigating: checked('mit'),
    minor_violation: f.minor_violation.checked, corrected_in_time: f.corrected_in_time.checked, no_fault: f.no_fault.checked,
  };
  const out = await post(`/api/v1/powers/${encodeURIComponent(current.code)}/discretion`, body);
  const range = out.no_penalty ? '不予处罚（应当教育并记录）' : (out.rate_min != null ? tierRange(out) : money(out.fine_min, out.fine_max));
  clear($('#calc-result'), h('div', { class: 'card', id: 'calc-outcome', dataset: { tier: out.tier } },
    h('p', null, h('strong', null, `阶次：${out.tier}`), '　', range, out.requires_legal_review ? h('span', { class: 'badge warn' }, '须法制审核') : null),
    h('p', { class: 'muted' }, `适用裁量基准 ${out.standard_ref}（决定书记录此编号与版本）`),
    h('ol', null, out.reasons.map((r) => h('li', null, r)))));
}

async function findParties() {
  const q = $('#p-q').value.trim();
  const data = await get('/api/v1/parties', { q: q || null, page_size: 20 });
  clear($('#p-detail'));
  clear($('#p-list'), data.items.length ? h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['编号', '类型', '名称', '证件号码/统一社会信用代码'].map((t) => h('th', null, t)))),
    h('tbody', null, data.items.map((p) => h('tr', { dataset: { id: p.id }, onclick: () => showParty(p.id) },
      h('td', null, String(p.id)), h('td', null, p.kind === 'org' ? '单位' : '自然人'), h('td', null, p.name), h('td', null, p.uscc || p.id_number || '—')))))
    : empty('没有找到当事人'));
}

async function showParty(id) {
  const p = await get(`/api/v1/parties/${id}`);
  const r = p.record;
  clear($('#p-detail'), h('div', { class: 'card' },
    h('h2', null, `${p.name}（${p.kind === 'org' ? '单位' : '自然人'}）`),
    h('p', null, `违法记录 ${r.total} 条（处罚 ${r.penalties}，不予处罚并教育 ${r.educations}），近一年 ${r.last_year} 条，罚款合计 ${r.fines_total} 元`),
    p.history.length ? h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['日期', '类型', '事项', '文号', '罚款', '状态'].map((t) => h('th', null, t)))),
      h('tbody', null, p.history.map((c) => h('tr', null, h('td', null, c.decided_on), h('td', null, KIND[c.kind] || c.kind), h('td', null, c.power_code || '—'),
        h('td', null, c.decision_no || '—'), h('td', null, c.fine ? `${c.fine} 元` : '—'), h('td', null, c.revoked ? `已撤销（${c.revoke_reason}）` : '有效'))))) : empty('无违法记录')));
}

async function showAudit() {
  const subject = $('#a-subject').value.trim();
  if (!subject) return;
  const d = await get(`/api/v1/audit/${encodeURIComponent(subject)}`);
  clear($('#a-result'),
    h('p', null, d.items.length ? (d.ok ? h('span', { class: 'badge s-closed', id: 'chain-ok' }, '哈希链完好') : h('span', { class: 'badge warn', id: 'chain-bad' }, '哈希链异常')) : null),
    d.chains.flatMap((c) => c.problems.map((pr) => h('p', { class: 'form-error' }, `${c.stream}：${pr.message}`))),
    d.items.length ? h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['序号', '时间', '行为', '执法人员', '地点', '设备', '附件'].map((t) => h('th', null, t)))),
      h('tbody', null, d.items.map((e) => h('tr', null, h('td', null, String(e.seq)), h('td', null, fmt.dateTime(e.at, 'short')), h('td', null, e.action),
        h('td', null, e.actor_id == null ? '—' : String(e.actor_id)), h('td', null, (e.location && e.location.address) || '—'), h('td', null, e.device_id || '—'),
        h('td', null, e.media.map((m) => h('div', { title: m.sha256 }, `${m.kind} ${m.sha256.slice(0, 12)}…`)))))))
      : empty('没有记录'));
}

async function init() {
  const sel = $('#f-type');
  for (const t of TYPES) sel.append(h('option', { value: t }, `行政${t}`));
  sel.addEventListener('change', () => loadList(1));
  $('#f-q').addEventListener('input', debounce(() => loadList(1)));
  $('#calc-form').at.value = page.today;
  $('#calc-form').addEventListener('submit', calculate);
  $('#p-go').addEventListener('click', findParties);
  $('#p-q').addEventListener('keydown', (e) => { if (e.key === 'Enter') findParties(); });
  $('#a-go').addEventListener('click', showAudit);
  $('#a-subject').addEventListener('keydown', (e) => { if (e.key === 'Enter') showAudit(); });
  showTab('powers');
  circumstances = await get('/api/v1/powers/circumstances');
  await loadList(1);
}
init();
