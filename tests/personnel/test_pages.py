"""The personnel pages: list, new and detail (with checks and clearance reasons); licences list and
detail; CNIC masked for the operator and never in an edit form; other companies' people a 404 page."""

from __future__ import annotations

from datetime import date, timedelta

from tests.personnel.conftest import CNIC, Staff
from tests.web.conftest import cookie_login


def test_personnel_pages(staff: Staff) -> None:
    p = staff.person()
    staff.check(
        p["id"],
        "psychological_evaluation",
        expires_on=(date.today() - timedelta(days=1)).isoformat(),
        done_on=(date.today() - timedelta(days=400)).isoformat(),
    )
    web = cookie_login(staff.client, "psc-operator")
    r = web.get("/personnel")
    assert r.status_code == 200
    assert "Asif Khan" in r.text
    assert 'href="/personnel"' in r.text  # the nav item
    r = web.get(f"/personnel/{p['id']}")
    assert r.status_code == 200
    assert CNIC not in r.text
    assert "*****-******7-1" in r.text
    assert 'data-code="check_expired"' in r.text
    assert 'data-code="licence_invalid"' in r.text
    assert "psychological_evaluation" in r.text
    assert 'name="cnic"' not in r.text  # the edit form leaves the number out
    assert 'data-url="/api/v1/personnel/' in r.text
    assert web.get("/personnel/new").status_code == 200
    admin = cookie_login(staff.client, "psc-admin")
    r = admin.get(f"/personnel/{p['id']}")
    assert CNIC in r.text  # the admin's role needs it: shown in the record, not put into a form
    assert f'value="{CNIC}"' not in r.text
    other = cookie_login(staff.client, "other-admin")
    r = other.get(f"/personnel/{p['id']}")
    assert r.status_code == 404
    assert "Asif" not in other.get("/personnel").text


def test_licence_pages(staff: Staff) -> None:
    lic = staff.licence(number="NOC-PAGE-7")
    web = cookie_login(staff.client, "psc-admin")
    r = web.get("/licences")
    assert r.status_code == 200
    assert "NOC-PAGE-7" in r.text
    r = web.get(f"/licences/{lic['id']}")
    assert r.status_code == 200
    assert 'data-api="PATCH"' not in r.text  # the company reads its licence, the ministry changes it
    ministry = cookie_login(staff.client, "admin")
    r = ministry.get(f"/licences/{lic['id']}")
    assert 'data-api="PATCH"' in r.text
    assert cookie_login(staff.client, "other-admin").get(f"/licences/{lic['id']}").status_code == 404
