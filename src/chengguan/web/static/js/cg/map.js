// Map helper over the vendored Leaflet (pages load it with map=True in shell.render).
//
//   const cm = await CityMap.create(el, {grids: 'auto', onClick: ({lon, lat}) => …});
//   cm.onViewport(({bbox, zoom}) => get('/api/v1/cases/map', {bbox: bbox.join(',')}));
//   cm.pin(lon, lat);  cm.flyTo(lon, lat, 17);
//
// Everything the platform stores is WGS-84. When the configured tile server draws GCJ-02 (most Chinese
// commercial maps) or BD-09, coordinates are converted for display with coords.js and converted back
// for clicks and viewport queries, so callers always speak WGS-84. With no tile server (the default on
// a closed network) the map draws the city's own layers: district, streets, roads, unit grids.
import { config, user } from './config.js';
import { get } from './api.js';
import { convert } from './coords.js';
import { debounce } from './ui.js';

/** The coordinate system the map is drawn in. Without tiles the city's layers are drawn in WGS-84. */
export function displayCrs() {
  return config.map && config.map.tile_url ? (config.map.tile_crs || 'wgs84') : 'wgs84';
}

/** WGS-84 → [lon, lat] in the display system. */
export function toDisplay(lon, lat) {
  const c = displayCrs();
  return c === 'wgs84' ? [lon, lat] : convert(lon, lat, 'wgs84', c);
}

/** Display system → WGS-84 [lon, lat]. */
export function fromDisplay(lon, lat) {
  const c = displayCrs();
  return c === 'wgs84' ? [lon, lat] : convert(lon, lat, c, 'wgs84');
}

/** A Leaflet LatLng for a stored (WGS-84) point. */
export function ll(lon, lat) {
  const [x, y] = toDisplay(lon, lat);
  return L.latLng(y, x);
}

function mapCoords(coords, fn) {
  return typeof coords[0] === 'number' ? fn(coords[0], coords[1]) : coords.map((c) => mapCoords(c, fn));
}

/** A GeoJSON FeatureCollection converted for display (a copy; unchanged when no conversion is needed). */
export function geojsonToDisplay(gj) {
  if (displayCrs() === 'wgs84') return gj;
  return {
    ...gj,
    features: gj.features.map((f) => ({ ...f, geometry: f.geometry && { ...f.geometry, coordinates: mapCoords(f.geometry.coordinates, toDisplay) } })),
  };
}

export const STATUS_COLORS = {
  reported: '#3f51b5', verifying: '#5c6bc0', registered: '#0b6aa8', dispatched: '#e6a700', fed_back: '#7b4bb7',
  checked: '#9c6ade', suspended: '#a0336c', closed: '#1f9d55', rejected: '#8a94a3', voided: '#8a94a3', merged: '#8a94a3',
};
export const LIGHT_COLORS = { green: '#1f9d55', yellow: '#e6a700', red: '#d64545', paused: '#8a94a3' };

const ROAD_STYLE = {
  主干路: { color: '#e8b04a', weight: 5 }, 快速路: { color: '#e0903a', weight: 6 }, 次干路: { color: '#f0cc7a', weight: 4 },
  公路: { color: '#d9a066', weight: 4 }, 支路: { color: '#ffffff', weight: 3 },
};

export class CityMap {
  /**
   * options: district (true), streets (true), communities (false), roads (true), grids ('auto': from
   * gridMinZoom; true; false), gridMinZoom (15), tiles (true: use the configured tile server),
   * onClick({lon, lat, latlng}), center [lon, lat], zoom, gridStyle(feature) → Leaflet path style.
   */
  static async create(el, options = {}) {
    const cm = new CityMap(el, options);
    await cm.ready;
    return cm;
  }

