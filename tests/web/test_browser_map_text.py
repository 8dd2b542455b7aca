"""Issue 18.8 on the live map: a hostile device, site and zone name is shown as text in its popup and
tooltip, never parsed as markup (the alert map's tooltips are in test_browser.py)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.web import test_browser as shared
from tests.web.test_browser import HOSTILE, Tab, _create

browser, tab, api = shared.browser, shared.tab, shared.api  # the same fixtures, used in this module

pytestmark = pytest.mark.browser

WHERE = (26.5, 64.5)  # far from anything else drawn: the live map fits its one device


def test_hostile_device_site_and_zone_names_are_text_on_the_live_map(tab: Tab, api: httpx.Client) -> None:
    lat, lon = WHERE
    device = _create(api, "devices", kind="phone", name=HOSTILE)
    now_ms = int(time.time() * 1000) - 5000
    r = api.post(
        "/api/v1/positions", json=[{"device": device["identifier"], "lat": lat, "lon": lon, "at": now_ms}]
    )
    assert r.status_code == 200, r.text
    site = {"type": "Point", "coordinates": [lon + 0.004, lat]}
    _create(api, "sites", name=HOSTILE, kind="residence", province="PK-BA", geometry=site, radius_m=60)
    zone = {"type": "Point", "coordinates": [lon - 0.004, lat]}
    _create(api, "zones", name=HOSTILE, kind="red_zone", province="PK-BA", geometry=zone, radius_m=80)
    dialogs: list[str] = []
    page = tab.page
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.login("/live")
    page.wait_for_selector("#map[data-sites]")
    assert page.get_attribute("#map", "data-markers") == "1"

    page.locator("#map path.leaflet-interactive[stroke='#fff'][stroke-width='2']").click(force=True)
    popup = page.locator("#map .leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("strong").inner_text() == HOSTILE  # the device's name, as text
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")

    page.locator("#map path.leaflet-interactive[stroke='#fff'][stroke-width='1.5']").click(force=True)
    popup.wait_for()
    assert HOSTILE in popup.inner_text()  # the site's name, as text

    page.locator("#map path.leaflet-interactive[stroke-dasharray]").last.hover(force=True)
    tooltip = page.locator("#map .leaflet-tooltip", has_text="red zone")
    tooltip.wait_for()
    assert tooltip.inner_text() == f"{HOSTILE} · red zone"

    assert page.locator("#map img[src=x], #map .leaflet-popup img, #map .leaflet-tooltip img").count() == 0
    assert dialogs == []
