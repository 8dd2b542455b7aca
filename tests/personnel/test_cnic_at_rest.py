"""The CNIC is never in plain text: not in the database (the SQLite file and its WAL read as bytes, every
PostgreSQL row as text), not in the audit log, not in the outbox's events, not in the logs."""

from __future__ import annotations

import io
import logging

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from hifazat.config import Settings
from hifazat.personnel.models import Personnel
from hifazat.platform.db import unit_of_work
from hifazat.platform.logs import JsonFormatter
from hifazat.security import crypto
from tests.conftest import World
from tests.personnel.conftest import CNIC, Staff
from tests.security.test_security_passport import _all_database_text

SECOND = "35202-7777777-9"
CHANGED = "61101-2468024-6"


def _forms(cnic: str) -> list[bytes]:
    digits = cnic.replace("-", "")
    return [cnic.encode(), digits.encode(), cnic.encode("utf-16-le")]


def test_the_database_holds_no_plain_cnic(staff: Staff, settings: Settings) -> None:
    a = staff.person()
    staff.person(given_name="Second", cnic=SECOND)
    h = staff.w.headers["psc-admin"]
    r = staff.client.patch(f"/api/v1/personnel/{a['id']}", headers=h, json={"cnic": CHANGED})
    assert r.status_code == 200
    assert r.json()["cnic"] == CHANGED
    assert (
        staff.client.get(f"/api/v1/personnel?cnic={SECOND}", headers=h).json()["items"][0]["given_name"]
        == "Second"
    )
    with unit_of_work() as s:
        s.execute(text("SELECT 1"))
    blob = _all_database_text(settings)
    assert b"Second" in blob, "sanity: the dump does contain the personnel"
    for cnic in (CNIC, SECOND, CHANGED):
        for form in _forms(cnic):
            assert form not in blob, cnic
    with unit_of_work() as s:
        row = s.scalars(select(Personnel).where(Personnel.id == a["id"])).one()
        raw = s.execute(
            text("SELECT cnic_enc, cnic_index, cnic_last FROM personnel WHERE id = :i"), {"i": a["id"]}
        ).one()
        assert raw[0].startswith("gAAAAA")
        assert raw[1] == crypto.blind_index(CHANGED)
        assert raw[2] == "4-6"
        assert crypto.decrypt(row.cnic_enc) == CHANGED
    trail = staff.client.get(
        f"/api/v1/audit?entity=personnel&entity_id={a['id']}", headers=staff.w.root_admin
    )
    assert trail.status_code == 200
    assert [e["action"] for e in trail.json()["items"]].count("update") == 1  # the change is on record...
    assert CHANGED not in trail.text  # ...its value is not
    assert CNIC not in trail.text


def test_never_in_the_logs(settings: Settings, world: World) -> None:
    from hifazat.app import create_app

    app = create_app()  # configures logging; capture after it, at DEBUG, everything
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            h = world.headers["psc-admin"]
            body = {
                "given_name": "Log",
                "family_name": "Probe",
                "role": "guard",
                "date_of_birth": "1990-01-01",
            }
            assert client.post("/api/v1/personnel", headers=h, json={**body, "cnic": CNIC}).status_code == 201
            assert (
                client.post("/api/v1/personnel", headers=h, json={**body, "cnic": "42101-999-1"}).status_code
                == 422
            )
            client.get(f"/api/v1/personnel?cnic={CNIC}", headers=h)
            client.get(f"/api/v1/personnel?q={CNIC}", headers=h)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logs = buf.getvalue()
    assert "/api/v1/personnel" in logs, "sanity: the requests were logged"
    for secret in (CNIC, CNIC.replace("-", ""), "42101-999-1"):
        assert secret not in logs
