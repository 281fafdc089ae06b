// 月通报: live rendering in three formats, manual issue, and the history of issued bulletins.
import { get, post } from '../cg/api.js';
import { h, clear, empty, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';

const $ = (id) => document.getElementById(id);
$('period').value = page.period;
function links() {
  for (const f of ['html', 'pdf', 'xlsx']) $(f).href = `/api/v1/reports/bulletin?period=${$('period').value}&format=${f}`;
}
$('period').addEventListener('change', links);
links();
if (page.can_issue) {
  $('issue').hidden = false;
  $('issue').addEventListener('click', async () => {
    $('issue').disabled = true;
    try {
      const b = await post('/api/v1/reports/bulletins', { period: $('period').value });
      toast(`已印发 ${b.title}（第 ${b.version} 版）`, 'ok');
      history();
    } finally { $('issue').disabled = false; }
  });
}
async function history() {
  const rows = await get('/api/v1/reports/bulletins');
  if (!rows.length) { clear($('history'), h('tbody', null, h('tr', null, h('td', null, empty('尚未印发'))))); return; }
  clear($('history'),
    h('thead', null, h('tr', null, ['月份', '标题', '版本', '方式', '印发时间', '等级', '下载'].map((t) => h('th', null, t)))),
    h('tbody', null, rows.map((b) => h('tr', null, h('td', null, b.period), h('td', null, b.title), h('td', null, `v${b.version}`),
      h('td', null, b.trigger === 'schedule' ? '自动' : '手动'), h('td', null, fmt.dateTime(b.issued_at, 'short')),
      h('td', null, b.summary.grade || '—'),
      h('td', null, ['pdf', 'html', 'xlsx'].map((f) => h('a', { class: 'btn btn-sm', href: b.files[f], target: '_blank' }, f.toUpperCase())))))));
}
history();
