"""Every write of the API is audited: one table of cases, run as one chained scenario.

Each write endpoint in the OpenAPI document is a case below or exempt with its reason; each mapped model is
named with the audit kind its writes are recorded under, or as not audited with its reason. Each case runs
twice on the same prerequisites: first with the commit of its audit entry made to fail (the request fails
and no table changed: the entry and the write share one transaction), then for real (2xx, and exactly the
entries its row in the table states, with their kind and entity id)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from hifazat import bootstrap
from hifazat.core.db import Base
from tests.audit.conftest import (
    SMS_TOKEN,
    audit_head,
    chain_ok,
    entries_after,
    fill,
    refused_commit_changes_nothing,
)
from tests.conftest import ADMIN_PASSWORD, login

State = dict[str, Any]
PHONE = "+923001234567"
WRITE_METHODS = ("post", "put", "patch", "delete")

TELEMETRY = "telemetry: the append-only positions table is its own record (architecture.md)"
EXEMPT = {
    ("POST", "/api/v1/positions"): TELEMETRY,
    ("POST", "/api/v1/movements/{movement_id}/evaluate"): "computes an evaluation, stores nothing",
}

# Table -> the audit kind its writes are recorded under, or None with the reason it is not audited.
MODEL_KINDS: dict[str, str | tuple[None, str]] = {
    "agencies": "agencies",
    "users": "users",
    "access_tokens": "users",  # sign-in and sign-out are recorded as the user's login / logout
    "sharing_agreements": "agreements",
    "persons": "persons",
    "projects": "projects",
    "sites": "sites",
    "units": "units",
    "vehicles": "vehicles",
    "devices": "devices",
    "zones": "zones",
    "escort_assignments": "escorts",
    "notify_preferences": "notification_preferences",
    "notify_webhooks": "webhooks",
    "alerts": "alerts",
    "alert_events": "alerts",  # the alert's timeline, written with the alert's own audited change
    "alert_shares": "alerts",  # who else sees an alert: written as it is raised (or escalated)
    "alert_assignments": "alerts",  # dispatch and unit status are recorded on the alert
    "alert_rules": "alert_rules",
    "escalation_policies": "escalation_policies",
    "polls": "polls",
    "poll_recipients": "polls",  # the recipients and their answers are recorded on the poll
    "notify_deliveries": "deliveries",
    "incidents": "incidents",
    "incident_involved": "incidents",  # the people of an incident: written with the incident's own entry
    "incident_events": "incidents",  # the incident's timeline, written with its audited change
    "evidence": "evidence",
    "evidence_custody": "evidence",  # each custody step is recorded on its item
    # cases: the linked incidents and the investigators are recorded on the case; its work on its own kinds
    "cases": "cases",
    "case_incidents": "cases",
    "case_investigators": "cases",
    "case_events": "cases",  # the case's timeline, written with its audited change
    "case_tasks": "case_tasks",
    "case_milestones": "case_milestones",
    "case_actions": "case_actions",
    # personnel
    "licences": "licences",
    "personnel": "personnel",
    "personnel_checks": "personnel_checks",
    "threat_levels": "threat_levels",
    "movements": "movements",
    "duties": "duties",
    "audit_log": (None, "the log itself"),
    "outbox": (None, "the transactional outbox: events of writes already audited"),
    "positions": (None, "telemetry: the append-only table is its own record"),
    "device_last": (None, "the hot last-position row per device, derived from positions"),
    "tracking_config": (None, "a version counter bumped by audited device/zone/escort writes"),
    "escalation_timers": (None, "scheduling state of a policy; a firing is recorded as the alert's escalate"),
}


@dataclass(frozen=True)
class Case:
    """One write. `url` and string values in `body` are formatted with the scenario's state (ids so far);
    `kinds` are the audit kinds of the entries it appends, in order; `eid` is each entry's entity_id (one
    key for all, or one per entry): "id" the answer's id, "-" none, else a state key; `save` keeps the
    answer's id under that key."""

    method: str
    path: str
    kinds: tuple[str, ...]
    url: str = ""
    body: dict[str, Any] | None = None
    eid: str | tuple[str, ...] = "id"
    save: str | None = None
    why: str = ""  # required when it appends other than exactly one entry
    form: bool = False
    user: str = "admin"
    files: dict[str, tuple[str, bytes]] | None = None  # a multipart upload (with `body` as its fields)
    before: Callable[[State], None] | None = None  # prerequisites no endpoint makes yet


