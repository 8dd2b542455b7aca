"""Issue 17 in a real browser, with the demo logins: Sindh Police acts on another agency's Karachi SOS
through the alert page, and the embassy liaison sees its national's SOS as a summary and nothing else.

The demo scenario is loaded into the live server's database as `hifazat demo --load-only` does; the
alerts are raised through the API by the project company (the alerts' owner)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.demo.conftest import DEMO_PASSWORD
from tests.web.test_browser import ARGS, CHROMIUM, Tab

pytestmark = pytest.mark.browser

CLIFTON = (24.8155, 67.0280)  # the Clifton guest house, Karachi South (PK-SD)
SPU_UNITS = {"SPU-ESC-1", "SPU-QRF-1"}  # Sindh SPU's available units in the demo
OTHERS_UNIT = "SHIELD-PQ-B"  # Shield's off-duty team at Port Qasim, made available below


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def demo_server(live_server: str) -> str:
    from hifazat.demo import scenario
    from hifazat.platform.db import unit_of_work

    with unit_of_work() as session:
        scenario.load(session, password=DEMO_PASSWORD)
    return live_server


@pytest.fixture
def as_user(browser: Any, demo_server: str) -> Iterator[Any]:
    """Open a tab signed in (through the login page) as a demo user; every tab is checked for script
    errors and CSP refusals when the test ends."""
    contexts: list[tuple[Any, Tab]] = []

    def open_as(username: str, path: str) -> Tab:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route(lambda url: not url.startswith(demo_server), lambda route: route.abort())
        tab = Tab(context.new_page(), demo_server)
        contexts.append((context, tab))
        tab.page.goto(demo_server + path)
        tab.page.wait_for_url(re.compile(r"/login\?next="))
        tab.page.fill("#username", username)
        tab.page.fill("#password", DEMO_PASSWORD)
        tab.page.click("button[type=submit]")
        tab.page.wait_for_url(demo_server + path)
        return tab

    yield open_as
    for context, tab in contexts:
        context.close()
        assert tab.js_errors == []
        assert tab.csp_violations == []


@contextmanager
def _api(base: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=10) as c:
        r = c.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield c


def _person(api: httpx.Client, given: str, family: str) -> str:
    found = api.get("/api/v1/persons", params={"q": family, "limit": 100}).json()["items"]
    [person] = [p["id"] for p in found if p["given_name"] == given]
    return str(person)


def _sos(api: httpx.Client, person_id: str) -> dict[str, Any]:
    body = {"kind": "sos", "lat": CLIFTON[0], "lon": CLIFTON[1], "person_id": person_id}
    r = api.post("/api/v1/alerts", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_sindh_police_acknowledges_and_dispatches_its_unit_to_the_companys_karachi_sos(
    as_user: Any, demo_server: str
) -> None:
    with _api(demo_server, "company.security") as owner, _api(demo_server, "shield.manager") as shield:
        alert = _sos(owner, _person(owner, "Yuting", "Huang"))
        [team] = [u for u in shield.get("/api/v1/units").json()["items"] if u["call_sign"] == OTHERS_UNIT]
        r = shield.patch(f"/api/v1/units/{team['id']}", json={"status": "available"})
        assert r.status_code == 200, r.text
    assert alert["province"] == "PK-SD"  # placed from its coordinates
    with _api(demo_server, "sindh.spu") as spu:
        # Sindh Police sees Shield's free team in Karachi, but it is not Sindh Police's to send.
        assert spu.get(f"/api/v1/units/{team['id']}").status_code == 200

    tab = as_user("sindh.spu", f"/alerts/{alert['id']}")
    page = tab.page
    assert page.inner_text("[data-testid=alert-status]") == "new"
    assert page.locator("#alert-actions [data-action]").all_inner_texts() == ["Acknowledge"]
    offered = set(page.locator("[data-testid=recommendations] tbody td:first-child").all_inner_texts())
    assert offered, "its own free units are offered"
    assert offered <= SPU_UNITS, offered
    assert OTHERS_UNIT not in page.inner_text("#alert-page ~ .cols")
    page.wait_for_selector("#live-status:text('live')")

    page.click("#alert-actions [data-action=acknowledge]")
    page.wait_for_selector("[data-testid=alert-status]:text-is('acknowledged')")
    assert page.locator("#alert-actions [data-action]").count() == 0
    unit = "SPU-QRF-1"
    row = page.locator("[data-testid=recommendations] tbody tr", has_text=unit)
    row.locator("button:text('Dispatch')").click()
    page.wait_for_selector("[data-testid=alert-status]:text-is('responding')")

    assigned = page.locator("[data-testid=assignments] tbody tr", has_text=unit)
    assert "en route" in assigned.inner_text()
    assert assigned.locator("button[data-unit-status]").count() >= 1  # its own unit: it may move it
    timeline = page.locator("[data-testid=timeline] li").all_inner_texts()
    # By its login or, once timelines name people, by its name.
    by_spu = [line for line in timeline if "sindh.spu" in line or "Sindh SPU Control Room Officer" in line]
    assert any(re.search("acknowledg", line, re.I) for line in by_spu), timeline
    assert any(re.search("assign|dispatch", line, re.I) for line in by_spu), timeline
    with _api(demo_server, "sindh.spu") as spu:  # nor does the API let it send Shield's team
        r = spu.post(f"/api/v1/alerts/{alert['id']}/assignments", json={"unit_ids": [team["id"]]})
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["unit_ids.0"]
        assert "your own units" in r.json()["errors"][0]["reason"]
    with _api(demo_server, "company.security") as owner:
        now = owner.get(f"/api/v1/alerts/{alert['id']}").json()
    assert now["status"] == "responding"
    assert [a["status"] for a in now["assignments"]] == ["en_route"]
    assert now["acknowledged_by"] == "sindh.spu"


def test_embassy_liaison_sees_its_nationals_sos_as_a_summary_and_nothing_else(
    as_user: Any, demo_server: str
) -> None:
    with _api(demo_server, "company.security") as owner:
        national = _sos(owner, _person(owner, "Yuting", "Huang"))  # CN
        other = _sos(owner, _person(owner, "Lukas", "Becker"))  # DE, same guest house

    tab = as_user("embassy.liaison", "/alerts")
    page = tab.page
    rows = page.locator("#alert-inbox tbody tr[data-alert-id]")
    assert [rows.nth(i).get_attribute("data-alert-id") for i in range(rows.count())] == [national["id"]]

    page.click(f"#alert-inbox a[href='/alerts/{national['id']}']")
    page.wait_for_url(f"{demo_server}/alerts/{national['id']}")
    assert page.inner_text("[data-testid=alert-status]") == "new"
    text = page.inner_text("main")
    # The agreement gives a summary: no name, no position, no timeline, no recipients.
    for hidden in ("Yuting", "Huang", f"{CLIFTON[0]:.5f}", "Clifton"):
        assert hidden not in text, hidden
    assert page.locator("[data-testid=timeline] li").count() == 0
    assert page.inner_text("[data-testid=alert-position]") == "not in your summary"
    assert "sos" in page.inner_text(".facts")  # what the summary does show: kind, status, when, owner
    # No control it may not use: it has no action at all on this alert.
    for control in ("#alert-actions", "[data-action]", "[data-assign]", "[data-unit-status]", "#alert-note"):
        assert page.locator(control).count() == 0, control

    response = page.goto(f"{demo_server}/alerts/{other['id']}")
    assert response is not None
    assert response.status == 404
    assert "Lukas" not in page.inner_text("main")
