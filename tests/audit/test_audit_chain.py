"""The hash-chained audit log: API access, verification by the real CLI, tampering, concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from hifazat.auth.policy import system_actor
from hifazat.config import Settings
from hifazat.platform.audit import log as audit
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine, unit_of_work

PASSWORD = "correct-horse-battery"
HIFAZAT = str(Path(sys.executable).parent / "hifazat")


def _verify_cli(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    env["HIFAZAT_DATA_DIR"] = str(settings.data_dir)
    env["HIFAZAT_DATABASE_URL"] = settings.effective_database_url
    env["HIFAZAT_FIELD_KEY"] = os.environ["HIFAZAT_FIELD_KEY"]
    return subprocess.run(
        [HIFAZAT, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _verify_here() -> audit.VerifyResult:
    with unit_of_work(readonly=True) as s:
        return audit.verify(s)


def _raw(settings: Settings, *statements: str) -> None:
    """Change the database behind the application's back: sqlite3 on the file, or plain SQL on PostgreSQL."""
    if settings.is_sqlite:
        path = settings.effective_database_url.split("///", 1)[1]
        con = sqlite3.connect(path)
        try:
            for stmt in statements:
                con.execute(stmt)
            con.commit()
        finally:
            con.close()
        return
    with get_engine().begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


def _rows(settings: Settings) -> list[dict[str, Any]]:
    cols = [c.key for c in AuditEntry.__table__.columns]
    with unit_of_work() as s:
        return [
            {c: getattr(e, c) for c in cols} for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]


@pytest.fixture
def busy(client: TestClient, world: Any) -> Any:
    """A few writes of different kinds so the chain has some length."""
    h = world.headers["psc-admin"]
    for i in range(3):
        r = client.post("/api/v1/vehicles", headers=h, json={"registration": f"AUD-{i}"})
        assert r.status_code == 201
    return world


def test_every_write_appends_and_auditors_read(client: TestClient, busy: Any, admin: dict[str, str]) -> None:
    r = client.get("/api/v1/audit?entity=vehicles", headers=admin)
    assert r.status_code == 200
    items = r.json()["items"]
    assert [e["action"] for e in items] == ["create"] * 3
    assert items[0]["seq"] > items[1]["seq"] > items[2]["seq"]  # newest first
    e = items[0]
    assert e["actor"] == "psc-admin"
    assert e["agency_id"] == busy.agency["psc"]
    assert e["after"]["registration"] == "AUD-2"
    assert e["before"] is None
    assert len(e["hash"]) == 64
    assert len(e["prev_hash"]) == 64
    assert items[1]["hash"] == e["prev_hash"]
    vid = e["entity_id"]
    r = client.patch(f"/api/v1/vehicles/{vid}", headers=busy.headers["psc-admin"], json={"seats": 9})
    assert r.status_code == 200
    log = client.get(f"/api/v1/audit?entity_id={vid}", headers=admin).json()["items"]
    assert log[0]["action"] == "update"
    assert log[0]["before"] == {"seats": 4}
    assert log[0]["after"] == {"seats": 9}
    # Filters by actor and action, and a time window.
    assert {
        x["actor"] for x in client.get("/api/v1/audit?actor=psc-admin", headers=admin).json()["items"]
    } == {"psc-admin"}
    assert client.get("/api/v1/audit?action=delete", headers=admin).json()["items"] == []
    assert client.get("/api/v1/audit?since=2999-01-01T00:00:00Z", headers=admin).json()["items"] == []
    assert client.get("/api/v1/audit/verify", headers=admin).json()["ok"] is True


def test_audit_is_for_auditors_and_admins(client: TestClient, busy: Any, admin: dict[str, str]) -> None:
    for user in ("psc-operator", "police-operator", "liaison"):
        r = client.get("/api/v1/audit", headers=busy.headers[user])
        assert r.status_code == 403, user
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/audit").status_code == 401
    # An agency admin reads what its tree did and what was done to its records, nothing else.
    police = busy.agency["police"]
    items = client.get("/api/v1/audit?limit=500", headers=busy.headers["police-admin"]).json()["items"]
    assert items
    assert all(police in (e["agency_id"], e["owner_agency_id"]) for e in items)
    assert not any(e["entity"] == "vehicles" for e in items)


