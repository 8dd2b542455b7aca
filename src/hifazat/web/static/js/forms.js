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
  if (type === 'list') return { raw, value: raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [] };
  return { raw, value: raw === '' ? null : raw };
}

function collect(form, onlyChanged) {
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
    } else if (value === null || (Array.isArray(value) && !value.length && wrapper.dataset.type === 'list')) {
      continue;
    }
    body[name] = value;
  }
  return body;
}

// A secret the server returns once (a webhook's signing secret): shown in place of the form, never stored.
function showSecret(form, secret, next) {
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
  box.append(note, code, document.createElement('br'), link);
  form.replaceChildren(box);
}

async function submit(form, event) {
  event.preventDefault();
  const method = form.dataset.api;
  const patch = method === 'PATCH';
  const body = collect(form, patch);
  const button = form.querySelector('button[type=submit]');
  clearErrors(form);
  if (patch && !Object.keys(body).length) {
    showProblem(form, { title: 'Nothing changed', errors: [] });
    return;
  }
  button.disabled = true;
  try {
    const saved = await api(method, form.dataset.url, body);
    const target = patch ? location.pathname : `/${form.dataset.kind}/${encodeURIComponent(saved.id)}`;
    if (saved && saved.secret) {
      showSecret(form, saved.secret, `${target}?saved=1`);
      return;
    }
    window.location.assign(`${target}?saved=1`);
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
    const { createMap, loadOutline, showGeometry } = await import('./map.js');
    const handle = createMap(siteMap, {
      tileUrl: siteMap.dataset.tileUrl, attribution: siteMap.dataset.tileAttribution,
    });
    loadOutline(handle, { labels: false });
    const radius = siteMap.dataset.radius ? Number(siteMap.dataset.radius) : null;
    showGeometry(handle, JSON.parse(siteMap.dataset.geometry), radius, siteMap.dataset.kind);
  }
  for (const form of document.querySelectorAll('form[data-api]')) {
    form.addEventListener('submit', (event) => submit(form, event));
    form.dataset.ready = 'true';
  }
  for (const button of document.querySelectorAll('button[data-delete-url]')) {
    button.addEventListener('click', () => retire(button));
  }
}

init();
