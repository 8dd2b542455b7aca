"""The authorisation matrix (tests/security/matrix.py) over the demo scenario: every demo login x every
endpoint x its own, a shared and a foreign record. An endpoint the app serves without a row fails."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.security import specimens
from tests.security.bodies import BODIES, Ctx
from tests.security.conftest import DemoWorld
from tests.security.matrix import (
    ELSEWHERE,
    LOGINS,
    PAGES,
    RELATION_NAMES,
    RELATIONS,
    ROWS,
    Row,
)

MISSING_ID = "01900000-0000-7000-8000-000000000000"
COLLECTION = {
    "agreements": "sharing-agreements",
    "escalation_policies": "escalation-policies",
}
OUTCOMES = {
    "ok": lambda s: 200 <= s < 300,
    "allow": lambda s: 200 <= s < 300 or s in (409, 422),
    "deny": lambda s: s == 403,
    "hide": lambda s: s == 404,
    "refuse": lambda s: s in (403, 404, 422),
    "stop": lambda s: s in (403, 409),
}


@dataclass
class Matrix:
    world: DemoWorld
    specimens: specimens.Specimens
    agency_ids: dict[str, str]

    @property
    def client(self) -> TestClient:
        return self.world.client


@pytest.fixture(scope="module")
def matrix(demo_world: DemoWorld) -> Matrix:
    found = specimens.from_demo()
    made = specimens.make(demo_world.client, demo_world.headers, found)
    agency_ids = {key: value for (group, key), value in found.items() if group == "agencies"}
    return Matrix(demo_world, {**found, **made}, agency_ids)


def _order(row: Row) -> int:
    """DELETE rows last: an unexpected success there removes a record later rows point at."""
    return 1 if row.method == "DELETE" else 0


def _served() -> set[tuple[str, str]]:
    from hifazat.app import create_app
    from hifazat.config import Settings

    app = create_app(Settings())
    out: set[tuple[str, str]] = set()
    for included in (r.original_router for r in app.routes if hasattr(r, "original_router")):
        for route in included.routes:
            if isinstance(route, APIRoute):
                out |= {(m, route.path) for m in route.methods}
    return out


def test_every_endpoint_has_a_row() -> None:
    known = {r.key for r in ROWS} | set(ELSEWHERE) | {("GET", p) for p in PAGES} | {("POST", "/logout")}
    missing = sorted(_served() - known)
    assert not missing, f"endpoints with no row in tests/security/matrix.py: {missing}"
    stale = sorted(known - _served())
    assert not stale, f"rows for endpoints the app no longer serves: {stale}"


RECORD_PARAMS = ("assignments", "case_tasks", "case_milestones", "case_actions")


def _permitted(row: Row, login: str) -> bool:
    return bool(row.who & set(LOGINS[login]))


def _call(m: Matrix, row: Row, login: str, target: str | None, key: str | None) -> Any:
    path = row.path
    names = [p.split("}")[0] for p in path.split("{")[1:]]
    values: dict[str, str] = {}
    for i, name in enumerate(names):
        if i == 0 and row.group is not None:
            values[name] = target or MISSING_ID
            continue
        value = row.params[name]
        if value in RECORD_PARAMS:  # a record under the specimen (its assignment, its case's task)
            value = m.specimens.get((value, key or ""), MISSING_ID)
        values[name] = value
    url = path.format(**values)
    ctx = Ctx(login, m.specimens, m.agency_ids, key)
    body = BODIES[row.body](ctx) if row.body else None
    return m.client.request(row.method, url, headers=m.world.headers[login], json=body)


def _spawn(m: Matrix, group: str, login: str) -> str:
    path = f"/api/v1/{COLLECTION.get(group, group)}"
    ctx = Ctx(login, m.specimens, m.agency_ids)
    r = m.client.post(path, headers=m.world.headers[login], json=BODIES[group](ctx))
    assert r.status_code == 201, f"spawning {group} as {login}: {r.status_code} {r.text}"
    return str(r.json()["id"])


def _cells(row: Row) -> Iterator[tuple[str, str, str | None]]:
    """(login, relation, specimen key) of every cell of the row."""
    for login in LOGINS:
        if row.group is None:
            yield login, "own", None
            continue
        for relation, key in zip(RELATION_NAMES, RELATIONS[row.group][login], strict=True):
            if key is not None:
                yield login, relation, key


@pytest.mark.parametrize("row", sorted(ROWS, key=_order), ids=lambda r: f"{r.method} {r.path}")
def test_matrix(matrix: Matrix, row: Row) -> None:
    wrong: list[str] = []
    for login, relation, key in _cells(row):
        permitted = _permitted(row, login)
        expected = row.exceptions.get((login, relation)) or (
            getattr(row, relation) if permitted else row.others
        )
        target = matrix.specimens[(row.group, key)] if row.group and key else None
        if row.spawn and relation == "own" and permitted and row.group:
            target = _spawn(matrix, row.group, login)
        if row.params.get("assignment_id") == "assignments" and ("assignments", key) not in matrix.specimens:
            continue
        r = _call(matrix, row, login, target, key)
        if r.status_code >= 500 or not OUTCOMES[expected](r.status_code):
            wrong.append(f"{login} {relation} {key}: expected {expected}, got {r.status_code} {r.text[:160]}")
        elif expected == "hide" and row.group:
            # Hidden means indistinguishable from a record that does not exist.
            absent = _call(matrix, row, login, MISSING_ID, key)
            assert r.json()["detail"] == absent.json()["detail"], (login, relation, r.text, absent.text)
        if row.group == "agreements" and row.method == "POST" and r.status_code == 201:
            matrix.client.delete(
                f"/api/v1/sharing-agreements/{r.json()['id']}", headers=matrix.world.headers[login]
            )
    assert not wrong, "\n".join(wrong)
