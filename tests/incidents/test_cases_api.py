"""Cases: opening one on incidents (each visible, none in a case yet), the read with its lists and
`actions`, the list with its filter and pages, edits, close and reopen; who may write."""

from __future__ import annotations

from typing import Any

from hifazat.incidents.case_models import Case, CaseIncident
from hifazat.platform.audit.models import AuditEntry
from tests.alerts.conftest import Scene, count
from tests.incidents.cases_support import CASES, get, open_case, patch, user_id
from tests.incidents.conftest import file, refused, stranger


def test_open_a_case_on_an_incident(scene: Scene) -> None:
    investigator = user_id("psc-admin")
    incident = file(scene)
    case = open_case(scene, incident=incident, investigator_ids=[investigator], findings="", root_cause="")
    assert case["status"] == "open"
    assert case["agency_id"] == scene.world.agency["psc"]
    assert (case["province"], case["district"]) == (incident["province"], incident["district"])
    assert [i["id"] for i in case["incidents"]] == [incident["id"]]
    assert [u["id"] for u in case["investigators"]] == [investigator]
    assert case["tasks"] == case["milestones"] == case["corrective_actions"] == []
    assert case["actions"] == ["close", "update", "work"]
    assert count(AuditEntry, AuditEntry.entity == "cases", AuditEntry.entity_id == case["id"]) == 3


def test_unknown_incident_is_refused_naming_it(scene: Scene) -> None:
    r = scene.client.post(
        CASES, headers=scene.h("psc-operator"), json={"title": "x", "incident_ids": ["nope"]}
    )
    refused(r, 422, "incident_ids.0")
    assert count(Case) == 0


def test_an_incident_the_caller_does_not_see_is_refused_as_unknown(scene: Scene) -> None:
    incident = file(scene)
    headers = stranger(scene)
    r = scene.client.post(CASES, headers=headers, json={"title": "x", "incident_ids": [incident["id"]]})
    refused(r, 422, "incident_ids.0")
    assert r.json()["errors"][0]["reason"] == "no such incident visible to you"
    assert count(Case) == 0


def test_an_incident_already_in_a_case_conflicts(scene: Scene) -> None:
    incident = file(scene)
    first = open_case(scene, incident=incident)
    r = scene.client.post(
        CASES, headers=scene.h("psc-operator"), json={"title": "again", "incident_ids": [incident["id"]]}
    )
    refused(r, 409, "incident_ids.0")
    assert r.json()["case_id"] == first["id"]
    assert count(Case) == 1
    assert count(CaseIncident) == 1


def test_bodies_that_say_too_little_are_refused(scene: Scene) -> None:
    incident = file(scene)
    for body, field in (
        ({"title": "x", "incident_ids": []}, "incident_ids"),
        ({"title": "", "incident_ids": [incident["id"]]}, "title"),
        ({"title": "x", "incident_ids": [incident["id"], incident["id"]]}, "incident_ids"),
        (
            {"title": "x", "incident_ids": [incident["id"]], "investigator_ids": ["nobody"]},
            "investigator_ids.0",
        ),
        ({"title": "x", "incident_ids": [incident["id"]], "agency_id": "x"}, "agency_id"),
    ):
        r = scene.client.post(CASES, headers=scene.h("psc-operator"), json=body)
        refused(r, 422, field)
    assert count(Case) == 0


def test_an_investigator_of_another_agency_is_refused(scene: Scene) -> None:
    r = scene.client.post(
        CASES,
        headers=scene.h("psc-operator"),
        json={
            "title": "x",
            "incident_ids": [file(scene)["id"]],
            "investigator_ids": [user_id("police-admin")],
        },
    )
    refused(r, 422, "investigator_ids.0")


