// The inbox's SOS and "raise an alert" forms. Who or what the alert is about is picked by name; where it
// is, either clicked on a map (or typed), or left to the server, which takes the last known position of
// the person or device picked and raises an SOS with "position unknown" when there is none.
import { api, showProblem, clearErrors } from './app.js';

/** The position fieldset of `form`: a map built the first time "picked on the map" is chosen (Leaflet
 * measures its box when built, so not while hidden); a click sets lat/lon and moves the marker. */
function positionPicker(form) {
  const box = form.querySelector('[data-position-picker]');
  const coords = box.querySelector('.pick-coords');
  const mapEl = box.querySelector('.pick-map');
  const { lat, lon } = form.elements;
  let handle = null;
  let marker = null;

  const place = (latlng, { pan = false } = {}) => {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    if (!handle) return;
    if (marker) marker.setLatLng(latlng);
    else marker = window.L.circleMarker(latlng, { radius: 8, color: '#c62828', weight: 3 }).addTo(handle.map);
    if (pan) handle.map.setView(latlng, Math.max(handle.map.getZoom(), 12));
  };

  async function build() {
    if (handle || !window.L) return;
    const { createMap, loadOutline } = await import('./map.js');
    handle = createMap(mapEl, { tileUrl: mapEl.dataset.tileUrl, attribution: mapEl.dataset.tileAttribution });
    mapEl.leafletMap = handle.map; // for a test or another script to drive the map
    handle.map.on('click', (ev) => place(ev.latlng));
    await loadOutline(handle, { labels: true });
    mapEl.dataset.ready = 'true';
  }

  const mode = () => form.querySelector('input[name=position]:checked').value;
  for (const radio of box.querySelectorAll('input[name=position]')) {
    radio.addEventListener('change', async () => {
      coords.hidden = mode() !== 'map';
      if (!coords.hidden) await build();
    });
  }
  const typed = () => {
    const y = Number(lat.value);
    const x = Number(lon.value);
    if (lat.value.trim() && lon.value.trim() && Number.isFinite(y) && Number.isFinite(x)) {
      place(window.L.latLng(y, x), { pan: true });
    }
  };
  lat.addEventListener('change', typed);
  lon.addEventListener('change', typed);
  box.querySelector('[data-locate]')?.addEventListener('click', () => {
    navigator.geolocation?.getCurrentPosition((pos) => place(
      window.L.latLng(pos.coords.latitude, pos.coords.longitude), { pan: true },
    ));
  });

  /** The position part of the request body, or a problem to show next to the fieldset. */
  return function read() {
    if (mode() !== 'map') return { body: {} };
    if (!lat.value.trim() || !lon.value.trim()) {
      return { problem: { field: 'position', reason: 'click the map where it happens, or type latitude and longitude' } };
    }
    const y = Number(lat.value);
    const x = Number(lon.value);
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      return { problem: { field: 'lat', reason: 'latitude and longitude are decimal degrees, e.g. 24.86 and 67.01' } };
    }
    return { body: { lat: y, lon: x } };
  };
}

/** `person:ID` / `device:ID` from a picker, as the API's fields. */
function subject(value) {
  const cut = value.indexOf(':');
  if (cut < 0) return {};
  const kind = value.slice(0, cut);
  return kind === 'person' || kind === 'device' ? { [`${kind}_id`]: value.slice(cut + 1) } : {};
}

function wire(form, build) {
  const position = positionPicker(form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const where = position();
    if (where.problem) {
      showProblem(form, { detail: where.problem.reason, errors: [where.problem] });
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const alert = await api('POST', '/api/v1/alerts', { ...build(form.elements), ...where.body });
      // The alert page shows where the server placed it: province and district from the position.
      window.location.assign(`/alerts/${alert.id}?raised=1`);
    } catch (err) {
      showProblem(form, err.problem || { detail: err.message });
      button.disabled = false;
    }
  });
}

const sos = document.getElementById('sos-form');
if (sos) {
  wire(sos, (f) => {
    const about = subject(f.subject.value);
    return { kind: 'sos', ...(Object.keys(about).length ? about : { for_self: true }) };
  });
}

const manual = document.getElementById('manual-form');
if (manual) {
  wire(manual, (f) => {
    const body = { kind: f.kind.value, description: f.description.value, cap_scope: f.cap_scope.value };
    if (f.severity.value) body.severity = f.severity.value;
    if (f.site_id.value) body.site_id = f.site_id.value;
    return { ...body, ...subject(f.subject.value) };
  });
}
