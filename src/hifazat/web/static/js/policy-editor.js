// The escalation-policy editor (/alerts/policies): levels built with pickers (a role in an agency, an
// agency, a user, a unit, each chosen by name) and a delay, never typed ids. The page translates to the
// API's format, unchanged: levels = [{timeout_s, targets: [{kind, id} | {kind: 'role', role, agency_id}]}].
// Errors, the browser's or the server's, are shown next to the level and field they are about.
import { api, showProblem, clearErrors } from './app.js';

const $ = (id) => document.getElementById(id);
const form = $('policy-form');
const list = $('level-list');
const template = $('level-template');
const data = JSON.parse($('policy-data')?.textContent || '{}');
let editing = null; // the id of the policy being edited; null: a new one

/** What a target reads as: the names the server sent (`agency:ID` → label), never the id itself. */
function label(t) {
  if (t.kind === 'role') return `${t.role}s of ${data.agency_label[t.agency_id] || 'an agency'}`;
  return `${t.kind} ${data.names[`${t.kind}:${t.id}`] || '(not visible to you)'}`;
}

function addTarget(level, target) {
  const li = document.createElement('li');
  li.className = 'target';
  li.target = target;
  const text = document.createElement('span');
  text.textContent = label(target);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'link';
  remove.textContent = 'remove';
  remove.setAttribute('aria-label', `remove ${label(target)}`);
  remove.addEventListener('click', () => li.remove());
  li.append(text, ' ', remove);
  level.querySelector('.targets').append(li);
}

function picked(level) {
  const q = (name) => level.querySelector(`[name="${name}"]`).value;
  const kind = q('target-kind');
  if (kind === 'role') return { kind, role: q('role'), agency_id: q('role-agency') };
  const id = q(kind);
  return id ? { kind, id } : null;
}

function same(a, b) {
  return a.kind === b.kind && a.id === b.id && a.role === b.role && a.agency_id === b.agency_id;
}

function renumber() {
  list.querySelectorAll('[data-level]').forEach((level, i) => {
    level.querySelector('[data-error-slot=timeout_s]').dataset.errorFor = `levels.${i}.timeout_s`;
    level.querySelector('[data-error-slot=targets]').dataset.errorFor = `levels.${i}.targets levels.${i}`;
    level.dataset.index = String(i);
  });
}

function addLevel({ timeout_s: timeout = 120, targets = [] } = {}) {
  const level = template.content.firstElementChild.cloneNode(true);
  const minutes = timeout % 60 === 0;
  level.querySelector('[name=delay]').value = String(minutes ? timeout / 60 : timeout);
  level.querySelector('[name=delay-unit]').value = minutes ? '60' : '1';
  const kind = level.querySelector('[name=target-kind]');
  kind.addEventListener('change', () => {
    for (const span of level.querySelectorAll('[data-target-kind]')) span.hidden = span.dataset.targetKind !== kind.value;
  });
  level.querySelector('[data-add-target]').addEventListener('click', () => {
    const t = picked(level);
    if (t && ![...level.querySelectorAll('.target')].some((li) => same(li.target, t))) addTarget(level, t);
  });
  level.querySelector('[data-remove-level]').addEventListener('click', () => {
    level.remove();
    renumber();
  });
  for (const t of targets) addTarget(level, t);
  list.append(level);
  renumber();
  return level;
}

/** The levels as the API takes them, or the errors to show (the same fields the server names). */
function readLevels() {
  const errors = [];
  const levels = [...list.querySelectorAll('[data-level]')].map((level, i) => {
    const raw = level.querySelector('[name=delay]').value.trim();
    const delay = Number(raw);
    const unit = Number(level.querySelector('[name=delay-unit]').value);
    if (!raw || !Number.isInteger(delay) || delay < 1) {
      errors.push({ field: `levels.${i}.timeout_s`, reason: 'a whole number of minutes or seconds, at least 1' });
    } else if (delay * unit < 5) {
      errors.push({ field: `levels.${i}.timeout_s`, reason: 'at least 5 seconds' });
    }
    const targets = [...level.querySelectorAll('.target')].map((li) => li.target);
    if (!targets.length) errors.push({ field: `levels.${i}.targets`, reason: 'add at least one target: pick it and press Add' });
    return { timeout_s: delay * unit, targets };
  });
  if (!levels.length) errors.push({ field: 'levels', reason: 'add at least one level' });
  return { levels, errors };
}

/** The server names a target's field (levels.0.targets.1.id): shown at its level's targets. */
function placed(problem) {
  const errors = (problem.errors || []).map((e) => {
    const m = /^levels\.(\d+)\.targets\.\d+/.exec(String(e.field || ''));
    return m ? { ...e, field: `levels.${m[1]}.targets` } : e;
  });
  return { ...problem, errors };
}

function reset(policy = null) {
  editing = policy ? policy.id : null;
  list.replaceChildren();
  form.elements.name.value = policy ? policy.name : '';
  form.elements.site_id.value = policy?.site_id || '';
  form.elements.severity.value = policy?.severity || '';
  for (const lv of policy ? policy.levels : [{}]) addLevel(lv);
  $('policy-form-title').textContent = policy ? `Edit policy “${policy.name}”` : 'New policy';
  $('policy-save').textContent = policy ? 'Save changes' : 'Create';
  $('policy-cancel').hidden = !policy;
  clearErrors(form);
}

if (form) {
  $('add-level').addEventListener('click', () => addLevel());
  $('policy-cancel').addEventListener('click', () => reset());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const f = form.elements;
    const { levels, errors } = readLevels();
    if (!f.name.value.trim()) errors.unshift({ field: 'name', reason: 'give the policy a name' });
    if (errors.length) {
      showProblem(form, { detail: 'check the fields marked', errors });
      return;
    }
    const body = { name: f.name.value.trim(), levels, site_id: f.site_id.value || null, severity: f.severity.value || null };
    if (!editing) {
      if (!body.site_id) delete body.site_id;
      if (!body.severity) delete body.severity;
    }
    try {
      if (editing) await api('PATCH', `/api/v1/escalation-policies/${editing}`, body);
      else await api('POST', '/api/v1/escalation-policies', body);
      window.location.assign('/alerts/policies?saved=1');
    } catch (err) {
      showProblem(form, placed(err.problem || { detail: err.message }));
    }
  });
  for (const btn of document.querySelectorAll('[data-edit-policy]')) {
    btn.addEventListener('click', () => {
      reset(data.policies.find((p) => p.id === btn.dataset.editPolicy));
      form.scrollIntoView({ block: 'start' });
    });
  }
  reset();
  form.dataset.ready = 'true';
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
