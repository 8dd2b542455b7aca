"""An alert's province and district come from its coordinates; a typed province that disagrees is refused."""

from __future__ import annotations

from hifazat.alerts.models import Alert
from tests.alerts.conftest import Scene, count


def test_attack_with_coordinates_lands_in_sindh_and_police_see_it(scene: Scene) -> None:
    a = scene.post("psc-operator", "/api/v1/alerts", {"kind": "attack", "lat": 24.8607, "lon": 67.0011})
    assert a["province"] == "PK-SD"
    assert a["district"] == "Karachi South"
    r = scene.client.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("police-operator"))
    assert r.status_code == 200, r.text
    assert r.json()["province"] == "PK-SD"


def test_attack_in_lahore_lands_in_the_lahore_district(scene: Scene) -> None:
    a = scene.post("psc-operator", "/api/v1/alerts", {"kind": "attack", "lat": 31.5204, "lon": 74.3587})
    assert (a["province"], a["district"]) == ("PK-PB", "Lahore")


def test_typed_province_disagreeing_with_coordinates_is_422(scene: Scene) -> None:
    before = count(Alert)
    r = scene.client.post(
        "/api/v1/alerts",
        headers=scene.h("psc-operator"),
        json={"kind": "attack", "lat": 24.8607, "lon": 67.0011, "province": "PK-PB"},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "province" in r.text
    assert "PK-SD" in r.text
    assert count(Alert) == before


def test_typed_province_agreeing_with_coordinates_is_kept(scene: Scene) -> None:
    a = scene.post(
        "psc-operator",
        "/api/v1/alerts",
        {"kind": "attack", "lat": 24.8607, "lon": 67.0011, "province": "PK-SD"},
    )
    assert a["province"] == "PK-SD"
