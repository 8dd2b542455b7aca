"""An alert's place is derived: coordinates, else its site; a typed province that disagrees is refused,
and one with nothing to check it against is taken only inside the caller's jurisdiction or for its own
people."""

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


def _post(scene: Scene, user: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    r = scene.client.post("/api/v1/alerts", headers=scene.h(user), json=body)
    return r.status_code, r.json()


def test_a_site_places_the_alert_and_a_typed_province_must_agree(scene: Scene) -> None:
    site = scene.ids["residence"]  # Clifton, Karachi: PK-SD
    a = scene.post("psc-operator", "/api/v1/alerts", {"kind": "attack", "site_id": site})
    assert a["province"] == "PK-SD"
    before = count(Alert)
    status, body = _post(scene, "psc-operator", {"kind": "attack", "site_id": site, "province": "PK-PB"})
    assert status == 422, body
    assert "the site lies in PK-SD, not PK-PB" in str(body)
    assert count(Alert) == before


def test_coordinates_outrank_the_site(scene: Scene) -> None:
    """Someone away from their residence is where they are: the position decides, not the site."""
    body = {"kind": "attack", "site_id": scene.ids["residence"], "lat": 31.5204, "lon": 74.3587}
    assert scene.post("psc-operator", "/api/v1/alerts", body)["province"] == "PK-PB"
    status, answer = _post(scene, "psc-operator", {**body, "province": "PK-SD"})
    assert status == 422, answer
    assert "the position lies in PK-PB" in str(answer)


def test_without_place_a_typed_province_outside_the_jurisdiction_is_refused(scene: Scene) -> None:
    """The finding: a typed province would land an alert in another province's inbox."""
    before = count(Alert)
    for user, province in (("psc-operator", "PK-PB"), ("police-operator", "PK-PB")):
        status, body = _post(scene, user, {"kind": "attack", "province": province})
        assert status == 422, (user, body)
        assert "outside your jurisdiction" in str(body)
    assert count(Alert) == before


def test_without_place_a_typed_province_is_taken_inside_the_jurisdiction(scene: Scene) -> None:
    a = scene.post("police-operator", "/api/v1/alerts", {"kind": "attack", "province": "PK-SD"})
    assert a["province"] == "PK-SD"


def test_without_place_a_typed_province_is_taken_for_own_people(scene: Scene) -> None:
    """The guard company knows where its own protected person is travelling, even outside any jurisdiction."""
    body = {"kind": "attack", "person_id": scene.ids["li"], "province": "PK-PB"}
    assert scene.post("psc-operator", "/api/v1/alerts", body)["province"] == "PK-PB"
    # someone else's person (the police see li through their jurisdiction) is not "their own people"
    status, answer = _post(scene, "police-operator", {**body, "province": "PK-PB"})
    assert status == 422, answer