def _site_body() -> dict[str, Any]:
    square = [[67.0, 24.8], [67.01, 24.8], [67.01, 24.81], [67.0, 24.81], [67.0, 24.8]]
    geometry = {"type": "Polygon", "coordinates": [square]}
    return {
        "name": "Audit site",
        "kind": "project_site",
        "geometry": geometry,
        "province": "PK-SD",
        "district": "Karachi South",  # where the square lies: a typed place must agree (18.6)
        "project_id": "{projects}",
    }


def _crud(name: str, key: str, body: dict[str, Any], patch: dict[str, Any], kind: str = "") -> list[Case]:
    """Create and update of `name` (the id saved as `key`)."""
    kind = kind or name
    item = f"{V1}/{name}/{{{key}}}"
    return [
        Case("POST", f"{V1}/{name}", (kind,), body=body, save=key),
        Case("PATCH", f"{V1}/{name}/{{{param(name)}}}", (kind,), url=item, body=patch, eid=key),
    ]


def _delete(name: str, key: str, kind: str = "") -> Case:
    return Case(
        "DELETE", f"{V1}/{name}/{{{param(name)}}}", (kind or name,), url=f"{V1}/{name}/{{{key}}}", eid=key
    )


REGISTRY = ("persons", "projects", "sites", "units", "vehicles")
PARAMS = {
    "agencies": "agency_id",
    "users": "user_id",
    "sharing-agreements": "agreement_id",
    "devices": "device_id",
    "zones": "zone_id",
    "escorts": "escort_id",
    "webhooks": "hook_id",
    "escalation-policies": "policy_id",
    "licences": "licence_id",
    "personnel": "personnel_id",
    "duties": "duty_id",
}


def param(name: str) -> str:
    return "entity_id" if name in REGISTRY else PARAMS[name]


V1 = "/api/v1"
PREFS = {"channels": {"email": {"enabled": True, "min_severity": "critical"}}}
ALERT = f"{V1}/alerts/{{alert}}"
ACTION = f"{V1}/alerts/{{alert_id}}/actions/{{action}}"
POLICY = {
    "name": "Audit policy",
    "severity": "high",
    "levels": [{"timeout_s": 3600, "targets": [{"kind": "role", "role": "admin"}]}],
}


def _case_row(state: State) -> None:
    """A case of the root agency, written directly: evidence hangs off one and no endpoint makes it yet."""
    from hifazat.core.db import utcnow
    from hifazat.incidents.case_models import Case as CaseRow
    from hifazat.platform.db import unit_of_work

    if "case" not in state:
        with unit_of_work() as s:
            row = CaseRow(agency_id=state["root"], title="Audit case", opened_at=utcnow())
            s.add(row)
            s.flush()
            state["case"] = row.id


def _evidence_cases() -> list[Case]:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR audit"
    return [
        Case(
            "POST",
            f"{V1}/cases/{{case_id}}/evidence",
            ("evidence", "evidence"),
            url=f"{V1}/cases/{{case}}/evidence",
            body={"description": "Audit photo"},
            files={"file": ("audit.png", png)},
            before=_case_row,
            eid=("id", "id"),
            save="evidence",
            why="the record's create and its first custody step (collected by the uploader)",
        ),
        Case(
            "POST",
            f"{V1}/evidence/{{evidence_id}}/custody",
            ("evidence",),
            url=f"{V1}/evidence/{{evidence}}/custody",
            body={"action": "sealed"},
            eid="evidence",
        ),
    ]


