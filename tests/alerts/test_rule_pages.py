"""The alert-rules page (/alert-rules): the rule in force for each event kind and who defined it; an admin
sets the agency's own rule from a form that PUTs to the API (audited), a bad value named at its field; an
operator reads without forms; a liaison is refused and has no link to it."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.conftest import World
from tests.web.conftest import FETCH, cookie_login


def test_rule_set_from_the_page_lands_audited_and_is_shown(world: World) -> None:
    police = world.agency["police"]
    web = cookie_login(world.client, "police-admin")
    page = web.get("/alert-rules")
    assert page.status_code == 200
    assert 'href="/alert-rules"' in page.text  # in the nav
    assert 'data-api="PUT" data-url="/api/v1/alert-rules/low_battery"' in page.text
    assert f'data-after="/alert-rules?agency_id={police}"' in page.text
    assert 'data-error-for="suppress_s"' in page.text  # where a bad window is shown
    row = page.text.split('data-event-kind="low_battery"')[1].split("</tr>")[0]
    assert "built-in" in row

    # What the low-battery form sends: "no alert" is an explicit null (forms.js sends nulls on PUT).
    body = {"agency_id": police, "severity": None, "suppress_s": 120, "enabled": True}
    r = web.put("/api/v1/alert-rules/low_battery", headers=FETCH, json=body)
    assert r.status_code == 200, r.text
    rule_id = r.json()["id"]
    with unit_of_work(readonly=True) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == rule_id)).one()
        assert (entry.entity, entry.action, entry.actor) == ("alert_rules", "create", "police-admin")
    row = web.get("/alert-rules").text.split('data-event-kind="low_battery"')[1].split("</tr>")[0]
    assert "no alert" in row
    assert "Agency police (own)" in row
    assert ">120<" in row

    bad = web.put("/api/v1/alert-rules/sos", headers=FETCH, json={"severity": "high", "suppress_s": 10**9})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["suppress_s"]


def test_rule_page_read_only_for_operators_and_refused_to_a_liaison(world: World) -> None:
    operator = cookie_login(world.client, "police-operator")
    page = operator.get("/alert-rules")
    assert page.status_code == 200
    assert 'data-event-kind="sos"' in page.text
    assert "data-api=" not in page.text
    # Only the caller's own tree: another agency's rules are not theirs to read.
    other = operator.get("/alert-rules", params={"agency_id": world.agency["psc"]})
    assert other.status_code == 422
    liaison = cookie_login(world.client, "liaison")
    assert liaison.get("/alert-rules").status_code == 403
    assert 'href="/alert-rules"' not in liaison.get("/alerts").text
