// Chinese date and number formatting. Times are shown in Asia/Shanghai whatever the browser's zone,
// matching web/shell.py fmt_datetime / fmt_number on the server.
const TZ = 'Asia/Shanghai';
const partsFmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  second: '2-digit', hourCycle: 'h23',
});
const numFmt = new Intl.NumberFormat('zh-CN');

function toDate(v) {
  if (v == null || v === '') return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** {y, m, d, hh, mm, ss} of the instant in Asia/Shanghai (strings, zero-padded). */
export function parts(v) {
  const d = toDate(v);
  if (!d) return null;
  const o = {};
  for (const p of partsFmt.formatToParts(d)) o[p.type] = p.value;
  return { y: o.year, m: o.month, d: o.day, hh: o.hour, mm: o.minute, ss: o.second };
}

/** full: 2026年11月21日 14:05 · short: 11-21 14:05 · date: 2026-11-21 · cdate: 2026年11月21日 · time: 14:05 · iso-local: 2026-11-21T14:05 */
export function dateTime(v, style = 'full') {
  const p = parts(v);
  if (!p) return '—';
  switch (style) {
    case 'short': return `${p.m}-${p.d} ${p.hh}:${p.mm}`;
    case 'date': return `${p.y}-${p.m}-${p.d}`;
    case 'cdate': return `${p.y}年${+p.m}月${+p.d}日`;
    case 'time': return `${p.hh}:${p.mm}`;
    case 'iso-local': return `${p.y}-${p.m}-${p.d}T${p.hh}:${p.mm}`;
    default: return `${p.y}年${+p.m}月${+p.d}日 ${p.hh}:${p.mm}`;
  }
}

/** A date-time the user typed in an <input type=datetime-local> (Asia/Shanghai wall time) → ISO with +08:00. */
export function fromLocalInput(value) {
  if (!value) return null;
  return `${value.length === 16 ? value + ':00' : value}+08:00`;
}

/** 2 天 3 小时 · 3 小时 15 分 · 12 分钟 · 不到 1 分钟 */
export function duration(ms) {
  const min = Math.floor(Math.abs(ms) / 60000);
  if (min < 1) return '不到 1 分钟';
  const d = Math.floor(min / 1440), h = Math.floor((min % 1440) / 60), m = min % 60;
  if (d > 0) return h ? `${d} 天 ${h} 小时` : `${d} 天`;
  if (h > 0) return m ? `${h} 小时 ${m} 分` : `${h} 小时`;
  return `${m} 分钟`;
}

/** 刚刚 · 5 分钟前 · 3 小时前 · 2 天前 · (older) 11-21 14:05 */
export function relative(v, now = Date.now()) {
  const d = toDate(v);
  if (!d) return '—';
  const s = (now - d.getTime()) / 1000;
  if (s < 0) return `${duration(-s * 1000)}后`;
  if (s < 60) return '刚刚';
  if (s < 3600) return `${Math.floor(s / 60)} 分钟前`;
  if (s < 86400) return `${Math.floor(s / 3600)} 小时前`;
  if (s < 7 * 86400) return `${Math.floor(s / 86400)} 天前`;
  return dateTime(d, 'short');
}

/** Time left to a deadline (natural time; the traffic light from the API accounts for working hours). */
export function countdown(due, now = Date.now()) {
  const d = toDate(due);
  if (!d) return { text: '—', overdue: false, ms: null };
  const ms = d.getTime() - now;
  return ms < 0 ? { text: `超期 ${duration(-ms)}`, overdue: true, ms } : { text: `剩余 ${duration(ms)}`, overdue: false, ms };
}

/** 12,345 (digits decimals) */
export function number(n, digits = 0) {
  if (n == null || Number.isNaN(+n)) return '—';
  return digits ? (+n).toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : numFmt.format(Math.round(+n));
}

/** 9,999 · 12.3万 · 1.23亿 — for big counters. */
export function compact(n) {
  if (n == null || Number.isNaN(+n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e8) return `${(n / 1e8).toFixed(2)}亿`;
  if (a >= 1e5) return `${(n / 1e4).toFixed(1)}万`;
  return number(n);
}

/** ratio 0..1 → 85.3%; null or NaN (zero denominators) → — */
export function percent(x, digits = 1) {
  if (x == null || Number.isNaN(+x) || !Number.isFinite(+x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

/** 1.2 MB */
export function bytes(n) {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
