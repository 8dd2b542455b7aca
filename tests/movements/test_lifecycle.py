"""The movement lifecycle: the transition table, who moves each step (the requester, the route's police),
the permitted actions listed on each movement, and refused moves changing nothing."""

from __future__ import annotations

from typing import Any

from tests.movements.conftest import URL, Fleet


def _status(fleet: Fleet, mid: str) -> str:
    return str(fleet.client.get(f"{URL}/{mid}", headers=fleet.w.headers["psc-admin"]).json()["status"])


def test_the_whole_journey(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    r = fleet.act(mid, "submit", "psc-operator")
    assert r.status_code == 200, r.text
    assert r.json()["actions"] == ["cancel"]  # the requester may not approve its own movement
    police = fleet.client.get(f"{URL}/{mid}", headers=fleet.w.headers["police-operator"]).json()
    assert police["actions"] == ["approve", "reject"]
    r = fleet.act(mid, "approve", "police-operator", note="escort from Thatta")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decision_note"]) == ("approved", "escort from Thatta")
    assert fleet.act(mid, "start", "psc-operator").json()["status"] == "in_progress"
    r = fleet.act(mid, "arrive", "psc-admin")
    assert (r.json()["status"], r.json()["actions"]) == ("arrived", [])


def test_reject_needs_a_note_and_is_the_authoritys(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    fleet.act(mid, "submit", "psc-admin")
    assert fleet.act(mid, "reject", "psc-admin", note="x").status_code == 403  # not its own
    r = fleet.act(mid, "reject", "police-operator")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "note"
    assert _status(fleet, mid) == "submitted"
    assert fleet.act(mid, "reject", "police-operator", note="route closed").json()["status"] == "rejected"


def test_refused_moves_change_nothing(fleet: Fleet) -> None:
    mid = fleet.file().json()["id"]
    r = fleet.act(mid, "approve", "police-operator")  # still a draft
    assert r.status_code == 409, r.text
    assert r.json()["allowed_actions"] == ["cancel", "submit"]
    assert fleet.act(mid, "submit", "police-operator").status_code == 403  # not the requester
    assert fleet.act(mid, "submit", "liaison").status_code == 403  # no staff role
    assert fleet.act(mid, "fly", "psc-admin").status_code == 404
    assert fleet.act("nope", "submit", "psc-admin").status_code == 404
    assert _status(fleet, mid) == "draft"
    assert fleet.act(mid, "cancel", "psc-admin").json()["status"] == "cancelled"
    assert fleet.act(mid, "submit", "psc-admin").status_code == 409


def test_the_ministry_approves_anywhere(fleet: Fleet, world: Any) -> None:
    mid = fleet.file().json()["id"]
    fleet.act(mid, "submit", "psc-admin")
    r = world.client.post(f"{URL}/{mid}/actions/approve", headers=world.root_admin)
    assert r.status_code == 200, r.text
