"""Personnel through the API: register, read, change, list with filters and pages; the CNIC validated,
masked unless the role needs it, searchable only by those who read it; unknown references 404, other
companies' people hidden (404) or read only (403)."""

from __future__ import annotations

from tests.personnel.conftest import CNIC, Staff


def test_register_read_and_change(staff: Staff) -> None:
    p = staff.person()
    assert p["cnic"] == CNIC  # the company's admin needs it (SENSITIVE_ID_ROLES)
    assert p["agency_id"] == staff.w.agency["psc"]
    c, h = staff.client, staff.w.headers["psc-admin"]
    r = c.patch(f"/api/v1/personnel/{p['id']}", headers=h, json={"armed": False, "status": "suspended"})
    assert r.status_code == 200, r.text
    assert (r.json()["armed"], r.json()["status"]) == (False, "suspended")
    assert c.get(f"/api/v1/personnel/{p['id']}", headers=h).json()["status"] == "suspended"


def test_cnic_masked_for_a_role_that_does_not_need_it(staff: Staff) -> None:
    p = staff.person()
    r = staff.client.get(f"/api/v1/personnel/{p['id']}", headers=staff.w.headers["psc-operator"])
    assert r.status_code == 200
    assert r.json()["cnic"] == "*****-******7-1"
    assert CNIC not in r.text


def test_invalid_cnic_is_refused_without_echoing_it(staff: Staff) -> None:
    h = staff.w.headers["psc-admin"]
    for bad in ("4210112345671", "42101-123456-1", "ABCDE-1234567-1", "42101-1234567-12"):
        body = {
            "given_name": "A",
            "family_name": "B",
            "role": "guard",
            "cnic": bad,
            "date_of_birth": "1990-01-01",
        }
        r = staff.client.post("/api/v1/personnel", headers=h, json=body)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "cnic"
        assert bad not in r.text
    assert staff.client.get("/api/v1/personnel", headers=h).json()["items"] == []


def test_cnic_search_matches_only_for_callers_who_read_it(staff: Staff) -> None:
    p = staff.person()
    staff.person(given_name="Bilal", cnic="42101-7654321-3")
    c, w = staff.client, staff.w
    for query in (f"cnic={CNIC}", f"q={CNIC}"):
        found = c.get(f"/api/v1/personnel?{query}", headers=w.headers["psc-admin"]).json()["items"]
        assert [i["id"] for i in found] == [p["id"]]
        # the operator sees the same record masked: the exact number must not confirm it (no oracle)
        assert c.get(f"/api/v1/personnel?{query}", headers=w.headers["psc-operator"]).json()["items"] == []
    # a masked caller's query for the masked form finds nothing either
    assert c.get("/api/v1/personnel?q=7-1", headers=w.headers["psc-operator"]).json()["items"] == []
    r = c.get("/api/v1/personnel?cnic=123", headers=w.headers["psc-admin"])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "cnic"


def test_filters_and_cursor_pages(staff: Staff) -> None:
    ids = [staff.person(given_name=f"G{i}", cnic=f"42101-000000{i}-1")["id"] for i in range(3)]
    staff.person(given_name="Driver", role="driver", armed=False, cnic="42101-0000009-1")
    c, h = staff.client, staff.w.headers["psc-admin"]
    guards = c.get("/api/v1/personnel?role=guard", headers=h).json()["items"]
    assert sorted(i["id"] for i in guards) == sorted(ids)
    assert len(c.get("/api/v1/personnel?armed=false", headers=h).json()["items"]) == 1
    seen, url = [], "/api/v1/personnel?limit=2"
    while url:
        page = c.get(url, headers=h).json()
        seen += [i["id"] for i in page["items"]]
        url = f"/api/v1/personnel?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert len(seen) == 4
    assert len(set(seen)) == 4


def test_other_companies_and_unknown_ids(staff: Staff) -> None:
    p = staff.person()
    c, w = staff.client, staff.w
    assert c.get(f"/api/v1/personnel/{p['id']}", headers=staff.other_admin).status_code == 404
    assert c.get(f"/api/v1/personnel/{p['id']}/checks", headers=staff.other_admin).status_code == 404
    body = {"kind": "physical_fitness", "result": "pass", "done_on": "2026-01-01"}
    assert (
        c.post(f"/api/v1/personnel/{p['id']}/checks", headers=staff.other_admin, json=body).status_code == 404
    )
    assert c.get("/api/v1/personnel/nope", headers=w.headers["psc-admin"]).status_code == 404
    assert c.get("/api/v1/personnel/nope/clearance", headers=w.headers["psc-admin"]).status_code == 404
    # Sindh police see the Karachi guard by jurisdiction, read only (403 on a change), CNIC masked
    r = c.get(f"/api/v1/personnel/{p['id']}", headers=w.headers["police-admin"])
    assert r.status_code == 200
    assert r.json()["cnic"] == CNIC  # an admin seeing it in full (jurisdiction): the role needs it
    r = c.patch(f"/api/v1/personnel/{p['id']}", headers=w.headers["police-operator"], json={"armed": False})
    assert r.status_code == 403
    r = c.post(
        "/api/v1/personnel",
        headers=staff.other_admin,
        json={
            "given_name": "X",
            "family_name": "Y",
            "role": "guard",
            "cnic": CNIC,
            "date_of_birth": "1990-01-01",
            "agency_id": w.agency["psc"],
        },
    )
    assert r.status_code == 403
    # the embassy has no agreement covering personnel: nothing
    assert c.get(f"/api/v1/personnel/{p['id']}", headers=w.headers["liaison"]).status_code == 404
    assert c.get("/api/v1/personnel", headers=w.headers["liaison"]).json()["items"] == []
