// Map building blocks (Leaflet from xstatic-leaflet, loaded as the global L by a classic <script>).
//
// Other pages and domains hook in here (server side: a domain contributes to hifazat.web.map_layers.MAP_SCRIPTS to the map page):
//   import { createMap, addLayer, siteLayer } from '/static/js/map.js';
//   window.hifazatMap.addLayer('Devices', L.layerGroup([...]))   // the dashboard map, once it exists
//   document.addEventListener('hifazat:map-ready', (e) => e.detail.addLayer(...))
import { pages, textElement } from './app.js';

const L = window.L;

export const SITE_COLOURS = {
  project_site: '#d9822b',
  residence: '#1f6feb',
  office: '#7048c8',
  hotel: '#0f9d8f',
  checkpoint: '#c62828',
  base: '#2f7d32',
};
export const OUTLINE_URL = '/static/geo/pakistan.geojson';
const PAKISTAN = [[23.6, 60.8], [37.1, 77.9]];
// Map labels: short where the area is small; none for the capital territory (it would cover its neighbours).
const LABELS = { 'PK-JK': 'AJK', 'PK-KP': 'Khyber Pakhtunkhwa', 'PK-IS': null };
let current = null;

/** A map in `el` with the configured tile layer. Returns {map, L, layers, addLayer, removeLayer}. */
export function createMap(el, { tileUrl = '', attribution = '', fit = PAKISTAN } = {}) {
  const map = L.map(el, { zoomSnap: 0.5, worldCopyJump: false });
  map.fitBounds(fit);
  map.attributionControl.setPrefix('Leaflet');
  const control = L.control.layers(null, {}, { collapsed: true, position: 'topright' }).addTo(map);
  const layers = {};
  const handle = {
    map,
    L,
    layers,
    control,
    tilesOk: null,
    addLayer(name, layer, { show = true } = {}) {
      if (layers[name]) handle.removeLayer(name);
      layers[name] = layer;
      control.addOverlay(layer, name);
      if (show) layer.addTo(map);
      return layer;
    },
    removeLayer(name) {
      const layer = layers[name];
      if (!layer) return;
      control.removeLayer(layer);
      map.removeLayer(layer);
      delete layers[name];
    },
  };
  if (tileUrl) {
    const tiles = L.tileLayer(tileUrl, { attribution, maxZoom: 19, crossOrigin: false });
    tiles.on('tileerror', () => {
      if (handle.tilesOk === null) {
        handle.tilesOk = false;
        el.dispatchEvent(new CustomEvent('hifazat:tiles', { bubbles: true, detail: { ok: false } }));
      }
    });
    tiles.on('tileload', () => {
      if (handle.tilesOk !== true) {
        handle.tilesOk = true;
        el.dispatchEvent(new CustomEvent('hifazat:tiles', { bubbles: true, detail: { ok: true } }));
      }
    });
    tiles.addTo(map);
  }
  return handle;
}

/** Make `handle` the dashboard map other scripts extend. */
export function publish(handle) {
  current = handle;
  window.hifazatMap = handle;
  document.dispatchEvent(new CustomEvent('hifazat:map-ready', { detail: handle }));
}

/** Add a layer to the dashboard map (throws if no map has been published yet). */
export function addLayer(name, layer, options) {
  if (!current) throw new Error('no dashboard map on this page');
  return current.addLayer(name, layer, options);
}

const GEO = '/static/geo/';
const MAJOR_CITY = 1_000_000; // labelled at every zoom; smaller towns show their name on hover
const ROAD_COLOURS = { motorway: '#2f7d32', highway: '#b85c00' };

async function geo(name) {
  const response = await fetch(GEO + name, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return response.json();
}

/** The shipped base map, drawn whether or not tiles load (the offline default): the outline of Pakistan
 * and its provinces, the districts, the main road corridors and the cities. Resolves to the outline layer. */
export async function loadOutline(handle, { labels = true } = {}) {
  const [outline, districts, roads, cities] = await Promise.all(
    ['pakistan.geojson', 'districts.geojson', 'roads.geojson', 'cities.geojson'].map(geo),
  );
  const layer = L.geoJSON(outline, {
    interactive: labels,
    style: (f) => (f.properties.level === 'country'
      ? { color: '#14324f', weight: 2.5, fill: false }
      : { color: '#4b6a88', weight: 1, dashArray: '4 3', fillColor: '#f4f1e8', fillOpacity: 0.85 }),
    onEachFeature: (f, l) => {
      const label = f.properties.code in LABELS ? LABELS[f.properties.code] : f.properties.name;
      if (labels && f.properties.level === 'province' && label) {
        l.bindTooltip(textElement(label), { permanent: true, direction: 'center', className: 'province-label' });
      }
    },
  });
  handle.addLayer('Provinces', layer);
  const districtLayer = L.geoJSON(districts, {
    interactive: false,
    style: () => ({ color: '#8a9bb0', weight: 0.6, fill: false }),
  });
  handle.addLayer('Districts', districtLayer);
  const roadLayer = L.geoJSON(roads, {
    interactive: labels,
    style: (f) => ({
      color: ROAD_COLOURS[f.properties.kind] || '#777',
      weight: f.properties.kind === 'motorway' ? 2.5 : 2,
      dashArray: f.properties.status === 'open' ? null : '6 4',
    }),
    onEachFeature: (f, l) => {
      if (labels) l.bindTooltip(textElement(`${f.properties.ref} ${f.properties.name} (${f.properties.status})`), { sticky: true });
    },
  });
  handle.addLayer('Roads', roadLayer);
  const cityLayer = L.geoJSON(cities, {
    interactive: labels,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      radius: f.properties.population >= MAJOR_CITY ? 3.5 : 2,
      color: '#33404d', weight: 1, fillColor: '#fff', fillOpacity: 1,
    }),
    onEachFeature: (f, l) => {
      if (!labels) return;
      const major = f.properties.population >= MAJOR_CITY;
      l.bindTooltip(textElement(f.properties.name), {
        permanent: major, direction: 'right', offset: [4, 0], className: major ? 'city-label' : '',
      });
    },
  });
  handle.addLayer('Cities', cityLayer);
  districtLayer.bringToBack();
  layer.bringToBack();
  return layer;
}

