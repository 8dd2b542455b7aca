"""Evidence with chain of custody (issue 19, item 4): the upload and its refusals (nothing stored, no row),
the custody chain and its rules, the verified download and the altered byte (409, audit entry, alert)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hifazat.alerts.models import Alert
from hifazat.core.db import utcnow
from hifazat.incidents.case_models import Case, CaseInvestigator
from hifazat.incidents.evidence_models import CustodyStep, Evidence
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from hifazat.platform.evidence import api as store_api
from tests.alerts.conftest import Scene, count
from tests.incidents.conftest import refused
from tests.platform.evidence.conftest import ELF, PNG

V = "/api/v1"


def make_case(sc: Scene, agency: str = "psc", investigator: str | None = None) -> str:
    """A case of `agency` in Karachi, written directly (the case API is another module's)."""
    with unit_of_work() as s:
        case = Case(
            agency_id=sc.world.agency[agency],
            province="PK-SD",
            district="Karachi South",
            title="Residence gate shooting",
            opened_at=utcnow(),
        )
        s.add(case)
        s.flush()
        if investigator is not None:
            s.add(CaseInvestigator(case_id=case.id, user_id=investigator))
        return case.id


def user_id(sc: Scene, user: str) -> str:
    return str(sc.client.get(f"{V}/me", headers=sc.h(user)).json()["id"])


def upload(
    sc: Scene, case_id: str, data: bytes, *, user: str = "psc-operator", name: str = "scene.png", **form: str
) -> Any:
    fields = {"description": "Photo of the gate", **form}
    return sc.client.post(
        f"{V}/cases/{case_id}/evidence", headers=sc.h(user), files={"file": (name, data)}, data=fields
    )


def files() -> list[Path]:
    root = store_api.default_store().root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def case_id(scene: Scene) -> str:
    return make_case(scene)


def test_upload_answers_the_record_with_its_first_custody_step(scene: Scene, case_id: str) -> None:
    data = PNG + os.urandom(3000)
    r = upload(scene, case_id, data)
    assert r.status_code == 201, r.text
    ev = r.json()
    assert ev["sha256"] == hashlib.sha256(data).hexdigest()
    assert (ev["size"], ev["media_type"], ev["case_id"]) == (len(data), "image/png", case_id)
    assert ev["description"] == "Photo of the gate"
    assert ev["created_at"]
    assert [(s["position"], s["action"], s["actor"]) for s in ev["custody"]] == [
        (1, "collected", "psc-operator")
    ]
    assert "sealed" in ev["actions"]
    listed = scene.client.get(f"{V}/cases/{case_id}/evidence", headers=scene.h("psc-operator")).json()
    assert [e["id"] for e in listed["items"]] == [ev["id"]]
    got = scene.client.get(f"{V}/evidence/{ev['id']}/content", headers=scene.h("psc-operator"))
    assert got.status_code == 200
    assert got.content == data


def test_oversized_upload_is_refused_and_nothing_kept(
    scene: Scene, case_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hifazat.config import reset_settings

    monkeypatch.setenv("HIFAZAT_EVIDENCE_MAX_BYTES", "4096")
    reset_settings()
    try:
        r = upload(scene, case_id, PNG + b"\x00" * 5000)
        refused(r, 413, "file")
    finally:
        monkeypatch.delenv("HIFAZAT_EVIDENCE_MAX_BYTES")
        reset_settings()
    assert files() == []
    assert count(Evidence) == 0


def test_bytes_of_an_executable_named_jpg_are_refused(scene: Scene, case_id: str) -> None:
    refused(upload(scene, case_id, ELF + b"\x00" * 500, name="gate.jpg"), 415, "file")
    assert files() == []
    assert count(Evidence) == 0
    assert count(CustodyStep) == 0


@pytest.mark.parametrize("missing", ["file", "description"])
def test_missing_file_or_description_names_the_field(scene: Scene, case_id: str, missing: str) -> None:
    h = scene.h("psc-operator")
    url = f"{V}/cases/{case_id}/evidence"
    if missing == "file":
        r = scene.client.post(url, headers=h, data={"description": "d"}, files={"other": ("x", b"y")})
    else:
        r = scene.client.post(url, headers=h, files={"file": ("s.png", PNG)})
    refused(r, 422, missing)
    refused(upload(scene, case_id, PNG, description="   "), 422, "description")
    assert files() == []
    assert count(Evidence) == 0


def test_unknown_case_is_404_and_keeps_nothing(scene: Scene) -> None:
    refused(upload(scene, "no-such-case", PNG + b"1"), 404)
    assert files() == []
    assert count(Evidence) == 0


def test_interrupted_upload_keeps_no_file(
    scene: Scene, case_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request dies after some chunks were stored (a dropped connection): no file, no row."""
    from hifazat.platform.evidence import http

    real, calls = http._pump, {"n": 0}

    def dying(source: Any, writer: Any) -> bool:
        calls["n"] += 1
        if calls["n"] > 1:
            raise ConnectionResetError("client went away")
        return real(source, writer)

    monkeypatch.setattr(http, "_pump", dying)
    r = upload(scene, case_id, PNG + os.urandom(3 * 1024 * 1024))
    assert r.status_code == 500  # the app's handler answers what is left of the request
    assert calls["n"] == 2
    assert files() == []
    assert count(Evidence) == 0


def test_one_altered_byte_is_refused_audited_and_alerted(scene: Scene, case_id: str) -> None:
    data = PNG + b"witness statement " * 500
    ev = upload(scene, case_id, data).json()
    path = store_api.default_store().root / "sha256" / ev["sha256"][:2] / ev["sha256"][2:4] / ev["sha256"]
    path.chmod(0o640)
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0x01
    path.write_bytes(bytes(raw))
    r = scene.client.get(f"{V}/evidence/{ev['id']}/content", headers=scene.h("police-operator"))
    refused(r, 409)
    assert r.json()["type"].endswith("/evidence-integrity")
    assert b"witness" not in r.content
    with unit_of_work(readonly=True) as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == ev["id"], AuditEntry.action == "integrity_failed"
            )
        ).one()
        assert entry.owner_agency_id == scene.world.agency["psc"]
        alerts = [a for a in s.scalars(select(Alert)) if a.title.startswith("Evidence integrity failure")]
        assert [(a.agency_id, a.severity, a.source) for a in alerts] == [
            (scene.world.agency["psc"], "high", "evidence")
        ]
        assert ev["id"] in alerts[0].description


def test_custody_chain_is_in_order_and_follows_its_table(scene: Scene, case_id: str) -> None:
    ev = upload(scene, case_id, PNG + b"a").json()
    url, h = f"{V}/evidence/{ev['id']}/custody", scene.h("psc-operator")
    admin = user_id(scene, "psc-admin")

    def step(status: int = 201, **body: Any) -> Any:
        r = scene.client.post(url, headers=h, json=body)
        assert r.status_code == status, r.text
        return r

    refused(step(422, action="handed_over"), 422, "to_user_id")
    refused(step(422, action="handed_over", to_user_id="nobody"), 422, "to_user_id")
    refused(step(422, action="lost"), 422)
    step(action="handed_over", to_user_id=admin, note="to the lab")
    step(action="sealed", note="bag 17")
    sealed = step(409, action="returned").json()
    assert sealed["allowed_actions"] == ["examined", "handed_over"]
    assert sealed["errors"][0]["field"] == "action"
    step(action="examined")
    last = step(action="returned").json()
    assert [s["action"] for s in last["custody"]] == [
        "collected",
        "handed_over",
        "sealed",
        "examined",
        "returned",
    ]
    assert [s["position"] for s in last["custody"]] == [1, 2, 3, 4, 5]
    assert last["custody"][1]["to_user_id"] == admin
    assert last["actions"] == []
    assert step(409, action="received").json()["allowed_actions"] == []
    read = scene.client.get(f"{V}/evidence/{ev['id']}", headers=scene.h("police-operator")).json()
    assert read["custody"] == last["custody"]
    assert read["actions"] == []
    with unit_of_work(readonly=True) as s:
        actions = [
            e.action
            for e in s.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == ev["id"]).order_by(AuditEntry.seq)
            )
        ]
    assert actions == [
        "create",
        "custody.collected",
        "custody.handed_over",
        "custody.sealed",
        "custody.examined",
        "custody.returned",
    ]


def test_a_refused_commit_takes_the_new_file_back(scene: Scene, case_id: str) -> None:
    """The record's transaction fails at its commit (after the route ran): no row, and no file either."""
    from tests.audit.conftest import audit_head, failing_commit

    keep = upload(scene, case_id, PNG + b"kept").json()
    with failing_commit(audit_head()) as refused_heads:
        r = upload(scene, case_id, PNG + os.urandom(2000))
    assert r.status_code == 500
    assert refused_heads
    assert count(Evidence) == 1
    assert [p.name for p in files()] == [keep["sha256"]]
