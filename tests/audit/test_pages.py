"""The audit log page: entries link to the record they concern; roles without audit read get a 403 page
and no link to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.web.conftest import cookie_login


def test_audit_page_links_the_record(
    admin_web: TestClient, admin: dict[str, str], make: Callable[..., dict[str, Any]]
) -> None:
    person = make(admin, "persons", given_name="Wei", family_name="Zhang", nationality="CN")
    r = admin_web.get("/audit", params={"entity": "persons", "entity_id": person["id"]})
    assert f'href="/persons/{person["id"]}"' in r.text
    assert ">create<" in r.text


def test_audit_page_is_refused_to_an_operator(world: World) -> None:
    web = cookie_login(world.client, "psc-operator")
    home = web.get("/").text
    assert 'href="/audit"' not in home
    r = web.get("/audit")
    assert r.status_code == 403
    assert "do not allow read on audit" in r.text
