"""What other domains add to the dashboard's map page ("/"), as contributions in their `Domain`.

MAP_SCRIPTS: ES-module URLs loaded after the map exists (inside, `window.hifazatMap.addLayer(name, layer)`,
see /static/js/map.js); MAP_STYLES: stylesheet URLs for the page's <head>. Each URL is loaded once.
"""

from __future__ import annotations

from hifazat.platform.composition import ExtensionPoint, current

MAP_SCRIPTS: ExtensionPoint[str] = ExtensionPoint("web.map_scripts")
MAP_STYLES: ExtensionPoint[str] = ExtensionPoint("web.map_styles")


def scripts() -> list[str]:
    return list(dict.fromkeys(current().get(MAP_SCRIPTS)))


def styles() -> list[str]:
    return list(dict.fromkeys(current().get(MAP_STYLES)))
