"""Dispatch: nearest available units first, assignment, unit status and the registry status following it."""

from __future__ import annotations

from hifazat.alerts.dispatch import haversine_m
from tests.alerts.conftest import Scene


def unit_status(scene: Scene, unit: str) -> str:
    r = scene.client.get(f"/api/v1/units/{scene.ids[unit]}", headers=scene.h("psc-operator"))
    return str(r.json()["status"])


def test_haversine() -> None:
    assert abs(haversine_m(24.8607, 67.0011, 31.5204, 74.3587) - 1_033_000) < 5_000  # Karachi-Lahore
    assert haversine_m(1.0, 1.0, 1.0, 1.0) == 0.0


def test_recommend_assign_and_follow_units(scene: Scene) -> None:
    a = scene.sos()
    h = scene.h("psc-operator")
    recs = scene.client.get(f"/api/v1/alerts/{a['id']}/recommendations", headers=h).json()["items"]
    assert [r["call_sign"] for r in recs] == ["QRF-NEAR", "QRF-FAR"]  # off-duty unit left out
    assert recs[0]["position_source"] == "base"
    assert recs[0]["distance_m"] < recs[1]["distance_m"]

    r = scene.client.post(
        f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": [scene.ids["qrf_near"]]}
    )
    assert r.status_code == 201, r.text
    assert r.json()["alert_status"] == "responding"
    [asg] = r.json()["items"]
    assert asg["status"] == "en_route"
    assert asg["distance_m"] > 0
    assert unit_status(scene, "qrf_near") == "responding"
    again = scene.client.post(
        f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": [scene.ids["qrf_near"]]}
    )
    assert again.status_code == 409
    off = scene.client.post(
        f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": [scene.ids["qrf_off"]]}
    )
    assert off.status_code == 409
    assert off.json()["current_state"] == "off_duty"
    bad = scene.client.post(f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": ["ghost"]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "unit_ids.0"

    path = f"/api/v1/alerts/{a['id']}/assignments/{asg['id']}"
    assert scene.client.patch(path, headers=h, json={"status": "on_scene"}).json()["status"] == "on_scene"
    assert scene.client.patch(path, headers=h, json={"status": "en_route"}).status_code == 409
    assert scene.client.patch(path, headers=h, json={"status": "parked"}).status_code == 422
    assert scene.client.patch(path, headers=h, json={"status": "clear"}).json()["status"] == "clear"
    assert unit_status(scene, "qrf_near") == "available"

    timeline = scene.client.get(f"/api/v1/alerts/{a['id']}/timeline", headers=h).json()["items"]
    actions = [e["action"] for e in timeline]
    assert "assigned" in actions
    assert actions.count("unit_status") == 2


def test_closing_an_alert_frees_its_units(scene: Scene) -> None:
    a = scene.sos()
    h = scene.h("psc-operator")
    ids = [scene.ids["qrf_near"], scene.ids["qrf_far"]]
    assert (
        scene.client.post(
            f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": ids}
        ).status_code
        == 201
    )
    assert unit_status(scene, "qrf_far") == "responding"
    scene.act("psc-operator", a["id"], "resolve")
    assert unit_status(scene, "qrf_far") == "available"
    assert unit_status(scene, "qrf_near") == "available"
    got = scene.client.get(f"/api/v1/alerts/{a['id']}", headers=h).json()
    assert {x["status"] for x in got["assignments"]} == {"clear"}
    late = scene.client.post(f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": ids[:1]})
    assert late.status_code == 409
    assert late.json()["current_state"] == "resolved"
