// Alerts dashboard: live inbox (SSE `alert`), the alert page (actions, dispatch, unit status, map) and
// safety polls (live tally from the SSE `poll` event). The SOS and alert forms: alert-form.js; the
// escalation-policy editor: policy-editor.js.
import { api, showProblem, clearErrors, textElement } from './app.js';

const $ = (id) => document.getElementById(id);

function live(events, onEvent) {
  const status = $('live-status');
  const source = new EventSource(`/api/v1/stream?events=${events}`);
  source.addEventListener('open', () => { if (status) status.textContent = 'live'; });
  source.addEventListener('error', () => { if (status) status.textContent = 'reconnecting…'; });
  for (const name of events.split(',')) {
    source.addEventListener(name, (ev) => onEvent(name, JSON.parse(ev.data)));
  }
  return source;
}

function badge(cls, text) {
  const span = document.createElement('span');
  span.className = `badge ${cls}`;
  span.textContent = text;
  return span;
}

const STATUS_BADGE = { new: 'b-alert', acknowledged: 'b-maintenance', responding: 'b-assigned', resolved: 'b-ok', false_alarm: 'b-false' };
const SEVERITY_BADGE = { critical: 'b-alert', high: 'b-maintenance', medium: 'b-assigned', low: 'b-false' };

function when(iso) {
  return iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—';
}

// --- inbox ----------------------------------------------------------------------------------------------
const inbox = $('alert-inbox');
if (inbox) {
  const body = inbox.querySelector('tbody');
  live('alert', (_name, a) => {
    let row = body.querySelector(`tr[data-alert-id="${CSS.escape(a.id)}"]`);
    if (!row) {
      body.querySelector('.empty-row')?.remove();
      row = document.createElement('tr');
      row.dataset.alertId = a.id;
      for (let i = 0; i < 6; i += 1) row.appendChild(document.createElement('td'));
      row.cells[0].textContent = when(a.created_at);
      row.cells[1].appendChild(badge(SEVERITY_BADGE[a.severity] || '', a.severity || ''));
      row.cells[2].textContent = (a.kind || '').replaceAll('_', ' ');
      const link = document.createElement('a');
      link.href = `/alerts/${a.id}`;
      link.textContent = a.title || a.id;
      row.cells[3].appendChild(link);
      if (a.source_authenticated === false) {
        const note = badge('b-maintenance', 'unauthenticated device report');
        note.dataset.testid = 'unauthenticated';
        row.cells[3].append(' ', note);
      }
      row.classList.add('fresh');
      body.prepend(row);
    }
    if (a.severity) row.dataset.severity = a.severity;
    if (a.status) {
      row.dataset.status = a.status;
      row.cells[4].replaceChildren(badge(STATUS_BADGE[a.status] || '', a.status.replaceAll('_', ' ')));
    }
    if (a.repeat_count) {
      const shown = row.cells[3].querySelector('.repeat') || row.cells[3].appendChild(badge('b-false repeat', ''));
      shown.title = 'repeats folded into this alert';
      shown.textContent = `×${a.repeat_count + 1}`;
    }
    if (a.escalation_level !== undefined) row.cells[5].textContent = a.escalation_level;
  });
}

