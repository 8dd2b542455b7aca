"""Helpers of the case tests: the Karachi incident (filed by the security company `psc`, in the Sindh
police's jurisdiction), a case on it led by `psc`, user ids by name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hifazat.auth.models import User
from hifazat.platform.sqlite.api import unit_of_work
from tests.alerts.conftest import Scene
from tests.incidents.conftest import file

CASES = "/api/v1/cases"


def user_id(username: str) -> str:
    with unit_of_work(readonly=True) as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    assert uid is not None, username
    return uid


def open_case(sc: Scene, user: str = "psc-operator", status: int = 201, **extra: Any) -> dict[str, Any]:
    incident = extra.pop("incident", None) or file(sc)
    body = {"title": "Clifton gate shooting", "incident_ids": [incident["id"]], **extra}
    return sc.post(user, CASES, body, status)


def get(sc: Scene, user: str, path: str, status: int = 200) -> Any:
    r = sc.client.get(path, headers=sc.h(user))
    assert r.status_code == status, r.text
    return r.json() if r.headers["content-type"].startswith("application/json") else r.text


def patch(sc: Scene, user: str, path: str, body: dict[str, Any], status: int = 200) -> Any:
    r = sc.client.patch(path, headers=sc.h(user), json=body)
    assert r.status_code == status, r.text
    return r.json()
