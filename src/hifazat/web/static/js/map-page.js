// The dashboard map: outline, sites coloured by kind, legend; published as window.hifazatMap.
import { SITE_COLOURS, createMap, loadOutline, loadSites, publish } from './map.js';

const el = document.getElementById('map');
const status = document.getElementById('map-status');
const tileStatus = document.getElementById('tile-status');
const handle = createMap(el, { tileUrl: el.dataset.tileUrl, attribution: el.dataset.tileAttribution });
if (!el.dataset.tileUrl) {
  tileStatus.textContent = 'Base map only: no tile server is configured.';
  tileStatus.classList.add('base-only');
}
el.addEventListener('hifazat:tiles', (e) => {
  if (!e.detail.ok) {
    tileStatus.textContent = 'Map tiles unavailable: showing the built-in outline.';
    tileStatus.classList.add('offline');
  }
});
publish(handle);

for (const li of document.querySelectorAll('#site-legend li')) {
  li.querySelector('.swatch').style.background = SITE_COLOURS[li.dataset.kind] || '#444';
}

try {
  await loadOutline(handle);
  const sites = await loadSites(handle);
  const counts = {};
  for (const s of sites) counts[s.kind] = (counts[s.kind] || 0) + 1;
  for (const li of document.querySelectorAll('#site-legend li')) {
    li.querySelector('.count').textContent = `(${counts[li.dataset.kind] || 0})`;
  }
  status.textContent = `${sites.length} sites visible to you.`;
  el.dataset.ready = 'true';
} catch (err) {
  status.textContent = `Could not load the map data: ${err.message}`;
  status.classList.add('offline');
}