def test_system_changes_reach_only_the_owning_agency(
    client: TestClient, busy: Any, admin: dict[str, str]
) -> None:
    """A change by the system (demo loader, init) is shown to the owner's auditors, not to every agency."""
    psc = busy.agency["psc"]
    with unit_of_work() as s:
        audit.record(
            s,
            actor=system_actor("demo"),
            action="create",
            entity="vehicles",
            entity_id="v-sys",
            after={"agency_id": psc, "registration": "SYS-1"},
        )
        audit.record(s, actor=system_actor("demo"), action="note", entity="system", entity_id=None)
    mine = client.get("/api/v1/audit?limit=500", headers=busy.headers["psc-admin"]).json()["items"]
    assert any(e["entity_id"] == "v-sys" and e["owner_agency_id"] == psc for e in mine)
    assert not any(e["entity"] == "system" for e in mine)
    theirs = client.get("/api/v1/audit?limit=500", headers=busy.headers["police-admin"]).json()["items"]
    assert not any(e["entity_id"] == "v-sys" or e["entity"] == "system" for e in theirs)
    everything = client.get("/api/v1/audit?limit=500", headers=admin).json()["items"]
    assert {"v-sys", None} <= {e["entity_id"] for e in everything if e["actor"] == "demo"}
    assert _verify_here().ok


def test_auditor_of_a_top_level_embassy_does_not_read_everything(
    client: TestClient, busy: Any, admin: dict[str, str], login_as: Callable[..., dict[str, str]]
) -> None:
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={
            "username": "emb-auditor",
            "password": PASSWORD,
            "full_name": "Embassy auditor",
            "agency_id": busy.agency["embassy"],
            "roles": ["auditor"],
        },
    )
    assert r.status_code == 201
    h = login_as("emb-auditor")
    items = client.get("/api/v1/audit?limit=500", headers=h).json()["items"]
    embassy = busy.agency["embassy"]
    assert items
    assert all(embassy in (e["agency_id"], e["owner_agency_id"]) for e in items)
    everything = client.get("/api/v1/audit?limit=500", headers=admin).json()["items"]
    assert len(everything) > len(items)


