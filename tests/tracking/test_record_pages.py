"""The record pages of devices, zones and corridors, and escorts: each renders for a role that may use it
and is refused (or its form hidden) for the others; a create through the page's API call lands, is audited
and is shown by name; a bad value is answered for the named field, where the page has a slot for it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.conftest import World
from tests.web.conftest import FETCH, cookie_login

CORRIDOR = {"type": "LineString", "coordinates": [[67.00, 24.86], [67.05, 24.88], [67.10, 24.90]]}


def _audited(entity_id: str) -> tuple[str, str, str]:
    with unit_of_work(readonly=True) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == entity_id)).one()
        return entry.entity, entry.action, entry.actor


def _person_and_unit(world: World, owner: str = "police-admin") -> tuple[dict[str, Any], dict[str, Any]]:
    h = world.headers[owner]
    person = world.client.post(
        "/api/v1/persons",
        headers=h,
        json={"given_name": "Wei", "family_name": "Zhang", "nationality": "CN"},
    )
    assert person.status_code == 201, person.text
    unit = world.client.post(
        "/api/v1/units", headers=h, json={"call_sign": "SPU-7", "kind": "police_protection"}
    )
    assert unit.status_code == 201, unit.text
    return person.json(), unit.json()


def test_device_registration_proposes_an_identifier_and_shows_the_secret_once(world: World) -> None:
    person, _ = _person_and_unit(world)
    web = cookie_login(world.client, "police-operator")
    assert 'href="/devices/new"' in web.get("/devices").text
    form = web.get("/devices/new")
    assert form.status_code == 200
    assert 'data-url="/api/v1/devices"' in form.text
    proposed = re.search(r'id="f-identifier" name="identifier" value="([A-Za-z0-9]{24})"', form.text)
    assert proposed is not None  # a random 24-character identifier, proposed in the form
    assert proposed.group(1) not in web.get("/devices/new").text  # a new one each time
    assert f'<option value="{person["id"]}">Wei Zhang</option>' in form.text  # the owner picked by name

    body = {
        "identifier": proposed.group(1),
        "name": "Wei's phone",
        "kind": "phone",
        "owner_kind": "person",
        "owner_id": person["id"],
    }
    r = web.post("/api/v1/devices", headers=FETCH, json=body)
    assert r.status_code == 201, r.text
    device = r.json()
    assert len(device["secret"]) >= 12  # in the answer, once (forms.js shows it in place of the form)
    assert _audited(device["id"]) == ("devices", "create", "police-operator")

    page = web.get(f"/devices/{device['id']}")
    assert page.status_code == 200
    assert "<h1>Wei&#39;s phone</h1>" in page.text
    assert device["secret"] not in page.text
    assert f'data-url="/api/v1/devices/{device["id"]}"' in page.text  # the edit form (label, owner)
    assert f'<option value="{person["id"]}" selected>Wei Zhang</option>' in page.text
    assert f'data-delete-url="/api/v1/devices/{device["id"]}"' in page.text  # retire
    assert f'href="/devices/{device["id"]}"' in web.get("/devices").text

    r = web.patch(f"/api/v1/devices/{device['id']}", headers=FETCH, json={"name": "Wei's tracker"})
    assert r.status_code == 200
    assert "<h1>Wei&#39;s tracker</h1>" in web.get(f"/devices/{device['id']}").text

    # Another agency neither sees it nor may register for the police; a liaison may not register at all.
    other = cookie_login(world.client, "psc-operator")
    assert other.get(f"/devices/{device['id']}").status_code == 404
    liaison = cookie_login(world.client, "liaison")
    assert liaison.get("/devices/new").status_code == 403
    assert 'href="/devices/new"' not in liaison.get("/devices").text

    bad_body = {"identifier": "no spaces allowed", "kind": "phone"}
    bad = web.post("/api/v1/devices", headers=FETCH, json=bad_body)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["identifier"]
    assert 'data-error-for="identifier"' in form.text


def test_a_corridor_drawn_on_the_zone_page_lands_and_is_shown_on_its_map(world: World) -> None:
    web = cookie_login(world.client, "police-operator")
    assert 'href="/zones"' in web.get("/devices").text  # in the nav
    form = web.get("/zones/new")
    assert form.status_code == 200
    assert 'data-type="shape"' in form.text
    assert 'name="shape-mode" value="line"' in form.text  # a corridor is drawn as a line with a width
    assert 'class="shape-width"' in form.text
    assert "/static/leaflet/leaflet.js" in form.text

    r = web.post(
        "/api/v1/zones",
        headers=FETCH,
        json={"name": "Coastal highway", "kind": "corridor", "geometry": CORRIDOR, "width_m": 400},
    )
    assert r.status_code == 201, r.text
    zone = r.json()
    assert _audited(zone["id"]) == ("zones", "create", "police-operator")
    listing = web.get("/zones").text
    assert f'href="/zones/{zone["id"]}">Coastal highway<' in listing
    assert "Agency police" in listing
    assert "Coastal highway" not in web.get("/zones?q=harbour").text
    assert "Coastal highway" in web.get("/zones?q=coastal&kind=corridor").text
    page = web.get(f"/zones/{zone['id']}")
    assert page.status_code == 200
    assert 'data-geometry="' in page.text  # the edit form's editor starts from the saved line
    assert re.search(r'class="shape-width"[^>]*value="400', page.text)

    # Another agency's operator does not see the police's zone; a liaison may not draw one.
    assert cookie_login(world.client, "psc-operator").get(f"/zones/{zone['id']}").status_code == 404
    assert cookie_login(world.client, "liaison").get("/zones/new").status_code == 403

    bad = web.post(
        "/api/v1/zones", headers=FETCH, json={"name": "No width", "kind": "corridor", "geometry": CORRIDOR}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["geometry"]  # next to the shape, not at the top
    assert "width_m" in bad.text
    assert 'data-error-for="geometry radius_m width_m body"' in form.text


def test_an_escort_is_assigned_by_name_and_ended(world: World, client: TestClient) -> None:
    person, unit = _person_and_unit(world)
    web = cookie_login(world.client, "police-operator")
    form = web.get("/escorts/new")
    assert form.status_code == 200
    assert f'<option value="{person["id"]}">Wei Zhang</option>' in form.text
    assert f'<option value="{unit["id"]}">SPU-7</option>' in form.text
    assert 'type="datetime-local" id="f-starts_at"' in form.text

    r = web.post(
        "/api/v1/escorts",
        headers=FETCH,
        json={"person_id": person["id"], "unit_id": unit["id"], "max_distance_m": 500},
    )
    assert r.status_code == 201, r.text
    escort = r.json()
    assert _audited(escort["id"]) == ("escorts", "create", "police-operator")
    listing = web.get("/escorts").text
    assert f'href="/escorts/{escort["id"]}">Wei Zhang · SPU-7<' in listing
    page = web.get(f"/escorts/{escort['id']}")
    assert "<h1>Wei Zhang · SPU-7</h1>" in page.text
    assert f'data-end-url="/api/v1/escorts/{escort["id"]}"' in page.text  # the End now button

    # What the End button sends.
    r = web.patch(
        f"/api/v1/escorts/{escort['id']}",
        headers=FETCH,
        json={"active": False, "ends_at": "2030-01-01T00:00:00Z"},
    )
    assert r.status_code == 200, r.text
    page = web.get(f"/escorts/{escort['id']}")
    assert "data-end-url" not in page.text  # ended
    assert 'value="2030-01-01T00:00"' in page.text  # the datetime control, in UTC to the minute

    bad = web.patch(
        f"/api/v1/escorts/{escort['id']}",
        headers=FETCH,
        json={"starts_at": "2031-01-01T00:00:00Z"},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["ends_at"]
    assert 'data-error-for="ends_at"' in page.text

    liaison = cookie_login(world.client, "liaison")
    assert liaison.get("/escorts/new").status_code == 403
    assert cookie_login(world.client, "psc-operator").get(f"/escorts/{escort['id']}").status_code == 404
