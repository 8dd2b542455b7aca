"""The roster page: a site's week with each day's duties (at-risk ones with their reasons), the duty form
for those who roster, the week navigation, and nothing of another company's roster."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.personnel.conftest import Staff
from tests.personnel.duty_helpers import DAY, duty, post, site
from tests.web.conftest import cookie_login


def test_roster_week_page(staff: Staff) -> None:
    c, h = staff.client, staff.w.headers["psc-admin"]
    s = site(staff, "psc-admin")
    g = staff.person(armed=False)["id"]
    d = post(c, h, duty(g, s, armed=False)).json()
    c.patch(f"/api/v1/personnel/{g}", headers=h, json={"status": "suspended"})
    from hifazat.config import get_settings
    from hifazat.personnel import compliance
    from hifazat.platform.db import unit_of_work

    with unit_of_work() as ses:
        assert compliance.recheck(ses, datetime.now(UTC), get_settings()) == [d["id"]]
    web = cookie_login(c, "psc-admin")
    r = web.get(f"/roster?site_id={s}&week={DAY.date().isoformat()}")
    assert r.status_code == 200
    assert 'href="/roster"' in r.text  # the nav item
    assert f'data-duty-id="{d["id"]}"' in r.text
    assert "Asif Khan" in r.text
    assert "<code>suspended</code>" in r.text
    assert 'id="duty-form"' in r.text
    assert 'data-testid="refusals"' in r.text
    assert "/static/js/roster.js" in r.text
    assert web.get(f"/roster?site_id={s}&week=not-a-date").status_code == 200
    # the operator reads the roster too; another company sees no duty of this one
    other = cookie_login(c, "other-admin")
    r = other.get(f"/roster?site_id={s}&week={DAY.date().isoformat()}")
    assert r.status_code == 200
    assert d["id"] not in r.text
