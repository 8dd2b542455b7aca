"""Audit entries name their entity (issue 17.6): the label comes from the entity kind's labeler, under the
record's own visibility; the full id is on hover, since a time-ordered id's head is the same for all."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.web.conftest import cookie_login


def _post(world: World, headers: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = world.client.post(path, headers=headers, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _entries(world: World, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    r = world.client.get("/api/v1/audit", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_entries_carry_the_entity_label_and_the_page_shows_it_with_the_id_on_hover(world: World) -> None:
    psc = world.headers["psc-admin"]
    site = _post(
        world,
        psc,
        "/api/v1/sites",
        {
            "name": "Port Qasim Plant",
            "kind": "project_site",
            "radius_m": 200,
            "province": "PK-SD",
            "geometry": {"type": "Point", "coordinates": [67.35, 24.78]},
        },
    )
    person = _post(
        world, psc, "/api/v1/persons", {"given_name": "Li", "family_name": "Wei", "nationality": "CN"}
    )
    unit = _post(world, psc, "/api/v1/units", {"call_sign": "SHIELD-7", "kind": "private_guard_team"})
    labels = {e["entity_id"]: e["entity_label"] for e in _entries(world, psc) if e["action"] == "create"}
    assert labels[site["id"]] == "Port Qasim Plant"
    assert labels[person["id"]] == "Li Wei"
    assert labels[unit["id"]] == "SHIELD-7"
    [me] = [e for e in _entries(world, world.root_admin, entity="persons") if e["entity_id"] == person["id"]]
    assert me["actor_label"] == "Psc-Admin"  # the platform admin administers every user: names them
    assert me["entity_label"] == "Li Wei"

    page = cookie_login(world.client, "admin").get("/audit").text
    assert f'title="{person["id"]}">Li Wei</a>' in page
    assert f'title="{unit["id"]}">SHIELD-7</a>' in page
    assert "Psc-Admin" in page


def test_an_action_on_an_alert_names_the_alert_and_who_acted(world: World) -> None:
    """Sindh Police acknowledges the company's Karachi SOS: the police log names the alert and its user."""
    alert = _post(
        world,
        world.headers["psc-operator"],
        "/api/v1/alerts",
        {"kind": "sos", "lat": 24.8607, "lon": 67.0011, "for_self": True},
    )
    r = world.client.post(
        f"/api/v1/alerts/{alert['id']}/actions/acknowledge", headers=world.headers["police-operator"], json={}
    )
    assert r.status_code == 200, r.text
    for reader in (world.headers["police-admin"], world.root_admin):
        [ack] = [e for e in _entries(world, reader, entity="alerts") if e["action"] == "acknowledge"]
        assert ack["actor_label"] == "Police-Operator"
        assert ack["entity_label"] == alert["title"]
    page = cookie_login(world.client, "police-admin").get("/audit", params={"entity": "alerts"}).text
    assert f'title="{alert["id"]}">{alert["title"]}</span>' in page
