"""Dashboard pages of the alerts domain render for signed-in users and respect the same scope as the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.alerts.conftest import Scene


def web(scene: Scene, username: str) -> TestClient:
    c = TestClient(scene.client.app)
    r = c.post(
        "/api/v1/auth/token?set_cookie=true",
        data={"username": username, "password": "correct-horse-battery"},
        headers={"Origin": "http://testserver"},
    )
    assert r.status_code == 200, r.text
    return c


def test_inbox_alert_policy_and_poll_pages(scene: Scene) -> None:
    a = scene.sos()
    poll = scene.post("psc-operator", "/api/v1/polls", {"person_ids": [scene.ids["li"]]})
    c = web(scene, "psc-operator")
    r = c.get("/alerts")
    assert r.status_code == 200
    assert a["id"] in r.text
    assert 'data-testid="sos-button"' in r.text
    assert '<a href="/alerts">Alerts</a>' in r.text or 'href="/alerts"' in r.text
    assert "/static/js/alerts.js" in r.text
    r = c.get(f"/alerts/{a['id']}")
    assert r.status_code == 200
    for needle in (
        "SOS: Li Wei",
        'data-action="acknowledge"',
        "QRF-NEAR",
        'data-testid="timeline"',
        "Deliveries",
    ):
        assert needle in r.text, needle
    assert c.get("/alerts/policies").status_code == 200
    r = c.get(f"/polls/{poll['id']}")
    assert r.status_code == 200
    assert "Li Wei" in r.text
    assert 'data-tally="pending">1<' in r.text
    assert c.get("/polls").status_code == 200
    liaison = web(scene, "liaison")
    assert liaison.get(f"/alerts/{a['id']}").status_code == 404
    assert a["id"] not in liaison.get("/alerts").text
    anon = TestClient(scene.client.app).get("/alerts", follow_redirects=False)
    assert anon.status_code == 303
