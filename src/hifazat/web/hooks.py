"""Extension points of the dashboard for other domains (append at import time of your web module).

MAP_SCRIPTS: ES-module URLs loaded on the dashboard map page after the map exists, e.g. a tracking layer:
    from hifazat.web.hooks import MAP_SCRIPTS
    MAP_SCRIPTS.append("/static/js/live-devices.js")
  Inside, use window.hifazatMap.addLayer(name, layer) (see /static/js/map.js).
MAP_STYLES: stylesheet URLs added to the map page's <head>.
"""

from __future__ import annotations

MAP_SCRIPTS: list[str] = []
MAP_STYLES: list[str] = []


def add_map_script(url: str) -> None:
    if url not in MAP_SCRIPTS:
        MAP_SCRIPTS.append(url)


def add_map_style(url: str) -> None:
    if url not in MAP_STYLES:
        MAP_STYLES.append(url)
