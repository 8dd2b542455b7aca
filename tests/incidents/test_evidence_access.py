"""Who may: the lead agency's staff and the case's investigators upload and record custody; readers of the
case (its agency, the police of its province) read; the partner's liaison and a stranger find nothing."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.incidents.evidence_models import Evidence
from hifazat.platform.db import unit_of_work
from tests.alerts.conftest import Scene
from tests.incidents.conftest import refused, stranger
from tests.incidents.test_evidence import V, case_id, files, make_case, upload, user_id  # noqa: F401
from tests.platform.evidence.conftest import PNG


def test_only_the_lead_agency_or_an_assigned_investigator_writes(scene: Scene, case_id: str) -> None:  # noqa: F811
    refused(upload(scene, case_id, PNG + b"p", user="police-operator"), 403)  # reads it, may not add
    assert files() == []
    ev = upload(scene, case_id, PNG + b"o").json()
    body = {"action": "examined"}
    r = scene.client.post(f"{V}/evidence/{ev['id']}/custody", headers=scene.h("police-operator"), json=body)
    refused(r, 403)
    read = scene.client.get(f"{V}/evidence/{ev['id']}", headers=scene.h("police-operator"))
    assert read.status_code == 200
    assert read.json()["actions"] == []
    # A police operator assigned to another case of psc's as its investigator may add to that one.
    assigned = make_case(scene, investigator=user_id(scene, "police-operator"))
    assert upload(scene, assigned, PNG + b"i", user="police-operator").status_code == 201


def test_the_liaison_and_a_stranger_see_no_evidence(scene: Scene, case_id: str) -> None:  # noqa: F811
    ev = upload(scene, case_id, PNG + b"s").json()
    outsider = stranger(scene)
    for h in (scene.h("liaison"), outsider):
        for path in (f"/cases/{case_id}/evidence", f"/evidence/{ev['id']}", f"/evidence/{ev['id']}/content"):
            r = scene.client.get(V + path, headers=h)
            assert r.status_code in (403, 404), (path, r.status_code)
        refused(upload(scene, case_id, PNG + b"x", user="liaison"), 403)
    refused(scene.client.get(f"{V}/evidence/{ev['id']}", headers=outsider), 404)
    refused(upload_as(scene, case_id, outsider), 404)
    with unit_of_work(readonly=True) as s:
        assert [e.id for e in s.scalars(select(Evidence))] == [ev["id"]]


def upload_as(sc: Scene, case: str, headers: dict[str, str]) -> object:
    return sc.client.post(
        f"{V}/cases/{case}/evidence",
        headers=headers,
        files={"file": ("a.png", PNG)},
        data={"description": "d"},
    )


def test_timeline_rows_list_each_custody_step(scene: Scene, case_id: str) -> None:  # noqa: F811
    from hifazat.incidents.evidence import evidence_timeline_rows

    ev = upload(scene, case_id, PNG + b"t").json()
    scene.client.post(
        f"{V}/evidence/{ev['id']}/custody", headers=scene.h("psc-operator"), json={"action": "sealed"}
    )
    with unit_of_work(readonly=True) as s:
        rows = evidence_timeline_rows(s, case_id)
    assert [(r["action"], r["data"]["evidence_id"], r["source"], r["from_status"]) for r in rows] == [
        ("custody.collected", ev["id"], "evidence", None),
        ("custody.sealed", ev["id"], "evidence", "collected"),
    ]
    from hifazat.incidents.timeline import COLUMNS

    assert set(COLUMNS) <= set(rows[0])  # merges with the incident timeline and its CSV


def test_the_evidence_page_shows_the_chain_and_forms_to_writers_only(scene: Scene, case_id: str) -> None:  # noqa: F811
    from tests.conftest import ADMIN_PASSWORD

    ev = upload(scene, case_id, PNG + b"page").json()

    def page_as(user: str) -> tuple[int, str]:
        from fastapi.testclient import TestClient

        c = TestClient(scene.client.app, follow_redirects=False)
        r = c.post(
            "/api/v1/auth/token?set_cookie=true",
            data={"username": user, "password": ADMIN_PASSWORD},
            headers={"Origin": "http://testserver"},
        )
        assert r.status_code == 200, r.text
        got = c.get(f"/cases/{case_id}/evidence")
        return got.status_code, got.text

    status, html = page_as("psc-operator")
    assert status == 200
    assert ev["sha256"] in html
    assert 'id="evidence-upload"' in html
    assert "custody-form" in html
    status, html = page_as("police-operator")
    assert status == 200
    assert ev["sha256"] in html
    assert 'id="evidence-upload"' not in html
    assert "custody-form" not in html
    assert page_as("liaison")[0] == 403  # the role never reads evidence


def test_the_case_timeline_shows_the_custody_steps_to_evidence_readers(scene: Scene, case_id: str) -> None:  # noqa: F811
    ev = upload(scene, case_id, PNG + b"c").json()
    r = scene.client.post(
        f"{V}/evidence/{ev['id']}/custody", headers=scene.h("psc-operator"), json={"action": "sealed"}
    )
    assert r.status_code == 201, r.text
    lines = scene.client.get(f"{V}/cases/{case_id}/timeline?kind=evidence", headers=scene.h("psc-operator"))
    assert lines.status_code == 200, lines.text
    items = lines.json()["items"] if isinstance(lines.json(), dict) else lines.json()
    assert [i["action"] for i in items] == ["custody.collected", "custody.sealed"]
    assert {i["data"]["evidence_id"] for i in items} == {ev["id"]}
    csv_text = scene.client.get(
        f"{V}/cases/{case_id}/timeline?format=csv&kind=evidence", headers=scene.h("psc-operator")
    ).text
    assert "custody.sealed" in csv_text
