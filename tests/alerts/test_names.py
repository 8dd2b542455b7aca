"""Names, not ids (issue 17.6): timelines, deliveries and escalation levels name units and people, each
name under the visibility of what it names (a user outside the caller's tree is "a user of <agency>")."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from hifazat.auth.labels import labels
from hifazat.auth.models import User
from hifazat.auth.policy import build_principal
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import Scene
from tests.alerts.test_pages import web


def _respond(scene: Scene) -> dict[str, Any]:
    a = scene.sos()
    h = scene.h("psc-operator")
    r = scene.client.post(
        f"/api/v1/alerts/{a['id']}/assignments", headers=h, json={"unit_ids": [scene.ids["qrf_near"]]}
    )
    assert r.status_code == 201, r.text
    [asg] = r.json()["items"]
    path = f"/api/v1/alerts/{a['id']}/assignments/{asg['id']}"
    assert scene.client.patch(path, headers=h, json={"status": "on_scene"}).status_code == 200
    scene.post("psc-operator", f"/api/v1/alerts/{a['id']}/notes", {"note": "guards at the gate"})
    return a


def _timeline(scene: Scene, user: str, alert_id: str) -> list[dict[str, Any]]:
    r = scene.client.get(f"/api/v1/alerts/{alert_id}/timeline", headers=scene.h(user))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_timeline_names_the_unit_its_status_and_the_user(scene: Scene) -> None:
    a = _respond(scene)
    items = _timeline(scene, "psc-operator", a["id"])
    lines = [e["label"] for e in items]
    assert "Unit QRF-NEAR dispatched by Psc-Operator" in lines
    assert "Unit QRF-NEAR → on scene by Psc-Operator" in lines
    assert "Acknowledged by Psc-Operator" in lines
    [note] = [e for e in items if e["action"] == "note"]
    assert note["actor_label"] == "Psc-Operator"
    assert note["label"] == "Note by Psc-Operator"
    [moved] = [e for e in items if e["action"] == "unit_status"]
    assert moved["unit_label"] == "QRF-NEAR"
    assert moved["data"]["unit_id"] == scene.ids["qrf_near"]  # the ids stay: they are the contract
    assert moved["actor"] == "psc-operator"

    page = web(scene, "psc-operator").get(f"/alerts/{a['id']}").text
    timeline = page.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "Unit QRF-NEAR → on scene by Psc-Operator" in timeline
    assert "Note by Psc-Operator" in timeline
    assert "guards at the gate" in timeline
    assert scene.ids["qrf_near"] not in timeline


def test_another_agency_reads_which_agency_acted_not_who(scene: Scene) -> None:
    a = _respond(scene)
    items = _timeline(scene, "police-operator", a["id"])  # Sindh jurisdiction: a full view, another tree
    lines = [e["label"] for e in items]
    assert "Unit QRF-NEAR → on scene by a user of Agency psc" in lines
    assert all("Psc-Operator" not in str(e.get("actor_label")) for e in items)
    page = web(scene, "police-operator").get(f"/alerts/{a['id']}").text
    timeline = page.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "Psc-Operator" not in timeline
    assert "a user of Agency psc" in timeline


def test_deliveries_name_their_recipients_within_the_visibility_rules(scene: Scene) -> None:
    a = scene.sos()
    own = scene.client.get(f"/api/v1/alerts/{a['id']}/deliveries", headers=scene.h("psc-operator")).json()
    by_user = {d["recipient_id"]: d for d in own["items"] if d["recipient_kind"] == "user"}
    with unit_of_work(readonly=True) as s:
        ids = {name: uid for name, uid in s.execute(select(User.username, User.id))}
    mine = by_user[ids["psc-operator"]]
    assert mine["recipient_label"] == "Psc-Operator"
    assert mine["recipient_agency_label"] == "Agency psc"
    others = [d for d in own["items"] if d["agency_id"] == scene.world.agency["police"]]
    assert others, "level 0 pages the police with jurisdiction"
    for d in others:
        assert d["recipient_label"] in ("a user of Agency police", "an agency of Agency police"), d
        assert d["address"] is None  # presentation's rule holds beside the labels
    # The notify API says the same, and the page shows names, not recipient ids.
    api = scene.client.get(
        "/api/v1/deliveries",
        params={"ref_kind": "alert", "ref_id": a["id"]},
        headers=scene.h("police-operator"),
    ).json()["items"]
    labelled = {d["recipient_id"]: d["recipient_label"] for d in api if d["recipient_kind"] == "user"}
    assert labelled[ids["psc-operator"]] == "a user of Agency psc"
    assert labelled[ids["police-operator"]] == "Police-Operator"
    page = web(scene, "psc-operator").get(f"/alerts/{a['id']}").text
    table = page.split('data-testid="deliveries"')[1].split("</table>")[0]
    assert "Psc-Operator" in table
    assert ids["psc-operator"] not in table
    assert "Police-Operator" not in table


def test_escalation_levels_read_as_agency_role_and_user_names(scene: Scene) -> None:
    with unit_of_work(readonly=True) as s:
        op = s.scalar(select(User.id).where(User.username == "psc-operator"))
    body = {
        "name": "Karachi nights",
        "levels": [
            {
                "timeout_s": 60,
                "targets": [{"kind": "role", "role": "operator", "agency_id": scene.world.agency["psc"]}],
            },
            {
                "timeout_s": 120,
                "targets": [
                    {"kind": "user", "id": op},
                    {"kind": "agency", "id": scene.world.agency["police"]},
                ],
            },
        ],
    }
    policy = scene.post("psc-admin", "/api/v1/escalation-policies", body)
    assert policy["level_labels"] == [
        ["Agency: Agency psc / role: operator"],
        ["user: Psc-Operator", "Agency: Agency police"],
    ]
    assert policy["levels"][1]["targets"][0]["id"] == op
    page = web(scene, "psc-admin").get("/alerts/policies").text
    listing = page.split('data-testid="policies"')[1].split("</table>")[0]
    assert "Agency: Agency psc / role: operator" in listing
    assert "user: Psc-Operator" in listing
    assert not re.search(r"agency:[0-9a-f]{8}-", listing)


def test_a_person_label_keeps_what_an_agreement_redacts(scene: Scene) -> None:
    r = scene.client.post(
        "/api/v1/sharing-agreements",
        headers=scene.h("psc-admin"),
        json={
            "name": "Embassy, no family names",
            "grantor_id": scene.world.agency["psc"],
            "grantee_id": scene.world.agency["embassy"],
            "entity_kinds": ["persons"],
            "filters": {"nationality": "CN"},
            "level": "summary",
            "redact_fields": ["family_name"],
        },
    )
    assert r.status_code == 201, r.text
    with unit_of_work(readonly=True) as s:

        def principal(name: str) -> Any:
            u = s.scalars(select(User).where(User.username == name)).one()
            return build_principal(s, user_id=u.id, username=u.username, agency_id=u.agency_id, roles=u.roles)

        li = scene.ids["li"]
        assert labels(s, principal("liaison"), "persons", [li]) == {li: "Li"}
        assert labels(s, principal("psc-operator"), "persons", [li]) == {li: "Li Wei"}
        assert labels(s, principal("police-operator"), "persons", [li]) == {li: "Li Wei"}  # jurisdiction
        assert labels(s, principal("liaison"), "units", [scene.ids["qrf_near"]]) == {}  # not its to see
        op = s.scalar(select(User.id).where(User.username == "psc-operator"))
        assert labels(s, principal("liaison"), "users", [op]) == {op: "a user of Agency psc"}
