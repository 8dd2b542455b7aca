"""The incident pages: the list with its filters and map, the report form (from scratch and from an alert),
the incident with its timeline and moves, and the alert page's "Create incident" link; scoped as the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.alerts.conftest import KHI, Scene
from tests.incidents.conftest import file
from tests.web.conftest import cookie_login


def test_list_and_incident_pages(scene: Scene, incident: dict[str, Any]) -> None:
    other = file(scene, type="crime", severity="low", summary="Phone snatched")
    c = cookie_login(scene.client, "psc-operator")
    r = c.get("/incidents")
    assert r.status_code == 200
    for needle in (
        incident["id"],
        other["id"],
        'id="incident-map"',
        "CN: 2 injured, 0 killed",
        "/incidents/new",
    ):
        assert needle in r.text, needle
    assert 'href="/incidents"' in r.text  # in the navigation
    filtered = c.get("/incidents", params={"type": "crime"}).text
    assert other["id"] in filtered
    assert incident["id"] not in filtered
    assert incident["id"] in c.get("/incidents", params={"q": "guard"}).text
    r = c.get(f"/incidents/{incident['id']}")
    assert r.status_code == 200
    for needle in (
        "Guard opened fire on two Chinese workers",
        'data-action="verify"',
        'data-action="dismiss"',
        'data-testid="timeline"',
        "Li Wei",
        "Guard on duty",
        'id="incident-note"',
        "/static/js/incidents.js",
    ):
        assert needle in r.text, needle


def test_pages_follow_the_scope(scene: Scene, incident: dict[str, Any]) -> None:
    liaison = cookie_login(scene.client, "liaison")
    assert liaison.get(f"/incidents/{incident['id']}").status_code == 404
    assert incident["id"] not in liaison.get("/incidents").text
    assert "File the report" not in liaison.get("/incidents/new").text
    police = cookie_login(scene.client, "police-operator").get(f"/incidents/{incident['id']}").text
    assert 'data-action="verify"' in police  # the jurisdiction moves it
    anon = TestClient(scene.client.app).get("/incidents", follow_redirects=False)
    assert anon.status_code in (302, 303, 307)


def test_report_form_and_the_alert_link(scene: Scene) -> None:
    c = cookie_login(scene.client, "psc-operator")
    form = c.get("/incidents/new").text
    for needle in (
        'id="incident-form"',
        'name="occurred_at"',
        'id="i-locate"',
        'inputmode="decimal"',
        "Li Wei",
    ):
        assert needle in form, needle
    alert = scene.post(
        "psc-operator", "/api/v1/alerts", {"kind": "attack", "lat": KHI[0], "lon": KHI[1], "title": "Shots"}
    )
    page = c.get(f"/alerts/{alert['id']}").text
    assert f'href="/incidents/new?alert_id={alert["id"]}"' in page
    prefilled = c.get(f"/incidents/new?alert_id={alert['id']}").text
    assert 'data-testid="from-alert"' in prefilled
    assert '<option value="armed_attack" selected>' in prefilled
    made = scene.post("psc-operator", "/api/v1/incidents", {"alert_id": alert["id"]})
    r = c.get(f"/incidents/new?alert_id={alert['id']}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/incidents/{made['id']}"
    # Once the alert has its incident, the form opens that incident instead (above); the link stays.
    assert "create-incident" in c.get(f"/alerts/{alert['id']}").text


def test_an_incident_without_coordinates_is_mapped_at_its_site(scene: Scene) -> None:
    filed = file(scene, lat=None, lon=None, site_id=scene.ids["residence"], summary="Gate dispute")
    assert filed["lat"] is None
    site = scene.client.get(f"/api/v1/sites/{scene.ids['residence']}", headers=scene.h("psc-operator")).json()
    page = cookie_login(scene.client, "psc-operator").get(f"/incidents/{filed['id']}").text
    points = page[page.index('id="incident-points">') :].split("</script>")[0]
    assert f'"lat": {site["center_lat"]}' in points
    assert f'"lon": {site["center_lon"]}' in points
