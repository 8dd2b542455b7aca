// Threat levels and movements: the set-level form, a movement's route on the map and its moves. Every write
// goes through the JSON API; problems show beside their fields.
import { api, showProblem, clearErrors } from './app.js';

const $ = (id) => document.getElementById(id);

const threatForm = $('threat-form');
if (threatForm) {
  threatForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(threatForm);
    const body = Object.fromEntries(new FormData(threatForm));
    try {
      await api('POST', '/api/v1/threat-levels', body);
      window.location.reload();
    } catch (e) {
      showProblem(threatForm, e.problem);
    }
  });
}

const mapEl = $('movement-map');
const route = JSON.parse($('movement-route')?.textContent || 'null');
if (mapEl && window.L && route) {
  import('./map.js').then(({ createMap, loadOutline }) => {
    const L = window.L;
    const handle = createMap(mapEl, { tileUrl: mapEl.dataset.tileUrl, attribution: mapEl.dataset.tileAttribution });
    loadOutline?.(handle, { labels: false });
    const line = L.polyline(route.coordinates.map(([x, y]) => [y, x]), { color: '#1f6feb', weight: 4 });
    handle.addLayer('Route', line);
    handle.map.fitBounds(line.getBounds(), { padding: [24, 24] });
  });
}

const actions = $('movement-actions');
if (actions) {
  const id = $('movement-page').dataset.movementId;
  actions.addEventListener('click', async (ev) => {
    const action = ev.target.dataset?.action;
    if (!action) return;
    clearErrors(actions);
    const note = $('m-note').value.trim();
    try {
      await api('POST', `/api/v1/movements/${encodeURIComponent(id)}/actions/${action}`, note ? { note } : {});
      window.location.reload();
    } catch (e) {
      showProblem(actions, e.problem);
    }
  });
}
