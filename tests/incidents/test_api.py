"""POST/GET/PATCH /api/v1/incidents: what a report holds, where it lies, who it involves, and each refusal
(422 naming the field, 404 for what the caller cannot see, 403 for what its roles do not allow)."""

from __future__ import annotations

from typing import Any

from tests.alerts.conftest import Scene
from tests.incidents.conftest import BASE, ago, body, file, refused


def test_create_derives_place_and_counts_casualties(scene: Scene, incident: dict[str, Any]) -> None:
    assert incident["status"] == "reported"
    assert incident["province"] == "PK-SD"
    assert incident["district"]
    assert incident["casualties"] == {"CN": {"injured": 2, "killed": 0}}
    assert [p["nationality"] for p in incident["involved"]] == ["CN", "CN", "PK"]  # from the persons
    assert incident["involved"][2]["is_security_personnel"] is True
    assert incident["actions"] == ["dismiss", "verify", "update", "note"]
    assert incident["relations"] == ["owner"]
    again = scene.client.get(f"{BASE}/{incident['id']}", headers=scene.h("psc-operator")).json()
    assert again == incident


def test_place_from_the_site_without_coordinates(scene: Scene) -> None:
    got = file(scene, lat=None, lon=None, site_id=scene.ids["residence"])
    assert (got["province"], got["site_id"]) == ("PK-SD", scene.ids["residence"])


def test_refusals_name_their_field(scene: Scene) -> None:
    cases = {
        "occurred_at": {"occurred_at": ago(hours=-3)},  # three hours ahead: in the future
        "type": {"type": "riot"},
        "lon": {"lat": 24.8, "lon": None},
        "involved.0.role": {"involved": [{"role": "bystander", "name": "x", "nationality": "PK"}]},
        "involved.0.nationality": {"involved": [{"role": "victim", "name": "x", "nationality": "China"}]},
        "site_id": {"site_id": "01900000-0000-7000-8000-000000000000"},
        "involved.0.person_id": {
            "involved": [{"role": "victim", "person_id": "01900000-0000-7000-8000-000000000000"}]
        },
        "alert_id": {"alert_id": "01900000-0000-7000-8000-000000000000"},
    }
    for field, extra in cases.items():
        r = scene.client.post(BASE, headers=scene.h("psc-operator"), json=body(scene, **extra))
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        fields = [".".join(str(p) for p in e["field"].split(".")) for e in r.json()["errors"]]
        assert any(f.endswith(field) or field in f for f in fields), (field, r.json())
    r = scene.client.post(BASE, headers=scene.h("psc-operator"), json={"summary": "no type"})
    refused(r, 422, "type")
    listed = scene.client.get(BASE, headers=scene.h("psc-admin")).json()["items"]
    assert listed == []  # nothing stored by any refusal


def test_another_agencys_person_or_site_is_unknown(scene: Scene) -> None:
    """The Sindh police see psc's persons by jurisdiction: they may name them. A record outside every
    scope of the caller reads as unknown (422), never as "exists but not yours"."""
    police_site = scene.post(
        "police-admin",
        "/api/v1/sites",
        {
            "name": "Police HQ",
            "kind": "office",
            "radius_m": 50,
            "geometry": {"type": "Point", "coordinates": [67.0, 24.85]},
            "province": "PK-SD",
        },
    )["id"]
    r = scene.client.post(BASE, headers=scene.h("psc-operator"), json=body(scene, site_id=police_site))
    refused(r, 422, "site_id")
    assert file(scene, "police-operator")["agency_id"] == scene.world.agency["police"]


def test_list_filters_search_and_pages(scene: Scene) -> None:
    a = file(scene)
    b = file(scene, type="crime", severity="low", summary="Phone snatched", description="near the market")
    c = file(scene, type="accident", severity="medium", summary="Van overturned", occurred_at=ago(days=10))
    h = scene.h("psc-operator")

    def ids(**params: Any) -> list[str]:
        r = scene.client.get(BASE, headers=h, params=params)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(type="crime") == [b["id"]]
    assert ids(severity="critical") == [a["id"]]
    assert ids(province="PK-SD") == [c["id"], b["id"], a["id"]]
    assert ids(province="PK-PB") == []
    assert ids(q="MARKET") == [b["id"]]  # description, any case
    assert ids(q="overturned") == [c["id"]]
    assert ids(q="100%") == []  # wildcards match themselves
    assert ids(occurred_from=ago(days=1)) == [b["id"], a["id"]]
    assert ids(occurred_to=ago(days=1)) == [c["id"]]
    assert ids(status="verified") == []
    first = scene.client.get(BASE, headers=h, params={"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [c["id"], b["id"]]
    assert first["next_cursor"]
    rest = scene.client.get(BASE, headers=h, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in rest["items"]] == [a["id"]]
    assert rest["next_cursor"] is None
    bad = scene.client.get(BASE, headers=h, params={"cursor": "nonsense"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
    assert scene.client.get(BASE, headers=h, params={"type": "riot"}).status_code == 422
    assert scene.client.get(BASE, headers=h, params={"site_id": scene.ids["residence"]}).json()["items"] == []


def test_patch_edits_and_replaces_the_involved(scene: Scene, incident: dict[str, Any]) -> None:
    url = f"{BASE}/{incident['id']}"
    h = scene.h("psc-operator")
    r = scene.client.patch(
        url,
        headers=h,
        json={
            "severity": "high",
            "involved": [{"role": "victim", "person_id": scene.ids["li"], "outcome": "killed"}],
        },
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["severity"] == "high"
    assert got["casualties"] == {"CN": {"injured": 0, "killed": 1}}
    assert len(got["involved"]) == 1
    moved = scene.client.patch(url, headers=h, json={"lat": 31.5204, "lon": 74.3587}).json()
    assert moved["province"] == "PK-PB"
    for bad, field in (({"summary": None}, "summary"), ({"occurred_at": ago(days=-1)}, "occurred_at")):
        r = scene.client.patch(url, headers=h, json=bad)
        refused(r, 422)
        assert field in r.json()["detail"], r.text
    timeline = scene.client.get(f"{url}/timeline", headers=h).json()["items"]
    assert [e["action"] for e in timeline] == ["created", "updated", "updated"]


def test_who_may_edit(scene: Scene, incident: dict[str, Any]) -> None:
    url = f"{BASE}/{incident['id']}"
    # The Sindh police see it (jurisdiction) and may move it, not edit it.
    police = scene.client.get(url, headers=scene.h("police-operator")).json()
    assert police["relations"] == ["jurisdiction"]
    assert "update" not in police["actions"]
    r = scene.client.patch(url, headers=scene.h("police-operator"), json={"severity": "low"})
    assert r.status_code == 403, r.text
    # The partner (no agreement names incidents) sees nothing at all.
    for path in (url, f"{url}/timeline"):
        r = scene.client.get(path, headers=scene.h("liaison"))
        assert r.status_code == 404, r.text
    assert scene.client.get(BASE, headers=scene.h("liaison")).json()["items"] == []
    r = scene.client.post(BASE, headers=scene.h("liaison"), json=body(scene))
    assert r.status_code == 403, r.text
    r = scene.client.get(f"{BASE}/01900000-0000-7000-8000-000000000000", headers=scene.h("psc-operator"))
    assert r.status_code == 404
