"""Passport numbers: encrypted at rest, masked unless the role needs them, never in files, logs or audit."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from hifazat.config import Settings, reset_settings
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine, unit_of_work
from hifazat.platform.logs import JsonFormatter
from hifazat.registry.models import Person
from hifazat.security import crypto

PASSWORD = "correct-horse-battery"
PASSPORTS = ["EK4411235", "PE0099887", "G55512345"]


def _all_database_text(settings: Settings) -> bytes:
    """Every byte the database keeps: the SQLite file and its WAL, or every row of every PostgreSQL table."""
    if settings.is_sqlite:
        path = Path(settings.effective_database_url.split("///", 1)[1])
        wal = Path(str(path) + "-wal")
        assert path.exists()
        assert wal.exists(), "WAL mode: the -wal file holds the latest commits"
        return path.read_bytes() + b"\0" + wal.read_bytes()
    chunks = []
    with get_engine().connect() as conn:
        tables = [
            r[0] for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))
        ]
        for t in tables:
            rows = conn.execute(text(f'SELECT t::text FROM "{t}" t'))  # noqa: S608
            chunks.extend(row[0].encode() for row in rows)
    return b"\n".join(chunks)


@pytest.fixture
def people(client: TestClient, world: Any, login_as: Callable[..., dict[str, str]]) -> dict[str, Any]:
    admin_h = world.headers["psc-admin"]
    r = client.post(
        "/api/v1/users",
        headers=admin_h,
        json={
            "username": "psc-investigator",
            "password": PASSWORD,
            "full_name": "Investigator",
            "agency_id": world.agency["psc"],
            "roles": ["investigator"],
        },
    )
    assert r.status_code == 201
    ids = []
    for i, pp in enumerate(PASSPORTS):
        body = {"given_name": f"N{i}", "family_name": "Hidden", "nationality": "CN", "passport_number": pp}
        r = client.post("/api/v1/persons", headers=admin_h, json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    # An update that changes the number, and a search by number: more chances for a leak.
    r = client.patch(f"/api/v1/persons/{ids[0]}", headers=admin_h, json={"passport_number": "EK4411236"})
    assert r.status_code == 200
    assert client.get("/api/v1/persons?q=PE0099887", headers=admin_h).json()["items"][0]["id"] == ids[1]
    return {"ids": ids, "investigator": login_as("psc-investigator"), "world": world}


def test_database_files_hold_no_plain_passport(
    client: TestClient, people: dict[str, Any], settings: Settings
) -> None:
    with unit_of_work() as s:
        s.execute(text("SELECT 1"))  # the app is live: nothing checkpointed away yet
    blob = _all_database_text(settings)
    assert b"Hidden" in blob, "sanity: the dump does contain the persons"
    for pp in [*PASSPORTS, "EK4411236"]:
        assert pp.encode() not in blob, pp
        assert pp.lower().encode() not in blob
        assert pp.encode("utf-16-le") not in blob
    with unit_of_work() as s:
        p = s.scalars(select(Person).where(Person.id == people["ids"][1])).one()
        assert p.passport_enc
        assert p.passport_enc.startswith("gAAAAA")
        assert p.passport_last == "887"
        assert crypto.decrypt(p.passport_enc) == "PE0099887"


def test_who_sees_the_number(client: TestClient, people: dict[str, Any]) -> None:
    world, pid = people["world"], people["ids"][1]
    unmasked = {"psc-admin": world.headers["psc-admin"], "investigator": people["investigator"]}
    for who, h in unmasked.items():
        r = client.get(f"/api/v1/persons/{pid}", headers=h)
        assert r.json()["passport_number"] == "PE0099887", who
    r = client.get(f"/api/v1/persons/{pid}", headers=world.headers["psc-operator"])
    assert r.status_code == 200
    masked = r.json()["passport_number"]
    assert masked == "******887"
    listed = client.get("/api/v1/persons", headers=world.headers["psc-operator"]).json()["items"]
    assert all(i["passport_number"].startswith("******") for i in listed)
    # A search by number would confirm a number the operator may not read: it matches for those who may.
    found = client.get("/api/v1/persons?q=pe0099887", headers=world.headers["psc-operator"]).json()["items"]
    assert found == []
    found = client.get("/api/v1/persons?q=pe0099887", headers=people["investigator"]).json()["items"]
    assert [i["id"] for i in found] == [pid]


def test_never_in_logs_nor_audit(settings: Settings, world: Any) -> None:
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
            r = client.post(
                "/api/v1/persons",
                headers=h,
                json={
                    "given_name": "Log",
                    "family_name": "Probe",
                    "nationality": "CN",
                    "passport_number": "LG7654321",
                },
            )
            assert r.status_code == 201
            pid = r.json()["id"]
            client.get("/api/v1/persons?q=LG7654321", headers=h)
            client.patch(f"/api/v1/persons/{pid}", headers=h, json={"passport_number": "LG7654322"})
            bad = client.post(
                "/api/v1/persons",
                headers=h,
                json={
                    "given_name": "X",
                    "family_name": "Y",
                    "nationality": "CN",
                    "passport_number": "LG-76543-23",
                },
            )
            assert bad.status_code == 422
            assert "LG-76543-23" not in bad.text
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logged = buf.getvalue()
    assert "/api/v1/persons" in logged, "sanity: the requests were logged"
    for pp in ("LG7654321", "LG7654322", "LG-76543-23"):
        assert pp not in logged
    with unit_of_work() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "persons")).all()
        assert len(entries) == 2
        for e in entries:
            dump = str(e.before) + str(e.after)
            assert "LG765432" not in dump
            assert "passport_enc" not in dump
        assert entries[1].after is not None
        assert set(entries[1].after) >= {"passport_index", "passport_last"}


def test_key_file_created_on_init_with_private_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    from hifazat import bootstrap

    monkeypatch.delenv("HIFAZAT_FIELD_KEY")
    monkeypatch.setenv("HIFAZAT_DATA_DIR", str(tmp_path / "keyed"))
    reset_settings()
    crypto.reset_cache()
    from hifazat.config import get_settings

    s = get_settings()
    if not s.is_sqlite:
        monkeypatch.setenv("HIFAZAT_DATABASE_URL", s.effective_database_url)
    key_file = s.key_file
    assert not key_file.exists()
    bootstrap.init(s, PASSWORD)
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_bytes().strip()
    Fernet(key)  # a valid key
    token = crypto.encrypt("AB1234567")
    assert Fernet(key).decrypt(token.encode()) == b"AB1234567"
    bootstrap.init(s, PASSWORD)
    assert key_file.read_bytes().strip() == key, "a second init keeps the key"


def test_field_key_wins_and_wrong_key_fails_loudly(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = crypto.encrypt("AB1234567")
    assert crypto.decrypt(token) == "AB1234567"
    idx = crypto.blind_index("ab 1234 567")
    assert idx == crypto.blind_index("AB1234567")
    assert len(idx) == 64
    assert "AB1234567" not in idx
    monkeypatch.setenv("HIFAZAT_FIELD_KEY", Fernet.generate_key().decode())
    reset_settings()
    with pytest.raises(crypto.KeyMissingError):
        crypto.decrypt(token)
    assert crypto.blind_index("AB1234567") != idx  # the index is keyed too


def test_mask() -> None:
    assert crypto.mask("AB1234567") == "******567"
    assert crypto.mask("AB") == "**"
    assert crypto.mask("ABC") == "***"
