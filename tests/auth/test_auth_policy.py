"""Scoping: tenants, jurisdiction, sharing agreements, default deny."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hifazat.core.db import new_id, utcnow

KINDS = ("persons", "sites", "units", "vehicles", "projects")


def _post(client: TestClient, h: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/v1/{path}", headers=h, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


WHERE = {"PK-SD": [67.03, 24.86], "PK-PB": [74.3587, 31.5204]}  # Karachi, Lahore


def _site(client: TestClient, h: dict[str, str], name: str, province: str) -> dict[str, Any]:
    return _post(
        client,
        h,
        "sites",
        {
            "name": name,
            "kind": "residence",
            "geometry": {"type": "Point", "coordinates": WHERE[province]},  # the place is derived (18.6)
            "radius_m": 150,
            "province": province,
        },
    )


def _person(
    client: TestClient, h: dict[str, str], family: str, nationality: str, site_id: str | None = None
) -> dict[str, Any]:
    return _post(
        client,
        h,
        "persons",
        {
            "given_name": "Test",
            "family_name": family,
            "nationality": nationality,
            "passport_number": f"P{abs(hash(family)) % 10**8:08d}",
            "phone": "+92 300 1234567",
            "residence_site_id": site_id,
        },
    )


@pytest.fixture
def records(client: TestClient, world: Any) -> dict[str, dict[str, Any]]:
    """Records of the private security company: in Sindh and in Punjab, of several nationalities."""
    h = world.headers["psc-admin"]
    out: dict[str, dict[str, Any]] = {}
    out["site_sd"] = _site(client, h, "Camp Sindh", "PK-SD")
    out["site_pb"] = _site(client, h, "Camp Punjab", "PK-PB")
    out["person_sd_cn"] = _person(client, h, "Zhang", "CN", out["site_sd"]["id"])
    out["person_pb_cn"] = _person(client, h, "Wang", "CN", out["site_pb"]["id"])
    out["person_pb_us"] = _person(client, h, "Smith", "US", out["site_pb"]["id"])
    out["project"] = _post(client, h, "projects", {"name": "Power Plant", "province": "PK-PB"})
    out["unit"] = _post(client, h, "units", {"call_sign": "PSC-1", "kind": "private_guard_team"})
    out["vehicle"] = _post(client, h, "vehicles", {"registration": "LEB-1234"})
    return out


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("instance", "request_id")}


def test_other_agency_records_are_404_like_missing_ones(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    police = world.headers["police-admin"]
    for key, kind in (
        ("person_pb_cn", "persons"),
        ("site_pb", "sites"),
        ("unit", "units"),
        ("vehicle", "vehicles"),
        ("project", "projects"),
    ):
        theirs = client.get(f"/api/v1/{kind}/{records[key]['id']}", headers=police)
        missing = client.get(f"/api/v1/{kind}/{new_id()}", headers=police)
        assert theirs.status_code == missing.status_code == 404, (kind, theirs.text)
        assert theirs.headers["content-type"] == missing.headers["content-type"]
        assert _shape(theirs.json()) == _shape(missing.json())
        # Writes and deletes do not reveal existence either.
        assert (
            client.patch(f"/api/v1/{kind}/{records[key]['id']}", headers=police, json={}).status_code == 404
        )
        assert client.delete(f"/api/v1/{kind}/{records[key]['id']}", headers=police).status_code == 404
    # And the owner still sees everything untouched.
    mine = client.get(f"/api/v1/vehicles/{records['vehicle']['id']}", headers=world.headers["psc-operator"])
    assert mine.status_code == 200


def test_lists_leave_out_other_agencies(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    # The police has no site, unit etc. of its own, and the PSC's Punjab records lie outside its jurisdiction.
    police = world.headers["police-operator"]
    seen = {k: {i["id"] for i in client.get(f"/api/v1/{k}", headers=police).json()["items"]} for k in KINDS}
    assert seen["persons"] == {records["person_sd_cn"]["id"]}
    assert seen["sites"] == {records["site_sd"]["id"]}
    assert seen["units"] == seen["vehicles"] == seen["projects"] == set()
    psc = world.headers["psc-operator"]
    assert len(client.get("/api/v1/persons", headers=psc).json()["items"]) == 3


def test_jurisdiction_grants_read_only(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    pid = records["person_sd_cn"]["id"]
    for user in ("police-operator", "police-admin"):
        h = world.headers[user]
        r = client.get(f"/api/v1/persons/{pid}", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["view"] == "full"
        r = client.patch(f"/api/v1/persons/{pid}", headers=h, json={"notes": "changed by police"})
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert client.delete(f"/api/v1/persons/{pid}", headers=h).status_code == 403
    r = client.get(f"/api/v1/persons/{pid}", headers=world.headers["psc-operator"])
    assert r.json()["notes"] == ""
    # Moving the person's residence out of Sindh takes them out of the police's view.
    r = client.patch(
        f"/api/v1/persons/{pid}",
        headers=world.headers["psc-operator"],
        json={"residence_site_id": records["site_pb"]["id"]},
    )
    assert r.status_code == 200
    assert r.json()["province"] == "PK-PB"
    assert client.get(f"/api/v1/persons/{pid}", headers=world.headers["police-operator"]).status_code == 404


def test_moving_a_site_moves_its_residents_jurisdiction(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    psc, police = world.headers["psc-admin"], world.headers["police-operator"]
    r = client.patch(
        f"/api/v1/sites/{records['site_pb']['id']}",
        headers=psc,
        json={"geometry": {"type": "Point", "coordinates": WHERE["PK-SD"]}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["province"] == "PK-SD"
    r = client.get(f"/api/v1/persons/{records['person_pb_cn']['id']}", headers=police)
    assert r.status_code == 200, r.text
    assert r.json()["province"] == "PK-SD"


def _agreement(client: TestClient, h: dict[str, str], world: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "CN nationals",
        "grantor_id": world.agency["psc"],
        "grantee_id": world.agency["embassy"],
        "entity_kinds": ["persons"],
        "filters": {"nationality": "CN"},
        "level": "summary",
        "redact_fields": ["family_name"],
        **extra,
    }
    return _post(client, h, "sharing-agreements", body)


def test_default_deny_for_a_liaison(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    liaison = world.headers["liaison"]
    for kind in KINDS:
        r = client.get(f"/api/v1/{kind}", headers=liaison)
        assert r.status_code == 200
        assert r.json()["items"] == []
    assert client.get(f"/api/v1/persons/{records['person_sd_cn']['id']}", headers=liaison).status_code == 404
    # A liaison may not write at all.
    r = client.post(
        "/api/v1/persons", headers=liaison, json={"given_name": "A", "family_name": "B", "nationality": "CN"}
    )
    assert r.status_code == 403


def test_sharing_agreement_summary_filter_and_redaction(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    liaison = world.headers["liaison"]
    ag = _agreement(client, world.headers["psc-admin"], world)
    assert ag["level"] == "summary"
    assert ag["filters"] == {"nationality": "CN"}
    r = client.get("/api/v1/persons", headers=liaison)
    items = r.json()["items"]
    assert {i["id"] for i in items} == {records["person_sd_cn"]["id"], records["person_pb_cn"]["id"]}
    summary = {"id", "agency_id", "given_name", "nationality", "status", "province", "project_id"}
    summary |= {"employer_agency_id", "view", "redacted"}
    for item in items:
        assert item["view"] == "summary"
        assert item["family_name"] is None  # redact_fields honoured
        assert item["passport_number"] is None
        assert item["phone"] is None
        assert item["given_name"] == "Test"
        assert item["nationality"] == "CN"
        assert {k for k, v in item.items() if v is not None} <= summary
        assert {"family_name", "passport_number", "phone"} <= set(item["redacted"])
        assert "P" not in str(item.get("passport_number") or "")
    # The US national stays invisible, as do other kinds not in the agreement.
    r = client.get(f"/api/v1/persons/{records['person_pb_us']['id']}", headers=liaison)
    assert r.status_code == 404
    assert client.get("/api/v1/sites", headers=liaison).json()["items"] == []
    one = client.get(f"/api/v1/persons/{records['person_pb_cn']['id']}", headers=liaison).json()
    assert one["view"] == "summary"
    assert one["family_name"] is None
    # Read only.
    r = client.patch(f"/api/v1/persons/{records['person_pb_cn']['id']}", headers=liaison, json={"notes": "x"})
    assert r.status_code == 403
    # /me lists the grant; the liaison can read the agreement but not change it.
    me = client.get("/api/v1/me", headers=liaison).json()
    assert me["sharing"][0]["agreement_id"] == ag["id"]
    assert client.get(f"/api/v1/sharing-agreements/{ag['id']}", headers=liaison).status_code == 200
    assert client.delete(f"/api/v1/sharing-agreements/{ag['id']}", headers=liaison).status_code == 403


def test_full_level_agreement_and_passport_redaction(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    _agreement(client, world.headers["psc-admin"], world, level="full", redact_fields=["passport_number"])
    item = client.get(
        f"/api/v1/persons/{records['person_sd_cn']['id']}", headers=world.headers["liaison"]
    ).json()
    assert item["view"] == "full"
    assert item["family_name"] == "Zhang"
    assert item["phone"] == "+92 300 1234567"
    assert item["passport_number"] is None
    assert item["redacted"] == ["passport_number"]


@pytest.mark.parametrize(
    ("start", "end", "visible"),
    [(-2, -1, False), (1, 2, False), (-1, 1, True), (None, 1, True), (-1, None, True)],
)
def test_agreement_window(
    client: TestClient,
    world: Any,
    records: dict[str, dict[str, Any]],
    start: int | None,
    end: int | None,
    visible: bool,
) -> None:
    now = utcnow()
    extra: dict[str, Any] = {}
    if start is not None:
        extra["valid_from"] = (now + timedelta(days=start)).isoformat()
    if end is not None:
        extra["valid_to"] = (now + timedelta(days=end)).isoformat()
    _agreement(client, world.headers["psc-admin"], world, **extra)
    items = client.get("/api/v1/persons", headers=world.headers["liaison"]).json()["items"]
    assert (len(items) == 2) is visible
    assert visible or items == []


def test_ended_agreement_stops_sharing(
    client: TestClient, world: Any, records: dict[str, dict[str, Any]]
) -> None:
    ag = _agreement(client, world.headers["psc-admin"], world)
    assert len(client.get("/api/v1/persons", headers=world.headers["liaison"]).json()["items"]) == 2
    assert (
        client.delete(
            f"/api/v1/sharing-agreements/{ag['id']}", headers=world.headers["psc-admin"]
        ).status_code
        == 204
    )
    assert client.get("/api/v1/persons", headers=world.headers["liaison"]).json()["items"] == []


def test_agreement_rules(client: TestClient, world: Any, records: dict[str, dict[str, Any]]) -> None:
    psc, police = world.headers["psc-admin"], world.headers["police-admin"]
    # Only the grantor (or an agency above it) may share its records.
    r = client.post(
        "/api/v1/sharing-agreements",
        headers=police,
        json={
            "name": "not mine",
            "grantor_id": world.agency["psc"],
            "grantee_id": world.agency["police"],
            "entity_kinds": ["persons"],
        },
    )
    assert r.status_code == 403
    bad = [
        ({"entity_kinds": ["secrets"]}, "entity_kinds"),
        ({"grantee_id": world.agency["psc"]}, "body"),
        ({"valid_from": "2030-01-02T00:00:00Z", "valid_to": "2030-01-01T00:00:00Z"}, "body"),
        ({"level": "everything"}, "level"),
        ({"grantee_id": new_id()}, "grantee_id"),
        # A filter the kind cannot match would silently share nothing: refused.
        ({"filters": {"nationalty": "CN"}}, "filters"),
        ({"entity_kinds": ["persons", "sites"], "filters": {"nationality": "CN"}}, "filters"),
        ({"filters": {"passport_enc": "x"}}, "filters"),
    ]
    for extra, field in bad:
        body = {
            "name": "bad",
            "grantor_id": world.agency["psc"],
            "grantee_id": world.agency["embassy"],
            "entity_kinds": ["persons"],
            **extra,
        }
        r = client.post("/api/v1/sharing-agreements", headers=psc, json=body)
        assert r.status_code == 422, (extra, r.text)
        assert r.json()["errors"][0]["field"] == field
    _agreement(client, psc, world)
    # The same name between the same agencies twice: a conflict, not a crash.
    r = client.post(
        "/api/v1/sharing-agreements",
        headers=psc,
        json={
            "name": "CN nationals",
            "grantor_id": world.agency["psc"],
            "grantee_id": world.agency["embassy"],
            "entity_kinds": ["persons"],
        },
    )
    assert r.status_code == 409, r.text
    # Agencies that are neither party do not see the agreement.
    assert client.get("/api/v1/sharing-agreements", headers=police).json()["items"] == []
    assert len(client.get("/api/v1/sharing-agreements", headers=psc).json()["items"]) == 1
    assert client.get("/api/v1/sharing-agreements", headers=world.headers["psc-operator"]).status_code == 403


def test_parent_agency_sees_children_records(
    client: TestClient, world: Any, admin: dict[str, str], records: dict[str, dict[str, Any]]
) -> None:
    # The ministry sits above both agencies: their records are its records.
    items = client.get("/api/v1/persons", headers=admin).json()["items"]
    assert len(items) == 3
    r = client.patch(
        f"/api/v1/persons/{records['person_pb_us']['id']}", headers=admin, json={"notes": "seen"}
    )
    assert r.status_code == 200


def test_agency_admin_cannot_widen_its_own_powers(client: TestClient, world: Any) -> None:
    police, psc = world.headers["police-admin"], world.headers["psc-admin"]
    r = client.patch(
        f"/api/v1/agencies/{world.agency['police']}", headers=police, json={"jurisdiction": ["PK"]}
    )
    assert r.status_code == 403, r.text
    r = client.patch(f"/api/v1/agencies/{world.agency['embassy']}", headers=police, json={"name": "Mine now"})
    assert r.status_code == 403
    # A sub-agency may not be given more jurisdiction than its creator holds.
    r = client.post(
        "/api/v1/agencies",
        headers=police,
        json={
            "name": "Police sub",
            "kind": "provincial_police",
            "parent_id": world.agency["police"],
            "jurisdiction": ["PK"],
        },
    )
    assert r.status_code == 403, r.text
    r = client.post(
        "/api/v1/agencies",
        headers=police,
        json={
            "name": "Police Karachi",
            "kind": "provincial_police",
            "parent_id": world.agency["police"],
            "jurisdiction": ["PK-SD:Karachi South"],
        },
    )
    assert r.status_code == 201, r.text
    # A company without jurisdiction cannot create itself one through a child.
    r = client.post(
        "/api/v1/agencies",
        headers=psc,
        json={
            "name": "PSC sub",
            "kind": "other",
            "parent_id": world.agency["psc"],
            "jurisdiction": ["PK-SD"],
        },
    )
    assert r.status_code == 403, r.text
    # Top-level agencies are for the ministry's admins only.
    r = client.post("/api/v1/agencies", headers=police, json={"name": "Rogue", "kind": "federal_ministry"})
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/agencies/{world.agency['police']}", headers=police, json={"kind": "federal_ministry"}
    )
    assert r.status_code == 403


def test_retiring_a_middle_agency_keeps_its_subtree_visible_above(
    client: TestClient, world: Any, admin: dict[str, str]
) -> None:
    police = world.headers["police-admin"]
    r = client.post(
        "/api/v1/agencies",
        headers=police,
        json={"name": "Police middle", "kind": "provincial_police", "parent_id": world.agency["police"]},
    )
    middle = r.json()["id"]
    r = client.post(
        "/api/v1/agencies",
        headers=police,
        json={"name": "Police leaf", "kind": "provincial_police", "parent_id": middle},
    )
    leaf = r.json()["id"]
    v = _post(client, police, "vehicles", {"registration": "LEAF-1", "agency_id": leaf})
    assert client.delete(f"/api/v1/agencies/{middle}", headers=police).status_code == 204
    for h in (police, admin):
        assert client.get(f"/api/v1/vehicles/{v['id']}", headers=h).status_code == 200
    assert client.get(f"/api/v1/vehicles/{v['id']}", headers=world.headers["psc-admin"]).status_code == 404


def test_district_jurisdiction(client: TestClient, world: Any, admin: dict[str, str], login_as: Any) -> None:
    r = client.post(
        "/api/v1/agencies",
        headers=world.headers["police-admin"],
        json={
            "name": "Karachi South Police",
            "kind": "provincial_police",
            "parent_id": world.agency["police"],
            "jurisdiction": ["PK-SD:Karachi South"],
        },
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "ks-operator",
            "password": "correct-horse-battery",
            "full_name": "KS",
            "agency_id": r.json()["id"],
            "roles": ["operator"],
        },
    )
    assert r.status_code == 201
    ks = login_as("ks-operator")
    psc = world.headers["psc-admin"]
    inside = _post(
        client,
        psc,
        "sites",
        {
            "name": "Clifton residence",
            "kind": "residence",
            "geometry": {"type": "Point", "coordinates": [67.03, 24.81]},
            "radius_m": 100,
            "province": "PK-SD",
            "district": "karachi south ",
        },
    )
    outside = _post(
        client,
        psc,
        "sites",
        {
            "name": "Hyderabad camp",
            "kind": "residence",
            "geometry": {"type": "Point", "coordinates": [68.37, 25.39]},
            "radius_m": 100,
            "province": "PK-SD",
            "district": "Hyderabad",
        },
    )
    p_in = _person(client, psc, "Inside", "CN", inside["id"])
    p_out = _person(client, psc, "Outside", "CN", outside["id"])
    u_in = _post(client, psc, "units", {"call_sign": "KS-1", "kind": "escort", "base_site_id": inside["id"]})
    _post(client, psc, "units", {"call_sign": "HY-1", "kind": "escort", "base_site_id": outside["id"]})
    ids = lambda kind: {i["id"] for i in client.get(f"/api/v1/{kind}", headers=ks).json()["items"]}  # noqa: E731
    assert ids("sites") == {inside["id"]}
    assert ids("persons") == {p_in["id"]}
    assert ids("units") == {u_in["id"]}
    assert client.get(f"/api/v1/persons/{p_in['id']}", headers=ks).status_code == 200
    assert client.get(f"/api/v1/persons/{p_out['id']}", headers=ks).status_code == 404
    assert client.get(f"/api/v1/sites/{outside['id']}", headers=ks).status_code == 404
    # The province-wide police sees both.
    assert {p_in["id"], p_out["id"]} <= {
        i["id"]
        for i in client.get("/api/v1/persons", headers=world.headers["police-operator"]).json()["items"]
    }
    # Moving the person to the other district takes them out of the district police's view.
    r = client.patch(f"/api/v1/persons/{p_in['id']}", headers=psc, json={"residence_site_id": outside["id"]})
    assert r.status_code == 200
    assert client.get(f"/api/v1/persons/{p_in['id']}", headers=ks).status_code == 404
