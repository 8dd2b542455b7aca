"""Licences: the ministry registers and changes them; the company reads its own and cannot change them;
another company does not see them; status moves only as the transition table allows, with `actions`."""

from __future__ import annotations

from datetime import date, timedelta

from tests.personnel.conftest import Staff


def test_ministry_registers_company_reads_its_own(staff: Staff) -> None:
    lic = staff.licence()
    assert lic["status"] == "active"
    assert lic["valid_today"] is True
    assert lic["actions"] == ["revoke", "suspend"]
    assert lic["issuer_agency_id"] == staff.w.root_id
    c, w = staff.client, staff.w
    r = c.get(f"/api/v1/licences/{lic['id']}", headers=w.headers["psc-admin"])
    assert r.status_code == 200
    assert r.json()["actions"] == []  # the company reads its licence; moving it is the ministry's
    assert [
        i["id"] for i in c.get("/api/v1/licences", headers=w.headers["psc-operator"]).json()["items"]
    ] == [lic["id"]]
    assert c.get(f"/api/v1/licences/{lic['id']}", headers=staff.other_admin).status_code == 404
    assert c.get("/api/v1/licences", headers=staff.other_admin).json()["items"] == []


def test_the_company_cannot_issue_or_change_its_licence(staff: Staff) -> None:
    lic = staff.licence()
    c, h = staff.client, staff.w.headers["psc-admin"]
    body = {
        "agency_id": staff.w.agency["psc"],
        "kind": "noc",
        "number": "SELF-1",
        "issued_on": "2026-01-01",
        "expires_on": "2027-01-01",
    }
    assert c.post("/api/v1/licences", headers=h, json=body).status_code == 403
    assert c.patch(f"/api/v1/licences/{lic['id']}", headers=h, json={"category": "x"}).status_code == 403
    assert c.post(f"/api/v1/licences/{lic['id']}/actions/revoke", headers=h).status_code == 403
    assert c.get(f"/api/v1/licences/{lic['id']}", headers=h).json()["status"] == "active"


def test_lifecycle_as_the_table_allows(staff: Staff) -> None:
    lic = staff.licence()
    c, h = staff.client, staff.w.root_admin
    r = c.post(f"/api/v1/licences/{lic['id']}/actions/suspend", headers=h, json={"note": "audit pending"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["actions"], r.json()["valid_today"]) == (
        "suspended",
        ["reinstate", "revoke"],
        False,
    )
    r = c.post(f"/api/v1/licences/{lic['id']}/actions/suspend", headers=h)
    assert r.status_code == 409
    assert "reinstate" in r.json()["detail"]
    assert c.post(f"/api/v1/licences/{lic['id']}/actions/fly", headers=h).status_code == 422
    assert c.post(f"/api/v1/licences/{lic['id']}/actions/revoke", headers=h).json()["actions"] == []
    assert c.post(f"/api/v1/licences/{lic['id']}/actions/reinstate", headers=h).status_code == 409
    trail = c.get(f"/api/v1/audit?entity=licences&entity_id={lic['id']}", headers=h).json()["items"]
    assert {e["action"] for e in trail} >= {"create", "suspend", "revoke"}


def test_validation_and_references(staff: Staff) -> None:
    c, h, w = staff.client, staff.w.root_admin, staff.w
    today = date.today()
    base = {"agency_id": w.agency["psc"], "kind": "noc", "number": "N-1", "issued_on": today.isoformat()}
    r = c.post("/api/v1/licences", headers=h, json={**base, "expires_on": today.isoformat()})
    assert r.status_code == 422
    r = c.post("/api/v1/licences", headers=h, json={**base, "kind": "provincial", "expires_on": "2099-01-01"})
    assert r.status_code == 422
    assert "province" in r.text
    r = c.post("/api/v1/licences", headers=h, json={**base, "agency_id": "nope", "expires_on": "2099-01-01"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "agency_id"
    r = c.post(
        "/api/v1/licences",
        headers=h,
        json={**base, "agency_id": w.agency["police"], "expires_on": "2099-01-01"},
    )
    assert r.status_code == 422
    assert "private security company" in r.text
    staff.licence(number="DUP-1")
    r = c.post("/api/v1/licences", headers=h, json={**base, "number": "DUP-1", "expires_on": "2099-01-01"})
    assert r.status_code == 409
    assert c.get("/api/v1/licences/nope", headers=h).status_code == 404
    lic = staff.licence(number="P-1", kind="provincial")
    later = (today + timedelta(days=900)).isoformat()
    r = c.patch(f"/api/v1/licences/{lic['id']}", headers=h, json={"expires_on": later})
    assert r.json()["expires_on"] == later
    r = c.patch(f"/api/v1/licences/{lic['id']}", headers=h, json={"expires_on": "2000-01-01"})
    assert r.status_code == 422
    # Sindh police read provincial licences of their province, not the national NOC of a company elsewhere
    seen = {
        i["kind"] for i in c.get("/api/v1/licences", headers=w.headers["police-operator"]).json()["items"]
    }
    assert seen == {"provincial"}