  constructor(el, options = {}) {
    if (typeof el === 'string') el = document.getElementById(el);
    this.el = el;
    this.opts = { district: true, streets: true, communities: false, roads: true, grids: 'auto', gridMinZoom: 15, tiles: true, ...options };
    const m = config.map || {};
    this.hasTiles = !!(this.opts.tiles && m.tile_url);
    this.map = L.map(el, { zoomControl: true, minZoom: 8, maxZoom: 19, attributionControl: true, preferCanvas: false });
    this.map.attributionControl.setPrefix(false);
    el.classList.toggle('map-no-tiles', !this.hasTiles);
    this.map.createPane('cityFill').style.zIndex = 320;
    this.map.createPane('cityLines').style.zIndex = 360;
    if (this.hasTiles) {
      this.tiles = L.tileLayer(m.tile_url, { attribution: m.tile_attribution || '', maxZoom: 19, subdomains: m.tile_subdomains || 'abc' }).addTo(this.map);
      // No tile server reachable (closed network, server down): fall back to the city's own layers.
      let loaded = 0, failed = 0;
      this.tiles.on('tileload', () => { loaded += 1; });
      this.tiles.on('tileerror', () => { failed += 1; if (!loaded && failed >= 3) this._tilesUnreachable(); });
    }
    this.layers = {};
    this._gridStyle = this.opts.gridStyle || (() => ({ color: '#6d8fb3', weight: 1, fill: true, fillOpacity: 0.04, fillColor: '#6d8fb3' }));
    const city = config.city;
    if (this.opts.center) this.map.setView(ll(...this.opts.center), this.opts.zoom || 16);
    else if (city && city.bbox) this.fitCity();
    else this.map.setView([31.9, 121.2], 11);
    if (this.opts.onClick) {
      this.map.on('click', (e) => {
        const [lon, lat] = fromDisplay(e.latlng.lng, e.latlng.lat);
        this.opts.onClick({ lon, lat, latlng: e.latlng });
      });
    }
    this._viewportLayers = [];
    this.ready = this._loadCityLayers();
    this.map.on('moveend', debounce(() => this._refreshViewportLayers(), 200));
  }

  _tilesUnreachable() {
    if (!this.tiles) return;
    this.tiles.remove();
    this.tiles = null;
    this.hasTiles = false;
    this.el.classList.add('map-no-tiles');
    this.el.dataset.tiles = 'unreachable';
    if (this.layers.district) this.layers.district.setStyle({ fill: true });
    if (this.layers.roads) this.layers.roads.setStyle((f) => ({ ...(ROAD_STYLE[f.properties.class] || ROAD_STYLE['支路']), opacity: 0.95 }));
    const note = L.control({ position: 'bottomleft' });
    note.onAdd = () => L.DomUtil.create('div', 'map-legend map-note');
    note.addTo(this.map).getContainer().textContent = '底图服务不可达，已显示本市图层';
  }

  /** Fit the whole city (the bbox of its unit grids). */
  fitCity() {
    const b = config.city && config.city.bbox;
    if (!b) return;
    this.map.fitBounds(L.latLngBounds(ll(b[0], b[1]), ll(b[2], b[3])), { padding: [8, 8] });
  }

  /** The current view as a WGS-84 bbox [minlon, minlat, maxlon, maxlat]. */
  bbox() {
    const b = this.map.getBounds();
    const [x1, y1] = fromDisplay(b.getWest(), b.getSouth());
    const [x2, y2] = fromDisplay(b.getEast(), b.getNorth());
    return [x1, y1, x2, y2].map((v) => Math.round(v * 1e6) / 1e6);
  }

  bboxParam() { return this.bbox().join(','); }

  get zoom() { return this.map.getZoom(); }

  /** cb({bbox, zoom}) now and after every pan/zoom (debounced). Returns a function that stops it. */
  onViewport(cb, ms = 250) {
    const run = () => cb({ bbox: this.bbox(), zoom: this.map.getZoom() });
    const d = debounce(run, ms);
    this.map.on('moveend', d);
    run();
    return () => this.map.off('moveend', d);
  }

  setView(lon, lat, zoom) { this.map.setView(ll(lon, lat), zoom ?? this.map.getZoom()); }
  flyTo(lon, lat, zoom = 17) { this.map.setView(ll(lon, lat), zoom, { animate: false }); }
  invalidate() { this.map.invalidateSize(); }

  /** A draggable or fixed pin at a WGS-84 point; onDrag({lon, lat}) when moved. */
  pin(lon, lat, { draggable = false, onDrag, title } = {}) {
    const mk = L.marker(ll(lon, lat), { draggable, title, keyboard: false, autoPan: true });
    if (onDrag) mk.on('dragend', () => { const p = mk.getLatLng(); const [x, y] = fromDisplay(p.lng, p.lat); onDrag({ lon: x, lat: y }); });
    mk.setWgs = (x, y) => mk.setLatLng(ll(x, y));
    return mk.addTo(this.map);
  }

