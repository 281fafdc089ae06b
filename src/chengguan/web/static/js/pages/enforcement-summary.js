// 当场处罚 on a phone: the form, the partner officer, the position; the decision comes back numbered.
import { get, post, newKey } from '../cg/api.js';
import { h, clear, toast } from '../cg/ui.js';
import { page } from '../cg/config.js';

const form = document.getElementById('summary-form');
const where = document.getElementById('where');
const result = document.getElementById('result');
let pos = null;

if (navigator.geolocation) {
  navigator.geolocation.getCurrentPosition((p) => { pos = p.coords; where.textContent = `位置：${pos.longitude.toFixed(5)}, ${pos.latitude.toFixed(5)}`; },
    () => { where.textContent = '未获取到位置（可继续办理）'; }, { timeout: 8000 });
} else where.textContent = '设备不支持定位';

(async () => {
  const officers = await get('/api/v1/enforcement/officers');
  const sel = document.getElementById('partner');
  clear(sel, ...officers.filter((o) => o.certified && o.id !== page.user_id).map((o) => h('option', { value: o.id }, o.name)));
})();

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(form);
  const kind = f.get('kind');
  const body = {
    cause: f.get('cause'), party_name: f.get('party_name'), party_type: f.get('party_type'),
    party_id_no: f.get('party_id_no') || null, facts: f.get('facts'), legal_basis: f.get('legal_basis'),
    penalty_types: [kind], fine_amount: kind === 'fine' ? (f.get('fine_amount') || null) : null,
    officer_ids: [page.user_id, Number(f.get('partner'))], cash: !!f.get('cash'), hard_to_collect: !!f.get('hard_to_collect'),
    party_signed: !!f.get('party_signed'), refusal_note: f.get('refusal_note') || null, device_id: f.get('device_id') || null,
  };
  if (pos) { body.lon = pos.longitude; body.lat = pos.latitude; }
  for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
  const out = await post('/api/v1/enforcement/summary', body, { idempotencyKey: newKey('s') });
  const dec = out.documents.find((d) => d.doc_type === 'summary_decision');
  toast('当场处罚决定已作出', 'ok');
  result.hidden = false;
  clear(result, h('h2', null, '决定书已生成'), h('p', null, out.case.decision_no),
    h('p', null, `${out.case.party_name}：${out.case.penalty_text}`),
    h('a', { class: 'btn btn-primary btn-block', href: dec.pdf_url, target: '_blank' }, '打开决定书（PDF）'),
    h('a', { class: 'btn btn-block', href: `/enforcement?case=${out.case.id}` }, '查看案件'));
  form.reset();
});
