"""The overdue job (the lead agency's supervisors told once per overdue task or milestone; done, future
and closed-case items left alone) and the case pages (board with overdue counts, the case, the link from
the incident page), scoped as the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hifazat.incidents import case_jobs
from hifazat.notify.models import Delivery
from hifazat.platform.sqlite.api import unit_of_work
from tests.alerts.conftest import Scene
from tests.incidents.cases_support import CASES, open_case
from tests.incidents.conftest import file
from tests.web.conftest import cookie_login


def at(**kw: float) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


def _deliveries() -> list[Delivery]:
    with unit_of_work(readonly=True) as s:
        return list(s.scalars(select(Delivery).where(Delivery.ref_kind == case_jobs.REF_KIND)))


def test_overdue_items_are_told_to_the_lead_agency_once(scene: Scene) -> None:
    case = open_case(scene)
    base = f"{CASES}/{case['id']}"
    late = scene.post("psc-operator", f"{base}/tasks", {"title": "Interview", "due_at": at(days=-1)})
    scene.post("psc-operator", f"{base}/tasks", {"title": "Done", "due_at": at(days=-1), "done": True})
    scene.post("psc-operator", f"{base}/tasks", {"title": "Later", "due_at": at(days=1)})
    sheet = scene.post(
        "psc-operator", f"{base}/milestones", {"kind": "charge_sheet_filed", "due_at": at(days=-1)}
    )
    closed = open_case(scene)
    scene.post("psc-operator", f"{CASES}/{closed['id']}/tasks", {"title": "Old", "due_at": at(days=-1)})
    scene.post("psc-operator", f"{CASES}/{closed['id']}/actions/close", {"findings": "f"}, 200)
    with unit_of_work() as s:
        assert case_jobs.notify_overdue(s) == 2
    rows = _deliveries()
    assert {d.ref_id for d in rows} == {f"task:{late['id']}", f"milestone:{sheet['id']}"}
    assert {d.agency_id for d in rows if d.agency_id} <= {scene.world.agency["psc"]}
    assert {d.user_id for d in rows if d.user_id}, "psc-admin and psc-operator are told"
    first = len(rows)
    with unit_of_work() as s:  # the next turn: nothing new
        assert case_jobs.notify_overdue(s) == 0
    assert len(_deliveries()) == first
    # A new due date, passed again, is told again.
    scene.client.patch(
        f"{base}/tasks/{late['id']}", headers=scene.h("psc-operator"), json={"due_at": at(hours=-1)}
    )
    with unit_of_work() as s:
        assert case_jobs.notify_overdue(s) == 1
    assert len(_deliveries()) > first


def test_overdue_notices_are_seen_by_who_sees_the_case(scene: Scene) -> None:
    case = open_case(scene)
    task = scene.post("psc-operator", f"{CASES}/{case['id']}/tasks", {"title": "t", "due_at": at(days=-1)})
    from hifazat.auth.policy import Principal

    psc = Principal(
        user_id=None,
        username="x",
        agency_id="a",
        roles=frozenset({"operator"}),
        tree=frozenset({scene.world.agency["psc"]}),
    )
    embassy = Principal(
        user_id=None,
        username="y",
        agency_id="b",
        roles=frozenset({"liaison"}),
        tree=frozenset({scene.world.agency["embassy"]}),
    )
    with unit_of_work(readonly=True) as s:
        assert case_jobs.overdue_visible(s, f"task:{task['id']}", psc) is True
        assert case_jobs.overdue_visible(s, f"task:{task['id']}", embassy) is False
        assert case_jobs.overdue_visible(s, "milestone:nope", psc) is False


def test_board_and_case_pages(scene: Scene) -> None:
    incident = file(scene)
    case = open_case(scene, incident=incident)
    base = f"{CASES}/{case['id']}"
    scene.post("psc-operator", f"{base}/milestones", {"kind": "charge_sheet_filed", "due_at": at(days=-1)})
    scene.post("psc-operator", f"{base}/tasks", {"title": "Collect CCTV", "due_at": at(days=3)})
    c = cookie_login(scene.client, "psc-operator")
    board = c.get("/cases")
    assert board.status_code == 200
    assert case["id"] in board.text
    assert 'data-overdue="1"' in board.text
    assert 'href="/cases"' in board.text  # in the navigation
    page = c.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    for needle in (
        "Clifton gate shooting",
        "Collect CCTV",
        'data-testid="add-task"',
        'data-testid="close-case"',
        'data-overdue="1"',
        f'href="/incidents/{incident["id"]}"',
    ):
        assert needle in page.text, needle
    assert f'href="/cases/{case["id"]}"' in c.get(f"/incidents/{incident['id']}").text
    police = cookie_login(scene.client, "police-operator").get(f"/cases/{case['id']}")
    assert police.status_code == 200
    assert 'data-testid="add-task"' not in police.text
    assert cookie_login(scene.client, "liaison").get(f"/cases/{case['id']}").status_code == 404