  /** A small coloured dot (a case) as a DivIcon marker, suitable for clustering. */
  dot(lon, lat, color, { title, size = 14 } = {}) {
    const icon = L.divIcon({ className: '', html: `<div class="case-pin" style="background:${color};width:${size}px;height:${size}px"></div>`, iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
    return L.marker(ll(lon, lat), { icon, title, keyboard: false });
  }

  /** A GeoJSON layer in display coordinates (stored data is WGS-84). */
  geojson(gj, options = {}) { return L.geoJSON(geojsonToDisplay(gj), options); }

  /** Re-style the unit grids (e.g. colour by open cases): fn(feature) → Leaflet path style. */
  setGridStyle(fn) {
    this._gridStyle = fn;
    if (this.layers.grids) this.layers.grids.setStyle(fn);
  }

  /** Show or hide one of the city layers ('district', 'streets', 'communities', 'roads', 'grids'). */
  toggle(name, on) {
    const layer = this.layers[name];
    if (!layer) return;
    if (on) layer.addTo(this.map); else layer.remove();
  }

  async _loadCityLayers() {
    const jobs = [];
    if (this.opts.district) {
      jobs.push(this._division('district', { pane: 'cityLines', style: { color: '#7a5c2e', weight: 3, fill: !this.hasTiles, fillColor: '#fbf8ef', fillOpacity: 0.6, dashArray: '8 4' }, interactive: false }));
    }
    if (this.opts.streets) {
      jobs.push(this._division('street', {
        pane: 'cityLines', style: { color: '#a08350', weight: 1.5, fill: false, opacity: 0.9 }, interactive: false,
        onEachFeature: (f, layer) => layer.bindTooltip(escapeHtml(f.properties.name), { permanent: true, direction: 'center', className: 'street-label' }),
      }, 'streets'));
    }
    if (this.opts.communities) {
      jobs.push(this._division('community', { pane: 'cityLines', style: { color: '#b9a57e', weight: 1, dashArray: '3 3', fill: false }, interactive: false }, 'communities'));
    }
    if (this.opts.roads) {
      this._viewportLayers.push({
        name: 'roads', minZoom: 12,
        url: (bbox) => ['/api/v1/roads', { bbox, limit: 3000 }],
        make: (gj) => this.geojson(gj, {
          pane: 'cityFill', interactive: false,
          style: (f) => ({ ...(ROAD_STYLE[f.properties.class] || ROAD_STYLE['支路']), opacity: this.hasTiles ? 0 : 0.95, lineCap: 'round' }),
        }),
      });
    }
    // Grids need a login (they carry codes); the public page draws districts, streets and roads only.
    if (this.opts.grids && user) {
      this._viewportLayers.push({
        name: 'grids', minZoom: this.opts.grids === 'auto' ? this.opts.gridMinZoom : 0,
        url: (bbox) => ['/api/v1/grids', { bbox, limit: 5000 }],
        make: (gj) => this.geojson(gj, {
          pane: 'cityFill', style: (f) => this._gridStyle(f),
          onEachFeature: (f, layer) => layer.bindTooltip(`网格 ${escapeHtml(f.properties.code)}${f.properties.name ? ' · ' + escapeHtml(f.properties.name) : ''}`, { sticky: true }),
        }),
      });
    }
    await Promise.all(jobs);
    await this._refreshViewportLayers();
  }

  async _division(level, options, name = level) {
    try {
      const gj = await get('/api/v1/divisions', { level }, { quiet: true });
      this.layers[name] = this.geojson(gj, options).addTo(this.map);
    } catch (e) {
      console.warn(`城市图层 ${level} 加载失败`, e.message);
    }
  }

  async _refreshViewportLayers() {
    const z = this.map.getZoom();
    const bbox = this.bboxParam();
    await Promise.all(this._viewportLayers.map(async (vl) => {
      if (z < vl.minZoom) {
        if (this.layers[vl.name]) { this.layers[vl.name].remove(); delete this.layers[vl.name]; }
        return;
      }
      if (vl.abort) vl.abort.abort();
      vl.abort = new AbortController();
      const [path, query] = vl.url(bbox);
      try {
        const gj = await get(path, query, { quiet: true, noRedirect: true, signal: vl.abort.signal });
        const layer = vl.make(gj);
        if (this.layers[vl.name]) this.layers[vl.name].remove();
        this.layers[vl.name] = layer.addTo(this.map);
        if (vl.name === 'grids' && this.onGrids) this.onGrids(gj, layer);
      } catch (e) {
        if (e.name !== 'AbortError') console.warn(`城市图层 ${vl.name} 加载失败`, e.message);
      }
    }));
  }

  /** Add a legend box: legend([[color, label], …], 'bottomright'). */
  legend(rows, position = 'bottomright', title = '') {
    const ctl = L.control({ position });
    ctl.onAdd = () => {
      const div = L.DomUtil.create('div', 'map-legend');
      div.innerHTML = (title ? `<b>${escapeHtml(title)}</b><br>` : '') + rows.map(([c, l]) => `<i style="background:${c}"></i>${escapeHtml(l)}`).join('<br>');
      return div;
    };
    if (this._legend) this._legend.remove();
    this._legend = ctl.addTo(this.map);
    return ctl;
  }
}

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