CASES: list[Case] = [
    Case(
        "POST",
        f"{V1}/auth/token",
        ("users",),
        body={"username": "admin", "password": ADMIN_PASSWORD},
        eid="me",
        form=True,
    ),
    Case("POST", f"{V1}/auth/logout", ("users",), eid="me", user="signed_in"),
    *_crud(
        "agencies",
        "agency",
        {"name": "Audit Agency", "kind": "private_security_company", "parent_id": "{root}"},
        {"short_name": "AA"},
    ),
    *_crud(
        "users",
        "user",
        {
            "username": "audit-op",
            "password": ADMIN_PASSWORD,
            "full_name": "Audit Op",
            "phone": PHONE,  # a poll to the person with this number reaches this user too
            "agency_id": "{agency}",
            "roles": ["operator"],
        },
        {"full_name": "Audit Operator"},
    ),
    Case(
        "POST",
        f"{V1}/sharing-agreements",
        ("agreements",),
        save="agreement",
        body={
            "name": "Audit share",
            "grantor_id": "{agency}",
            "grantee_id": "{root}",
            "entity_kinds": ["persons"],
            "level": "summary",
        },
    ),
    *_crud("projects", "projects", {"name": "Audit project", "code": "AUD-1"}, {"description": "Phase 2"}),
    *_crud("sites", "sites", _site_body(), {"address": "Plot 9, Port Qasim"}),
    *_crud(
        "persons",
        "persons",
        {"given_name": "Ana", "family_name": "Lee", "nationality": "CN", "phone": PHONE},
        {"family_name": "Li"},
    ),
    *_crud("units", "units", {"call_sign": "ESC-1", "kind": "escort"}, {"strength": 4}),
    Case("POST", f"{V1}/units", ("units",), body={"call_sign": "QRF-1", "kind": "escort"}, save="qrf"),
    *_crud("vehicles", "vehicles", {"registration": "AUD-1", "unit_id": "{units}"}, {"seats": 6}),
    *_crud(
        "devices",
        "device",
        {"identifier": "IMEI-AUD-1", "kind": "tracker", "owner_kind": "person", "owner_id": "{persons}"},
        {"name": "Spare"},
    ),
    Case(
        "POST",
        f"{V1}/devices/{{device_id}}/secret",
        ("devices",),
        url=f"{V1}/devices/{{device}}/secret",
        eid="device",
    ),
    *_crud(
        "zones",
        "zone",
        {
            "name": "Bazaar",
            "kind": "red_zone",
            "radius_m": 500,
            "geometry": {"type": "Point", "coordinates": [67.0, 24.86]},
        },
        {"name": "Bazaar east"},
    ),
    *_crud("escorts", "escort", {"person_id": "{persons}", "unit_id": "{units}"}, {"note": "day shift"}),
    Case("PUT", f"{V1}/me/notification-preferences", ("notification_preferences",), body=PREFS, eid="me"),
    Case(
        "PUT",
        f"{V1}/users/{{user_id}}/notification-preferences",
        ("notification_preferences",),
        url=f"{V1}/users/{{user}}/notification-preferences",
        body=PREFS,
        eid="user",
    ),
    *_crud(
        "webhooks", "hook", {"name": "Ops room", "url": "https://ops.audit.example/hook"}, {"active": False}
    ),
    *_crud("escalation-policies", "policy", POLICY, {"name": "Audit policy 2"}, kind="escalation_policies"),
    Case(
        "PUT",
        f"{V1}/alert-rules/{{event_kind}}",
        ("alert_rules",),
        url=f"{V1}/alert-rules/device_stale",
        body={"severity": "high", "suppress_s": 120},
    ),
    Case(
        "POST",
        f"{V1}/alerts",
        ("alerts",),
        save="alert",
        body={"kind": "intrusion", "lat": 24.805, "lon": 67.005, "title": "Fence cut", "site_id": "{sites}"},
    ),
    Case("POST", ACTION, ("alerts",), url=f"{ALERT}/actions/acknowledge", body={}, eid="alert"),
    Case(
        "POST",
        f"{V1}/alerts/{{alert_id}}/notes",
        ("alerts",),
        url=f"{ALERT}/notes",
        body={"note": "gate guard confirms"},
        eid="alert",
    ),
    Case(
        "POST",
        f"{V1}/alerts/{{alert_id}}/assignments",
        ("units", "alerts", "alerts"),
        url=f"{ALERT}/assignments",
        body={"unit_ids": ["{qrf}"]},
        eid=("qrf", "alert", "alert"),
        why="the unit's status (responding), the dispatch, and the alert's move to responding: three entries",
        save="assignment",
    ),
    Case(
        "PATCH",
        f"{V1}/alerts/{{alert_id}}/assignments/{{assignment_id}}",
        ("alerts",),
        url=f"{ALERT}/assignments/{{assignment}}",
        body={"status": "on_scene"},
        eid="alert",
    ),
    Case(
        "POST",
        ACTION,
        ("alerts", "units"),
        url=f"{ALERT}/actions/resolve",
        body={},
        eid=("alert", "qrf"),
        why="closing the alert releases its dispatched unit (available again): the unit's own entry",
    ),
    Case(
        "POST",
        f"{V1}/incidents",
        ("incidents", "incidents"),
        save="incident",
        why="the incident, and the people involved (its entry cannot show its child rows): two entries",
        body={
            "alert_id": "{alert}",
            "type": "crime",
            "involved": [{"role": "witness", "name": "Gate guard", "nationality": "PK"}],
        },
    ),
    Case(
        "PATCH",
        f"{V1}/incidents/{{incident_id}}",
        ("incidents", "incidents"),
        url=f"{V1}/incidents/{{incident}}",
        body={
            "severity": "low",
            "involved": [{"role": "victim", "person_id": "{persons}", "outcome": "injured"}],
        },
        eid="incident",
        why="the incident's fields, and the people involved replaced as one change: two entries",
    ),
    Case(
        "POST",
        f"{V1}/incidents/{{incident_id}}/actions/{{action}}",
        ("incidents",),
        url=f"{V1}/incidents/{{incident}}/actions/verify",
        body={"note": "confirmed by the site manager"},
        eid="incident",
    ),
    Case(
        "POST",
        f"{V1}/incidents/{{incident_id}}/notes",
        ("incidents",),
        url=f"{V1}/incidents/{{incident}}/notes",
        body={"note": "FIR registered"},
        eid="incident",
    ),
    Case(
        "POST",
        f"{V1}/cases",
        ("cases", "cases"),
        save="case",
        why="the case, and the incidents it investigates (its entry cannot show its child rows): two entries",
        body={"title": "Audit case", "incident_ids": ["{incident}"]},
    ),
    Case(
        "PATCH",
        f"{V1}/cases/{{case_id}}",
        ("cases",),
        url=f"{V1}/cases/{{case}}",
        body={"title": "t"},
        eid="case",
    ),
    *(
        case
        for path, kind, key, param_name, body, patch in (
            ("tasks", "case_tasks", "case_task", "task_id", {"title": "Interview"}, {"done": True}),
            (
                "milestones",
                "case_milestones",
                "case_milestone",
                "milestone_id",
                {"kind": "hearing"},
                {"title": "t"},
            ),
            (
                "corrective-actions",
                "case_actions",
                "case_action",
                "action_id",
                {"kind": "preventive", "description": "Re-vet guards", "owner_user_id": "{me}"},
                {"description": "Re-vet every guard"},
            ),
        )
        for case in (
            Case(
                "POST",
                f"{V1}/cases/{{case_id}}/{path}",
                (kind,),
                url=f"{V1}/cases/{{case}}/{path}",
                body=body,
                save=key,
            ),
            Case(
                "PATCH",
                f"{V1}/cases/{{case_id}}/{path}/{{{param_name}}}",
                (kind,),
                url=f"{V1}/cases/{{case}}/{path}/{{{key}}}",
                body=patch,
                eid=key,
            ),
        )
    ),
    Case(
        "POST",
        f"{V1}/cases/{{case_id}}/actions/{{action}}",
        ("cases",),
        url=f"{V1}/cases/{{case}}/actions/close",
        body={"findings": "An insider with a licensed weapon"},
        eid="case",
    ),
    Case(  # the SOS lane: its audit entry is linked at the end, with the alert's other rows
        "POST",
        f"{V1}/alerts",
        ("alerts",),
        body={"kind": "sos", "lat": 24.805, "lon": 67.005, "person_id": "{persons}"},
    ),
    Case(
        "POST",
        f"{V1}/polls",
        ("polls", "deliveries"),
        save="poll",
        body={"question": "Are you safe?", "person_ids": ["{persons}"], "deadline_s": 600},
        why="the poll, and the deliveries it queues to its recipients (notify's enqueue entry): two entries",
    ),
    Case(
        "POST",
        f"{V1}/polls/{{poll_id}}/answers",
        ("polls",),
        url=f"{V1}/polls/{{poll}}/answers",
        body={"person_id": "{persons}", "answer": "safe"},
        eid="poll",
    ),
    Case("POST", f"{V1}/polls/{{poll_id}}/close", ("polls",), url=f"{V1}/polls/{{poll}}/close", eid="poll"),
    Case(
        "POST",
        f"{V1}/sms/inbound",
        ("alerts",),
        body={"From": PHONE, "Body": "SAFE"},
        eid="-",
        form=True,
        user="sms_gateway",
    ),
    # --- threat levels and movements: the ministry sets a level and files, submits a movement of its own
    Case(
        "POST",
        f"{V1}/threat-levels",
        ("threat_levels",),
        body={"province": "PK-SD", "district": "Karachi South", "level": "high", "reason": "audit"},
    ),
    Case("POST", f"{V1}/sites", ("sites",), body={**_site_body(), "name": "Audit camp"}, save="camp"),
    Case(
        "POST",
        f"{V1}/movements",
        ("movements",),
        save="movement",
        body={
            "person_ids": ["{persons}"],
            "origin_site_id": "{sites}",
            "destination_site_id": "{camp}",
            "waypoints": [[67.005, 24.805], [68.37, 25.39]],
            "depart_after": "2030-01-01T08:00:00Z",
        },
    ),
    Case(
        "POST",
        f"{V1}/movements/{{movement_id}}/actions/{{action}}",
        ("movements",),
        url=f"{V1}/movements/{{movement}}/actions/submit",
        body={"note": "audit"},
        eid="movement",
    ),
    # --- personnel: the ministry licenses the audit agency (a security company) and registers its guard
    *_crud(
        "licences",
        "licence",
        {
            "agency_id": "{agency}",
            "kind": "noc",
            "number": "AUD-NOC-1",
            "issued_on": "2026-01-01",
            "expires_on": "2028-01-01",
        },
        {"category": "armed guarding"},
    ),
    Case(
        "POST",
        f"{V1}/licences/{{licence_id}}/actions/{{action}}",
        ("licences",),
        url=f"{V1}/licences/{{licence}}/actions/suspend",
        body={"note": "audit ordered"},
        eid="licence",
    ),
    *_crud(
        "personnel",
        "guard",
        {
            "given_name": "Audit",
            "family_name": "Guard",
            "role": "guard",
            "cnic": "42101-1111111-1",
            "date_of_birth": "1990-01-01",
            "agency_id": "{agency}",
        },
        {"cnic": "42101-2222222-2"},
    ),
    Case(
        "POST",
        f"{V1}/personnel/{{personnel_id}}/checks",
        ("personnel_checks",),
        url=f"{V1}/personnel/{{guard}}/checks",
        body={"kind": "physical_fitness", "result": "pass", "done_on": "2026-01-01"},
    ),
    *_evidence_cases(),
    *_crud(
        "duties",
        "duty",
        {
            "personnel_id": "{guard}",
            "kind": "site_post",
            "site_id": "{sites}",
            "starts_at": "2030-01-01T08:00:00Z",
            "ends_at": "2030-01-01T16:00:00Z",
        },
        {"ends_at": "2030-01-01T15:00:00Z"},
    ),
    Case(
        "POST",
        f"{V1}/duties/{{duty_id}}/actions/{{action}}",
        ("duties",),
        url=f"{V1}/duties/{{duty}}/actions/cancel",
        body={"note": "post closed"},
        eid="duty",
    ),
    _delete("escorts", "escort"),
    _delete("zones", "zone"),
    _delete("devices", "device"),
    _delete("webhooks", "hook"),
    _delete("escalation-policies", "policy", "escalation_policies"),
    *(_delete(name, name) for name in ("vehicles", "units", "persons", "sites", "projects")),
    _delete("sharing-agreements", "agreement", "agreements"),
    _delete("users", "user"),
    _delete("agencies", "agency"),
]


