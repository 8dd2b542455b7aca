"""The inbox alarm in a real browser: a critical SOS flashes and counts in the title until acknowledged."""

from __future__ import annotations

import httpx
import pytest

from tests.web.test_browser import Tab, _create, api, browser, tab

pytestmark = pytest.mark.browser
__all__ = ["api", "browser", "tab"]  # fixtures used by name


def test_critical_sos_rings_until_acknowledged_and_mute_is_saved(tab: Tab, api: httpx.Client) -> None:
    tab.login("/alerts")
    page = tab.page
    page.wait_for_selector("#live-status:text('live')")
    assert page.evaluate("document.body.dataset.alarm") == "quiet"
    alert = _create(api, "alerts", kind="sos", lat=24.861, lon=67.0011, for_self=True)
    row = page.locator(f"tr[data-alert-id='{alert['id']}']")
    row.wait_for()
    page.wait_for_function("document.body.dataset.alarm === 'ringing'")
    assert "alarm" in (row.get_attribute("class") or "")
    assert page.title().startswith("(1) SOS")
    page.click("[data-testid=alarm-toggle]")
    page.wait_for_selector("[data-testid=alarm-toggle][aria-pressed=false]")
    assert api.get("/api/v1/me/notification-preferences").json()["alarm_sound"] is False
    r = api.post(f"/api/v1/alerts/{alert['id']}/actions/acknowledge", json={})
    assert r.status_code == 200, r.text
    page.wait_for_function("document.body.dataset.alarm === 'quiet'")
    assert "alarm" not in (row.get_attribute("class") or "")
    assert not page.title().startswith("(")
