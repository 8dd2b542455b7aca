// Sign-in: posts the OAuth2 password form to the API, which sets the HttpOnly session cookie.
import { showProblem } from './app.js';

const form = document.getElementById('login-form');

function localTarget(value) {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const response = await fetch('/api/v1/auth/token?set_cookie=true', {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-Requested-With': 'fetch' },
    });
    if (response.ok) {
      window.location.assign(localTarget(form.dataset.next));
      return;
    }
    const problem = await response.json().catch(() => ({ title: response.statusText }));
    showProblem(form, { ...problem, errors: [] });
  } catch (err) {
    showProblem(form, { title: 'The server cannot be reached', errors: [] });
  } finally {
    button.disabled = false;
  }
});
