"""The alert page for a partner whose agreement gives a summary: it renders (it answered 500: a summary
carries no assignments and no shares) and shows what the summary holds, and nothing else."""

from __future__ import annotations

from tests.alerts.demo_world import Demo
from tests.demo.conftest import DEMO_PASSWORD
from tests.web.conftest import cookie_login


def test_the_embassy_reads_its_nationals_responding_sos_as_a_summary(demo: Demo) -> None:
    alert_id = demo.alert_in("responding")  # a Sindh SPU unit is on it, the alert is shared
    full = cookie_login(demo.client, "sindh.spu", DEMO_PASSWORD).get(f"/alerts/{alert_id}")
    assert full.status_code == 200
    assert "Yuting" in full.text
    assert "en route" in full.text

    page = cookie_login(demo.client, "embassy.liaison", DEMO_PASSWORD).get(f"/alerts/{alert_id}")
    assert page.status_code == 200, page.text
    assert 'data-testid="alert-status">responding<' in page.text
    assert page.text.count("not in your summary") + page.text.count("Not in your summary") == 2
    for hidden in ("Yuting", "Huang", "24.81550", "en route", "SPU-", "data-action=", "data-assign="):
        assert hidden not in page.text, hidden
    demo.close(alert_id)
