// WGS-84 ⇄ GCJ-02 ⇄ BD-09 for map display: a port of chengguan/geo/coords.py (same formulas, same
// iterative inverse), checked against the Python module by tests/browser/test_shell.py.
// Argument order is (lon, lat) everywhere, results are [lon, lat].
const A = 6378245.0;
const EE = 0.00669342162296594323;
const BD_DLAT = 0.0060;
const BD_DLON = 0.0065;
const CHINA = [72.004, 0.8293, 137.8347, 55.8271];
const TOL = 1e-12;
const MAX_ITER = 30;

export function inChina(lon, lat) {
  return lon >= CHINA[0] && lon <= CHINA[2] && lat >= CHINA[1] && lat <= CHINA[3];
}

function gcjDelta(lon, lat) {
  const x = lon - 105.0, y = lat - 35.0, pi = Math.PI;
  const dlatM = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
    + (2.0 * Math.sin(x * 6.0 * pi) + 2.0 * Math.sin(x * 2.0 * pi)
      + 2.0 * Math.sin(y * pi) + 4.0 * Math.sin(y / 3.0 * pi)
      + 16.0 * Math.sin(y / 12.0 * pi) + 32.0 * Math.sin(y / 30.0 * pi)) * 20.0 / 3.0;
  const dlonM = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
    + (2.0 * Math.sin(x * 6.0 * pi) + 2.0 * Math.sin(x * 2.0 * pi)
      + 2.0 * Math.sin(x * pi) + 4.0 * Math.sin(x / 3.0 * pi)
      + 15.0 * Math.sin(x / 12.0 * pi) + 30.0 * Math.sin(x / 30.0 * pi)) * 20.0 / 3.0;
  const radLat = lat * pi / 180;
  const magic = 1.0 - EE * Math.sin(radLat) ** 2;
  const latArc = (A * (1.0 - EE)) / magic ** 1.5 * pi / 180;
  const lonArc = A * Math.cos(radLat) / Math.sqrt(magic) * pi / 180;
  return [dlonM / lonArc, dlatM / latArc];
}

function wgsToGcjRaw(lon, lat) {
  const [dx, dy] = gcjDelta(lon, lat);
  return [lon + dx, lat + dy];
}

function gcjToBdRaw(lon, lat) {
  const r = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * Math.PI / 180 * 3000.0);
  const t = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * Math.PI / 180 * 3000.0);
  return [r * Math.cos(t) + BD_DLON, r * Math.sin(t) + BD_DLAT];
}

function bdToGcjRough(lon, lat) {
  const x = lon - BD_DLON, y = lat - BD_DLAT;
  const r = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * Math.PI / 180 * 3000.0);
  const t = Math.atan2(y, x) - 0.000003 * Math.cos(x * Math.PI / 180 * 3000.0);
  return [r * Math.cos(t), r * Math.sin(t)];
}

function invert(fwd, lon, lat, x0, y0) {
  let x = x0, y = y0;
  for (let i = 0; i < MAX_ITER; i++) {
    const [fx, fy] = fwd(x, y);
    const ex = fx - lon, ey = fy - lat;
    x -= ex; y -= ey;
    if (Math.abs(ex) < TOL && Math.abs(ey) < TOL) break;
  }
  return [x, y];
}

export function wgs84ToGcj02(lon, lat) {
  return inChina(lon, lat) ? wgsToGcjRaw(lon, lat) : [lon, lat];
}

export function gcj02ToWgs84(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  const [dx, dy] = gcjDelta(lon, lat);
  return invert(wgsToGcjRaw, lon, lat, lon - dx, lat - dy);
}

export function gcj02ToBd09(lon, lat) { return gcjToBdRaw(lon, lat); }

export function bd09ToGcj02(lon, lat) {
  const [x0, y0] = bdToGcjRough(lon, lat);
  return invert(gcjToBdRaw, lon, lat, x0, y0);
}

export function wgs84ToBd09(lon, lat) { return gcj02ToBd09(...wgs84ToGcj02(lon, lat)); }
export function bd09ToWgs84(lon, lat) { return gcj02ToWgs84(...bd09ToGcj02(lon, lat)); }

/** convert(lon, lat, from, to) for 'wgs84' | 'cgcs2000' | 'gcj02' | 'bd09' */
export function convert(lon, lat, from, to) {
  const f = from === 'cgcs2000' ? 'wgs84' : from, t = to === 'cgcs2000' ? 'wgs84' : to;
  if (f === t) return [lon, lat];
  if (f === 'gcj02' && t === 'bd09') return gcj02ToBd09(lon, lat);
  if (f === 'bd09' && t === 'gcj02') return bd09ToGcj02(lon, lat);
  let w = [lon, lat];
  if (f === 'gcj02') w = gcj02ToWgs84(lon, lat);
  else if (f === 'bd09') w = bd09ToWgs84(lon, lat);
  if (t === 'wgs84') return w;
  return t === 'gcj02' ? wgs84ToGcj02(...w) : wgs84ToBd09(...w);
}
