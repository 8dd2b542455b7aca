"""Every audited write goes through platform/audit/writes.py, and an update that changes nothing writes
nothing: no `updated_at`, no entry, no event."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi.testclient import TestClient

import hifazat
from hifazat import bootstrap
from tests.audit.conftest import SMS_TOKEN, audit_head, entries_after, fill, tables
from tests.audit.test_audit_coverage import CASES, V1, State, _send
from tests.conftest import ADMIN_PASSWORD, login

SRC = Path(hifazat.__file__).parent
LOG = "hifazat.platform.audit.log"
RAW = frozenset({"record", "snapshot", "diff"})


def _raw_uses(path: Path) -> list[str]:
    """Calls of the log's record/snapshot/diff in one module, and imports of those names."""
    tree = ast.parse(path.read_text(), str(path))
    aliases: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "hifazat.platform.audit":
            aliases |= {a.asname or a.name for a in node.names if a.name == "log"}
        elif isinstance(node, ast.ImportFrom) and node.module == LOG:
            found += [f"{path}:{node.lineno} imports {a.name}" for a in node.names if a.name in RAW]
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.name == LOG and a.asname}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in aliases
            and node.func.attr in RAW
        ):
            found.append(f"{path}:{node.lineno} calls {node.func.value.id}.{node.func.attr}")
    return found


def test_no_module_outside_platform_audit_writes_the_log_by_hand() -> None:
    modules = [p for p in SRC.rglob("*.py") if SRC / "platform" / "audit" not in p.parents]
    assert len(modules) > 50  # the whole source tree was read
    found = [use for p in modules for use in _raw_uses(p)]
    assert found == [], "use hifazat.platform.audit.writes (audited_create/update/delete/transition/action)"


def test_the_check_sees_a_hand_written_record(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from hifazat.platform.audit import log as audit\nfrom hifazat.platform.audit.log import diff\n"
        "audit.record(None, actor=None, action='x', entity='y', entity_id=None)\n"
    )
    assert [u.split(" ", 1)[1] for u in _raw_uses(bad)] == ["imports diff", "calls audit.record"]


def _repeatable(method: str, path: str) -> bool:
    """PATCH and PUT write a record's fields, so sending one twice is a change that changes nothing (an
    assignment's status is a lifecycle step instead: sent twice it is refused)."""
    return method in ("PATCH", "PUT") and "/assignments/" not in path


def test_an_update_that_changes_nothing_writes_nothing(
    audit_client: TestClient, initialised: bootstrap.InitResult
) -> None:
    admin = login(audit_client, "admin", ADMIN_PASSWORD)
    state: State = {
        "root": initialised.agency_id,
        "admin": admin,
        "sms_gateway": {"X-Hifazat-Token": SMS_TOKEN},
        "me": audit_client.get(f"{V1}/me", headers=admin).json()["id"],
    }
    repeated, problems = 0, []
    for case in CASES:
        if case.method == "DELETE":
            break  # the updates are all before the deletes
        if case.before is not None:
            case.before(state)
        r = _send(audit_client, case, state)
        assert 200 <= r.status_code < 300, f"{case.method} {case.path}: {r.status_code} {r.text[:300]}"
        data = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if case.save:
            state[case.save] = data["id"] if "id" in data else data["items"][0]["id"]
        if "access_token" in data:
            state["signed_in"] = {"Authorization": f"Bearer {data['access_token']}"}
        if not _repeatable(case.method, case.path):
            continue
        label = f"{case.method} {fill(case.url or case.path, state)} again"
        rows, head = tables(), audit_head()
        again = _send(audit_client, case, state)
        repeated += 1
        if again.status_code != 200:
            problems.append(f"{label}: answered {again.status_code} {again.text[:200]}")
        elif "id" in data and again.json().get("id") != data["id"]:
            problems.append(f"{label}: answered another record than the first time")
        if entries_after(head):
            problems.append(f"{label}: appended {[(e.action, e.entity) for e in entries_after(head)]}")
        changed = [name for name, now in tables().items() if now != rows[name]]
        if changed:
            problems.append(f"{label}: changed the tables {changed}")
    assert repeated >= 12, "the scenario's updates were all repeated"
    assert problems == [], "\n".join(problems)


def test_a_password_change_is_recorded_without_the_hash(
    audit_client: TestClient, initialised: bootstrap.InitResult
) -> None:
    admin = login(audit_client, "admin", ADMIN_PASSWORD)
    body = {
        "username": "pw-op",
        "password": ADMIN_PASSWORD,
        "full_name": "Pw Op",
        "agency_id": initialised.agency_id,
        "roles": ["operator"],
    }
    uid = audit_client.post(f"{V1}/users", json=body, headers=admin).json()["id"]
    head = audit_head()
    r = audit_client.patch(f"{V1}/users/{uid}", json={"password": "a-brand-new-secret"}, headers=admin)
    assert r.status_code == 200, r.text
    got = [(e.action, e.entity, e.entity_id, e.after) for e in entries_after(head)]
    assert got == [("update", "users", uid, {"password_changed": True})]
