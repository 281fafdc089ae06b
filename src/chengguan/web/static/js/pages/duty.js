// 勤务排班 · 在岗在位: the day's shifts (members, joint-squad gaps), on-post numbers and alerts.
import { get } from '../cg/api.js';
import { h, clear, empty } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const dayInput = document.getElementById('day');
dayInput.value = page.day;

const FORCE = { police: '公安', aux_police: '辅警', chengguan: '城管', xieguan: '协管' };

function stat(label, value) {
  return h('div', { class: 'card stat' }, h('div', { class: 'muted' }, label), h('b', null, String(value)));
}

function missingText(missing) {
  const parts = Object.entries(missing || {}).map(([f, n]) => `${FORCE[f] || f}${n}人`);
  return parts.length ? `缺 ${parts.join('、')}` : '编组完整';
}

async function load() {
  const day = dayInput.value;
  const [shifts, onpost, alerts] = await Promise.all([
    get('/api/v1/duty/shifts', { day }), get('/api/v1/duty/onpost', { day }), get('/api/v1/duty/alerts', { hours: 24 }),
  ]);
  const members = shifts.items.reduce((n, s) => n + s.members.filter((m) => m.status === 'on_duty').length, 0);
  const onPost = onpost.items.filter((r) => r.on_post).length;
  clear(document.getElementById('stats'), stat('班次', shifts.items.length), stat('在班人员', members),
    stat('在岗', `${onPost}/${onpost.items.length}`), stat('告警', alerts.items.length));
  clear(document.getElementById('shifts'), shifts.items.length ? h('table', { class: 'table' },
    h('thead', null, h('tr', null, h('th', null, '班次'), h('th', null, '类型'), h('th', null, '时间'), h('th', null, '人员'), h('th', null, '编组'))),
    h('tbody', null, ...shifts.items.map((s) => h('tr', { 'data-id': s.id },
      h('td', null, s.name), h('td', null, s.kind_label),
      h('td', null, `${fmt.dateTime(s.starts_at, 'short')} – ${fmt.dateTime(s.ends_at, 'time')}`),
      h('td', null, s.members.map((m) => `${m.name}${m.status !== 'on_duty' ? `（${m.status_label}）` : ''}`).join('、')),
      h('td', null, s.composition ? missingText(s.missing) : '—'))))) : empty('当日没有班次'));
  clear(document.getElementById('alerts'), alerts.items.length ? h('ul', { class: 'list' }, ...alerts.items.map((a) =>
    h('li', null, h('b', null, a.kind_label), ` ${a.name}（${a.shift_name}）${fmt.dateTime(a.started_at, 'short')} 起 ${a.minutes} 分钟 `,
      a.user_id ? h('a', { href: `/duty/playback?user_id=${a.user_id}` }, '回放') : '')))
    : empty('没有告警'));
  clear(document.getElementById('onpost'), onpost.items.length ? h('table', { class: 'table' },
    h('thead', null, h('tr', null, ...['人员', '班次', '队伍', '定位点', '网格内时长', '里程', '网格覆盖', '在岗'].map((t) => h('th', null, t)))),
    h('tbody', null, ...onpost.items.map((r) => h('tr', null,
      h('td', null, r.name), h('td', null, r.shift_name), h('td', null, FORCE[r.force] || r.force),
      h('td', null, fmt.number(r.points)), h('td', null, fmt.duration(r.seconds_inside * 1000)),
      h('td', null, `${fmt.number(r.distance_m / 1000, 1)} 公里`),
      h('td', null, `${r.grids_visited}/${r.grids_total}（${fmt.percent(r.coverage)}）`),
      h('td', null, r.on_post ? '✔ 在岗' : '✘ 不足'))))) : empty('尚无在岗统计（由后台任务每 5 分钟计算）'));
}

dayInput.addEventListener('change', load);
load();
