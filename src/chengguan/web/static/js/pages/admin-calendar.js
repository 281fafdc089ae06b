// 应用维护 · 工作日历: holidays on weekdays and makeup working days on weekends (from the State Council's
// notice), per year; next year's entry; marking a year complete; seeding from the chinese-calendar package.
// Every deadline of the platform is computed with this calendar.
import { get, put, del, post } from '../cg/api.js';
import { h, clear, $, modal, formDialog, toast, confirmDialog } from '../cg/ui.js';
import { config } from '../cg/config.js';

const root = $('#adm-root');
const thisYear = +(config.now || new Date().toISOString()).slice(0, 4);
let year = +(new URLSearchParams(location.search).get('year') || thisYear);
const yearSel = h('select', { id: 'cal-year', 'aria-label': '年份' }, [thisYear - 1, thisYear, thisYear + 1, thisYear + 2].map((y) => h('option', { value: y }, `${y} 年`)));
yearSel.value = String(year);
yearSel.addEventListener('change', () => { year = +yearSel.value; load(); });
const info = h('div', { class: 'card', id: 'cal-info' });
const grid = h('div', { class: 'card' }, h('div', { class: 'cal-year', id: 'cal-grid' }));
clear(root, h('div', { class: 'stack' }, info, grid));

const pad = (n) => String(n).padStart(2, '0');
const iso = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;

async function editDay(day, entry) {
  const date = new Date(`${day}T00:00:00Z`);
  const weekend = [0, 6].includes(date.getUTCDay());
  const wd = '日一二三四五六'[date.getUTCDay()];
  const fields = [
    { name: 'kind', label: '这一天', type: 'select', options: weekend ? [['makeup', '调休上班（工作日）'], ['holiday', '节假日（休息）']] : [['holiday', '节假日（休息）']], value: entry ? (entry.is_workday ? 'makeup' : 'holiday') : (weekend ? 'makeup' : 'holiday') },
    { name: 'name', label: '名称（如 春节、国庆节）', value: entry ? entry.name || '' : '', required: !weekend },
  ];
  const out = await formDialog({
    title: `${day}（星期${wd}）`,
    intro: entry ? `当前：${entry.is_workday ? '调休上班' : '节假日'}${entry.name ? ' · ' + entry.name : ''}。` : (weekend ? '周末，默认休息。' : '周一至周五，默认工作日。'),
    fields, submit: '保存',
    onSubmit: async (v) => {
      await put(`/api/v1/calendar/days/${day}`, { is_workday: v.kind === 'makeup', name: v.name });
      toast('已保存', 'ok');
      return 'saved';
    },
  });
  if (out === 'saved') load();
}

async function load() {
  const data = await get('/api/v1/calendar', { year });
  const byDay = Object.fromEntries(data.days.map((d) => [d.day, d]));
  const next = year === thisYear ? await get('/api/v1/calendar', { year: thisYear + 1 }, { quiet: true }).catch(() => null) : null;
  clear(info,
    h('div', { class: 'case-head' },
      h('div', null, h('h2', null, `${year} 年工作日历`),
        data.has_data ? h('span', { class: 'badge ok', id: 'cal-status' }, '已录入') : h('span', { class: 'badge warn', id: 'cal-status' }, data.notice)),
      h('div', { class: 'btn-group' }, yearSel,
        h('button', { type: 'button', class: 'btn btn-sm', onclick: async () => {
          const out = await post(`/api/v1/calendar/sync?years=${year}`);
          toast(out[String(year)] ? `已从 chinese-calendar 导入 ${year} 年` : `chinese-calendar 尚无 ${year} 年数据，请按国务院办公厅通知手工录入`, out[String(year)] ? 'ok' : 'warn', 8000);
          load();
        } }, '从软件包导入'),
        h('button', { type: 'button', class: 'btn btn-sm btn-primary', dataset: { action: 'declare' }, disabled: data.has_data, onclick: async () => {
          if (await confirmDialog('确认录入完整', `${year} 年的节假日和调休已按国务院办公厅通知全部录入？`)) {
            await put(`/api/v1/calendar/years/${year}`, { note: '管理员确认录入完整' }); toast('已确认', 'ok'); load();
          }
        } }, '确认本年录入完整'))),
    next && !next.has_data ? h('p', { class: 'badge warn', id: 'next-year-warning', style: { display: 'block', padding: '6px 10px', margin: '8px 0 0' } },
      `${thisYear + 1} 年节假日尚未录入：国务院办公厅通知发布后请切换到 ${thisYear + 1} 年录入，否则明年按周一至周五计算时限。`) : null,
    h('div', { class: 'cal-legend', style: { marginTop: '8px' } },
      h('span', null, h('i', { style: { background: 'var(--c-red-l)' } }), '节假日'), h('span', null, h('i', { style: { background: '#e6f0ff' } }), '调休上班'),
      h('span', null, h('i', { style: { background: '#fff', border: '1px solid var(--c-line)' } }), '周末（红字）'),
      h('span', { class: 'muted' }, `工作时间：${(data.work_windows || []).map((w) => w.join('–')).join('，')}；点击日期修改。`)));
  const months = [];
  for (let m = 1; m <= 12; m++) {
    const first = new Date(Date.UTC(year, m - 1, 1));
    const days = new Date(Date.UTC(year, m, 0)).getUTCDate();
    const offset = (first.getUTCDay() + 6) % 7; // Monday first
    const cells = [];
    for (let i = 0; i < offset; i++) cells.push(h('td'));
    for (let d = 1; d <= days; d++) {
      const day = iso(year, m, d);
      const e = byDay[day];
      const dow = (offset + d - 1) % 7;
      cells.push(h('td', { class: [dow >= 5 ? 'we' : '', e ? (e.is_workday ? 'mk' : 'hol') : ''], dataset: { day } },
        h('button', { type: 'button', title: e ? `${e.is_workday ? '调休上班' : '节假日'}${e.name ? ' · ' + e.name : ''}` : '', onclick: () => onDay(day, e) }, String(d))));
    }
    const rows = [];
    for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', null, cells.slice(i, i + 7)));
    months.push(h('div', { class: 'cal-month' }, h('h3', null, `${m} 月`), h('table', null, h('thead', null, h('tr', null, '一二三四五六日'.split('').map((x) => h('th', null, x)))), h('tbody', null, rows))));
  }
  clear($('#cal-grid'), months);
}

async function onDay(day, entry) {
  if (entry) {
    const choice = await modal({
      title: `${day}`, body: h('p', null, `${entry.is_workday ? '调休上班' : '节假日'}${entry.name ? ' · ' + entry.name : ''}`),
      actions: [{ label: '修改', key: 'edit', value: 'edit' }, { label: '恢复为普通日', key: 'remove', kind: 'danger', value: 'remove' }],
    });
    if (choice === 'edit') return editDay(day, entry);
    if (choice === 'remove') { await del(`/api/v1/calendar/days/${day}`); toast('已恢复', 'ok'); load(); }
    return null;
  }
  return editDay(day, null);
}

load();
