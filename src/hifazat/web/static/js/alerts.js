// Alerts dashboard: live inbox (SSE `alert`), SOS and manual alerts, the alert page (actions, dispatch, unit
// status, map), the escalation-policy editor and safety polls (live tally from the SSE `poll` event).
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

const sos = $('sos-form');
if (sos) {
  $('sos-locate')?.addEventListener('click', () => {
    navigator.geolocation?.getCurrentPosition((pos) => {
      sos.elements.lat.value = pos.coords.latitude.toFixed(6);
      sos.elements.lon.value = pos.coords.longitude.toFixed(6);
    });
  });
  sos.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(sos);
    const person = sos.elements.person_id.value;
    const body = {
      kind: 'sos',
      lat: Number(sos.elements.lat.value),
      lon: Number(sos.elements.lon.value),
      ...(person ? { person_id: person } : { for_self: true }),
    };
    if (sos.elements.lat.value.trim() === '' || sos.elements.lon.value.trim() === '') {
      showProblem(sos, { detail: 'give a position', errors: [{ field: 'lat', reason: 'latitude and longitude are required' }] });
      return;
    }
    try {
      const alert = await api('POST', '/api/v1/alerts', body);
      window.location.assign(`/alerts/${alert.id}`);
    } catch (err) {
      showProblem(sos, err.problem || { detail: err.message });
    }
  });
}

const manual = $('manual-form');
if (manual) {
  manual.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(manual);
    const f = manual.elements;
    const body = { kind: f.kind.value, description: f.description.value, cap_scope: f.cap_scope.value };
    if (f.severity.value) body.severity = f.severity.value;
    if (f.site_id.value) body.site_id = f.site_id.value;
    try {
      const alert = await api('POST', '/api/v1/alerts', body);
      window.location.assign(`/alerts/${alert.id}`);
    } catch (err) {
      showProblem(manual, err.problem || { detail: err.message });
    }
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
  if (mapEl && window.L && mapEl.dataset.lat) {
    import('./map.js').then(({ createMap, loadOutline }) => {
      const lat = Number(mapEl.dataset.lat);
      const lon = Number(mapEl.dataset.lon);
      const handle = createMap(mapEl, {
        tileUrl: mapEl.dataset.tileUrl,
        attribution: mapEl.dataset.tileAttribution,
        fit: [[lat - 0.05, lon - 0.05], [lat + 0.05, lon + 0.05]],
      });
      loadOutline?.(handle, { labels: false });
      const L = window.L;
      const points = [[lat, lon]];
      const marks = [L.circleMarker([lat, lon], { radius: 9, color: '#c62828', weight: 3 }).bindTooltip(textElement('Alert'))];
      for (const r of JSON.parse($('recommendations').textContent || '[]')) {
        if (r.lat === null || r.lon === null) continue;
        points.push([r.lat, r.lon]);
        marks.push(L.circleMarker([r.lat, r.lon], { radius: 6, color: '#2f7d32' }).bindTooltip(textElement(r.call_sign)));
      }
      handle.addLayer('Alert and units', L.layerGroup(marks));
      if (points.length > 1) handle.map.fitBounds(points, { padding: [24, 24] });
    });
  }
}

// --- escalation policies --------------------------------------------------------------------------------
function parseTarget(text, lineNo) {
  const [kind, rest] = text.split(':').map((s) => s.trim());
  if (!kind || !rest) throw new Error(`line ${lineNo}: "${text}" is not kind:value`);
  if (kind === 'role') {
    const [role, agency] = rest.split('@').map((s) => s.trim());
    return agency ? { kind, role, agency_id: agency } : { kind, role };
  }
  return { kind, id: rest };
}

const policyForm = $('policy-form');
if (policyForm) {
  policyForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(policyForm);
    const f = policyForm.elements;
    let levels;
    try {
      levels = f.levels.value.split('\n').map((l) => l.trim()).filter(Boolean).map((line, i) => {
        const cut = line.indexOf(':');
        const timeout = Number(line.slice(0, cut));
        if (cut < 0 || !Number.isInteger(timeout)) throw new Error(`line ${i + 1}: start with the timeout in seconds`);
        const targets = line.slice(cut + 1).split(',').map((t) => t.trim()).filter(Boolean).map((t) => parseTarget(t, i + 1));
        return { timeout_s: timeout, targets };
      });
    } catch (err) {
      showProblem(policyForm, { detail: err.message, errors: [{ field: 'levels', reason: err.message }] });
      return;
    }
    const body = { name: f.name.value, levels };
    if (f.site_id.value) body.site_id = f.site_id.value;
    if (f.severity.value) body.severity = f.severity.value;
    try {
      await api('POST', '/api/v1/escalation-policies', body);
      window.location.reload();
    } catch (err) {
      showProblem(policyForm, err.problem || { detail: err.message });
    }
  });
}
// The pickers write the chosen target, by its id, into the levels text: line N is level N.
for (const btn of document.querySelectorAll('[data-pick]')) {
  btn.addEventListener('click', () => {
    const kind = btn.dataset.pick;
    const token = kind === 'role'
      ? `role:${$('pick-role').value}@${$('pick-role-agency').value}`
      : `${kind}:${$(`pick-${kind}`).value}`;
    if (token.endsWith(':')) return; // an empty list: nothing to add
    const area = $('p-levels');
    const lines = area.value.split('\n').map((l) => l.trimEnd()).filter(Boolean); // as the form reads them
    const at = Math.max(1, Number($('pick-level').value) || 1) - 1;
    while (lines.length <= at) lines.push(`${Number($('pick-timeout').value) || 120}:`);
    const line = lines[at].trimEnd();
    lines[at] = line.endsWith(':') ? `${line} ${token}` : `${line}, ${token}`;
    area.value = lines.join('\n');
  });
}
for (const btn of document.querySelectorAll('[data-toggle-policy]')) {
  btn.addEventListener('click', async () => {
    await api('PATCH', `/api/v1/escalation-policies/${btn.dataset.togglePolicy}`, { active: btn.dataset.active !== 'true' });
    window.location.reload();
  });
}
for (const btn of document.querySelectorAll('[data-delete-policy]')) {
  btn.addEventListener('click', async () => {
    await api('DELETE', `/api/v1/escalation-policies/${btn.dataset.deletePolicy}`);
    window.location.reload();
  });
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
