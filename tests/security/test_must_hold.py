"""What must keep holding, whatever else changes (issue 18): reads by id match list visibility for every
kind and record; no write lands outside the caller's agency tree; privilege escalation is refused;
tampered, alg=none, expired and revoked tokens are 401; the session cookie is HttpOnly and
SameSite=Strict; a cookie-only write needs X-Requested-With. Over the demo scenario, as its logins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from hifazat.auth.models import AccessToken
from hifazat.core.db import utcnow
from hifazat.platform.db import unit_of_work
from hifazat.security.tokens import token_digest
from tests.demo.conftest import DEMO_PASSWORD
from tests.security import specimens
from tests.security.bodies import BODIES, Ctx
from tests.security.conftest import DemoWorld
from tests.security.matrix import LOGINS, PUBLIC, ROWS

MISSING_ID = "01900000-0000-7000-8000-000000000000"
# Every list endpoint and the path of one of its records.
LISTS = (
    "persons",
    "projects",
    "sites",
    "units",
    "vehicles",
    "devices",
    "zones",
    "escorts",
    "alerts",
    "polls",
    "webhooks",
    "escalation-policies",
    "agencies",
    "users",
    "sharing-agreements",
)


@pytest.fixture(scope="module")
def found(demo_world: DemoWorld) -> specimens.Specimens:
    demo = specimens.from_demo()
    return {**demo, **specimens.make(demo_world.client, demo_world.headers, demo)}


def _ids(client: TestClient, headers: dict[str, str], kind: str) -> set[str] | None:
    """Every id the list shows the caller (None: the caller may not list this kind at all)."""
    out: set[str] = set()
    cursor: str | None = None
    for _ in range(100):  # bounded: the demo holds a few dozen records of each kind
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        r = client.get(f"/api/v1/{kind}", headers=headers, params=params)
        if r.status_code == 403:
            return None
        assert r.status_code == 200, (kind, r.text)
        out |= {item["id"] for item in r.json()["items"]}
        cursor = r.json().get("next_cursor")
        if not cursor:
            return out
    raise AssertionError(f"{kind}: pagination did not end")


@pytest.mark.parametrize("kind", LISTS)
def test_reads_by_id_match_list_visibility(demo_world: DemoWorld, found: Any, kind: str) -> None:
    client = demo_world.client
    listed = {login: _ids(client, demo_world.headers[login], kind) for login in LOGINS}
    every = set().union(*(ids for ids in listed.values() if ids))
    assert every, f"no login lists any {kind}"
    wrong = []
    for login, ids in listed.items():
        for record in sorted(every):
            status = client.get(f"/api/v1/{kind}/{record}", headers=demo_world.headers[login]).status_code
            if ids is None:
                ok = status in (403, 404) or (kind == "users" and status == 200)  # one's own account
            else:
                ok = status == (200 if record in ids else 404)
            if not ok:
                wrong.append(
                    f"{login} {kind}/{record}: listed={ids is not None and record in ids} -> {status}"
                )
    assert not wrong, "\n".join(wrong)


def _request(row: Any, found: specimens.Specimens) -> tuple[str, dict[str, Any] | None]:
    """The row's URL on a record that does not exist and, for a body, a valid one (validation answers
    before authentication, and a 422 would hide what this asks)."""
    url = row.path.format(**{p.split("}")[0]: MISSING_ID for p in row.path.split("{")[1:]})
    return url, BODIES[row.body](Ctx("admin", found, _agency_ids(found))) if row.body else None


def _agency_ids(found: specimens.Specimens) -> dict[str, str]:
    return {key: value for (group, key), value in found.items() if group == "agencies"}


def test_no_token_no_access(demo_world: DemoWorld, found: specimens.Specimens) -> None:
    wrong = []
    for row in ROWS:
        url, body = _request(row, found)
        r = demo_world.client.request(row.method, url, json=body)
        expected = 200 if row.key in PUBLIC else 401
        if r.status_code != expected:
            wrong.append(f"{row.method} {row.path}: {r.status_code}")
        elif expected == 401:
            assert r.headers["content-type"].startswith("application/problem+json")
    assert not wrong, wrong


def _bad_tokens(world: DemoWorld) -> dict[str, str]:
    tampered = world.login("sindh.spu")["Authorization"].removeprefix("Bearer ")
    tampered = tampered[:-1] + ("A" if tampered[-1] != "A" else "B")
    expired = world.login("sindh.spu")["Authorization"].removeprefix("Bearer ")
    with unit_of_work() as s:
        s.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == token_digest(expired))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    revoked = world.login("sindh.spu")
    assert world.client.post("/api/v1/auth/logout", headers=revoked).status_code == 204
    return {
        "tampered": tampered,
        # A JWT signed with nothing: never a credential here, whatever it claims.
        "alg=none": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl19.",
        "expired": expired,
        "revoked": revoked["Authorization"].removeprefix("Bearer "),
        "empty": "",
    }


def test_tampered_none_expired_and_revoked_tokens_are_401(demo_world: DemoWorld) -> None:
    client = demo_world.client
    for name, token in _bad_tokens(demo_world).items():
        h = {"Authorization": f"Bearer {token}"}
        for method, path, body in (
            ("GET", "/api/v1/me", None),
            ("GET", "/api/v1/persons", None),
            ("POST", "/api/v1/zones", BODIES["zones"](Ctx("sindh.spu", {}, {}))),
        ):
            r = client.request(method, path, headers=h, json=body)
            assert r.status_code == 401, (name, method, path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        # ... and as the session cookie too.
        c = TestClient(client.app, raise_server_exceptions=False, cookies={"hifazat_token": token})
        assert c.get("/api/v1/me").status_code == 401, name


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_session_cookie_is_httponly_and_samesite_strict(demo_world: DemoWorld, scheme: str) -> None:
    c = TestClient(demo_world.client.app, base_url=f"{scheme}://testserver", raise_server_exceptions=False)
    r = c.post(
        "/api/v1/auth/token?set_cookie=true",
        data={"username": "sindh.spu", "password": DEMO_PASSWORD},
        headers={"Origin": f"{scheme}://testserver"},  # a cookie login comes from our own page
    )
    assert r.status_code == 200, r.text
    flags = {part.strip().lower() for part in r.headers["set-cookie"].split(";")}
    assert "httponly" in flags, flags
    assert "samesite=strict" in flags, flags
    assert ("secure" in flags) == (scheme == "https"), flags


def test_cookie_only_writes_need_x_requested_with(demo_world: DemoWorld, found: specimens.Specimens) -> None:
    c = TestClient(demo_world.client.app, raise_server_exceptions=False)
    r = c.post(
        "/api/v1/auth/token?set_cookie=true",
        data={"username": "admin", "password": _admin()},
        headers={"Origin": "http://testserver"},  # a cookie login comes from our own page
    )
    assert r.status_code == 200
    wrong = []
    for row in ROWS:
        if row.method == "GET" or row.key in PUBLIC:
            continue
        url, body = _request(row, found)
        r = c.request(row.method, url, json=body)
        if r.status_code != 403 or "X-Requested-With" not in r.json()["detail"]:
            wrong.append(f"{row.method} {row.path}: {r.status_code}")
    assert not wrong, wrong
    # The dashboard's own scripts send it, and the same cookie then writes.
    r = c.put("/api/v1/me/notification-preferences", json={}, headers={"X-Requested-With": "fetch"})
    assert r.status_code == 200, r.text


def _admin() -> str:
    from tests.conftest import ADMIN_PASSWORD

    return ADMIN_PASSWORD


# Creates that name their owning agency, as the project company's head of security, for Punjab SPU.
CREATES = (
    "persons",
    "projects",
    "sites",
    "units",
    "vehicles",
    "devices",
    "zones",
    "alerts",
    "polls",
    "escalation-policies",
)
BODY_OF = {"escalation-policies": "escalation_policies"}


@pytest.mark.parametrize("kind", CREATES)
def test_no_write_lands_outside_the_agency_tree(
    demo_world: DemoWorld, found: specimens.Specimens, kind: str
) -> None:
    login = "company.security"
    h = demo_world.headers[login]
    ids = _agency_ids(found)
    body = BODIES[BODY_OF.get(kind, kind)](Ctx(login, found, ids)) | {"agency_id": ids["punjab"]}
    before = _ids(demo_world.client, demo_world.headers["admin"], kind)
    r = demo_world.client.post(f"/api/v1/{kind}", headers=h, json=body)
    assert r.status_code in (403, 404, 422), r.text
    assert _ids(demo_world.client, demo_world.headers["admin"], kind) == before
    # Nor may an owner hand its own record to another agency.
    own = found.get((BODY_OF.get(kind, kind), "company"))
    if own is not None:
        r = demo_world.client.patch(f"/api/v1/{kind}/{own}", headers=h, json={"agency_id": ids["punjab"]})
        assert r.status_code in (403, 404, 405, 422), r.text  # 405: alerts and polls are never patched
        assert demo_world.client.get(f"/api/v1/{kind}/{own}", headers=h).json()["agency_id"] == ids["company"]


def test_privilege_escalation_is_refused(demo_world: DemoWorld, found: specimens.Specimens) -> None:
    c, ids = demo_world.client, _agency_ids(found)
    manager, operator = demo_world.headers["shield.manager"], demo_world.headers["sindh.spu"]
    me = c.get("/api/v1/me", headers=operator).json()
    attempts: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
        # An agency admin widens its own agency: jurisdiction, kind, place in the tree.
        ("PATCH", f"/api/v1/agencies/{ids['shield']}", manager, {"jurisdiction": ["PK"]}),
        ("PATCH", f"/api/v1/agencies/{ids['shield']}", manager, {"kind": "federal_ministry"}),
        ("PATCH", f"/api/v1/agencies/{ids['shield']}", manager, {"parent_id": None}),
        # ... or makes a child with a jurisdiction it has not got itself.
        (
            "POST",
            "/api/v1/agencies",
            manager,
            {
                "name": "Shield Sindh",
                "kind": "private_security_company",
                "parent_id": ids["shield"],
                "jurisdiction": ["PK-SD"],
            },
        ),
        # ... or a user in another agency, or an agreement giving away another agency's records.
        (
            "POST",
            "/api/v1/users",
            manager,
            {
                "username": "shield.mole",
                "password": DEMO_PASSWORD,
                "full_name": "Mole",
                "agency_id": ids["company"],
                "roles": ["admin"],
            },
        ),
        (
            "POST",
            "/api/v1/sharing-agreements",
            manager,
            {
                "name": "Grab",
                "grantor_id": ids["company"],
                "grantee_id": ids["shield"],
                "entity_kinds": ["persons"],
                "level": "full",
            },
        ),
        # An operator makes itself an admin, or an auditor.
        ("PATCH", f"/api/v1/users/{me['id']}", operator, {"roles": ["admin", "operator"]}),
        ("PATCH", f"/api/v1/users/{me['id']}", operator, {"roles": ["auditor"]}),
        # A liaison grants itself what no agreement gave it.
        (
            "POST",
            "/api/v1/sharing-agreements",
            demo_world.headers["embassy.liaison"],
            {
                "name": "Self",
                "grantor_id": ids["company"],
                "grantee_id": ids["embassy"],
                "entity_kinds": ["sites"],
                "level": "full",
            },
        ),
    ]
    for method, path, headers, body in attempts:
        r = c.request(method, path, headers=headers, json=body)
        assert r.status_code in (403, 404, 422), (method, path, body, r.status_code, r.text)
    assert c.get("/api/v1/me", headers=operator).json()["roles"] == ["operator"]
    assert c.get(f"/api/v1/agencies/{ids['shield']}", headers=manager).json()["jurisdiction"] == []
