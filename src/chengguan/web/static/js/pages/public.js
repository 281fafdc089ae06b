// The public page: report a problem without an account (map point, category, 立案条件, photos, optional
// contact), follow a report by its number and query code, rate the result, and the public map.
import { get, post, upload, newKey, ApiError } from '../cg/api.js';
import { h, clear, $, $$, debounce, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { CityMap } from '../cg/map.js';
import { page, config } from '../cg/config.js';

const state = { lon: null, lat: null, pin: null, photos: [], key: newKey('pub'), publicMap: null, markers: [] };
let reportMap = null;

// ---------------------------------------------------------------- tabs
function show(tab) {
  for (const b of $$('#pub-tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const t of ['report', 'follow', 'map']) $(`#tab-${t}`).hidden = t !== tab;
  if (tab === 'report' && reportMap) reportMap.invalidate();
  if (tab === 'map') openPublicMap();
}
for (const b of $$('#pub-tabs button')) b.addEventListener('click', () => show(b.dataset.tab));

// ---------------------------------------------------------------- where
function setPoint(lon, lat, label) {
  state.lon = lon; state.lat = lat;
  if (state.pin) state.pin.setWgs(lon, lat);
  else state.pin = reportMap.pin(lon, lat, { draggable: true, onDrag: (p) => setPoint(p.lon, p.lat) });
  $('#where').textContent = label || `已选择：${lon.toFixed(5)}, ${lat.toFixed(5)}`;
}
reportMap = new CityMap('report-map', { grids: false, onClick: ({ lon, lat }) => setPoint(lon, lat) });
$('#locate-me').addEventListener('click', () => {
  if (!navigator.geolocation) { toast('此浏览器不支持定位，请在地图上点选', 'warn'); return; }
  navigator.geolocation.getCurrentPosition(
    (p) => { setPoint(p.coords.longitude, p.coords.latitude, '已使用当前位置（可拖动图钉调整）'); reportMap.flyTo(p.coords.longitude, p.coords.latitude); },
    () => toast('无法获取位置，请在地图上点选', 'warn'), { enableHighAccuracy: true, timeout: 10000 });
});

// ---------------------------------------------------------------- category and 立案条件
async function loadCategories(q = '') {
  const data = await get('/api/v1/categories', { public: true, q: q || null, limit: 300 }, { quiet: true });
  const sel = $('#category');
  const keep = sel.value;
  clear(sel, h('option', { value: '' }, data.items.length ? '请选择类别' : '没有匹配的类别'),
    data.items.map((c) => h('option', { value: c.code }, `${c.name}（${c.major_name}）`)));
  if (data.items.some((c) => c.code === keep)) sel.value = keep;
  else if (q && data.items.length) { sel.value = data.items[0].code; loadConditions(); }
}
$('#cat-search').addEventListener('input', debounce((e) => loadCategories(e.target.value.trim()), 250));
async function loadConditions() {
  const code = $('#category').value;
  const wrap = $('#cond-wrap');
  if (!code) { wrap.hidden = true; return; }
  const d = await get(`/api/v1/categories/${code}`, null, { quiet: true });
  const conds = d.conditions || [];
  wrap.hidden = !conds.length;
  clear($('#condition'), conds.map((c) => h('option', { value: c.number }, c.text)));
}
$('#category').addEventListener('change', loadConditions);
loadCategories();

// ---------------------------------------------------------------- photos
$('#photos').addEventListener('change', async (e) => {
  const files = [...e.target.files].slice(0, 3 - state.photos.length);
  for (const f of files) {
    try {
      const r = await upload(f);
      state.photos.push(r.token);
      $('#photo-list').append(h('img', { src: URL.createObjectURL(f), alt: '现场照片' }));
    } catch (err) { /* the server's message was shown */ }
  }
  e.target.value = '';
});

// ---------------------------------------------------------------- submit
function formError(id, msg) { const el = $(id); el.textContent = msg || ''; el.hidden = !msg; }
$('#report-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  formError('#report-error', '');
  const body = {
    category_code: $('#category').value, description: $('#description').value.trim(), lon: state.lon, lat: state.lat,
    condition_code: $('#cond-wrap').hidden ? null : Number($('#condition').value) || null, photos: state.photos,
    anonymous: $('#anonymous').checked, via: 'web',
  };
  if (!body.anonymous) { body.name = $('#name').value.trim() || null; body.phone = $('#phone').value.trim() || null; }
  if (state.lon == null) return formError('#report-error', '请在地图上选择问题位置');
  if (!body.category_code) return formError('#report-error', '请选择问题类别');
  if (body.description.length < 2) return formError('#report-error', '请描述问题（至少 2 个字）');
  const btn = $('#submit-report');
  btn.disabled = true;
  try {
    const r = await post('/api/v1/public/reports', body, { idempotencyKey: state.key, quiet: true });
    $('#report-form').hidden = true;
    const done = $('#report-done');
    clear(done, h('p', null, '✅ 提交成功，感谢您的反映！'),
      h('p', null, '案件编号'), h('p', { class: 'big', id: 'done-no' }, r.case_no),
      h('p', null, '查询码'), h('p', { class: 'big', id: 'done-code' }, r.public_code),
      h('p', { class: 'muted' }, '请记下案件编号和查询码，用于查询办理进度和评价。'),
      h('button', { class: 'btn btn-primary', type: 'button', id: 'go-follow', onclick: () => {
        $('#f-no').value = r.case_no; $('#f-code').value = r.public_code; show('follow'); follow();
      } }, '查看办理进度'),
      ' ', h('button', { class: 'btn', type: 'button', onclick: () => location.assign('/public') }, '再反映一个'));
    done.hidden = false;
    remember(r.case_no, r.public_code);
  } catch (err) {
    formError('#report-error', err instanceof ApiError ? err.message : '提交失败，请稍后重试');
  } finally { btn.disabled = false; }
});

function remember(no, code) {
  try {
    const mine = JSON.parse(localStorage.getItem('cg-public-reports') || '{}');
    mine[no] = code;
    localStorage.setItem('cg-public-reports', JSON.stringify(mine));
  } catch (e) { /* private mode */ }
}

// ---------------------------------------------------------------- follow and rate
async function follow() {
  formError('#follow-error', '');
  const no = $('#f-no').value.trim();
  const code = $('#f-code').value.trim().toUpperCase();
  if (!no || !code) return formError('#follow-error', '请输入案件编号和查询码');
  try {
    const c = await get(`/api/v1/public/cases/${encodeURIComponent(no)}`, { code }, { quiet: true });
    renderCase(c, code);
    remember(no, code);
  } catch (err) {
    clear($('#follow-result'));
    formError('#follow-error', err.message);
  }
}
$('#follow-form').addEventListener('submit', (e) => { e.preventDefault(); follow(); });

function renderCase(c, code) {
  const out = $('#follow-result');
  const photos = c.photos.map((p) => h('a', { href: `${p.url}&code=${code}`, target: '_blank', rel: 'noopener' },
    h('img', { src: `${p.thumb_url}&code=${code}`, alt: p.stage === 'report' ? '上报照片' : '处置后照片' })));
  clear(out,
    h('h2', null, c.category_name || '问题'),
    h('p', null, h('span', { class: `badge s-${c.status}`, id: 'f-status' }, c.status_label)),
    h('p', { class: 'muted' }, c.address || ''),
    h('p', null, c.description),
    c.departments.length ? h('p', null, '处置单位：', c.departments.join('、')) : null,
    h('ol', { class: 'pub-steps' }, c.steps.map((s) => h('li', null, h('b', null, s.label), ' ',
      h('span', { class: 'muted' }, fmt.dateTime(s.at)), s.text ? h('div', null, s.text) : null))),
    photos.length ? h('div', { class: 'pub-photos' }, photos) : null,
    c.merged_into ? h('p', { class: 'muted' }, `已与案件 ${c.merged_into.case_no} 合并办理：${c.merged_into.status_label}`) : null,
    c.rating ? h('p', { id: 'f-rated' }, `您的评价：${'★'.repeat(c.rating)}`) : null,
    c.can_rate ? rateBox(c, code) : null);
}

function rateBox(c, code) {
  let stars = 0;
  const btns = [1, 2, 3, 4, 5].map((n) => h('button', { type: 'button', 'aria-label': `${n} 星`, dataset: { star: n },
    onclick: () => { stars = n; btns.forEach((b, i) => b.classList.toggle('on', i < n)); } }, '★'));
  const comment = h('textarea', { id: 'rate-comment', maxlength: 500, rows: 2, placeholder: '说说您对处理结果的看法（选填）' });
  return h('div', { class: 'card', id: 'rate-box' }, h('h3', null, '评价处理结果'), h('div', { class: 'pub-stars' }, btns), comment,
    h('button', { class: 'btn btn-primary', type: 'button', id: 'rate-submit', onclick: async () => {
      if (!stars) { toast('请先选择星级', 'warn'); return; }
      const r = await post(`/api/v1/public/cases/${c.case_no}/rating`, { code, rating: stars, comment: comment.value.trim() || null });
      toast('感谢您的评价', 'ok');
      renderCase(r, code);
    } }, '提交评价'));
}

// ---------------------------------------------------------------- public map
function openPublicMap() {
  if (state.publicMap) { state.publicMap.invalidate(); return; }
  state.publicMap = new CityMap('public-map', { grids: false });
  state.publicMap.onViewport(async ({ bbox }) => {
    const data = await get('/api/v1/public/map', { bbox: bbox.join(','), limit: 500 }, { quiet: true });
    state.markers.forEach((m) => m.remove());
    state.markers = data.items.map((i) => state.publicMap.dot(i.lon, i.lat, i.status === 'closed' ? '#1f9d55' : '#e6a700',
      { title: `${i.category_name || ''}：${i.status_label}` }).addTo(state.publicMap.map));
  }, 400);
}

// ---------------------------------------------------------------- start
if (page.no) {
  $('#f-no').value = page.no;
  try { const mine = JSON.parse(localStorage.getItem('cg-public-reports') || '{}'); if (mine[page.no]) $('#f-code').value = mine[page.no]; } catch (e) { /* */ }
  show('follow');
  if ($('#f-code').value) follow();
}
window.cgPublic = { state, setPoint, config };
