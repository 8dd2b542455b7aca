// The roster's duty form: writes through POST /api/v1/duties; a refusal (422 "Duty Refused") is listed
// on the page with every reason the rule gave, so the supervisor sees at once all that must be put right.
import { api, showProblem, clearErrors, textElement } from './app.js';

const $ = (id) => document.getElementById(id);
const form = $('duty-form');
if (form) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const utc = (v) => (v ? `${v}:00Z` : null);
    const body = {
      personnel_id: $('d-person').value,
      kind: $('d-kind').value,
      site_id: form.dataset.siteId,
      armed: $('d-armed').checked,
      starts_at: utc($('d-start').value),
      ends_at: utc($('d-end').value),
    };
    try {
      await api('POST', '/api/v1/duties', body);
      location.reload();
    } catch (err) {
      const problem = err.problem || err;
      if (problem && Array.isArray(problem.reasons)) {
        const item = textElement(`${$('d-person').selectedOptions[0]?.textContent || ''} ${body.starts_at || ''}: `, 'li');
        const reasons = document.createElement('ul');
        for (const r of problem.reasons) reasons.appendChild(textElement(`${r.code}: ${r.detail}`, 'li'));
        item.appendChild(reasons);
        $('refusal-list').prepend(item);
        $('refusals').hidden = false;
      } else {
        showProblem(form, problem);
      }
    }
  });
}