function popupFor(site) {
  const box = document.createElement('div');
  const link = document.createElement('a');
  link.href = '/sites/' + encodeURIComponent(site.id);
  link.textContent = site.name;
  const strong = document.createElement('strong');
  strong.append(link);
  const meta = document.createElement('div');
  meta.textContent = [String(site.kind || '').replace('_', ' '), site.district, site.province]
    .filter(Boolean).join(' · ');
  box.append(strong, meta);
  return box;
}

/** One site as a Leaflet layer: its polygon or circle, plus a dot that stays visible when zoomed out. */
export function siteLayer(site) {
  const colour = SITE_COLOURS[site.kind] || '#444';
  const style = { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.25 };
  const parts = [];
  const g = site.geometry;
  if (g && g.type === 'Point' && site.radius_m) {
    parts.push(L.circle([g.coordinates[1], g.coordinates[0]], { ...style, radius: site.radius_m }));
  } else if (g && g.type === 'Polygon') {
    parts.push(L.geoJSON(g, { style: () => style }));
  }
  if (site.center_lat != null && site.center_lon != null) {
    parts.push(L.circleMarker([site.center_lat, site.center_lon], {
      radius: 6, color: '#fff', weight: 1.5, fillColor: colour, fillOpacity: 1,
    }));
  }
  const group = L.featureGroup(parts);
  group.bindPopup(() => popupFor(site));
  group.site = site;
  return group;
}

/** Every site the caller may see, from the API, as the "Sites" layer. Resolves to the list of sites. */
export async function loadSites(handle, url = '/api/v1/sites?limit=500') {
  const group = L.featureGroup();
  const sites = [];
  for await (const site of pages(url)) {
    sites.push(site);
    group.addLayer(siteLayer(site));
  }
  handle.addLayer('Sites', group);
  return sites;
}

/** Draw one geometry read-only (site detail page). */
export function showGeometry(handle, geometry, radius, kind) {
  const site = { id: '', name: '', kind, geometry, radius_m: radius };
  const layer = siteLayer(site).unbindPopup();
  handle.addLayer('Site', layer);
  handle.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [70, 70] });
  return layer;
}

export const ZONE_COLOURS = { red_zone: '#c62828', restricted: '#d9822b', safe_zone: '#2f7d32', corridor: '#1f6feb' };

/** One zone (a polygon, a circle, or a corridor: a line drawn its width wide) as a Leaflet layer. */
export function zoneLayer(zone) {
  const colour = ZONE_COLOURS[zone.kind] || '#555';
  const style = { color: colour, weight: 2, dashArray: '5 4', fillColor: colour, fillOpacity: 0.12 };
  const g = zone.geometry;
  let shape = null;
  if (g && g.type === 'Point' && zone.radius_m) {
    shape = L.circle([g.coordinates[1], g.coordinates[0]], { ...style, radius: zone.radius_m });
  } else if (g && g.type === 'Polygon') {
    shape = L.geoJSON(g, { style: () => style });
  } else if (g && g.type === 'LineString') {
    shape = L.polyline(g.coordinates.map(([x, y]) => [y, x]), { color: colour, weight: 4, opacity: 0.7 });
  } else if (zone.center_lat != null && zone.center_lon != null) {
    shape = L.circleMarker([zone.center_lat, zone.center_lon], { ...style, radius: 6 }); // summary view
  }
  if (!shape) return null;
  const label = [zone.name, String(zone.kind || '').replace('_', ' ')].filter(Boolean).join(' · ');
  shape.bindTooltip(textElement(label), { sticky: true });
  shape.zone = zone;
  return shape;
}

/** Every zone the caller may see (the API filters by visibility): corridors as "Corridors", the rest as
 * "Zones". Resolves to the list of zones. */
export async function loadZones(handle, url = '/api/v1/zones?limit=500') {
  const zones = L.featureGroup();
  const corridors = L.featureGroup();
  const all = [];
  for await (const zone of pages(url)) {
    all.push(zone);
    const layer = zoneLayer(zone);
    if (layer) (zone.kind === 'corridor' ? corridors : zones).addLayer(layer);
  }
  handle.addLayer('Zones', zones);
  handle.addLayer('Corridors', corridors);
  return all;
}