def test_who_reads_and_who_writes(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}"
    # The Sindh police: the case lies in its jurisdiction, it reads it in full and writes nothing.
    police = get(scene, "police-operator", url)
    assert police["view"] == "full"
    assert police["relations"] == ["jurisdiction"]
    assert police["actions"] == []
    refused(scene.client.patch(url, headers=scene.h("police-operator"), json={"title": "t"}), 403)
    refused(
        scene.client.post(f"{url}/actions/close", headers=scene.h("police-operator"), json={"findings": "f"}),
        403,
    )
    # The embassy and an agency elsewhere: no such case.
    refused(scene.client.get(url, headers=scene.h("liaison")), 404)
    refused(scene.client.get(url, headers=stranger(scene)), 404)
    assert get(scene, "liaison", CASES)["items"] == []
    refused(
        scene.client.post(CASES, headers=scene.h("liaison"), json={"title": "x", "incident_ids": ["a"]}), 403
    )
    assert get(scene, "psc-operator", url)["title"] == "Clifton gate shooting"


def test_edit_and_its_refusals(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}"
    inv = user_id("psc-operator")
    out = patch(
        scene, "psc-admin", url, {"title": "Clifton gate", "root_cause": "vetting", "investigator_ids": [inv]}
    )
    assert out["title"] == "Clifton gate"
    assert out["root_cause"] == "vetting"
    assert [u["id"] for u in out["investigators"]] == [inv]
    refused(scene.client.patch(url, headers=scene.h("psc-admin"), json={"title": None}), 422, "title")
    refused(scene.client.patch(url, headers=scene.h("psc-admin"), json={"status": "closed"}), 422)
    refused(
        scene.client.patch(url, headers=scene.h("psc-admin"), json={"investigator_ids": None}),
        422,
        "investigator_ids",
    )
    assert [u["id"] for u in get(scene, "psc-admin", url)["investigators"]] == [inv]
    assert get(scene, "psc-admin", url)["status"] == "open"


def test_close_needs_findings_then_reopen(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}"
    refused(
        scene.client.post(f"{url}/actions/close", headers=scene.h("psc-operator"), json={}), 422, "findings"
    )
    refused(
        scene.client.post(f"{url}/actions/reopen", headers=scene.h("psc-operator"), json={}), 409, "status"
    )
    r = scene.client.post(
        f"{url}/actions/close", headers=scene.h("psc-operator"), json={"findings": "Insider."}
    )
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["status"] == "closed"
    assert closed["closed_at"]
    assert closed["findings"] == "Insider."
    assert closed["actions"] == ["reopen"]
    again = scene.client.post(f"{url}/actions/close", headers=scene.h("psc-operator"), json={"findings": "x"})
    refused(again, 409, "status")
    assert again.json()["allowed_actions"] == ["reopen"]
    refused(scene.client.patch(url, headers=scene.h("psc-operator"), json={"title": "t"}), 409, "status")
    refused(
        scene.client.post(f"{url}/tasks", headers=scene.h("psc-operator"), json={"title": "t"}), 409, "status"
    )
    r = scene.client.post(f"{url}/actions/reopen", headers=scene.h("psc-admin"), json={})
    assert r.status_code == 200
    assert r.json()["status"] == "open"
    assert r.json()["closed_at"] is None
    refused(scene.client.post(f"{url}/actions/shut", headers=scene.h("psc-admin"), json={}), 422)


def test_list_filters_and_pages(scene: Scene) -> None:
    cases: list[dict[str, Any]] = [open_case(scene) for _ in range(3)]
    scene.post("psc-operator", f"{CASES}/{cases[0]['id']}/actions/close", {"findings": "f"}, 200)
    items = get(scene, "psc-operator", f"{CASES}?status=open")["items"]
    assert {c["id"] for c in items} == {cases[1]["id"], cases[2]["id"]}
    assert all(c["overdue"] == {"tasks": 0, "milestones": 0, "corrective_actions": 0} for c in items)
    page = get(scene, "psc-operator", f"{CASES}?limit=2")
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    rest = get(scene, "psc-operator", f"{CASES}?limit=2&cursor={page['next_cursor']}")
    assert [c["id"] for c in rest["items"]] == [cases[0]["id"]]
    assert rest["next_cursor"] is None
    refused(scene.client.get(f"{CASES}?status=shut", headers=scene.h("psc-operator")), 422)