def _send(client: TestClient, case: Case, state: State) -> Any:
    url, body = fill(case.url or case.path, state), fill(case.body, state)
    if case.files is not None:
        return client.request(case.method, url, data=body, files=case.files, headers=state[case.user])
    if case.form:
        return client.request(case.method, url, data=body, headers=state[case.user])
    return client.request(case.method, url, json=body, headers=state[case.user])


def _run(client: TestClient, case: Case, state: State) -> list[str]:
    if case.before is not None:
        case.before(state)
    label = f"{case.method} {fill(case.url or case.path, state)}"
    problems = refused_commit_changes_nothing(lambda: _send(client, case, state), label) if case.kinds else []
    head = audit_head()
    r = _send(client, case, state)
    if not 200 <= r.status_code < 300:
        return [*problems, f"{label}: answered {r.status_code} {r.text[:300]}"]
    data = r.json() if r.content and r.headers["content-type"].startswith("application/json") else {}
    if case.save:
        state[case.save] = data["id"] if "id" in data else data["items"][0]["id"]
    if "access_token" in data:  # the sign-in case: its token is the one the sign-out case ends
        state["signed_in"] = {"Authorization": f"Bearer {data['access_token']}"}
    got = entries_after(head)
    if tuple(e.entity for e in got) != case.kinds:
        found = [(e.action, e.entity, e.entity_id) for e in got]
        return [*problems, f"{label}: appended {found}, the table says {case.kinds}"]
    keys = (case.eid,) * len(got) if isinstance(case.eid, str) else case.eid
    wanted = [{"id": data.get("id"), "-": None}.get(k, state.get(k)) for k in keys]
    if [e.entity_id for e in got] != wanted:
        problems.append(f"{label}: entity ids {[e.entity_id for e in got]}, expected {wanted}")
    return problems


