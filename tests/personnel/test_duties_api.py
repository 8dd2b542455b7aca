"""/api/v1/duties: create, list (filters, cursor), read, change and cancel; unknown references; who may."""

from __future__ import annotations

from datetime import timedelta

from tests.personnel.conftest import Staff
from tests.personnel.duty_helpers import DAY, count, duty, licensed, post, site, vetted


def test_a_cleared_guard_is_rostered_and_read_back(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    licensed(staff)
    s, g = site(staff), vetted(staff)
    r = post(c, h, duty(g, s))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "scheduled"
    assert body["actions"] == ["cancel"]
    assert body["province"] == "PK-SD"
    assert body["agency_id"] == staff.w.agency["psc"]
    got = c.get(f"/api/v1/duties/{body['id']}", headers=h)
    assert got.status_code == 200
    assert got.json()["starts_at"] == body["starts_at"]


def test_unarmed_duty_needs_no_vetting(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s, g = site(staff), staff.person(armed=False)["id"]
    r = post(c, h, duty(g, s, armed=False))
    assert r.status_code == 201, r.text


def test_list_filters_window_and_cursor(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s, g = site(staff), staff.person(armed=False)["id"]
    ids = []
    for day in range(3):
        r = post(c, h, duty(g, s, DAY + timedelta(days=day), armed=False))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = c.get("/api/v1/duties", headers=h, params={"personnel_id": g, "limit": 2})
    first = r.json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = c.get("/api/v1/duties", headers=h, params={"personnel_id": g, "cursor": first["next_cursor"]})
    assert {d["id"] for d in first["items"] + rest.json()["items"]} == set(ids)
    window = {
        "site_id": s,
        "from": (DAY + timedelta(days=1)).isoformat(),
        "to": (DAY + timedelta(days=1, hours=1)).isoformat(),
    }
    r = c.get("/api/v1/duties", headers=h, params=window)
    assert [d["id"] for d in r.json()["items"]] == [ids[1]]
    assert c.get("/api/v1/duties", headers=h, params={"cursor": "bogus"}).status_code == 422


def test_unknown_references_are_refused_and_nothing_stored(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s, g = site(staff), staff.person(armed=False)["id"]
    base = duty(g, s, armed=False)
    cases = [
        (duty("no-such-person", s, armed=False), 404, None),
        (duty(g, "no-such-site", armed=False), 422, "site_id"),
        ({**base, "kind": "escort", "site_id": None, "escort_id": "nope"}, 422, "escort_id"),
        ({**base, "kind": "escort", "site_id": None}, 422, None),  # an escort without escort_id
        ({**base, "site_id": None}, 422, None),  # a post without its site
        (duty(g, s, hours=-1, armed=False), 422, None),  # ends before it starts
        (duty(g, s, hours=30, armed=False), 422, None),  # longer than a day
    ]
    for body, status, field in cases:
        r = post(c, h, body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if field:
            assert r.json()["errors"][0]["field"] == field
    assert count(c, h) == 0


def test_cancel_then_cancel_again_conflicts(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s, g = site(staff), staff.person(armed=False)["id"]
    d = post(c, h, duty(g, s, armed=False)).json()
    r = c.post(f"/api/v1/duties/{d['id']}/actions/cancel", headers=h, json={"note": "site closed"})
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert r.json()["actions"] == []
    assert c.post(f"/api/v1/duties/{d['id']}/actions/cancel", headers=h).status_code == 409
    assert c.post(f"/api/v1/duties/{d['id']}/actions/fly", headers=h).status_code == 422
    # a cancelled duty no longer blocks the slot
    assert post(c, h, duty(g, s, armed=False)).status_code == 201


def test_update_is_judged_again(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s, g = site(staff), staff.person(armed=True)["id"]  # armed, but no checks and no licence
    d = post(c, h, duty(g, s, armed=False)).json()
    r = c.patch(f"/api/v1/duties/{d['id']}", headers=h, json={"armed": True})
    assert r.status_code == 422
    assert "check_missing" in {x["code"] for x in r.json()["reasons"]}
    assert c.get(f"/api/v1/duties/{d['id']}", headers=h).json()["armed"] is False
    later = (DAY + timedelta(hours=1)).isoformat()
    r = c.patch(f"/api/v1/duties/{d['id']}", headers=h, json={"starts_at": later})
    assert r.status_code == 200
    assert r.json()["starts_at"].startswith(later[:16])
    r = c.patch(f"/api/v1/duties/{d['id']}", headers=h, json={"ends_at": later})
    assert r.status_code == 422


def test_others_may_not_roster_or_see_a_companys_duties(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s, g = site(staff), staff.person(armed=False)["id"]
    d = post(c, h, duty(g, s, armed=False)).json()
    # another company neither rosters this company's people nor sees their duties
    assert post(c, staff.other_admin, duty(g, s, armed=False)).status_code == 404
    assert c.get(f"/api/v1/duties/{d['id']}", headers=staff.other_admin).status_code == 404
    assert c.get("/api/v1/duties", headers=staff.other_admin).json()["items"] == []
    # the embassy's liaison holds no staff role: no roster writes
    liaison = staff.w.headers["liaison"]
    assert post(c, liaison, duty(g, s, armed=False)).status_code == 403
    assert c.post(f"/api/v1/duties/{d['id']}/actions/cancel", headers=staff.other_admin).status_code == 404
