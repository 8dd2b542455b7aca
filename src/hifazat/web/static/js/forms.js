// API forms: <form data-api="POST|PATCH" data-url="/api/v1/..."> with generated [data-field] wrappers.
// Sends JSON (only the changed fields for PATCH), shows problem+json errors next to their fields.
import { api, clearErrors, showProblem } from './app.js';

const editors = new WeakMap();

function control(wrapper) {
  return wrapper.querySelector('input, select, textarea');
}

function read(wrapper) {
  const type = wrapper.dataset.type;
  if (type === 'checkbox') {
    const checked = control(wrapper).checked;
    return { raw: checked ? 'true' : 'false', value: checked };
  }
  if (type === 'multi') {
    const values = [...wrapper.querySelectorAll('input:checked')].map((i) => i.value);
    return { raw: values.join(', '), value: values };
  }
  const raw = control(wrapper).value.trim();
  if (type === 'number') return { raw, value: raw === '' ? null : Number(raw) };
  // datetime-local holds minutes in UTC (the label says so); the API wants ISO 8601 with its zone.
  if (type === 'datetime') return { raw, value: raw === '' ? null : `${raw}:00Z` };
  if (type === 'list') return { raw, value: raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [] };
  return { raw, value: raw === '' ? null : raw };
}

function collect(form, onlyChanged, keepNull = false) {
  const body = {};
  for (const wrapper of form.querySelectorAll('[data-field]')) {
    const name = wrapper.dataset.field;
    if (wrapper.dataset.type === 'shape') {
      const editor = editors.get(wrapper);
      if (editor && (!onlyChanged || editor.dirty)) Object.assign(body, editor.value());
      continue;
    }
    const { raw, value } = read(wrapper);
    if (onlyChanged) {
      if (raw === (wrapper.dataset.initial || '')) continue;
      const writeOnly = control(wrapper).type === 'password' || name === 'passport_number';
      if (writeOnly && value === null) continue;
    } else if (keepNull && value === null) {
      // PUT replaces the whole record: an empty choice is sent as null ("raises no alert").
    } else if (value === null || (Array.isArray(value) && !value.length && wrapper.dataset.type === 'list')) {
      continue;
    }
    body[name] = value;
  }
  return body;
}

// A secret the server returns once (a webhook's signing secret, a device's password): shown in place of
// the form, never stored; a device's identifier beside it, which OsmAnd uses as its only credential.
function showSecret(form, secret, next, identifier) {
  const box = document.createElement('div');
  box.className = 'notice ok';
  box.setAttribute('role', 'status');
  box.dataset.testid = 'secret';
  const note = document.createElement('p');
  note.textContent = 'Saved. The signing secret is shown this once; copy it to the receiver now:';
  const code = document.createElement('code');
  code.className = 'mono';
  code.textContent = secret;
  const link = document.createElement('a');
  link.className = 'button';
  link.href = next;
  link.textContent = 'Continue';
  box.append(note, code, document.createElement('br'));
  if (identifier) {
    const id = document.createElement('p');
    id.textContent = 'Device identifier (set it in the phone app): ';
    const idCode = document.createElement('code');
    idCode.className = 'mono';
    idCode.dataset.testid = 'identifier';
    idCode.textContent = identifier;
    id.append(idCode);
    box.append(id);
  }
  box.append(link);
  form.replaceChildren(box);
}

async function submit(form, event) {
  event.preventDefault();
  const method = form.dataset.api;
  const patch = method === 'PATCH';
  const body = collect(form, patch, method === 'PUT');
  const button = form.querySelector('button[type=submit]');
  clearErrors(form);
  if (patch && !Object.keys(body).length) {
    showProblem(form, { title: 'Nothing changed', errors: [] });
    return;
  }
  button.disabled = true;
  try {
    const saved = await api(method, form.dataset.url, body);
    let target = patch ? location.pathname : `/${form.dataset.kind}/${encodeURIComponent(saved.id)}`;
    if (form.dataset.after) target = form.dataset.after; // a page of several forms returns to itself
    const sep = target.includes('?') ? '&' : '?';
    if (saved && saved.secret) {
      showSecret(form, saved.secret, `${target}${sep}saved=1`, saved.identifier);
      return;
    }
    window.location.assign(`${target}${sep}saved=1`);
  } catch (err) {
    showProblem(form, err.problem || { title: err.message, errors: [] });
  } finally {
    button.disabled = false;
  }
}

async function retire(button) {
  if (!window.confirm('Retire this record? It disappears from lists; the audit log keeps its history.')) return;
  try {
    await api('DELETE', button.dataset.deleteUrl);
    window.location.assign(button.dataset.after);
  } catch (err) {
    showProblem(button.form, err.problem || { title: err.message, errors: [] });
  }
}

// An "End" button (an escort): the record stays, inactive from now on.
async function end(button) {
  const body = { [button.dataset.endField]: false, ends_at: new Date().toISOString() };
  try {
    await api('PATCH', button.dataset.endUrl, body);
    window.location.assign(`${location.pathname}?saved=1`);
  } catch (err) {
    showProblem(button.closest('form') || button.parentElement, err.problem || { title: err.message, errors: [] });
  }
}

async function init() {
  const shapeRoots = document.querySelectorAll('[data-type=shape]');
  if (shapeRoots.length) {
    const { shapeEditor } = await import('./draw.js');
    for (const root of shapeRoots) {
      const form = root.closest('form');
      editors.set(root, shapeEditor(root, {
        tileUrl: form.dataset.tileUrl, attribution: form.dataset.tileAttribution,
      }));
    }
  }
  const siteMap = document.querySelector('.site-map');
  if (siteMap) {
    const { createMap, loadOutline, showGeometry, zoneLayer } = await import('./map.js');
    const handle = createMap(siteMap, {
      tileUrl: siteMap.dataset.tileUrl, attribution: siteMap.dataset.tileAttribution,
    });
    loadOutline(handle, { labels: false });
    const radius = siteMap.dataset.radius ? Number(siteMap.dataset.radius) : null;
    const geometry = JSON.parse(siteMap.dataset.geometry);
    if (siteMap.dataset.layer === 'zones') {
      const width = siteMap.dataset.width ? Number(siteMap.dataset.width) : null;
      const layer = zoneLayer({ kind: siteMap.dataset.kind, geometry, radius_m: radius, width_m: width });
      handle.addLayer('Zone', layer);
      handle.map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [40, 40] });
    } else {
      showGeometry(handle, geometry, radius, siteMap.dataset.kind);
    }
  }
  for (const form of document.querySelectorAll('form[data-api]')) {
    form.addEventListener('submit', (event) => submit(form, event));
    form.dataset.ready = 'true';
  }
  for (const button of document.querySelectorAll('button[data-delete-url]')) {
    button.addEventListener('click', () => retire(button));
  }
  for (const button of document.querySelectorAll('button[data-end-url]')) {
    button.addEventListener('click', () => end(button));
  }
}

init();
