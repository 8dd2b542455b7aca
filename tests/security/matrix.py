"""The authorisation matrix as data: every demo login x every endpoint x its own, a shared and a foreign
record -> the expected outcome. tests/security/test_matrix.py drives it over the demo scenario and fails
for an endpoint the app serves that has no row here.

Read it in three parts:
- `LOGINS`: each demo login's roles (as `src/hifazat/demo/data_organisations.py` makes them).
- `RELATIONS`: for each group of records, which specimen (tests/security/specimens.py) is the login's
  own (its agency's tree), shared (another agency's, visible by jurisdiction or a sharing agreement) and
  foreign (another agency's it must not see); `-` where the demo holds none.
- `ROWS`: each endpoint, who may call it, and the outcome for each relation. The outcomes:
  `ok` 2xx; `allow` the caller was let through (2xx, or the record's state or the body refused: 409/422);
  `deny` 403; `hide` 404 with the body of a record that does not exist; `refuse` 403, 404 or 422;
  `stop` 403 or 409 (refused by the caller's stake or the record's state; never carried out).
  `others` is the outcome for every login whose roles are not in `who`; `exceptions` the few cells
  that differ from their row's rule, each with its reason beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL = frozenset({"admin", "operator", "responder", "investigator", "analyst", "liaison", "auditor"})
STAFF = frozenset({"admin", "operator"})
ADMIN = frozenset({"admin"})
ALERT_WRITERS = frozenset({"admin", "operator", "responder"})
NOTE_WRITERS = ALERT_WRITERS | {"investigator", "analyst"}
POLICY_READERS = frozenset({"admin", "operator", "auditor"})
AUDIT_READERS = frozenset({"admin", "auditor"})
AGREEMENT_READERS = frozenset({"admin", "auditor", "liaison"})
# src/hifazat/incidents/stance.py and lifecycle.py: who files and edits, who reviews, who investigates.
INCIDENT_WRITERS = frozenset({"admin", "operator", "responder", "investigator", "analyst"})
INCIDENT_MOVES = {
    "verify": frozenset({"admin", "operator", "analyst"}),
    "investigate": frozenset({"admin", "operator", "investigator"}),
    "close": frozenset({"admin", "operator", "investigator"}),
    "dismiss": frozenset({"admin", "operator", "analyst"}),
}
# src/hifazat/incidents/case_stance.py: who writes to a case (its lead agency's), who reopens one.
CASE_WRITERS = frozenset({"admin", "operator", "investigator"})
CASE_REOPENERS = frozenset({"admin", "operator"})
NONE: frozenset[str] = frozenset()
THREAT_SETTERS = frozenset({"admin", "operator", "analyst"})  # src/hifazat/threat/service.py SETTERS
# Logins holding a staff role outside a federal ministry: refused the ministry's licensing (personnel).
NOT_MINISTRY_STAFF = (
    "sindh.spu",
    "isb.police",
    "punjab.spu",
    "balochistan.police",
    "army.ssd",
    "shield.manager",
    "sentinel.manager",
    "company.security",
)

LOGINS: dict[str, tuple[str, ...]] = {
    "admin": ("admin",),
    "noc.operator": ("operator",),
    "noc.analyst": ("analyst",),
    "moi.auditor": ("auditor",),
    "sindh.spu": ("operator",),
    "sindh.responder": ("responder",),
    "police.investigator": ("investigator",),
    "isb.police": ("operator",),
    "punjab.spu": ("operator",),
    "balochistan.police": ("operator",),
    "army.ssd": ("operator",),
    "army.qrf": ("responder",),
    "shield.manager": ("admin", "operator"),
    "shield.guard": ("responder",),
    "sentinel.manager": ("admin", "operator"),
    "company.security": ("admin", "operator"),
    "embassy.liaison": ("liaison",),
}
AGENCY_OF = {
    "admin": "moi",
    "moi.auditor": "moi",
    "police.investigator": "sindh",
    "isb.police": "isb",
    "balochistan.police": "balochistan",
    "company.security": "company",
    "embassy.liaison": "embassy",
}


def agency_of(login: str) -> str:
    return AGENCY_OF.get(login, login.split(".")[0])


def _table(text: str) -> dict[str, tuple[str | None, str | None, str | None]]:
    out: dict[str, tuple[str | None, str | None, str | None]] = {}
    for line in text.strip().splitlines():
        login, *cells = line.split()
        own, shared, foreign = ([c if c != "-" else None for c in cells] + [None, None, None])[:3]
        out[login] = (own, shared, foreign)
    return out


RELATIONS_TEXT: dict[str, str] = {
    "agencies": """
        admin                embassy          -                -
        noc.operator         noc              company          -
        noc.analyst          noc              company          -
        moi.auditor          company          embassy          -
        sindh.spu            sindh            company          -
        sindh.responder      sindh            company          -
        police.investigator  sindh            company          -
        isb.police           isb              company          -
        punjab.spu           punjab           company          -
        balochistan.police   balochistan      company          -
        army.ssd             army             company          -
        army.qrf             army             company          -
        shield.manager       shield           company          -
        shield.guard         shield           company          -
        sentinel.manager     sentinel         company          -
        company.security     company          sindh            -
        embassy.liaison      embassy          company          -
    """,
    "agreements": """
        admin                company>embassy  -                -
        noc.operator         -                -                company>embassy
        noc.analyst          -                -                company>embassy
        moi.auditor          company>embassy  -                -
        sindh.spu            -                -                company>embassy
        sindh.responder      -                -                company>embassy
        police.investigator  -                -                company>embassy
        isb.police           -                -                company>embassy
        punjab.spu           -                -                company>embassy
        balochistan.police   -                -                company>embassy
        army.ssd             -                -                company>embassy
        army.qrf             -                -                company>embassy
        shield.manager       shield>embassy   company>shield   company>embassy
        shield.guard         shield>embassy   -                company>embassy
        sentinel.manager     sentinel>embassy company>sentinel company>embassy
        company.security     company>embassy  -                shield>embassy
        embassy.liaison      -                company>embassy  company>shield
    """,
    "alerts": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            company          punjab
        sindh.responder      sindh            company          punjab
        police.investigator  sindh            company          punjab
        isb.police           -                -                company
        punjab.spu           punjab           -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
    "incidents": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            company          punjab
        sindh.responder      sindh            company          punjab
        police.investigator  sindh            company          punjab
        isb.police           -                -                company
        punjab.spu           punjab           -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
    # The specimens are cases the makers open on their own incidents: seen as those incidents are.
    "cases": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            company          punjab
        sindh.responder      sindh            company          punjab
        police.investigator  sindh            company          punjab
        isb.police           -                -                company
        punjab.spu           punjab           -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
    "devices": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            -                company
        sindh.responder      sindh            -                company
        police.investigator  sindh            -                company
        isb.police           -                -                company
        punjab.spu           punjab           -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
    "escalation_policies": """
        admin                company          -                -
        noc.operator         -                -                company
        noc.analyst          -                -                company
        moi.auditor          company          -                -
        sindh.spu            -                -                company
        sindh.responder      -                -                company
        police.investigator  -                -                company
        isb.police           -                -                company
        punjab.spu           -                -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                shield
        embassy.liaison      -                -                company
    """,
    "escorts": """
        admin                sindh            -                -
        noc.operator         -                sindh            -
        noc.analyst          -                sindh            -
        moi.auditor          sindh            -                -
        sindh.spu            sindh            shield           punjab
        sindh.responder      sindh            shield           punjab
        police.investigator  sindh            shield           punjab
        isb.police           -                -                sindh
        punjab.spu           punjab           -                sindh
        balochistan.police   -                -                sindh
        army.ssd             -                -                sindh
        army.qrf             -                -                sindh
        shield.manager       shield           -                sindh
        shield.guard         shield           -                sindh
        sentinel.manager     -                -                sindh
        company.security     -                -                sindh
        embassy.liaison      -                -                sindh
    """,
    "persons": """
        admin                PQ-CFPP          -                -
        noc.operator         -                PQ-CFPP          -
        noc.analyst          -                PQ-CFPP          -
        moi.auditor          PQ-CFPP          -                -
        sindh.spu            -                PQ-CFPP          LHR-OLMT
        sindh.responder      -                PQ-CFPP          LHR-OLMT
        police.investigator  -                PQ-CFPP          LHR-OLMT
        isb.police           -                none             PQ-CFPP
        punjab.spu           -                LHR-OLMT         PQ-CFPP
        balochistan.police   -                GWD-NGIA         PQ-CFPP
        army.ssd             -                DASU-HPP         PQ-CFPP
        army.qrf             -                DASU-HPP         PQ-CFPP
        shield.manager       -                PQ-CFPP          LHR-OLMT
        shield.guard         -                PQ-CFPP          LHR-OLMT
        sentinel.manager     -                LHR-OLMT         PQ-CFPP
        company.security     PQ-CFPP          -                -
        embassy.liaison      -                PQ-CFPP          -
    """,
    "polls": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            -                company
        sindh.responder      sindh            -                company
        police.investigator  sindh            -                company
        isb.police           -                -                company
        punjab.spu           punjab           -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
    "projects": """
        admin                PQ-CFPP          -                -
        noc.operator         -                PQ-CFPP          -
        noc.analyst          -                PQ-CFPP          -
        moi.auditor          PQ-CFPP          -                -
        sindh.spu            -                PQ-CFPP          LHR-OLMT
        sindh.responder      -                PQ-CFPP          LHR-OLMT
        police.investigator  -                PQ-CFPP          LHR-OLMT
        isb.police           -                -                PQ-CFPP
        punjab.spu           -                LHR-OLMT         PQ-CFPP
        balochistan.police   -                GWD-NGIA         PQ-CFPP
        army.ssd             -                DASU-HPP         PQ-CFPP
        army.qrf             -                DASU-HPP         PQ-CFPP
        shield.manager       -                -                PQ-CFPP
        shield.guard         -                -                PQ-CFPP
        sentinel.manager     -                -                PQ-CFPP
        company.security     PQ-CFPP          -                -
        embassy.liaison      -                -                PQ-CFPP
    """,
    "sites": """
        admin                company          embassy          -
        noc.operator         noc              company          -
        noc.analyst          noc              company          -
        moi.auditor          company          embassy          -
        sindh.spu            sindh            company          punjab
        sindh.responder      sindh            company          punjab
        police.investigator  sindh            company          punjab
        isb.police           isb              embassy          company
        punjab.spu           punjab           sentinel         company
        balochistan.police   balochistan      army             company
        army.ssd             army             balochistan      company
        army.qrf             army             balochistan      company
        shield.manager       shield           company          sindh
        shield.guard         shield           company          sindh
        sentinel.manager     sentinel         -                company
        company.security     company          -                sindh
        embassy.liaison      embassy          company          sindh
    """,
    "units": """
        admin                sindh            -                -
        noc.operator         -                sindh            -
        noc.analyst          -                sindh            -
        moi.auditor          sindh            -                -
        sindh.spu            sindh            shield           punjab
        sindh.responder      sindh            shield           punjab
        police.investigator  sindh            shield           punjab
        isb.police           isb              -                sindh
        punjab.spu           punjab           sentinel         sindh
        balochistan.police   balochistan      army             sindh
        army.ssd             army             balochistan      sindh
        army.qrf             army             balochistan      sindh
        shield.manager       shield           -                sindh
        shield.guard         shield           -                sindh
        sentinel.manager     sentinel         -                sindh
        company.security     -                -                sindh
        embassy.liaison      -                -                sindh
    """,
    "users": """
        admin                embassy          -                -
        noc.operator         noc              -                company
        noc.analyst          noc              -                company
        moi.auditor          company          -                embassy
        sindh.spu            sindh            -                company
        sindh.responder      sindh            -                company
        police.investigator  sindh            -                company
        isb.police           isb              -                company
        punjab.spu           punjab           -                company
        balochistan.police   balochistan      -                company
        army.ssd             army             -                company
        army.qrf             army             -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     sentinel         -                company
        company.security     company          -                sindh
        embassy.liaison      embassy          -                company
    """,
    # --- personnel (demo: Shield's people and provincial licence in Sindh, Sentinel's in Punjab); the
    # licences' specimens are the provincial ones, so both kinds are seen alike: the company its own, the
    # national centre all, a province's police those in it.
    **{
        group: """
        admin                shield           -                -
        noc.operator         -                shield           -
        noc.analyst          -                shield           -
        moi.auditor          shield           -                -
        sindh.spu            -                shield           sentinel
        sindh.responder      -                shield           sentinel
        police.investigator  -                shield           sentinel
        isb.police           -                -                shield
        punjab.spu           -                sentinel         shield
        balochistan.police   -                -                shield
        army.ssd             -                -                shield
        army.qrf             -                -                shield
        shield.manager       shield           -                sentinel
        shield.guard         shield           -                sentinel
        sentinel.manager     sentinel         -                shield
        company.security     -                -                shield
        embassy.liaison      -                -                shield
    """
        for group in ("personnel", "licences", "duties")
    },
    "vehicles": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            -                company
        sindh.responder      sindh            -                company
        police.investigator  sindh            -                company
        isb.police           isb              -                company
        punjab.spu           punjab           -                company
        balochistan.police   balochistan      -                company
        army.ssd             army             -                company
        army.qrf             army             -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     sentinel         -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
    "webhooks": """
        admin                company          -                -
        noc.operator         -                -                company
        noc.analyst          -                -                company
        moi.auditor          company          -                -
        sindh.spu            -                -                company
        sindh.responder      -                -                company
        police.investigator  -                -                company
        isb.police           -                -                company
        punjab.spu           -                -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                shield
        embassy.liaison      -                -                company
    """,
    "zones": """
        admin                company          -                -
        noc.operator         -                company          -
        noc.analyst          -                company          -
        moi.auditor          company          -                -
        sindh.spu            sindh            company          punjab
        sindh.responder      sindh            company          punjab
        police.investigator  sindh            company          punjab
        isb.police           -                -                company
        punjab.spu           punjab           -                company
        balochistan.police   -                -                company
        army.ssd             -                -                company
        army.qrf             -                -                company
        shield.manager       shield           -                company
        shield.guard         shield           -                company
        sentinel.manager     -                -                company
        company.security     company          -                sindh
        embassy.liaison      -                -                company
    """,
}
RELATIONS = {group: _table(text) for group, text in RELATIONS_TEXT.items()}
RELATION_NAMES = ("own", "shared", "foreign")


@dataclass(frozen=True)
class Row:
    """One endpoint. `group` names the records its first path parameter points at (None: no record);
    `params` fills the others; `body` names a request body in tests/security/bodies.py; `spawn`: the own
    cell acts on a fresh record of the login's agency (a DELETE must not remove the shared specimens)."""

    method: str
    path: str
    group: str | None = None
    who: frozenset[str] = ALL
    own: str = "ok"
    shared: str = "ok"
    foreign: str = "hide"
    others: str = "deny"
    body: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    spawn: bool = False
    exceptions: dict[tuple[str, str], str] = field(default_factory=dict)  # (login, relation) -> outcome

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def read(path: str, group: str, who: frozenset[str] = ALL, **kw: Any) -> Row:
    return Row("GET", path, group, who, **kw)


