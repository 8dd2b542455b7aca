"""Checks of a person: kinds, results, done_on never in the future, expires_on defaulting from the kind's
configured validity; the clearance endpoint answers every failing condition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hifazat.config import get_settings
from tests.personnel.conftest import Staff

ARMED = (
    "police_verification",
    "background_check",
    "biometric_verification",
    "physical_fitness",
    "psychological_evaluation",
    "weapons_training",
)


def test_expiry_defaults_from_the_kind_and_done_on_is_never_future(staff: Staff) -> None:
    p = staff.person()
    done = date.today() - timedelta(days=10)
    c = staff.check(p["id"], "physical_fitness", done_on=done.isoformat())
    days = get_settings().personnel_check_validity_days["physical_fitness"]
    assert c["expires_on"] == (done + timedelta(days=days)).isoformat()
    given = staff.check(
        p["id"], "weapons_training", expires_on=(date.today() + timedelta(days=3)).isoformat()
    )
    assert given["expires_on"] == (date.today() + timedelta(days=3)).isoformat()
    h = staff.w.headers["psc-admin"]
    future = (date.today() + timedelta(days=1)).isoformat()
    body = {"kind": "physical_fitness", "result": "pass", "done_on": future}
    r = staff.client.post(f"/api/v1/personnel/{p['id']}/checks", headers=h, json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "done_on"
    for bad in ({"kind": "horoscope"}, {"result": "maybe"}, {"evidence_sha256": "xyz"}):
        body = {"kind": "physical_fitness", "result": "pass", "done_on": done.isoformat(), **bad}
        assert (
            staff.client.post(f"/api/v1/personnel/{p['id']}/checks", headers=h, json=body).status_code == 422
        )
    listed = staff.client.get(f"/api/v1/personnel/{p['id']}/checks", headers=h).json()["items"]
    assert {i["kind"] for i in listed} == {"physical_fitness", "weapons_training"}


def test_evidence_digest_is_kept(staff: Staff) -> None:
    p = staff.person()
    c = staff.check(p["id"], "background_check", evidence_sha256="AB" * 32)
    assert c["evidence_sha256"] == "ab" * 32


def test_a_reader_outside_the_company_may_not_record(staff: Staff) -> None:
    p = staff.person()
    body = {"kind": "physical_fitness", "result": "pass", "done_on": "2026-01-01"}
    c, w = staff.client, staff.w
    assert (
        c.post(
            f"/api/v1/personnel/{p['id']}/checks", headers=w.headers["police-admin"], json=body
        ).status_code
        == 403
    )
    assert c.get(f"/api/v1/personnel/{p['id']}/checks", headers=w.headers["police-admin"]).status_code == 200


def _cleared_guard(staff: Staff) -> dict[str, str]:
    p = staff.person()
    for kind in ARMED:
        staff.check(p["id"], kind)
    staff.licence("noc")
    staff.licence("provincial")
    return p


def test_clearance_cleared_then_every_reason_at_once(staff: Staff) -> None:
    p = _cleared_guard(staff)
    c, h = staff.client, staff.w.headers["psc-operator"]
    r = c.get(f"/api/v1/personnel/{p['id']}/clearance", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["cleared"] is True
    assert r.json()["reasons"] == []
    # a failed psychological evaluation after the pass, a suspension, and the NOC suspended: all three
    staff.check(p["id"], "psychological_evaluation", result="fail", done_on=date.today().isoformat())
    admin = staff.w.headers["psc-admin"]
    c.patch(f"/api/v1/personnel/{p['id']}", headers=admin, json={"status": "suspended"})
    noc = c.get("/api/v1/licences?kind=noc", headers=staff.w.root_admin).json()["items"][0]
    c.post(f"/api/v1/licences/{noc['id']}/actions/suspend", headers=staff.w.root_admin)
    body = c.get(f"/api/v1/personnel/{p['id']}/clearance", headers=h).json()
    assert body["cleared"] is False
    codes = sorted(x["code"] for x in body["reasons"])
    assert codes == ["check_failed", "licence_invalid", "suspended"]


@pytest.mark.parametrize(
    ("window", "code"),
    [
        (("2031-01-01T08:00:00Z", "2031-01-01T16:00:00Z"), "check_expired"),  # a shift years ahead
        (("2026-01-02T08:00:00", "2026-01-01T16:00:00"), None),  # to before from: 422
    ],
)
def test_clearance_windows(staff: Staff, window: tuple[str, str], code: str | None) -> None:
    p = _cleared_guard(staff)
    r = staff.client.get(
        f"/api/v1/personnel/{p['id']}/clearance",
        params={"from": window[0], "to": window[1]},
        headers=staff.w.headers["psc-admin"],
    )
    if code is None:
        assert r.status_code == 422
        return
    assert r.status_code == 200, r.text
    assert code in {x["code"] for x in r.json()["reasons"]}


def test_age_limit_over_the_api(staff: Staff) -> None:
    born = date.today().replace(year=date.today().year - 61).isoformat()
    p = staff.person(date_of_birth=born)
    body = staff.client.get(
        f"/api/v1/personnel/{p['id']}/clearance", headers=staff.w.headers["psc-admin"]
    ).json()
    assert "age_limit" in {x["code"] for x in body["reasons"]}
    assert sum(x["code"] == "check_missing" for x in body["reasons"]) == len(ARMED)
