// The inbox alarm: while any critical alert in the inbox is still "new" (nobody acknowledged it), its row
// flashes, the tab title counts it and a tone sounds every few seconds, unless the user muted the alarm.
// The mute is the user's preference (alarm_sound), so it follows them to any control-room workstation.
import { api } from './app.js';

const inbox = document.getElementById('alert-inbox');
const toggle = document.getElementById('alarm-toggle');
const hint = document.getElementById('alarm-hint');
const baseTitle = document.title;
let muted = inbox?.dataset.alarm === 'off';
let audio = null;
let timer = null;

function ringing() {
  return [...inbox.querySelectorAll('tbody tr[data-alert-id]')].filter(
    (row) => row.dataset.severity === 'critical' && row.dataset.status === 'new',
  );
}

function tone() {
  if (muted || !audio) return;
  if (audio.state === 'suspended') {
    // Browsers start audio only after a gesture on the page: say so instead of failing silently.
    if (hint) hint.hidden = false;
    return;
  }
  const now = audio.currentTime;
  for (const [offset, freq] of [[0, 880], [0.25, 660], [0.5, 880]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.2, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + offset);
    osc.stop(now + offset + 0.22);
  }
}

function judge() {
  const rows = ringing();
  for (const row of inbox.querySelectorAll('tbody tr')) row.classList.toggle('alarm', rows.includes(row));
  document.body.dataset.alarm = rows.length ? 'ringing' : 'quiet';
  document.title = rows.length ? `(${rows.length}) SOS — ${baseTitle}` : baseTitle;
  if (rows.length && !timer) {
    tone();
    timer = setInterval(tone, 4000);
  } else if (!rows.length && timer) {
    clearInterval(timer);
    timer = null;
  }
}

function showToggle() {
  if (!toggle) return;
  toggle.textContent = muted ? 'Alarm sound: off' : 'Alarm sound: on';
  toggle.setAttribute('aria-pressed', String(!muted));
}

if (inbox) {
  if (window.AudioContext) audio = new AudioContext();
  const wake = () => {
    audio?.resume().then(() => { if (hint) hint.hidden = true; });
  };
  document.addEventListener('click', wake);
  document.addEventListener('keydown', wake);
  toggle?.addEventListener('click', async () => {
    const prefs = await api('GET', '/api/v1/me/notification-preferences');
    const { user_id: _u, effective_email: _e, ...body } = prefs;
    body.alarm_sound = muted;  // flip
    const saved = await api('PUT', '/api/v1/me/notification-preferences', body);
    muted = !saved.alarm_sound;
    inbox.dataset.alarm = muted ? 'off' : 'on';
    showToggle();
  });
  showToggle();
  new MutationObserver(judge).observe(inbox.querySelector('tbody'), {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-severity'],
  });
  judge();
}
