"""The domain's events, as the outbox holds them: each with its scope (the employer, the province and
district), a CNIC change named as `cnic` and never its value; a change of nothing announces nothing."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.personnel.events import CHECK_SUBJECT, LICENCE_SUBJECT, PERSONNEL_SUBJECT
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent
from tests.personnel.conftest import CNIC, Staff


def _events(subject: str) -> list[dict[str, object]]:
    with unit_of_work(readonly=True) as s:
        stmt = select(OutboxEvent).where(OutboxEvent.subject == subject).order_by(OutboxEvent.seq)
        return [dict(e.payload) for e in s.scalars(stmt)]


def test_events_carry_their_scope_and_no_cnic(staff: Staff) -> None:
    p = staff.person()
    h = staff.w.headers["psc-admin"]
    c = staff.client
    assert (
        c.patch(f"/api/v1/personnel/{p['id']}", headers=h, json={"cnic": "42101-5555555-5"}).status_code
        == 200
    )
    # the same number again, and an empty change: nothing to announce
    assert (
        c.patch(f"/api/v1/personnel/{p['id']}", headers=h, json={"cnic": "42101-5555555-5"}).status_code
        == 200
    )
    assert c.patch(f"/api/v1/personnel/{p['id']}", headers=h, json={}).status_code == 200
    staff.check(p["id"], "weapons_training")
    lic = staff.licence()
    c.post(f"/api/v1/licences/{lic['id']}/actions/suspend", headers=staff.w.root_admin)
    people = _events(PERSONNEL_SUBJECT)
    assert [(e["change"], e["fields"]) for e in people] == [("created", []), ("updated", ["cnic"])]
    assert people[0]["agency_id"] == staff.w.agency["psc"]
    assert (people[0]["province"], people[0]["district"]) == ("PK-SD", "Karachi South")
    [check] = _events(CHECK_SUBJECT)
    assert (check["personnel_id"], check["kind"], check["agency_id"]) == (
        p["id"],
        "weapons_training",
        staff.w.agency["psc"],
    )
    assert [e["change"] for e in _events(LICENCE_SUBJECT)] == ["created", "suspend"]
    every = str(people) + str(check)
    assert CNIC not in every
    assert "5555555" not in every


def test_nulls_are_refused_where_a_value_is_required(staff: Staff) -> None:
    p = staff.person()
    h = staff.w.headers["psc-admin"]
    for name in ("cnic", "role", "given_name", "armed", "date_of_birth"):
        r = staff.client.patch(f"/api/v1/personnel/{p['id']}", headers=h, json={name: None})
        assert r.status_code == 422, (name, r.text)
    r = staff.client.patch(f"/api/v1/personnel/{p['id']}", headers=h, json={"phone": None, "province": None})
    assert r.status_code == 200
    assert r.json()["province"] is None
