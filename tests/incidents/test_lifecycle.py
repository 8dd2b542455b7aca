"""POST /api/v1/incidents/{id}/actions/{action}: the transition table, who may take each move, what a
move must carry (a resolution, a reason), and the 409 naming the moves the state allows."""

from __future__ import annotations

from typing import Any

from tests.alerts.conftest import Scene
from tests.incidents.conftest import BASE, refused, stranger


def act(sc: Scene, user: str, iid: str, action: str, body: dict[str, Any] | None = None) -> Any:
    return sc.client.post(f"{BASE}/{iid}/actions/{action}", headers=sc.h(user), json=body or {})


def test_reported_to_closed(scene: Scene, incident: dict[str, Any]) -> None:
    iid = incident["id"]
    verified = act(scene, "psc-operator", iid, "verify", {"note": "seen on CCTV"}).json()
    assert verified["status"] == "verified"
    assert verified["actions"] == ["dismiss", "investigate", "update", "note"]
    # The Sindh police (jurisdiction) take the investigation over.
    r = act(scene, "police-operator", iid, "investigate")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "under_investigation"
    refused(act(scene, "police-operator", iid, "close"), 422, "resolution")
    refused(act(scene, "police-operator", iid, "close", {"resolution": "   "}), 422, "resolution")
    closed = act(scene, "police-operator", iid, "close", {"resolution": "Guard charged"}).json()
    assert closed["status"] == "closed"
    assert closed["resolution"] == "Guard charged"
    assert closed["closed_at"] is not None
    assert closed["actions"] == ["note"]  # no move, no edit once closed
    r = scene.client.patch(f"{BASE}/{iid}", headers=scene.h("psc-operator"), json={"severity": "low"})
    refused(r, 409, "status")
    timeline = scene.client.get(f"{BASE}/{iid}/timeline", headers=scene.h("psc-operator")).json()["items"]
    moves = [(e["action"], e["from_status"], e["to_status"]) for e in timeline]
    assert moves == [
        ("created", None, "reported"),
        ("verify", "reported", "verified"),
        ("investigate", "verified", "under_investigation"),
        ("close", "under_investigation", "closed"),
    ]
    assert timeline[1]["note"] == "seen on CCTV"
    assert timeline[3]["actor"] == "police-operator"


def test_illegal_move_names_the_allowed(scene: Scene, incident: dict[str, Any]) -> None:
    r = act(scene, "psc-operator", incident["id"], "close", {"resolution": "x"})
    refused(r, 409, "status")
    problem = r.json()
    assert problem["current_state"] == "reported"
    assert problem["allowed_actions"] == ["dismiss", "verify"]
    assert "allowed now: dismiss, verify" in problem["detail"]
    refused(act(scene, "psc-operator", incident["id"], "reopen"), 422)  # no such action at all


def test_dismiss_needs_a_reason_and_ends_it(scene: Scene, incident: dict[str, Any]) -> None:
    iid = incident["id"]
    refused(act(scene, "psc-operator", iid, "dismiss"), 422, "reason")
    got = act(scene, "psc-operator", iid, "dismiss", {"reason": "duplicate of an earlier report"}).json()
    assert got["status"] == "dismissed"
    assert got["dismiss_reason"] == "duplicate of an earlier report"
    r = act(scene, "psc-operator", iid, "verify")
    refused(r, 409)
    assert r.json()["allowed_actions"] == []


def test_who_may_move(scene: Scene, incident: dict[str, Any]) -> None:
    iid = incident["id"]
    # The partner has no sight of it: hidden, not forbidden.
    refused(act(scene, "liaison", iid, "verify"), 403)  # its role alone writes nothing on incidents
    assert scene.client.get(f"{BASE}/{iid}", headers=scene.h("liaison")).status_code == 404
    # A stranger with the role: the incident does not exist for it.
    punjab = stranger(scene)
    r = scene.client.post(f"{BASE}/{iid}/actions/verify", headers=punjab, json={})
    refused(r, 404)
    r = scene.client.post(f"{BASE}/{iid}/notes", headers=punjab, json={"note": "x"})
    refused(r, 404)
    # The national level (the ministry's admin) may do everything.
    assert act(scene, "admin", iid, "verify").json()["status"] == "verified"


def test_notes_on_the_timeline(scene: Scene, incident: dict[str, Any]) -> None:
    url = f"{BASE}/{incident['id']}/notes"
    r = scene.client.post(url, headers=scene.h("police-operator"), json={"note": "FIR registered"})
    assert r.status_code == 201, r.text
    refused(scene.client.post(url, headers=scene.h("psc-operator"), json={"note": ""}), 422, "note")
    items = scene.client.get(
        f"{BASE}/{incident['id']}/timeline", headers=scene.h("psc-operator"), params={"action": "note"}
    ).json()["items"]
    assert [(e["actor"], e["note"]) for e in items] == [("police-operator", "FIR registered")]