// --- one alert ------------------------------------------------------------------------------------------
const page = $('alert-page');
if (page) {
  const id = page.dataset.alertId;
  const error = $('action-error');
  const act = async (method, url, body) => {
    error.hidden = true;
    try {
      await api(method, url, body);
      window.location.reload();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  };
  for (const btn of document.querySelectorAll('[data-action]')) {
    btn.addEventListener('click', () => act('POST', `/api/v1/alerts/${id}/actions/${btn.dataset.action}`, {}));
  }
  for (const btn of document.querySelectorAll('[data-assign]')) {
    btn.addEventListener('click', () => act('POST', `/api/v1/alerts/${id}/assignments`, { unit_ids: [btn.dataset.assign] }));
  }
  const noteForm = $('alert-note');
  noteForm?.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('POST', `/api/v1/alerts/${id}/notes`, { note: $('note-text').value });
  });
  for (const btn of document.querySelectorAll('[data-unit-status]')) {
    btn.addEventListener('click', () =>
      act('PATCH', `/api/v1/alerts/${id}/assignments/${btn.dataset.assignment}`, { status: btn.dataset.unitStatus }));
  }
  live('alert', (_name, a) => {
    if (a.id !== id) return;
    const status = $('alert-status');
    if (status && a.status && status.textContent !== a.status.replaceAll('_', ' ')) window.location.reload();
    if (a.escalation_level !== undefined) $('alert-level').textContent = a.escalation_level;
  });
  const mapEl = $('alert-map');
  if (mapEl && window.L) {
    import('./map.js').then(async ({ createMap, loadOutline }) => {
      const known = mapEl.dataset.lat !== '';
      const lat = Number(mapEl.dataset.lat);
      const lon = Number(mapEl.dataset.lon);
      const handle = createMap(mapEl, { tileUrl: mapEl.dataset.tileUrl, attribution: mapEl.dataset.tileAttribution });
      // Opens on the alert (street level); the units stay drawn, a zoom out away.
      mapEl.leafletMap = handle.map; // for a test or another script to drive the map
      if (known) handle.map.setView([lat, lon], ALERT_ZOOM);
      const L = window.L;
      const marks = known ? [L.circleMarker([lat, lon], { radius: 9, color: '#c62828', weight: 3 }).bindTooltip(textElement('Alert'))] : [];
      for (const r of JSON.parse($('recommendations').textContent || '[]')) {
        if (r.lat === null || r.lon === null) continue;
        marks.push(L.circleMarker([r.lat, r.lon], { radius: 6, color: '#2f7d32' }).bindTooltip(textElement(r.call_sign)));
      }
      handle.addLayer('Alert and units', L.layerGroup(marks));
      await loadOutline(handle, { labels: !known });
      if (!known) zoomToPlace(handle, mapEl.dataset.province, mapEl.dataset.district);
      mapEl.dataset.ready = 'true';
    });
  }
}

const ALERT_ZOOM = 14;

/** An alert without a position: the map shows its district, else its province (what the server knows). */
function zoomToPlace(handle, province, district) {
  const pick = (name, test) => {
    let found = null;
    handle.layers[name]?.eachLayer((l) => { if (!found && test(l.feature.properties)) found = l; });
    return found;
  };
  const area = (district && pick('Districts', (p) => p.province === province && p.name === district))
    || (province && pick('Provinces', (p) => p.code === province));
  if (area) handle.map.fitBounds(area.getBounds(), { padding: [12, 12] });
}

// --- polls ----------------------------------------------------------------------------------------------
const pollForm = $('poll-form');
if (pollForm) {
  pollForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(pollForm);
    const f = pollForm.elements;
    const body = { question: f.question.value, deadline_s: Math.round(Number(f.deadline.value) * 60) };
    if (f.site_id.value) body.area = { site_id: f.site_id.value };
    else body.area = { geometry: { type: 'Point', coordinates: [Number(f.lon.value), Number(f.lat.value)] }, radius_m: Number(f.radius_m.value) };
    try {
      const poll = await api('POST', '/api/v1/polls', body);
      window.location.assign(`/polls/${poll.id}`);
    } catch (err) {
      showProblem(pollForm, err.problem || { detail: err.message });
    }
  });
}

const pollPage = $('poll-page');
if (pollPage) {
  const id = pollPage.dataset.pollId;
  live('poll', (_name, p) => {
    if (p.id !== id) return;
    for (const [key, value] of Object.entries(p.tally || {})) {
      const cell = document.querySelector(`[data-tally="${key}"]`);
      if (cell) cell.textContent = value;
    }
    $('poll-status').textContent = p.status;
  });
  for (const btn of document.querySelectorAll('[data-answer]')) {
    btn.addEventListener('click', async () => {
      const error = $('answer-error');
      error.hidden = true;
      try {
        await api('POST', `/api/v1/polls/${id}/answers`, { person_id: btn.dataset.person, answer: btn.dataset.answer });
        window.location.reload();
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      }
    });
  }
}