def write(method: str, path: str, group: str, who: frozenset[str], **kw: Any) -> Row:
    """A change to one record: the owner's tree may, a sharer only reads, a stranger finds nothing."""
    kw.setdefault("own", "allow")
    kw.setdefault("shared", "deny")
    return Row(method, path, group, who, **kw)


def collection(method: str, path: str, who: frozenset[str] = ALL, **kw: Any) -> Row:
    kw.setdefault("own", "ok")
    return Row(method, path, None, who, **kw)


def _rostering() -> dict[tuple[str, str], str]:
    """POST /duties rosters a company's guard (bodies.py: Sentinel's for its manager, Shield's for the
    rest): each login is answered as a write to that person would be: its employer's tree may, a reader
    of the person is refused, anyone else finds no such person."""
    out: dict[tuple[str, str], str] = {}
    for login, keys in RELATIONS["personnel"].items():
        if not STAFF & set(LOGINS[login]):
            continue  # no staff role: refused before the person is looked at
        company = "sentinel" if login.startswith("sentinel.") else "shield"
        rel = next((n for n, k in zip(RELATION_NAMES, keys, strict=True) if k == company), "foreign")
        out[(login, "own")] = {"own": "allow", "shared": "deny", "foreign": "hide"}[rel]
    return out


# Endpoints the matrix does not drive, each with the test that covers it instead.
ELSEWHERE: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/token"): "tests/auth/test_auth_login.py, test_tokens_and_cookies.py (here)",
    ("POST", "/api/v1/auth/logout"): "tests/security/test_tokens_and_cookies.py",
    ("GET", "/api/v1/stream"): "tests/auth/test_stream_revocation.py, tests/auth/test_district_stream.py",
    (
        "POST",
        "/api/v1/positions",
    ): "tests/tracking/ (device-scoped batches), tests/security/test_openapi_fuzz.py",
    ("POST", "/api/v1/sms/inbound"): "tests/alerts/test_sms_polls.py (gateway-signed, no user)",
    # The demo's case holds no evidence (no specimen to read or hand on): who may upload, read and record
    # custody is driven by tests/incidents/test_evidence_access.py until the demo seeds an item.
    **{
        (method, f"/api/v1{path}"): "tests/incidents/test_evidence_access.py (no evidence in the demo)"
        for method, path in (
            ("POST", "/cases/{case_id}/evidence"),
            ("GET", "/cases/{case_id}/evidence"),
            ("GET", "/evidence/{evidence_id}"),
            ("GET", "/evidence/{evidence_id}/content"),
            ("POST", "/evidence/{evidence_id}/custody"),
        )
    },
    # The demo holds no movements yet (no specimens): who files, sees and moves one is driven there.
    ("GET", "/api/v1/threat-levels/history"): "tests/threat/test_threat_api.py (needs a district query)",
    ("POST", "/api/v1/movements"): "tests/movements/test_movements_api.py (who may request and see)",
    ("GET", "/api/v1/movements/{movement_id}"): "tests/movements/test_movements_api.py (who sees)",
    (
        "POST",
        "/api/v1/movements/{movement_id}/actions/{action}",
    ): "tests/movements/test_lifecycle.py (requester and route authority, per action)",
    ("POST", "/api/v1/movements/{movement_id}/evaluate"): "tests/movements/test_evaluate.py (who sees it)",
}

