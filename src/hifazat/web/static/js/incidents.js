// Incidents: the list's map, the report form (phone-friendly; people involved as repeatable rows), the
// incident page's moves and notes. Every write goes through the JSON API; problems show beside their fields.
import { api, showProblem, clearErrors, textElement } from './app.js';

const $ = (id) => document.getElementById(id);

// The SSE `incident` event (summary fields and the change's name) for incidents the caller may see.
function live(onEvent) {
  const source = new EventSource('/api/v1/stream?events=incident');
  // Said on the page, so a reader (and the browser test) knows from when changes show.
  source.addEventListener('open', () => { document.documentElement.dataset.incidentStream = 'open'; });
  source.addEventListener('incident', (ev) => onEvent(JSON.parse(ev.data)));
  return source;
}

// --- list: say when a new incident is reported --------------------------------------------------------
const list = document.querySelector('[data-testid="incident-list"]');
if (list) {
  live((d) => {
    if (d.change !== 'created' || list.querySelector(`tr[data-incident-id="${CSS.escape(d.id)}"]`)) return;
    $('incident-news').hidden = false;
  });
}

// --- map (list and incident page) -------------------------------------------------------------------------
const mapEl = $('incident-map');
const points = JSON.parse($('incident-points')?.textContent || '[]');
if (mapEl && window.L) {
  import('./map.js').then(({ createMap, loadOutline }) => {
    const L = window.L;
    const opts = { tileUrl: mapEl.dataset.tileUrl, attribution: mapEl.dataset.tileAttribution };
    if (points.length === 1) {
      const [p] = points;
      opts.fit = [[p.lat - 0.05, p.lon - 0.05], [p.lat + 0.05, p.lon + 0.05]];
    }
    const handle = createMap(mapEl, opts);
    loadOutline?.(handle, { labels: false });
    const marks = points.map((p) => {
      const m = L.circleMarker([p.lat, p.lon], { radius: 8, color: '#c62828', weight: 3 });
      const link = textElement(p.summary || p.id, 'a');
      link.href = `/incidents/${encodeURIComponent(p.id)}`;
      return m.bindPopup(link);
    });
    handle.addLayer('Incidents', L.layerGroup(marks));
    if (points.length > 1) handle.map.fitBounds(points.map((p) => [p.lat, p.lon]), { padding: [24, 24] });
  });
}

// --- report form ----------------------------------------------------------------------------------------
const form = $('incident-form');
if (form) {
  const rows = $('involved-rows');
  const addRow = () => rows.appendChild($('involved-row').content.cloneNode(true));
  $('add-involved').addEventListener('click', addRow);
  rows.addEventListener('click', (ev) => {
    if (ev.target.classList.contains('remove-involved')) ev.target.closest('.involved-row').remove();
  });
  $('i-locate').addEventListener('click', () => {
    navigator.geolocation?.getCurrentPosition((pos) => {
      $('i-lat').value = pos.coords.latitude.toFixed(6);
      $('i-lon').value = pos.coords.longitude.toFixed(6);
    });
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const f = form.elements;
    const body = {};
    for (const name of ['type', 'severity', 'summary', 'site_id', 'description']) {
      const v = f[name].value.trim();
      if (v) body[name] = v;
    }
    if (f.lat.value.trim() || f.lon.value.trim()) {
      body.lat = Number(f.lat.value);
      body.lon = Number(f.lon.value);
    }
    if (f.occurred_at.value) body.occurred_at = new Date(f.occurred_at.value).toISOString();
    if (form.dataset.alertId) body.alert_id = form.dataset.alertId;
    body.involved = [...rows.querySelectorAll('.involved-row')].map((row) => {
      const get = (n) => row.querySelector(`[name=${n}]`);
      const item = { role: get('role').value, outcome: get('outcome').value };
      for (const n of ['person_id', 'name', 'nationality']) if (get(n).value.trim()) item[n] = get(n).value.trim();
      item.is_security_personnel = get('is_security_personnel').checked;
      return item;
    });
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const created = await api('POST', '/api/v1/incidents', body);
      window.location.assign(`/incidents/${created.id}`);
    } catch (err) {
      showProblem(form, err.problem || { title: err.message });
      button.disabled = false;
    }
  });
}

// --- incident page ----------------------------------------------------------------------------------------
const page = $('incident-page');
if (page) {
  const id = page.dataset.incidentId;
  const error = $('action-error');
  let acting = false; // our own change reloads the page itself
  live((d) => {
    if (d.id !== id || acting) return;
    const shown = $('incident-status').dataset.status;
    if (d.status !== shown || ['updated', 'note'].includes(d.change)) window.location.reload();
  });
  const fail = (err) => {
    error.hidden = false;
    error.textContent = err.problem?.detail || err.message;
  };
  $('incident-actions')?.addEventListener('click', async (ev) => {
    const action = ev.target.dataset?.action;
    if (!action) return;
    const body = {};
    if (action === 'close') body.resolution = $('a-resolution')?.value || '';
    if (action === 'dismiss') body.reason = $('a-reason')?.value || '';
    acting = true;
    try {
      await api('POST', `/api/v1/incidents/${id}/actions/${action}`, body);
      window.location.reload();
    } catch (err) { acting = false; fail(err); }
  });
  $('incident-note')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    acting = true;
    try {
      await api('POST', `/api/v1/incidents/${id}/notes`, { note: $('note-text').value });
      window.location.reload();
    } catch (err) { acting = false; fail(err); }
  });
}
