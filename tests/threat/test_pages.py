"""The threat-levels page: the table for every reader, the form only for who may set a level."""

from __future__ import annotations

from tests.conftest import World
from tests.web.conftest import cookie_login


def test_table_for_all_form_for_setters(world: World) -> None:
    h = world.headers["police-operator"]
    body = {
        "province": "PK-SD",
        "district": "Karachi South",
        "level": "critical",
        "reason": "blast at the port",
    }
    assert world.client.post("/api/v1/threat-levels", headers=h, json=body).status_code == 201
    for who, form in (("police-operator", True), ("psc-admin", False), ("liaison", False)):
        r = cookie_login(world.client, who).get("/threat-levels")
        assert r.status_code == 200, who
        assert "blast at the port" in r.text, who
        assert ('data-testid="threat-form"' in r.text) is form, who  # a company: staff, but no jurisdiction