def _write_operations() -> set[tuple[str, str]]:
    from hifazat.app import create_app  # the domains are imported as the app is built

    paths = create_app().openapi()["paths"]
    return {(m.upper(), p) for p, ops in paths.items() for m in ops if m in WRITE_METHODS}


def test_every_write_endpoint_is_a_case_or_exempt(settings: Any) -> None:
    operations = _write_operations()
    named = {(c.method, c.path) for c in CASES} | set(EXEMPT)
    assert sorted(operations - named) == [], "write endpoints without a case in CASES (or a reason in EXEMPT)"
    assert sorted(named - operations) == [], "cases or exemptions naming no endpoint of the API"
    unexplained = [(c.method, c.path, c.kinds) for c in CASES if len(c.kinds) != 1 and not c.why]
    assert unexplained == [], "a case that appends other than exactly one entry says why"


def test_every_model_is_named_with_its_audit_kind(settings: Any) -> None:
    _write_operations()  # imports every domain's models
    mapped = {t.name for m in Base.registry.mappers for t in m.tables}
    assert sorted(mapped - set(MODEL_KINDS)) == [], "mapped models without an audit kind or a reason"
    assert sorted(set(MODEL_KINDS) - mapped) == [], "MODEL_KINDS names tables no model maps"
    audited = {kind for kind in MODEL_KINDS.values() if isinstance(kind, str)}
    covered = {kind for c in CASES for kind in c.kinds}
    assert sorted(audited - covered) == [], "audited kinds that no case writes"


def test_each_write_appends_its_entries_in_its_own_transaction(
    audit_client: TestClient, initialised: bootstrap.InitResult
) -> None:
    admin = login(audit_client, "admin", ADMIN_PASSWORD)
    state: State = {
        "root": initialised.agency_id,
        "admin": admin,
        "sms_gateway": {"X-Hifazat-Token": SMS_TOKEN},
        "me": audit_client.get(f"{V1}/me", headers=admin).json()["id"],
    }
    problems = [p for case in CASES for p in _run(audit_client, case, state)]
    assert problems == [], "\n".join(problems)
    assert chain_ok()
