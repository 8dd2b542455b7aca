"""The dashboard in a real browser (Debian chromium via Playwright) against a real uvicorn server.

Every request that leaves 127.0.0.1 is aborted, as on a machine without internet: tiles never load, so
the map must still draw the shipped outline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Tab:
    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.csp_violations: list[str] = []
        self.js_errors: list[str] = []
        page.on("pageerror", lambda e: self.js_errors.append(str(e)))
        page.on(
            "console",
            lambda m: self.csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.set_default_timeout(TIMEOUT_MS)

    def login(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_url(re.compile(r"/login\?next="))
        self.page.fill("#username", "admin")
        self.page.fill("#password", ADMIN_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.base + path)


@pytest.fixture
def tab(browser: Any, live_server: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route(lambda url: not url.startswith(live_server), lambda route: route.abort())
    t = Tab(context.new_page(), live_server)
    yield t
    context.close()
    assert t.js_errors == []
    assert t.csp_violations == []


@pytest.fixture
def api(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=10) as c:
        r = c.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield c


def _create(api: httpx.Client, entity: str, /, **body: Any) -> dict[str, Any]:
    r = api.post(f"/api/v1/{entity}", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_login_then_map_draws_outline_and_sites_without_tiles(tab: Tab, api: httpx.Client) -> None:
    square = [[67.0, 24.85], [67.01, 24.85], [67.01, 24.86], [67.0, 24.86], [67.0, 24.85]]
    _create(
        api,
        "sites",
        name="Port camp",
        kind="residence",
        province="PK-SD",
        geometry={"type": "Polygon", "coordinates": [square]},
    )
    _create(
        api,
        "sites",
        name="Dasu dam",
        kind="project_site",
        province="PK-KP",
        geometry={"type": "Point", "coordinates": [73.29, 35.29]},
        radius_m=800,
    )
    page = tab.page
    page.goto(tab.base + "/")
    page.wait_for_url(re.compile(r"/login\?next=%2F$"))
    page.fill("#username", "admin")
    page.fill("#password", "wrong-password-here")
    page.click("button[type=submit]")
    page.wait_for_selector(".form-error:has-text('wrong user name or password')")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(tab.base + "/")
    page.wait_for_selector("#map[data-ready=true]")
    # Country outline + 7 provinces + 2 site shapes + 2 site dots, all SVG paths in the overlay pane.
    assert page.locator(".leaflet-overlay-pane svg path").count() >= 12
    assert page.locator(".province-label", has_text="Sindh").count() == 1
    page.wait_for_selector("#tile-status.base-only")  # no tile server configured: none is asked
    assert "Base map only" in page.inner_text("#tile-status")
    assert page.inner_text("#map-status") == "2 sites visible to you."
    assert "(1)" in page.inner_text("#site-legend li[data-kind=residence]")
    assert page.inner_text("header .who .user") == "admin"
    # Hook for live layers: another script can add to the same map.
    page.evaluate("window.hifazatMap.addLayer('Devices', L.layerGroup([L.marker([24.86, 67.01])]))")
    assert page.locator(".leaflet-marker-pane img").count() == 1
    assert "Devices" in (page.text_content(".leaflet-control-layers") or "")


def test_edit_person_and_see_validation_error_next_to_field(tab: Tab, api: httpx.Client) -> None:
    person = _create(api, "persons", given_name="Wei", family_name="Zhang", nationality="CN")
    tab.login("/persons")
    page = tab.page
    page.click(f"a[href='/persons/{person['id']}']")
    page.wait_for_selector("form[data-ready=true]")
    page.fill("#f-phone", "+92 300 5550101")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector(".notice.ok:has-text('Saved.')")
    assert page.inner_text("dd[data-field=phone]").strip() == "+92 300 5550101"

    page.wait_for_selector("form[data-ready=true]")
    page.fill("#f-nationality", "China")
    page.fill("#f-phone", "+92 300 5550202")
    page.click("button:has-text('Save changes')")
    error = page.locator("form [data-field=nationality] .field-error")
    page.wait_for_selector("form [data-field=nationality] .field-error:not(:empty)")
    assert "ISO 3166-1" in error.inner_text()
    assert "invalid" in (page.get_attribute("form [data-field=nationality]", "class") or "")
    assert page.inner_text("form [data-field=phone] .field-error") == ""
    # The rejected request changed nothing.
    now = api.get(f"/api/v1/persons/{person['id']}").json()
    assert now["nationality"] == "CN"
    assert now["phone"] == "+92 300 5550101"


def test_create_site_by_drawing_on_the_map(tab: Tab, api: httpx.Client) -> None:
    tab.login("/sites/new")
    page = tab.page
    page.wait_for_selector("form[data-ready=true]")
    page.fill("#f-name", "Drawn compound")
    page.select_option("#f-kind", "office")  # no province: it comes from the drawn shape (18.6)
    page.click("button:has-text('Register site')")
    slot = page.locator("[data-field=geometry] .field-error")
    page.wait_for_selector("form [data-field=geometry] .field-error:not(:empty)")
    assert "geometry" in slot.inner_text().lower() or "required" in slot.inner_text().lower()

    box = page.locator(".shape-map").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (60, 40), (-60, 40)):
        page.mouse.click(cx + dx, cy + dy)
    assert "4 corner(s)" in page.inner_text(".shape-status")
    page.click("button:has-text('Register site')")
    page.wait_for_url(re.compile(r"/sites/[0-9a-f-]{36}\?saved=1$"))
    site_id = page.url.split("/sites/")[1].split("?")[0]
    site = api.get(f"/api/v1/sites/{site_id}").json()
    assert site["name"] == "Drawn compound"
    assert site["kind"] == "office"
    assert site["province"].startswith("PK-"), site  # where the shape was drawn
    assert site["district"], site
    ring = site["geometry"]["coordinates"][0]
    assert site["geometry"]["type"] == "Polygon"
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    page.wait_for_selector("form[data-ready=true]")
    assert page.locator(".shape-map svg path").count() >= 1  # the edit form draws the saved shape

    # Redraw it as a circle: centre click + radius, sent as a PATCH.
    page.check("input[name=shape-mode][value=circle]")
    box = page.locator(".shape-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.fill(".shape-radius", "250")
    # Wait for the PATCH itself: the "Saved." notice of the create redirect may still be on the page.
    with page.expect_response(
        lambda r: r.request.method == "PATCH" and f"/api/v1/sites/{site_id}" in r.url
    ) as rp:
        page.click("button:has-text('Save changes')")
    assert rp.value.status == 200
    site = api.get(f"/api/v1/sites/{site_id}").json()
    assert site["geometry"]["type"] == "Point"
    assert site["radius_m"] == 250


HOSTILE = "<img src=x onerror=alert(1)>"


def test_hostile_call_sign_and_name_are_text_in_the_alert_map(tab: Tab, api: httpx.Client) -> None:
    base = _create(
        api,
        "sites",
        name="Saddar Base",
        kind="base",
        province="PK-SD",
        geometry={"type": "Point", "coordinates": [67.01, 24.87]},
        radius_m=100,
    )
    _create(api, "units", call_sign=HOSTILE, kind="quick_reaction", base_site_id=base["id"])
    person = _create(api, "persons", given_name=HOSTILE, family_name="Wei", nationality="CN")
    alert = _create(api, "alerts", kind="sos", lat=24.861, lon=67.0011, person_id=person["id"])
    dialogs: list[str] = []
    page = tab.page
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.login(f"/alerts/{alert['id']}")
    unit_mark = page.locator("#alert-map path.leaflet-interactive[stroke='#2f7d32']")
    unit_mark.first.wait_for()
    unit_mark.first.hover(force=True)
    tooltip = page.locator("#alert-map .leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == HOSTILE
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("#alert-map .leaflet-tooltip img").count() == 0
    assert dialogs == []


def test_an_osmand_sos_arrives_in_the_inbox_marked_unauthenticated(tab: Tab, api: httpx.Client) -> None:
    """The inbox row the live stream adds carries the badge, as the server-rendered one does."""
    import time

    tab.login("/alerts")
    tab.page.locator("#live-status").filter(has_text=re.compile("^live$")).wait_for()
    device = _create(api, "devices", kind="phone", name="Gate beacon")
    ts = int(time.time()) - 5
    r = api.get(f"/ingest/osmand?id={device['identifier']}&lat=24.861&lon=67.0011&timestamp={ts}&alarm=sos")
    assert r.status_code == 200, r.text
    badge = tab.page.locator("#alert-inbox tr.fresh [data-testid=unauthenticated]")
    badge.wait_for()
    assert badge.inner_text() == "unauthenticated device report"
    assert device["identifier"] not in tab.page.locator("#alert-inbox").inner_text()


def test_api_docs_render_offline(tab: Tab) -> None:
    page = tab.page
    page.goto(tab.base + "/docs")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Hifazat')")
    page.wait_for_selector(".opblock-tag:has-text('alerts')")
    page.goto(tab.base + "/redoc")
    page.wait_for_selector("redoc h1:has-text('Hifazat')", timeout=TIMEOUT_MS * 2)
    # ReDoc's bundle links its "powered by" logo from its CDN; the CSP blocks it (nothing leaves the
    # server), which is the one refusal expected here.
    tab.csp_violations[:] = [v for v in tab.csp_violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v]


def test_live_map_shows_base_map_sites_and_zones_offline(tab: Tab, api: httpx.Client) -> None:
    _create(
        api,
        "sites",
        name="Dasu camp",
        kind="residence",
        province="PK-KP",
        geometry={"type": "Point", "coordinates": [73.29, 35.29]},
        radius_m=300,
    )
    _create(
        api,
        "zones",
        name="KKH corridor",
        kind="corridor",
        province="PK-KP",
        geometry={"type": "LineString", "coordinates": [[72.88, 34.93], [73.29, 35.29]]},
        width_m=500,
    )
    tab.login("/live")
    page = tab.page
    page.wait_for_selector("#map[data-sites]")
    assert int(page.get_attribute("#map", "data-sites") or 0) >= 1
    assert int(page.get_attribute("#map", "data-zones") or 0) >= 1
    control = page.text_content(".leaflet-control-layers") or ""
    for name in ("Provinces", "Districts", "Roads", "Cities", "Sites", "Zones", "Corridors"):
        assert name in control, name
    assert page.locator(".city-label", has_text="Karachi").count() == 1
    # The site's circle and dot, the corridor, the districts and roads: all drawn without a tile.
    assert page.locator(".leaflet-overlay-pane svg path").count() > 170


def test_draw_a_corridor_zone_on_the_map(tab: Tab, api: httpx.Client) -> None:
    tab.login("/zones/new")
    page = tab.page
    page.wait_for_selector("form[data-ready=true]")
    page.fill("#f-name", "Airport road")
    page.select_option("#f-kind", "corridor")
    page.check("input[name=shape-mode][value=line]")
    box = page.locator(".shape-map").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(cx - 80, cy + 30)
    assert "1 point(s): click at least 2" in page.inner_text(".shape-status")
    page.click("button:has-text('Register zone')")
    page.wait_for_selector("form [data-field=geometry] .field-error:not(:empty)")  # one point is no line

    box = page.locator(".shape-map").bounding_box()  # the error may have scrolled the page
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((0, 0), (80, -30)):
        page.mouse.click(cx + dx, cy + dy)
    assert "3 point(s)" in page.inner_text(".shape-status")
    page.fill(".shape-width", "350")
    page.click("button:has-text('Register zone')")
    page.wait_for_url(re.compile(r"/zones/[0-9a-f-]{36}\?saved=1$"))
    zone_id = page.url.split("/zones/")[1].split("?")[0]
    zone = api.get(f"/api/v1/zones/{zone_id}").json()
    assert (zone["name"], zone["kind"]) == ("Airport road", "corridor")
    assert zone["geometry"]["type"] == "LineString"
    assert len(zone["geometry"]["coordinates"]) == 3
    assert zone["width_m"] == 350
    page.wait_for_selector("form[data-ready=true]")
    assert page.is_checked("input[name=shape-mode][value=line]")  # the edit form starts from the line
    assert page.locator(".shape-map svg path").count() >= 1
