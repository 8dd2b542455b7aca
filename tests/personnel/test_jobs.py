"""The expiry warning job: a passed check that still stands and expires within the configured days
warns the employer's admins and operators through notify (once: a second run writes nothing)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from hifazat.config import get_settings
from hifazat.notify.models import Delivery
from hifazat.personnel import jobs
from hifazat.platform.db import unit_of_work
from tests.personnel.conftest import CNIC, Staff


def test_warns_the_employers_supervisors_once(staff: Staff) -> None:
    p = staff.person()
    soon = (date.today() + timedelta(days=5)).isoformat()
    lapsing = staff.check(p["id"], "psychological_evaluation", expires_on=soon)
    staff.check(p["id"], "physical_fitness", expires_on=soon)
    staff.check(p["id"], "physical_fitness", done_on=date.today().isoformat())  # renewed: no warning
    staff.check(p["id"], "weapons_training")  # far from expiry: no warning
    with unit_of_work() as s:
        assert jobs.warn_expiring(s, date.today(), get_settings()) == 1
    with unit_of_work() as s:
        rows = list(s.scalars(select(Delivery).where(Delivery.ref_kind == jobs.REF_KIND)))
        assert rows
        assert {d.ref_id for d in rows} == {lapsing["id"]}
        assert {d.agency_id for d in rows if d.agency_id} <= {staff.w.agency["psc"]}
        users = {d.user_id for d in rows if d.user_id}
        assert len(users) == 2  # psc-admin and psc-operator
        assert all(CNIC not in str(d.payload) for d in rows)
        first = len(rows)
    with unit_of_work() as s:  # the next turn: the same warnings are already written
        jobs.warn_expiring(s, date.today(), get_settings())
    with unit_of_work() as s:
        assert len(list(s.scalars(select(Delivery).where(Delivery.ref_kind == jobs.REF_KIND)))) == first
    # the company's people see the warning's deliveries; another company does not
    own = staff.client.get(
        f"/api/v1/deliveries?ref_kind={jobs.REF_KIND}&ref_id={lapsing['id']}",
        headers=staff.w.headers["psc-admin"],
    )
    assert own.status_code == 200, own.text
    assert own.json()["items"]
    other = staff.client.get(
        f"/api/v1/deliveries?ref_kind={jobs.REF_KIND}&ref_id={lapsing['id']}", headers=staff.other_admin
    )
    assert other.status_code == 200
    assert other.json()["items"] == []  # not theirs to see: only deliveries to themselves, none


def test_no_warning_for_people_who_left_nor_beyond_the_window(staff: Staff) -> None:
    p = staff.person()
    staff.check(p["id"], "weapons_training", expires_on=(date.today() + timedelta(days=45)).isoformat())
    with unit_of_work() as s:
        assert jobs.warn_expiring(s, date.today(), get_settings()) == 0
        assert jobs.warn_expiring(s, date.today() + timedelta(days=20), get_settings()) == 1
    staff.client.patch(
        f"/api/v1/personnel/{p['id']}", headers=staff.w.headers["psc-admin"], json={"status": "left"}
    )
    with unit_of_work() as s:
        assert jobs.expiring(s, date.today() + timedelta(days=20), 30) == []
