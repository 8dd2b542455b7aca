// Notifications page: save preferences through the API; show notifications and delivery states live.
import { api, showProblem, clearErrors } from './app.js';

const form = document.getElementById('prefs-form');
if (form) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    document.getElementById('prefs-saved').hidden = true;
    const channels = {};
    for (const box of form.querySelectorAll('input[type=checkbox][name^="channel-"]')) {
      const ch = box.name.split('-')[1];
      const sel = form.querySelector(`select[name="channel-${ch}-min_severity"]`);
      channels[ch] = { enabled: box.checked, min_severity: sel.value };
    }
    const start = form.elements['quiet-start'].value.trim();
    const end = form.elements['quiet-end'].value.trim();
    const body = {
      email: form.elements.email.value.trim() || null,
      channels,
      topics: JSON.parse(document.getElementById('prefs-topics').textContent || '{}'),
      quiet_hours: start || end ? { start, end, timezone: form.elements['quiet-tz'].value.trim() } : null,
    };
    try {
      await api('PUT', form.dataset.url, body);
      document.getElementById('prefs-saved').hidden = false;
    } catch (err) {
      showProblem(form, err.problem || { detail: err.message });
    }
  });
}

const STATUS_BADGE = { delivered: 'ok', failed: 'alert', retrying: 'suspended', sending: 'responding' };

function updateDelivery(d) {
  const row = document.querySelector(`tr[data-delivery-id="${CSS.escape(d.id)}"]`);
  if (!row) return;
  const status = row.querySelector('[data-field="status"]');
  status.textContent = d.status;
  status.className = `badge b-${STATUS_BADGE[d.status] || 'planned'}`;
  const attempts = row.querySelector('[data-field="attempts"]');
  const max = attempts.textContent.includes('/') ? attempts.textContent.split('/')[1] : '';
  attempts.textContent = max ? `${d.attempts}/${max}` : String(d.attempts);
  row.querySelector('[data-field="last_error"]').textContent = d.last_error || '—';
}

function showNotification(n) {
  const list = document.getElementById('live-notifications');
  if (!list) return;
  if (list.dataset.started !== '1') {
    list.textContent = '';
    list.dataset.started = '1';
    list.classList.remove('muted');
  }
  const li = document.createElement('li');
  const badge = document.createElement('span');
  badge.className = `badge b-${n.severity === 'critical' || n.severity === 'high' ? 'alert' : 'planned'}`;
  badge.textContent = n.severity;
  li.append(badge, ' ', n.title || `${n.topic} ${n.reason}`, ' ');
  if (n.ref_kind === 'alert') {
    const a = document.createElement('a');
    a.href = `/alerts/${encodeURIComponent(n.ref_id)}`;
    a.textContent = 'open';
    li.append(a);
  }
  list.prepend(li);
}

const live = document.getElementById('live-status');
if (typeof EventSource !== 'undefined') {
  const es = new EventSource('/api/v1/stream?events=notification,delivery');
  es.addEventListener('open', () => { if (live) live.textContent = 'live'; });
  es.addEventListener('error', () => { if (live) live.textContent = 'reconnecting…'; });
  es.addEventListener('notification', (e) => showNotification(JSON.parse(e.data)));
  es.addEventListener('delivery', (e) => updateDelivery(JSON.parse(e.data)));
}
