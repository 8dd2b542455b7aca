// Shape editor for site and zone forms: a polygon from clicked corners, a circle from a centre click +
// radius, or (zones) a corridor: a line through clicked points with a width.
// Writes nothing itself: forms.js asks editor.value() for {geometry, radius_m | width_m} when the form is sent.
import { SITE_COLOURS, createMap, loadOutline } from './map.js';

const L = window.L;
const round = (v) => Math.round(v * 1e6) / 1e6;

export function shapeEditor(root, { tileUrl = '', attribution = '' } = {}) {
  const mapEl = root.querySelector('.shape-map');
  const status = root.querySelector('.shape-status');
  const radiusInput = root.querySelector('.shape-radius');
  const widthInput = root.querySelector('.shape-width'); // only where corridors may be drawn
  const handle = createMap(mapEl, { tileUrl, attribution });
  loadOutline(handle, { labels: false });
  const map = handle.map;
  const style = { color: SITE_COLOURS.project_site, weight: 2, fillOpacity: 0.2 };
  let mode = 'polygon';
  let points = [];
  let centre = null;
  let drawn = null;
  let dirty = false;

  const initial = JSON.parse(root.dataset.geometry || 'null');
  if (initial && initial.type === 'Polygon') {
    points = initial.coordinates[0].slice(0, -1).map(([lng, lat]) => L.latLng(lat, lng));
  } else if (initial && initial.type === 'LineString' && widthInput) {
    mode = 'line';
    points = initial.coordinates.map(([lng, lat]) => L.latLng(lat, lng));
    root.querySelector('input[value=line]').checked = true;
  } else if (initial && initial.type === 'Point') {
    mode = 'circle';
    centre = L.latLng(initial.coordinates[1], initial.coordinates[0]);
    root.querySelector('input[value=circle]').checked = true;
  }

  function redraw() {
    if (drawn) map.removeLayer(drawn);
    drawn = null;
    if (mode === 'polygon' && points.length) {
      drawn = points.length >= 3
        ? L.polygon(points, style)
        : L.featureGroup(points.map((p) => L.circleMarker(p, { radius: 4, ...style })));
    } else if (mode === 'line' && points.length) {
      // A corridor is as wide as its width on the ground; at the map's scale a line of a few pixels.
      drawn = points.length >= 2
        ? L.polyline(points, { ...style, weight: 6, opacity: 0.7 })
        : L.circleMarker(points[0], { radius: 4, ...style });
    } else if (mode === 'circle' && centre) {
      drawn = L.circle(centre, { ...style, radius: Number(radiusInput.value) || 0 });
    }
    if (drawn) drawn.addTo(map);
    if (mode === 'polygon') {
      status.textContent = `${points.length} corner(s)${points.length < 3 ? ': click at least 3' : ''}`;
    } else if (mode === 'line') {
      status.textContent = `${points.length} point(s)${points.length < 2 ? ': click at least 2' : ''}`;
    } else {
      status.textContent = centre ? `centre ${round(centre.lat)}, ${round(centre.lng)}` : 'click the centre';
    }
  }

  map.on('click', (e) => {
    dirty = true;
    if (mode === 'polygon' || mode === 'line') points.push(e.latlng);
    else centre = e.latlng;
    redraw();
  });
  // Only the size box of the shape being drawn shows: a radius beside a corridor's width read as a pair.
  const showSize = () => {
    radiusInput.hidden = mode !== 'circle';
    if (widthInput) widthInput.hidden = mode !== 'line';
  };
  for (const radio of root.querySelectorAll('input[name=shape-mode]')) {
    radio.addEventListener('change', () => { mode = radio.value; dirty = true; showSize(); redraw(); });
  }
  showSize();
  radiusInput.addEventListener('input', () => { dirty = true; redraw(); });
  if (widthInput) widthInput.addEventListener('input', () => { dirty = true; });
  root.querySelector('.shape-undo').addEventListener('click', () => { points.pop(); dirty = true; redraw(); });
  root.querySelector('.shape-clear').addEventListener('click', () => {
    points = []; centre = null; dirty = true; redraw();
  });

  redraw();
  if (drawn) map.fitBounds(drawn.getBounds(), { maxZoom: 16, padding: [20, 20] });

  return {
    handle,
    get dirty() { return dirty; },
    /** {geometry, radius_m} as the API expects, or {} when nothing is drawn. */
    value() {
      if (mode === 'polygon' && points.length) {
        const ring = points.map((p) => [round(p.lng), round(p.lat)]);
        ring.push(ring[0]);
        return { geometry: { type: 'Polygon', coordinates: [ring] } };
      }
      if (mode === 'line' && points.length) {
        const width = widthInput.value === '' ? null : Number(widthInput.value);
        const line = points.map((p) => [round(p.lng), round(p.lat)]);
        return { geometry: { type: 'LineString', coordinates: line }, width_m: width };
      }
      if (mode === 'circle' && centre) {
        const radius = radiusInput.value === '' ? null : Number(radiusInput.value);
        return { geometry: { type: 'Point', coordinates: [round(centre.lng), round(centre.lat)] }, radius_m: radius };
      }
      return {};
    },
  };
}
