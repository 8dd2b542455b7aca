"""/notifications in a real browser: live notifications arrive; the preferences form saves, shows errors."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from hifazat.auth.models import User
from hifazat.config import Settings
from hifazat.notify import service
from hifazat.notify.schemas import Recipient
from hifazat.platform.db import unit_of_work
from tests.conftest import ADMIN_PASSWORD
from tests.web.test_browser import Tab
from tests.web.test_browser import browser as browser  # module-scoped chromium
from tests.web.test_browser import tab as tab  # page on the live server, fails on JS errors / CSP

pytestmark = pytest.mark.browser


def test_notifications_page_live_and_preferences(notify_env: Settings, tab: Tab) -> None:
    tab.login("/notifications")
    page = tab.page
    page.wait_for_selector("#live-status:has-text('live')")
    with unit_of_work() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        service.enqueue(
            s,
            ref_kind="alert",
            ref_id="b1",
            topic="alert",
            payload={
                "id": "b1",
                "agency_id": admin.agency_id,
                "severity": "critical",
                "title": "SOS at Clifton",
            },
            recipients=[Recipient(user_id=admin.id)],
            reason="raised",
        )
    page.wait_for_selector("[data-testid=live-notifications] li:has-text('SOS at Clifton')")

    page.fill("#quiet-start", "25:00")
    page.fill("#quiet-end", "06:00")
    page.click("#prefs-form button[type=submit]")
    page.wait_for_selector("[data-error-for=quiet_hours]:has-text('HH:MM')")
    page.fill("#quiet-start", "22:00")
    page.fill("#pref-email", "night@moi.example")
    page.uncheck("input[name=channel-email-enabled]")
    page.click("#prefs-form button[type=submit]")
    page.wait_for_selector("#prefs-saved:visible")

    r = httpx.post(f"{tab.base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    prefs = httpx.get(f"{tab.base}/api/v1/me/notification-preferences", headers=h).json()
    assert prefs["email"] == "night@moi.example"
    assert prefs["quiet_hours"] == {"start": "22:00", "end": "06:00", "timezone": "Asia/Karachi"}
    assert prefs["channels"]["email"]["enabled"] is False
