// A case's evidence page: the upload (multipart, so not through api()) and the custody steps, both
// through the JSON API; a refusal shows its problem above the forms.
import { api } from './app.js';

const page = document.getElementById('evidence-page');
const errorBox = document.getElementById('evidence-error');

function fail(err) {
  const problem = err.problem || { title: err.message };
  const fields = (problem.errors || []).map((e) => `${e.field}: ${e.reason}`).join('; ');
  errorBox.textContent = fields || problem.detail || problem.title;
  errorBox.hidden = false;
}

const upload = document.getElementById('evidence-upload');
if (page && upload) {
  upload.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const response = await fetch(`/api/v1/cases/${encodeURIComponent(page.dataset.caseId)}/evidence`, {
      method: 'POST',
      body: new FormData(upload),
      credentials: 'same-origin',
      headers: { Accept: 'application/json, application/problem+json', 'X-Requested-With': 'fetch' },
    });
    if (response.ok) { location.reload(); return; }
    const problem = await response.json().catch(() => ({ title: response.statusText }));
    fail({ problem });
  });
}

for (const form of document.querySelectorAll('.custody-form')) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const body = { action: data.get('action'), note: data.get('note') || '' };
    if (data.get('to_user_id')) body.to_user_id = data.get('to_user_id');
    try {
      await api('POST', `/api/v1/evidence/${encodeURIComponent(form.dataset.evidenceId)}/custody`, body);
      location.reload();
    } catch (err) { fail(err); }
  });
}
