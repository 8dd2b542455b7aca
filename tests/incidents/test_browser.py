"""The report form on a phone-sized screen in a real browser (chromium via Playwright, as tests/web): file
an incident with a person involved, land on its page, verify it with its button, add a note."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.test_browser import Tab, api, browser, tab  # noqa: F401  (the browser fixtures, reused)

pytestmark = pytest.mark.browser


def test_file_and_verify_on_a_phone(tab: Tab) -> None:  # noqa: F811
    page: Any = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    tab.login("/incidents/new")
    page.select_option("#i-type", "threat_or_intimidation")
    page.fill("#i-summary", "Threatening call to the site office")
    page.fill("#i-lat", "24.8607")
    page.fill("#i-lon", "67.0011")
    page.click("#add-involved")
    row = page.locator(".involved-row").first
    row.locator("select[name=role]").select_option("witness")
    row.locator("input[name=name]").fill("Office clerk")
    row.locator("input[name=nationality]").fill("PK")
    page.fill("#i-occurred", "2099-01-01T10:00")  # in the future: refused beside its field
    page.click("#incident-form button[type=submit]")
    page.locator('[data-error-for="occurred_at"]', has_text="future").wait_for()
    page.fill("#i-occurred", "")
    page.click("#incident-form button[type=submit]")
    page.wait_for_url(re.compile(r"/incidents/[0-9a-f-]{36}$"))
    assert page.inner_text('[data-testid="incident-status"]') == "reported"
    assert "Office clerk" in page.inner_text('[data-testid="involved"]')
    page.click('button[data-action="verify"]')
    page.locator('[data-testid="incident-status"]', has_text="verified").wait_for()
    page.fill("#note-text", "Caller traced by the police")
    page.click("#incident-note button[type=submit]")
    page.locator('[data-testid="timeline"] li', has_text="traced").wait_for()
    # The list shows it, with the map.
    page.goto(tab.base + "/incidents")
    assert "Threatening call to the site office" in page.inner_text('[data-testid="incident-list"]')
    page.locator("#incident-map .leaflet-interactive").first.wait_for()


def test_pages_follow_the_stream(tab: Tab, api: Any) -> None:  # noqa: F811
    """Another officer's move shows on an open incident page; a new report is announced on the list."""
    body = {"type": "crime", "summary": "Laptop stolen from the site office", "lat": 24.86, "lon": 67.0}
    made = api.post("/api/v1/incidents", json=body)
    assert made.status_code == 201, made.text
    iid = made.json()["id"]
    tab.login(f"/incidents/{iid}")
    page: Any = tab.page
    page.locator('html[data-incident-stream="open"]').wait_for(state="attached")
    assert api.post(f"/api/v1/incidents/{iid}/actions/verify", json={}).status_code == 200
    page.locator('[data-testid="incident-status"]', has_text="verified").wait_for()
    page.goto(tab.base + "/incidents")
    page.locator('html[data-incident-stream="open"]').wait_for(state="attached")
    assert page.locator('[data-testid="incident-news"]').is_hidden()
    assert api.post("/api/v1/incidents", json={**body, "summary": "Second theft"}).status_code == 201
    page.locator('[data-testid="incident-news"]').wait_for()
