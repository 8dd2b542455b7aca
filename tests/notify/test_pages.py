"""The webhooks pages: the list and detail for who may read webhooks, the form for admins only, writes
through the same service (audited), bad input answered for the named field, and no secret on any page."""

from __future__ import annotations

from sqlalchemy import select

from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.conftest import World
from tests.web.conftest import FETCH, cookie_login


def test_admin_registers_a_webhook_from_the_page(world: World) -> None:
    web = cookie_login(world.client, "police-admin")
    r = web.get("/webhooks")
    assert r.status_code == 200
    assert 'href="/webhooks/new"' in r.text
    assert 'href="/webhooks"' in r.text  # in the nav
    form = web.get("/webhooks/new")
    assert form.status_code == 200
    assert 'data-url="/api/v1/webhooks"' in form.text
    assert 'data-field="url"' in form.text
    assert 'type="password" id="f-secret"' in form.text  # write-only

    r = web.post(
        "/api/v1/webhooks", headers=FETCH, json={"name": "ops room", "url": "https://ops.police.example/h"}
    )
    assert r.status_code == 201, r.text
    hook = r.json()
    secret = hook["secret"]
    page = web.get(f"/webhooks/{hook['id']}")
    assert page.status_code == 200
    assert "ops room" in page.text
    assert "https://ops.police.example/h" in page.text
    assert "Agency police" in page.text  # the owner by name, not its id
    assert secret not in page.text
    assert f'data-url="/api/v1/webhooks/{hook["id"]}"' in page.text  # the edit form
    listing = web.get("/webhooks").text
    assert f'href="/webhooks/{hook["id"]}">ops room<' in listing
    assert "Agency police" in listing
    assert secret not in listing
    with unit_of_work(readonly=True) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == hook["id"])).one()
        assert (entry.entity, entry.action, entry.actor) == ("webhooks", "create", "police-admin")


def test_bad_input_names_the_field(world: World) -> None:
    web = cookie_login(world.client, "police-admin")
    r = web.post("/api/v1/webhooks", headers=FETCH, json={"name": "x", "url": "ftp://a.example/"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["url"]
    assert 'data-error-for="url"' in web.get("/webhooks/new").text  # where the page shows it


def test_operator_reads_and_others_are_refused(world: World) -> None:
    admin = cookie_login(world.client, "police-admin")
    hook = admin.post(
        "/api/v1/webhooks", headers=FETCH, json={"name": "ops room", "url": "https://ops.police.example/h"}
    ).json()
    operator = cookie_login(world.client, "police-operator")
    r = operator.get("/webhooks")
    assert r.status_code == 200
    assert "ops room" in r.text
    assert 'href="/webhooks/new"' not in r.text
    assert operator.get("/webhooks/new").status_code == 403
    detail = operator.get(f"/webhooks/{hook['id']}")
    assert detail.status_code == 200
    assert "data-api=" not in detail.text  # read only
    other = cookie_login(world.client, "psc-admin")
    assert "ops room" not in other.get("/webhooks").text
    assert other.get(f"/webhooks/{hook['id']}").status_code == 404
    liaison = cookie_login(world.client, "liaison")
    assert liaison.get("/webhooks").status_code == 403
    assert 'href="/webhooks"' not in liaison.get("/notifications").text
