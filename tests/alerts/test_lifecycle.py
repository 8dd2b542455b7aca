"""The lifecycle transition table over HTTP: who may do what from which state; 409 names the state."""

from __future__ import annotations

from datetime import timedelta

from hifazat.alerts.lifecycle import TRANSITIONS
from hifazat.alerts.models import Alert
from hifazat.core.db import utcnow
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import Scene


def test_happy_path_records_who_and_when(scene: Scene) -> None:
    a = scene.sos()
    b = scene.act("psc-operator", a["id"], "acknowledge")
    assert b["status"] == "acknowledged"
    assert b["acknowledged_by"] == "psc-operator"
    assert b["acknowledged_at"]
    assert scene.act("psc-operator", a["id"], "respond")["status"] == "responding"
    c = scene.act("psc-operator", a["id"], "resolve")
    assert c["status"] == "resolved"
    assert c["resolved_by"] == "psc-operator"
    assert c["actions"] == ["reopen", "note"]
    tl = scene.client.get(f"/api/v1/alerts/{a['id']}/timeline", headers=scene.h("psc-operator")).json()[
        "items"
    ]
    moves = [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in tl if e["from_status"]]
    assert moves == [
        ("acknowledge", "new", "acknowledged", "psc-operator"),
        ("respond", "acknowledged", "responding", "psc-operator"),
        ("resolve", "responding", "resolved", "psc-operator"),
    ]


def test_invalid_transition_is_409_naming_the_current_state(scene: Scene) -> None:
    a = scene.sos()
    r = scene.client.post(f"/api/v1/alerts/{a['id']}/actions/resolve", headers=scene.h("psc-operator"))
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["current_state"] == "new"
    assert "new" in body["detail"]
    assert body["allowed_actions"] == ["acknowledge", "false_alarm"]
    assert body["errors"] == [{"field": "status", "reason": "alert is new"}]
    r = scene.client.post(f"/api/v1/alerts/{a['id']}/actions/explode", headers=scene.h("psc-operator"))
    assert r.status_code == 422
    assert (
        scene.client.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("psc-operator")).json()["status"]
        == "new"
    )


def test_reopen_rules(scene: Scene) -> None:
    a = scene.sos()
    scene.act("psc-operator", a["id"], "acknowledge")
    scene.act("psc-operator", a["id"], "resolve")
    assert scene.act("psc-operator", a["id"], "reopen")["status"] == "acknowledged"
    scene.act("psc-operator", a["id"], "resolve")
    with unit_of_work() as s:  # resolved long ago: past the reopen window
        row = s.get(Alert, a["id"])
        assert row is not None
        row.resolved_at = utcnow() - timedelta(days=3)
    r = scene.client.post(f"/api/v1/alerts/{a['id']}/actions/reopen", headers=scene.h("psc-operator"))
    assert r.status_code == 409
    assert "reopen window" in r.text

    b = scene.sos()
    scene.act("psc-operator", b["id"], "false_alarm")
    scene.act("psc-operator", b["id"], "reopen", status=403)  # only an admin reopens a false alarm
    reopened = scene.act("psc-admin", b["id"], "reopen")
    assert reopened["status"] == "new"
    assert reopened["acknowledged_at"] is None
    assert reopened["resolved_at"] is None


def test_table_is_closed_under_its_states() -> None:
    states = {s for s, _ in TRANSITIONS} | {t.to for t in TRANSITIONS.values()}
    assert states == {"new", "acknowledged", "responding", "resolved", "false_alarm"}
    assert all(t.roles for t in TRANSITIONS.values())
