"""The sharing-agreement pages: an admin of the grantor picks the agencies and kinds by name and the
agreement lands audited; the grantee's liaison reads it without the End button; an operator is refused
and finds no link to it; a bad agreement is answered for the named field, where the form has a slot."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.conftest import World
from tests.web.conftest import FETCH, cookie_login


def test_an_agreement_is_made_from_the_page_by_names(world: World) -> None:
    web = cookie_login(world.client, "police-admin")
    assert 'href="/sharing-agreements"' in web.get("/agencies").text  # in the nav
    form = web.get("/sharing-agreements/new")
    assert form.status_code == 200
    assert 'data-url="/api/v1/sharing-agreements"' in form.text
    police, embassy = world.agency["police"], world.agency["embassy"]
    # Grantor: only the caller's own tree; grantee: any agency, both by name.
    grantor = form.text.split('id="f-grantor_id"')[1].split("</select>")[0]
    assert f'<option value="{police}">Agency police</option>' in grantor
    assert world.agency["psc"] not in grantor
    grantee = form.text.split('id="f-grantee_id"')[1].split("</select>")[0]
    assert f'<option value="{embassy}">Embassy</option>' in grantee
    assert 'name="entity_kinds" value="persons"' in form.text  # kinds as check boxes
    assert 'type="datetime-local" id="f-valid_to"' in form.text

    r = web.post(
        "/api/v1/sharing-agreements",
        headers=FETCH,
        json={
            "name": "Nationals to embassy",
            "grantor_id": police,
            "grantee_id": embassy,
            "entity_kinds": ["persons"],
            "level": "summary",
            "valid_to": "2031-01-01T00:00:00Z",
        },
    )
    assert r.status_code == 201, r.text
    agreement = r.json()
    with unit_of_work(readonly=True) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == agreement["id"])).one()
        assert (entry.entity, entry.action, entry.actor) == ("agreements", "create", "police-admin")
    listing = web.get("/sharing-agreements").text
    assert f'href="/sharing-agreements/{agreement["id"]}">Nationals to embassy<' in listing
    assert f'<a href="/agencies/{embassy}">Embassy</a>' in listing
    page = web.get(f"/sharing-agreements/{agreement['id']}")
    assert page.status_code == 200
    assert f'data-delete-url="/api/v1/sharing-agreements/{agreement["id"]}"' in page.text
    assert "End agreement" in page.text
    # The audit trail under the audit log's kind (agreements), not the page's path.
    assert f'href="/audit?entity=agreements&amp;entity_id={agreement["id"]}"' in page.text

    # The grantee's liaison reads it, and may not end it.
    liaison = cookie_login(world.client, "liaison")
    seen = liaison.get(f"/sharing-agreements/{agreement['id']}")
    assert seen.status_code == 200
    assert "Nationals to embassy" in seen.text
    assert "data-delete-url" not in seen.text
    assert liaison.get("/sharing-agreements/new").status_code == 403
    # An operator may not read agreements at all, and the nav does not offer them.
    operator = cookie_login(world.client, "police-operator")
    assert operator.get("/sharing-agreements").status_code == 403
    assert operator.get(f"/sharing-agreements/{agreement['id']}").status_code == 403
    assert 'href="/sharing-agreements"' not in operator.get("/agencies").text
    # Another tree's admin does not see it.
    other = cookie_login(world.client, "psc-admin")
    assert other.get(f"/sharing-agreements/{agreement['id']}").status_code == 404


def test_a_bad_agreement_names_its_field(world: World) -> None:
    web = cookie_login(world.client, "police-admin")
    body = {
        "name": "Bad kinds",
        "grantor_id": world.agency["police"],
        "grantee_id": world.agency["embassy"],
        "entity_kinds": ["secrets"],
    }
    r = web.post("/api/v1/sharing-agreements", headers=FETCH, json=body)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["entity_kinds"]
    assert 'data-error-for="entity_kinds"' in web.get("/sharing-agreements/new").text
