// Audit page: verify the whole hash chain through the API.
import { api } from './app.js';

const button = document.getElementById('verify-chain');
const out = document.getElementById('verify-result');
button.addEventListener('click', async () => {
  button.disabled = true;
  out.textContent = 'Verifying…';
  try {
    const r = await api('GET', '/api/v1/audit/verify');
    const where = r.bad_seq ? `BROKEN at entry ${r.bad_seq}` : 'NOT VERIFIED';
    out.textContent = r.ok
      ? `Intact: ${r.checked} entries checked, ${r.checkpoints} signed checkpoints agree.`
      : `${where}: ${r.reason}`;
    out.className = r.ok ? 'badge b-ok' : 'badge b-alert';
  } catch (err) {
    out.textContent = err.message;
  } finally {
    button.disabled = false;
  }
});
