"""The inbox's SOS and alert forms and the escalation-policy editor in a real browser, offline (the tab
aborts every request that leaves 127.0.0.1; no tile server is configured): positions picked from a device
or on the map, policy levels picked by name."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tests.web import test_browser as shared
from tests.web.test_browser import Tab, _create

# The browser, the offline tab and the API client of test_browser.py, as this module's fixtures.
browser, tab, api = shared.browser, shared.tab, shared.api

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"


def _assert_map_on(page: Any, lat: float, lon: float) -> None:
    """The alert page's map opened at street level, centred on the alert."""
    page.wait_for_selector("#alert-map[data-ready=true]")
    view = page.evaluate(
        "(() => { const m = document.getElementById('alert-map').leafletMap;"
        " const c = m.getCenter(); return [m.getZoom(), c.lat, c.lng]; })()"
    )
    assert view[0] >= 13, view
    assert abs(view[1] - lat) < 0.005, view
    assert abs(view[2] - lon) < 0.005, view


def test_sos_from_a_device_takes_its_last_position_and_shows_its_age(tab: Tab, api: httpx.Client) -> None:
    device = _create(api, "devices", kind="phone", name="Guard phone")
    r = api.get(
        f"/ingest/osmand?id={device['identifier']}&lat=24.8607&lon=67.0011&timestamp={int(time.time()) - 300}"
    )
    assert r.status_code == 200, r.text
    tab.login("/alerts")
    page = tab.page
    option = page.locator(f"#sos-subject option[value='device:{device['id']}']")
    assert "Guard phone" in option.inner_text()
    assert "last fix 5 min ago" in option.inner_text()
    assert device["identifier"] not in page.locator("#sos-subject").inner_text()  # a credential
    page.select_option("#sos-subject", f"device:{device['id']}")
    # Nothing typed: the position is left to the server.
    assert page.is_checked("#sos-form input[name=position][value=subject]")
    assert page.locator("#sos-form .pick-coords").is_hidden()
    page.click("[data-testid=sos-button]")
    page.wait_for_url(re.compile(rf"/alerts/{UUID}\?raised=1$"))
    alert_id = page.url.split("/alerts/")[1].split("?")[0]
    position = page.inner_text("[data-testid=alert-position]")
    assert "24.86070, 67.00110" in position
    assert re.search(r"last known, 5 min old", position), position
    assert page.get_attribute("[data-testid=alert-province]", "data-code") == "PK-SD"
    raised = page.inner_text("[data-testid=raised]")
    assert "Sindh" in raised
    assert "from the last known position (5 min old)" in raised
    _assert_map_on(page, 24.8607, 67.0011)
    got = api.get(f"/api/v1/alerts/{alert_id}").json()
    assert (got["lat"], got["lon"], got["device_id"]) == (24.8607, 67.0011, device["id"])
    assert 295 <= got["position_age_s"] <= 330


def test_sos_with_nothing_known_is_raised_with_position_unknown(tab: Tab) -> None:
    tab.login("/alerts")
    page = tab.page
    page.select_option("#sos-subject", "self")
    page.click("[data-testid=sos-button]")
    page.wait_for_url(re.compile(rf"/alerts/{UUID}\?raised=1$"))
    assert "Position unknown" in page.inner_text("[data-testid=raised]")
    assert page.inner_text("[data-testid=alert-position]").startswith("unknown")


def test_alert_placed_by_clicking_the_map_in_karachi_is_in_sindh(tab: Tab, api: httpx.Client) -> None:
    tab.login("/alerts")
    page = tab.page
    page.select_option("#m-kind", "attack")
    page.check("#manual-form input[name=position][value=map]")
    page.wait_for_selector("#manual-form .pick-map[data-ready=true]")
    # Zoom in as an operator would (scroll); then one click where it happens: Gulshan-e-Iqbal, Karachi.
    page.evaluate(
        "document.querySelector('#manual-form .pick-map').leafletMap"
        ".setView([24.92, 67.09], 12, {animate: false})"
    )
    pick = page.locator("#manual-form .pick-map")
    pick.scroll_into_view_if_needed()
    box = pick.bounding_box()
    assert box is not None
    pick.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    lat, lon = float(page.input_value("#m-lat")), float(page.input_value("#m-lon"))
    assert abs(lat - 24.92) < 0.01, lat
    assert abs(lon - 67.09) < 0.01, lon
    assert page.locator("#manual-form .pick-map path[stroke='#c62828']").count() == 1  # the marker
    page.click("#manual-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/alerts/{UUID}\?raised=1$"))
    alert_id = page.url.split("/alerts/")[1].split("?")[0]
    assert page.get_attribute("[data-testid=alert-province]", "data-code") == "PK-SD"
    got = api.get(f"/api/v1/alerts/{alert_id}").json()
    assert got["province"] == "PK-SD"
    assert got["district"]
    assert got["district"] in page.inner_text("[data-testid=alert-district]")
    assert got["district"] in page.inner_text("[data-testid=raised]")
    _assert_map_on(page, got["lat"], got["lon"])  # the alert's map opens on the alert, not the country


