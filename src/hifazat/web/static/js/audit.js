// Audit page: verify the whole hash chain through the API.
import { api } from './app.js';

const button = document.getElementById('verify-chain');
const out = document.getElementById('verify-result');
button.addEventListener('click', async () => {
  button.disabled = true;
  out.textContent = 'Verifying…';
  try {
    const r = await api('GET', '/api/v1/audit/verify');
    out.textContent = r.ok
      ? `Intact: ${r.checked} entries checked.`
      : `BROKEN at entry ${r.bad_seq}: ${r.reason}`;
    out.className = r.ok ? 'badge b-ok' : 'badge b-alert';
  } catch (err) {
    out.textContent = err.message;
  } finally {
    button.disabled = false;
  }
});
