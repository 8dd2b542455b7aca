"""The daily compliance job: every future duty judged again; those that no longer pass are marked at risk
with their reasons and the employer's supervisors told (once); past and cancelled duties are left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from hifazat.config import get_settings
from hifazat.notify.models import Delivery
from hifazat.personnel import compliance
from hifazat.platform.db import unit_of_work
from tests.personnel.conftest import Staff
from tests.personnel.duty_helpers import DAY, duty, licensed, post, site, vetted


def _run() -> list[str]:
    with unit_of_work() as s:
        return compliance.recheck(s, datetime.now(UTC), get_settings())


def test_marks_duties_that_became_invalid_and_tells_supervisors_once(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    licensed(staff)
    s, g = site(staff), vetted(staff)
    armed = post(c, h, duty(g, s)).json()
    unarmed = post(c, h, duty(g, s, DAY + timedelta(days=2), armed=False)).json()
    cancelled = post(c, h, duty(g, s, DAY + timedelta(days=4))).json()
    c.post(f"/api/v1/duties/{cancelled['id']}/actions/cancel", headers=h)
    assert _run() == []  # all compliant: nothing marked, nobody told
    # a failed retest of the psychological evaluation today: the armed duty no longer stands
    staff.check(g, "psychological_evaluation", "fail", done_on=date.today().isoformat())
    assert _run() == [armed["id"]]
    got = c.get(f"/api/v1/duties/{armed['id']}", headers=h).json()
    assert got["at_risk"] is True
    assert [r["code"] for r in got["risk_reasons"]] == ["check_failed"]
    assert c.get(f"/api/v1/duties/{unarmed['id']}", headers=h).json()["at_risk"] is False
    assert c.get(f"/api/v1/duties/{cancelled['id']}", headers=h).json()["at_risk"] is False
    with unit_of_work() as ses:
        rows = list(ses.scalars(select(Delivery).where(Delivery.ref_kind == compliance.REF_KIND)))
        assert {d.ref_id for d in rows} == {armed["id"]}
        assert len({d.user_id for d in rows if d.user_id}) == 2  # psc-admin and psc-operator
        first = len(rows)
    assert _run() == []  # the next day, the same verdict: no second warning
    with unit_of_work() as ses:
        rows = list(ses.scalars(select(Delivery).where(Delivery.ref_kind == compliance.REF_KIND)))
        assert len(rows) == first
    # the company sees the warning's deliveries, another company does not
    url = f"/api/v1/deliveries?ref_kind={compliance.REF_KIND}&ref_id={armed['id']}"
    assert c.get(url, headers=h).json()["items"]
    assert c.get(url, headers=staff.other_admin).json()["items"] == []


def test_suspension_puts_every_future_duty_at_risk_and_reinstatement_clears_it(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    licensed(staff)
    s, g = site(staff), vetted(staff)
    ids = {post(c, h, duty(g, s, DAY + timedelta(days=d), armed=d == 0)).json()["id"] for d in range(2)}
    c.patch(f"/api/v1/personnel/{g}", headers=h, json={"status": "suspended"})
    assert set(_run()) == ids
    for i in ids:
        assert "suspended" in [
            r["code"] for r in c.get(f"/api/v1/duties/{i}", headers=h).json()["risk_reasons"]
        ]
    c.patch(f"/api/v1/personnel/{g}", headers=h, json={"status": "active"})
    assert _run() == []
    assert all(not c.get(f"/api/v1/duties/{i}", headers=h).json()["at_risk"] for i in ids)