def test_audit_pagination(client: TestClient, busy: Any, admin: dict[str, str]) -> None:
    all_items = client.get("/api/v1/audit?limit=500", headers=admin).json()["items"]
    seqs: list[int] = []
    cursor = None
    for _ in range(200):
        r = client.get("/api/v1/audit?limit=4" + (f"&cursor={cursor}" if cursor else ""), headers=admin)
        page = r.json()
        seqs += [e["seq"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Newer entries (these very logins are audited) may appear; nothing older is skipped or repeated.
    assert len(seqs) == len(set(seqs))
    assert {e["seq"] for e in all_items} <= set(seqs) | {max(seqs) + 1}
    assert seqs == sorted(seqs, reverse=True)
    assert seqs[-1] == 1


def test_cli_verify_intact_then_tampered(client: TestClient, busy: Any, settings: Settings) -> None:
    ok = _verify_cli(settings)
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout
    rows = _rows(settings)
    n = len(rows)
    assert n >= 10
    assert f"{n} entries" in ok.stdout
    victim = rows[4]["seq"]

    # (a) one field of one entry edited by hand
    _raw(settings, f"UPDATE audit_log SET actor = 'mallory' WHERE seq = {victim}")  # noqa: S608
    bad = _verify_cli(settings)
    assert bad.returncode != 0
    assert f"entry {victim}" in bad.stderr
    assert "altered" in bad.stderr
    _raw(settings, f"UPDATE audit_log SET actor = '{rows[4]['actor']}' WHERE seq = {victim}")  # noqa: S608
    assert _verify_here().ok

    # (b) a middle entry removed
    _raw(settings, f"DELETE FROM audit_log WHERE seq = {victim}")  # noqa: S608
    bad = _verify_cli(settings)
    assert bad.returncode != 0
    assert f"entry {victim}" in bad.stderr
    assert "missing" in bad.stderr
    with unit_of_work() as s:
        s.add(AuditEntry(**rows[4]))
    assert _verify_here().ok

    # (c) two entries' contents swapped (everything but the sequence number)
    a, b = rows[5], rows[6]
    cols = [c for c in a if c != "seq"]
    with unit_of_work() as s:
        # Hashes are unique: move them aside first so the swap does not trip the constraint midway.
        for seq, placeholder in ((a["seq"], "e" * 64), (b["seq"], "f" * 64)):
            s.execute(text("UPDATE audit_log SET hash = :h WHERE seq = :s"), {"h": placeholder, "s": seq})
        for src, dst in ((a, b), (b, a)):
            values = {c: src[c] for c in cols}
            s.query(AuditEntry).filter(AuditEntry.seq == dst["seq"]).update(values)
    bad = _verify_cli(settings)
    assert bad.returncode != 0
    assert f"entry {a['seq']}" in bad.stderr


def test_verify_detects_reordered_timestamps_and_payloads(initialised: Any, settings: Settings) -> None:
    actor = system_actor("test")
    with unit_of_work() as s:
        for i in range(4):
            audit.record(s, actor=actor, action="touch", entity="things", entity_id=str(i), after={"n": i})
    with unit_of_work() as s:
        assert audit.verify(s).ok
        entry = s.get(AuditEntry, 4)
        assert entry is not None
        entry.after = {"n": 99}
    with unit_of_work() as s:
        r = audit.verify(s, batch=2)  # small batches: the walk spans several queries
        assert not r.ok
        assert r.bad_seq == 4
        assert r.checked == 3


def test_concurrent_writers_keep_the_chain(initialised: Any, settings: Settings) -> None:
    """Parallel transactions serialise on the chain head (SQLite write lock, PostgreSQL advisory lock)."""
    errors: list[BaseException] = []
    threads_n, per_thread = 6, 8

    def writer(t: int) -> None:
        try:
            for i in range(per_thread):
                with unit_of_work() as s:
                    audit.record(
                        s, actor=system_actor(f"w{t}"), action="touch", entity="things", entity_id=f"{t}-{i}"
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with unit_of_work() as s:
        start = audit.verify(s).checked
    threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not errors, errors
    with unit_of_work() as s:
        r = audit.verify(s)
    assert r.ok, r
    assert r.checked == start + threads_n * per_thread


def test_a_writer_waiting_for_the_chain_reads_the_head_its_holder_committed(
    initialised: Any, settings: Settings
) -> None:
    """The chain's lock and its head come together (PostgreSQL: one function call whose read takes its
    snapshot after the lock is granted): a writer that waited for the lock links after the entry of the
    writer that held it, never beside it."""
    second_done = threading.Event()
    errors: list[BaseException] = []
    with unit_of_work() as s:
        first = audit.record(s, actor=system_actor("first"), action="touch", entity="things", entity_id="1")

        def second() -> None:
            try:
                with unit_of_work() as s2:
                    audit.record(
                        s2, actor=system_actor("second"), action="touch", entity="things", entity_id="2"
                    )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                second_done.set()

        waiter = threading.Thread(target=second)
        waiter.start()
        assert not second_done.wait(0.5)  # it waits for the lock this transaction holds
        first_seq = first.seq
    waiter.join(30)
    assert not errors, errors
    with unit_of_work(readonly=True) as s:
        rows = s.execute(
            select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.actor).where(AuditEntry.seq >= first_seq)
        ).all()
        assert audit.verify(s).ok
    assert [(r.seq, r.actor) for r in rows] == [(first_seq, "first"), (first_seq + 1, "second")]
