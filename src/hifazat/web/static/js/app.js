// Hifazat page helpers, shared by every dashboard page (ES module; also exposed as window.hifazat).

const JSON_TYPES = /json/;

/** Call the JSON API with the session cookie. Resolves to the parsed body (null for 204).
 *  Rejects with an Error whose .problem is the RFC 9457 problem+json body and .status the HTTP status. */
export async function api(method, url, body) {
  const headers = { Accept: 'application/json, application/problem+json', 'X-Requested-With': 'fetch' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const type = response.headers.get('content-type') || '';
  const data = response.status === 204 || !JSON_TYPES.test(type) ? null : await response.json();
  if (!response.ok) {
    if (response.status === 401) {
      window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    }
    const problem = data || { status: response.status, title: response.statusText };
    const error = new Error(problem.detail || problem.title || 'request failed');
    error.problem = problem;
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Every item of a cursor-paginated list endpoint ({items, next_cursor}). */
export async function* pages(url) {
  let next = url;
  for (let guard = 0; next && guard < 1000; guard += 1) {
    const page = await api('GET', next);
    for (const item of page.items) yield item;
    if (!page.next_cursor) return;
    const u = new URL(next, location.origin);
    u.searchParams.set('cursor', page.next_cursor);
    next = u.pathname + u.search;
  }
}

function slotFor(form, field) {
  const candidates = [field, field.split('.')[0]];
  for (const name of candidates) {
    const slot = form.querySelector(`[data-error-for~="${CSS.escape(name)}"]`);
    if (slot) return slot;
  }
  return null;
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** Show a problem+json body on a form: each errors[] entry next to its field, the rest at the top. */
export function showProblem(form, problem) {
  clearErrors(form);
  const general = form.querySelector('.form-error');
  const leftovers = [];
  let first = null;
  for (const err of problem.errors || []) {
    const slot = slotFor(form, String(err.field || 'body'));
    if (!slot || slot === general) {
      leftovers.push(`${err.field}: ${err.reason}`);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent}; ${err.reason}` : err.reason;
    const wrapper = slot.closest('.field');
    if (wrapper) {
      wrapper.classList.add('invalid');
      const control = wrapper.querySelector('input, select, textarea');
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        first = first || control;
      }
    }
  }
  if (general) {
    if (leftovers.length) general.textContent = leftovers.join('; ');
    else if (!(problem.errors || []).length) general.textContent = problem.detail || problem.title || 'Request failed';
  }
  if (first) first.focus();
}

/** A DOM element holding `text` as text, never markup: what map tooltips and popups are given. */
export function textElement(text, tag = 'span') {
  const node = document.createElement(tag);
  node.textContent = text === null || text === undefined ? '' : String(text);
  return node;
}

window.hifazat = { api, pages, showProblem, clearErrors, textElement };
