"""A case's tasks, milestones and corrective actions: add, list, edit, `overdue`, the refusals (a bad
kind, a done date in the future, an owner of another agency, someone without a stake); the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hifazat.incidents.case_work_models import CaseMilestone, CaseTask
from hifazat.platform.audit.models import AuditEntry
from tests.alerts.conftest import Scene, count
from tests.incidents.cases_support import CASES, get, open_case, patch, user_id
from tests.incidents.conftest import refused


def at(**kw: float) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


def test_tasks_add_list_edit_and_overdue(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}/tasks"
    who = user_id("psc-admin")
    late = scene.post(
        "psc-operator", url, {"title": "Interview the guard", "assignee_id": who, "due_at": at(days=-1)}
    )
    soon = scene.post("psc-operator", url, {"title": "Collect CCTV", "due_at": at(days=2)})
    assert late["overdue"] is True
    assert soon["overdue"] is False
    assert [t["id"] for t in get(scene, "police-operator", url)["items"]] == [late["id"], soon["id"]]
    read = get(scene, "psc-operator", f"{CASES}/{case['id']}")
    assert read["overdue"]["tasks"] == 1
    assert [t["overdue"] for t in read["tasks"]] == [True, False]
    done = patch(scene, "psc-operator", f"{url}/{late['id']}", {"done": True})
    assert done["done"] is True
    assert done["overdue"] is False
    assert count(AuditEntry, AuditEntry.entity == "case_tasks", AuditEntry.entity_id == late["id"]) == 2
    refused(
        scene.client.patch(f"{url}/{late['id']}", headers=scene.h("psc-operator"), json={"done": None}),
        422,
        "done",
    )
    refused(scene.client.patch(f"{url}/nope", headers=scene.h("psc-operator"), json={"done": True}), 404)


def test_task_refusals(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}/tasks"
    other = user_id("police-operator")
    refused(
        scene.client.post(url, headers=scene.h("psc-operator"), json={"title": "t", "assignee_id": other}),
        422,
        "assignee_id",
    )
    refused(scene.client.post(url, headers=scene.h("psc-operator"), json={"title": ""}), 422, "title")
    refused(scene.client.post(url, headers=scene.h("police-operator"), json={"title": "t"}), 403)
    refused(
        scene.client.post(f"{CASES}/nope/tasks", headers=scene.h("psc-operator"), json={"title": "t"}), 404
    )
    refused(scene.client.post(url, headers=scene.h("liaison"), json={"title": "t"}), 403)
    assert count(CaseTask) == 0


def test_milestones_kinds_and_dates(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}/milestones"
    fir = scene.post("psc-operator", url, {"kind": "fir_registered", "done_at": at(hours=-3)})
    assert fir["title"] == "Fir registered"
    assert fir["overdue"] is False
    sheet = scene.post(
        "psc-operator", url, {"kind": "charge_sheet_filed", "title": "Charge sheet", "due_at": at(days=-2)}
    )
    assert sheet["overdue"] is True
    refused(scene.client.post(url, headers=scene.h("psc-operator"), json={"kind": "verdict"}), 422, "kind")
    future = scene.client.post(
        url, headers=scene.h("psc-operator"), json={"kind": "hearing", "done_at": at(days=3)}
    )
    refused(future, 422, "done_at")
    edit = scene.client.patch(
        f"{url}/{sheet['id']}", headers=scene.h("psc-operator"), json={"done_at": at(days=1)}
    )
    refused(edit, 422, "done_at")
    assert (
        patch(scene, "psc-operator", f"{url}/{sheet['id']}", {"done_at": at(minutes=-1)})["overdue"] is False
    )
    assert count(CaseMilestone) == 2


def test_corrective_actions_have_one_owner(scene: Scene) -> None:
    case = open_case(scene)
    url = f"{CASES}/{case['id']}/corrective-actions"
    psc = scene.world.agency["psc"]
    act = scene.post(
        "psc-operator",
        url,
        {
            "kind": "preventive",
            "description": "Re-vet every armed guard",
            "owner_agency_id": psc,
            "deadline": at(days=-1),
        },
    )
    assert act["overdue"] is True
    assert act["owner_agency_id"] == psc
    both = {
        "kind": "corrective",
        "description": "d",
        "owner_agency_id": psc,
        "owner_user_id": user_id("psc-admin"),
    }
    refused(scene.client.post(url, headers=scene.h("psc-operator"), json=both), 422)
    refused(
        scene.client.post(
            url, headers=scene.h("psc-operator"), json={"kind": "corrective", "description": "d"}
        ),
        422,
    )
    refused(
        scene.client.post(
            url,
            headers=scene.h("psc-operator"),
            json={"kind": "x", "description": "d", "owner_agency_id": psc},
        ),
        422,
        "kind",
    )
    refused(
        scene.client.post(
            url,
            headers=scene.h("psc-operator"),
            json={"kind": "corrective", "description": "d", "owner_agency_id": "nope"},
        ),
        422,
        "owner_agency_id",
    )
    swap = scene.client.patch(
        f"{url}/{act['id']}", headers=scene.h("psc-operator"), json={"owner_user_id": user_id("psc-admin")}
    )
    refused(swap, 422, "owner_user_id")
    moved = patch(
        scene,
        "psc-operator",
        f"{url}/{act['id']}",
        {"owner_agency_id": None, "owner_user_id": user_id("psc-admin")},
    )
    assert moved["owner_agency_id"] is None
    assert moved["owner_user_id"] == user_id("psc-admin")
    assert len(get(scene, "psc-operator", f"{CASES}/{case['id']}")["corrective_actions"]) == 1


def test_timeline_merges_the_case_and_its_incidents(scene: Scene) -> None:
    case = open_case(scene)
    base = f"{CASES}/{case['id']}"
    scene.post("psc-operator", f"{base}/tasks", {"title": "Interview"})
    scene.post("psc-operator", f"{base}/milestones", {"kind": "fir_registered", "done_at": at(minutes=-1)})
    scene.post("psc-operator", f"{base}/actions/close", {"findings": "Insider."}, 200)
    items = get(scene, "psc-operator", f"{base}/timeline")["items"]
    kinds = [(i["kind"], i["action"]) for i in items]
    assert ("incident", "created") in kinds
    assert kinds[-4:] == [("case", "created"), ("task", "added"), ("milestone", "added"), ("case", "close")]
    assert [i["kind"] for i in get(scene, "psc-operator", f"{base}/timeline?kind=task")["items"]] == ["task"]
    csv = get(scene, "psc-operator", f"{base}/timeline?format=csv")
    assert csv.splitlines()[0] == "at,kind,action,actor,incident_id,note"
    assert len(csv.splitlines()) == len(items) + 1
    refused(scene.client.get(f"{base}/timeline?kind=nope", headers=scene.h("psc-operator")), 422)
    refused(scene.client.get(f"{base}/timeline", headers=scene.h("liaison")), 404)