def test_map_mode_without_a_click_is_refused_next_to_the_position(tab: Tab) -> None:
    tab.login("/alerts")
    page = tab.page
    page.check("#manual-form input[name=position][value=map]")
    page.click("#manual-form button[type=submit]")
    slot = page.locator("#manual-form [data-position-picker] .field-error")
    page.wait_for_selector("#manual-form [data-position-picker] .field-error:not(:empty)")
    assert "click the map" in slot.inner_text()
    assert page.url.endswith("/alerts")


def test_escalation_editor_saves_levels_picked_by_names(tab: Tab, api: httpx.Client) -> None:
    police = _create(
        api,
        "agencies",
        name="Sindh Police",
        short_name="SPU",
        kind="provincial_police",
        jurisdiction=["PK-SD"],
    )
    me = api.get("/api/v1/me").json()
    me_label = f"{me['full_name']} (admin)" if me.get("full_name") else "admin"
    tab.login("/alerts/policies")
    page = tab.page
    page.wait_for_selector("#policy-form[data-ready=true]")
    assert "AGENCY-ID" not in page.content()
    assert "agency:" not in page.inner_text("#policy-form")
    page.fill("#p-name", "Karachi SOS")
    first = page.locator("#level-list [data-level]").nth(0)
    first.locator("[name=delay]").fill("2")
    first.locator("[name=role]").select_option(label="operators")
    first.locator("[name=role-agency]").select_option(label="Sindh Police (SPU)")
    first.locator("[data-add-target]").click()
    first.locator("[name=target-kind]").select_option("user")
    first.locator("[name=user]").select_option(label=me_label)
    first.locator("[data-add-target]").click()
    targets = first.locator(".target").all_inner_texts()
    assert targets == ["operators of SPU remove", f"user {me_label} remove"]

    page.click("#add-level")
    second = page.locator("#level-list [data-level]").nth(1)
    page.click("#policy-save")  # the new level has no target yet: said next to it, nothing sent
    slot = second.locator("[data-error-slot=targets]")
    slot.wait_for()
    page.wait_for_selector("#level-list [data-level]:nth-child(2) [data-error-slot=targets]:not(:empty)")
    assert "at least one target" in slot.inner_text()
    assert api.get("/api/v1/escalation-policies").json()["items"] == []

    second.locator("[name=delay]").fill("30")
    second.locator("[name=delay-unit]").select_option(label="seconds")
    second.locator("[name=target-kind]").select_option("agency")
    second.locator("[name=agency]").select_option(label="Sindh Police (SPU)")
    second.locator("[data-add-target]").click()
    page.click("#policy-save")
    page.wait_for_url(re.compile(r"/alerts/policies\?saved=1$"))
    (policy,) = api.get("/api/v1/escalation-policies").json()["items"]
    assert policy["name"] == "Karachi SOS"
    assert policy["levels"] == [
        {
            "timeout_s": 120,
            "targets": [
                {"kind": "role", "role": "operator", "agency_id": police["id"]},
                {"kind": "user", "id": me["id"]},
            ],
        },
        {"timeout_s": 30, "targets": [{"kind": "agency", "id": police["id"]}]},
    ]
    row = page.inner_text(f"tr[data-policy-id='{policy['id']}']")
    assert "2 min: Agency: Sindh Police / role: operator; user: Administrator" in row  # names (17.6)
    assert "30 s: Agency: Sindh Police" in row
    assert police["id"] not in row

    # Edit: the saved levels come back into the pickers; a level removed is saved as a PATCH.
    page.click(f"[data-edit-policy='{policy['id']}']")
    assert page.locator("#level-list [data-level]").count() == 2
    page.locator("#level-list [data-level]").nth(1).locator("[data-remove-level]").click()
    with page.expect_response(lambda r: r.request.method == "PATCH") as rp:
        page.click("#policy-save")
    assert rp.value.status == 200, rp.value.text()
    assert len(api.get(f"/api/v1/escalation-policies/{policy['id']}").json()["levels"]) == 1


def test_the_server_s_refusal_of_a_target_is_shown_at_its_level(tab: Tab, api: httpx.Client) -> None:
    """A unit retired while the editor was open: the server names levels.0.targets.0.id, the page says it
    next to that level's targets."""
    base = _create(
        api,
        "sites",
        name="Clifton base",
        kind="base",
        province="PK-SD",
        geometry={"type": "Point", "coordinates": [67.03, 24.81]},
        radius_m=100,
    )
    unit = _create(api, "units", call_sign="QRF-9", kind="quick_reaction", base_site_id=base["id"])
    tab.login("/alerts/policies")
    page = tab.page
    page.wait_for_selector("#policy-form[data-ready=true]")
    assert api.delete(f"/api/v1/units/{unit['id']}").status_code == 204
    page.fill("#p-name", "Clifton")
    level = page.locator("#level-list [data-level]").nth(0)
    level.locator("[name=target-kind]").select_option("unit")
    name = level.locator("[name=unit] option", has_text="QRF-9").inner_text()  # "QRF-9 (its agency)"
    level.locator("[name=unit]").select_option(label=name)
    level.locator("[data-add-target]").click()
    with page.expect_response(lambda r: r.request.method == "POST" and "escalation-policies" in r.url) as rp:
        page.click("#policy-save")
    assert rp.value.status == 422
    page.wait_for_selector("#level-list [data-level] [data-error-slot=targets]:not(:empty)")
    assert "no such unit" in level.locator("[data-error-slot=targets]").inner_text()
    assert page.inner_text("#policy-form .form-error") == ""