V = "/api/v1"
ROWS: tuple[Row, ...] = (
    # --- public and self
    collection("GET", "/healthz"),
    collection("GET", "/readyz"),
    collection("GET", "/metrics"),
    # The API's own documentation pages (src/hifazat/web/api_docs.py), served without a CDN.
    collection("GET", "/docs"),
    collection("GET", "/docs/oauth2-redirect"),
    collection("GET", "/redoc"),
    collection("GET", f"{V}/me"),
    collection("GET", f"{V}/me/notification-preferences"),
    collection("PUT", f"{V}/me/notification-preferences", body="preferences"),
    # --- agencies, users, agreements
    collection("GET", f"{V}/agencies"),
    collection("POST", f"{V}/agencies", ADMIN, body="agencies"),
    read(f"{V}/agencies/{{agency_id}}", "agencies"),
    write("PATCH", f"{V}/agencies/{{agency_id}}", "agencies", ADMIN, body="empty"),
    write("DELETE", f"{V}/agencies/{{agency_id}}", "agencies", ADMIN, spawn=True),
    collection("GET", f"{V}/users", AUDIT_READERS),
    collection("POST", f"{V}/users", ADMIN, body="users"),
    # Everyone reads their own account (GET /me); another's is hidden, not forbidden, from the others.
    read(f"{V}/users/{{user_id}}", "users", AUDIT_READERS, others="hide"),
    write("PATCH", f"{V}/users/{{user_id}}", "users", ADMIN, body="empty"),
    write("DELETE", f"{V}/users/{{user_id}}", "users", ADMIN, spawn=True),
    read(f"{V}/users/{{user_id}}/notification-preferences", "users", AUDIT_READERS, others="hide"),
    write(
        "PUT",
        f"{V}/users/{{user_id}}/notification-preferences",
        "users",
        ADMIN,
        body="preferences",
        others="hide",
    ),
    collection("GET", f"{V}/sharing-agreements", AGREEMENT_READERS),
    collection("POST", f"{V}/sharing-agreements", ADMIN, body="agreements"),
    read(f"{V}/sharing-agreements/{{agreement_id}}", "agreements", AGREEMENT_READERS),
    write("DELETE", f"{V}/sharing-agreements/{{agreement_id}}", "agreements", ADMIN, spawn=True),
    # --- audit
    collection("GET", f"{V}/audit", AUDIT_READERS),
    collection("GET", f"{V}/audit/verify", AUDIT_READERS),
    # --- registry
    *(
        row
        for kind in ("persons", "projects", "sites", "units", "vehicles")
        for row in (
            collection("GET", f"{V}/{kind}"),
            collection("POST", f"{V}/{kind}", STAFF, body=kind),
            read(f"{V}/{kind}/{{entity_id}}", kind),
            write("PATCH", f"{V}/{kind}/{{entity_id}}", kind, STAFF, body="empty"),
            write("DELETE", f"{V}/{kind}/{{entity_id}}", kind, STAFF, spawn=True),
        )
    ),
    # --- personnel
    # Licences: issued and changed by the ministry alone (a federal ministry's staff: the ministry's
    # admin, the national centre); a company's own managers read theirs and are refused a change (403).
    collection("GET", f"{V}/licences"),
    collection(
        "POST",
        f"{V}/licences",
        STAFF,
        body="licences",
        exceptions={(login, "own"): "deny" for login in NOT_MINISTRY_STAFF},
    ),
    read(f"{V}/licences/{{licence_id}}", "licences"),
    *(
        write(
            method,
            f"{V}/licences/{{licence_id}}{tail}",
            "licences",
            STAFF,
            body="empty",
            params=params,
            exceptions={
                ("shield.manager", "own"): "deny",
                ("sentinel.manager", "own"): "deny",
                ("noc.operator", "shared"): "allow",
            },
        )
        for method, tail, params in (
            ("PATCH", "", {}),
            # reinstating an active licence: 409 for the ministry, the specimen unchanged
            ("POST", "/actions/{action}", {"action": "reinstate"}),
        )
    ),
    collection("GET", f"{V}/personnel"),
    collection("POST", f"{V}/personnel", STAFF, body="personnel"),
    read(f"{V}/personnel/{{personnel_id}}", "personnel"),
    write("PATCH", f"{V}/personnel/{{personnel_id}}", "personnel", STAFF, body="empty"),
    read(f"{V}/personnel/{{personnel_id}}/checks", "personnel"),
    write("POST", f"{V}/personnel/{{personnel_id}}/checks", "personnel", STAFF, body="check"),
    read(f"{V}/personnel/{{personnel_id}}/clearance", "personnel"),
    collection("GET", f"{V}/duties"),
    collection("POST", f"{V}/duties", STAFF, body="duty", exceptions=_rostering()),
    read(f"{V}/duties/{{duty_id}}", "duties"),
    write("PATCH", f"{V}/duties/{{duty_id}}", "duties", STAFF, body="empty"),
    write("POST", f"{V}/duties/{{duty_id}}/actions/{{action}}", "duties", STAFF, params={"action": "cancel"}),
    # --- tracking
    collection("GET", f"{V}/devices"),
    collection("POST", f"{V}/devices", STAFF, body="devices"),
    read(f"{V}/devices/{{device_id}}", "devices"),
    write("PATCH", f"{V}/devices/{{device_id}}", "devices", STAFF, body="empty"),
    write("POST", f"{V}/devices/{{device_id}}/secret", "devices", STAFF),
    write("DELETE", f"{V}/devices/{{device_id}}", "devices", STAFF, spawn=True),
    read(f"{V}/devices/{{device_id}}/positions", "devices"),
    read(f"{V}/devices/{{device_id}}/track.geojson", "devices"),
    *(
        row
        for kind, param in (("zones", "{zone_id}"), ("escorts", "{escort_id}"))
        for row in (
            collection("GET", f"{V}/{kind}"),
            collection(
                "POST",
                f"{V}/{kind}",
                STAFF,
                body=kind,
                # The project company has no unit of its own to escort anyone with.
                exceptions={("company.security", "own"): "allow"} if kind == "escorts" else {},
            ),
            read(f"{V}/{kind}/{param}", kind),
            write("PATCH", f"{V}/{kind}/{param}", kind, STAFF, body="empty"),
            write("DELETE", f"{V}/{kind}/{param}", kind, STAFF, spawn=True),
        )
    ),
    # --- notify
    collection("GET", f"{V}/deliveries"),
    # An operator lists webhooks (and finds none outside an admin's agency); anyone outside the owning
    # agency's admins finds a webhook hidden, as if it did not exist.
    collection("GET", f"{V}/webhooks", STAFF),
    collection("POST", f"{V}/webhooks", ADMIN, body="webhooks"),
    read(f"{V}/webhooks/{{hook_id}}", "webhooks", ADMIN, others="hide"),
    write("PATCH", f"{V}/webhooks/{{hook_id}}", "webhooks", ADMIN, body="empty", others="hide"),
    write("DELETE", f"{V}/webhooks/{{hook_id}}", "webhooks", ADMIN, spawn=True, others="hide"),
    # --- alerts
    collection("POST", f"{V}/alerts", ALERT_WRITERS, body="alerts"),
    collection("GET", f"{V}/alerts"),
    read(f"{V}/alerts/{{alert_id}}", "alerts"),
    read(f"{V}/alerts/{{alert_id}}/timeline", "alerts"),
    read(f"{V}/alerts/{{alert_id}}/recommendations", "alerts"),
    read(f"{V}/alerts/{{alert_id}}/deliveries", "alerts"),
    read(f"{V}/alerts/{{alert_id}}/cap", "alerts"),
    # Who may act on a shared alert comes from src/hifazat/auth/acting.py: the national centre (noc, a
    # whole-country jurisdiction) everything; the province it lies in (sindh) to acknowledge, not to
    # respond, resolve, call it a false alarm or reopen it. The alert's state is judged before the caller's
    # stake (a reader learns nothing from it), so a shared cell the table forbids is `stop`: 403 or 409,
    # never carried out.
    *(
        write(
            "POST",
            f"{V}/alerts/{{alert_id}}/actions/{{action}}",
            "alerts",
            ALERT_WRITERS,
            shared="stop",
            params={"action": action},
            body="note",
            exceptions={
                ("noc.operator", "shared"): "allow",  # national: everything
                **(
                    {("sindh.spu", "shared"): "allow", ("sindh.responder", "shared"): "allow"}
                    if action == "acknowledge"
                    else {}
                ),
            },
        )
        for action in ("acknowledge", "respond", "resolve", "false_alarm", "reopen")
    ),
    # A note: for the owner, the national centre and the jurisdiction (every shared cell here) alike.
    write(
        "POST",
        f"{V}/alerts/{{alert_id}}/notes",
        "alerts",
        NOTE_WRITERS,
        shared="ok",
        body="note",
        # The alert is looked up before the role is judged: one it cannot see is hidden, not forbidden.
        exceptions={("embassy.liaison", "foreign"): "hide"},
    ),
    write(
        "POST",
        f"{V}/alerts/{{alert_id}}/assignments",
        "alerts",
        ALERT_WRITERS,
        body="assign",
        # national: dispatches anywhere; the province it lies in: its own units
        exceptions={
            ("noc.operator", "shared"): "allow",
            ("sindh.spu", "shared"): "allow",
            ("sindh.responder", "shared"): "allow",
        },
    ),
    write(
        "PATCH",
        f"{V}/alerts/{{alert_id}}/assignments/{{assignment_id}}",
        "alerts",
        ALERT_WRITERS,
        params={"assignment_id": "assignments"},
        body="assignment",
    ),
    # --- incidents (the specimens are the makers' own reports; no sharing agreement names incidents, so
    # the embassy sees none). A move's roles are judged before the record, so others are denied alike.
    collection("POST", f"{V}/incidents", INCIDENT_WRITERS, body="incidents"),
    collection("GET", f"{V}/incidents"),
    read(f"{V}/incidents/{{incident_id}}", "incidents"),
    read(f"{V}/incidents/{{incident_id}}/timeline", "incidents"),
    # Edits: the owner's tree and the national centre; the province it lies in (sindh) may not.
    write(
        "PATCH",
        f"{V}/incidents/{{incident_id}}",
        "incidents",
        INCIDENT_WRITERS,
        body="empty",
        exceptions={("noc.operator", "shared"): "allow", ("noc.analyst", "shared"): "allow"},
    ),
    # Moves: the owner, the national centre and the jurisdiction (the police of the place investigate).
    *(
        write(
            "POST",
            f"{V}/incidents/{{incident_id}}/actions/{{action}}",
            "incidents",
            roles,
            shared="allow",
            params={"action": action},
            body="incident_action",
        )
        for action, roles in INCIDENT_MOVES.items()
    ),
    write(
        "POST",
        f"{V}/incidents/{{incident_id}}/notes",
        "incidents",
        INCIDENT_WRITERS,
        shared="ok",
        body="note",
    ),
    # --- threat levels (read by all; set by analysts and staff where their jurisdiction covers the district)
    collection("GET", f"{V}/threat-levels"),
    collection(
        "POST",
        f"{V}/threat-levels",
        THREAT_SETTERS,
        body="threat_level",
        # companies hold staff roles but no jurisdiction: no district is theirs to set
        exceptions={
            (login, "own"): "deny" for login in ("shield.manager", "sentinel.manager", "company.security")
        },
    ),
    # --- movements (the list; the records themselves: ELSEWHERE until the demo seeds movements)
    collection("GET", f"{V}/movements"),
    # --- cases (src/hifazat/incidents/case_stance.py): read as their incidents are; only the lead agency's
    # staff write, so the national centre and the province it lies in (every shared cell) are refused.
    # Opening one on the login's own incident answers 409 there: the specimen's case already holds it.
    collection("POST", f"{V}/cases", CASE_WRITERS, own="allow", body="cases"),
    collection("GET", f"{V}/cases"),
    read(f"{V}/cases/{{case_id}}", "cases"),
    read(f"{V}/cases/{{case_id}}/timeline", "cases"),
    *(
        read(f"{V}/cases/{{case_id}}/{path}", "cases")
        for path in ("tasks", "milestones", "corrective-actions")
    ),
    write("PATCH", f"{V}/cases/{{case_id}}", "cases", CASE_WRITERS, body="empty"),
    *(
        write(
            "POST",
            f"{V}/cases/{{case_id}}/actions/{{action}}",
            "cases",
            roles,
            shared="stop",  # the state is judged before the stake: 409 or 403, never carried out
            params={"action": action},
            body="case_move",
        )
        for action, roles in (("close", CASE_WRITERS), ("reopen", CASE_REOPENERS))
    ),
    *(
        row
        for path, group, param, body in (
            ("tasks", "case_tasks", "task_id", "case_task"),
            ("milestones", "case_milestones", "milestone_id", "case_milestone"),
            ("corrective-actions", "case_actions", "action_id", "case_corrective"),
        )
        for row in (
            write("POST", f"{V}/cases/{{case_id}}/{path}", "cases", CASE_WRITERS, body=body),
            write(
                "PATCH",
                f"{V}/cases/{{case_id}}/{path}/{{{param}}}",
                "cases",
                CASE_WRITERS,
                params={param: group},
                body="empty",
            ),
        )
    ),
    collection("GET", f"{V}/cap/feed.atom"),
    collection("GET", "/cap/feed.atom"),
    collection("POST", f"{V}/escalation-policies", ADMIN, body="escalation_policies"),
    collection("GET", f"{V}/escalation-policies", POLICY_READERS),
    read(f"{V}/escalation-policies/{{policy_id}}", "escalation_policies", POLICY_READERS),
    write("PATCH", f"{V}/escalation-policies/{{policy_id}}", "escalation_policies", ADMIN, body="empty"),
    write("DELETE", f"{V}/escalation-policies/{{policy_id}}", "escalation_policies", ADMIN, spawn=True),
    collection("GET", f"{V}/alert-rules", POLICY_READERS),
    Row(
        "PUT",
        f"{V}/alert-rules/{{event_kind}}",
        None,
        ADMIN,
        params={"event_kind": "low_battery"},
        body="rule",
    ),
    collection("POST", f"{V}/polls", STAFF, body="polls"),
    collection("GET", f"{V}/polls"),
    read(f"{V}/polls/{{poll_id}}", "polls"),
    # A sharer (noc, which now sees every poll with no place of its own) reads another agency's poll but
    # may not record an answer on it (an answer moves the tally; "need_help" raises the owner's alert).
    write("POST", f"{V}/polls/{{poll_id}}/answers", "polls", STAFF, body="answer"),
    # Closing another agency's poll answers 422 ("belongs to another agency"), not 403.
    write("POST", f"{V}/polls/{{poll_id}}/close", "polls", STAFF, shared="refuse"),
)

