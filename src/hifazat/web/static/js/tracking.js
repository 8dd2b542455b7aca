// The live map: devices as circle markers coloured by owner kind, moved by the SSE stream
// (GET /api/v1/stream?events=position,tracking). Reuses the dashboard's Leaflet setup from map.js.
import { createMap, loadOutline, loadSites, loadZones } from './map.js';
import { textElement } from './app.js';

const L = window.L;
const el = document.getElementById('map');
const status = document.getElementById('live-status');
const initial = JSON.parse(document.getElementById('live-initial').textContent);
const colours = JSON.parse(document.getElementById('live-colours').textContent);
const agencies = JSON.parse(document.getElementById('live-agencies').textContent);
const handle = createMap(el, { tileUrl: el.dataset.tileUrl, attribution: el.dataset.tileAttribution });
const layer = L.layerGroup();
handle.addLayer('Devices', layer);
const markers = new Map();

for (const li of document.querySelectorAll('#owner-legend li')) {
  li.querySelector('.swatch').style.background = li.dataset.colour;
}

// A device by name and its owner agency by name: never an id (the server sends `device_label`, which is
// the identifier only within the owner's tree).
function deviceName(p) {
  return p.device_label || p.name || p.device_name || p.device_identifier || 'a device';
}

function ownerAgency(p) {
  return agencies[p.agency_id] || 'another agency';
}

function label(p) {
  const name = deviceName(p);
  const battery = p.battery === null || p.battery === undefined ? '—' : `${Math.round(p.battery)}%`;
  const seen = p.at ? new Date(p.at).toLocaleString() : '—';
  const box = document.createElement('div');
  box.append(textElement(name, 'strong'), textElement(`${p.owner_kind || 'no owner'} · ${ownerAgency(p)}`, 'div'),
    textElement(`last seen ${seen}`, 'div'), textElement(`battery ${battery}`, 'div'));
  return box;
}

function place(p) {
  if (typeof p.lat !== 'number' || typeof p.lon !== 'number') return;
  const colour = colours[String(p.owner_kind ?? 'None')] || colours.None;
  let m = markers.get(p.device_id);
  if (!m) {
    m = L.circleMarker([p.lat, p.lon], { radius: 7, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 0.9 });
    m.addTo(layer);
    markers.set(p.device_id, m);
  } else {
    m.setLatLng([p.lat, p.lon]);
  }
  m.options.data = p;
  m.setStyle({ fillColor: p.stale ? '#9aa3ad' : colour });
  m.bindPopup(label(p));
  el.dataset.markers = String(markers.size);
}

for (const p of initial) place(p);
if (initial.length) {
  handle.map.fitBounds(L.latLngBounds(initial.map((p) => [p.lat, p.lon])).pad(0.3), { maxZoom: 14 });
}
// The base map, then what the caller may see of sites, zones and route corridors (the APIs filter by
// visibility); the devices stay on top.
loadOutline(handle)
  .then(() => Promise.all([loadSites(handle), loadZones(handle)]))
  .then(([sites, zones]) => {
    el.dataset.sites = String(sites.length);
    el.dataset.zones = String(zones.length);
    layer.eachLayer((m) => m.bringToFront());
  })
  .catch(() => {});

let updates = 0;
const source = new EventSource('/api/v1/stream?events=position,tracking');
source.addEventListener('open', () => { status.textContent = 'live'; });
source.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
source.addEventListener('position', (e) => {
  const p = JSON.parse(e.data);
  place(p);
  updates += 1;
  status.textContent = `live · ${markers.size} devices · ${updates} updates`;
  el.dataset.updates = String(updates);
});
source.addEventListener('tracking', (e) => {
  const ev = JSON.parse(e.data);
  const list = document.getElementById('live-list');
  const li = document.createElement('li');
  li.textContent = `${(ev.kind || '').replaceAll('_', ' ')}: ${deviceName(ev)} of ${ownerAgency(ev)}` +
    (ev.zone_name ? ` (${ev.zone_name})` : '');
  list.prepend(li);
  while (list.children.length > 20) list.lastChild.remove();
  if (ev.kind === 'device_stale') {
    const m = markers.get(ev.device_id);
    if (m) m.setStyle({ fillColor: '#9aa3ad' });
  }
});
el.dataset.ready = 'true';
