// 轨迹回放: a device's (or person's) simplified track on the city map, with a time slider.
import { get } from '../cg/api.js';
import { h, clear, toast } from '../cg/ui.js';
import * as fmt from '../cg/fmt.js';
import { page } from '../cg/config.js';
import { CityMap, ll } from '../cg/map.js';

const cm = new CityMap('map', { grids: 'auto' });
const sel = document.getElementById('device');
const startEl = document.getElementById('start');
const endEl = document.getElementById('end');
const slider = document.getElementById('slider');
const info = document.getElementById('info');
let line = null;
let marker = null;
let points = [];

const now = Date.now();
startEl.value = fmt.dateTime(new Date(now - 8 * 3600e3).toISOString(), 'iso-local');
endEl.value = fmt.dateTime(new Date(now).toISOString(), 'iso-local');

async function devices() {
  const data = await get('/api/v1/duty/devices');
  clear(sel, ...data.items.map((d) => h('option', { value: d.id, 'data-user': d.user_id ?? '' },
    `${d.holder_name || d.code}（${d.kind_label} ${d.code}）`)));
  if (page.device_id) sel.value = String(page.device_id);
  else if (page.user_id) {
    const o = [...sel.options].find((x) => x.dataset.user === String(page.user_id));
    if (o) sel.value = o.value;
  }
}

function show(i) {
  if (!points.length) return;
  const p = points[i];
  if (!marker) marker = L.circleMarker(ll(p[1], p[2]), { radius: 7, color: '#d64545', fillOpacity: 0.9 }).addTo(cm.map);
  marker.setLatLng(ll(p[1], p[2]));
  info.textContent = `${fmt.dateTime(new Date(p[0] * 1000).toISOString(), 'short')}（${i + 1}/${points.length}）`;
}

async function load() {
  if (!sel.value) { toast('没有可回放的定位设备', 'warn'); return; }
  const data = await get('/api/v1/tracks/playback', {
    device_id: sel.value, start: fmt.fromLocalInput(startEl.value), end: fmt.fromLocalInput(endEl.value), tolerance_m: 5,
  });
  points = data.points;
  if (line) line.remove();
  if (!points.length) { info.textContent = '该时段没有轨迹'; return; }
  line = L.polyline(points.map((p) => ll(p[1], p[2])), { color: '#0b6aa8', weight: 4 }).addTo(cm.map);
  cm.map.fitBounds(line.getBounds(), { padding: [20, 20] });
  slider.max = String(points.length - 1);
  slider.value = '0';
  show(0);
  toast(`共 ${data.points_total} 个定位点，简化后 ${points.length} 个`, 'ok');
}

slider.addEventListener('input', () => show(Number(slider.value)));
document.getElementById('load').addEventListener('click', load);
devices().then(() => { if (page.device_id || page.user_id) load(); });