# Dashboard pages (cookie sessions, not bearer tokens): tests/security/test_pages_signed_in.py asks each
# for a signed-in session and refuses it without one; their records are judged by the same services as
# the API rows above.
PAGES: tuple[str, ...] = (
    "/login",
    "/agencies",
    "/agencies/new",
    "/agencies/{entity_id}",
    "/users",
    "/users/new",
    "/users/{entity_id}",
    "/audit",
    "/",
    *(
        f"/{kind}{tail}"
        for kind in ("persons", "sites", "projects", "units", "vehicles")
        for tail in ("", "/new", "/{entity_id}")
    ),
    "/devices",
    "/devices/new",
    "/devices/{entity_id}",
    *(
        f"/{kind}{tail}"
        for kind in ("zones", "escorts", "sharing-agreements")
        for tail in ("", "/new", "/{entity_id}")
    ),
    "/alert-rules",
    "/live",
    "/notifications",
    "/alerts",
    "/alerts/policies",
    "/alerts/{alert_id}",
    "/polls",
    "/polls/{poll_id}",
    "/incidents",
    "/incidents/new",
    "/incidents/{incident_id}",
    "/cases/{case_id}/evidence",
    "/cases",
    "/cases/{case_id}",
    "/webhooks",
    "/webhooks/new",
    "/webhooks/{entity_id}",
    *(f"/{kind}{tail}" for kind in ("personnel", "licences") for tail in ("", "/new", "/{entity_id}")),
    "/threat-levels",
    "/movements",
    "/movements/{movement_id}",
    "/roster",
)

# Answered without credentials: probes for the operator's load balancer and Prometheus, the API's
# documentation pages, and the public CAP feed (only alerts their owner published with cap_scope=public).
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc"),
        ("GET", "/api/v1/cap/feed.atom"),
        ("GET", "/cap/feed.atom"),
    }
)
